/*
 * hotcache.h: finished UDP responses kept for a moment, so that a burst of
 * the same question (a busy MX, a mail queue run) is answered by copying
 * bytes: no engine, no LMDB, no message building.
 *
 * It is a copy of what the real path answered, never a source of its own:
 * an entry lives at most HC_LIFE_MS (and never past its records' TTLs),
 * so a flush, a reload or a new answer in the cache shows within that
 * time.  The key holds everything the response depends on: the question
 * (case-folded), CD, DO, AD, EDNS and the client's UDP size.  On a hit the
 * ID, RD and the question's case come from the query, and TTLs are counted
 * down.  Only secure, insecure and indeterminate NOERROR and NXDOMAIN
 * answers that fit are kept; never bogus ones or errors.
 *
 * Bounded: a fixed table; a new entry replaces the one in its slot.
 */
#ifndef MXSEC_API_HOTCACHE_H
#define MXSEC_API_HOTCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "name.h"

#define HC_LIFE_MS 1000
#define HC_MAX_RESP 1232     /* UDP answers are never larger (EDNS_BUFSIZE) */

typedef struct hotcache hotcache;

typedef struct hc_key {
	uint8_t qname[NAME_MAX_WIRE];   /* lower case */
	uint16_t qtype;
	uint16_t udp_size;              /* the size the answer was cut to */
	uint8_t bits;                   /* HC_CD | HC_DO | HC_AD | HC_EDNS */
} hc_key;

#define HC_CD 1
#define HC_DO 2
#define HC_AD 4
#define HC_EDNS 8

hotcache *hc_new(void);
void hc_free(hotcache *h);
/* Empty it (flush, reload). */
void hc_clear(hotcache *h);

/* A response for k at now_ms, made for a query with this ID, flags and
 * question name (as the client wrote it): its length, or 0 on a miss. */
size_t hc_get(hotcache *h, const hc_key *k, uint64_t now_ms, uint16_t id,
    uint16_t qflags, const uint8_t *client_qname, uint8_t *out, size_t cap);
/* Keep resp (a finished response for k), for at most life_ms. */
void hc_put(hotcache *h, const hc_key *k, uint64_t now_ms, uint32_t life_ms,
    const uint8_t *resp, size_t len);

#endif
