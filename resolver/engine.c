/*
 * engine.c: requests, coalescing, the token table, limits, and the glue
 * to the I/O edge.  The decisions of iteration live in iter.c.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "err.h"
#include "hints.h"
#include "rrtype.h"
#include "zone.h"

#define TABSIZE 4096

static unsigned
def(unsigned v, unsigned d)
{
	return v ? v : d;
}

uint32_t
eng_rand32(eng *e)
{
	uint32_t v;
	e->io.random(e->io.ctx, &v, sizeof(v));
	return v;
}

bool
eng_addr_from_rdata(uint16_t type, const uint8_t *rd, uint16_t len, eng_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (type == RR_A && len == 4) {
		struct sockaddr_in *s = (struct sockaddr_in *)&a->sa;
		s->sin_family = AF_INET;
		s->sin_port = htons(53);
		memcpy(&s->sin_addr, rd, 4);
		a->salen = sizeof(*s);
		return true;
	}
	if (type == RR_AAAA && len == 16) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&a->sa;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(53);
		memcpy(&s->sin6_addr, rd, 16);
		a->salen = sizeof(*s);
		return true;
	}
	return false;
}

bool
eng_addr_allowed(const eng *e, const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
		uint32_t a = ntohl(s->sin_addr.s_addr);
		if (!e->cfg.do_ip4)
			return false;
		/* 0/8 and 127/8 never, unless query-loopback (tests). */
		if ((a >> 24) == 127 && !e->cfg.query_loopback)
			return false;
		if ((a >> 24) == 0 || a == 0xffffffffu)
			return false;
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
		if (!e->cfg.do_ip6)
			return false;
		if (IN6_IS_ADDR_UNSPECIFIED(&s->sin6_addr))
			return false;
		if (IN6_IS_ADDR_LOOPBACK(&s->sin6_addr) && !e->cfg.query_loopback)
			return false;
		if (IN6_IS_ADDR_V4MAPPED(&s->sin6_addr))
			return false;
		return true;
	}
	return false;
}

/* Root hints: NS names and A/AAAA of those names. */
static int
load_hints(eng *e, char *err, size_t errlen)
{
	const char *text = e->cfg.root_hints ? e->cfg.root_hints : root_hints_builtin;
	size_t len = e->cfg.root_hints ? e->cfg.root_hints_len : root_hints_builtin_len;
	const char *fname = e->cfg.root_hints_name ? e->cfg.root_hints_name : "(built-in root hints)";
	zone_reader z;
	zone_rr *rr = malloc(sizeof(*rr));
	int rc;

	if (rr == NULL)
		return MX_ENOMEM;
	zone_reader_init(&z, text, len, fname, NULL, 3600000);
	while ((rc = zone_next(&z, rr)) == 1) {
		if (rr->type == RR_NS && name_is_root(rr->owner)) {
			void *nv = realloc(e->hint_ns, (e->nhint_ns + 1) * sizeof(*e->hint_ns));
			if (nv == NULL) {
				rc = MX_ENOMEM;
				break;
			}
			e->hint_ns = nv;
			name_copy(e->hint_ns[e->nhint_ns++], rr->rdata);
		} else if (rr->type == RR_A || rr->type == RR_AAAA) {
			eng_addr a;
			if (!eng_addr_from_rdata(rr->type, rr->rdata, (uint16_t)rr->rdlen, &a))
				continue;
			void *nv = realloc(e->hint_addr, (e->nhint_addr + 1) * sizeof(*e->hint_addr));
			if (nv == NULL) {
				rc = MX_ENOMEM;
				break;
			}
			e->hint_addr = nv;
			e->hint_addr[e->nhint_addr++] = a;
		}
	}
	free(rr);
	if (rc < 0) {
		if (rc == MX_ENOMEM)
			snprintf(err, errlen, "%s: out of memory", fname);
		else
			snprintf(err, errlen, "%s:%u: %s", fname, z.line, z.errmsg);
		return rc;
	}
	if (e->nhint_ns == 0 || e->nhint_addr == 0) {
		snprintf(err, errlen, "%s: no root NS records with addresses", fname);
		return MX_EINVAL;
	}
	return 0;
}

/* Anchors are copied: the caller's may go away. */
static int
set_anchors(eng *e, const eng_anchor *anchors, size_t n)
{
	size_t total = 0;
	eng_anchor *v = NULL;
	uint8_t *data = NULL;

	if (n > 0) {
		for (size_t i = 0; i < n; i++)
			total += name_len(anchors[i].owner) + anchors[i].rdlen;
		v = calloc(n, sizeof(*v));
		data = malloc(total ? total : 1);
		if (v == NULL || data == NULL) {
			free(v);
			free(data);
			return MX_ENOMEM;
		}
		uint8_t *p = data;
		for (size_t i = 0; i < n; i++) {
			const eng_anchor *a = &anchors[i];
			size_t nl = name_len(a->owner);
			memcpy(p, a->owner, nl);
			name_lower(p);
			v[i].owner = p;
			p += nl;
			memcpy(p, a->rdata, a->rdlen);
			v[i].rdata = p;
			v[i].rdlen = a->rdlen;
			v[i].type = a->type;
			p += a->rdlen;
		}
	}
	free(e->anchors);
	free(e->anchor_data);
	e->anchors = v;
	e->anchor_data = data;
	e->nanchors = n;
	return 0;
}

