/*
 * val.c: the validator: the chain of trust from the anchors down to the
 * zone of each RRset (RFC 4035 5), and the verdict on a finished answer.
 *
 * The chain is walked label by label from the closest anchor: at each
 * name below it a DS query (checked with the keys of the zone above)
 * tells whether the name is a secure zone cut (DS), an insecure one (no
 * DS, or only unsupported algorithms), or no cut at all; at a secure cut
 * the DNSKEY RRset is checked against the DS.  Every step's verdict is
 * kept in the engine's store (mcache) with its TTL, so the walk of the
 * next answer in the same zones costs no query.  DS and DNSKEY are asked
 * through the engine with CD set: raw data, checked here.
 *
 * The verdict is recomputed from the store each time a sub-request
 * answers (val_continue): simple, and cheap once the store is warm.
 */
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "denial.h"
#include "engine_int.h"
#include "err.h"
#include "rdata.h"
#include "rrset.h"
#include "rrtype.h"
#include "val_sig.h"

/* Verdicts in the store: (name, DNSKEY) for zones, (name, DS) for steps. */
enum {
	KC_SECURE = 1,     /* DNSKEY: the keys; DS: a secure cut, the DS set */
	KC_NOCUT = 2,      /* DS: no zone cut here */
	KC_INSECURE = 3,   /* an insecure cut (or unsupported algorithms) */
	KC_BOGUS = 4,
};
#define AUX(kind, ede, tag) ((uint32_t)(kind) | (uint32_t)(ede) << 4 | (uint32_t)(tag) << 16)
#define AUX_KIND(a) ((a) & 0xf)
#define AUX_EDE(a) (((a) >> 4) & 0xfff)
#define AUX_TAG(a) ((a) >> 16)

#define BOGUS_TTL 60       /* RFC 4035 4.7: keep bogus only briefly */
#define FAIL_TTL 5         /* could not fetch: try again soon */
#define KEYS_NONE 0xffff   /* key tag field of a DNSKEY NODATA verdict */
#define MAX_ASKS 64        /* DS/DNSKEY sub-requests per answer */

typedef struct chain {
	sec_status status;
	uint8_t zone[NAME_MAX_WIRE];
	uint16_t ede;
	uint16_t keytag;
	const char *why;
} chain;

typedef enum { WALK_DONE, WALK_WAIT, WALK_FAIL } walk_rc;

/* The reason for a stored verdict on a zone's keys or DS, from its EDE:
 * only the code is stored, so the text is rebuilt from it. */
static const char *
chain_why(sec_status s, unsigned ede)
{
	if (s == SEC_INSECURE) {
		switch (ede) {
		case EDE_UNSUPPORTED_DNSKEY_ALG: return "insecure: DS with unsupported algorithms only";
		case EDE_UNSUPPORTED_DS_DIGEST: return "insecure: DS with unsupported digests only";
		case EDE_UNSUPPORTED_NSEC3_ITER: return "insecure: NSEC3 iterations above the limit";
		}
		return "insecure delegation";
	}
	switch (ede) {
	case EDE_SIGNATURE_EXPIRED: return "DNSKEY RRset: signature expired";
	case EDE_SIGNATURE_NOT_YET_VALID: return "DNSKEY RRset: signature not yet valid";
	case EDE_DNSKEY_MISSING: return "no DNSKEY matches the DS";
	case EDE_RRSIGS_MISSING: return "DNSKEY or DS RRset not signed";
	case EDE_NSEC_MISSING: return "missing DS not proven";
	case EDE_NO_REACHABLE_AUTHORITY: return "cannot fetch DS or DNSKEY";
	case EDE_UNSUPPORTED_DNSKEY_ALG: return "only signatures with unsupported algorithms";
	}
	return "chain of trust broken";
}

static bool
under_nta(const eng *e, const uint8_t *name)
{
	for (size_t i = 0; i < e->ninsecure; i++)
		if (name_is_subdomain(name, e->insecure[i]))
			return true;
	return false;
}

/* The closest name at or above name that has an anchor. */
static const uint8_t *
closest_anchor(const eng *e, const uint8_t *name)
{
	const uint8_t *best = NULL;

	for (size_t i = 0; i < e->nanchors; i++) {
		const uint8_t *o = e->anchors[i].owner;
		if (name_is_subdomain(name, o) &&
		    (best == NULL || name_labels(o) > name_labels(best)))
			best = o;
	}
	return best;
}

