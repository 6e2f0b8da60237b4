/*
 * lmdb.c: the only file that includes lmdb.h (STYLE.md rule 6).  LMDB
 * error codes are mapped to MX_E* here.
 */
#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache.h"
#include "err.h"

/* The version key sorts before every data key, which start at 0x01. */
static const uint8_t version_key[] = { 0x00, 'v', 'e', 'r' };

struct cache {
	MDB_env *env;
	MDB_dbi dbi;
};

static int
map_err(int rc)
{
	switch (rc) {
	case 0: return 0;
	case MDB_NOTFOUND: return MX_ENOTFOUND;
	case MDB_MAP_FULL: return MX_ESPACE;
	case MDB_BAD_VALSIZE: return MX_EINVAL;
	case ENOMEM: return MX_ENOMEM;
	case MDB_CORRUPTED:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_PAGE_NOTFOUND: return MX_EFORMAT;
	default: return MX_EIO;
	}
}

static int
check_version(cache *c, int *purged)
{
	MDB_txn *txn;
	MDB_val k = { sizeof(version_key), (void *)version_key }, v;
	uint8_t want[4] = { 'M', 'X', 'C', (uint8_t)CACHE_FORMAT_VERSION };
	int rc;

	if ((rc = mdb_txn_begin(c->env, NULL, 0, &txn)) != 0)
		return map_err(rc);
	rc = mdb_get(txn, c->dbi, &k, &v);
	/* Stored data is untrusted: compare length and bytes, nothing else. */
	if (rc == 0 && v.mv_size == sizeof(want) && memcmp(v.mv_data, want, sizeof(want)) == 0) {
		mdb_txn_abort(txn);
		return 0;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto fail;
	/* Absent (new cache) or different: start empty. */
	if ((rc = mdb_drop(txn, c->dbi, 0)) != 0)
		goto fail;
	v.mv_size = sizeof(want);
	v.mv_data = want;
	if ((rc = mdb_put(txn, c->dbi, &k, &v, 0)) != 0)
		goto fail;
	if ((rc = mdb_txn_commit(txn)) != 0)
		return map_err(rc);
	if (purged)
		*purged = 1;
	return 0;
fail:
	mdb_txn_abort(txn);
	return map_err(rc);
}

int
cache_open(cache **out, const char *dir, size_t mapsize, int *purged)
{
	cache *c;
	MDB_txn *txn;
	int rc;

	*out = NULL;
	if (purged)
		*purged = 0;
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return MX_EIO;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return MX_ENOMEM;
	if ((rc = mdb_env_create(&c->env)) != 0)
		goto fail_free;
	if ((rc = mdb_env_set_mapsize(c->env, mapsize)) != 0)
		goto fail;
	/* MDB_NOTLS: read transactions are not tied to threads.  The default
	 * sync mode keeps the last committed transaction across a crash. */
	if ((rc = mdb_env_open(c->env, dir, MDB_NOTLS, 0640)) != 0)
		goto fail;
	if ((rc = mdb_txn_begin(c->env, NULL, 0, &txn)) != 0)
		goto fail;
	if ((rc = mdb_dbi_open(txn, NULL, 0, &c->dbi)) != 0) {
		mdb_txn_abort(txn);
		goto fail;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		goto fail;
	if ((rc = check_version(c, purged)) != 0) {
		mdb_env_close(c->env);
		free(c);
		return rc;
	}
	*out = c;
	return 0;
fail:
	mdb_env_close(c->env);
fail_free:
	free(c);
	return map_err(rc);
}

void
cache_close(cache *c)
{
	if (c == NULL)
		return;
	mdb_env_close(c->env);
	free(c);
}

static int
check_key(const void *key, size_t klen)
{
	/* Data keys never start with 0x00, the version key's prefix. */
	if (klen == 0 || klen > 511 || ((const uint8_t *)key)[0] == 0)
		return MX_EINVAL;
	return 0;
}

int
cache_put(cache *c, const void *key, size_t klen, const void *val, size_t vlen)
{
	MDB_txn *txn;
	MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };
	int rc;

	if ((rc = check_key(key, klen)) != 0)
		return rc;
	if ((rc = mdb_txn_begin(c->env, NULL, 0, &txn)) != 0)
		return map_err(rc);
	if ((rc = mdb_put(txn, c->dbi, &k, &v, 0)) != 0) {
		mdb_txn_abort(txn);
		return map_err(rc);
	}
	return map_err(mdb_txn_commit(txn));
}

int
cache_get(cache *c, const void *key, size_t klen, void *val, size_t cap,
    size_t *vlen)
{
	MDB_txn *txn;
	MDB_val k = { klen, (void *)key }, v;
	int rc;

	*vlen = 0;
	if ((rc = check_key(key, klen)) != 0)
		return rc;
	if ((rc = mdb_txn_begin(c->env, NULL, MDB_RDONLY, &txn)) != 0)
		return map_err(rc);
	rc = mdb_get(txn, c->dbi, &k, &v);
	if (rc == 0) {
		/* Copy out before the transaction ends: the map pointer
		 * is valid only inside it. */
		memcpy(val, v.mv_data, v.mv_size < cap ? v.mv_size : cap);
		*vlen = v.mv_size;
	}
	mdb_txn_abort(txn);
	return map_err(rc);
}

int
cache_del(cache *c, const void *key, size_t klen)
{
	MDB_txn *txn;
	MDB_val k = { klen, (void *)key };
	int rc;

	if ((rc = check_key(key, klen)) != 0)
		return rc;
	if ((rc = mdb_txn_begin(c->env, NULL, 0, &txn)) != 0)
		return map_err(rc);
	if ((rc = mdb_del(txn, c->dbi, &k, NULL)) != 0) {
		mdb_txn_abort(txn);
		return map_err(rc);
	}
	return map_err(mdb_txn_commit(txn));
}

int
cache_clear(cache *c)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_txn_begin(c->env, NULL, 0, &txn)) != 0)
		return map_err(rc);
	if ((rc = mdb_cursor_open(txn, c->dbi, &cur)) != 0)
		goto fail;
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		if (k.mv_size > 0 && ((uint8_t *)k.mv_data)[0] == 0)
			continue;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		goto fail;
	return map_err(mdb_txn_commit(txn));
fail:
	mdb_txn_abort(txn);
	return map_err(rc);
}

int
cache_count(cache *c, size_t *n)
{
	MDB_txn *txn;
	MDB_stat st;
	int rc;

	*n = 0;
	if ((rc = mdb_txn_begin(c->env, NULL, MDB_RDONLY, &txn)) != 0)
		return map_err(rc);
	rc = mdb_stat(txn, c->dbi, &st);
	mdb_txn_abort(txn);
	if (rc != 0)
		return map_err(rc);
	*n = st.ms_entries ? st.ms_entries - 1 : 0;
	return 0;
}
