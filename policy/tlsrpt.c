/*
 * tlsrpt.c: the _smtp._tls TXT record (RFC 8460 3).
 */
#include <string.h>

#include "err.h"
#include "tlsrpt.h"
#include "txt_int.h"
#include "wire.h"

#define TLSRPT_VERSION "v=TLSRPTv1"

static bool
is_hex(int c)
{
	return txt_is_digit(c) || (txt_lower(c) >= 'a' && txt_lower(c) <= 'f');
}

/* RFC 3986 2: unreserved / gen-delims / sub-delims, minus "," and ";"
 * which RFC 8460 3 requires to be percent-encoded inside a tlsrpt-uri. */
static bool
uri_char(int c)
{
	if (txt_is_alnum(c))
		return true;
	return c != 0 && strchr("-._~:/?#[]@!$&'()*+=", c) != NULL;
}

static bool
prefix_nocase(const uint8_t *p, size_t len, const char *s)
{
	size_t l = strlen(s);

	if (len < l)
		return false;
	for (size_t i = 0; i < l; i++)
		if (txt_lower(p[i]) != s[i])
			return false;
	return true;
}

/* One URI: checks characters and percent escapes, then the scheme. */
static int
check_uri(const uint8_t *u, size_t len, unsigned k, pol_why *why)
{
	if (len == 0) {
		pol_why_set(why, "rua: URI %u is empty", k);
		return MX_EFORMAT;
	}
	if (len > TLSRPT_URI_MAX) {
		pol_why_set(why, "rua: URI %u longer than %d characters", k,
		    TLSRPT_URI_MAX);
		return MX_ELIMIT;
	}
	for (size_t i = 0; i < len; i++) {
		if (u[i] == '%') {
			if (len - i < 3 || !is_hex(u[i + 1]) || !is_hex(u[i + 2])) {
				pol_why_set(why, "rua: URI %u: bad %%-escape", k);
				return MX_EFORMAT;
			}
			i += 2;
		} else if (!uri_char(u[i])) {
			pol_why_set(why, "rua: URI %u: bad character", k);
			return MX_EFORMAT;
		}
	}
	/* RFC 8460 3: mailto: (RFC 6068) and https: (RFC 2818) only. */
	if (prefix_nocase(u, len, "mailto:")) {
		if (len == 7 || memchr(u + 7, '@', len - 7) == NULL) {
			pol_why_set(why, "rua: URI %u: mailto: without an "
			    "address", k);
			return MX_EFORMAT;
		}
		return 0;
	}
	if (prefix_nocase(u, len, "https://")) {
		if (len == 8 || u[8] == '/' || u[8] == '?' || u[8] == '#') {
			pol_why_set(why, "rua: URI %u: https: without a host",
			    k);
			return MX_EFORMAT;
		}
		return 0;
	}
	pol_why_set(why, "rua: URI %u: scheme is not mailto: or https:", k);
	return MX_EFORMAT;
}

/* tlsrpt-rua = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri) */
static int
parse_rua(const txt_field *f, tlsrpt_record *out, pol_why *why)
{
	wire_rd r;
	int rc;

	wire_rd_init(&r, f->val, f->vlen);
	for (;;) {
		const uint8_t *u = r.msg + r.pos;
		size_t len = 0;

		while (wire_left(&r) > 0 && txt_peek(&r) != ',' &&
		    !txt_is_wsp(txt_peek(&r))) {
			wire_skip(&r, 1);
			len++;
		}
		if (out->nrua == TLSRPT_RUA_MAX) {
			pol_why_set(why, "rua: more than %d URIs",
			    TLSRPT_RUA_MAX);
			return MX_ELIMIT;
		}
		if ((rc = check_uri(u, len, out->nrua + 1, why)) != 0)
			return rc;
		memcpy(out->rua[out->nrua], u, len);
		out->rua[out->nrua][len] = '\0';
		out->nrua++;
		while (txt_is_wsp(txt_peek(&r)))
			wire_skip(&r, 1);
		if (wire_left(&r) == 0)
			return 0;
		if (txt_peek(&r) != ',') {
			pol_why_set(why, "rua: expected ',' after URI %u",
			    out->nrua);
			return MX_EFORMAT;
		}
		wire_skip(&r, 1);
		while (txt_is_wsp(txt_peek(&r)))
			wire_skip(&r, 1);
	}
}

int
tlsrpt_record_parse(const pol_txt *recs, size_t n, tlsrpt_record *out,
    pol_why *why)
{
	txt_field f[TXT_FIELDS_MAX];
	size_t idx, nf;
	bool have_rua = false;
	int rc;

	memset(out, 0, sizeof(*out));
	pol_why_set(why, "%s", "");
	if ((rc = txt_select(recs, n, TLSRPT_VERSION, &idx, why)) != 0)
		return rc;
	if ((rc = txt_fields(&recs[idx], TLSRPT_VERSION, f, &nf, why)) != 0)
		return rc;
	for (size_t i = 0; i < nf; i++) {
		if (!txt_name_is(&f[i], "rua")) {
			/* RFC 8460 3: tlsrpt-extension, ignored but checked. */
			if (!txt_ext_value_ok(f[i].val, f[i].vlen)) {
				pol_why_set(why, "field %zu: bad value", i + 1);
				rc = MX_EFORMAT;
				goto fail;
			}
			continue;
		}
		if (have_rua) {
			pol_why_set(why, "rua appears twice");
			rc = MX_EFORMAT;
			goto fail;
		}
		have_rua = true;
		if ((rc = parse_rua(&f[i], out, why)) != 0)
			goto fail;
	}
	if (!have_rua) {
		/* RFC 8460 3: "the tlsrpt-rua field is required" */
		pol_why_set(why, "no rua field");
		rc = MX_EFORMAT;
		goto fail;
	}
	return 0;
fail:
	memset(out, 0, sizeof(*out));
	return rc;
}