static void
ask(eng *e, ereq *r, const uint8_t *name, uint16_t type, const uint8_t *parent)
{
	vstate *v = &r->vs;

	name_copy(v->ask_name, name);
	v->ask_type = type;
	name_copy(v->ask_parent, parent ? parent : name);
	v->waiting = true;
	v->asks++;
	if (req_sub_flags(e, r, name, type, ENG_F_CD) != 0) {
		v->waiting = false;
		/* Cannot ask (depth, loop): remember the failure briefly, and
		 * come back to give the verdict it leads to. */
		(void)mcache_put_aux(e->mc, name, type, NULL, NULL, 0, FAIL_TTL,
		    MC_VALIDATED, AUX(KC_BOGUS, EDE_OTHER, 0), e->now.wall);
		req_schedule(e, r);
	}
}

/*
 * Walk from the closest anchor to target.  WALK_DONE with *c filled when
 * every step is known; WALK_WAIT after asking for the missing step.
 */
static walk_rc
walk(eng *e, ereq *r, const uint8_t *target, chain *c)
{
	static mc_rrset st;
	const uint8_t *ta;

	memset(c, 0, sizeof(*c));
	if (under_nta(e, target)) {
		c->status = SEC_INSECURE;
		c->why = "under a negative trust anchor";
		return WALK_DONE;
	}
	if ((ta = closest_anchor(e, target)) == NULL) {
		c->status = SEC_INDETERMINATE;
		c->why = "no trust anchor";
		return WALK_DONE;
	}
	name_copy(c->zone, ta);
	if (mcache_get(e->mc, ta, RR_DNSKEY, e->now.wall, &st) != 0 || st.rank != MC_VALIDATED) {
		ask(e, r, ta, RR_DNSKEY, NULL);
		return WALK_WAIT;
	}
	if (AUX_KIND(st.aux) != KC_SECURE)
		goto verdict;
	unsigned tl = name_labels(target);
	for (unsigned l = name_labels(ta) + 1; l <= tl; l++) {
		const uint8_t *n = name_suffix(target, l);
		if (mcache_get(e->mc, n, RR_DS, e->now.wall, &st) != 0 || st.rank != MC_VALIDATED) {
			ask(e, r, n, RR_DS, c->zone);
			return WALK_WAIT;
		}
		if (AUX_KIND(st.aux) == KC_NOCUT)
			continue;
		if (AUX_KIND(st.aux) != KC_SECURE) {
			name_copy(c->zone, n);
			goto verdict;
		}
		name_copy(c->zone, n);
		if (mcache_get(e->mc, n, RR_DNSKEY, e->now.wall, &st) != 0 || st.rank != MC_VALIDATED) {
			ask(e, r, n, RR_DNSKEY, NULL);
			return WALK_WAIT;
		}
		if (AUX_KIND(st.aux) != KC_SECURE)
			goto verdict;
	}
	c->status = SEC_SECURE;
	return WALK_DONE;
verdict:
	c->status = AUX_KIND(st.aux) == KC_INSECURE ? SEC_INSECURE : SEC_BOGUS;
	c->ede = (uint16_t)AUX_EDE(st.aux);
	c->keytag = (uint16_t)AUX_TAG(st.aux);
	c->why = chain_why(c->status, c->ede);
	if (c->keytag == KEYS_NONE) {
		c->keytag = 0;
		c->why = "the DNSKEY lookup returned no DNSKEY records";
	}
	return WALK_DONE;
}

/* The validated DNSKEYs of zone, as records (from the store). */
static size_t
zone_keys(eng *e, ereq *r, const uint8_t *zone, msg_rr **out)
{
	static mc_rrset st;
	msg_rr *v;

	*out = NULL;
	if (mcache_get(e->mc, zone, RR_DNSKEY, e->now.wall, &st) != 0 ||
	    AUX_KIND(st.aux) != KC_SECURE || st.count == 0)
		return 0;
	if ((v = region_alloc(&r->reg, st.count * sizeof(*v))) == NULL)
		return 0;
	uint8_t *owner = region_memdup(&r->reg, zone, name_len(zone));
	for (uint16_t i = 0; i < st.count; i++) {
		v[i].owner = owner;
		v[i].type = RR_DNSKEY;
		v[i].rclass = CLASS_IN;
		v[i].ttl = st.ttl;
		v[i].rdlen = st.len[i];
		v[i].rdata = region_memdup(&r->reg, st.rdata[i], st.len[i]);
		if (owner == NULL || v[i].rdata == NULL)
			return 0;
	}
	*out = v;
	return st.count;
}

static val_limits
limits(const eng *e, ereq *r)
{
	val_limits l = { &r->budget->verifications, e->cfg.max_sigs_per_rrset,
	    e->cfg.max_key_tries, e->cfg.val_skew };
	return l;
}

