/*
 * status.h: the DNSSEC security status every answer carries (STYLE.md
 * rule 3): a closed enum, stored with the data, plus a reason.
 *
 * RFC 4033 5 / RFC 4035 4.3: secure, insecure, bogus, indeterminate.
 * "Could not check" (no trust anchor covers the name, or validation is
 * not done) is indeterminate, never bogus and never secure.  Nothing ever
 * turns bogus into anything else.
 */
#ifndef MXSEC_STATUS_H
#define MXSEC_STATUS_H

#include <stdint.h>

typedef enum sec_status {
	SEC_INDETERMINATE = 0,
	SEC_SECURE,
	SEC_INSECURE,
	SEC_BOGUS,
} sec_status;

/* Extended DNS Error codes we use (RFC 8914 4). */
enum {
	EDE_OTHER = 0,
	EDE_UNSUPPORTED_DNSKEY_ALG = 1,
	EDE_UNSUPPORTED_DS_DIGEST = 2,
	EDE_STALE_ANSWER = 3,
	EDE_DNSSEC_INDETERMINATE = 5,
	EDE_DNSSEC_BOGUS = 6,
	EDE_SIGNATURE_EXPIRED = 7,
	EDE_SIGNATURE_NOT_YET_VALID = 8,
	EDE_DNSKEY_MISSING = 9,
	EDE_RRSIGS_MISSING = 10,
	EDE_NSEC_MISSING = 12,
	EDE_PROHIBITED = 18,
	EDE_NOT_AUTHORITATIVE = 20,
	EDE_NO_REACHABLE_AUTHORITY = 22,
	EDE_NETWORK_ERROR = 23,
	EDE_INVALID_DATA = 24,
	EDE_UNSUPPORTED_NSEC3_ITER = 27,
};

const char *sec_status_name(sec_status s);

#endif
