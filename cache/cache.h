/*
 * cache.h: the persistent cache, on LMDB.
 *
 * This is the storage layer: opening the environment, the version key
 * that purges an incompatible cache (STYLE.md rule 7), and raw get/put of
 * opaque values.  RRset records, statuses, expiry and eviction are built
 * on it in the cache issue.
 *
 * Ownership: cache_get() copies the value out; no pointer into the LMDB
 * map ever leaves cache/lmdb.c, and no read transaction outlives a call.
 */
#ifndef MXSEC_CACHE_H
#define MXSEC_CACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct cache cache;

/* The format version written under the version key; bump it when the
 * stored layout changes, and old caches are purged on open. */
#define CACHE_FORMAT_VERSION 1

/* Open (creating if needed) the cache in directory dir with a map of at
 * most mapsize bytes.  An incompatible or unreadable version key empties
 * the cache; *purged tells whether that happened (may be NULL). */
int cache_open(cache **out, const char *dir, size_t mapsize, int *purged);
void cache_close(cache *c);

/* Raw values, keyed by byte strings of 1..511 octets (LMDB's key limit). */
int cache_put(cache *c, const void *key, size_t klen, const void *val,
    size_t vlen);
/* Copies at most cap bytes into val; *vlen gets the stored length.
 * MX_ENOTFOUND when absent. */
int cache_get(cache *c, const void *key, size_t klen, void *val, size_t cap,
    size_t *vlen);
int cache_del(cache *c, const void *key, size_t klen);
/* Remove every entry (the version key is kept). */
int cache_clear(cache *c);
/* Number of entries, the version key not counted. */
int cache_count(cache *c, size_t *n);

#endif