/* Store the records of type at owner from res (a sub-request's answer). */
static void
store(eng *e, const uint8_t *owner, uint16_t type, const msg_rr *rrs, size_t n,
    uint32_t ttl, uint32_t aux)
{
	const uint8_t *rd[MC_MAX_RR];
	uint16_t len[MC_MAX_RR];
	size_t k = 0;

	for (size_t i = 0; i < n && k < MC_MAX_RR; i++) {
		if (rrs[i].type != type || !name_eq(rrs[i].owner, owner))
			continue;
		rd[k] = rrs[i].rdata;
		len[k] = rrs[i].rdlen;
		k++;
	}
	if (ttl > 86400)
		ttl = 86400;
	(void)mcache_put_aux(e->mc, owner, type, rd, len, k, ttl, MC_VALIDATED,
	    aux, e->now.wall);
}

static uint32_t
min_ttl(const msg_rr *rrs, size_t n, uint16_t type)
{
	uint32_t t = 86400;

	for (size_t i = 0; i < n; i++)
		if (rrs[i].type == type && rrs[i].ttl < t)
			t = rrs[i].ttl;
	return t;
}

/* The DNSKEY answer for zone n. */
static void
got_dnskey(eng *e, ereq *r, const uint8_t *n, const eng_result *res)
{
	const msg_rr *ans = res->rr[SEC_ANSWER];
	size_t nans = res->count[SEC_ANSWER];
	val_limits lim = limits(e, r);
	val_out vo;

	memset(&vo, 0, sizeof(vo));
	if (res->rcode != RCODE_NOERROR && res->rcode != RCODE_NXDOMAIN) {
		/* The lookup failed (SERVFAIL, timeout): nothing is known
		 * about the keys.  Try again soon (RFC 9520). */
		store(e, n, RR_DNSKEY, NULL, 0, FAIL_TTL,
		    AUX(KC_BOGUS, EDE_NO_REACHABLE_AUTHORITY, 0));
		return;
	}
	if (nans == 0) {
		/* No keys where a DS says there are some.  Bogus, but it is
		 * also what a server out of step or a lost answer looks like:
		 * remembered as briefly as a failed lookup (RFC 9520), and
		 * told apart from keys that do not match (EDE 9) by its
		 * reason, so that it is never written to the cache file. */
		store(e, n, RR_DNSKEY, NULL, 0, FAIL_TTL,
		    AUX(KC_BOGUS, EDE_NO_REACHABLE_AUTHORITY, KEYS_NONE));
		return;
	}
	const uint8_t *ta = NULL;
	for (size_t i = 0; i < e->nanchors; i++)
		if (name_eq(e->anchors[i].owner, n))
			ta = e->anchors[i].owner;
	if (ta != NULL) {
		/* An anchored zone: its DS or DNSKEY anchors stand in for
		 * the parent's DS (RFC 4035 5 step 1). */
		msg_rr tas[64];
		size_t nta = 0, nds = 0;
		for (size_t i = 0; i < e->nanchors && nta < 64; i++) {
			const eng_anchor *a = &e->anchors[i];
			if (!name_eq(a->owner, n))
				continue;
			tas[nta] = (msg_rr){ .owner = (uint8_t *)a->owner, .type = a->type,
			    .rclass = CLASS_IN, .ttl = 0, .rdlen = a->rdlen,
			    .rdata = (uint8_t *)a->rdata };
			if (a->type == RR_DS)
				nds++;
			nta++;
		}
		if (nds > 0) {
			val_dnskey_ds(ans, nans, ans, nans, tas, nta, n, e->now.wall, &lim, &vo);
		} else {
			/* DNSKEY anchors: the RRset must be signed by one. */
			msg_rr **kp = region_alloc(&r->reg, nans * sizeof(*kp));
			size_t k = 0;
			if (kp == NULL)
				return;
			for (size_t i = 0; i < nans; i++)
				if (ans[i].type == RR_DNSKEY && name_eq(ans[i].owner, n))
					kp[k++] = (msg_rr *)&ans[i];
			rrset set = { .owner = n, .type = RR_DNSKEY, .rclass = CLASS_IN,
			    .ttl = min_ttl(ans, nans, RR_DNSKEY), .count = (uint16_t)k, .rrs = kp };
			val_rrset(&set, ans, nans, n, tas, nta, e->now.wall, &lim, &vo);
		}
	} else {
		static mc_rrset ds;
		msg_rr dsr[MC_MAX_RR];
		if (mcache_get(e->mc, n, RR_DS, e->now.wall, &ds) != 0)
			return;   /* expired meanwhile: the walk asks again */
		for (uint16_t i = 0; i < ds.count; i++)
			dsr[i] = (msg_rr){ .owner = (uint8_t *)n, .type = RR_DS, .rclass = CLASS_IN,
			    .rdlen = ds.len[i], .rdata = (uint8_t *)ds.rdata[i] };
		val_dnskey_ds(ans, nans, ans, nans, dsr, ds.count, n, e->now.wall, &lim, &vo);
	}
	if (vo.status == SEC_SECURE)
		store(e, n, RR_DNSKEY, ans, nans, vo.ttl, AUX(KC_SECURE, 0, vo.keytag));
	else if (vo.status == SEC_INSECURE)
		store(e, n, RR_DNSKEY, NULL, 0, min_ttl(ans, nans, RR_DNSKEY),
		    AUX(KC_INSECURE, vo.ede, 0));
	else
		store(e, n, RR_DNSKEY, NULL, 0, BOGUS_TTL, AUX(KC_BOGUS, vo.ede, vo.keytag));
}

