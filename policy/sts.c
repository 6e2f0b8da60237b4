/*
 * sts.c: MTA-STS TXT record, policy file and MX patterns (RFC 8461).
 */
#include <string.h>

#include "err.h"
#include "sts.h"
#include "txt_int.h"
#include "wire.h"

#define STS_VERSION "v=STSv1"

int
sts_record_parse(const pol_txt *recs, size_t n, sts_record *out,
    pol_why *why)
{
	txt_field f[TXT_FIELDS_MAX];
	size_t idx, nf;
	int rc;
	bool have_id = false;

	memset(out, 0, sizeof(*out));
	pol_why_set(why, "%s", "");
	if ((rc = txt_select(recs, n, STS_VERSION, &idx, why)) != 0)
		return rc;
	if ((rc = txt_fields(&recs[idx], STS_VERSION, f, &nf, why)) != 0)
		return rc;
	for (size_t i = 0; i < nf; i++) {
		if (!txt_name_is(&f[i], "id")) {
			/* RFC 8461 3.1: sts-extension, ignored but checked. */
			if (!txt_ext_value_ok(f[i].val, f[i].vlen)) {
				pol_why_set(why, "field %zu: bad value", i + 1);
				goto fail;
			}
			continue;
		}
		if (have_id) {
			pol_why_set(why, "id appears twice");
			goto fail;
		}
		if (f[i].vlen < 1 || f[i].vlen > STS_ID_MAX) {
			pol_why_set(why, "id must be 1 to %d characters",
			    STS_ID_MAX);
			goto fail;
		}
		for (size_t j = 0; j < f[i].vlen; j++)
			if (!txt_is_alnum(f[i].val[j])) {
				pol_why_set(why, "id is not alphanumeric");
				goto fail;
			}
		memcpy(out->id, f[i].val, f[i].vlen);
		out->id[f[i].vlen] = '\0';
		have_id = true;
	}
	if (!have_id) {
		pol_why_set(why, "no id field");
		goto fail;
	}
	return 0;
fail:
	memset(out, 0, sizeof(*out));
	return MX_EFORMAT;
}

/*
 * An mx value: ["*."] Domain (RFC 8461 3.2, Domain from RFC 5321 4.1.2),
 * copied in lower case without a trailing dot.  IDNs must be A-labels.
 */
static bool
pattern_norm(const uint8_t *p, size_t n, char *out)
{
	size_t o = 0, label = 0;

	if (n >= 2 && p[0] == '*' && p[1] == '.') {
		out[o++] = '*';
		out[o++] = '.';
		p += 2;
		n -= 2;
	}
	if (n > 0 && p[n - 1] == '.')
		n--;  /* leniency: a trailing dot names the same host */
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		int c = p[i];
		if (c == '.') {
			if (label == 0 || p[i - 1] == '-')
				return false;
			label = 0;
		} else if (txt_is_alnum(c) || c == '-') {
			if (++label > 63 || (label == 1 && c == '-'))
				return false;
		} else
			return false;
		out[o++] = (char)txt_lower(c);
	}
	if (label == 0 || p[n - 1] == '-')
		return false;
	out[o] = '\0';
	return true;
}

static bool
bytes_is(const uint8_t *v, size_t len, const char *s)
{
	return len == strlen(s) && memcmp(v, s, len) == 0;
}

/* RFC 8461 3.2: sts-policy-max-age-value = 1*10(DIGIT), at most 31557600. */
static bool
parse_max_age(const uint8_t *v, size_t len, uint32_t *out)
{
	uint64_t x = 0;

	if (len < 1 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!txt_is_digit(v[i]))
			return false;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (x > STS_MAX_AGE_MAX)
		return false;
	*out = (uint32_t)x;
	return true;
}

enum { SEEN_VERSION = 1, SEEN_MODE = 2, SEEN_MAX_AGE = 4 };

