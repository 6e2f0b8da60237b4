/*
 * rrset.h: grouping records into RRsets (RFC 2181 5) and the DNSSEC
 * canonical form of an RRset (RFC 4034 6).
 *
 * Ownership: an rrset points at msg_rr records it does not own; arrays
 * come from the region passed in.
 */
#ifndef MXSEC_RRSET_H
#define MXSEC_RRSET_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "region.h"

typedef struct rrset {
	const uint8_t *owner;
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;           /* smallest TTL of the members (RFC 2181 5.2) */
	uint16_t count;
	msg_rr **rrs;           /* members, in message order */
} rrset;

/* Group n records into RRsets by owner (case-insensitive), type and
 * class, in order of first appearance.  RRSIG records form RRsets of
 * their own, keyed also by the type they cover, so each RRset's
 * signatures are one group. */
int rrset_group(region *reg, msg_rr *rrs, size_t n, rrset **out,
    size_t *nout);

/* Type covered by an RRSIG's RDATA (0 if too short). */
uint16_t rrsig_type_covered(const msg_rr *rr);

/*
 * The canonical form of an RRset (RFC 4034 6.2, 6.3): owner and the
 * listed embedded names lower-cased, RDATA sorted as octet strings and
 * duplicates removed.  Writes new records with copied, canonical data
 * into *out (count in *nout), from the region.
 */
int rrset_canonical(region *reg, const rrset *set, msg_rr **out,
    size_t *nout);

/* Compare two RDATA as left-justified octet strings (RFC 4034 6.3). */
int rdata_canon_cmp(const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen);

#endif