/* Verify every RRset of type t (NSEC, NSEC3, SOA, DS ...) in recs signed
 * by zone; false with vo filled when one fails. */
static bool
verify_sets(eng *e, ereq *r, const msg_rr *recs, size_t n, uint16_t t,
    const uint8_t *zone, msg_rr *keys, size_t nkeys, val_out *vo)
{
	rrset *sets;
	size_t ns;
	val_limits lim = limits(e, r);

	if (rrset_group(&r->reg, (msg_rr *)recs, n, &sets, &ns) != 0)
		return false;
	for (size_t i = 0; i < ns; i++) {
		if (sets[i].type != t)
			continue;
		val_rrset(&sets[i], recs, n, zone, keys, nkeys, e->now.wall, &lim, vo);
		if (vo->status != SEC_SECURE)
			return false;
	}
	return true;
}

/* Labels field of an RRSIG at owner over type, or -1 when none. */
static int
rrsig_labels(const msg_rr *recs, size_t n, const uint8_t *owner, uint16_t type)
{
	for (size_t i = 0; i < n; i++)
		if (recs[i].type == RR_RRSIG && recs[i].rdlen >= 4 &&
		    wire_get_u16(recs[i].rdata) == type && name_eq(recs[i].owner, owner))
			return recs[i].rdata[3];
	return -1;
}

/* The records of one type; for NSEC and NSEC3 without those a wildcard
 * made, whose owner an attacker chooses (CVE-2017-15107). */
static size_t
collect(ereq *r, const msg_rr *recs, size_t n, uint16_t type, msg_rr **out)
{
	size_t k = 0;
	msg_rr *v = region_alloc(&r->reg, (n ? n : 1) * sizeof(*v));

	*out = v;
	if (v == NULL)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (recs[i].type != type)
			continue;
		if (type == RR_NSEC || type == RR_NSEC3) {
			int l = rrsig_labels(recs, n, recs[i].owner, type);
			if (l >= 0 && denial_rr_expanded(recs[i].owner, (unsigned)l))
				continue;
		}
		v[k++] = recs[i];
	}
	return k;
}

