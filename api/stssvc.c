/*
 * stssvc.c: the MTA-STS service (stssvc.h, doc/mta-sts.md).
 *
 * A job is one lookup: the _mta-sts TXT record through the engine, the
 * cached policy from the cache file, then maybe a fetch.  Fetches are
 * shared: one per domain at a time, jobs wait on it.  A fetch resolves
 * mta-sts.DOMAIN (A and AAAA, through the engine), GETs the policy over
 * HTTPS (httpsget.h), parses it, and keeps it in the cache file.  A fetch
 * outlives the jobs waiting on it (the result is kept all the same).
 *
 * Jobs finish through a zero timer, so done() never runs inside
 * sts_lookup() or inside an engine callback of the caller's.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "err.h"
#include "name.h"
#include "policy.h"
#include "region.h"
#include "rrjson.h"
#include "rrtype.h"
#include "stssvc.h"

#define STS_PATH "/.well-known/mta-sts.txt"   /* RFC 8461 3.3 */
#define TXT_MAX 16                            /* TXT records looked at */
#define REFRESH_BATCH 64                      /* refreshes started per walk */

typedef struct fetch fetch;
typedef struct waiter waiter;

/* Something waiting for a fetch: a job, or nothing (background). */
struct waiter {
	waiter *next;
	sts_job *job;
};

struct fetch {
	fetch *next;
	sts_svc *s;
	uint8_t domain[NAME_MAX_WIRE];   /* lower case */
	char host[NAME_MAX_WIRE + 16];   /* mta-sts.DOMAIN, no final dot */
	char id[STS_ID_MAX + 1];         /* the TXT id it fetches under */
	uint8_t hname[NAME_MAX_WIRE];
	eng_req *ra, *raaaa;
	bool a_done, aaaa_done;
	hget_params hp;
	hget_req *h;
	hget_ctx *tls;
	waiter *waiters;
	bool refresh;                    /* a background refresh */
	struct event *ev;                /* finishing a fetch that never started */
	char why[600];
};

struct sts_job {
	sts_job *next, *prev;
	sts_svc *s;
	uint8_t domain[NAME_MAX_WIRE];
	sts_done_fn done;
	void *arg;
	eng_req *txt;
	bool txt_pending;
	fetch *f;                        /* waiting on it */
	bool refresh;                    /* a background refresh: no done() */
	struct event *ev;                /* the zero timer that finishes */
	sts_outcome o;
	sts_policy pol;
	region reg;                      /* the body */
	bool have_cached;
	cache_sts cached;
	sts_policy cached_pol;
};

/* Failed fetches, remembered a while so that a broken policy server is
 * not asked again for every message (and the log not filled). */
#define FAIL_SLOTS 256
#define FAIL_RETRY_MAX 300          /* seconds, or the refresh interval */
typedef struct failmemo {
	uint8_t domain[NAME_MAX_WIRE];
	char id[STS_ID_MAX + 1];
	int64_t until;
	char why[600];
} failmemo;

typedef struct retired {
	struct retired *next;
	hget_ctx *tls;
} retired;

struct sts_svc {
	struct event_base *base;
	sts_svc_config cfg;
	api_resolver res;
	hget_ctx *tls;
	retired *old_tls;
	cache *store;
	fetch *fetches;
	unsigned nfetches;
	sts_job *jobs;                   /* every live job */
	struct event *walk;
	sts_svc_stats st;
	failmemo fail[FAIL_SLOTS];
};

static failmemo *
fail_slot(sts_svc *s, const uint8_t *domain)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < name_len(domain); i++)
		h = (h ^ domain[i]) * 16777619u;
	return &s->fail[h % FAIL_SLOTS];
}

static void fetch_start_addrs(fetch *f);
static void job_fetched(sts_job *j, fetch *f, const sts_policy *p,
    const cache_sts *c);
static void job_finish(sts_job *j);

static int64_t
now_of(const sts_svc *s)
{
	return (int64_t)(s->cfg.now ? s->cfg.now() : time(NULL));
}

