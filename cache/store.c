/*
 * store.c: what goes into the answer cache, for how long, and how it comes
 * back out (cache.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cache_int.h"
#include "err.h"
#include "name.h"
#include "rrtype.h"

#define STALE_TTL 30          /* RFC 8767 4: TTL of a stale answer */
#define ENC_BUF (160u * 1024)

int
cache_open(cache **out, const cache_config *cfg, const char **note,
    char *err, size_t errlen)
{
	cache *c;
	int rc;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return MX_ENOMEM;
	c->cfg = *cfg;
	c->dir = strdup(cfg->dir);
	c->atime = calloc(ATIME_SLOTS, sizeof(*c->atime));
	c->buf = malloc(ENC_BUF);
	c->bufcap = ENC_BUF;
	if (c->dir == NULL || c->atime == NULL || c->buf == NULL) {
		rc = MX_ENOMEM;
		goto fail;
	}
	c->cfg.dir = c->dir;
	if ((rc = cdb_open(c, note, err, errlen)) != 0)
		goto fail;
	*out = c;
	return 0;
fail:
	free(c->dir);
	free(c->atime);
	free(c->buf);
	free(c);
	return rc;
}

void
cache_close(cache *c)
{
	if (c == NULL)
		return;
	cdb_close(c);
	free(c->dir);
	free(c->atime);
	free(c->buf);
	free(c);
}

int
cache_put_entry(cache *c, enum cdb_table t, const uint8_t *key, size_t klen,
    const centry *ce)
{
	size_t len;
	int rc;

	if ((rc = centry_encode(ce, c->buf, c->bufcap, &len)) != 0)
		return rc;
	if ((rc = cdb_put(c, t, key, klen, c->buf, len)) == 0)
		c->st.stores++;
	return rc;
}

int
cache_get_entry(cache *c, enum cdb_table t, const uint8_t *key, size_t klen,
    region *reg, centry *ce)
{
	uint8_t *val;
	size_t vlen;
	int rc;

	if ((rc = cdb_get(c, t, key, klen, reg, &val, &vlen)) != 0)
		return rc;
	if (centry_decode(val, vlen, reg, ce) != 0) {
		/* STYLE.md rule 7: a bad value is a miss, and goes. */
		c->st.corrupt++;
		cdb_del(c, t, key, klen);
		return MX_ENOTFOUND;
	}
	return 0;
}

static uint32_t
clamp(uint32_t v, uint32_t lo, uint32_t hi)
{
	if (v > hi)
		v = hi;
	if (v < lo)
		v = lo;
	return v;
}


/* A NOERROR answer without the asked type at the end of its chain. */
static bool
is_nodata(const uint8_t *qname, uint16_t qtype, const eng_result *res)
{
	if (qtype == RR_ANY)
		return res->count[SEC_ANSWER] == 0;
	for (unsigned i = 0; i < res->count[SEC_ANSWER]; i++) {
		uint16_t t = res->rr[SEC_ANSWER][i].type;
		if (t == qtype || (t == RR_RRSIG && qtype == RR_RRSIG))
			return false;
	}
	(void)qname;
	return true;
}