/* The DS answer for name n, checked with the keys of zone p above it. */
static void
got_ds(eng *e, ereq *r, const uint8_t *n, const uint8_t *p, const eng_result *res)
{
	msg_rr *keys;
	size_t nkeys = zone_keys(e, r, p, &keys);
	const msg_rr *ans = res->rr[SEC_ANSWER], *auth = res->rr[SEC_AUTHORITY];
	size_t nans = res->count[SEC_ANSWER], nauth = res->count[SEC_AUTHORITY];
	val_out vo;
	bool have_ds = false;

	memset(&vo, 0, sizeof(vo));
	if (nkeys == 0)
		return;   /* the walk will fetch the parent's keys again */
	if (res->rcode != RCODE_NOERROR && res->rcode != RCODE_NXDOMAIN) {
		store(e, n, RR_DS, NULL, 0, FAIL_TTL, AUX(KC_BOGUS, EDE_NO_REACHABLE_AUTHORITY, 0));
		return;
	}
	for (size_t i = 0; i < nans; i++) {
		if (ans[i].type == RR_DS && name_eq(ans[i].owner, n))
			have_ds = true;
		if (ans[i].type == RR_CNAME && name_eq(ans[i].owner, n)) {
			/* An alias inside the parent zone: no cut here. */
			store(e, n, RR_DS, NULL, 0, ans[i].ttl, AUX(KC_NOCUT, 0, 0));
			return;
		}
	}
	if (have_ds) {
		if (!verify_sets(e, r, ans, nans, RR_DS, p, keys, nkeys, &vo)) {
			store(e, n, RR_DS, NULL, 0, BOGUS_TTL, AUX(KC_BOGUS, vo.ede, vo.keytag));
			return;
		}
		/* DS with no supported algorithm and digest: insecure
		 * (RFC 4035 5.2, RFC 6840 5.2). */
		bool usable = false;
		uint16_t ede = EDE_UNSUPPORTED_DS_DIGEST;
		for (size_t i = 0; i < nans; i++) {
			const msg_rr *d = &ans[i];
			if (d->type != RR_DS || d->rdlen < 5)
				continue;
			if (!crypto_alg_supported(d->rdata[2]))
				ede = EDE_UNSUPPORTED_DNSKEY_ALG;
			else if (crypto_digest_supported(d->rdata[3]))
				usable = true;
		}
		if (!usable)
			store(e, n, RR_DS, NULL, 0, vo.ttl, AUX(KC_INSECURE, ede, 0));
		else
			store(e, n, RR_DS, ans, nans, vo.ttl, AUX(KC_SECURE, 0, 0));
		return;
	}
	/* No DS: the denial must be signed by the parent and prove either
	 * an insecure delegation or that there is no cut at n. */
	msg_rr *nsec, *nsec3;
	size_t nn = collect(r, auth, nauth, RR_NSEC, &nsec);
	size_t nn3 = collect(r, auth, nauth, RR_NSEC3, &nsec3);
	if (nn + nn3 == 0) {
		store(e, n, RR_DS, NULL, 0, BOGUS_TTL, AUX(KC_BOGUS, EDE_NSEC_MISSING, 0));
		return;
	}
	if (!verify_sets(e, r, auth, nauth, nn ? RR_NSEC : RR_NSEC3, p, keys, nkeys, &vo)) {
		store(e, n, RR_DS, NULL, 0, BOGUS_TTL, AUX(KC_BOGUS, vo.ede, vo.keytag));
		return;
	}
	denial_ctx dc = { p, e->cfg.nsec3_max_iterations, &r->budget->hashes };
	denial_out dout;
	uint32_t ttl = min_ttl(auth, nauth, nn ? RR_NSEC : RR_NSEC3);
	denial_result d;
	if (nn) {
		if (nsec_no_ds(&dc, nsec, nn, n, &dout) == DENIAL_PROVEN) {
			store(e, n, RR_DS, NULL, 0, ttl, AUX(KC_INSECURE, 0, 0));
			return;
		}
		d = res->rcode == RCODE_NXDOMAIN ? nsec_nxdomain(&dc, nsec, nn, n, &dout) :
		    nsec_nodata(&dc, nsec, nn, n, RR_DS, &dout);
	} else {
		d = nsec3_no_ds(&dc, nsec3, nn3, n, &dout);
		if (d == DENIAL_PROVEN || d == DENIAL_INSECURE) {
			store(e, n, RR_DS, NULL, 0, ttl, AUX(KC_INSECURE, d == DENIAL_INSECURE ? dout.ede : 0, 0));
			return;
		}
		d = res->rcode == RCODE_NXDOMAIN ? nsec3_nxdomain(&dc, nsec3, nn3, n, &dout) :
		    nsec3_nodata(&dc, nsec3, nn3, n, RR_DS, &dout);
	}
	if (d == DENIAL_PROVEN)
		store(e, n, RR_DS, NULL, 0, ttl, AUX(KC_NOCUT, 0, 0));
	else if (d == DENIAL_INSECURE)
		store(e, n, RR_DS, NULL, 0, ttl, AUX(KC_INSECURE, dout.ede, 0));
	else
		store(e, n, RR_DS, NULL, 0, BOGUS_TTL, AUX(KC_BOGUS, dout.ede ? dout.ede : EDE_DNSSEC_BOGUS, 0));
}

void
val_sub_done(eng *e, ereq *r, const eng_result *res)
{
	vstate *v = &r->vs;

	v->waiting = false;
	if (v->ask_type == RR_DNSKEY)
		got_dnskey(e, r, v->ask_name, res);
	else
		got_ds(e, r, v->ask_name, v->ask_parent, res);
	req_schedule(e, r);
}

/* ---- the verdict on the answer ---- */

typedef struct verdict {
	sec_status status;
	uint16_t ede;
	const char *why;
	const uint8_t *zone;
	uint16_t keytag;
} verdict;

static void
worse(verdict *v, sec_status s, uint16_t ede, const char *why,
    const uint8_t *zone, uint16_t keytag)
{
	/* bogus > indeterminate > insecure > secure */
	static const int rank[] = { [SEC_SECURE] = 0, [SEC_INSECURE] = 1,
	    [SEC_INDETERMINATE] = 2, [SEC_BOGUS] = 3 };
	if (rank[s] > rank[v->status]) {
		v->status = s;
		v->ede = ede;
		v->why = why;
		v->zone = zone;
		v->keytag = keytag;
	} else if (s == SEC_INSECURE && v->status == SEC_INSECURE && ede && !v->ede) {
		v->ede = ede;   /* keep an EDE 27 or 1 on insecure answers */
	}
}

