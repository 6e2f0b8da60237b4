/*
 * sts.c: MTA-STS policies in the cache file (cache.h, "MTA-STS
 * policies").  Value layout, all integers big-endian:
 *
 *   "MXS" version(1) fetched(8) expires(8) checked(8)
 *   idlen(1) id  errlen(1) error  bodylen(4) body  checksum(4)
 *
 * Read back like network input (STYLE.md rule 7): every length and range
 * is checked, the id must be what RFC 8461 3.1 allows and the error text
 * printable.  The body is parsed again by its user.
 */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "cache_int.h"
#include "entry.h"
#include "err.h"
#include "name.h"
#include "wire.h"

#define STS_VERSION 1
static const uint8_t magic[3] = { 'M', 'X', 'S' };

static int
sts_key(const uint8_t *domain, uint8_t key[CKEY_MAX], size_t *klen)
{
	uint8_t lower[NAME_MAX_WIRE];
	int n;

	name_copy(lower, domain);
	name_lower(lower);
	if ((n = ckey_name(lower, key, CKEY_MAX - 1)) < 0)
		return n;
	key[n] = 0;
	*klen = (size_t)n + 1;
	return 0;
}

static void
put_i64(wire_wr *w, int64_t v)
{
	wire_put_u32(w, (uint32_t)((uint64_t)v >> 32));
	wire_put_u32(w, (uint32_t)v);
}

static int64_t
get_i64(wire_rd *r)
{
	uint64_t hi = wire_u32(r);

	return (int64_t)(hi << 32 | wire_u32(r));
}

static bool
id_ok(const char *id, size_t n)
{
	/* RFC 8461 3.1: sts-id = 1*32(ALPHA / DIGIT) */
	if (n < 1 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = id[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9')))
			return false;
	}
	return true;
}

static bool
text_ok(const char *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (t[i] < 0x20 || t[i] > 0x7e)
			return false;
	return true;
}

int
cache_sts_put(cache *c, const uint8_t *domain, const cache_sts *p)
{
	uint8_t key[CKEY_MAX];
	size_t klen, idlen = strlen(p->id), elen = strlen(p->error);
	size_t need = 3 + 1 + 24 + 1 + idlen + 1 + elen + 4 + p->len + 4;
	wire_wr w;
	int rc;

	if (c->db == NULL || c->cfg.readonly)
		return MX_EIO;
	if (!id_ok(p->id, idlen) || elen > CACHE_STS_ERR_MAX ||
	    !text_ok(p->error, elen) || p->len > CACHE_STS_BODY_MAX ||
	    p->expires < p->fetched)
		return MX_EINVAL;
	if ((rc = sts_key(domain, key, &klen)) != 0)
		return rc;
	uint8_t *buf = malloc(need);
	if (buf == NULL)
		return MX_ENOMEM;
	wire_wr_init(&w, buf, need);
	wire_put_bytes(&w, magic, sizeof(magic));
	wire_put_u8(&w, STS_VERSION);
	put_i64(&w, p->fetched);
	put_i64(&w, p->expires);
	put_i64(&w, p->checked);
	wire_put_u8(&w, (uint8_t)idlen);
	wire_put_bytes(&w, p->id, idlen);
	wire_put_u8(&w, (uint8_t)elen);
	wire_put_bytes(&w, p->error, elen);
	wire_put_u32(&w, (uint32_t)p->len);
	if (p->len)
		wire_put_bytes(&w, p->body, p->len);
	wire_put_u32(&w, ccsum(buf, w.len));
	rc = w.err ? w.err : cdb_put(c, CDB_STS, key, klen, buf, w.len);
	free(buf);
	if (rc != 0)
		c->st.store_errors++;
	return rc;
}

/* Check and decode one value; body points into val. */
int
cache_sts_decode(const uint8_t *val, size_t vlen, cache_sts *out)
{
	wire_rd r;
	uint8_t m[3];
	size_t n;

	memset(out, 0, sizeof(*out));
	if (vlen < 4 || ccsum(val, vlen - 4) != wire_get_u32(val + vlen - 4))
		return MX_EFORMAT;
	wire_rd_init(&r, val, vlen - 4);
	wire_bytes(&r, m, sizeof(m));
	if (r.err || memcmp(m, magic, sizeof(m)) != 0 || wire_u8(&r) != STS_VERSION)
		return MX_EFORMAT;
	out->fetched = get_i64(&r);
	out->expires = get_i64(&r);
	out->checked = get_i64(&r);
	n = wire_u8(&r);
	if (n > 32)
		return MX_EFORMAT;
	wire_bytes(&r, out->id, n);
	out->id[n] = '\0';
	if (r.err || !id_ok(out->id, n))
		return MX_EFORMAT;
	n = wire_u8(&r);
	if (n > CACHE_STS_ERR_MAX)
		return MX_EFORMAT;
	wire_bytes(&r, out->error, n);
	out->error[n] = '\0';
	if (r.err || !text_ok(out->error, n))
		return MX_EFORMAT;
	n = wire_u32(&r);
	if (n > CACHE_STS_BODY_MAX)
		return MX_EFORMAT;
	out->body = wire_take(&r, n);
	out->len = n;
	/* RFC 8461 3.2: max_age is at most 31557600 seconds. */
	if (r.err || wire_left(&r) != 0 || out->fetched < 0 ||
	    out->expires < out->fetched ||
	    out->expires - out->fetched > 31557600 || out->checked < 0)
		return MX_EFORMAT;
	return 0;
}

int
cache_sts_get(cache *c, const uint8_t *domain, region *reg, cache_sts *out)
{
	uint8_t key[CKEY_MAX];
	uint8_t *val;
	size_t klen, vlen;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = sts_key(domain, key, &klen)) != 0)
		return rc;
	if ((rc = cdb_get(c, CDB_STS, key, klen, reg, &val, &vlen)) != 0)
		return rc;
	if (cache_sts_decode(val, vlen, out) != 0) {
		memset(out, 0, sizeof(*out));
		c->st.corrupt++;
		if (!c->cfg.readonly)
			cdb_del(c, CDB_STS, key, klen);
		return MX_ENOTFOUND;
	}
	return 0;
}

int
cache_sts_del(cache *c, const uint8_t *domain)
{
	uint8_t key[CKEY_MAX];
	size_t klen;
	int rc;

	if ((rc = sts_key(domain, key, &klen)) != 0)
		return rc;
	return cdb_del(c, CDB_STS, key, klen);
}

struct each_ctx {
	cache_sts_fn fn;
	void *arg;
};

static int
each_one(void *arg, const uint8_t *key, size_t klen, const uint8_t *val,
    size_t vlen)
{
	struct each_ctx *e = arg;
	uint8_t name[NAME_MAX_WIRE];
	size_t used;
	cache_sts p;

	if (klen < 1 || key[klen - 1] != 0 ||
	    ckey_to_name(key, klen, name, &used) != 0 || used != klen - 1 ||
	    cache_sts_decode(val, vlen, &p) != 0)
		return 0;
	return e->fn(e->arg, name, &p);
}

int
cache_sts_each(cache *c, cache_sts_fn fn, void *arg)
{
	struct each_ctx e = { fn, arg };

	return cdb_each(c, CDB_STS, each_one, &e);
}