int
eng_set_anchors(eng *e, const eng_anchor *anchors, size_t n, eng_time now)
{
	int rc;

	/* The keys validated under the old anchors must not outlive them:
	 * expire the stored DNSKEY verdicts of every anchored zone. */
	for (size_t i = 0; i < e->nanchors; i++)
		(void)mcache_put_aux(e->mc, e->anchors[i].owner, RR_DNSKEY, NULL, NULL,
		    0, 0, MC_VALIDATED, 0, now.wall);
	if ((rc = set_anchors(e, anchors, n)) != 0)
		return rc;
	for (size_t i = 0; i < e->nanchors; i++)
		(void)mcache_put_aux(e->mc, e->anchors[i].owner, RR_DNSKEY, NULL, NULL,
		    0, 0, MC_VALIDATED, 0, now.wall);
	return 0;
}

/* Negative anchors are copied too. */
static int
copy_anchors(eng *e, const eng_config *cfg)
{
	int rc;

	e->cfg.anchors = NULL;
	e->cfg.insecure = NULL;
	if ((rc = set_anchors(e, cfg->anchors, cfg->nanchors)) != 0)
		return rc;
	if (cfg->ninsecure > 0) {
		e->insecure = calloc(cfg->ninsecure, sizeof(*e->insecure));
		if (e->insecure == NULL)
			return MX_ENOMEM;
		for (size_t i = 0; i < cfg->ninsecure; i++) {
			name_copy(e->insecure[i], cfg->insecure[i]);
			name_lower(e->insecure[i]);
		}
		e->ninsecure = cfg->ninsecure;
	}
	return 0;
}

/* The limits of cfg into dst, 0 taking the default (engine.h). */
static void
set_limits(eng_config *dst, const eng_config *cfg)
{
	dst->max_referrals = def(cfg->max_referrals, 30);
	dst->max_cname = def(cfg->max_cname, 12);
	dst->max_queries = def(cfg->max_queries, 128);
	dst->max_depth = def(cfg->max_depth, 6);
	dst->request_timeout_ms = def(cfg->request_timeout_ms, 12000);
	dst->max_requests = def(cfg->max_requests, 10000);
	dst->nsec3_max_iterations = def(cfg->nsec3_max_iterations, 150);
	dst->max_verifications = def(cfg->max_verifications, 64);
	dst->max_sigs_per_rrset = def(cfg->max_sigs_per_rrset, 8);
	dst->max_key_tries = def(cfg->max_key_tries, 4);
	dst->max_nsec3_hashes = def(cfg->max_nsec3_hashes, 150);
}

int
eng_new(const eng_config *cfg, const eng_io *io, eng **out, char *err,
    size_t errlen)
{
	eng *e;
	int rc;

	*out = NULL;
	if (errlen)
		err[0] = 0;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return MX_ENOMEM;
	e->cfg = *cfg;
	e->io = *io;
	set_limits(&e->cfg, cfg);
	if (cfg->store != NULL) {
		e->store = *cfg->store;
		e->cfg.store = &e->store;
	}
	if ((rc = copy_anchors(e, cfg)) != 0)
		goto fail;
	if (cfg->mode == ENG_FORWARD) {
		if (cfg->nforwarders == 0) {
			snprintf(err, errlen, "forward mode needs upstream servers");
			rc = MX_EINVAL;
			goto fail;
		}
		e->fwd = calloc(cfg->nforwarders, sizeof(*e->fwd));
		if (e->fwd == NULL) {
			rc = MX_ENOMEM;
			goto fail;
		}
		memcpy(e->fwd, cfg->forwarders, cfg->nforwarders * sizeof(*e->fwd));
		e->cfg.forwarders = e->fwd;
	}
	e->cfg.root_hints = NULL;   /* not kept; parsed now */
	if (cfg->mode == ENG_RECURSIVE) {
		e->cfg.root_hints = cfg->root_hints;
		rc = load_hints(e, err, errlen);
		e->cfg.root_hints = NULL;
		if (rc != 0)
			goto fail;
	}
	e->tabsize = TABSIZE;
	e->reqtab = calloc(e->tabsize, sizeof(*e->reqtab));
	e->toktab = calloc(e->tabsize, sizeof(*e->toktab));
	if (e->reqtab == NULL || e->toktab == NULL) {
		rc = MX_ENOMEM;
		goto fail;
	}
	if ((rc = mcache_new(20000, &e->mc)) != 0 || (rc = infra_new(&e->inf)) != 0)
		goto fail;
	e->seed = eng_rand32(e);
	e->next_token = 1;
	*out = e;
	return 0;
fail:
	if (errlen && err[0] == 0)
		snprintf(err, errlen, "%s", mx_strerror(rc));
	eng_free(e);
	return rc;
}

/* Same anchors, in the same order? */
static bool
anchors_equal(const eng *e, const eng_anchor *a, size_t n)
{
	if (n != e->nanchors)
		return false;
	for (size_t i = 0; i < n; i++) {
		const eng_anchor *x = &e->anchors[i];
		uint8_t owner[NAME_MAX_WIRE];
		name_copy(owner, a[i].owner);
		name_lower(owner);
		if (x->type != a[i].type || x->rdlen != a[i].rdlen ||
		    !name_eq(x->owner, owner) ||
		    (x->rdlen > 0 && memcmp(x->rdata, a[i].rdata, x->rdlen) != 0))
			return false;
	}
	return true;
}