/* The signer named by the RRSIGs over set, or NULL when unsigned. */
static const uint8_t *
signer_of(const rrset *set, const msg_rr *recs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const msg_rr *s = &recs[i];
		if (s->type != RR_RRSIG || s->rdlen < 19 || !name_eq(s->owner, set->owner) ||
		    wire_get_u16(s->rdata) != set->type)
			continue;
		wire_rd rd;
		static uint8_t signer[NAME_MAX_WIRE];
		wire_rd_init(&rd, s->rdata, s->rdlen);
		wire_skip(&rd, 18);
		if (name_read_nocomp(&rd, signer, NULL) == 0)
			return signer;
	}
	return NULL;
}

/* Is this CNAME the one we synthesised from a DNAME in the answer? */
static bool
synthesised(const rrset *set, const msg_rr *recs, size_t n)
{
	if (set->type != RR_CNAME)
		return false;
	for (size_t i = 0; i < n; i++)
		if (recs[i].type == RR_DNAME && name_is_below(set->owner, recs[i].owner))
			return true;
	return false;
}

/*
 * Check the records of one section.  WALK_WAIT when a key is missing.
 * wild_zone/wild_labels report a wildcard expansion to prove.
 */
static walk_rc
check_section(eng *e, ereq *r, const msg_rr *recs, const uint8_t *const *zones,
    size_t n, verdict *vd, const uint8_t **wild_owner, const uint8_t **wild_zone,
    unsigned *wild_labels)
{
	rrset *sets;
	size_t ns;

	if (n == 0)
		return WALK_DONE;
	if (rrset_group(&r->reg, (msg_rr *)recs, n, &sets, &ns) != 0) {
		worse(vd, SEC_INDETERMINATE, EDE_OTHER, "out of memory", NULL, 0);
		return WALK_DONE;
	}
	for (size_t i = 0; i < ns; i++) {
		rrset *s = &sets[i];
		chain c;
		if (s->type == RR_RRSIG || synthesised(s, recs, n))
			continue;
		const uint8_t *signer = signer_of(s, recs, n);
		walk_rc w = walk(e, r, signer ? signer : s->owner, &c);
		if (w != WALK_DONE)
			return w;
		if (c.status != SEC_SECURE) {
			worse(vd, c.status, c.ede, c.why, c.zone, c.keytag);
			continue;
		}
		if (signer == NULL) {
			/* RFC 4035 5.3.1 / 4.3: secure zone, no signature. */
			worse(vd, SEC_BOGUS, EDE_RRSIGS_MISSING, "no signature in a signed zone",
			    c.zone, 0);
			continue;
		}
		if (!name_eq(c.zone, signer)) {
			worse(vd, SEC_BOGUS, EDE_DNSSEC_BOGUS, "signer is not a zone", signer, 0);
			continue;
		}
		/* RFC 4035 5.3.1: the signer is the zone that holds the RRset.
		 * The zone that served it is known in recursive mode; a
		 * signer above it is a parent signing its child's data. */
		const uint8_t *served = zones ? zones[s->rrs[0] - recs] : NULL;
		if (served != NULL && name_is_below(served, signer)) {
			worse(vd, SEC_BOGUS, EDE_DNSSEC_BOGUS,
			    "signed by a parent zone, not by the zone that holds it",
			    region_memdup(&r->reg, served, name_len(served)), 0);
			continue;
		}
		/* Behind a forwarder the serving zone is not known: walk the
		 * DS chain from the signer down to the name that holds the
		 * RRset (for DS, its parent) and require no cut in between.
		 * Denial records are left to the proofs (a parent-side NSEC is
		 * owned by the child's name). */
		if (served == NULL && e->cfg.mode == ENG_FORWARD && wild_owner != NULL &&
		    s->type != RR_NSEC && s->type != RR_NSEC3) {
			const uint8_t *holder = s->owner;
			if (s->type == RR_DS && !name_is_root(holder))
				holder = name_parent(holder);
			if (!name_eq(holder, signer)) {
				chain h;
				walk_rc hw = walk(e, r, holder, &h);
				if (hw != WALK_DONE)
					return hw;
				/* A proven secure cut below the signer means the
				 * child zone should have signed.  An unprovable
				 * walk (NSEC3 iterations over the limit) proves
				 * nothing either way: the signature stands. */
				if (h.status == SEC_BOGUS ||
				    (h.status == SEC_SECURE && !name_eq(h.zone, signer))) {
					worse(vd, SEC_BOGUS, EDE_DNSSEC_BOGUS,
					    "signed by a parent zone, not by the zone that holds it",
					    region_memdup(&r->reg, h.zone, name_len(h.zone)), 0);
					continue;
				}
			}
		}
		msg_rr *keys;
		size_t nkeys = zone_keys(e, r, signer, &keys);
		val_limits lim = limits(e, r);
		val_out vo;
		val_rrset(s, recs, n, signer, keys, nkeys, e->now.wall, &lim, &vo);
		if (vo.status != SEC_SECURE) {
			worse(vd, vo.status, vo.ede, vo.why, signer, vo.keytag);
			continue;
		}
		/* RFC 4035 5.3.3: the TTL the client sees is capped by the
		 * RRSIG's original TTL and by its expiration. */
		for (uint16_t k = 0; k < s->count; k++)
			if (s->rrs[k]->ttl > vo.ttl)
				s->rrs[k]->ttl = vo.ttl;
		unsigned ol = name_labels(s->owner) - (name_is_wildcard(s->owner) ? 1 : 0);
		if (vo.labels < ol && wild_owner != NULL) {
			*wild_owner = s->owner;
			*wild_zone = region_memdup(&r->reg, signer, name_len(signer));
			*wild_labels = vo.labels;
		}
	}
	return WALK_DONE;
}

