/*
 * iter.c: what to ask next, and what an answer means (RFC 1034 5.3.3,
 * RFC 2308, RFC 6672, RFC 9156).  Recursive mode walks down from the root
 * following referrals; forward mode asks the upstream resolvers with RD
 * and CD set.  Both follow CNAME and DNAME chains.  No I/O here: queries go
 * out through req_send(), answers come in through iter_reply().
 */
#include <netinet/in.h>
#include <string.h>

#include "engine_int.h"
#include "err.h"
#include "rrset.h"
#include "rrtype.h"

/* Helpers over a parsed message. */

/* The zone that served the answer being handled: known in recursive
 * mode (the zone cut we asked), not behind a forwarder. */
static const uint8_t *
serving_zone(const eng *e, const ereq *r)
{
	return e->cfg.mode == ENG_RECURSIVE && r->have_zone ? r->zone : NULL;
}


static bool
rr_in_zone(const msg_rr *rr, const uint8_t *zone)
{
	return name_is_subdomain(rr->owner, zone);
}

static bool
sig_covers(const msg_rr *rr, uint16_t type)
{
	return rr->type == RR_RRSIG && rrsig_type_covered(rr) == type;
}

static bool
same_addr(const eng_addr *a, const eng_addr *b)
{
	return a->salen == b->salen && memcmp(&a->sa, &b->sa, a->salen) == 0;
}

static void
add_cand(eng *e, ereq *r, const eng_addr *a)
{
	if (!eng_addr_allowed(e, (const struct sockaddr *)&a->sa))
		return;
	for (size_t i = 0; i < r->ncands; i++)
		if (same_addr(&r->cands[i].a, a))
			return;
	if (r->ncands < REQ_MAX_CAND) {
		r->cands[r->ncands].a = *a;
		r->cands[r->ncands].tried = false;
		r->ncands++;
	}
}

/* Addresses of one NS name from the store; false when none is known. */
static bool
cands_for_ns(eng *e, ereq *r, const uint8_t *ns)
{
	static mc_rrset set;
	static const uint16_t types[2] = { RR_A, RR_AAAA };
	bool any = false;

	for (int t = 0; t < 2; t++) {
		if (mcache_get(e->mc, ns, types[t], e->now.wall, &set) != 0)
			continue;
		for (uint16_t i = 0; i < set.count; i++) {
			eng_addr a;
			if (eng_addr_from_rdata(types[t], set.rdata[i], set.len[i], &a)) {
				add_cand(e, r, &a);
				any = true;
			}
		}
	}
	return any;
}

static void
zone_reset(ereq *r)
{
	r->have_zone = false;
	r->rounds = 0;
	r->ncands = 0;
	r->nneed = 0;
	r->next_need = 0;
	r->qmin_labels = 0;
	r->qmin_steps = 0;
}

/* Set up the zone cut to ask from the NS RRset stored for zone. */
static bool
zone_from_store(eng *e, ereq *r, const uint8_t *zone)
{
	static mc_rrset ns;

	if (mcache_get(e->mc, zone, RR_NS, e->now.wall, &ns) != 0)
		return false;
	zone_reset(r);
	name_copy(r->zone, zone);
	r->have_zone = true;
	for (uint16_t i = 0; i < ns.count; i++) {
		const uint8_t *nsname = ns.rdata[i];
		if (!cands_for_ns(e, r, nsname) && r->nneed < REQ_MAX_NEED)
			name_copy(r->need[r->nneed++], nsname);
	}
	return true;
}

/* The closest zone cut we know for the name being resolved (for DS: for
 * its parent, which holds the DS, RFC 4035 3.1.4.1). */
