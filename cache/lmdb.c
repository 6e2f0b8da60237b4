/*
 * lmdb.c: the only file that includes lmdb.h (STYLE.md rule 6).  LMDB
 * error codes are mapped to MX_E* here, and no pointer into the map leaves
 * this file: keys and values are copied out before a call returns.
 *
 * Transactions.  Writes go into one open write transaction (the batch),
 * committed by cdb_commit(); reads use that transaction when it is open,
 * else a read transaction renewed and reset around each call, so no read
 * transaction spans an event-loop turn.  The environment is opened with
 * MDB_NOMETASYNC: each commit syncs the data pages and leaves the meta page
 * to the next sync, so a system crash may lose the last batch and never
 * corrupts the file; kill -9 loses only the batch that was open.  Without
 * MDB_WRITEMAP LMDB writes with pwrite(), so a full disk is an error from
 * a commit, never SIGBUS; the map is also sized to fit the free space.
 */
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cache_int.h"
#include "err.h"

#define EVICT_HIGH 85      /* percent of the map in use that starts eviction */
#define EVICT_LOW 70       /* and where it stops */
#define EVICT_FULL 92      /* in use within a batch: make room at once */
#define EVICT_SAMPLE 128   /* entries looked at per round */
#define MIN_MAP (1u << 20)

static const char *const table_name[CDB_NTABLES] = {
	"answers", "nsec", "nsec3", "soa", "sts",
};
static const uint8_t version_key[] = { 'v', 'e', 'r', 's', 'i', 'o', 'n' };
static const uint8_t context_key[] = { 'c', 'o', 'n', 't', 'e', 'x', 't' };

struct cdb {
	MDB_env *env;
	MDB_dbi meta;
	MDB_dbi dbi[CDB_NTABLES];
	MDB_txn *wtxn;            /* the batch, or NULL */
	MDB_txn *rtxn;            /* reset between calls */
	unsigned psize;
	size_t map_pages;
	size_t soft_pages;        /* lowered when the disk says no */
	unsigned puts_since_check;
	uint32_t rng;
};

static int
map_err(int rc)
{
	switch (rc) {
	case 0: return 0;
	case MDB_NOTFOUND: return MX_ENOTFOUND;
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:
	case ENOSPC: return MX_ESPACE;
	case MDB_BAD_VALSIZE: return MX_EINVAL;
	case ENOMEM: return MX_ENOMEM;
	case MDB_CORRUPTED:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_PAGE_NOTFOUND: return MX_EFORMAT;
	default: return MX_EIO;
	}
}

uint32_t
cache_key_slot(const uint8_t *key, size_t klen)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < klen; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % ATIME_SLOTS;
}

static uint32_t
rnd(cdb *d)
{
	/* xorshift: which entries eviction samples need not be secret. */
	d->rng ^= d->rng << 13;
	d->rng ^= d->rng >> 17;
	d->rng ^= d->rng << 5;
	return d->rng;
}

static void
remove_files(const char *dir)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
}

/* Fit the map into the disk: the free space plus what the file has. */
static size_t
fit_map(const char *dir, size_t want, off_t have)
{
	struct statvfs vfs;

	if (statvfs(dir, &vfs) != 0)
		return want;
	uint64_t room = (uint64_t)vfs.f_bavail * vfs.f_frsize + (uint64_t)have;
	room -= room / 10;
	if (room < want)
		want = room < MIN_MAP ? MIN_MAP : (size_t)room;
	return want;
}

static int
env_open(cache *c, cdb *d, size_t mapsize)
{
	int rc;

	if ((rc = mdb_env_create(&d->env)) != 0)
		return rc;
	if ((rc = mdb_env_set_mapsize(d->env, mapsize)) != 0 ||
	    (rc = mdb_env_set_maxdbs(d->env, CDB_NTABLES + 1)) != 0 ||
	    (rc = mdb_env_open(d->env, c->dir,
	    MDB_NOTLS | MDB_NOMETASYNC | MDB_NORDAHEAD |
	    (c->cfg.readonly ? MDB_RDONLY : 0), 0640)) != 0) {
		mdb_env_close(d->env);
		d->env = NULL;
	}
	return rc;
}

