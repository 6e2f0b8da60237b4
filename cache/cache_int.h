/*
 * cache_int.h: what store.c, aggr.c and dump.c share with lmdb.c.  The
 * LMDB handles stay in lmdb.c (STYLE.md rule 6); the others see named
 * tables and copies of their keys and values.
 */
#ifndef MXSEC_CACHE_INT_H
#define MXSEC_CACHE_INT_H

#include "cache.h"
#include "entry.h"

/* The tables, all keyed so that memcmp order is canonical order. */
enum cdb_table {
	CDB_ANS = 0,      /* K(qname) 00 type flags -> CE_ANSWER */
	CDB_NSEC,         /* K(owner) 00 -> CE_NSEC */
	CDB_NSEC3,        /* K(zone) 00 hash -> CE_NSEC3 */
	CDB_SOA,          /* K(zone) 00 -> CE_SOA */
	CDB_STS,          /* K(domain) 00 -> an MTA-STS policy (sts.c) */
	CDB_NTABLES
};
/* The tables of DNS data, which eviction samples and dumps print as
 * records; MTA-STS policies are few and small and are never evicted. */
#define CDB_NDNS CDB_STS

typedef struct cdb cdb;

#define ATIME_SLOTS 65536

struct cache {
	cache_config cfg;
	char *dir;
	cdb *db;
	cache_stats st;
	/* Last access (wall seconds) by key hash: reads stay read-only, and
	 * eviction still knows roughly what was used lately. */
	uint32_t *atime;
	int64_t now;              /* the time of the last call */
	uint8_t *buf;             /* encoding space */
	size_t bufcap;
};

/* lmdb.c.  Values and keys are copied into reg. */
int cdb_open(cache *c, const char **note, char *err, size_t errlen);
void cdb_close(cache *c);
int cdb_get(cache *c, enum cdb_table t, const uint8_t *key, size_t klen,
    region *reg, uint8_t **val, size_t *vlen);
/* The last entry with key <= key (le) or the first with key >= key (!le),
 * restricted to keys that start with prefix (plen octets). */
int cdb_seek(cache *c, enum cdb_table t, const uint8_t *key, size_t klen,
    const uint8_t *prefix, size_t plen, bool le, region *reg,
    uint8_t **okey, size_t *oklen, uint8_t **val, size_t *vlen);
int cdb_put(cache *c, enum cdb_table t, const uint8_t *key, size_t klen,
    const uint8_t *val, size_t vlen);
int cdb_del(cache *c, enum cdb_table t, const uint8_t *key, size_t klen);
/* Delete every key that starts with prefix (plen may be 0: all). */
int cdb_del_prefix(cache *c, enum cdb_table t, const uint8_t *prefix,
    size_t plen);
typedef int (*cdb_visit_fn)(void *arg, const uint8_t *key, size_t klen,
    const uint8_t *val, size_t vlen);
/* Visit every entry of a table (copies; fn's nonzero return stops). */
int cdb_each(cache *c, enum cdb_table t, cdb_visit_fn fn, void *arg);

/* aggr.c: RFC 8198. */
void aggr_index(cache *c, const uint8_t *qname, uint16_t qtype,
    const eng_result *res, time_t now);
int aggr_lookup(cache *c, const uint8_t *qname, uint16_t qtype, time_t now,
    region *reg, eng_hit *hit);
/* store.c: an entry as a hit, TTLs counted down (or 30 s when stale). */
int centry_to_hit(const centry *ce, time_t now, bool stale, region *reg,
    eng_hit *hit);
/* store.c: encode and put; the shared buffer. */
int cache_put_entry(cache *c, enum cdb_table t, const uint8_t *key,
    size_t klen, const centry *ce);
/* store.c: fetch and check one value; a bad one is counted and deleted. */
int cache_get_entry(cache *c, enum cdb_table t, const uint8_t *key,
    size_t klen, region *reg, centry *ce);

/* sts.c: check and decode a stored MTA-STS policy (body points into
 * val).  0 or MX_EFORMAT. */
int cache_sts_decode(const uint8_t *val, size_t vlen, cache_sts *out);

uint32_t cache_key_slot(const uint8_t *key, size_t klen);

#endif