/* The denial part of a negative answer, or the wildcard proof. */
static walk_rc
check_denial(eng *e, ereq *r, const uint8_t *name, bool nx, bool wildcard,
    unsigned wild_labels, const uint8_t *zone_hint, verdict *vd)
{
	vstate *v = &r->vs;
	const msg_rr *auth = v->sec[SEC_AUTHORITY];
	size_t nauth = v->cnt[SEC_AUTHORITY];
	msg_rr *nsec, *nsec3;
	size_t nn = collect(r, auth, nauth, RR_NSEC, &nsec);
	size_t nn3 = collect(r, auth, nauth, RR_NSEC3, &nsec3);
	chain c;
	const uint8_t *zone = zone_hint;

	if (nn + nn3 == 0) {
		/* Unsigned denial: fine in an insecure zone only. */
		walk_rc w = walk(e, r, name, &c);
		if (w != WALK_DONE)
			return w;
		if (c.status == SEC_SECURE)
			worse(vd, SEC_BOGUS, EDE_NSEC_MISSING, "no NSEC or NSEC3 proof",
			    region_memdup(&r->reg, c.zone, name_len(c.zone)), 0);
		else
			worse(vd, c.status, c.ede, c.why, NULL, 0);
		return WALK_DONE;
	}
	if (zone == NULL) {
		rrset tmp = { .owner = nn ? nsec[0].owner : nsec3[0].owner,
		    .type = nn ? RR_NSEC : RR_NSEC3 };
		zone = signer_of(&tmp, auth, nauth);
		if (zone == NULL) {
			worse(vd, SEC_BOGUS, EDE_RRSIGS_MISSING, "unsigned NSEC records", NULL, 0);
			return WALK_DONE;
		}
		zone = region_memdup(&r->reg, zone, name_len(zone));
	}
	walk_rc w = walk(e, r, zone, &c);
	if (w != WALK_DONE)
		return w;
	if (c.status != SEC_SECURE) {
		worse(vd, c.status, c.ede, c.why, zone, c.keytag);
		return WALK_DONE;
	}
	/* The records themselves were checked by check_section. */
	denial_ctx dc = { zone, e->cfg.nsec3_max_iterations, &r->budget->hashes };
	denial_out dout;
	denial_result d;
	memset(&dout, 0, sizeof(dout));
	if (wildcard)
		d = nn ? nsec_wildcard(&dc, nsec, nn, name, wild_labels, &dout) :
		    nsec3_wildcard(&dc, nsec3, nn3, name, wild_labels, &dout);
	else if (nx)
		d = nn ? nsec_nxdomain(&dc, nsec, nn, name, &dout) :
		    nsec3_nxdomain(&dc, nsec3, nn3, name, &dout);
	else
		d = nn ? nsec_nodata(&dc, nsec, nn, name, r->qtype, &dout) :
		    nsec3_nodata(&dc, nsec3, nn3, name, r->qtype, &dout);
	if (d == DENIAL_INSECURE)
		worse(vd, SEC_INSECURE, dout.ede, dout.why, zone, 0);
	else if (d == DENIAL_BOGUS)
		worse(vd, SEC_BOGUS, dout.ede ? dout.ede : EDE_DNSSEC_BOGUS,
		    dout.why ? dout.why : "denial of existence not proven", zone, 0);
	return WALK_DONE;
}

static void
finish(eng *e, ereq *r, const verdict *vd)
{
	vstate *v = &r->vs;
	char *why = NULL;

	if (vd->status == SEC_BOGUS || (vd->ede && vd->why)) {
		char zbuf[NAME_MAX_STR];
		why = region_alloc(&r->reg, NAME_MAX_STR + 256);
		if (vd->zone)
			name_to_str(vd->zone, zbuf, sizeof(zbuf));
		else
			snprintf(zbuf, sizeof(zbuf), "?");
		if (why != NULL) {
			if (vd->keytag)
				snprintf(why, NAME_MAX_STR + 256, "%s: %s (key tag %u)", zbuf,
				    vd->why ? vd->why : "validation failed", vd->keytag);
			else
				snprintf(why, NAME_MAX_STR + 256, "%s: %s", zbuf,
				    vd->why ? vd->why : "validation failed");
		}
	}
	req_finish_status(e, r, v->rcode, v->sec, v->cnt, vd->status,
	    vd->ede ? vd->ede : (vd->status == SEC_BOGUS ? EDE_DNSSEC_BOGUS : 0), why);
}