static void
zone_setup(eng *e, ereq *r)
{
	const uint8_t *target = r->sname;

	if (r->qtype == RR_DS && !name_is_root(target))
		target = name_parent(target);
	for (const uint8_t *z = target; z != NULL; z = name_parent(z))
		if (zone_from_store(e, r, z))
			return;
	/* Nothing stored, not even the root: the hints, and priming. */
	zone_reset(r);
	r->zone[0] = 0;
	r->have_zone = true;
	for (size_t i = 0; i < e->nhint_addr; i++)
		add_cand(e, r, &e->hint_addr[i]);
	if (!r->primed_try)
		r->priming = true;
}

/* The untried server with the lowest smoothed RTT, with a little random
 * spread so equal servers share the load. */
static cand *
pick(eng *e, ereq *r)
{
	cand *best = NULL;
	unsigned best_rtt = 0;
	uint32_t seed = eng_rand32(e);   /* one random draw per choice */

	for (size_t i = 0; i < r->ncands; i++) {
		cand *c = &r->cands[i];
		if (c->tried)
			continue;
		uint32_t jitter = (seed ^ (uint32_t)i * 0x9e3779b9u) >> 27;   /* 0..31 */
		unsigned rtt = infra_rtt(e->inf, (const struct sockaddr *)&c->a.sa,
		    e->now.mono_ms) + jitter;
		if (best == NULL || rtt < best_rtt) {
			best = c;
			best_rtt = rtt;
		}
	}
	return best;
}

static void
mark_tried(ereq *r, unsigned ede, const char *why)
{
	for (size_t i = 0; i < r->ncands; i++) {
		if (same_addr(&r->cands[i].a, &r->qaddr)) {
			r->cands[i].tried = true;
			r->cands[i].timed_out = ede == EDE_NO_REACHABLE_AUTHORITY;
		}
	}
	r->last_ede = ede;
	r->last_why = why;
}

/* The name to ask now (RFC 9156 2.3): one more label at a time for the
 * first QMIN_ONE_LABEL steps, then bigger steps, and at most
 * QMIN_MAX_STEPS minimised queries before the full name. */
static const uint8_t *
qmin_name(eng *e, ereq *r, uint16_t *qtype)
{
	unsigned full = name_labels(r->sname), zl = name_labels(r->zone);

	*qtype = r->qtype;
	if (r->qmin_done || !e->cfg.qname_minimisation || e->cfg.mode == ENG_FORWARD)
		return r->sname;
	if (r->qmin_labels < zl)
		r->qmin_labels = zl;
	unsigned add = 1;
	if (r->qmin_steps >= QMIN_ONE_LABEL && r->qmin_steps < QMIN_MAX_STEPS) {
		unsigned left = full - r->qmin_labels;
		add = left / (QMIN_MAX_STEPS - r->qmin_steps);
		if (add < 1)
			add = 1;
	}
	if (r->qmin_steps >= QMIN_MAX_STEPS || r->qmin_labels + add >= full) {
		r->qmin_done = true;
		return r->sname;
	}
	/* RFC 9156 2.1: minimised queries use QTYPE A, which draws fewer
	 * broken answers than NS. */
	*qtype = RR_A;
	return name_suffix(r->sname, r->qmin_labels + add);
}

static void
start_subs(eng *e, ereq *r)
{
	while (r->pending_subs == 0 && r->next_need < r->nneed) {
		const uint8_t *ns = r->need[r->next_need++];
		if (e->cfg.do_ip4)
			(void)req_sub(e, r, ns, RR_A);
		if (e->cfg.do_ip6)
			(void)req_sub(e, r, ns, RR_AAAA);
	}
}