static bool
insecure_equal(const eng *a, const eng *b)
{
	if (a->ninsecure != b->ninsecure)
		return false;
	for (size_t i = 0; i < a->ninsecure; i++)
		if (!name_eq(a->insecure[i], b->insecure[i]))
			return false;
	return true;
}

#define SWAP(a, b) do { __typeof__(a) t_ = (a); (a) = (b); (b) = t_; } while (0)

int
eng_reconfigure(eng *e, const eng_config *cfg, eng_time now,
    bool *anchors_changed, char *err, size_t errlen)
{
	eng *n;
	bool changed;
	int rc;

	if (anchors_changed != NULL)
		*anchors_changed = false;
	if (errlen)
		err[0] = 0;
	if (cfg->mode == ENG_FORWARD && cfg->nforwarders == 0) {
		snprintf(err, errlen, "forward mode needs upstream servers");
		return MX_EINVAL;
	}
	/* Build the new parts beside the engine, then swap them in: a
	 * failure leaves the running engine as it was. */
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return MX_ENOMEM;
	if ((rc = copy_anchors(n, cfg)) != 0)
		goto fail;
	if (cfg->mode == ENG_FORWARD) {
		n->fwd = calloc(cfg->nforwarders, sizeof(*n->fwd));
		if (n->fwd == NULL) {
			rc = MX_ENOMEM;
			goto fail;
		}
		memcpy(n->fwd, cfg->forwarders, cfg->nforwarders * sizeof(*n->fwd));
	} else {
		n->cfg.root_hints = cfg->root_hints;
		n->cfg.root_hints_len = cfg->root_hints_len;
		n->cfg.root_hints_name = cfg->root_hints_name;
		rc = load_hints(n, err, errlen);
		n->cfg.root_hints = NULL;
		if (rc != 0)
			goto fail;
	}
	changed = !anchors_equal(e, cfg->anchors, cfg->nanchors) ||
	    !insecure_equal(e, n);
	if (changed && (rc = mcache_new(20000, &n->mc)) != 0)
		goto fail;

	/* Nothing can fail from here on. */
	SWAP(e->anchors, n->anchors);
	SWAP(e->anchor_data, n->anchor_data);
	SWAP(e->nanchors, n->nanchors);
	SWAP(e->insecure, n->insecure);
	SWAP(e->ninsecure, n->ninsecure);
	SWAP(e->fwd, n->fwd);
	if (cfg->mode == ENG_RECURSIVE) {
		SWAP(e->hint_ns, n->hint_ns);
		SWAP(e->nhint_ns, n->nhint_ns);
		SWAP(e->hint_addr, n->hint_addr);
		SWAP(e->nhint_addr, n->nhint_addr);
	}
	if (changed)
		SWAP(e->mc, n->mc);
	e->cfg.mode = cfg->mode;
	e->cfg.forwarders = cfg->mode == ENG_FORWARD ? e->fwd : NULL;
	e->cfg.nforwarders = cfg->mode == ENG_FORWARD ? cfg->nforwarders : 0;
	e->cfg.query_loopback = cfg->query_loopback;
	e->cfg.do_ip4 = cfg->do_ip4;
	e->cfg.do_ip6 = cfg->do_ip6;
	e->cfg.qname_minimisation = cfg->qname_minimisation;
	e->cfg.harden_glue = cfg->harden_glue;
	e->cfg.val_skew = cfg->val_skew;
	set_limits(&e->cfg, cfg);
	e->cfg.prefetch = cfg->prefetch;
	e->cfg.serve_stale = cfg->serve_stale;
	e->now = now;
	e->st.reconfigs++;
	if (anchors_changed != NULL)
		*anchors_changed = changed;
	rc = 0;
fail:
	if (rc != 0 && errlen && err[0] == 0)
		snprintf(err, errlen, "%s", mx_strerror(rc));
	/* n holds what was replaced (or the new parts, on failure). */
	mcache_free(n->mc);
	free(n->hint_ns);
	free(n->hint_addr);
	free(n->anchors);
	free(n->anchor_data);
	free(n->insecure);
	free(n->fwd);
	free(n);
	return rc;
}

int
eng_flush_memory(eng *e)
{
	mcache *mc;
	int rc;

	if ((rc = mcache_new(20000, &mc)) != 0)
		return rc;
	mcache_free(e->mc);
	e->mc = mc;
	return 0;
}

size_t
eng_get_upstreams(const eng *e, uint64_t now_ms, eng_upstream *out,
    size_t max)
{
	infra_server sv[64];
	size_t total, k = 0;

	/* infra_list fills at most its max; take them in chunks of what
	 * fits on the stack only when asked for few. */
	if (max > sizeof(sv) / sizeof(sv[0]))
		max = sizeof(sv) / sizeof(sv[0]);
	total = infra_list(e->inf, now_ms, sv, max);
	for (; k < max && k < total; k++) {
		memset(&out[k], 0, sizeof(out[k]));
		memcpy(&out[k].addr.sa, &sv[k].sa, sizeof(sv[k].sa));
		out[k].addr.salen = sv[k].sa.ss_family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
		out[k].srtt_ms = sv[k].srtt;
		out[k].rttvar_ms = sv[k].rttvar;
		out[k].timeouts = sv[k].timeouts;
		out[k].lame = sv[k].lame;
		out[k].measured = sv[k].sampled;
	}
	return total;
}

static void req_free(eng *e, ereq *r);
static void req_unref(ereq *r);
static void detach_subs(ereq *r);
static ereq *req_find(eng *e, uint32_t h, const uint8_t *qname,
    uint16_t qtype, uint16_t qclass, unsigned flags);
