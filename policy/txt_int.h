/*
 * txt_int.h: the tag-list grammar that MTA-STS and TLS-RPT TXT records
 * share, and small character helpers (internal to policy/).
 *
 *   record = version 1*(delim field) [delim]      RFC 8461 3.1, RFC 8460 3
 *   delim  = *WSP ";" *WSP
 *   field  = name "=" value
 *   name   = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
 */
#ifndef MXSEC_POLICY_TXT_INT_H
#define MXSEC_POLICY_TXT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "wire.h"

/* Fields per record: more is hostile, not a policy. */
#define TXT_FIELDS_MAX 32

/* One field; name and value point into the record. */
typedef struct txt_field {
	const uint8_t *name;
	size_t nlen;
	const uint8_t *val;  /* trailing WSP already removed */
	size_t vlen;
} txt_field;

/* Does the record start with the version tag, followed by its end, WSP
 * or ";"?  ("v=STSv10" is not "v=STSv1".) */
bool txt_has_version(const pol_txt *rec, const char *version);

/* Pick the one record starting with version out of n.  Records with
 * another start are ignored.  Returns 0 and *idx, MX_ENOTFOUND when none,
 * MX_EFORMAT when several (RFC 8461 3.1, RFC 8460 3: no policy then). */
int txt_select(const pol_txt *recs, size_t n, const char *version,
    size_t *idx, pol_why *why);

/* Split a record known to start with version into fields.  Checks the
 * delimiters and field names only; values are checked by the caller. */
int txt_fields(const pol_txt *rec, const char *version, txt_field *f,
    size_t *nf, pol_why *why);

/* An extension value: 1*(%x21-3A / %x3C / %x3E-7E). */
bool txt_ext_value_ok(const uint8_t *v, size_t len);

bool txt_name_is(const txt_field *f, const char *name);

void pol_why_set(pol_why *why, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline int
txt_peek(const wire_rd *r)
{
	return wire_left(r) > 0 ? r->msg[r->pos] : -1;
}

static inline bool txt_is_wsp(int c) { return c == ' ' || c == '\t'; }
static inline bool txt_is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static inline bool txt_is_digit(int c) { return c >= '0' && c <= '9'; }
static inline bool txt_is_alnum(int c) { return txt_is_alpha(c) || txt_is_digit(c); }
static inline int txt_lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

#endif
