/*
 * cache.h: the persistent answer cache, on LMDB.
 *
 * What is kept: finished answers to (name, type, CD), positive or negative
 * (RFC 2308), with their RRSIGs, NSEC/NSEC3 proofs, security status, EDE
 * and reason; the DNSKEY and DS sets the validator fetches are answers
 * like any other.  Beside them, the validated NSEC, NSEC3 and SOA records
 * of secure negative answers, indexed for aggressive use (RFC 8198).
 *
 * Expiry is absolute wall-clock time, so time spent stopped counts, and
 * TTLs count down in what cache_lookup() returns.  Bogus answers are kept
 * bogus_ttl seconds at most (RFC 4035 4.7) and come back bogus.
 *
 * Writes are batched: cache_store() adds to an open write transaction,
 * which cache_commit() ends (the daemon calls it a few times a second and
 * at exit).  Lookups see the open batch.  kill -9 loses at most the batch
 * in progress; LMDB's copy-on-write keeps the file whole.  No read
 * transaction outlives a call (STYLE.md rule 6).
 *
 * The file is untrusted: values are checked on the way in (entry.h); a bad
 * one is a miss and is deleted.  A file that LMDB rejects, that is shorter
 * than its own meta page says, or that has another format version is
 * replaced by an empty cache, and so is one whose statuses were decided
 * under other trust anchors (cache_config.context).
 *
 * When the map fills, expired entries go first, then a sample of the least
 * recently used.  A failed store never fails a query.
 *
 * Ownership: no pointer into the LMDB map leaves cache/lmdb.c.
 */
#ifndef MXSEC_CACHE_H
#define MXSEC_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "engine.h"
#include "region.h"

typedef struct cache cache;

/* The format version written under the version key; bump it when the
 * stored layout changes, and old caches are purged on open. */
#define CACHE_FORMAT_VERSION 4

typedef struct cache_config {
	const char *dir;
	size_t mapsize;              /* cache-size */
	uint32_t min_ttl;            /* cache-min-ttl: 0 */
	uint32_t max_ttl;            /* cache-max-ttl: 86400 */
	uint32_t max_neg_ttl;        /* cache-max-negative-ttl: 3600 */
	uint32_t bogus_ttl;          /* val-bogus-ttl: 60 */
	uint32_t stale_ttl;          /* serve-stale: keep this long past
	                                expiry; 0 = no serve-stale */
	bool aggressive;             /* aggressive-nsec (RFC 8198): yes */
	unsigned nsec3_max_iterations;
	/* A digest of what statuses depend on (trust anchors, negative
	 * anchors): a cache made under other anchors is purged on open. */
	uint64_t context;
	bool readonly;               /* inspect only (dump, stats): never
	                                purge, repair or write */
} cache_config;

typedef struct cache_stats {
	uint64_t hits;               /* answered from an entry */
	uint64_t misses;
	uint64_t aggressive;         /* answers synthesized (RFC 8198) */
	uint64_t stale;              /* stale answers given (RFC 8767) */
	uint64_t stores;
	uint64_t store_errors;       /* stores dropped (full, I/O) */
	uint64_t evictions;
	uint64_t corrupt;            /* values that failed their checks */
	uint64_t commits;
	uint64_t purges;             /* the map was too full to evict from:
	                                emptied as a last resort */
	size_t entries;              /* answers and index records */
	uint64_t bytes_used;         /* pages in use times the page size */
	uint64_t map_size;
} cache_stats;

/* Open or create the cache.  *note (may be NULL) gets a static text when
 * the old file was purged or replaced (for the log).  err gets a reason
 * on failure. */
int cache_open(cache **out, const cache_config *cfg, const char **note,
    char *err, size_t errlen);
/* Commit what is pending and close. */
void cache_close(cache *c);

/* The answer to (qname, qtype, flags & ENG_F_CD) at time now.  Records are
 * copied into reg with TTLs counted down.  With stale, an entry expired
 * less than stale_ttl ago is returned too (hit->stale set, TTLs 30 s,
 * RFC 8767 4).  Without an entry, and without CD, a secure NXDOMAIN or
 * NODATA (or a wildcard answer) is synthesized from cached NSEC or NSEC3
 * records when they prove it (RFC 8198).  MX_ENOTFOUND on a miss. */
int cache_lookup(cache *c, const uint8_t *qname, uint16_t qtype,
    unsigned flags, time_t now, bool stale, region *reg, eng_hit *hit);
/* Keep a finished answer, if it may be kept: NOERROR or NXDOMAIN, or a
 * bogus result; never another SERVFAIL, never with TTL 0. */
int cache_store(cache *c, const uint8_t *qname, uint16_t qtype,
    unsigned flags, const eng_result *res, time_t now);
/* End the write batch.  Cheap when nothing is pending. */
int cache_commit(cache *c);
bool cache_pending(const cache *c);

/* Operations. */
int cache_flush_name(cache *c, const uint8_t *name, bool subtree);
int cache_flush_all(cache *c);
/* Record a new status context (cache_config.context) in the file, with
 * the pending batch: after a reload that changed the anchors (and flushed
 * the cache), so that the next start does not purge what was cached
 * since. */
int cache_set_context(cache *c, uint64_t context);
/* Every live entry in zone-file form, with a comment line giving its
 * question, status, rcode, EDE and remaining TTL. */
int cache_dump(cache *c, FILE *f, time_t now);
void cache_get_stats(cache *c, cache_stats *st);

/*
 * MTA-STS policies (RFC 8461 5.1), kept beside the answers and keyed by
 * policy domain.  The body is the policy file as fetched; the reader
 * parses it again (sts_policy_parse) like anything read from the file.
 * Policies are never evicted; they go with FLUSH of their domain's
 * subtree, FLUSH-ALL, and a purge of the whole file.
 */
#define CACHE_STS_BODY_MAX 65536
#define CACHE_STS_ERR_MAX 95

typedef struct cache_sts {
	char id[33];                 /* the TXT id it was fetched under */
	int64_t fetched;             /* wall time of the last good fetch */
	int64_t expires;             /* fetched + max_age (RFC 8461 3.2) */
	int64_t checked;             /* the last refresh attempt */
	char error[CACHE_STS_ERR_MAX + 1];   /* why it failed, or "" */
	const uint8_t *body;         /* the policy file */
	size_t len;
} cache_sts;

/* domain: wire form, any case.  get copies the body into reg;
 * MX_ENOTFOUND when there is none or it fails its checks (then it is
 * deleted and counted as corrupt). */
int cache_sts_put(cache *c, const uint8_t *domain, const cache_sts *p);
int cache_sts_get(cache *c, const uint8_t *domain, region *reg,
    cache_sts *out);
int cache_sts_del(cache *c, const uint8_t *domain);
/* Every stored policy (domain in wire form, lower case); fn's nonzero
 * return stops.  Values failing their checks are skipped. */
typedef int (*cache_sts_fn)(void *arg, const uint8_t *domain,
    const cache_sts *p);
int cache_sts_each(cache *c, cache_sts_fn fn, void *arg);

#endif
