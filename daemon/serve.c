/*
 * serve.c: glue between the engine (no I/O), the transport (upstream
 * sockets) and the listener (client sockets).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <unistd.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grp.h>

#include "apisrv.h"
#include "autotrust.h"
#include "buildcfg.h"
#include "cache.h"
#include "control.h"
#include "dnslisten.h"
#include "engine.h"
#include "edgeclock.h"
#include "err.h"
#include "httpsget.h"
#include "log.h"
#include "polsvc.h"
#include "sockmap.h"
#include "stssvc.h"
#include "name.h"
#include "privs.h"
#include "rrtype.h"
#include "serve.h"
#include "ta.h"
#include "transport.h"
#include "zone.h"

#define ROOT_HINTS_MAX (1024 * 1024)
#define TOKMAP_SIZE 8192

/* One upstream query in flight: the engine's token and the transport's
 * handle, so that the engine can cancel by token. */
typedef struct flight {
	struct flight *next;
	serve *s;
	uint64_t token;
	tp_query *q;
} flight;

struct serve {
	struct event_base *base;
	transport *tp;
	eng *eng;
	dnsl *dl;
	apisrv *api;
	sts_svc *sts;             /* MTA-STS (NULL: sts no) */
	pol_svc *pol;             /* the TLS policy service */
	sockmap_srv *sm;          /* its socketmap socket (NULL: none) */
	autotrust *at;
	struct event *tick;
	cache *cache;
	eng_store store;
	struct event *commit;     /* ends the cache's write batch */
	/* What the log last said about a full cache. */
	time_t full_logged;
	uint64_t evictions_logged, purges_logged, store_errors_logged;
	ta_store tas;             /* configured anchors (for TA) when no
	                             autotrust holds them */
	serve_reload_fn reload;   /* the loop's reload, for RELOAD */
	void *reload_ctx;
	time_t started;
	flight *tokmap[TOKMAP_SIZE];
};

/* The cache's write batch is committed this long after its first write:
 * one sync for many answers, and kill -9 loses at most this much. */
#define COMMIT_DELAY_MS 100

static void
on_commit(evutil_socket_t fd, short what, void *arg)
{
	serve *s = arg;

	(void)fd;
	(void)what;
	cache_commit(s->cache);
	/* A full cache is worth a line, but at most one a minute. */
	cache_stats cs;
	time_t now = time(NULL);
	cache_get_stats(s->cache, &cs);
	if (cs.purges > s->purges_logged) {
		log_msg(LOG_LEVEL_WARNING, "cache: no room to evict in (the map or"
		    " the disk is full): emptied (%llu times so far)",
		    (unsigned long long)cs.purges);
		s->purges_logged = cs.purges;
	}
	if ((cs.evictions > s->evictions_logged ||
	    cs.store_errors > s->store_errors_logged) &&
	    now - s->full_logged >= 60) {
		log_msg(LOG_LEVEL_NOTICE, "cache full (%llu of %llu bytes in use):"
		    " %llu entries evicted, %llu stores dropped since the last report",
		    (unsigned long long)cs.bytes_used, (unsigned long long)cs.map_size,
		    (unsigned long long)(cs.evictions - s->evictions_logged),
		    (unsigned long long)(cs.store_errors - s->store_errors_logged));
		s->evictions_logged = cs.evictions;
		s->store_errors_logged = cs.store_errors;
		s->full_logged = now;
	}
}

static int
store_get(void *ctx, const uint8_t *qname, uint16_t qtype, unsigned flags,
    time_t now, bool stale, region *reg, eng_hit *hit)
{
	serve *s = ctx;

	return cache_lookup(s->cache, qname, qtype, flags, now, stale, reg, hit);
}

static void
store_put(void *ctx, const uint8_t *qname, uint16_t qtype, unsigned flags,
    const eng_result *res, time_t now)
{
	serve *s = ctx;

	/* A store that fails (full, I/O) costs the entry, never the query. */
	cache_store(s->cache, qname, qtype, flags, res, now);
	if (cache_pending(s->cache) && !event_pending(s->commit, EV_TIMEOUT, NULL)) {
		struct timeval tv = { 0, COMMIT_DELAY_MS * 1000 };
		event_add(s->commit, &tv);
	}
}