/* ---- the cached policy ---- */

/* Read the cached policy of j->domain, parsed; not there, not parsable or
 * expired: none (an expired one is deleted: RFC 8461 5.1 never applies
 * it). */
static void
load_cached(sts_job *j)
{
	sts_svc *s = j->s;
	int64_t now = now_of(s);

	j->have_cached = false;
	if (s->store == NULL)
		return;
	if (cache_sts_get(s->store, j->domain, &j->reg, &j->cached) != 0)
		return;
	if (sts_policy_parse(j->cached.body, j->cached.len, &j->cached_pol, NULL) != 0) {
		cache_sts_del(s->store, j->domain);
		return;
	}
	if (j->cached.expires <= now) {
		cache_sts_del(s->store, j->domain);
		return;
	}
	j->have_cached = true;
}

static void
use_policy(sts_job *j, const sts_policy *p, const cache_sts *c,
    const char *source)
{
	sts_outcome *o = &j->o;

	if (p != &j->pol)
		j->pol = *p;
	o->result = STS_RESULT_POLICY;
	o->policy = &j->pol;
	snprintf(o->policy_id, sizeof(o->policy_id), "%s", c->id);
	o->source = source;
	o->fetched_at = c->fetched;
	o->expires = c->expires;
	o->body = c->body;
	o->body_len = c->len;
	if (strcmp(source, "cache") == 0)
		j->s->st.cached++;
}

/* ---- the TXT record (RFC 8461 3.1) ---- */

enum txt_kind { TXT_ID, TXT_NONE, TXT_FAIL };

static enum txt_kind
read_txt(sts_job *j, const eng_result *res)
{
	sts_outcome *o = &j->o;
	uint8_t qname[NAME_MAX_WIRE];
	const msg_rr *links[RJ_MAX_CHAIN];
	size_t nl = 0, n = 0;
	pol_txt recs[TXT_MAX];
	sts_record rec;
	pol_why why;

	o->txt_done = true;
	o->txt_status = res->status;
	o->txt_rcode = res->rcode;
	if (res->status == SEC_BOGUS) {
		snprintf(o->reason, sizeof(o->reason),
		    "the _mta-sts TXT answer is bogus: %s",
		    res->reason ? res->reason : "validation failed");
		return TXT_FAIL;
	}
	if (res->rcode == RCODE_NXDOMAIN)
		return TXT_NONE;
	if (res->rcode != RCODE_NOERROR) {
		snprintf(o->reason, sizeof(o->reason),
		    "the _mta-sts TXT lookup failed: %s",
		    res->reason ? res->reason : rcode_name(res->rcode));
		return TXT_FAIL;
	}
	qname[0] = 8;
	memcpy(qname + 1, "_mta-sts", 8);
	memcpy(qname + 9, j->domain, name_len(j->domain));
	const uint8_t *final = rj_follow(res, qname, links, &nl);
	for (unsigned i = 0; i < res->count[SEC_ANSWER] && n < TXT_MAX; i++) {
		const msg_rr *rr = &res->rr[SEC_ANSWER][i];
		size_t len = 0;
		if (!rj_is_final(rr, final, RR_TXT))
			continue;
		/* The joined strings are shorter than the RDATA. */
		uint8_t *buf = region_alloc(&j->reg, rr->rdlen + 1u);
		if (buf == NULL ||
		    pol_txt_join(rr->rdata, rr->rdlen, buf, rr->rdlen + 1u, &len) != 0)
			continue;
		recs[n].data = buf;
		recs[n].len = len;
		n++;
	}
	int rc = sts_record_parse(recs, n, &rec, &why);
	if (rc == MX_ENOTFOUND)
		return TXT_NONE;
	if (rc != 0) {
		/* RFC 8461 3.1: an invalid record is no record. */
		snprintf(o->reason, sizeof(o->reason),
		    "the _mta-sts TXT record is not valid: %s", why.text);
		return TXT_NONE;
	}
	snprintf(o->txt_id, sizeof(o->txt_id), "%s", rec.id);
	return TXT_ID;
}