/* A file shorter than its meta page says was cut (a full disk, a copy
 * gone wrong): reading past its end would be SIGBUS. */
static bool
truncated(cache *c, cdb *d)
{
	MDB_envinfo info;
	MDB_stat st;
	struct stat sb;
	char p[4096];

	snprintf(p, sizeof(p), "%s/data.mdb", c->dir);
	if (stat(p, &sb) != 0 || mdb_env_info(d->env, &info) != 0 ||
	    mdb_env_stat(d->env, &st) != 0)
		return true;
	return ((uint64_t)info.me_last_pgno + 1) * st.ms_psize > (uint64_t)sb.st_size;
}

/* Read-only: the tables must exist and have our format version. */
static int
open_tables_ro(cdb *d)
{
	MDB_txn *txn;
	MDB_val k = { sizeof(version_key), (void *)version_key }, v;
	uint8_t want[4] = { 'M', 'X', 'C', (uint8_t)CACHE_FORMAT_VERSION };
	int rc;

	if ((rc = mdb_txn_begin(d->env, NULL, MDB_RDONLY, &txn)) != 0)
		return rc;
	if ((rc = mdb_dbi_open(txn, "meta", 0, &d->meta)) != 0)
		goto done;
	for (int t = 0; t < CDB_NTABLES; t++)
		if ((rc = mdb_dbi_open(txn, table_name[t], 0, &d->dbi[t])) != 0)
			goto done;
	if ((rc = mdb_get(txn, d->meta, &k, &v)) != 0)
		goto done;
	if (v.mv_size != sizeof(want) || memcmp(v.mv_data, want, sizeof(want)) != 0)
		rc = MDB_VERSION_MISMATCH;
done:
	/* Handles opened in a read transaction stay valid after commit. */
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	return rc;
}

static int
open_tables(cdb *d, uint64_t context, bool *purged, bool *recontext)
{
	MDB_txn *txn;
	MDB_val k = { sizeof(version_key), (void *)version_key }, v;
	MDB_val ck = { sizeof(context_key), (void *)context_key }, cv;
	uint8_t want[4] = { 'M', 'X', 'C', (uint8_t)CACHE_FORMAT_VERSION };
	uint8_t ctx[8];
	int rc;

	for (int i = 0; i < 8; i++)
		ctx[i] = (uint8_t)(context >> (56 - 8 * i));
	*purged = false;
	*recontext = false;
	if ((rc = mdb_txn_begin(d->env, NULL, 0, &txn)) != 0)
		return rc;
	if ((rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &d->meta)) != 0)
		goto fail;
	for (int t = 0; t < CDB_NTABLES; t++)
		if ((rc = mdb_dbi_open(txn, table_name[t], MDB_CREATE, &d->dbi[t])) != 0)
			goto fail;
	rc = mdb_get(txn, d->meta, &k, &v);
	if (rc == 0 && v.mv_size == sizeof(want) &&
	    memcmp(v.mv_data, want, sizeof(want)) == 0) {
		int r2 = mdb_get(txn, d->meta, &ck, &cv);
		if (r2 == 0 && cv.mv_size == sizeof(ctx) &&
		    memcmp(cv.mv_data, ctx, sizeof(ctx)) == 0)
			return mdb_txn_commit(txn);
		if (r2 != 0 && r2 != MDB_NOTFOUND) {
			rc = r2;
			goto fail;
		}
		/* Statuses decided under other anchors: start empty. */
		*recontext = true;
	} else if (rc != 0 && rc != MDB_NOTFOUND) {
		goto fail;
	} else {
		/* New, or written by another format version: start empty. */
		*purged = rc == 0;
	}
	for (int t = 0; t < CDB_NTABLES; t++)
		if ((rc = mdb_drop(txn, d->dbi[t], 0)) != 0)
			goto fail;
	if ((rc = mdb_drop(txn, d->meta, 0)) != 0)
		goto fail;
	v.mv_size = sizeof(want);
	v.mv_data = want;
	if ((rc = mdb_put(txn, d->meta, &k, &v, 0)) != 0)
		goto fail;
	cv.mv_size = sizeof(ctx);
	cv.mv_data = ctx;
	if ((rc = mdb_put(txn, d->meta, &ck, &cv, 0)) != 0)
		goto fail;
	return mdb_txn_commit(txn);