void
serve_log_stats(serve *s)
{
	eng_stats es;
	cache_stats cs;

	dnsl_stats ds;

	memset(&ds, 0, sizeof(ds));
	if (s->dl != NULL)
		dnsl_get_stats(s->dl, &ds);
	eng_get_stats(s->eng, &es);
	cache_get_stats(s->cache, &cs);
	log_msg(LOG_LEVEL_NOTICE, "stats: hot_hits=%llu requests=%llu cache_hits=%llu "
	    "cache_misses=%llu aggressive=%llu stale=%llu prefetch=%llu "
	    "upstream_queries=%llu servfail=%llu bogus=%llu in_flight=%zu "
	    "entries=%zu bytes=%llu evictions=%llu corrupt=%llu "
	    "store_errors=%llu",
	    (unsigned long long)ds.hot_hits,
	    (unsigned long long)es.requests, (unsigned long long)es.cache_hits,
	    (unsigned long long)cs.misses, (unsigned long long)cs.aggressive,
	    (unsigned long long)es.stale_served, (unsigned long long)es.prefetches,
	    (unsigned long long)es.queries_sent, (unsigned long long)es.servfail,
	    (unsigned long long)es.bogus, es.in_flight, cs.entries,
	    (unsigned long long)cs.bytes_used, (unsigned long long)cs.evictions,
	    (unsigned long long)cs.corrupt, (unsigned long long)cs.store_errors);
}


static flight **
flight_slot(serve *s, uint64_t token)
{
	flight **pp = &s->tokmap[token % TOKMAP_SIZE];

	while (*pp != NULL && (*pp)->token != token)
		pp = &(*pp)->next;
	return pp;
}

static void
flight_drop(flight *f)
{
	flight **pp = flight_slot(f->s, f->token);

	if (*pp == f)
		*pp = f->next;
	free(f);
}

static int
on_tp_reply(void *arg, const uint8_t *pkt, size_t len)
{
	flight *f = arg;
	serve *s = f->s;
	uint64_t token = f->token;
	int rc;

	/* The engine may cancel other tokens, or start queries, from in
	 * here; this flight ends when the reply is accepted. */
	rc = eng_reply(s->eng, token, pkt, len, edge_now());
	if (rc == MX_EAGAIN)
		return MX_EAGAIN;
	flight **pp = flight_slot(s, token);
	if (*pp != NULL)
		flight_drop(*pp);
	return 0;
}

static void
on_tp_fail(void *arg, int err)
{
	flight *f = arg;
	serve *s = f->s;
	uint64_t token = f->token;

	flight_drop(f);
	eng_fail(s->eng, token, err, edge_now());
}

static int
io_send(void *ctx, uint64_t token, const struct sockaddr *sa, socklen_t salen,
    const uint8_t *pkt, size_t len, bool tcp, unsigned timeout_ms)
{
	serve *s = ctx;
	flight *f = calloc(1, sizeof(*f));
	int rc;

	if (f == NULL)
		return MX_ENOMEM;
	f->s = s;
	f->token = token;
	rc = tp_send(s->tp, sa, salen, pkt, len, tcp, timeout_ms, on_tp_reply,
	    on_tp_fail, f, &f->q);
	if (rc != 0) {
		free(f);
		/* Out of sockets: the engine tries again a little later. */
		return rc == MX_ELIMIT ? MX_EAGAIN : rc;
	}
	flight **pp = flight_slot(s, token);
	f->next = *pp;
	*pp = f;
	return 0;
}

static void
io_cancel(void *ctx, uint64_t token)
{
	serve *s = ctx;
	flight **pp = flight_slot(s, token);

	if (*pp == NULL)
		return;
	flight *f = *pp;
	*pp = f->next;
	tp_cancel(f->q);
	free(f);
}

static void
io_random(void *ctx, void *buf, size_t n)
{
	(void)ctx;
	tp_random(buf, n);
}

/* Client side. */

/* One log line per bogus answer, with the reason and the EDE, at most
 * BOGUS_LOG_RATE a second so that an attack cannot flood the log. */
#define BOGUS_LOG_RATE 10

static void
log_bogus(const eng_result *res)
{
	static time_t window;
	static unsigned count, dropped;
	time_t now = time(NULL);

	if (now != window) {
		if (dropped > 0)
			log_msg(LOG_LEVEL_NOTICE, "%u more bogus answers not logged", dropped);
		window = now;
		count = dropped = 0;
	}
	if (++count > BOGUS_LOG_RATE) {
		dropped++;
		return;
	}
	log_msg(LOG_LEVEL_NOTICE, "bogus: %s (EDE %u)",
	    res->reason ? res->reason : "validation failed", res->ede);
}

static void
on_eng_done(void *arg, const eng_result *res)
{
	dnsl_query *q = arg;

	if (res->status == SEC_BOGUS)
		log_bogus(res);

	dnsl_set_data(q, NULL);
	dnsl_answer(q, res);
}