/* One "key: value" line (without its terminator). */
static int
policy_line(const uint8_t *p, size_t len, unsigned line, unsigned *seen,
    sts_policy *out, pol_why *why)
{
	wire_rd r;
	const uint8_t *key, *val;
	size_t klen = 0, vlen = 0;

	wire_rd_init(&r, p, len);
	while (txt_is_wsp(txt_peek(&r)))
		wire_skip(&r, 1);
	if (wire_left(&r) == 0)
		return 0;  /* leniency: blank lines are skipped */
	if (r.pos != 0 || !txt_is_alnum(txt_peek(&r))) {
		pol_why_set(why, "line %u: bad field name", line);
		return MX_EFORMAT;
	}
	/* sts-policy-ext-name: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".") */
	key = r.msg + r.pos;
	for (int c; (c = txt_peek(&r)) >= 0 && (txt_is_alnum(c) || c == '_' ||
	    c == '-' || c == '.');) {
		wire_skip(&r, 1);
		klen++;
	}
	if (klen > 32 || txt_peek(&r) != ':') {
		pol_why_set(why, "line %u: expected 'name:'", line);
		return MX_EFORMAT;
	}
	wire_skip(&r, 1);
	while (txt_is_wsp(txt_peek(&r)))
		wire_skip(&r, 1);
	val = r.msg + r.pos;
	vlen = wire_left(&r);
	while (vlen > 0 && txt_is_wsp(val[vlen - 1]))
		vlen--;
	for (size_t i = 0; i < vlen; i++)
		if ((val[i] < 0x20 && val[i] != '\t') || val[i] == 0x7f) {
			pol_why_set(why, "line %u: control character", line);
			return MX_EFORMAT;
		}

	unsigned bit = 0;
	if (bytes_is(key, klen, "version"))
		bit = SEEN_VERSION;
	else if (bytes_is(key, klen, "mode"))
		bit = SEEN_MODE;
	else if (bytes_is(key, klen, "max_age"))
		bit = SEEN_MAX_AGE;
	else if (!bytes_is(key, klen, "mx"))
		return 0;  /* RFC 8461 3.2: unknown fields are ignored */
	if (bit != 0 && (*seen & bit)) {
		/* Said once by the ABNF; two values are ambiguous. */
		pol_why_set(why, "line %u: field repeated", line);
		return MX_EFORMAT;
	}
	*seen |= bit;
	switch (bit) {
	case SEEN_VERSION:
		if (!bytes_is(val, vlen, "STSv1")) {
			pol_why_set(why, "line %u: version is not STSv1", line);
			return MX_EUNSUPP;
		}
		return 0;
	case SEEN_MODE:
		if (bytes_is(val, vlen, "enforce"))
			out->mode = STS_MODE_ENFORCE;
		else if (bytes_is(val, vlen, "testing"))
			out->mode = STS_MODE_TESTING;
		else if (bytes_is(val, vlen, "none"))
			out->mode = STS_MODE_NONE;
		else {
			pol_why_set(why, "line %u: mode is not enforce, "
			    "testing or none", line);
			return MX_EFORMAT;
		}
		return 0;
	case SEEN_MAX_AGE:
		if (!parse_max_age(val, vlen, &out->max_age)) {
			pol_why_set(why, "line %u: max_age is not 0..%u",
			    line, STS_MAX_AGE_MAX);
			return MX_EFORMAT;
		}
		return 0;
	}
	if (out->nmx == STS_MX_MAX) {
		pol_why_set(why, "line %u: more than %d mx patterns", line,
		    STS_MX_MAX);
		return MX_ELIMIT;
	}
	if (!pattern_norm(val, vlen, out->mx[out->nmx])) {
		pol_why_set(why, "line %u: mx is not a host name pattern",
		    line);
		return MX_EFORMAT;
	}
	out->nmx++;
	return 0;
}

int
sts_policy_parse(const uint8_t *text, size_t len, sts_policy *out,
    pol_why *why)
{
	wire_rd r;
	unsigned line = 0, seen = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	pol_why_set(why, "%s", "");
	if (len > STS_POLICY_MAX) {
		pol_why_set(why, "policy larger than %d octets", STS_POLICY_MAX);
		return MX_ELIMIT;
	}
	wire_rd_init(&r, text, len);
	while (wire_left(&r) > 0) {
		const uint8_t *p = r.msg + r.pos;
		size_t n = 0;

		line++;
		while (wire_left(&r) > 0 && txt_peek(&r) != '\n') {
			wire_skip(&r, 1);
			n++;
		}
		wire_skip(&r, wire_left(&r) > 0 ? 1 : 0);  /* the LF */
		/* RFC 8461 3.2: sts-policy-term = LF / CRLF */
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if ((rc = policy_line(p, n, line, &seen, out, why)) != 0)
			goto fail;
	}
	rc = MX_EFORMAT;
	if (!(seen & SEEN_VERSION))
		pol_why_set(why, "no version field");
	else if (!(seen & SEEN_MODE))
		pol_why_set(why, "no mode field");
	else if (!(seen & SEEN_MAX_AGE))
		pol_why_set(why, "no max_age field");
	else if (out->nmx == 0 && out->mode != STS_MODE_NONE)
		/* RFC 8461 3.2: mx is required unless mode is none. */
		pol_why_set(why, "no mx field");
	else
		return 0;
fail:
	memset(out, 0, sizeof(*out));
	return rc;
}

static bool
eq_nocase(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (txt_lower((unsigned char)a[i]) != txt_lower((unsigned char)b[i]))
			return false;
	return true;
}

bool
sts_mx_match(const char *pattern, const char *host)
{
	size_t pl = strlen(pattern), hl = strlen(host);

	if (pl > 0 && pattern[pl - 1] == '.')
		pl--;
	if (hl > 0 && host[hl - 1] == '.')
		hl--;
	if (pl == 0 || hl == 0 || memchr(host, '*', hl) != NULL)
		return false;
	if (pl >= 2 && pattern[0] == '*' && pattern[1] == '.') {
		/* RFC 8461 4.1: the wildcard covers exactly one label. */
		const char *dot = memchr(host, '.', hl);
		if (dot == NULL || dot == host)
			return false;
		size_t rest = hl - (size_t)(dot + 1 - host);
		return rest == pl - 2 && rest > 0 &&
		    eq_nocase(dot + 1, pattern + 2, rest);
	}
	return pl == hl && memchr(pattern, '*', pl) == NULL &&
	    eq_nocase(pattern, host, pl);
}

bool
sts_policy_match(const sts_policy *p, const char *host)
{
	for (unsigned i = 0; i < p->nmx && i < STS_MX_MAX; i++)
		if (sts_mx_match(p->mx[i], host))
			return true;
	return false;
}

const char *
sts_mode_str(sts_mode m)
{
	switch (m) {
	case STS_MODE_NONE: return "none";
	case STS_MODE_TESTING: return "testing";
	case STS_MODE_ENFORCE: return "enforce";
	}
	return "?";
}