/* ---- fetches ---- */

static fetch *
fetch_find(sts_svc *s, const uint8_t *domain)
{
	for (fetch *f = s->fetches; f != NULL; f = f->next)
		if (name_eq(f->domain, domain))
			return f;
	return NULL;
}

static void
retire_tls(sts_svc *s)
{
	if (s->nfetches != 0)
		return;
	while (s->old_tls != NULL) {
		retired *r = s->old_tls;
		s->old_tls = r->next;
		hget_ctx_free(r->tls);
		free(r);
	}
}

static void
fetch_free(fetch *f)
{
	sts_svc *s = f->s;

	for (fetch **pp = &s->fetches; *pp != NULL; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	if (f->ra != NULL)
		s->res.cancel(s->res.ctx, f->ra);
	if (f->raaaa != NULL)
		s->res.cancel(s->res.ctx, f->raaaa);
	if (f->h != NULL)
		hget_cancel(f->h);
	if (f->ev != NULL)
		event_free(f->ev);
	while (f->waiters != NULL) {
		waiter *w = f->waiters;
		f->waiters = w->next;
		free(w);
	}
	s->nfetches--;
	free(f);
	retire_tls(s);
}

/* The fetch is over: keep the result, tell the waiters, free. */
static void
fetch_end(fetch *f, const uint8_t *body, size_t len, const sts_policy *p)
{
	sts_svc *s = f->s;
	int64_t now = now_of(s);
	region reg;
	cache_sts c;

	region_init(&reg, 1u << 20);
	if (s->cfg.log != NULL) {
		char line[800];
		if (p != NULL)
			snprintf(line, sizeof(line), "mta-sts %s: policy id %s "
			    "fetched%s: mode %s, %u mx pattern%s, max_age %u",
			    f->host + 8, f->id, f->refresh ? " (refresh)" : "",
			    sts_mode_str(p->mode), p->nmx, p->nmx == 1 ? "" : "s",
			    p->max_age);
		else
			snprintf(line, sizeof(line), "mta-sts %s: %s%s", f->host + 8,
			    f->refresh ? "refresh failed: " : "", f->why);
		s->cfg.log(p == NULL, line);
	}
	if (p != NULL) {
		failmemo *m = fail_slot(s, f->domain);
		if (name_eq(m->domain, f->domain))
			m->until = 0;
		memset(&c, 0, sizeof(c));
		snprintf(c.id, sizeof(c.id), "%s", f->id);
		c.fetched = now;
		c.expires = now + (int64_t)p->max_age;
		c.checked = now;
		c.body = body;
		c.len = len;
		if (s->store != NULL)
			cache_sts_put(s->store, f->domain, &c);
	} else {
		s->st.fetch_errors++;
		failmemo *m = fail_slot(s, f->domain);
		unsigned retry = s->cfg.refresh_interval_s < FAIL_RETRY_MAX ?
		    s->cfg.refresh_interval_s : FAIL_RETRY_MAX;
		name_copy(m->domain, f->domain);
		snprintf(m->id, sizeof(m->id), "%s", f->id);
		snprintf(m->why, sizeof(m->why), "%s", f->why);
		m->until = now + (int64_t)retry;
		/* Remember the failure beside a cached policy (it stays). */
		if (s->store != NULL &&
		    cache_sts_get(s->store, f->domain, &reg, &c) == 0) {
			c.checked = now;
			snprintf(c.error, sizeof(c.error), "%.*s",
			    CACHE_STS_ERR_MAX, f->why);
			cache_sts_put(s->store, f->domain, &c);
		}
	}
	region_free(&reg);
	/* Waiters are detached first: a job's finish may free the job. */
	waiter *ws = f->waiters;
	f->waiters = NULL;
	while (ws != NULL) {
		waiter *w = ws;
		ws = w->next;
		if (w->job != NULL) {
			w->job->f = NULL;
			job_fetched(w->job, f, p, p != NULL ? &c : NULL);
		}
		free(w);
	}
	fetch_free(f);
}

static void
fetch_fail(fetch *f, const char *why)
{
	snprintf(f->why, sizeof(f->why), "%s", why);
	fetch_end(f, NULL, 0, NULL);
}

static void
on_fetch_ev(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	fetch_end(arg, NULL, 0, NULL);
}

/* Fail from inside a call chain that may still touch f: later. */
static void
fetch_fail_later(fetch *f, const char *why)
{
	snprintf(f->why, sizeof(f->why), "%s", why);
	if (f->ev == NULL)
		f->ev = evtimer_new(f->s->base, on_fetch_ev, f);
	if (f->ev != NULL) {
		struct timeval tv = { 0, 0 };
		evtimer_add(f->ev, &tv);
	}
}

static void
on_https(void *arg, const hget_result *r)
{
	fetch *f = arg;
	sts_policy *p;
	pol_why why;

	f->h = NULL;
	if (r->rc != 0) {
		snprintf(f->why, sizeof(f->why), "the policy fetch from https://%s"
		    STS_PATH " failed: %s", f->host, r->why);
		fetch_end(f, NULL, 0, NULL);
		return;
	}
	if ((p = malloc(sizeof(*p))) == NULL) {
		fetch_fail(f, "out of memory");
		return;
	}
	if (sts_policy_parse(r->body, r->len, p, &why) != 0) {
		char b[200];
		snprintf(b, sizeof(b), "the policy is not valid: %s", why.text);
		fetch_fail(f, b);
		free(p);
		return;
	}
	f->s->st.fetches++;
	fetch_end(f, r->body, r->len, p);
	free(p);
}

static bool
addr_allowed(const fetch *f, const struct sockaddr_storage *ss)
{
	if (f->s->cfg.allow_loopback)
		return true;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;
		uint32_t v = ntohl(a->sin_addr.s_addr);
		return (v >> 24) != 127 && (v >> 24) != 0;
	}
	const struct sockaddr_in6 *a6 = (const void *)ss;
	return !IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr) &&
	    !IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr) &&
	    !IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr);
}