fail:
	mdb_txn_abort(txn);
	return rc;
}

int
cdb_open(cache *c, const char **note, char *err, size_t errlen)
{
	cdb *d;
	struct stat sb;
	char p[4096];
	bool purged = false, recontext = false;
	int rc;

	if (note)
		*note = NULL;
	if (mkdir(c->dir, 0750) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cache-dir %s: %s", c->dir, strerror(errno));
		return MX_EIO;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return MX_ENOMEM;
	snprintf(p, sizeof(p), "%s/data.mdb", c->dir);
	off_t have = stat(p, &sb) == 0 ? sb.st_size : 0;
	size_t mapsize = fit_map(c->dir, c->cfg.mapsize, have);
	if (mapsize < c->cfg.mapsize && note)
		*note = "cache-size is larger than the free disk space: the map is smaller";
	if (c->cfg.readonly) {
		if ((rc = env_open(c, d, mapsize)) == 0 && truncated(c, d))
			rc = MDB_INVALID;
		if (rc == 0 && (rc = open_tables_ro(d)) != 0)
			mdb_env_close(d->env);
		if (rc != 0) {
			snprintf(err, errlen, "cache %s: %s", c->dir,
			    rc == MDB_VERSION_MISMATCH ? "another format version" :
			    rc == MDB_NOTFOUND ? "no cache here" : mdb_strerror(rc));
			free(d);
			return map_err(rc);
		}
	} else for (int attempt = 0; ; attempt++) {
		rc = env_open(c, d, mapsize);
		if (rc == 0 && truncated(c, d)) {
			mdb_env_close(d->env);
			d->env = NULL;
			rc = MDB_INVALID;
		}
		if (rc == 0 && (rc = open_tables(d, c->cfg.context, &purged, &recontext)) != 0) {
			mdb_env_close(d->env);
			d->env = NULL;
		}
		if (rc == 0)
			break;
		if (attempt > 0 || rc == EACCES || rc == ENOENT || rc == ENOMEM) {
			snprintf(err, errlen, "cache %s: %s", c->dir, mdb_strerror(rc));
			free(d);
			return map_err(rc);
		}
		/* Not an LMDB file, cut short, or unreadable: replace it. */
		remove_files(c->dir);
		if (note)
			*note = "cache file was unreadable or truncated: replaced by an empty one";
	}
	/* A reader slot left by a process killed with -9 would pin old
	 * pages forever, and the file would grow to the map's end. */
	int dead = 0;
	mdb_reader_check(d->env, &dead);
	if (purged && note && *note == NULL)
		*note = "cache file had another format version: purged";
	if (recontext && note && *note == NULL)
		*note = "trust anchors or negative trust anchors changed: cache purged";
	MDB_stat st;
	mdb_env_stat(d->env, &st);
	d->psize = st.ms_psize;
	d->map_pages = mapsize / d->psize;
	d->soft_pages = d->map_pages;
	d->rng = (uint32_t)getpid() * 2654435761u | 1;
	c->st.map_size = mapsize;
	c->db = d;
	return 0;
}

static void
commit_batch(cache *c)
{
	cdb *d = c->db;
	int rc;

	if (d->wtxn == NULL)
		return;
	rc = mdb_txn_commit(d->wtxn);
	d->wtxn = NULL;
	c->st.commits++;
	if (rc != 0) {
		c->st.store_errors++;
		/* The disk said no: keep the cache well below what it has. */
		if (rc == ENOSPC || rc == EIO || rc == MDB_MAP_FULL) {
			MDB_envinfo info;
			if (mdb_env_info(d->env, &info) == 0 && info.me_last_pgno > 16)
				d->soft_pages = info.me_last_pgno * 8 / 10;
		}
	}
}

void
cdb_close(cache *c)
{
	cdb *d = c->db;

	if (d == NULL)
		return;
	commit_batch(c);
	if (d->rtxn)
		mdb_txn_abort(d->rtxn);
	if (!c->cfg.readonly)
		mdb_env_sync(d->env, 1);
	mdb_env_close(d->env);
	free(d);
	c->db = NULL;
}

/* The transaction reads go through: the batch, or the renewed reader. */
static MDB_txn *
rd_begin(cdb *d)
{
	if (d->wtxn)
		return d->wtxn;
	if (d->rtxn == NULL) {
		if (mdb_txn_begin(d->env, NULL, MDB_RDONLY, &d->rtxn) != 0) {
			d->rtxn = NULL;
			return NULL;
		}
	} else if (mdb_txn_renew(d->rtxn) != 0) {
		return NULL;
	}
	return d->rtxn;
}

static void
rd_end(cdb *d, MDB_txn *txn)
{
	if (txn == d->rtxn)
		mdb_txn_reset(txn);
}

static int
wr_begin(cdb *d)
{
	if (d->wtxn)
		return 0;
	return mdb_txn_begin(d->env, NULL, 0, &d->wtxn);
}

int
cache_set_context(cache *c, uint64_t context)
{
	cdb *d = c->db;
	uint8_t ctx[8];
	MDB_val ck = { sizeof(context_key), (void *)context_key };
	MDB_val cv = { sizeof(ctx), ctx };
	int rc;

	if (c->cfg.readonly)
		return MX_EINVAL;
	for (int i = 0; i < 8; i++)
		ctx[i] = (uint8_t)(context >> (56 - 8 * i));
	if ((rc = wr_begin(d)) != 0)
		return map_err(rc);
	if ((rc = mdb_put(d->wtxn, d->meta, &ck, &cv, 0)) != 0)
		return map_err(rc);
	c->cfg.context = context;
	return 0;
}

static int
copy_out(region *reg, const MDB_val *v, uint8_t **out, size_t *len)
{
	if ((*out = region_memdup(reg, v->mv_data, v->mv_size ? v->mv_size : 1)) == NULL)
		return MX_ENOMEM;
	*len = v->mv_size;
	return 0;
}

int
cdb_get(cache *c, enum cdb_table t, const uint8_t *key, size_t klen,
    region *reg, uint8_t **val, size_t *vlen)
{
	cdb *d = c->db;
	if (d == NULL)
		return MX_ENOTFOUND;
	MDB_val k = { klen, (void *)key }, v;
	MDB_txn *txn;
	int rc;

	if (klen == 0 || klen > CKEY_MAX)
		return MX_ENOTFOUND;
	if ((txn = rd_begin(d)) == NULL)
		return MX_EIO;
	rc = mdb_get(txn, d->dbi[t], &k, &v);
	if (rc == 0)
		rc = copy_out(reg, &v, val, vlen);
	else
		rc = map_err(rc);
	rd_end(d, txn);
	return rc;
}

static bool
has_prefix(const MDB_val *k, const uint8_t *prefix, size_t plen)
{
	/* prefix may be NULL when plen is 0: memcmp() must not see it. */
	return k->mv_size >= plen && (plen == 0 || memcmp(k->mv_data, prefix, plen) == 0);
}

int
cdb_seek(cache *c, enum cdb_table t, const uint8_t *key, size_t klen,
    const uint8_t *prefix, size_t plen, bool le, region *reg,
    uint8_t **okey, size_t *oklen, uint8_t **val, size_t *vlen)
{
	cdb *d = c->db;
	if (d == NULL)
		return MX_ENOTFOUND;
	MDB_val k = { klen, (void *)key }, v;
	MDB_cursor *cur;
	MDB_txn *txn;
	int rc;

	if (klen == 0 || klen > CKEY_MAX)
		return MX_ENOTFOUND;
	if ((txn = rd_begin(d)) == NULL)
		return MX_EIO;
	if ((rc = mdb_cursor_open(txn, d->dbi[t], &cur)) != 0) {
		rd_end(d, txn);
		return map_err(rc);
	}
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (le) {
		/* SET_RANGE found the first key >= key: step back unless it
		 * is key itself. */
		if (rc == MDB_NOTFOUND)
			rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
		else if (rc == 0 && !(k.mv_size == klen && memcmp(k.mv_data, key, klen) == 0))
			rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	}
	if (rc == 0 && !has_prefix(&k, prefix, plen))
		rc = MDB_NOTFOUND;
	if (rc == 0 && (rc = copy_out(reg, &k, okey, oklen)) == 0)
		rc = copy_out(reg, &v, val, vlen);
	else
		rc = map_err(rc);
	mdb_cursor_close(cur);
	rd_end(d, txn);
	return rc;
}

static int evict(cache *c, size_t target_pages);

static size_t
used_pages(cdb *d, MDB_txn *txn)
{
	MDB_stat st;
	size_t n = 4;   /* meta pages and the main table */

	for (int t = 0; t < CDB_NTABLES; t++)
		if (mdb_stat(txn, d->dbi[t], &st) == 0)
			n += st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
	return n;
}

int
cdb_put(cache *c, enum cdb_table t, const uint8_t *key, size_t klen,
    const uint8_t *val, size_t vlen)
{
	cdb *d = c->db;
	if (d == NULL)
		return MX_EIO;
	MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };
	int rc;

	if (klen == 0 || klen > CKEY_MAX)
		return MX_EINVAL;
	/* Keep headroom: a map filled to the last page cannot even delete. */
	if (d->wtxn != NULL && ++d->puts_since_check >= 64) {
		d->puts_since_check = 0;
		if (used_pages(d, d->wtxn) > d->soft_pages * EVICT_FULL / 100)
			evict(c, d->soft_pages * EVICT_LOW / 100);
		if ((d = c->db) == NULL)   /* evict may have reopened the file */
			return MX_EIO;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		if ((rc = wr_begin(d)) != 0)
			break;
		rc = mdb_put(d->wtxn, d->dbi[t], &k, &v, 0);
		if (rc != MDB_MAP_FULL && rc != MDB_TXN_FULL)
			break;
		/* The batch cannot go on: drop it, make room, try again. */
		mdb_txn_abort(d->wtxn);
		d->wtxn = NULL;
		evict(c, d->soft_pages * EVICT_LOW / 100);
		if ((d = c->db) == NULL)
			return MX_EIO;
	}
	if (rc != 0) {
		c->st.store_errors++;
		if (d->wtxn && rc != MDB_KEYEXIST && rc != MDB_BAD_VALSIZE) {
			mdb_txn_abort(d->wtxn);
			d->wtxn = NULL;
		}
		return map_err(rc);
	}
	return 0;
}