void
iter_next(eng *e, ereq *r)
{
	if (r->finished)
		return;
	if (r->vs.active) {
		val_continue(e, r);
		return;
	}
	if (e->now.mono_ms >= r->deadline_ms) {
		req_servfail(e, r, EDE_NO_REACHABLE_AUTHORITY, "request timed out");
		return;
	}
	if (r->outstanding)
		return;
	if (!r->have_zone) {
		if (e->cfg.mode == ENG_FORWARD) {
			zone_reset(r);
			r->zone[0] = 0;
			r->have_zone = true;
			for (size_t i = 0; i < e->cfg.nforwarders; i++)
				add_cand(e, r, &e->cfg.forwarders[i]);
		} else {
			zone_setup(e, r);
		}
	}
	cand *c = pick(e, r);
	if (c != NULL) {
		uint16_t qtype;
		const uint8_t *qn;
		int rc;
		if (r->priming) {
			/* RFC 8109 3: ask a hint server for the root NS. */
			qn = (const uint8_t *)"";
			qtype = RR_NS;
		} else {
			qn = qmin_name(e, r, &qtype);
		}
		rc = req_send(e, r, &c->a, qn, qtype, false);
		if (rc == MX_ELIMIT) {
			req_servfail(e, r, EDE_OTHER, "too much work for one query");
		} else if (rc == MX_EAGAIN) {
			/* No socket free now: not this server's fault. */
			r->budget->queries--;
			r->deferred = true;
		} else if (rc != 0) {
			/* This server cannot be reached from here: next. */
			c->tried = true;
			req_schedule(e, r);
		}
		return;
	}
	if (r->priming) {
		/* Priming failed everywhere: the hints themselves are all
		 * we have, and they failed too. */
		r->priming = false;
		r->primed_try = true;
	}
	if (r->pending_subs > 0)
		return;   /* waiting for name server addresses */
	start_subs(e, r);
	if (r->pending_subs > 0)
		return;
	/* Every server tried: the silent ones get another chance, with the
	 * longer timeout their backoff gives them (RFC 1035 7.2: retransmit,
	 * RFC 6298 5.5 backoff), a few passes at most. */
	if (++r->rounds < REQ_ROUNDS) {
		bool again = false;
		for (size_t i = 0; i < r->ncands; i++) {
			if (r->cands[i].timed_out) {
				r->cands[i].tried = false;
				again = true;
			}
		}
		if (again) {
			iter_next(e, r);
			return;
		}
	}
	req_servfail(e, r, r->last_ede ? r->last_ede : EDE_NO_REACHABLE_AUTHORITY,
	    r->last_why ? r->last_why : "no reachable authority");
}

void
iter_query_failed(eng *e, ereq *r, int err)
{
	/* 0x20 fallback, for this one query only: replies came back with the
	 * question's case changed and none in our case.  Ask the same server
	 * once more in plain case (ID and port still guard it, RFC 5452).
	 * Nothing is remembered, so forged replies cannot turn 0x20 off for
	 * later queries. */
	if (err == MX_EAGAIN && r->saw_case_mismatch && !r->no_0x20_once && !r->priming) {
		r->no_0x20_once = true;
		r->saw_case_mismatch = false;
		if (req_send(e, r, &r->qaddr, r->qplain, r->qtype_sent, r->tcp) == 0)
			return;
	}
	r->no_0x20_once = false;
	r->saw_case_mismatch = false;
	mark_tried(r, err == MX_EAGAIN ? EDE_NO_REACHABLE_AUTHORITY : EDE_NETWORK_ERROR,
	    err == MX_EAGAIN ? "upstream timed out" : "upstream unreachable");
	iter_next(e, r);
}

void
iter_sub_done(eng *e, ereq *r, const eng_result *res)
{
	if (r->vs.active) {
		val_sub_done(e, r, res);
		return;
	}
	/* The answer may end in addresses under another name (an NS name
	 * that is an alias): take the addresses of the result itself. */
	for (uint16_t i = 0; i < res->count[SEC_ANSWER]; i++) {
		const msg_rr *rr = &res->rr[SEC_ANSWER][i];
		eng_addr a;
		if (eng_addr_from_rdata(rr->type, rr->rdata, rr->rdlen, &a))
			add_cand(e, r, &a);
	}
	req_schedule(e, r);
}

/* Store an RRset of the message (NS or addresses) for iteration. */
static void
store_set(eng *e, const msg *m, int sec, const uint8_t *owner, uint16_t type,
    enum mc_rank rank)
{
	const uint8_t *rd[MC_MAX_RR];
	uint16_t len[MC_MAX_RR];
	size_t n = 0;
	uint32_t ttl = UINT32_MAX;

