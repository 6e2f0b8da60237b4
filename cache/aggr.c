/*
 * aggr.c: aggressive use of the DNSSEC-validated cache (RFC 8198).
 *
 * Indexing: the NSEC and NSEC3 records of a secure answer, each with its
 * RRSIGs, and the zone's SOA, go into their own tables.  NSEC records
 * synthesized from a wildcard (RRSIG labels below the owner's) are left
 * out: their owner is the attacker's choice (CVE-2017-15105).  A secure
 * answer expanded from a wildcard is also kept under the wildcard's own
 * name, which is what a query for that name would have returned.
 *
 * Lookup, on a miss: the cached records that could prove something about
 * qname are gathered (the NSEC at or before it and the one at or before
 * the wildcard of its closest encloser; for NSEC3, the records at or
 * before the hashes of qname's ancestors and of their wildcards) and
 * handed to the same proof functions the validator uses (denial.h).
 * Only a proof (DENIAL_PROVEN) answers: an opt-out span or an iteration
 * count over the limit does not.  The answer carries the SOA and the
 * proving records with their RRSIGs, so a validating client downstream
 * can check it too; its TTL is the least of theirs (RFC 8198 5.4).
 */
#include <string.h>

#include "cache_int.h"
#include "crypto.h"
#include "denial.h"
#include "err.h"
#include "name.h"
#include "rrtype.h"

#define AGGR_MAX_RECS 32
#define AGGR_HASHES 48        /* NSEC3 hashes per lookup */
#define N3_HASH_LEN 20

/* The RRSIGs in rrs[0..n) that cover type at owner. */
static size_t
sigs_for(const msg_rr *rrs, size_t n, const uint8_t *owner, uint16_t type,
    const msg_rr **out, size_t cap)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k < cap; i++) {
		const msg_rr *s = &rrs[i];
		if (s->type == RR_RRSIG && s->rdlen >= 18 &&
		    (uint16_t)(s->rdata[0] << 8 | s->rdata[1]) == type &&
		    name_eq(s->owner, owner))
			out[k++] = s;
	}
	return k;
}

/* Signer name of an RRSIG (RFC 4034 3.1): after 18 fixed octets. */
static const uint8_t *
signer_of(const msg_rr *sig)
{
	return sig->rdlen > 18 ? sig->rdata + 18 : NULL;
}

