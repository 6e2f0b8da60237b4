/*
 * sts.h: MTA-STS (RFC 8461) parsers: the _mta-sts TXT record, the policy
 * file and MX pattern matching.  Pure functions: no I/O, no clock, no
 * allocation.  Output structs are plain values owned by the caller; they
 * hold no pointers into the input.
 *
 * Every parse clears its output on entry and fills it only on success;
 * on failure it returns a negative MX_E* code and, when why is not NULL,
 * a one-line reason.
 */
#ifndef MXSEC_POLICY_STS_H
#define MXSEC_POLICY_STS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

#define STS_ID_MAX 32                /* RFC 8461 3.1: 1*32(ALPHA / DIGIT) */
#define STS_POLICY_MAX 65536         /* policy file size limit, octets */
#define STS_MAX_AGE_MAX 31557600u    /* RFC 8461 3.2: about one year */
#define STS_MX_MAX 64                /* mx patterns kept per policy */
#define STS_PATTERN_MAX 255          /* "*." + a 253-character name */

/* The one usable _mta-sts TXT record. */
typedef struct sts_record {
	char id[STS_ID_MAX + 1];     /* NUL-terminated, alphanumeric */
} sts_record;

/*
 * Parse the TXT RRset at _mta-sts.DOMAIN: recs[0..n), each with its
 * character-strings concatenated.  Records not starting with "v=STSv1"
 * are ignored (RFC 8461 3.1).
 * Returns 0; MX_ENOTFOUND when no record starts with v=STSv1;
 * MX_EFORMAT when several do or the one that does is malformed;
 * MX_ELIMIT for more than 32 fields.  Any error means "no policy".
 */
int sts_record_parse(const pol_txt *recs, size_t n, sts_record *out,
    pol_why *why);

typedef enum sts_mode {
	STS_MODE_NONE = 0,
	STS_MODE_TESTING = 1,
	STS_MODE_ENFORCE = 2,
} sts_mode;

typedef struct sts_policy {
	sts_mode mode;
	uint32_t max_age;            /* seconds, 0..STS_MAX_AGE_MAX */
	unsigned nmx;
	/* Lower case, without a trailing dot, "*." kept for wildcards. */
	char mx[STS_MX_MAX][STS_PATTERN_MAX + 1];
} sts_policy;

/*
 * Parse a policy file body (RFC 8461 3.2), at most STS_POLICY_MAX octets.
 * Returns 0, MX_ELIMIT (too large, too many mx), MX_EUNSUPP (a version
 * other than STSv1) or MX_EFORMAT (anything else malformed or missing).
 */
int sts_policy_parse(const uint8_t *text, size_t len, sts_policy *out,
    pol_why *why);

/* RFC 8461 4.1: does MX host name host match pattern?  ASCII case is
 * ignored, one trailing dot on either is ignored, and "*.example.com"
 * matches exactly one extra leftmost label.  Both NUL-terminated. */
bool sts_mx_match(const char *pattern, const char *host);

/* Does host match any mx pattern of the policy? */
bool sts_policy_match(const sts_policy *p, const char *host);

/* "none", "testing", "enforce"; "?" for anything else. */
const char *sts_mode_str(sts_mode m);

#endif