	for (uint16_t i = 0; i < m->count[sec] && n < MC_MAX_RR; i++) {
		const msg_rr *rr = &m->rr[sec][i];
		if (rr->type != type || !name_eq(rr->owner, owner))
			continue;
		rd[n] = rr->rdata;
		len[n] = rr->rdlen;
		n++;
		if (rr->ttl < ttl)
			ttl = rr->ttl;
	}
	if (n == 0)
		return;
	/* RFC 2181 8: a TTL with the top bit set is zero. */
	if (ttl > 0x7fffffffu)
		ttl = 0;
	/* RFC 1035 3.2.1: TTL 0 is for the transaction in progress.  The
	 * store is how this request reads the referral back: keep it for a
	 * second rather than failing the request. */
	if (ttl == 0)
		ttl = 1;
	if (ttl > 86400)
		ttl = 86400;
	(void)mcache_put(e->mc, owner, type, rd, len, n, ttl, rank, e->now.wall);
}

/* Priming answer: root NS from the answer, their addresses from the
 * additional section. */
static void
take_priming(eng *e, ereq *r, const msg *m)
{
	bool have = false;

	for (uint16_t i = 0; i < m->count[SEC_ANSWER]; i++)
		if (m->rr[SEC_ANSWER][i].type == RR_NS && name_is_root(m->rr[SEC_ANSWER][i].owner))
			have = true;
	r->priming = false;
	r->primed_try = true;
	if (!have || m->rcode != RCODE_NOERROR) {
		mark_tried(r, EDE_INVALID_DATA, "bad priming answer");
		r->primed_try = false;   /* try priming at another hint */
		r->priming = true;
		iter_next(e, r);
		return;
	}
	store_set(e, m, SEC_ANSWER, (const uint8_t *)"", RR_NS, MC_AUTH);
	for (uint16_t i = 0; i < m->count[SEC_ANSWER]; i++) {
		const msg_rr *ns = &m->rr[SEC_ANSWER][i];
		if (ns->type != RR_NS)
			continue;
		store_set(e, m, SEC_ADDITIONAL, ns->rdata, RR_A, MC_GLUE);
		store_set(e, m, SEC_ADDITIONAL, ns->rdata, RR_AAAA, MC_GLUE);
	}
	zone_reset(r);
	iter_next(e, r);
}

/* A referral to a zone below the current one (RFC 1034 5.3.3 step 4b):
 * its NS owner when there is one, else NULL. */
/* Does the answer section hold anything about name (records owned by it,
 * or a DNAME above it)?  Unrelated records are ignored, never trusted. */
static bool
answers_for(const msg *m, const uint8_t *name)
{
	for (uint16_t i = 0; i < m->count[SEC_ANSWER]; i++) {
		const msg_rr *rr = &m->rr[SEC_ANSWER][i];
		if (name_eq(rr->owner, name) ||
		    (rr->type == RR_DNAME && name_is_below(name, rr->owner)))
			return true;
	}
	return false;
}

static const uint8_t *
find_referral(const ereq *r, const msg *m, const uint8_t *qn)
{
	const uint8_t *cut = NULL;

	if (answers_for(m, qn) || m->rcode != RCODE_NOERROR)
		return NULL;
	for (uint16_t i = 0; i < m->count[SEC_AUTHORITY]; i++) {
		const msg_rr *rr = &m->rr[SEC_AUTHORITY][i];
		if (rr->type == RR_SOA)
			return NULL;   /* a negative answer, not a referral */
		if (rr->type != RR_NS || cut != NULL)
			continue;
		/* Strictly below where we are (no upward or sideways
		 * referrals: they loop) and above or at the name asked. */
		if (name_is_below(rr->owner, r->zone) && name_is_subdomain(qn, rr->owner))
			cut = rr->owner;
	}
	return cut;
}