static int
b32hex(const uint8_t *s, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t ch = s[i], v;
		if (ch >= '0' && ch <= '9')
			v = (uint8_t)(ch - '0');
		else if (ch >= 'a' && ch <= 'v')
			v = (uint8_t)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'V')
			v = (uint8_t)(ch - 'A' + 10);
		else
			return MX_EFORMAT;
		acc = acc << 5 | v;
		bits += 5;
		if (bits >= 8) {
			if (n == cap)
				return MX_EFORMAT;
			out[n++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	*outlen = n;
	return 0;
}

/* Store one NSEC or NSEC3 record with its RRSIGs as an index entry. */
static void
index_one(cache *c, const eng_result *res, const msg_rr *rr, uint32_t neg_cap,
    time_t now)
{
	const msg_rr *sigs[8];
	const msg_rr *all = res->rr[SEC_AUTHORITY];
	size_t nall = res->count[SEC_AUTHORITY];
	uint8_t key[CKEY_MAX];
	msg_rr recs[9];
	centry ce;
	int klen;

	size_t ns = sigs_for(all, nall, rr->owner, rr->type, sigs, 8);
	if (ns == 0)
		return;
	const uint8_t *zone = signer_of(sigs[0]);
	if (zone == NULL || !name_is_subdomain(rr->owner, zone))
		return;
	uint32_t ttl = rr->ttl < neg_cap ? rr->ttl : neg_cap;
	recs[0] = *rr;
	for (size_t i = 0; i < ns; i++) {
		/* RFC 4035 5.3.4 / CVE-2017-15105: an NSEC made from a
		 * wildcard has an owner of the attacker's choosing. */
		if (denial_rr_expanded(rr->owner, sigs[i]->rdata[3]))
			return;
		if (!name_eq(signer_of(sigs[i]), zone))
			return;
		recs[1 + i] = *sigs[i];
		if (sigs[i]->ttl < ttl)
			ttl = sigs[i]->ttl;
	}
	if (ttl > c->cfg.max_neg_ttl)
		ttl = c->cfg.max_neg_ttl;
	if (ttl == 0)
		return;
	for (size_t i = 0; i <= ns; i++)
		if (recs[i].ttl > ttl)
			recs[i].ttl = ttl;
	if (rr->type == RR_NSEC) {
		if ((klen = ckey_name(rr->owner, key, sizeof(key) - 1)) < 0)
			return;
		key[klen++] = 0;
	} else {
		/* K(zone) 00 hash: the chain of one zone, in hash order. */
		uint8_t h[64];
		size_t hl;
		if (!name_eq(name_parent(rr->owner), zone) ||
		    b32hex(rr->owner + 1, rr->owner[0], h, sizeof(h), &hl) != 0 ||
		    hl != N3_HASH_LEN)
			return;
		if ((klen = ckey_name(zone, key, sizeof(key) - 1 - hl)) < 0)
			return;
		key[klen++] = 0;
		memcpy(key + klen, h, hl);
		klen += (int)hl;
	}
	memset(&ce, 0, sizeof(ce));
	ce.kind = rr->type == RR_NSEC ? CE_NSEC : CE_NSEC3;
	ce.status = SEC_SECURE;
	ce.stored = now;
	ce.expires = (int64_t)now + ttl;
	ce.count[0] = (uint16_t)(ns + 1);
	ce.rr[0] = recs;
	cache_put_entry(c, rr->type == RR_NSEC ? CDB_NSEC : CDB_NSEC3, key,
	    (size_t)klen, &ce);
}

/* A secure wildcard expansion, kept under the wildcard's own name. */
static void
index_wildcard(cache *c, const uint8_t *qname, uint16_t qtype,
    const eng_result *res, time_t now)
{
	const msg_rr *ans = res->rr[SEC_ANSWER];
	size_t n = res->count[SEC_ANSWER];
	uint8_t wild[NAME_MAX_WIRE], key[CKEY_MAX];
	msg_rr recs[64];
	unsigned labels = 0;
	uint32_t ttl = UINT32_MAX;
	size_t k = 0;
	centry ce;

	if (n == 0 || n > 64)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!name_eq(ans[i].owner, qname))
			return;   /* a chain: not a plain expansion */
		if (ans[i].type == RR_RRSIG && ans[i].rdlen >= 18) {
			if ((uint16_t)(ans[i].rdata[0] << 8 | ans[i].rdata[1]) != qtype)
				return;
			labels = ans[i].rdata[3];
		} else if (ans[i].type != qtype) {
			return;
		}
		if (ans[i].ttl < ttl)
			ttl = ans[i].ttl;
	}
	if (labels == 0 || labels >= name_labels(qname) || ttl == 0)
		return;
	/* RFC 4035 5.3.2: the wildcard is "*" and the last labels labels. */
	const uint8_t *ce_name = name_suffix(qname, labels);
	size_t cl = name_len(ce_name);
	if (cl + 2 > NAME_MAX_WIRE)
		return;
	wild[0] = 1;
	wild[1] = '*';
	memcpy(wild + 2, ce_name, cl);
	if (ttl > c->cfg.max_ttl)
		ttl = c->cfg.max_ttl;
	for (size_t i = 0; i < n; i++) {
		recs[k] = ans[i];
		recs[k].owner = wild;
		recs[k].ttl = ttl;
		k++;
	}
	int klen = ckey_answer(wild, qtype, 0, key, sizeof(key));
	if (klen < 0)
		return;
	memset(&ce, 0, sizeof(ce));
	ce.kind = CE_ANSWER;
	ce.status = SEC_SECURE;
	ce.rcode = RCODE_NOERROR;
	ce.stored = now;
	ce.expires = (int64_t)now + ttl;
	ce.count[0] = (uint16_t)k;
	ce.rr[0] = recs;
	cache_put_entry(c, CDB_ANS, key, (size_t)klen, &ce);
}