static void
add_addrs(fetch *f, const eng_result *res, uint16_t qtype)
{
	const msg_rr *links[RJ_MAX_CHAIN];
	size_t nl = 0;

	if (res->status == SEC_BOGUS || res->rcode != RCODE_NOERROR)
		return;
	const uint8_t *final = rj_follow(res, f->hname, links, &nl);
	for (unsigned i = 0; i < res->count[SEC_ANSWER]; i++) {
		const msg_rr *rr = &res->rr[SEC_ANSWER][i];
		struct sockaddr_storage ss;
		if (f->hp.naddrs >= HGET_MAX_ADDRS)
			return;
		if (!rj_is_final(rr, final, qtype))
			continue;
		memset(&ss, 0, sizeof(ss));
		if (qtype == RR_A && rr->rdlen == 4) {
			struct sockaddr_in *a = (void *)&ss;
			a->sin_family = AF_INET;
			a->sin_port = htons(443);
			memcpy(&a->sin_addr, rr->rdata, 4);
		} else if (qtype == RR_AAAA && rr->rdlen == 16) {
			struct sockaddr_in6 *a = (void *)&ss;
			a->sin6_family = AF_INET6;
			a->sin6_port = htons(443);
			memcpy(&a->sin6_addr, rr->rdata, 16);
		} else {
			continue;
		}
		if (addr_allowed(f, &ss))
			f->hp.addrs[f->hp.naddrs++] = ss;
	}
}

static void
addrs_in(fetch *f)
{
	sts_svc *s = f->s;
	int rc;

	if (!f->a_done || !f->aaaa_done)
		return;
	if (f->hp.naddrs == 0) {
		fetch_fail_later(f, "no usable address for the policy host");
		return;
	}
	f->tls = s->tls;
	rc = hget_start(s->base, s->tls, &f->hp, on_https, f, &f->h);
	if (rc != 0)
		fetch_fail_later(f, "the HTTPS request could not start");
}