static void
on_dns_query(void *ctx, dnsl_query *q, const dnsl_question *qu)
{
	serve *s = ctx;
	eng_req *r = NULL;
	int rc;

	rc = eng_resolve(s->eng, qu->qname, qu->qtype, qu->qclass,
	    qu->cd ? ENG_F_CD : 0, edge_now(), on_eng_done, q, &r);
	if (rc != 0) {
		eng_result res;
		memset(&res, 0, sizeof(res));
		res.rcode = 2;   /* SERVFAIL */
		res.has_ede = true;
		res.ede = EDE_OTHER;
		res.reason = mx_strerror(rc);
		dnsl_answer(q, &res);
		return;
	}
	/* r is NULL when the answer came at once (q is already gone). */
	if (r != NULL)
		dnsl_set_data(q, r);
}

static void
on_dns_abandon(void *ctx, dnsl_query *q)
{
	serve *s = ctx;
	eng_req *r = dnsl_get_data(q);

	if (r != NULL)
		eng_cancel(s->eng, r);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	serve *s = arg;

	(void)fd;
	(void)what;
	eng_tick(s->eng, edge_now());
}

/* The socket API's way to the engine. */
static int
api_resolve(void *ctx, const uint8_t *qname, uint16_t qtype, unsigned flags,
    eng_done_fn done, void *arg, eng_req **out)
{
	serve *s = ctx;

	return eng_resolve(s->eng, qname, qtype, CLASS_IN, flags, edge_now(),
	    done, arg, out);
}

static void
api_cancel(void *ctx, eng_req *r)
{
	serve *s = ctx;

	eng_cancel(s->eng, r);
}

static int
start_api(serve *s, struct event_base *base, const struct mxsec_config *cfg,
    char *err, size_t errlen)
{
	apisrv_config ac = {
		.path = cfg->api_socket,
		.mode = 0660,
		.gid = (gid_t)-1,
		.max_clients = cfg->api_max_clients,
		.max_inflight = 256,
		.max_output = 4u << 20,
		.idle_timeout_s = 300,
		.dane_timeout_ms = 10000,
		/* After the policy service's own deadline (policy_configs). */
		.policy_timeout_ms = 10000 + 2000 +
		    (cfg->sts_fetch_timeout > 10 ? cfg->sts_fetch_timeout - 10 : 0) * 1000 + 3000,
		.dane_hot_ms = 1000,
		.insecure_mx_dane = cfg->insecure_mx_dane,
		.version = MXSEC_VERSION,
	};
	api_resolver ar = { s, api_resolve, api_cancel };

	if (strcmp(cfg->api_socket, "none") == 0)
		return 0;
	if (cfg->api_group != NULL) {
		struct group *g = getgrnam(cfg->api_group);
		if (g == NULL) {
			snprintf(err, errlen, "api-group %s: no such group", cfg->api_group);
			return MX_EINVAL;
		}
		ac.gid = g->gr_gid;
	}
	return apisrv_new(base, &ac, &ar, &s->api, err, errlen);
}

/* The trust store for MTA-STS fetches.  A CA file given in the
 * configuration must load; the built-in default may be missing (no
 * ca-certificates package): MTA-STS is then off, with a warning. */
static int
sts_tls(const struct mxsec_config *cfg, bool started, hget_ctx **out,
    char *err, size_t errlen)
{
	char why[300];
	const char *path = started ? privs_path(cfg->sts_ca_file) : cfg->sts_ca_file;

	*out = NULL;
	if (!cfg->sts)
		return 0;
	if (hget_ctx_new(path, out, why, sizeof(why)) == 0)
		return 0;
	if (cfg->sts_ca_file_set && !started) {
		snprintf(err, errlen, "sts-ca-file %s: %s", cfg->sts_ca_file, why);
		return MX_EINVAL;
	}
	log_msg(LOG_LEVEL_WARNING, "sts-ca-file %s: %s: MTA-STS policies cannot "
	    "be fetched", cfg->sts_ca_file, why);
	return 0;
}

static void
sts_log(bool failure, const char *line)
{
	log_msg(failure ? LOG_LEVEL_WARNING : LOG_LEVEL_NOTICE, "%s", line);
}