static void
follow_referral(eng *e, ereq *r, const msg *m, const uint8_t *cut)
{
	uint8_t zone[NAME_MAX_WIRE];

	if (++r->nreferrals > e->cfg.max_referrals) {
		req_servfail(e, r, EDE_OTHER, "too many referrals");
		return;
	}
	store_set(e, m, SEC_AUTHORITY, cut, RR_NS, MC_GLUE);
	/* Glue: addresses of the new NS names from the additional section,
	 * only for names inside the zone we asked when harden-glue is on
	 * (RFC 2181 5.4.1; others are resolved on their own). */
	for (uint16_t i = 0; i < m->count[SEC_AUTHORITY]; i++) {
		const msg_rr *ns = &m->rr[SEC_AUTHORITY][i];
		if (ns->type != RR_NS || !name_eq(ns->owner, cut))
			continue;
		if (e->cfg.harden_glue && !name_is_subdomain(ns->rdata, r->zone))
			continue;
		store_set(e, m, SEC_ADDITIONAL, ns->rdata, RR_A, MC_GLUE);
		store_set(e, m, SEC_ADDITIONAL, ns->rdata, RR_AAAA, MC_GLUE);
	}
	name_copy(zone, cut);
	unsigned keep_qmin = r->qmin_labels;
	bool qmin_done = r->qmin_done;
	unsigned steps = r->qmin_steps;
	if (!zone_from_store(e, r, zone)) {
		req_servfail(e, r, EDE_OTHER, "cannot store a referral");
		return;
	}
	r->qmin_labels = keep_qmin;
	r->qmin_done = qmin_done;
	r->qmin_steps = steps;
	iter_next(e, r);
}

/* DNAME substitution (RFC 6672 2.2): the name with the DNAME owner's
 * suffix replaced by its target.  MX_ENAME when too long (YXDOMAIN). */
static int
dname_subst(const uint8_t *name, const uint8_t *owner, const uint8_t *target,
    uint8_t out[NAME_MAX_WIRE])
{
	size_t nlen = name_len(name), olen = name_len(owner), tlen = name_len(target);
	size_t prefix = nlen - olen;

	if (prefix + tlen > NAME_MAX_WIRE)
		return MX_ENAME;
	memcpy(out, name, prefix);
	memcpy(out + prefix, target, tlen);
	return 0;
}

/* Records of the final answer for the client, assembled in the request's
 * region: the chain, then what m holds for cur. */