static ereq *req_new(eng *e, const uint8_t *qname, uint16_t qtype,
    uint16_t qclass, unsigned flags, unsigned depth, budget *b, uint32_t h);
static eng_req *add_waiter(ereq *r, eng_done_fn done, void *arg,
    ereq *parent);

void
eng_free(eng *e)
{
	if (e == NULL)
		return;
	/* No callbacks: the owner is going away.  Empty the run queue, and
	 * cut every parent link first so that no request points at one
	 * already freed. */
	while (e->runq_head != NULL) {
		ereq *r = e->runq_head;
		e->runq_head = r->qnext;
		r->queued = false;
		req_unref(r);
	}
	for (ereq *r = e->all; r != NULL; r = r->next)
		detach_subs(r);
	while (e->all != NULL)
		req_free(e, e->all);
	mcache_free(e->mc);
	infra_free(e->inf);
	free(e->reqtab);
	free(e->toktab);
	free(e->hint_ns);
	free(e->hint_addr);
	free(e->anchors);
	free(e->anchor_data);
	free(e->insecure);
	free(e->fwd);
	free(e);
}

/* Tables. */

static uint32_t
req_hash(const eng *e, const uint8_t *qname, uint16_t qtype, uint16_t qclass,
    unsigned flags)
{
	return name_hash(qname, e->seed) ^ ((uint32_t)qtype << 16 | qclass) ^ flags;
}

static ereq *
req_find(eng *e, uint32_t h, const uint8_t *qname, uint16_t qtype,
    uint16_t qclass, unsigned flags)
{
	for (ereq *r = e->reqtab[h % e->tabsize]; r != NULL; r = r->hnext)
		if (r->hash == h && r->qtype == qtype && r->qclass == qclass &&
		    r->flags == flags && !r->finished && name_eq(r->qname, qname))
			return r;
	return NULL;
}

static void
tok_remove(eng *e, ereq *r)
{
	ereq **pp = &e->toktab[r->token % e->tabsize];

	for (; *pp != NULL; pp = &(*pp)->tnext) {
		if (*pp == r) {
			*pp = r->tnext;
			break;
		}
	}
	r->tnext = NULL;
}

static ereq *
tok_find(eng *e, uint64_t token)
{
	for (ereq *r = e->toktab[token % e->tabsize]; r != NULL; r = r->tnext)
		if (r->outstanding && r->token == token)
			return r;
	return NULL;
}

static void
req_unlink(eng *e, ereq *r)
{
	ereq **pp = &e->reqtab[r->hash % e->tabsize];

	for (; *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == r) {
			*pp = r->hnext;
			break;
		}
	}
	if (r->prev)
		r->prev->next = r->next;
	else
		e->all = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
	e->st.in_flight--;
}

static void
cancel_query(eng *e, ereq *r)
{
	if (!r->outstanding)
		return;
	r->outstanding = false;
	tok_remove(e, r);
	e->io.cancel(e->io.ctx, r->token);
}

/* Our waits on sub-requests end: they will not call us back.  The
 * waiters stay in the sub-requests' lists, which free them. */
static void
detach_subs(ereq *r)
{
	for (size_t i = 0; i < r->nsubs; i++) {
		if (r->subs[i] != NULL) {
			r->subs[i]->cancelled = true;
			r->subs[i]->parent = NULL;
			r->subs[i] = NULL;
		}
	}
	r->nsubs = 0;
	r->pending_subs = 0;
}

/* A waiter of ours belonging to parent p goes away: p stops counting it. */
static void
forget_parent(eng_req *w)
{
	ereq *p = w->parent;

	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nsubs; i++)
		if (p->subs[i] == w)
			p->subs[i] = NULL;
	if (p->pending_subs > 0)
		p->pending_subs--;
	w->parent = NULL;
}

/* Free without callbacks (shutdown, allocation failure). */
static void
req_free(eng *e, ereq *r)
{
	eng_req *w, *next;

	cancel_query(e, r);
	if (!r->finished)
		req_unlink(e, r);
	r->finished = true;
	detach_subs(r);
	for (w = r->waiters; w != NULL; w = next) {
		next = w->next;
		forget_parent(w);
		free(w);
	}
	r->waiters = NULL;
	req_unref(r);
}

static ereq *
req_new(eng *e, const uint8_t *qname, uint16_t qtype, uint16_t qclass,
    unsigned flags, unsigned depth, budget *b, uint32_t h)
{
	ereq *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	if (b == NULL) {
		if ((b = calloc(1, sizeof(*b))) == NULL) {
			free(r);
			return NULL;
		}
		b->verifications = e->cfg.max_verifications;
		b->hashes = e->cfg.max_nsec3_hashes;
	}
	b->refs++;
	r->budget = b;
	name_copy(r->qname, qname);
	name_copy(r->sname, qname);
	r->qtype = qtype;
	r->qclass = qclass;
	r->flags = flags;
	r->depth = depth;
	r->hash = h;
	r->refs = 1;
	r->deadline_ms = e->now.mono_ms + e->cfg.request_timeout_ms;
	region_init(&r->reg, REQ_REGION_LIMIT);
	r->hnext = e->reqtab[h % e->tabsize];
	e->reqtab[h % e->tabsize] = r;
	r->next = e->all;
	if (e->all)
		e->all->prev = r;
	e->all = r;
	e->st.in_flight++;
	return r;
}

