/*
 * txt.c: TXT record plumbing shared by sts.c and tlsrpt.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "txt_int.h"

void
pol_why_set(pol_why *why, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(why->text, sizeof(why->text), fmt, ap);
	va_end(ap);
}

int
pol_txt_join(const uint8_t *rdata, size_t rdlen, uint8_t *out, size_t cap,
    size_t *outlen)
{
	wire_rd r;
	size_t len = 0;

	*outlen = 0;
	wire_rd_init(&r, rdata, rdlen);
	while (wire_left(&r) > 0) {
		uint8_t n = wire_u8(&r);
		const uint8_t *s = wire_take(&r, n);
		if (s == NULL)
			return r.err;
		if (n > cap - len)
			return MX_ESPACE;
		if (n > 0)
			memcpy(out + len, s, n);
		len += n;
	}
	*outlen = len;
	return 0;
}

bool
txt_has_version(const pol_txt *rec, const char *version)
{
	size_t vl = strlen(version);

	if (rec->len < vl || memcmp(rec->data, version, vl) != 0)
		return false;
	return rec->len == vl || rec->data[vl] == ';' ||
	    txt_is_wsp(rec->data[vl]);
}

int
txt_select(const pol_txt *recs, size_t n, const char *version, size_t *idx,
    pol_why *why)
{
	size_t found = 0;

	*idx = 0;
	for (size_t i = 0; i < n; i++) {
		if (!txt_has_version(&recs[i], version))
			continue;
		if (found++ == 0)
			*idx = i;
	}
	if (found == 0) {
		pol_why_set(why, "no TXT record starting with %s", version);
		return MX_ENOTFOUND;
	}
	if (found > 1) {
		*idx = 0;
		pol_why_set(why, "%zu TXT records starting with %s", found,
		    version);
		return MX_EFORMAT;
	}
	return 0;
}

static bool
name_char(int c)
{
	return txt_is_alnum(c) || c == '_' || c == '-' || c == '.';
}

int
txt_fields(const pol_txt *rec, const char *version, txt_field *f,
    size_t *nf, pol_why *why)
{
	wire_rd r;
	size_t n = 0;

	*nf = 0;
	wire_rd_init(&r, rec->data, rec->len);
	if (!txt_has_version(rec, version)) {
		pol_why_set(why, "record does not start with %s", version);
		return MX_EFORMAT;
	}
	wire_skip(&r, strlen(version));
	for (;;) {
		while (txt_is_wsp(txt_peek(&r)))
			wire_skip(&r, 1);
		if (wire_left(&r) == 0)
			break;
		if (txt_peek(&r) != ';') {
			pol_why_set(why, "field %zu: expected ';'", n + 1);
			return MX_EFORMAT;
		}
		wire_skip(&r, 1);
		while (txt_is_wsp(txt_peek(&r)))
			wire_skip(&r, 1);
		if (wire_left(&r) == 0)
			break;  /* a trailing delimiter is allowed */
		if (n == TXT_FIELDS_MAX) {
			pol_why_set(why, "more than %d fields",
			    TXT_FIELDS_MAX);
			return MX_ELIMIT;
		}
		f[n].name = r.msg + r.pos;
		f[n].nlen = 0;
		if (!txt_is_alnum(txt_peek(&r))) {
			pol_why_set(why, "field %zu: bad field name", n + 1);
			return MX_EFORMAT;
		}
		while (name_char(txt_peek(&r))) {
			wire_skip(&r, 1);
			f[n].nlen++;
		}
		if (f[n].nlen > 32 || txt_peek(&r) != '=') {
			pol_why_set(why, "field %zu: bad field name", n + 1);
			return MX_EFORMAT;
		}
		wire_skip(&r, 1);
		f[n].val = r.msg + r.pos;
		f[n].vlen = 0;
		while (wire_left(&r) > 0 && txt_peek(&r) != ';') {
			wire_skip(&r, 1);
			f[n].vlen++;
		}
		/* RFC 8461 3.1: WSP before ";" belongs to the delimiter. */
		while (f[n].vlen > 0 && txt_is_wsp(f[n].val[f[n].vlen - 1]))
			f[n].vlen--;
		n++;
	}
	*nf = n;
	return 0;
}

bool
txt_ext_value_ok(const uint8_t *v, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (v[i] < 0x21 || v[i] > 0x7e || v[i] == ';' || v[i] == '=')
			return false;
	return true;
}

bool
txt_name_is(const txt_field *f, const char *name)
{
	size_t l = strlen(name);

	/* RFC 8461 3.1 / RFC 8460 3 use %s"...": case-sensitive. */
	return f->nlen == l && memcmp(f->name, name, l) == 0;
}