static void
policy_configs(serve *s, const struct mxsec_config *cfg, sts_svc_config *sc,
    pol_svc_config *pc)
{
	(void)s;
	memset(sc, 0, sizeof(*sc));
	sc->fetch_timeout_ms = cfg->sts_fetch_timeout * 1000u;
	sc->refresh_interval_s = cfg->sts_refresh_interval;
	sc->max_fetches = 64;
	sc->allow_loopback = cfg->query_loopback;
	sc->log = sts_log;
	memset(pc, 0, sizeof(*pc));
	pc->tlsrpt_attrs = cfg->policy_tlsrpt;
	pc->insecure_mx_dane = cfg->insecure_mx_dane;
	/* DANE has 10 s; a fetch its own timeout, after the TXT lookup. */
	pc->deadline_ms = 12000;
	if (cfg->sts_fetch_timeout * 1000u + 2000u > pc->deadline_ms)
		pc->deadline_ms = cfg->sts_fetch_timeout * 1000u + 2000u;
}

/* The TLS policy service: MTA-STS, the policy logic, the socketmap
 * socket, and the API's STS and POLICY verbs. */
static int
start_policy(serve *s, struct event_base *base, const struct mxsec_config *cfg,
    char *err, size_t errlen)
{
	api_resolver ar = { s, api_resolve, api_cancel };
	sts_svc_config sc;
	pol_svc_config pc;
	hget_ctx *tls = NULL;
	int rc;

	policy_configs(s, cfg, &sc, &pc);
	if ((rc = sts_tls(cfg, false, &tls, err, errlen)) != 0)
		return rc;
	if (cfg->sts && (rc = sts_svc_new(base, &sc, &ar, tls, s->cache, &s->sts)) != 0)
		return rc;
	if ((rc = pol_svc_new(base, &pc, &ar, s->sts, &s->pol)) != 0)
		return rc;
	if (s->api != NULL) {
		api_policy ap;
		pol_svc_api(s->pol, &ap);
		apisrv_set_policy(s->api, &ap);
	}
	if (strcmp(cfg->policy_socket, "none") == 0)
		return 0;
	sockmap_config smc = {
		.path = cfg->policy_socket,
		/* Postfix's smtp(8) runs as postfix; what the socket tells is
		 * public DNS and web data. */
		.mode = 0666,
		.gid = (gid_t)-1,
		.max_clients = 1024,
		.timeout_ms = pc.deadline_ms + 3000,
		.idle_timeout_s = 300,
	};
	sockmap_backend be;
	pol_svc_sockmap(s->pol, &be);
	return sockmap_new(base, &smc, &be, &s->sm, err, errlen);
}

/* Can this address be bound at all (port 0, UDP)?  Only EADDRNOTAVAIL
 * and EAFNOSUPPORT say no: other errors are left for the real bind. */
static bool
can_bind(const struct sockaddr_storage *sa, socklen_t len)
{
	struct sockaddr_storage a;
	int fd = socket(sa->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok = true;

	if (fd < 0)
		return errno != EAFNOSUPPORT;
	memcpy(&a, sa, sizeof(a));
	if (a.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a)->sin6_port = 0;
	else
		((struct sockaddr_in *)&a)->sin_port = 0;
	if (bind(fd, (struct sockaddr *)&a, len) != 0 && errno == EADDRNOTAVAIL)
		ok = false;
	close(fd);
	return ok;
}

/* Configuration to engine settings. */

static uint64_t
fnv64(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

/* What the cached statuses depend on: the anchors and the negative
 * anchors.  Another set at start-up empties the cache. */
static uint64_t
status_context(const eng_config *ec)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < ec->nanchors; i++) {
		const eng_anchor *a = &ec->anchors[i];
		h = fnv64(h, a->owner, name_len(a->owner));
		h = fnv64(h, &a->type, sizeof(a->type));
		h = fnv64(h, a->rdata, a->rdlen);
	}
	h = fnv64(h, "|", 1);
	for (size_t i = 0; i < ec->ninsecure; i++)
		h = fnv64(h, ec->insecure[i], name_len(ec->insecure[i]));
	return h;
}

static int
addrs_to_eng(const struct cfg_addrs *in, eng_addr **out)
{
	*out = calloc(in->n ? in->n : 1, sizeof(**out));
	if (*out == NULL)
		return MX_ENOMEM;
	for (size_t i = 0; i < in->n; i++) {
		memcpy(&(*out)[i].sa, &in->v[i].sa, sizeof(in->v[i].sa));
		(*out)[i].salen = in->v[i].salen;
	}
	return 0;
}

/* What an eng_config points to while it is being used. */
typedef struct ecfg_hold {
	eng_addr *fwd;
	char *hints;
	eng_anchor *anchors;
	const uint8_t **nta;
	ta_store tas;             /* the configured anchors, when no autotrust
	                             took them over */
	autotrust *at;            /* auto-trust-anchor-file; NULL: none */
} ecfg_hold;