void
aggr_index(cache *c, const uint8_t *qname, uint16_t qtype,
    const eng_result *res, time_t now)
{
	const msg_rr *auth = res->rr[SEC_AUTHORITY];
	size_t na = res->count[SEC_AUTHORITY];
	uint32_t neg_cap = c->cfg.max_neg_ttl;
	const msg_rr *soa = NULL;

	for (size_t i = 0; i < na; i++)
		if (auth[i].type == RR_SOA && auth[i].rdlen >= 20) {
			soa = &auth[i];
			break;
		}
	if (soa != NULL) {
		/* RFC 8198 5.4: no longer than the SOA's negative TTL. */
		uint32_t ttl;
		(void)msg_negative_ttl(soa, 1, &ttl);
		const msg_rr *sigs[8];
		size_t ns = sigs_for(auth, na, soa->owner, RR_SOA, sigs, 8);
		if (ttl < neg_cap)
			neg_cap = ttl;
		if (ns > 0 && neg_cap > 0) {
			uint8_t key[CKEY_MAX];
			msg_rr recs[9];
			centry ce;
			int klen = ckey_name(soa->owner, key, sizeof(key) - 1);
			recs[0] = *soa;
			for (size_t i = 0; i < ns; i++)
				recs[1 + i] = *sigs[i];
			for (size_t i = 0; i <= ns; i++)
				if (recs[i].ttl > neg_cap)
					recs[i].ttl = neg_cap;
			memset(&ce, 0, sizeof(ce));
			ce.kind = CE_SOA;
			ce.status = SEC_SECURE;
			ce.stored = now;
			ce.expires = (int64_t)now + neg_cap;
			ce.count[0] = (uint16_t)(ns + 1);
			ce.rr[0] = recs;
			if (klen >= 0) {
				key[klen++] = 0;
				cache_put_entry(c, CDB_SOA, key, (size_t)klen, &ce);
			}
		}
	}
	for (size_t i = 0; i < na; i++)
		if (auth[i].type == RR_NSEC || auth[i].type == RR_NSEC3)
			index_one(c, res, &auth[i], neg_cap, now);
	if (res->rcode == RCODE_NOERROR)
		index_wildcard(c, qname, qtype, res, now);
}

/* ---- lookup ---- */

typedef struct gather {
	centry ent[AGGR_MAX_RECS];
	size_t nent;
	msg_rr recs[AGGR_MAX_RECS];     /* the NSEC/NSEC3 records alone */
	size_t nrecs;
	int64_t expires;
} gather;

static bool
usable(const centry *ce, uint8_t kind, time_t now)
{
	return ce->kind == kind && ce->status == SEC_SECURE &&
	    ce->expires > (int64_t)now && ce->count[0] >= 2 &&
	    ce->rr[0][0].type == (kind == CE_NSEC ? RR_NSEC : kind == CE_NSEC3 ? RR_NSEC3 : RR_SOA);
}

static void
add(gather *g, const centry *ce)
{
	const msg_rr *rr = &ce->rr[0][0];

	if (g->nent == AGGR_MAX_RECS)
		return;
	for (size_t i = 0; i < g->nrecs; i++)
		if (g->recs[i].type == rr->type && name_eq(g->recs[i].owner, rr->owner))
			return;
	g->ent[g->nent++] = *ce;
	g->recs[g->nrecs++] = *rr;
	if (ce->expires < g->expires)
		g->expires = ce->expires;
}

/* The entry at or before key in t, within prefix; decoded and checked. */
static int
seek_entry(cache *c, enum cdb_table t, const uint8_t *key, size_t klen,
    const uint8_t *prefix, size_t plen, region *reg, centry *ce)
{
	uint8_t *okey, *val;
	size_t oklen, vlen;
	int rc = cdb_seek(c, t, key, klen, prefix, plen, true, reg, &okey,
	    &oklen, &val, &vlen);

	if (rc != 0)
		return rc;
	if (centry_decode(val, vlen, reg, ce) != 0) {
		c->st.corrupt++;
		cdb_del(c, t, okey, oklen);
		return MX_ENOTFOUND;
	}
	return 0;
}

/* Longest common ancestor of a and b, as a suffix of a. */
static const uint8_t *
common(const uint8_t *a, const uint8_t *b)
{
	unsigned la = name_labels(a), lb = name_labels(b);
	unsigned n = la < lb ? la : lb;

	while (n > 0 && !name_eq(name_suffix(a, n), name_suffix(b, n)))
		n--;
	return name_suffix(a, n);
}

static int
wildcard_of(const uint8_t *ce, uint8_t out[NAME_MAX_WIRE])
{
	size_t l = name_len(ce);

	if (l + 2 > NAME_MAX_WIRE)
		return MX_ELIMIT;
	out[0] = 1;
	out[1] = '*';
	memcpy(out + 2, ce, l);
	return 0;
}

/* Build the answer: SOA and the proving entries in authority; answer
 * records (a wildcard expansion) renamed to qname. */
