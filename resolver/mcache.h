/*
 * mcache.h: the engine's in-memory store of the records it iterates with:
 * NS RRsets of zone cuts and the addresses of name servers, with their
 * TTLs and their credibility (RFC 2181 5.4.1).  Answers to clients are
 * not kept here; the persistent cache (cache/) will hold those.
 *
 * Bounded: at most max_entries RRsets; the least recently used goes first.
 * Ownership: mcache_get copies out; no pointer into the store escapes.
 */
#ifndef MXSEC_MCACHE_H
#define MXSEC_MCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "name.h"

/* RFC 2181 5.4.1, simplified: higher ranks replace lower ones. */
enum mc_rank {
	MC_HINT = 1,        /* root hints */
	MC_GLUE = 2,        /* glue and referral NS (non-authoritative) */
	MC_AUTH = 3,        /* authoritative answer */
	MC_VALIDATED = 4,   /* checked by the validator */
};

typedef struct mcache mcache;

/* One RRset as stored: RDATA blobs back to back, each with its length. */
#define MC_MAX_RR 64

typedef struct mc_rrset {
	uint16_t count;
	uint32_t aux;               /* the owner's extra word (mcache_put_aux) */
	uint32_t ttl;               /* remaining at the time of the get */
	enum mc_rank rank;
	uint16_t len[MC_MAX_RR];
	const uint8_t *rdata[MC_MAX_RR];   /* into buf */
	uint8_t buf[8192];
} mc_rrset;

int mcache_new(size_t max_entries, mcache **out);
void mcache_free(mcache *m);

/* Store an RRset (expanded RDATA).  Ignored when an unexpired entry of a
 * higher rank exists.  Sets larger than MC_MAX_RR records or the buffer
 * are cut short (these are NS and address sets; a few records suffice). */
int mcache_put(mcache *m, const uint8_t *name, uint16_t type,
    const uint8_t *const *rdata, const uint16_t *len, size_t n,
    uint32_t ttl, enum mc_rank rank, time_t now);
/* The same with an extra word stored beside the set (the validator keeps
 * its verdicts there).  Rank rules as for mcache_put. */
int mcache_put_aux(mcache *m, const uint8_t *name, uint16_t type,
    const uint8_t *const *rdata, const uint16_t *len, size_t n,
    uint32_t ttl, enum mc_rank rank, uint32_t aux, time_t now);
/* MX_ENOTFOUND when absent or expired. */
int mcache_get(mcache *m, const uint8_t *name, uint16_t type, time_t now,
    mc_rrset *out);
size_t mcache_count(const mcache *m);

#endif