static void
ecfg_hold_free(ecfg_hold *h)
{
	free(h->fwd);
	free(h->hints);
	free(h->anchors);
	free(h->nta);
	ta_store_free(&h->tas);
	autotrust_free(h->at);
	memset(h, 0, sizeof(*h));
	ta_store_init(&h->tas);
}

/* The engine's settings from a configuration: reads the root hints, the
 * trust-anchor files and the RFC 5011 state file (errors name the file
 * and line; after a chroot, paths under it are named as privs_path()
 * says).  ec points into h until ecfg_hold_free(h). */
static int
engine_config(const struct mxsec_config *cfg, eng_config *ec, ecfg_hold *h,
    char *err, size_t errlen)
{
	size_t hints_len = 0;
	int rc;

	memset(ec, 0, sizeof(*ec));
	memset(h, 0, sizeof(*h));
	ta_store_init(&h->tas);
	ec->mode = cfg->mode == CFG_MODE_FORWARD ? ENG_FORWARD : ENG_RECURSIVE;
	if ((rc = addrs_to_eng(&cfg->forward, &h->fwd)) != 0)
		return rc;
	ec->forwarders = h->fwd;
	ec->nforwarders = cfg->forward.n;
	if (cfg->root_hints != NULL) {
		rc = zone_slurp(privs_path(cfg->root_hints), ROOT_HINTS_MAX,
		    &h->hints, &hints_len);
		if (rc != 0) {
			snprintf(err, errlen, "%s: cannot read: %s", cfg->root_hints,
			    mx_strerror(rc));
			return rc;
		}
		ec->root_hints = h->hints;
		ec->root_hints_len = hints_len;
		ec->root_hints_name = cfg->root_hints;
	}
	/* Trust anchors: the files, or the built-in root KSKs. */
	if (cfg->trust_anchor_files.n == 0) {
		if ((rc = ta_store_add_builtin(&h->tas)) != 0)
			return rc;
	}
	for (size_t i = 0; i < cfg->trust_anchor_files.n; i++)
		if ((rc = ta_store_load_file(&h->tas,
		    privs_path(cfg->trust_anchor_files.v[i]), err, errlen)) != 0)
			return rc;
	if (cfg->auto_trust_anchor_file != NULL) {
		/* RFC 5011: the state file's trusted keys stand in for the
		 * configured anchors of its zone. */
		const eng_anchor *an;
		size_t nan;
		if ((rc = autotrust_load(privs_path(cfg->auto_trust_anchor_file), &h->tas, &h->at,
		    err, errlen)) != 0 || (rc = autotrust_anchors(h->at, &an, &nan)) != 0)
			return rc;
		ec->anchors = an;
		ec->nanchors = nan;
	} else {
		if ((h->anchors = calloc(h->tas.n ? h->tas.n : 1, sizeof(*h->anchors))) == NULL)
			return MX_ENOMEM;
		for (size_t i = 0; i < h->tas.n; i++)
			h->anchors[i] = (eng_anchor){ h->tas.v[i].owner, h->tas.v[i].type,
			    h->tas.v[i].rdlen, h->tas.v[i].rdata };
		ec->anchors = h->anchors;
		ec->nanchors = h->tas.n;
	}
	if ((h->nta = calloc(cfg->domain_insecure.n ? cfg->domain_insecure.n : 1, sizeof(*h->nta))) == NULL)
		return MX_ENOMEM;
	for (size_t i = 0; i < cfg->domain_insecure.n; i++)
		h->nta[i] = cfg->domain_insecure.v[i].wire;
	ec->insecure = h->nta;
	ec->ninsecure = cfg->domain_insecure.n;
	ec->nsec3_max_iterations = cfg->nsec3_max_iterations;
	ec->max_verifications = cfg->val_max_verifications;
	ec->max_sigs_per_rrset = cfg->val_max_sigs;
	ec->max_key_tries = cfg->val_max_key_tries;
	ec->max_nsec3_hashes = cfg->val_max_nsec3_hashes;
	ec->val_skew = cfg->val_clock_skew;
	ec->query_loopback = cfg->query_loopback;
	ec->do_ip4 = cfg->do_ip4;
	ec->do_ip6 = cfg->do_ip6;
	ec->qname_minimisation = cfg->qname_minimisation;
	ec->harden_glue = cfg->harden_glue;
	ec->prefetch = cfg->prefetch;
	ec->serve_stale = cfg->serve_stale;
	return 0;
}