static void
finish_answer(eng *e, ereq *r, const msg *m, const uint8_t *cur,
    unsigned rcode, bool final_data)
{
	msg_rr *sec[SEC_COUNT] = { NULL, NULL, NULL };
	uint16_t cnt[SEC_COUNT] = { 0, 0, 0 };
	size_t cap = r->nchain + m->count[SEC_ANSWER];

	const uint8_t **zones[SEC_COUNT] = { NULL, NULL, NULL };
	const uint8_t *here = serving_zone(e, r);
	size_t acap = m->count[SEC_AUTHORITY] ? m->count[SEC_AUTHORITY] : 1;

	sec[SEC_ANSWER] = region_alloc(&r->reg, (cap ? cap : 1) * sizeof(msg_rr));
	sec[SEC_AUTHORITY] = region_alloc(&r->reg, acap * sizeof(msg_rr));
	zones[SEC_ANSWER] = region_alloc(&r->reg, (cap ? cap : 1) * sizeof(*zones[0]));
	zones[SEC_AUTHORITY] = region_alloc(&r->reg, acap * sizeof(*zones[0]));
	if (sec[SEC_ANSWER] == NULL || sec[SEC_AUTHORITY] == NULL ||
	    zones[SEC_ANSWER] == NULL || zones[SEC_AUTHORITY] == NULL) {
		req_servfail(e, r, EDE_OTHER, "out of memory");
		return;
	}
	for (size_t i = 0; i < r->nchain; i++) {
		zones[SEC_ANSWER][cnt[SEC_ANSWER]] = r->chain_zone[i];
		sec[SEC_ANSWER][cnt[SEC_ANSWER]++] = r->chain[i];
	}
	if (final_data) {
		for (uint16_t i = 0; i < m->count[SEC_ANSWER]; i++) {
			const msg_rr *rr = &m->rr[SEC_ANSWER][i];
			if (!name_eq(rr->owner, cur))
				continue;
			bool want = r->qtype == RR_ANY ? rr->type != RR_CNAME && rr->type != RR_DNAME :
			    rr->type == r->qtype || sig_covers(rr, r->qtype);
			if (want) {
				zones[SEC_ANSWER][cnt[SEC_ANSWER]] = here;
				sec[SEC_ANSWER][cnt[SEC_ANSWER]++] = *rr;
			}
		}
	}
	/* Authority: what proves the answer (SOA, NSEC, NSEC3 and their
	 * RRSIGs), in bailiwick; never NS or glue. */
	for (uint16_t i = 0; i < m->count[SEC_AUTHORITY]; i++) {
		const msg_rr *rr = &m->rr[SEC_AUTHORITY][i];
		bool proof = rr->type == RR_NSEC || rr->type == RR_NSEC3 ||
		    sig_covers(rr, RR_NSEC) || sig_covers(rr, RR_NSEC3);
		bool soa = !final_data && (rr->type == RR_SOA || sig_covers(rr, RR_SOA));
		if ((proof || soa) && rr_in_zone(rr, r->zone)) {
			zones[SEC_AUTHORITY][cnt[SEC_AUTHORITY]] = here;
			sec[SEC_AUTHORITY][cnt[SEC_AUTHORITY]++] = *rr;
		}
	}
	if (final_data && e->cfg.mode == ENG_RECURSIVE &&
	    (r->qtype == RR_A || r->qtype == RR_AAAA || r->qtype == RR_NS))
		store_set(e, m, SEC_ANSWER, cur, r->qtype, MC_AUTH);
	val_begin(e, r, rcode, sec, zones, cnt);
}

static bool
has_soa(const ereq *r, const msg *m)
{
	for (uint16_t i = 0; i < m->count[SEC_AUTHORITY]; i++) {
		const msg_rr *rr = &m->rr[SEC_AUTHORITY][i];
		if (rr->type == RR_SOA && rr_in_zone(rr, r->zone))
			return true;
	}
	return false;
}

/* Add rr and the RRSIGs at its owner covering its type to the chain. */
static int
chain_link(eng *e, ereq *r, const msg *m, const msg_rr *rr)
{
	const uint8_t *z = serving_zone(e, r);
	int rc = chain_add(r, rr, z);

	for (uint16_t i = 0; rc == 0 && i < m->count[SEC_ANSWER]; i++) {
		const msg_rr *s = &m->rr[SEC_ANSWER][i];
		if (sig_covers(s, rr->type) && name_eq(s->owner, rr->owner))
			rc = chain_add(r, s, z);
	}
	return rc;
}

/* The next link for cur in the answer section: a DNAME above it (checked
 * first: a server's synthesised CNAME is unsigned, the DNAME is what a
 * validator needs), else a CNAME at it.  NULL when neither. */
static const msg_rr *
find_link(const ereq *r, const msg *m, const uint8_t *cur, bool *is_dname)
{
	for (uint16_t i = 0; i < m->count[SEC_ANSWER]; i++) {
		const msg_rr *rr = &m->rr[SEC_ANSWER][i];
		if (rr->type == RR_DNAME && r->qtype != RR_DNAME &&
		    name_is_below(cur, rr->owner) && rr_in_zone(rr, r->zone)) {
			*is_dname = true;
			return rr;
		}
	}
	for (uint16_t i = 0; i < m->count[SEC_ANSWER]; i++) {
		const msg_rr *rr = &m->rr[SEC_ANSWER][i];
		if (rr->type == RR_CNAME && r->qtype != RR_CNAME &&
		    name_eq(rr->owner, cur)) {
			*is_dname = false;
			return rr;
		}
	}
	return NULL;
}