static void
on_addr(fetch *f, const eng_result *res, uint16_t qtype)
{
	add_addrs(f, res, qtype);
	addrs_in(f);
}

static void
on_a(void *arg, const eng_result *res)
{
	fetch *f = arg;

	f->ra = NULL;
	f->a_done = true;
	on_addr(f, res, RR_A);
}

static void
on_aaaa(void *arg, const eng_result *res)
{
	fetch *f = arg;

	f->raaaa = NULL;
	f->aaaa_done = true;
	on_addr(f, res, RR_AAAA);
}

static void
fetch_start_addrs(fetch *f)
{
	sts_svc *s = f->s;
	eng_req *r = NULL;

	/* A and AAAA; either may finish at once (from the cache). */
	if (s->res.resolve(s->res.ctx, f->hname, RR_A, 0, on_a, f, &r) != 0)
		f->a_done = true;
	else if (!f->a_done)
		f->ra = r;
	r = NULL;
	if (s->res.resolve(s->res.ctx, f->hname, RR_AAAA, 0, on_aaaa, f, &r) != 0) {
		f->aaaa_done = true;
		addrs_in(f);
	} else if (!f->aaaa_done) {
		f->raaaa = r;
	}
}

/* A fetch of domain's policy under id, or the one already running. */
static fetch *
fetch_get(sts_svc *s, const uint8_t *domain, const char *id, bool refresh)
{
	fetch *f = fetch_find(s, domain);
	char dom[RJ_NAME_STR];
	size_t n;

	if (f != NULL)
		return f;
	if (s->nfetches >= s->cfg.max_fetches)
		return NULL;
	rj_name(domain, dom);
	n = strlen(dom);
	if (n > 0 && dom[n - 1] == '.')
		dom[--n] = '\0';
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->s = s;
	name_copy(f->domain, domain);
	snprintf(f->host, sizeof(f->host), "mta-sts.%s", dom);
	snprintf(f->id, sizeof(f->id), "%s", id);
	f->refresh = refresh;
	f->hname[0] = 7;
	memcpy(f->hname + 1, "mta-sts", 7);
	if (name_len(domain) + 8 > NAME_MAX_WIRE) {
		free(f);
		return NULL;
	}
	memcpy(f->hname + 8, domain, name_len(domain));
	f->hp.host = f->host;
	f->hp.path = STS_PATH;
	f->hp.max_body = STS_POLICY_MAX;          /* RFC 8461 3.3 */
	f->hp.timeout_ms = s->cfg.fetch_timeout_ms;
	f->hp.media_type = "text/plain";          /* RFC 8461 3.3 */
	f->next = s->fetches;
	s->fetches = f;
	s->nfetches++;
	fetch_start_addrs(f);
	return f;
}

static int
fetch_wait(fetch *f, sts_job *j)
{
	waiter *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return MX_ENOMEM;
	w->job = j;
	w->next = f->waiters;
	f->waiters = w;
	j->f = f;
	return 0;
}

static void
fetch_unwait(fetch *f, sts_job *j)
{
	for (waiter *w = f->waiters; w != NULL; w = w->next)
		if (w->job == j)
			w->job = NULL;
}

/* ---- jobs ---- */

static void
job_free(sts_job *j)
{
	sts_svc *s = j->s;

	if (j->txt_pending && j->txt != NULL)
		s->res.cancel(s->res.ctx, j->txt);
	if (j->f != NULL)
		fetch_unwait(j->f, j);
	if (j->ev != NULL)
		event_free(j->ev);
	if (j->prev != NULL)
		j->prev->next = j->next;
	else if (s->jobs == j)
		s->jobs = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
	region_free(&j->reg);
	free(j);
}

static void
on_job_ev(evutil_socket_t fd, short what, void *arg)
{
	sts_job *j = arg;

	(void)fd;
	(void)what;
	j->o.now = now_of(j->s);
	if (!j->refresh)
		j->done(j->arg, &j->o);
	job_free(j);
}

