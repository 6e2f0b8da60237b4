/*
 * entry.h: the cache's values and keys, as bytes.
 *
 * A value is one stored answer (or one NSEC, NSEC3 or SOA record set kept
 * for RFC 8198): a fixed header, the reason text, the records of the
 * answer and authority sections, and a checksum over all of it.  The cache
 * file is untrusted input (STYLE.md rule 7): centry_decode() checks every
 * field, every name and every RDATA against its type, and the checksum, and a
 * value that fails is a miss, never a crash.
 *
 * Keys sort in DNSSEC canonical order under memcmp (RFC 4034 6.1), so that
 * LMDB's own ordering finds the NSEC that covers a name, and so that a
 * name's subtree is one key range:
 *   K(name) = for each label from the root down: its octets, lower-cased,
 *             with 0x00 written 01 01 and 0x01 written 01 02, then 0x00.
 * A label's terminator sorts before any of its octets, so a shorter label
 * sorts first, and a parent before its children.
 *
 * No I/O, no LMDB: this file is what the fuzzer reads.
 */
#ifndef MXSEC_CACHE_ENTRY_H
#define MXSEC_CACHE_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "name.h"
#include "region.h"
#include "status.h"

#define CKEY_MAX 511              /* LMDB's default key limit */
#define CENTRY_MAX_RR 1024        /* records in one value */
#define CENTRY_MAX_REASON 512

enum centry_kind {
	CE_ANSWER = 1,       /* a finished answer to (qname, qtype, flags) */
	CE_NSEC = 2,         /* a validated NSEC and its RRSIGs (RFC 8198) */
	CE_NSEC3 = 3,        /* a validated NSEC3 and its RRSIGs */
	CE_SOA = 4,          /* a zone's validated SOA and its RRSIGs */
};

typedef struct centry {
	uint8_t kind;
	sec_status status;
	unsigned rcode;
	bool has_ede;
	uint16_t ede;
	const char *reason;          /* NULL when none */
	int64_t stored;              /* wall clock, seconds */
	int64_t expires;             /* absolute: time stopped counts */
	uint32_t hits;               /* informational */
	uint16_t count[2];           /* answer, authority */
	msg_rr *rr[2];
} centry;

/* K(name) into out (CKEY_MAX); returns its length or MX_ELIMIT when the
 * escaped name does not fit (such names are not cached). */
int ckey_name(const uint8_t *name, uint8_t *out, size_t cap);
/* The key of an answer: K(qname) 00 type(2) flags(1). */
int ckey_answer(const uint8_t *qname, uint16_t qtype, uint8_t flags,
    uint8_t *out, size_t cap);
/* Back from K(name) to a wire name; MX_EFORMAT if it is not one. */
int ckey_to_name(const uint8_t *key, size_t len, uint8_t out[NAME_MAX_WIRE],
    size_t *used);

/* Encode into buf; MX_ESPACE when it does not fit. */
int centry_encode(const centry *e, uint8_t *buf, size_t cap, size_t *len);
/* Decode and check a value.  The records' owners and RDATA point into buf,
 * which must outlive *out; the msg_rr arrays come from reg.  MX_EFORMAT
 * for anything malformed. */
int centry_decode(const uint8_t *buf, size_t len, region *reg, centry *out);

/* The header's times only, without the full checks (eviction reads many
 * values and keeps none).  MX_EFORMAT if the header is not ours. */
int centry_times(const uint8_t *buf, size_t len, int64_t *stored,
    int64_t *expires);

uint32_t ccsum(const uint8_t *p, size_t n);

#endif