static bool
has_final(const ereq *r, const msg *m, const uint8_t *cur)
{
	for (uint16_t i = 0; i < m->count[SEC_ANSWER]; i++) {
		const msg_rr *rr = &m->rr[SEC_ANSWER][i];
		if (!name_eq(rr->owner, cur))
			continue;
		if (rr->type == r->qtype)
			return true;
		if (r->qtype == RR_ANY && rr->type != RR_RRSIG)
			return true;
	}
	return false;
}

/* Follow one CNAME or DNAME link: records it and moves cur.  0, or 1 when
 * it gave a final YXDOMAIN answer, or <0 on a limit (request finished). */
static int
take_link(eng *e, ereq *r, const msg *m, const msg_rr *link, bool is_dname,
    uint8_t cur[NAME_MAX_WIRE])
{
	uint8_t next[NAME_MAX_WIRE];

	if (++r->ncname > e->cfg.max_cname) {
		req_servfail(e, r, EDE_OTHER, "CNAME chain too long");
		return -1;
	}
	if (chain_link(e, r, m, link) != 0) {
		req_servfail(e, r, EDE_OTHER, "out of memory");
		return -1;
	}
	if (!is_dname) {
		name_copy(next, link->rdata);
	} else {
		if (dname_subst(cur, link->owner, link->rdata, next) != 0) {
			/* RFC 6672 2.2: the substituted name is too long. */
			finish_answer(e, r, m, cur, 6 /* YXDOMAIN */, false);
			return 1;
		}
		/* The CNAME the DNAME stands for, synthesised here
		 * (RFC 6672 3.4), with the DNAME's TTL. */
		msg_rr syn = { .owner = cur, .type = RR_CNAME, .rclass = CLASS_IN,
		    .ttl = link->ttl, .rdlen = (uint16_t)name_len(next), .rdata = next };
		if (chain_add(r, &syn, serving_zone(e, r)) != 0) {
			req_servfail(e, r, EDE_OTHER, "out of memory");
			return -1;
		}
	}
	name_copy(cur, next);
	return 0;
}

static void
lame(eng *e, ereq *r, unsigned ede, const char *why)
{
	infra_lame(e->inf, (const struct sockaddr *)&r->qaddr.sa, e->now.mono_ms);
	mark_tried(r, ede, why);
	iter_next(e, r);
}

/* The answer to a minimised query (RFC 9156 2.3). */
static void
reply_minimised(eng *e, ereq *r, const msg *m)
{
	const uint8_t *cut = find_referral(r, m, r->qplain);
	bool is_dname;

	if (cut != NULL) {
		follow_referral(e, r, m, cut);
		return;
	}
	if (m->rcode == RCODE_NXDOMAIN) {
		/* Relaxed: some servers answer NXDOMAIN for empty
		 * non-terminals; ask the full name before believing it. */
		r->qmin_done = true;
		iter_next(e, r);
		return;
	}
	/* A DNAME at or above the minimised name covers the full name. */
	const msg_rr *link = find_link(r, m, r->sname, &is_dname);
	if (link != NULL && is_dname) {
		uint8_t cur[NAME_MAX_WIRE];
		name_copy(cur, r->sname);
		int rc = take_link(e, r, m, link, true, cur);
		if (rc != 0)
			return;
		name_copy(r->sname, cur);
		zone_reset(r);
		r->qmin_done = false;
		iter_next(e, r);
		return;
	}
	if (!answers_for(m, r->qplain) && !has_soa(r, m) && !(m->flags & FLAG_AA)) {
		lame(e, r, EDE_INVALID_DATA, "unusable answer to a minimised query");
		return;
	}
	/* The name exists (data or empty non-terminal): one label more. */
	r->qmin_labels = name_labels(r->qplain);
	r->qmin_steps++;
	iter_next(e, r);
}

