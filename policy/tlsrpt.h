/*
 * tlsrpt.h: the SMTP TLS Reporting record at _smtp._tls.DOMAIN
 * (RFC 8460 3).  Pure: no I/O, no allocation; the output is a plain
 * value owned by the caller, cleared on entry and set only on success.
 */
#ifndef MXSEC_POLICY_TLSRPT_H
#define MXSEC_POLICY_TLSRPT_H

#include <stddef.h>

#include "policy.h"

#define TLSRPT_RUA_MAX 8     /* report URIs kept; more is rejected */
#define TLSRPT_URI_MAX 512   /* characters per URI; longer is rejected */

typedef struct tlsrpt_record {
	unsigned nrua;
	/* NUL-terminated, as published (percent-encoding kept), each
	 * starting with "mailto:" or "https://" in any case. */
	char rua[TLSRPT_RUA_MAX][TLSRPT_URI_MAX + 1];
} tlsrpt_record;

/*
 * Parse the TXT RRset: recs[0..n), each with its character-strings
 * concatenated.  Records not starting with "v=TLSRPTv1" are ignored.
 * Returns 0; MX_ENOTFOUND when no record starts with v=TLSRPTv1;
 * MX_EFORMAT when several do or it is malformed (no rua, a bad URI,
 * a scheme other than mailto: and https:); MX_ELIMIT for too many or too
 * long URIs or too many fields.  Any error means "no TLS-RPT".
 */
int tlsrpt_record_parse(const pol_txt *recs, size_t n, tlsrpt_record *out,
    pol_why *why);

#endif