static int
synth(cache *c, const gather *g, const centry *soa, const centry *pos,
    const uint8_t *qname, unsigned rcode, time_t now, region *reg,
    eng_hit *hit)
{
	eng_hit part;
	size_t na = 0, nauth = 0;
	int64_t expires = g->expires;

	memset(hit, 0, sizeof(*hit));
	if (soa)
		nauth += soa->count[0];
	for (size_t i = 0; i < g->nent; i++)
		nauth += g->ent[i].count[0];
	if (pos)
		na = pos->count[0];
	msg_rr *auth = region_alloc(reg, sizeof(msg_rr) * (nauth ? nauth : 1));
	msg_rr *ans = region_alloc(reg, sizeof(msg_rr) * (na ? na : 1));
	if (auth == NULL || ans == NULL)
		return MX_ENOMEM;
	size_t k = 0;
	if (soa) {
		centry tmp = *soa;
		if (soa->expires < expires)
			expires = soa->expires;
		centry_to_hit(&tmp, now, false, reg, &part);
		memcpy(auth + k, part.res.rr[0], sizeof(msg_rr) * part.res.count[0]);
		k += part.res.count[0];
	}
	for (size_t i = 0; i < g->nent; i++) {
		centry tmp = g->ent[i];
		centry_to_hit(&tmp, now, false, reg, &part);
		memcpy(auth + k, part.res.rr[0], sizeof(msg_rr) * part.res.count[0]);
		k += part.res.count[0];
	}
	if (pos) {
		centry tmp = *pos;
		if (pos->expires < expires)
			expires = pos->expires;
		centry_to_hit(&tmp, now, false, reg, &part);
		uint8_t *owner = region_memdup(reg, qname, name_len(qname));
		if (owner == NULL)
			return MX_ENOMEM;
		for (size_t i = 0; i < na; i++) {
			ans[i] = part.res.rr[0][i];
			ans[i].owner = owner;
		}
	}
	/* Every record ends no later than the proof. */
	uint32_t left = (uint32_t)(expires - (int64_t)now);
	for (size_t i = 0; i < k; i++)
		if (auth[i].ttl > left)
			auth[i].ttl = left;
	for (size_t i = 0; i < na; i++)
		if (ans[i].ttl > left)
			ans[i].ttl = left;
	hit->res.rcode = rcode;
	hit->res.status = SEC_SECURE;
	hit->res.rr[SEC_ANSWER] = ans;
	hit->res.count[SEC_ANSWER] = (uint16_t)na;
	hit->res.rr[SEC_AUTHORITY] = auth;
	hit->res.count[SEC_AUTHORITY] = (uint16_t)k;
	hit->ttl_left = left;
	hit->ttl_orig = left;
	hit->synthesized = true;
	(void)c;
	return 0;
}

static int
get_soa(cache *c, const uint8_t *zone, time_t now, region *reg, centry *soa)
{
	uint8_t key[CKEY_MAX];
	int klen = ckey_name(zone, key, sizeof(key) - 1);

	if (klen < 0)
		return MX_ENOTFOUND;
	key[klen++] = 0;
	if (cache_get_entry(c, CDB_SOA, key, (size_t)klen, reg, soa) != 0 ||
	    !usable(soa, CE_SOA, now) || !name_eq(soa->rr[0][0].owner, zone))
		return MX_ENOTFOUND;
	return 0;
}