void
iter_reply(eng *e, ereq *r, const msg *m)
{
	uint8_t cur[NAME_MAX_WIRE];
	bool is_dname;

	if (r->finished)
		return;
	/* RFC 1035 4.2.1, RFC 7766 5: a truncated UDP answer is asked again
	 * over TCP of the same server. */
	if ((m->flags & FLAG_TC) && !r->tcp) {
		int rc = req_send(e, r, &r->qaddr, r->qplain, r->qtype_sent, true);
		if (rc == MX_ELIMIT)
			req_servfail(e, r, EDE_OTHER, "too much work for one query");
		else if (rc != 0)
			lame(e, r, EDE_NETWORK_ERROR, "TCP to upstream failed");
		return;
	}
	/* Truncated over TCP too: the message is incomplete, and there is
	 * nothing left to fall back to.  Taking it would turn an empty,
	 * truncated section into a NODATA (or a partial RRset) for this
	 * server; try the others instead. */
	if (m->flags & FLAG_TC) {
		lame(e, r, EDE_INVALID_DATA, "truncated answer over TCP");
		return;
	}
	if (m->rcode != RCODE_NOERROR && m->rcode != RCODE_NXDOMAIN) {
		lame(e, r, m->rcode == RCODE_REFUSED ? EDE_NOT_AUTHORITATIVE :
		    EDE_NO_REACHABLE_AUTHORITY, "upstream answered with an error");
		return;
	}
	if (r->priming) {
		take_priming(e, r, m);
		return;
	}
	if (!name_eq(r->qplain, r->sname) || r->qtype_sent != r->qtype) {
		reply_minimised(e, r, m);
		return;
	}
	/* Walk the answer section from sname through CNAME and DNAME links
	 * inside the zone we asked (RFC 1034 5.3.3 step 4a, 4c). */
	name_copy(cur, r->sname);
	for (;;) {
		if (!name_is_subdomain(cur, r->zone))
			break;   /* out of bailiwick: ask its own servers */
		if (has_final(r, m, cur)) {
			finish_answer(e, r, m, cur, RCODE_NOERROR, true);
			return;
		}
		const msg_rr *link = find_link(r, m, cur, &is_dname);
		if (link == NULL)
			break;
		int rc = take_link(e, r, m, link, is_dname, cur);
		if (rc != 0)
			return;
	}
	if (!name_eq(cur, r->sname)) {
		/* We moved along a chain.  RFC 6604 2.1: the rcode is about
		 * the last name; a negative answer for it in bailiwick ends
		 * here, anything else is asked of the target's servers. */
		if (name_is_subdomain(cur, r->zone) &&
		    (m->rcode == RCODE_NXDOMAIN || has_soa(r, m))) {
			finish_answer(e, r, m, cur, m->rcode, false);
			return;
		}
		name_copy(r->sname, cur);
		zone_reset(r);
		r->qmin_done = false;
		iter_next(e, r);
		return;
	}
	if (m->rcode == RCODE_NXDOMAIN) {
		finish_answer(e, r, m, cur, RCODE_NXDOMAIN, false);
		return;
	}
	if (e->cfg.mode == ENG_RECURSIVE) {
		const uint8_t *cut = find_referral(r, m, r->sname);
		if (cut != NULL) {
			if (r->qtype == RR_DS && name_eq(cut, r->sname)) {
				/* The parent must answer DS itself. */
				lame(e, r, EDE_INVALID_DATA, "referral for a DS query");
				return;
			}
			follow_referral(e, r, m, cut);
			return;
		}
	}
	/* NODATA (RFC 2308 2.2): empty answer with the zone's SOA, or at
	 * least an authoritative empty answer. */
	if (!answers_for(m, cur) && (has_soa(r, m) || (m->flags & FLAG_AA) ||
	    e->cfg.mode == ENG_FORWARD)) {
		finish_answer(e, r, m, cur, RCODE_NOERROR, false);
		return;
	}
	lame(e, r, EDE_INVALID_DATA, "unusable answer from upstream");
}