/* Is a an ancestor of r (does r, through its waiters, serve a)? */
static bool
is_ancestor(const ereq *a, const ereq *r, unsigned depth)
{
	if (r == a)
		return true;
	if (depth > 16)
		return true;   /* deeper than any legitimate chain: call it a loop */
	for (const eng_req *w = r->waiters; w != NULL; w = w->next)
		if (!w->cancelled && w->parent && is_ancestor(a, w->parent, depth + 1))
			return true;
	return false;
}

static eng_req *
add_waiter(ereq *r, eng_done_fn done, void *arg, ereq *parent)
{
	eng_req *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->req = r;
	w->done = done;
	w->arg = arg;
	w->parent = parent;
	w->next = r->waiters;
	r->waiters = w;
	return w;
}

static void
req_unref(ereq *r)
{
	if (--r->refs > 0)
		return;
	if (r->budget && --r->budget->refs == 0)
		free(r->budget);
	region_free(&r->reg);
	free(r);
}

void
req_schedule(eng *e, ereq *r)
{
	if (r->queued || r->finished)
		return;
	r->queued = true;
	r->refs++;
	r->qnext = NULL;
	if (e->runq_tail)
		e->runq_tail->qnext = r;
	else
		e->runq_head = r;
	e->runq_tail = r;
}

/* A sub-request the store can answer ends here, before any query. */
static bool
answer_from_store(eng *e, ereq *r)
{
	const eng_store *st = e->cfg.store;
	eng_hit hit;
	region reg;
	bool ok = false;

	if (st == NULL)
		return false;
	region_init(&reg, 1u << 20);
	if (st->get(st->ctx, r->qname, r->qtype, r->flags, e->now.wall, false,
	    &reg, &hit) == 0) {
		r->from_store = true;
		req_finish_status(e, r, hit.res.rcode, hit.res.rr, hit.res.count,
		    hit.res.status, hit.res.has_ede ? hit.res.ede : 0,
		    hit.res.reason);
		ok = true;
	}
	region_free(&reg);
	return ok;
}

static void
noop_done(void *arg, const eng_result *res)
{
	(void)arg;
	(void)res;
}

/* An entry asked for in the last 10 % of its TTL is fetched again in the
 * background, so a busy name never goes cold.  The new answer replaces
 * the entry when it comes; a client asking meanwhile joins the refresh. */
static void
prefetch(eng *e, const uint8_t *lname, uint16_t qtype, uint16_t qclass,
    unsigned flags, const eng_hit *hit)
{
	uint32_t h;
	ereq *r;

	if (!e->cfg.prefetch || hit->stale || hit->synthesized ||
	    hit->ttl_orig < 10 || (uint64_t)hit->ttl_left * 10 > hit->ttl_orig ||
	    e->st.in_flight >= e->cfg.max_requests / 2)
		return;
	h = req_hash(e, lname, qtype, qclass, flags);
	if (req_find(e, h, lname, qtype, qclass, flags) != NULL)
		return;
	if ((r = req_new(e, lname, qtype, qclass, flags, 0, NULL, h)) == NULL)
		return;
	r->started = true;
	if (add_waiter(r, noop_done, NULL, NULL) == NULL) {
		req_free(e, r);
		return;
	}
	e->st.prefetches++;
	req_schedule(e, r);
}

static void
drain(eng *e)
{
	if (e->draining)
		return;
	e->draining = true;
	while (e->runq_head != NULL) {
		ereq *r = e->runq_head;
		e->runq_head = r->qnext;
		if (e->runq_head == NULL)
			e->runq_tail = NULL;
		r->queued = false;
		if (!r->finished && !r->started) {
			r->started = true;
			if (answer_from_store(e, r)) {
				req_unref(r);
				continue;
			}
		}
		if (!r->finished)
			iter_next(e, r);
		req_unref(r);
	}
	e->draining = false;
}

/* Outcomes of what clients get (stats): by status, and by EDE code. */
static void
count_answer(eng *e, const eng_result *res)
{
	e->st.answers++;
	if ((unsigned)res->status < ENG_STATUS_COUNT)
		e->st.by_status[res->status]++;
	if (res->has_ede)
		e->st.by_ede[res->ede < ENG_EDE_SLOTS ? res->ede : ENG_EDE_SLOTS - 1]++;
}

static void
deliver_now(eng *e, eng_done_fn done, void *arg, unsigned rcode, unsigned ede,
    const char *why)
{
	eng_result res;

	memset(&res, 0, sizeof(res));
	res.rcode = rcode;
	res.status = SEC_INDETERMINATE;
	res.has_ede = rcode == RCODE_SERVFAIL;
	res.ede = (uint16_t)ede;
	res.reason = why;
	count_answer(e, &res);
	done(arg, &res);
}