static void
job_finish(sts_job *j)
{
	struct timeval tv = { 0, 0 };

	if (j->ev == NULL)
		j->ev = evtimer_new(j->s->base, on_job_ev, j);
	if (j->ev == NULL || evtimer_add(j->ev, &tv) != 0) {
		/* No way to say it later: the caller's deadline ends it. */
		return;
	}
}

/* No fresh policy could be had: the cached one, else none. */
static void
fallback(sts_job *j, const char *why)
{
	sts_outcome *o = &j->o;

	if (j->have_cached) {
		use_policy(j, &j->cached_pol, &j->cached, "cache");
		snprintf(o->reason, sizeof(o->reason),
		    "%s; the cached policy applies until it expires "
		    "(RFC 8461 5.1)", why);
	} else {
		o->result = STS_RESULT_NONE;
		snprintf(o->reason, sizeof(o->reason), "%s", why);
	}
}

/* The fetch j waited for is over: p and c (its body valid during the
 * call) on success, NULL on failure. */
static void
job_fetched(sts_job *j, fetch *f, const sts_policy *p, const cache_sts *c)
{
	if (p != NULL) {
		/* The job's own copy: the store may have refused it (a full
		 * cache), and the fetch is about to go. */
		j->cached = *c;
		j->cached.body = c->len ? region_memdup(&j->reg, c->body, c->len) : NULL;
		if (c->len && j->cached.body == NULL) {
			fallback(j, "out of memory");
		} else {
			use_policy(j, p, &j->cached, "fetched");
			j->o.reason[0] = '\0';
		}
	} else if (j->refresh) {
		j->o.result = STS_RESULT_NONE;
	} else {
		fallback(j, f->why);
	}
	job_finish(j);
}

/* The TXT answer is in: decide (stssvc.h, "control flow"). */
static void
on_txt(void *arg, const eng_result *res)
{
	sts_job *j = arg;
	sts_svc *s = j->s;
	enum txt_kind k;

	j->txt_pending = false;
	j->txt = NULL;
	k = read_txt(j, res);
	load_cached(j);
	if (k == TXT_FAIL) {
		char why[sizeof(j->o.reason)];
		snprintf(why, sizeof(why), "%s", j->o.reason);
		if (j->have_cached) {
			fallback(j, why);
		} else {
			j->o.result = STS_RESULT_TEMP;
		}
		job_finish(j);
		return;
	}
	if (k == TXT_NONE) {
		if (j->o.reason[0] == '\0')
			snprintf(j->o.reason, sizeof(j->o.reason),
			    "no _mta-sts TXT record starting with v=STSv1");
		char why[sizeof(j->o.reason)];
		snprintf(why, sizeof(why), "%s", j->o.reason);
		fallback(j, why);
		job_finish(j);
		return;
	}
	if (j->have_cached && strcmp(j->cached.id, j->o.txt_id) == 0 && !j->refresh) {
		use_policy(j, &j->cached_pol, &j->cached, "cache");
		if (j->cached.error[0] != '\0')
			snprintf(j->o.reason, sizeof(j->o.reason),
			    "the last refresh failed: %s", j->cached.error);
		job_finish(j);
		return;
	}
	if (s->tls == NULL) {
		fallback(j, "MTA-STS policies cannot be fetched: no CA bundle "
		    "(sts-ca-file)");
		job_finish(j);
		return;
	}
	failmemo *m = fail_slot(s, j->domain);
	if (!j->refresh && name_eq(m->domain, j->domain) &&
	    strcmp(m->id, j->o.txt_id) == 0 && now_of(s) < m->until) {
		char why[sizeof(m->why) + 40];
		snprintf(why, sizeof(why), "%s (not tried again yet)", m->why);
		fallback(j, why);
		job_finish(j);
		return;
	}
	fetch *f = fetch_get(s, j->domain, j->o.txt_id, j->refresh);
	if (f == NULL || fetch_wait(f, j) != 0) {
		fallback(j, "too many policy fetches at once");
		job_finish(j);
	}
}