static int
try_nsec(cache *c, const uint8_t *qname, uint16_t qtype, time_t now,
    region *reg, eng_hit *hit)
{
	uint8_t key[CKEY_MAX], wild[NAME_MAX_WIRE];
	gather *g = region_zalloc(reg, sizeof(*g));
	centry e1, e2, soa, pos;
	unsigned budget = 0;
	denial_out dout;
	int klen;

	if (g == NULL)
		return MX_ENOMEM;
	g->expires = INT64_MAX;
	if ((klen = ckey_name(qname, key, sizeof(key) - 1)) < 0)
		return MX_ENOTFOUND;
	key[klen++] = 0;
	if (seek_entry(c, CDB_NSEC, key, (size_t)klen, NULL, 0, reg, &e1) != 0 ||
	    !usable(&e1, CE_NSEC, now))
		return MX_ENOTFOUND;
	const msg_rr *n1 = &e1.rr[0][0];
	const uint8_t *zone = signer_of(&e1.rr[0][1]);
	if (zone == NULL || !name_is_subdomain(qname, zone))
		return MX_ENOTFOUND;
	denial_ctx dc = { zone, c->cfg.nsec3_max_iterations, &budget };
	add(g, &e1);
	if (!name_eq(n1->owner, qname)) {
		/* The closest encloser is the deeper of the names qname
		 * shares with the NSEC's owner and with its next name. */
		const uint8_t *a = common(qname, n1->owner);
		const uint8_t *b = common(qname, n1->rdata);
		const uint8_t *ce = name_labels(a) > name_labels(b) ? a : b;
		if (!name_is_subdomain(ce, zone) || wildcard_of(ce, wild) != 0)
			return MX_ENOTFOUND;
		klen = ckey_name(wild, key, sizeof(key) - 1);
		if (klen < 0)
			return MX_ENOTFOUND;
		key[klen++] = 0;
		if (seek_entry(c, CDB_NSEC, key, (size_t)klen, NULL, 0, reg, &e2) == 0 &&
		    usable(&e2, CE_NSEC, now) && name_eq(signer_of(&e2.rr[0][1]), zone))
			add(g, &e2);
		if (nsec_nxdomain(&dc, g->recs, g->nrecs, qname, &dout) == DENIAL_PROVEN) {
			if (get_soa(c, zone, now, reg, &soa) != 0)
				return MX_ENOTFOUND;
			return synth(c, g, &soa, NULL, qname, RCODE_NXDOMAIN, now, reg, hit);
		}
	}
	if (nsec_nodata(&dc, g->recs, g->nrecs, qname, qtype, &dout) == DENIAL_PROVEN) {
		if (get_soa(c, zone, now, reg, &soa) != 0)
			return MX_ENOTFOUND;
		return synth(c, g, &soa, NULL, qname, RCODE_NOERROR, now, reg, hit);
	}
	/* RFC 8198 5.3: a wildcard that exists, with the type cached.  The
	 * cached secure answer at the wildcard shows that it exists; the
	 * wildcard's own NSEC need not be cached (and when it is, it may
	 * be e1 itself, covering qname). */
	if (name_eq(n1->owner, qname))
		return MX_ENOTFOUND;
	if ((klen = ckey_answer(wild, qtype, 0, key, sizeof(key))) < 0 ||
	    cache_get_entry(c, CDB_ANS, key, (size_t)klen, reg, &pos) != 0 ||
	    pos.kind != CE_ANSWER || pos.status != SEC_SECURE ||
	    pos.rcode != RCODE_NOERROR || pos.expires <= (int64_t)now ||
	    pos.count[0] == 0)
		return MX_ENOTFOUND;
	for (unsigned i = 0; i < pos.count[0]; i++)
		if (!name_eq(pos.rr[0][i].owner, wild) ||
		    (pos.rr[0][i].type != qtype && pos.rr[0][i].type != RR_RRSIG))
			return MX_ENOTFOUND;
	/* Only the NSEC that covers qname goes with a positive answer. */
	g->nent = 1;
	g->nrecs = 1;
	g->expires = e1.expires;
	if (nsec_wildcard(&dc, g->recs, 1, qname, name_labels(wild) - 1, &dout) != DENIAL_PROVEN)
		return MX_ENOTFOUND;
	return synth(c, g, NULL, &pos, qname, RCODE_NOERROR, now, reg, hit);
}