int
eng_resolve(eng *e, const uint8_t *qname, uint16_t qtype, uint16_t qclass,
    unsigned flags, eng_time now, eng_done_fn done, void *arg, eng_req **out)
{
	uint8_t lname[NAME_MAX_WIRE];
	ereq *r;
	eng_req *w;

	*out = NULL;
	e->now = now;
	e->st.requests++;
	if (qclass != CLASS_IN || (rrtype_is_meta(qtype) && qtype != RR_ANY)) {
		deliver_now(e, done, arg, RCODE_REFUSED, 0, NULL);
		return 0;
	}
	name_copy(lname, qname);
	name_lower(lname);
	if (e->cfg.store != NULL) {
		const eng_store *st = e->cfg.store;
		eng_hit hit;
		region reg;
		/* A region of its own: done() may resolve again. */
		region_init(&reg, 1u << 20);
		if (st->get(st->ctx, lname, qtype, flags, now.wall, false, &reg,
		    &hit) == 0) {
			e->st.cache_hits++;
			prefetch(e, lname, qtype, qclass, flags, &hit);
			count_answer(e, &hit.res);
			done(arg, &hit.res);
			region_free(&reg);
			drain(e);
			return 0;
		}
		region_free(&reg);
	}
	if (e->stopping) {
		/* eng_abort(): the daemon is going away; only the store
		 * answers now. */
		e->st.servfail++;
		deliver_now(e, done, arg, RCODE_SERVFAIL, EDE_OTHER, "shutting down");
		return 0;
	}
	uint32_t h = req_hash(e, lname, qtype, qclass, flags);
	r = req_find(e, h, lname, qtype, qclass, flags);
	if (r != NULL) {
		e->st.coalesced++;
		if ((w = add_waiter(r, done, arg, NULL)) == NULL)
			return MX_ENOMEM;
		*out = w;
		return 0;
	}
	if (e->st.in_flight >= e->cfg.max_requests) {
		e->st.servfail++;
		deliver_now(e, done, arg, RCODE_SERVFAIL, EDE_OTHER, "too many requests in flight");
		return 0;
	}
	if ((r = req_new(e, lname, qtype, qclass, flags, 0, NULL, h)) == NULL)
		return MX_ENOMEM;
	if ((w = add_waiter(r, done, arg, NULL)) == NULL) {
		req_free(e, r);
		return MX_ENOMEM;
	}
	r->started = true;
	/* iter_next may answer at once: req_finish then clears sync_w. */
	e->sync_w = w;
	iter_next(e, r);
	*out = e->sync_w;
	e->sync_w = NULL;
	drain(e);
	return 0;
}

/* Internal lookups (name server addresses, DS, DNSKEY) are made with CD:
 * raw data; whoever asked checks what it needs. */
int
req_sub(eng *e, ereq *r, const uint8_t *name, uint16_t qtype)
{
	return req_sub_flags(e, r, name, qtype, ENG_F_CD);
}

int
req_sub_flags(eng *e, ereq *r, const uint8_t *name, uint16_t qtype,
    unsigned flags)
{
	uint8_t lname[NAME_MAX_WIRE];
	ereq *s;
	eng_req *w;

	if (r->depth + 1 > e->cfg.max_depth || r->nsubs >= REQ_MAX_SUBS)
		return MX_ELIMIT;
	name_copy(lname, name);
	name_lower(lname);
	uint32_t h = req_hash(e, lname, qtype, CLASS_IN, flags);
	s = req_find(e, h, lname, qtype, CLASS_IN, flags);
	if (s != NULL) {
		/* Joining a request that waits for us would deadlock. */
		if (is_ancestor(s, r, 0))
			return MX_ELOOP;
	} else {
		if ((s = req_new(e, lname, qtype, CLASS_IN, flags, r->depth + 1, r->budget, h)) == NULL)
			return MX_ENOMEM;
		s->deadline_ms = r->deadline_ms;
	}
	if ((w = add_waiter(s, NULL, NULL, r)) == NULL)
		return MX_ENOMEM;
	r->subs[r->nsubs++] = w;
	r->pending_subs++;
	if (s->waiters == w && w->next == NULL)
		req_schedule(e, s);   /* a new request: start it after this event */
	return 0;
}

/* Deliver a result: detach from the tables first, so callbacks may start
 * new requests or cancel others freely. */
void
req_finish(eng *e, ereq *r, unsigned rcode, msg_rr *const sec[SEC_COUNT],
    const uint16_t cnt[SEC_COUNT], unsigned ede, const char *why)
{
	req_finish_status(e, r, rcode, sec, cnt, SEC_INDETERMINATE, ede, why);
}

/* RFC 2308 5 and RFC 9077 3: the records of a negative answer (its SOA,
 * NSEC and NSEC3 and their RRSIGs) live no longer than min(SOA TTL, SOA
 * MINIMUM), whatever TTLs they came with, so a client sees the lifetime
 * the cache gives the answer. */
static void
cap_negative_ttl(const ereq *r, eng_result *res)
{
	msg_rr *auth = res->rr[SEC_AUTHORITY];
	uint32_t cap;

	if (res->rcode != RCODE_NOERROR && res->rcode != RCODE_NXDOMAIN)
		return;
	if (res->rcode == RCODE_NOERROR) {
		for (unsigned i = 0; i < res->count[SEC_ANSWER]; i++)
			if (res->rr[SEC_ANSWER][i].type == r->qtype ||
			    r->qtype == RR_ANY)
				return;   /* not a NODATA */
	}
	if (!msg_negative_ttl(auth, res->count[SEC_AUTHORITY], &cap))
		return;
	for (unsigned i = 0; i < res->count[SEC_AUTHORITY]; i++)
		if (auth[i].ttl > cap)
			auth[i].ttl = cap;
}

