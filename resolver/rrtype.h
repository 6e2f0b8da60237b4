/*
 * rrtype.h: RR type, class and rcode numbers and their mnemonics.
 */
#ifndef MXSEC_RRTYPE_H
#define MXSEC_RRTYPE_H

#include <stddef.h>
#include <stdint.h>

enum {
	RR_A = 1, RR_NS = 2, RR_MD = 3, RR_MF = 4, RR_CNAME = 5, RR_SOA = 6,
	RR_MB = 7, RR_MG = 8, RR_MR = 9, RR_NULL = 10, RR_WKS = 11, RR_PTR = 12,
	RR_HINFO = 13, RR_MINFO = 14, RR_MX = 15, RR_TXT = 16, RR_RP = 17,
	RR_AFSDB = 18, RR_RT = 21, RR_SIG = 24, RR_KEY = 25, RR_PX = 26,
	RR_AAAA = 28, RR_NXT = 30, RR_SRV = 33, RR_NAPTR = 35, RR_KX = 36,
	RR_CERT = 37, RR_A6 = 38, RR_DNAME = 39, RR_OPT = 41, RR_DS = 43,
	RR_SSHFP = 44, RR_RRSIG = 46, RR_NSEC = 47, RR_DNSKEY = 48,
	RR_NSEC3 = 50, RR_NSEC3PARAM = 51, RR_TLSA = 52, RR_CDS = 59,
	RR_CDNSKEY = 60, RR_SVCB = 64, RR_HTTPS = 65, RR_TKEY = 249,
	RR_TSIG = 250, RR_IXFR = 251, RR_AXFR = 252, RR_ANY = 255, RR_CAA = 257,
};

enum { CLASS_IN = 1, CLASS_CH = 3, CLASS_HS = 4, CLASS_NONE = 254, CLASS_ANY = 255 };

enum {
	RCODE_NOERROR = 0, RCODE_FORMERR = 1, RCODE_SERVFAIL = 2,
	RCODE_NXDOMAIN = 3, RCODE_NOTIMP = 4, RCODE_REFUSED = 5,
	RCODE_BADVERS = 16,   /* extended rcode, needs OPT (RFC 6891 6.1.3) */
};

/* Mnemonic or NULL if the type has none. */
const char *rrtype_name(uint16_t type);
/* Mnemonic or "TYPEnnn" (RFC 3597 5); returns length or MX_ESPACE. */
int rrtype_to_str(uint16_t type, char *buf, size_t cap);
/* Accepts mnemonics (any case) and "TYPEnnn". */
int rrtype_from_str(const char *s, size_t len, uint16_t *type);
/* Same for classes: "IN", "CH", "HS", "CLASSnnn". */
int rrclass_to_str(uint16_t cls, char *buf, size_t cap);
int rrclass_from_str(const char *s, size_t len, uint16_t *cls);
/* "NOERROR", "SERVFAIL", ...; "RCODEnnn" otherwise.  Static string or buf. */
const char *rcode_name(unsigned rcode);
/* Meta types (RFC 6895 3.1: OPT, TKEY, TSIG, IXFR, AXFR, ANY ...) never
 * appear as data in the cache. */
int rrtype_is_meta(uint16_t type);

#endif