int
cache_store(cache *c, const uint8_t *qname, uint16_t qtype, unsigned flags,
    const eng_result *res, time_t now)
{
	uint8_t key[CKEY_MAX];
	centry ce;
	uint32_t ttl = UINT32_MAX;
	int klen;

	c->now = now;
	bool bogus = res->status == SEC_BOGUS;
	if (!bogus && res->rcode != RCODE_NOERROR && res->rcode != RCODE_NXDOMAIN)
		return 0;
	/* A chain that could not be fetched (the DS or DNSKEY lookup
	 * failed) is a resolution failure, not a verdict on the data: the
	 * engine remembers it a few seconds (RFC 9520), the file not at all,
	 * or one lost packet would make good data bogus for val-bogus-ttl. */
	if (bogus && res->has_ede && (res->ede == EDE_NO_REACHABLE_AUTHORITY ||
	    res->ede == EDE_NETWORK_ERROR))
		return 0;
	bool negative = res->rcode == RCODE_NXDOMAIN || is_nodata(qname, qtype, res);
	if (bogus) {
		ttl = c->cfg.bogus_ttl;
	} else {
		for (int s = 0; s < 2; s++)
			for (unsigned i = 0; i < res->count[s]; i++)
				if (res->rr[s][i].ttl < ttl)
					ttl = res->rr[s][i].ttl;
		if (negative) {
			uint32_t nt;
			/* RFC 2308 5: no SOA, no negative caching. */
			if (!msg_negative_ttl(res->rr[SEC_AUTHORITY], res->count[SEC_AUTHORITY], &nt))
				return 0;
			if (nt < ttl)
				ttl = nt;
			uint32_t lo = c->cfg.min_ttl < c->cfg.max_neg_ttl ?
			    c->cfg.min_ttl : c->cfg.max_neg_ttl;
			ttl = clamp(ttl, lo, c->cfg.max_neg_ttl);
		} else {
			ttl = clamp(ttl, c->cfg.min_ttl, c->cfg.max_ttl);
		}
	}
	if (ttl == 0)
		return 0;
	if ((klen = ckey_answer(qname, qtype, (uint8_t)(flags & ENG_F_CD), key, sizeof(key))) < 0)
		return klen;

	region reg;
	region_init(&reg, 4u << 20);
	memset(&ce, 0, sizeof(ce));
	ce.kind = CE_ANSWER;
	ce.status = res->status;
	ce.rcode = res->rcode;
	ce.has_ede = res->has_ede;
	ce.ede = res->ede;
	ce.reason = res->reason;
	ce.stored = now;
	ce.expires = (int64_t)now + ttl;
	int rc = 0;
	for (int s = 0; s < 2 && rc == 0; s++) {
		ce.count[s] = res->count[s];
		if (res->count[s] == 0)
			continue;
		ce.rr[s] = region_memdup(&reg, res->rr[s], sizeof(msg_rr) * res->count[s]);
		if (ce.rr[s] == NULL) {
			rc = MX_ENOMEM;
			break;
		}
		/* Each record keeps its own TTL within the limits; no record
		 * outlives a negative answer's TTL. */
		for (unsigned i = 0; i < ce.count[s]; i++) {
			msg_rr *rr = &ce.rr[s][i];
			rr->ttl = bogus || negative ? (rr->ttl < ttl ? rr->ttl : ttl) :
			    clamp(rr->ttl, c->cfg.min_ttl, c->cfg.max_ttl);
			if (rr->ttl < ttl && !negative && !bogus)
				rr->ttl = ttl;
		}
	}
	if (rc == 0)
		rc = cache_put_entry(c, CDB_ANS, key, (size_t)klen, &ce);
	region_free(&reg);
	if (rc == 0 && res->status == SEC_SECURE && !(flags & ENG_F_CD) &&
	    c->cfg.aggressive)
		aggr_index(c, qname, qtype, res, now);
	return rc;
}

int
centry_to_hit(const centry *ce, time_t now, bool stale, region *reg,
    eng_hit *hit)
{
	int64_t elapsed = (int64_t)now - ce->stored;

	memset(hit, 0, sizeof(*hit));
	if (elapsed < 0)
		elapsed = 0;   /* the clock went back: count nothing */
	hit->res.rcode = ce->rcode;
	hit->res.status = ce->status;
	hit->res.has_ede = ce->has_ede;
	hit->res.ede = ce->ede;
	hit->res.reason = ce->reason;
	hit->stale = stale;
	hit->ttl_orig = (uint32_t)(ce->expires - ce->stored);
	hit->ttl_left = ce->expires > (int64_t)now ? (uint32_t)(ce->expires - now) : 0;
	if (stale) {
		/* RFC 8914 3: EDE 3, Stale Answer. */
		hit->res.has_ede = true;
		hit->res.ede = EDE_STALE_ANSWER;
		hit->res.reason = "stale answer: upstreams did not answer (RFC 8767)";
	}
	for (int s = 0; s < 2; s++) {
		hit->res.count[s] = ce->count[s];
		hit->res.rr[s] = ce->rr[s];
		for (unsigned i = 0; i < ce->count[s]; i++) {
			msg_rr *rr = &ce->rr[s][i];
			if (stale)
				rr->ttl = STALE_TTL;
			else
				rr->ttl = rr->ttl > elapsed ? (uint32_t)(rr->ttl - elapsed) : 0;
		}
	}
	(void)reg;
	return 0;
}