void
req_finish_status(eng *e, ereq *r, unsigned rcode,
    msg_rr *const sec[SEC_COUNT], const uint16_t cnt[SEC_COUNT],
    sec_status status, unsigned ede, const char *why)
{
	eng_result res;
	eng_req *w, *next;

	if (r->finished)
		return;
	cancel_query(e, r);
	req_unlink(e, r);
	r->finished = true;
	detach_subs(r);
	memset(&res, 0, sizeof(res));
	res.rcode = rcode;
	res.status = status;
	for (int s = 0; s < SEC_COUNT; s++) {
		res.rr[s] = sec ? sec[s] : NULL;
		res.count[s] = cnt ? cnt[s] : 0;
	}
	if (rcode == RCODE_SERVFAIL)
		e->st.servfail++;
	if (rcode == RCODE_SERVFAIL || status == SEC_BOGUS || ede != 0) {
		res.has_ede = true;
		res.ede = (uint16_t)ede;
		res.reason = why;
	}
	if (status == SEC_BOGUS)
		e->st.bogus++;
	if (!r->from_store)
		cap_negative_ttl(r, &res);
	region sreg;
	region_init(&sreg, 1u << 20);
	if (e->cfg.store != NULL && !r->from_store) {
		const eng_store *st = e->cfg.store;
		eng_hit hit;
		/* RFC 8767: upstreams failed; an expired answer may do, with
		 * EDE 3.  Never for bogus: that is a verdict, not a failure. */
		if (rcode == RCODE_SERVFAIL && status != SEC_BOGUS &&
		    e->cfg.serve_stale &&
		    st->get(st->ctx, r->qname, r->qtype, r->flags, e->now.wall,
		    true, &sreg, &hit) == 0 && hit.stale) {
			res = hit.res;
			e->st.stale_served++;
		} else {
			st->put(st->ctx, r->qname, r->qtype, r->flags, &res,
			    e->now.wall);
		}
	}
	w = r->waiters;
	r->waiters = NULL;
	for (; w != NULL; w = next) {
		next = w->next;
		if (w->cancelled) {
			free(w);
		} else if (w->parent != NULL) {
			ereq *p = w->parent;
			forget_parent(w);
			free(w);
			iter_sub_done(e, p, &res);
		} else {
			eng_done_fn done = w->done;
			void *arg = w->arg;
			if (e->sync_w == w)
				e->sync_w = NULL;
			free(w);
			count_answer(e, &res);
			done(arg, &res);
		}
	}
	region_free(&sreg);
	req_unref(r);
}

void
req_servfail(eng *e, ereq *r, unsigned ede, const char *why)
{
	req_finish(e, r, RCODE_SERVFAIL, NULL, NULL, ede, why);
}

void
eng_cancel(eng *e, eng_req *w)
{
	(void)e;
	/* The waiter stays in its request's list, which frees it. */
	if (w != NULL)
		w->cancelled = true;
}

int
req_send(eng *e, ereq *r, const eng_addr *a, const uint8_t *qname,
    uint16_t qtype, bool tcp)
{
	uint8_t pkt[512];
	msg_builder b;
	uint16_t flags = 0;
	int len, rc;

	if (r->budget->queries >= e->cfg.max_queries)
		return MX_ELIMIT;
	r->budget->queries++;
	name_copy(r->qplain, qname);
	name_copy(r->qsent, qname);
	/* 0x20 (draft-vixie-dnsext-dns0x20): random case on every letter,
	 * checked on the reply.  Not toward forwarders, which may answer
	 * from a cache with their own case. */
	r->used_0x20 = e->cfg.mode == ENG_RECURSIVE && !r->no_0x20_once;
	/* One draw for the ID and the 0x20 bits. */
	uint8_t rnd[2 + 32];
	e->io.random(e->io.ctx, rnd, sizeof(rnd));
	r->qid = (uint16_t)(rnd[0] << 8 | rnd[1]);
	if (r->used_0x20) {
		const uint8_t *bits = rnd + 2;
		size_t n = name_len(r->qsent), bi = 0;
		for (size_t i = 0; i < n; i++) {
			uint8_t *c = &r->qsent[i];
			if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')) {
				if (bits[bi / 8 % 32] & (1u << (bi % 8)))
					*c ^= 0x20;
				bi++;
			}
		}
	}
	r->qtype_sent = qtype;
	if (e->cfg.mode == ENG_FORWARD)
		flags = FLAG_RD | FLAG_CD;   /* raw data for our own validation */
	mb_init(&b, pkt, sizeof(pkt), r->qid, flags);
	if ((rc = mb_question(&b, r->qsent, qtype, CLASS_IN)) != 0)
		return rc;
	if ((rc = mb_opt(&b, EDNS_BUFSIZE, 0, 0, EDNS_DO, NULL, 0)) != 0)
		return rc;
	if ((len = mb_finish(&b)) < 0)
		return len;
	r->qaddr = *a;
	r->tcp = tcp;
	r->token = e->next_token++;
	r->sent_ms = e->now.mono_ms;
	unsigned rto = infra_rto(e->inf, (const struct sockaddr *)&a->sa, e->now.mono_ms);
	if (tcp)
		rto = rto * 2 + 1000;   /* a handshake more */
	rc = e->io.send(e->io.ctx, r->token, (const struct sockaddr *)&a->sa,
	    a->salen, pkt, (size_t)len, tcp, rto);
	if (rc != 0)
		return rc;
	r->outstanding = true;
	r->tnext = e->toktab[r->token % e->tabsize];
	e->toktab[r->token % e->tabsize] = r;
	e->st.queries_sent++;
	if (tcp)
		e->st.tcp_queries++;
	return 0;
}