static int
try_nsec3(cache *c, const uint8_t *qname, uint16_t qtype, time_t now,
    region *reg, eng_hit *hit)
{
	uint8_t prefix[CKEY_MAX], key[CKEY_MAX], wild[NAME_MAX_WIRE];
	uint8_t lc[NAME_MAX_WIRE], h[N3_HASH_LEN];
	gather *g = region_zalloc(reg, sizeof(*g));
	const uint8_t *zone = NULL;
	centry e, soa;
	int plen = -1;

	if (g == NULL)
		return MX_ENOMEM;
	g->expires = INT64_MAX;
	/* The deepest zone above qname with NSEC3 records cached, and its
	 * parameters from the first usable one: an expired or corrupt
	 * record first in the chain must not hide the fresh ones. */
	for (const uint8_t *a = qname; a != NULL; a = name_parent(a)) {
		uint8_t *okey, *val;
		size_t oklen, vlen;
		bool ok = false;
		plen = ckey_name(a, prefix, sizeof(prefix) - 1 - N3_HASH_LEN);
		if (plen < 0)
			return MX_ENOTFOUND;
		prefix[plen++] = 0;
		int r = cdb_seek(c, CDB_NSEC3, prefix, (size_t)plen, prefix,
		    (size_t)plen, false, reg, &okey, &oklen, &val, &vlen);
		if (r != 0)
			continue;
		zone = a;
		for (int tries = 0; r == 0 && tries < 8; tries++) {
			if (centry_decode(val, vlen, reg, &e) != 0) {
				c->st.corrupt++;
				cdb_del(c, CDB_NSEC3, okey, oklen);
			} else if (usable(&e, CE_NSEC3, now)) {
				ok = true;
				break;
			}
			if (oklen + 1 > sizeof(key))
				break;
			/* The next key: the first one after okey. */
			memcpy(key, okey, oklen);
			key[oklen] = 0;
			r = cdb_seek(c, CDB_NSEC3, key, oklen + 1, prefix,
			    (size_t)plen, false, reg, &okey, &oklen, &val, &vlen);
		}
		if (!ok)
			return MX_ENOTFOUND;
		break;
	}
	if (zone == NULL)
		return MX_ENOTFOUND;
	/* RFC 5155 3.2: alg, flags, iterations, salt length, salt. */
	const msg_rr *p = &e.rr[0][0];
	if (p->rdlen < 5 || p->rdata[0] != 1 || 5u + p->rdata[4] > p->rdlen)
		return MX_ENOTFOUND;
	unsigned iter = (unsigned)(p->rdata[2] << 8 | p->rdata[3]);
	const uint8_t *salt = p->rdata + 5;
	size_t saltlen = p->rdata[4];
	if (iter > c->cfg.nsec3_max_iterations)
		return MX_ENOTFOUND;
	unsigned zl = name_labels(zone), ql = name_labels(qname);
	if (ql - zl > 8)
		return MX_ENOTFOUND;
	unsigned hashes = 0;
	for (unsigned l = ql; l >= zl && hashes + 2 <= AGGR_HASHES; l--) {
		const uint8_t *anc = name_suffix(qname, l);
		for (int w = 0; w < 2; w++) {
			const uint8_t *nm = anc;
			if (w == 1) {
				if (wildcard_of(anc, wild) != 0)
					continue;
				nm = wild;
			}
			size_t len = name_copy(lc, nm);
			name_lower(lc);
			hashes++;
			if (crypto_nsec3_hash(1, salt, saltlen, (uint16_t)iter, lc, len, h) != 0)
				return MX_ENOTFOUND;
			memcpy(key, prefix, (size_t)plen);
			memcpy(key + plen, h, N3_HASH_LEN);
			int r = seek_entry(c, CDB_NSEC3, key, (size_t)plen + N3_HASH_LEN,
			    prefix, (size_t)plen, reg, &e);
			if (r == MX_ENOTFOUND) {
				/* Before the first hash: the last record's
				 * span wraps around to cover it. */
				memset(key + plen, 0xff, N3_HASH_LEN + 1);
				r = seek_entry(c, CDB_NSEC3, key, (size_t)plen + N3_HASH_LEN + 1,
				    prefix, (size_t)plen, reg, &e);
			}
			if (r == 0 && usable(&e, CE_NSEC3, now) &&
			    name_eq(signer_of(&e.rr[0][1]), zone))
				add(g, &e);
		}
		if (l == 0)
			break;
	}
	if (g->nrecs == 0)
		return MX_ENOTFOUND;
	unsigned budget = AGGR_HASHES;
	denial_ctx dc = { zone, c->cfg.nsec3_max_iterations, &budget };
	denial_out dout;
	unsigned rcode;
	if (nsec3_nxdomain(&dc, g->recs, g->nrecs, qname, &dout) == DENIAL_PROVEN) {
		rcode = RCODE_NXDOMAIN;
	} else {
		budget = AGGR_HASHES;
		if (nsec3_nodata(&dc, g->recs, g->nrecs, qname, qtype, &dout) != DENIAL_PROVEN)
			return MX_ENOTFOUND;
		rcode = RCODE_NOERROR;
	}
	if (get_soa(c, zone, now, reg, &soa) != 0)
		return MX_ENOTFOUND;
	return synth(c, g, &soa, NULL, qname, rcode, now, reg, hit);
}

int
aggr_lookup(cache *c, const uint8_t *qname, uint16_t qtype, time_t now,
    region *reg, eng_hit *hit)
{
	/* A DS is answered by the parent's chain; leave it to the
	 * resolver, which knows where the zone cuts are. */
	if (qtype == RR_DS || rrtype_is_meta(qtype))
		return MX_ENOTFOUND;
	if (try_nsec(c, qname, qtype, now, reg, hit) == 0)
		return 0;
	return try_nsec3(c, qname, qtype, now, reg, hit);
}