int
cdb_del(cache *c, enum cdb_table t, const uint8_t *key, size_t klen)
{
	cdb *d = c->db;
	if (d == NULL)
		return MX_EIO;
	MDB_val k = { klen, (void *)key };
	int rc;

	if (klen == 0 || klen > CKEY_MAX)
		return MX_EINVAL;
	if ((rc = wr_begin(d)) != 0)
		return map_err(rc);
	rc = mdb_del(d->wtxn, d->dbi[t], &k, NULL);
	return rc == MDB_NOTFOUND ? 0 : map_err(rc);
}

int
cdb_del_prefix(cache *c, enum cdb_table t, const uint8_t *prefix, size_t plen)
{
	cdb *d = c->db;
	if (d == NULL)
		return MX_EIO;
	MDB_cursor *cur;
	MDB_val k = { plen, (void *)prefix }, v;
	int rc;

	if ((rc = wr_begin(d)) != 0)
		return map_err(rc);
	if (plen == 0)
		return map_err(mdb_drop(d->wtxn, d->dbi[t], 0));
	if ((rc = mdb_cursor_open(d->wtxn, d->dbi[t], &cur)) != 0)
		return map_err(rc);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && has_prefix(&k, prefix, plen)) {
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		/* After a delete, NEXT gives the entry that took its place. */
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : map_err(rc);
}