static sts_job *
job_new(sts_svc *s, const uint8_t *domain)
{
	sts_job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return NULL;
	j->s = s;
	name_copy(j->domain, domain);
	name_lower(j->domain);
	region_init(&j->reg, 2u << 20);
	j->next = s->jobs;
	if (s->jobs != NULL)
		s->jobs->prev = j;
	s->jobs = j;
	return j;
}

static int
job_start(sts_job *j)
{
	sts_svc *s = j->s;
	uint8_t qname[NAME_MAX_WIRE];
	eng_req *r = NULL;

	if (name_len(j->domain) + 9 > NAME_MAX_WIRE) {
		j->o.result = STS_RESULT_NONE;
		snprintf(j->o.reason, sizeof(j->o.reason), "the domain name is too long");
		job_finish(j);
		return 0;
	}
	qname[0] = 8;
	memcpy(qname + 1, "_mta-sts", 8);
	memcpy(qname + 9, j->domain, name_len(j->domain));
	j->txt_pending = true;
	int rc = s->res.resolve(s->res.ctx, qname, RR_TXT, 0, on_txt, j, &r);
	if (rc != 0) {
		j->txt_pending = false;
		return rc;
	}
	if (j->txt_pending)
		j->txt = r;
	return 0;
}

int
sts_lookup(sts_svc *s, const uint8_t *domain, sts_done_fn done, void *arg,
    sts_job **out)
{
	sts_job *j;
	int rc;

	*out = NULL;
	if ((j = job_new(s, domain)) == NULL)
		return MX_ENOMEM;
	j->done = done;
	j->arg = arg;
	s->st.lookups++;
	if ((rc = job_start(j)) != 0) {
		job_free(j);
		return rc;
	}
	*out = j;
	return 0;
}

void
sts_cancel(sts_job *j)
{
	if (j != NULL)
		job_free(j);
}

/* ---- the background refresh (RFC 8461 5.1, 10.2) ---- */

struct walk_ctx {
	sts_svc *s;
	int64_t now;
	size_t n;
	uint8_t (*due)[NAME_MAX_WIRE];
	size_t nexpired;
	uint8_t (*expired)[NAME_MAX_WIRE];
};

static int
walk_one(void *arg, const uint8_t *domain, const cache_sts *p)
{
	struct walk_ctx *w = arg;
	int64_t half = p->fetched + (p->expires - p->fetched) / 2;

	if (p->expires <= w->now) {
		if (w->nexpired < REFRESH_BATCH)
			name_copy(w->expired[w->nexpired++], domain);
		return 0;
	}
	/* Half its life gone, and not tried within the last interval. */
	if (w->now >= half &&
	    w->now - p->checked >= (int64_t)w->s->cfg.refresh_interval_s &&
	    w->n < REFRESH_BATCH)
		name_copy(w->due[w->n++], domain);
	return 0;
}

static void
refresh_start(sts_svc *s, const uint8_t *domain)
{
	sts_job *j;

	if (fetch_find(s, domain) != NULL || s->tls == NULL)
		return;
	if ((j = job_new(s, domain)) == NULL)
		return;
	j->refresh = true;
	s->st.refreshes++;
	if (job_start(j) != 0)
		job_free(j);
}

static void
on_walk(evutil_socket_t fd, short what, void *arg)
{
	sts_svc *s = arg;
	struct walk_ctx w = { .s = s, .now = now_of(s) };

	(void)fd;
	(void)what;
	if (s->store == NULL)
		return;
	w.due = calloc(REFRESH_BATCH, NAME_MAX_WIRE);
	w.expired = calloc(REFRESH_BATCH, NAME_MAX_WIRE);
	if (w.due != NULL && w.expired != NULL) {
		cache_sts_each(s->store, walk_one, &w);
		for (size_t i = 0; i < w.nexpired; i++)
			cache_sts_del(s->store, w.expired[i]);
		for (size_t i = 0; i < w.n; i++)
			refresh_start(s, w.due[i]);
	}
	free(w.due);
	free(w.expired);
}