void
val_continue(eng *e, ereq *r)
{
	vstate *v = &r->vs;
	verdict vd = { SEC_SECURE, 0, NULL, NULL, 0 };
	const uint8_t *wo = NULL, *wz = NULL;
	unsigned wl = 0;
	walk_rc w;

	if (v->waiting)
		return;
	if (v->asks > MAX_ASKS) {
		vd.status = SEC_BOGUS;
		vd.ede = EDE_OTHER;
		vd.why = "too many keys to fetch";
		finish(e, r, &vd);
		return;
	}
	/* Answer, then the authority section's own signatures. */
	w = check_section(e, r, v->sec[SEC_ANSWER], v->zone[SEC_ANSWER],
	    v->cnt[SEC_ANSWER], &vd, &wo, &wz, &wl);
	if (w == WALK_WAIT)
		return;
	w = check_section(e, r, v->sec[SEC_AUTHORITY], v->zone[SEC_AUTHORITY],
	    v->cnt[SEC_AUTHORITY], &vd, NULL, NULL, NULL);
	if (w == WALK_WAIT)
		return;
	/* The name the answer is about: the end of the CNAME chain. */
	const uint8_t *last = r->qname;
	for (uint16_t i = 0; i < v->cnt[SEC_ANSWER]; i++) {
		const msg_rr *rr = &v->sec[SEC_ANSWER][i];
		if (rr->type == RR_CNAME && name_eq(rr->owner, last))
			last = rr->rdata;
	}
	bool positive = false;
	for (uint16_t i = 0; i < v->cnt[SEC_ANSWER]; i++) {
		const msg_rr *rr = &v->sec[SEC_ANSWER][i];
		if (name_eq(rr->owner, last) && (rr->type == r->qtype || r->qtype == RR_ANY) &&
		    rr->type != RR_RRSIG)
			positive = true;
	}
	if (vd.status == SEC_SECURE && wo != NULL) {
		w = check_denial(e, r, wo, false, true, wl, wz, &vd);
		if (w == WALK_WAIT)
			return;
	}
	if (!positive && vd.status != SEC_BOGUS &&
	    (v->rcode == RCODE_NXDOMAIN || v->rcode == RCODE_NOERROR)) {
		w = check_denial(e, r, last, v->rcode == RCODE_NXDOMAIN, false, 0, NULL, &vd);
		if (w == WALK_WAIT)
			return;
	}
	finish(e, r, &vd);
}

void
val_begin(eng *e, ereq *r, unsigned rcode, msg_rr *const sec[SEC_COUNT],
    const uint8_t **const zone[SEC_COUNT], const uint16_t cnt[SEC_COUNT])
{
	vstate *v = &r->vs;

	if ((r->flags & ENG_F_CD) || e->nanchors == 0 ||
	    (rcode != RCODE_NOERROR && rcode != RCODE_NXDOMAIN)) {
		req_finish(e, r, rcode, sec, cnt, 0, NULL);
		return;
	}
	memset(v, 0, sizeof(*v));
	v->active = true;
	v->rcode = rcode;
	for (int s = 0; s < SEC_COUNT; s++) {
		v->cnt[s] = cnt ? cnt[s] : 0;
		v->sec[s] = region_alloc(&r->reg, (v->cnt[s] ? v->cnt[s] : 1) * sizeof(msg_rr));
		v->zone[s] = region_zalloc(&r->reg, (v->cnt[s] ? v->cnt[s] : 1) * sizeof(*v->zone[s]));
		if (v->sec[s] == NULL || v->zone[s] == NULL) {
			req_servfail(e, r, EDE_OTHER, "out of memory");
			return;
		}
		for (uint16_t i = 0; i < v->cnt[s]; i++) {
			msg_rr *d = &v->sec[s][i];
			/* Zone pointers live in the request's region already. */
			if (zone != NULL && zone[s] != NULL)
				v->zone[s][i] = zone[s][i];
			*d = sec[s][i];
			d->owner = region_memdup(&r->reg, d->owner, name_len(d->owner));
			d->rdata = region_memdup(&r->reg, d->rdata, d->rdlen ? d->rdlen : 1);
			if (d->owner == NULL || d->rdata == NULL) {
				req_servfail(e, r, EDE_OTHER, "out of memory");
				return;
			}
		}
	}
	val_continue(e, r);
}