int
cdb_each(cache *c, enum cdb_table t, cdb_visit_fn fn, void *arg)
{
	cdb *d = c->db;
	if (d == NULL)
		return MX_EIO;
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	uint8_t kb[CKEY_MAX];
	uint8_t *vb = NULL;
	size_t vcap = 0;
	int rc, stop = 0;

	if ((txn = rd_begin(d)) == NULL)
		return MX_EIO;
	if ((rc = mdb_cursor_open(txn, d->dbi[t], &cur)) != 0) {
		rd_end(d, txn);
		return map_err(rc);
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !stop;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size > sizeof(kb))
			continue;
		if (v.mv_size > vcap) {
			uint8_t *nb = realloc(vb, v.mv_size);
			if (nb == NULL) {
				rc = ENOMEM;
				break;
			}
			vb = nb;
			vcap = v.mv_size;
		}
		memcpy(kb, k.mv_data, k.mv_size);
		if (v.mv_size)
			memcpy(vb, v.mv_data, v.mv_size);
		stop = fn(arg, kb, k.mv_size, vb, v.mv_size);
	}
	mdb_cursor_close(cur);
	rd_end(d, txn);
	free(vb);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : map_err(rc);
}

/*
 * Make room: sample runs of entries from random places in each table;
 * delete what has expired (past any stale window) or fails its header,
 * then the least recently used half of the rest, until the tables use at
 * most target pages.  Runs in its own transaction, committed at once.
 */