static void
walk_arm(sts_svc *s)
{
	struct timeval tv = { s->cfg.refresh_interval_s ? s->cfg.refresh_interval_s : 3600, 0 };

	if (s->walk != NULL)
		event_free(s->walk);
	s->walk = event_new(s->base, -1, EV_PERSIST, on_walk, s);
	if (s->walk != NULL)
		event_add(s->walk, &tv);
}

/* ---- the service ---- */

int
sts_svc_new(struct event_base *base, const sts_svc_config *cfg,
    const api_resolver *res, hget_ctx *tls, cache *store, sts_svc **out)
{
	sts_svc *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (s == NULL) {
		hget_ctx_free(tls);
		return MX_ENOMEM;
	}
	s->base = base;
	s->cfg = *cfg;
	if (s->cfg.max_fetches == 0)
		s->cfg.max_fetches = 64;
	s->res = *res;
	s->tls = tls;
	s->store = store;
	walk_arm(s);
	*out = s;
	return 0;
}

void
sts_svc_set_tls(sts_svc *s, hget_ctx *tls)
{
	retired *r;

	if (s->tls != NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL) {
			/* Cannot keep it for later: keep using it. */
			hget_ctx_free(tls);
			return;
		}
		r->tls = s->tls;
		r->next = s->old_tls;
		s->old_tls = r;
	}
	s->tls = tls;
	retire_tls(s);
}

void
sts_svc_set_config(sts_svc *s, const sts_svc_config *cfg)
{
	unsigned old = s->cfg.refresh_interval_s;

	s->cfg = *cfg;
	if (s->cfg.max_fetches == 0)
		s->cfg.max_fetches = 64;
	if (old != cfg->refresh_interval_s)
		walk_arm(s);
}

void
sts_svc_free(sts_svc *s)
{
	if (s == NULL)
		return;
	while (s->jobs != NULL)
		job_free(s->jobs);
	while (s->fetches != NULL)
		fetch_free(s->fetches);
	if (s->walk != NULL)
		event_free(s->walk);
	hget_ctx_free(s->tls);
	s->nfetches = 0;
	retire_tls(s);
	free(s);
}

void
sts_svc_get_stats(const sts_svc *s, sts_svc_stats *st)
{
	*st = s->st;
}

/* ---- the reply ---- */

static const char *
result_name(sts_result r)
{
	switch (r) {
	case STS_RESULT_POLICY:
		return "policy";
	case STS_RESULT_TEMP:
		return "temp";
	case STS_RESULT_NONE:
		break;
	}
	return "none";
}

void
sts_outcome_json(jsonw *w, const sts_outcome *o)
{
	jw_kstr(w, "result", result_name(o->result));
	jw_kstr(w, "reason", o->reason);
	jw_kstr(w, "txt_status", o->txt_done ? sec_status_name(o->txt_status) :
	    "indeterminate");
	jw_kstr(w, "txt_rcode", o->txt_done ? rcode_name(o->txt_status == SEC_BOGUS ?
	    RCODE_SERVFAIL : o->txt_rcode) : "SERVFAIL");
	jw_kstr_or_null(w, "txt_id", o->txt_id[0] ? o->txt_id : NULL);
	jw_key(w, "policy");
	if (o->result != STS_RESULT_POLICY || o->policy == NULL) {
		jw_null(w);
		jw_kstr_or_null(w, "source", NULL);
		return;
	}
	jw_obj_open(w);
	jw_kstr(w, "mode", sts_mode_str(o->policy->mode));
	jw_kint(w, "max_age", o->policy->max_age);
	jw_key(w, "mx");
	jw_arr_open(w);
	for (unsigned i = 0; i < o->policy->nmx; i++)
		jw_str(w, o->policy->mx[i]);
	jw_arr_close(w);
	jw_kstr(w, "id", o->policy_id);
	jw_obj_close(w);
	jw_kstr(w, "source", o->source);
	jw_kint(w, "fetched_at", o->fetched_at);
	jw_kint(w, "age", o->now > o->fetched_at ? o->now - o->fetched_at : 0);
	jw_kint(w, "expires_in", o->expires > o->now ? o->expires - o->now : 0);
}