int
serve_start(struct event_base *base, const struct mxsec_config *cfg,
    serve **out, char *err, size_t errlen)
{
	serve *s;
	eng_config ec;
	eng_io io = { NULL, io_send, io_cancel, io_random };
	tp_config tc;
	dnsl_config dc;
	ecfg_hold hold;
	struct sockaddr_storage *outgoing = NULL, *listen = NULL;
	socklen_t *listen_len = NULL;
	int rc;

	*out = NULL;
	memset(&hold, 0, sizeof(hold));
	ta_store_init(&hold.tas);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return MX_ENOMEM;
	s->base = base;
	s->started = time(NULL);
	ta_store_init(&s->tas);
	io.ctx = s;

	memset(&tc, 0, sizeof(tc));
	if (cfg->outgoing.n > 0) {
		outgoing = calloc(cfg->outgoing.n, sizeof(*outgoing));
		if (outgoing == NULL) {
			rc = MX_ENOMEM;
			goto fail;
		}
		for (size_t i = 0; i < cfg->outgoing.n; i++)
			memcpy(&outgoing[i], &cfg->outgoing.v[i].sa, sizeof(outgoing[i]));
		tc.outgoing = outgoing;
		tc.noutgoing = cfg->outgoing.n;
	}
	if ((rc = tp_new(base, &tc, &s->tp)) != 0) {
		snprintf(err, errlen, "upstream transport: %s", mx_strerror(rc));
		goto fail;
	}

	if ((rc = engine_config(cfg, &ec, &hold, err, errlen)) != 0)
		goto fail;

	cache_config cc = {
		.dir = cfg->cache_dir,
		.mapsize = (size_t)cfg->cache_size,
		.min_ttl = cfg->cache_min_ttl,
		.max_ttl = cfg->cache_max_ttl,
		.max_neg_ttl = cfg->cache_max_negative_ttl,
		.bogus_ttl = cfg->val_bogus_ttl,
		.stale_ttl = cfg->serve_stale ? cfg->serve_stale_ttl : 0,
		.aggressive = cfg->aggressive_nsec,
		.nsec3_max_iterations = cfg->nsec3_max_iterations,
		.context = status_context(&ec),
	};
	const char *note = NULL;
	if ((rc = cache_open(&s->cache, &cc, &note, err, errlen)) != 0)
		goto fail;
	if (note != NULL)
		log_msg(LOG_LEVEL_WARNING, "%s: %s", cfg->cache_dir, note);
	if ((s->commit = event_new(base, -1, 0, on_commit, s)) == NULL) {
		rc = MX_ENOMEM;
		goto fail;
	}
	s->store = (eng_store){ s, store_get, store_put };
	ec.store = &s->store;
	if ((rc = eng_new(&ec, &io, &s->eng, err, errlen)) != 0)
		goto fail;
	s->at = hold.at;
	hold.at = NULL;
	s->tas = hold.tas;
	ta_store_init(&hold.tas);
	if (s->at != NULL && (rc = autotrust_run(s->at, base, s->eng)) != 0)
		goto fail;

	if (cfg->listen_dns.n > 0) {
		listen = calloc(cfg->listen_dns.n, sizeof(*listen));
		listen_len = calloc(cfg->listen_dns.n, sizeof(*listen_len));
		if (listen == NULL || listen_len == NULL) {
			rc = MX_ENOMEM;
			goto fail;
		}
		size_t nl = 0;
		for (size_t i = 0; i < cfg->listen_dns.n; i++) {
			const struct cfg_addr *a = &cfg->listen_dns.v[i];
			/* The built-in default ::1 is skipped on a host without
			 * IPv6; an address from the file must bind or fail. */
			if (a->line == 0 && !can_bind(&a->sa, a->salen)) {
				log_msg(LOG_LEVEL_WARNING, "no IPv6 loopback here: "
				    "not listening on the default ::1");
				continue;
			}
			memcpy(&listen[nl], &a->sa, sizeof(listen[nl]));
			listen_len[nl++] = a->salen;
		}
		memset(&dc, 0, sizeof(dc));
		dc.addrs = listen;
		dc.addrlens = listen_len;
		dc.naddrs = nl;
		rc = dnsl_new(base, &dc, on_dns_query, on_dns_abandon, s, &s->dl,
		    err, errlen);
		if (rc != 0)
			goto fail;
	}

	if ((rc = start_api(s, base, cfg, err, errlen)) != 0)
		goto fail;
	if (s->api != NULL) {
		api_control ctl = { s, control_run };
		apisrv_set_control(s->api, &ctl);
	}
	if ((rc = start_policy(s, base, cfg, err, errlen)) != 0)
		goto fail;

	struct timeval second = { 1, 0 };
	s->tick = event_new(base, -1, EV_PERSIST, on_tick, s);
	if (s->tick == NULL || event_add(s->tick, &second) != 0) {
		rc = MX_ENOMEM;
		goto fail;
	}
	ecfg_hold_free(&hold);
	free(outgoing);
	free(listen);
	free(listen_len);
	*out = s;
	return 0;
fail:
	if (err[0] == 0)
		snprintf(err, errlen, "%s", mx_strerror(rc));
	ecfg_hold_free(&hold);
	free(outgoing);
	free(listen);
	free(listen_len);
	serve_stop(s);
	return rc;
}