int
eng_reply(eng *e, uint64_t token, const uint8_t *pkt, size_t len, eng_time now)
{
	ereq *r = tok_find(e, token);
	region tmp;
	msg m;
	uint16_t id, flags;

	e->now = now;
	if (r == NULL)
		return 0;   /* stale: nothing waits for it */
	/* RFC 5452 9.1: ID, question and source (the connected socket) must
	 * all match; anything else is dropped and we keep waiting. */
	if (msg_parse_header(pkt, len, &id, &flags) != 0 || id != r->qid ||
	    !(flags & FLAG_QR) || FLAG_OPCODE(flags) != 0) {
		e->st.dropped++;
		return MX_EAGAIN;
	}
	/* Names compressed against the question would come back in our
	 * random 0x20 case: put the plain name back into a copy of the
	 * packet first, so everything parses in the case we asked with. */
	size_t qlen = name_len(r->qsent);
	if (len >= MSG_HDR_LEN + qlen && len <= sizeof(e->scratch) &&
	    memcmp(pkt + MSG_HDR_LEN, r->qsent, qlen) == 0) {
		memcpy(e->scratch, pkt, len);
		memcpy(e->scratch + MSG_HDR_LEN, r->qplain, qlen);
		pkt = e->scratch;
	} else if (r->used_0x20) {
		/* The question is not ours, or its case changed. */
		if (len >= MSG_HDR_LEN + qlen && name_eq(pkt + MSG_HDR_LEN, r->qsent))
			r->saw_case_mismatch = true;
		e->st.dropped++;
		return MX_EAGAIN;
	}
	region_init(&tmp, 4u << 20);
	if (msg_parse(pkt, len, &tmp, &m) != 0 || m.qdcount != 1 ||
	    m.qtype != r->qtype_sent || m.qclass != CLASS_IN ||
	    !name_eq(m.qname, r->qplain)) {
		region_free(&tmp);
		e->st.dropped++;
		return MX_EAGAIN;
	}
	r->outstanding = false;
	tok_remove(e, r);
	r->saw_case_mismatch = false;
	r->no_0x20_once = false;
	infra_rtt_sample(e->inf, (const struct sockaddr *)&r->qaddr.sa,
	    (unsigned)(now.mono_ms - r->sent_ms), now.mono_ms);
	iter_reply(e, r, &m);
	region_free(&tmp);
	drain(e);
	return 0;
}

void
eng_fail(eng *e, uint64_t token, int err, eng_time now)
{
	ereq *r = tok_find(e, token);

	e->now = now;
	if (r == NULL)
		return;
	r->outstanding = false;
	tok_remove(e, r);
	if (err == MX_EAGAIN) {
		e->st.timeouts++;
		infra_timed_out(e->inf, (const struct sockaddr *)&r->qaddr.sa, now.mono_ms);
	}
	iter_query_failed(e, r, err);
	drain(e);
}

void
eng_tick(eng *e, eng_time now)
{
	ereq *r, *next;

	e->now = now;
	for (r = e->all; r != NULL; r = next) {
		next = r->next;
		if (r->deferred) {
			/* The transport was full: try again now. */
			r->deferred = false;
			req_schedule(e, r);
		}
		if (now.mono_ms >= r->deadline_ms) {
			/* Finishing r may finish others (its waiters); start
			 * over from the head to stay on live entries. */
			req_servfail(e, r, EDE_NO_REACHABLE_AUTHORITY,
			    "request timed out");
			next = e->all;
		}
	}
	drain(e);
}

void
eng_abort(eng *e, eng_time now, const char *why)
{
	ereq *r, *next;

	e->now = now;
	e->stopping = true;
	/* As eng_tick: finishing one may finish others, so start over from
	 * the head after each. */
	for (r = e->all; r != NULL; r = next) {
		next = r->next;
		if (!r->finished && r->depth == 0) {
			req_servfail(e, r, EDE_OTHER, why);
			next = e->all;
		}
	}
	drain(e);
}

int
chain_add(ereq *r, const msg_rr *rr, const uint8_t *zone)
{
	if (r->nchain == r->chaincap) {
		size_t ncap = r->chaincap ? r->chaincap * 2 : 8;
		msg_rr *nv = region_alloc(&r->reg, ncap * sizeof(*nv));
		const uint8_t **nz = region_alloc(&r->reg, ncap * sizeof(*nz));
		if (nv == NULL || nz == NULL)
			return MX_ENOMEM;
		if (r->nchain) {
			memcpy(nv, r->chain, r->nchain * sizeof(*nv));
			memcpy(nz, r->chain_zone, r->nchain * sizeof(*nz));
		}
		r->chain = nv;
		r->chain_zone = nz;
		r->chaincap = ncap;
	}
	r->chain_zone[r->nchain] = NULL;
	if (zone != NULL) {
		r->chain_zone[r->nchain] = region_memdup(&r->reg, zone, name_len(zone));
		if (r->chain_zone[r->nchain] == NULL)
			return MX_ENOMEM;
	}
	msg_rr *c = &r->chain[r->nchain];
	*c = *rr;
	c->owner = region_memdup(&r->reg, rr->owner, name_len(rr->owner));
	c->rdata = region_memdup(&r->reg, rr->rdata, rr->rdlen);
	if (c->owner == NULL || c->rdata == NULL)
		return MX_ENOMEM;
	r->nchain++;
	return 0;
}

void
eng_get_stats(const eng *e, eng_stats *st)
{
	*st = e->st;
}