typedef struct victim {
	uint8_t key[CKEY_MAX];
	size_t klen;
	int64_t last;
} victim;

static int
cmp_victim(const void *a, const void *b)
{
	int64_t x = ((const victim *)a)->last, y = ((const victim *)b)->last;
	return x < y ? -1 : x > y;
}

/* One round of sampling in txn: delete the dead and the least recently
 * used half of a run of entries from a random place of a random table.
 * Returns the number deleted, or -1 when a delete failed (the
 * transaction is then unusable). */
static int
evict_round(cache *c, MDB_txn *txn, victim *vs)
{
	cdb *d = c->db;
	enum cdb_table t = (enum cdb_table)(rnd(d) % CDB_NDNS);
	MDB_cursor *cur;
	MDB_stat st;
	MDB_val k, v;
	uint8_t start[8];
	size_t nv = 0, nexp = 0;
	int64_t now = c->now;

	if (mdb_stat(txn, d->dbi[t], &st) != 0 || st.ms_entries == 0)
		return 0;
	if (mdb_cursor_open(txn, d->dbi[t], &cur) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(start); i++)
		start[i] = (uint8_t)rnd(d);
	k.mv_size = sizeof(start);
	k.mv_data = start;
	int g = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (g == MDB_NOTFOUND)
		g = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; g == 0 && nv < EVICT_SAMPLE; g = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		int64_t stored, expires;
		if (k.mv_size > CKEY_MAX)
			continue;
		victim *x = &vs[nv++];
		memcpy(x->key, k.mv_data, k.mv_size);
		x->klen = k.mv_size;
		if (centry_times(v.mv_data, v.mv_size, &stored, &expires) != 0 ||
		    expires + (int64_t)c->cfg.stale_ttl <= now) {
			x->last = INT64_MIN;   /* dead: goes first */
			nexp++;
			continue;
		}
		uint32_t a = c->atime[cache_key_slot(x->key, x->klen)];
		x->last = (int64_t)a > stored ? (int64_t)a : stored;
	}
	mdb_cursor_close(cur);
	if (nv == 0)
		return 0;
	qsort(vs, nv, sizeof(*vs), cmp_victim);
	size_t ndel = nexp + (nv - nexp + 1) / 2;
	for (size_t i = 0; i < ndel; i++) {
		MDB_val dk = { vs[i].klen, vs[i].key };
		int rc = mdb_del(txn, d->dbi[t], &dk, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return -1;
	}
	return (int)ndel;
}