/* ---- reload (SIGHUP, RELOAD) ---- */

static bool
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool
addrs_eq(const struct cfg_addrs *a, const struct cfg_addrs *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].salen != b->v[i].salen ||
		    memcmp(&a->v[i].sa, &b->v[i].sa, a->v[i].salen) != 0)
			return false;
	return true;
}

/* Settings the running daemon cannot change: sockets, the cache's open
 * parameters, the process's identity.  Each one that differs is named
 * in restart[] (at most SERVE_RESTART_MAX). */
static size_t
restart_only(const struct mxsec_config *o, const struct mxsec_config *n,
    const char *restart[SERVE_RESTART_MAX])
{
	size_t k = 0;
#define DIFF(cond, key) do { if ((cond) && k < SERVE_RESTART_MAX) restart[k++] = (key); } while (0)
	DIFF(!addrs_eq(&o->listen_dns, &n->listen_dns), "listen-dns");
	DIFF(!str_eq(o->api_socket, n->api_socket), "api-socket");
	DIFF(!str_eq(o->api_group, n->api_group), "api-group");
	DIFF(o->api_max_clients != n->api_max_clients, "api-max-clients");
	DIFF(!str_eq(o->cache_dir, n->cache_dir), "cache-dir");
	DIFF(o->cache_size != n->cache_size, "cache-size");
	DIFF(o->cache_min_ttl != n->cache_min_ttl, "cache-min-ttl");
	DIFF(o->cache_max_ttl != n->cache_max_ttl, "cache-max-ttl");
	DIFF(o->cache_max_negative_ttl != n->cache_max_negative_ttl,
	    "cache-max-negative-ttl");
	DIFF(o->val_bogus_ttl != n->val_bogus_ttl, "val-bogus-ttl");
	DIFF((o->serve_stale ? o->serve_stale_ttl : 0) !=
	    (n->serve_stale ? n->serve_stale_ttl : 0) && n->serve_stale,
	    "serve-stale-ttl");
	DIFF(o->aggressive_nsec != n->aggressive_nsec, "aggressive-nsec");
	DIFF(!addrs_eq(&o->outgoing, &n->outgoing), "outgoing-address");
	DIFF(o->log_target != n->log_target, "log");
	DIFF(!str_eq(o->user, n->user), "user");
	DIFF(!str_eq(o->chroot, n->chroot), "chroot");
	DIFF(!str_eq(o->policy_socket, n->policy_socket), "policy-socket");
	DIFF(o->sts != n->sts, "sts");
#undef DIFF
	return k;
}

/* Timeouts, intervals, attributes, and the CA file read again (a new
 * ca-certificates bundle takes effect at reload). */
static void
reconfigure_policy(serve *s, const struct mxsec_config *cfg)
{
	sts_svc_config sc;
	pol_svc_config pc;
	hget_ctx *tls = NULL;
	char err[300];

	policy_configs(s, cfg, &sc, &pc);
	if (s->pol != NULL)
		pol_svc_set_config(s->pol, &pc);
	if (s->sts == NULL)
		return;
	sts_svc_set_config(s->sts, &sc);
	if (sts_tls(cfg, true, &tls, err, sizeof(err)) == 0 && tls != NULL)
		sts_svc_set_tls(s->sts, tls);
}