int
cache_lookup(cache *c, const uint8_t *qname, uint16_t qtype, unsigned flags,
    time_t now, bool stale, region *reg, eng_hit *hit)
{
	uint8_t key[CKEY_MAX];
	centry ce;
	int klen, rc;

	c->now = now;
	if ((klen = ckey_answer(qname, qtype, (uint8_t)(flags & ENG_F_CD), key, sizeof(key))) < 0)
		return MX_ENOTFOUND;
	rc = cache_get_entry(c, CDB_ANS, key, (size_t)klen, reg, &ce);
	if (rc == 0 && ce.kind == CE_ANSWER) {
		if (ce.expires > (int64_t)now) {
			c->atime[cache_key_slot(key, (size_t)klen)] = (uint32_t)now;
			c->st.hits++;
			return centry_to_hit(&ce, now, false, reg, hit);
		}
		/* RFC 8767: secure or insecure data only, never bogus, and
		 * only within the stale window. */
		if (stale && c->cfg.stale_ttl > 0 &&
		    ce.expires + (int64_t)c->cfg.stale_ttl > (int64_t)now &&
		    (ce.status == SEC_SECURE || ce.status == SEC_INSECURE) &&
		    (ce.rcode == RCODE_NOERROR || ce.rcode == RCODE_NXDOMAIN)) {
			c->st.stale++;
			return centry_to_hit(&ce, now, true, reg, hit);
		}
		if (c->cfg.stale_ttl == 0 ||
		    ce.expires + (int64_t)c->cfg.stale_ttl <= (int64_t)now)
			cdb_del(c, CDB_ANS, key, (size_t)klen);
	}
	if (!stale && !(flags & ENG_F_CD) && c->cfg.aggressive &&
	    aggr_lookup(c, qname, qtype, now, reg, hit) == 0) {
		c->st.aggressive++;
		return 0;
	}
	if (!stale)
		c->st.misses++;
	return MX_ENOTFOUND;
}

static int
flush_tables(cache *c, const uint8_t *k, size_t klen)
{
	int rc = 0;

	for (int t = 0; t < CDB_NTABLES; t++) {
		int r = cdb_del_prefix(c, (enum cdb_table)t, k, klen);
		if (r != 0 && rc == 0)
			rc = r;
	}
	int r = cache_commit(c);
	return rc ? rc : r;
}

int
cache_flush_name(cache *c, const uint8_t *name, bool subtree)
{
	uint8_t key[CKEY_MAX];
	int klen = ckey_name(name, key, sizeof(key) - 1);

	if (klen < 0)
		return klen;
	if (!subtree)
		key[klen++] = 0;   /* the name's own entries: K(name) 00 */
	return flush_tables(c, key, (size_t)klen);
}

int
cache_flush_all(cache *c)
{
	return flush_tables(c, NULL, 0);
}

typedef struct dump_ctx {
	cache *c;
	FILE *f;
	time_t now;
	enum cdb_table t;
} dump_ctx;

static const char *const kind_name[] = {
	"", "answer", "nsec", "nsec3", "soa",
};

static int
dump_one(void *arg, const uint8_t *key, size_t klen, const uint8_t *val,
    size_t vlen)
{
	dump_ctx *d = arg;
	uint8_t name[NAME_MAX_WIRE];
	char nbuf[1024], rbuf[70000];
	region reg;
	centry ce;
	eng_hit hit;
	size_t used;

	region_init(&reg, 4u << 20);
	if (centry_decode(val, vlen, &reg, &ce) != 0 ||
	    ckey_to_name(key, klen, name, &used) != 0) {
		fprintf(d->f, "; corrupt entry skipped\n");
		region_free(&reg);
		return 0;
	}
	if (ce.expires <= (int64_t)d->now) {
		region_free(&reg);
		return 0;
	}
	name_to_str(name, nbuf, sizeof(nbuf));
	fprintf(d->f, "; %s %s", kind_name[ce.kind], nbuf);
	if (d->t == CDB_ANS && used + 4 == klen) {
		char tbuf[32];
		rrtype_to_str((uint16_t)(key[used + 1] << 8 | key[used + 2]), tbuf, sizeof(tbuf));
		fprintf(d->f, " %s%s", tbuf, key[used + 3] & ENG_F_CD ? " +cd" : "");
	}
	fprintf(d->f, " status=%s rcode=%s ttl=%" PRId64,
	    sec_status_name(ce.status), rcode_name(ce.rcode),
	    (int64_t)(ce.expires - (int64_t)d->now));
	if (ce.has_ede)
		fprintf(d->f, " ede=%u", ce.ede);
	if (ce.reason)
		fprintf(d->f, " reason=\"%s\"", ce.reason);
	fputc('\n', d->f);
	centry_to_hit(&ce, d->now, false, &reg, &hit);
	for (int s = 0; s < 2; s++)
		for (unsigned i = 0; i < hit.res.count[s]; i++)
			if (rr_to_str(&hit.res.rr[s][i], rbuf, sizeof(rbuf)) >= 0)
				fprintf(d->f, "%s\n", rbuf);
	region_free(&reg);
	return ferror(d->f) ? 1 : 0;
}

int
cache_dump(cache *c, FILE *f, time_t now)
{
	dump_ctx d = { c, f, now, CDB_ANS };
	int rc = 0;

	for (int t = 0; t < CDB_NDNS && rc == 0; t++) {
		d.t = (enum cdb_table)t;
		rc = cdb_each(c, d.t, dump_one, &d);
	}
	return rc;
}