/* The last resort, when even deleting needs room the map does not have:
 * empty every table.  Should that fail too, start the file afresh. */
static int
evict_all(cache *c)
{
	cdb *d = c->db;
	MDB_txn *txn;
	int rc;

	if ((rc = mdb_txn_begin(d->env, NULL, 0, &txn)) == 0) {
		for (int t = 0; t < CDB_NTABLES && rc == 0; t++)
			rc = mdb_drop(txn, d->dbi[t], 0);
		if (rc == 0)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
	}
	c->st.purges++;
	if (rc == 0)
		return 0;
	/* Reopen on an empty file: the cache is a cache. */
	char err[256];
	const char *note;
	cdb_close(c);
	remove_files(c->dir);
	return cdb_open(c, &note, err, sizeof(err));
}

/*
 * Make room: rounds of sampling (evict_round), each few rounds in a
 * transaction of its own, so that a delete never needs more free pages
 * than a nearly full map has, until the tables use at most target pages.
 */
static int
evict(cache *c, size_t target_pages)
{
	cdb *d = c->db;
	victim *vs;
	int rc = 0;

	if (d->wtxn)
		commit_batch(c);
	if ((vs = calloc(EVICT_SAMPLE, sizeof(*vs))) == NULL)
		return MX_ENOMEM;
	for (int txns = 0; txns < 256; txns++) {
		MDB_txn *txn;
		uint64_t deleted = 0;
		bool broken = false;

		if ((rc = mdb_txn_begin(d->env, NULL, 0, &txn)) != 0)
			break;
		if (used_pages(d, txn) <= target_pages) {
			mdb_txn_abort(txn);
			break;
		}
		for (int round = 0; round < 4; round++) {
			int n = evict_round(c, txn, vs);
			if (n < 0) {
				broken = true;
				break;
			}
			deleted += (uint64_t)n;
		}
		if (broken) {
			mdb_txn_abort(txn);
			rc = evict_all(c);
			break;
		}
		if ((rc = mdb_txn_commit(txn)) != 0) {
			rc = evict_all(c);
			break;
		}
		c->st.evictions += deleted;
		if (deleted == 0)
			break;
	}
	free(vs);
	return map_err(rc);
}

int
cache_commit(cache *c)
{
	cdb *d = c->db;

	if (d == NULL || d->wtxn == NULL)
		return 0;
	size_t used = used_pages(d, d->wtxn);
	commit_batch(c);
	if (used > d->soft_pages * EVICT_HIGH / 100)
		return evict(c, d->soft_pages * EVICT_LOW / 100);
	return 0;
}

bool
cache_pending(const cache *c)
{
	return c->db != NULL && c->db->wtxn != NULL;
}

void
cache_get_stats(cache *c, cache_stats *out)
{
	cdb *d = c->db;
	MDB_txn *txn;
	MDB_stat st;

	c->st.entries = 0;
	c->st.bytes_used = 0;
	if (d != NULL && (txn = rd_begin(d)) != NULL) {
		for (int t = 0; t < CDB_NTABLES; t++)
			if (mdb_stat(txn, d->dbi[t], &st) == 0)
				c->st.entries += st.ms_entries;
		c->st.bytes_used = (uint64_t)used_pages(d, txn) * d->psize;
		rd_end(d, txn);
	}
	*out = c->st;
}