int
serve_reconfigure(serve *s, const struct mxsec_config *old,
    const struct mxsec_config *cfg, serve_reload_report *rep,
    char *err, size_t errlen)
{
	eng_config ec;
	ecfg_hold hold;
	bool changed = false;
	int rc;

	memset(rep, 0, sizeof(*rep));
	if (errlen)
		err[0] = 0;
	rep->nrestart = restart_only(old, cfg, rep->restart);
	if ((rc = engine_config(cfg, &ec, &hold, err, errlen)) != 0)
		goto fail;
	if ((rc = eng_reconfigure(s->eng, &ec, edge_now(), &changed, err, errlen)) != 0)
		goto fail;
	/* Applied: from here on nothing fails. */
	if (hold.at != NULL || s->at != NULL) {
		/* The old prober goes (it saved every change it made); the
		 * new one read the state file again. */
		autotrust_free(s->at);
		s->at = hold.at;
		hold.at = NULL;
		if (s->at != NULL && autotrust_run(s->at, s->base, s->eng) != 0)
			log_msg(LOG_LEVEL_ERROR, "%s: cannot schedule trust anchor"
			    " probes", cfg->auto_trust_anchor_file);
	}
	ta_store_free(&s->tas);
	s->tas = hold.tas;
	ta_store_init(&hold.tas);
	if (s->api != NULL)
		apisrv_set_insecure_mx_dane(s->api, cfg->insecure_mx_dane);
	reconfigure_policy(s, cfg);
	rep->anchors_changed = changed;
	serve_hot_clear(s);
	if (changed) {
		/* Every cached status was decided under the old anchors. */
		int frc = cache_flush_all(s->cache);
		if (frc == 0)
			frc = cache_set_context(s->cache, status_context(&ec));
		if (frc == 0)
			frc = cache_commit(s->cache);
		rep->cache_flushed = frc == 0;
		if (frc != 0)
			log_msg(LOG_LEVEL_ERROR, "trust anchors changed, but the cache"
			    " could not be flushed: %s", mx_strerror(frc));
	}
	ecfg_hold_free(&hold);
	return 0;
fail:
	if (errlen && err[0] == 0)
		snprintf(err, errlen, "%s", mx_strerror(rc));
	ecfg_hold_free(&hold);
	return rc;
}

void
serve_set_reload(serve *s, serve_reload_fn fn, void *ctx)
{
	s->reload = fn;
	s->reload_ctx = ctx;
}

int
serve_reload(serve *s, serve_reload_report *rep, char *text, size_t textlen)
{
	if (s->reload == NULL) {
		snprintf(text, textlen, "reloading is not available");
		return MX_EINVAL;
	}
	return s->reload(s->reload_ctx, rep, text, textlen);
}

/* ---- stopping ---- */

void
serve_quiesce(serve *s)
{
	dnsl_quiesce(s->dl);
	apisrv_quiesce(s->api);
	if (s->sm != NULL)
		sockmap_quiesce(s->sm);
}

size_t
serve_busy(serve *s)
{
	size_t n = apisrv_busy(s->api);

	if (s->sm != NULL)
		n += sockmap_busy(s->sm);

	if (s->dl != NULL) {
		dnsl_stats ds;
		dnsl_get_stats(s->dl, &ds);
		n += ds.pending;
	}
	return n;
}

void
serve_abort(serve *s)
{
	eng_abort(s->eng, edge_now(), "shutting down");
}

/* ---- for control.c ---- */

eng *serve_engine(serve *s) { return s->eng; }
cache *serve_cache(serve *s) { return s->cache; }
void serve_hot_clear(serve *s) { dnsl_hot_clear(s->dl); apisrv_hot_clear(s->api); }
autotrust *serve_autotrust(serve *s) { return s->at; }
const ta_store *serve_anchors(serve *s) { return &s->tas; }
apisrv *serve_apisrv(serve *s) { return s->api; }
sockmap_srv *serve_sockmap(serve *s) { return s->sm; }
sts_svc *serve_sts(serve *s) { return s->sts; }
dnsl *serve_dnsl(serve *s) { return s->dl; }
time_t serve_started(serve *s) { return s->started; }

void
serve_stop(serve *s)
{
	if (s == NULL)
		return;
	if (s->tick != NULL)
		event_free(s->tick);
	/* Listener first: it abandons pending client queries, which cancels
	 * their engine waiters; the anchor prober likewise, before the
	 * engine goes. */
	dnsl_free(s->dl);
	apisrv_free(s->api);
	/* Both servers cancel their policy jobs; then the services go,
	 * cancelling their engine lookups. */
	if (s->sm != NULL)
		sockmap_free(s->sm);
	pol_svc_free(s->pol);
	sts_svc_free(s->sts);
	autotrust_free(s->at);
	eng_free(s->eng);
	if (s->commit != NULL)
		event_free(s->commit);
	cache_close(s->cache);   /* commits the last batch */
	ta_store_free(&s->tas);
	/* The engine cancelled its queries through io_cancel; free the rest. */
	tp_free(s->tp);
	for (size_t i = 0; i < TOKMAP_SIZE; i++) {
		flight *f = s->tokmap[i], *next;
		for (; f != NULL; f = next) {
			next = f->next;
			free(f);
		}
	}
	free(s);
}
