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
#include "dnslisten.h"
#include "engine.h"
#include "edgeclock.h"
#include "err.h"
#include "log.h"
#include "name.h"
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
	autotrust *at;
	struct event *tick;
	cache *cache;
	eng_store store;
	struct event *commit;     /* ends the cache's write batch */
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

	eng_get_stats(s->eng, &es);
	cache_get_stats(s->cache, &cs);
	log_msg(LOG_LEVEL_NOTICE, "stats: requests=%llu cache_hits=%llu "
	    "cache_misses=%llu aggressive=%llu stale=%llu prefetch=%llu "
	    "upstream_queries=%llu servfail=%llu bogus=%llu in_flight=%zu "
	    "entries=%zu bytes=%llu evictions=%llu corrupt=%llu "
	    "store_errors=%llu",
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

int
serve_start(struct event_base *base, const struct mxsec_config *cfg,
    serve **out, char *err, size_t errlen)
{
	serve *s;
	eng_config ec;
	eng_io io = { NULL, io_send, io_cancel, io_random };
	tp_config tc;
	dnsl_config dc;
	eng_addr *fwd = NULL;
	ta_store tas;
	eng_anchor *anchors = NULL;
	const uint8_t **nta = NULL;
	char *hints = NULL;
	size_t hints_len = 0;
	struct sockaddr_storage *outgoing = NULL, *listen = NULL;
	socklen_t *listen_len = NULL;
	int rc;

	*out = NULL;
	ta_store_init(&tas);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return MX_ENOMEM;
	s->base = base;
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

	memset(&ec, 0, sizeof(ec));
	ec.mode = cfg->mode == CFG_MODE_FORWARD ? ENG_FORWARD : ENG_RECURSIVE;
	if ((rc = addrs_to_eng(&cfg->forward, &fwd)) != 0)
		goto fail;
	ec.forwarders = fwd;
	ec.nforwarders = cfg->forward.n;
	if (cfg->root_hints != NULL) {
		rc = zone_slurp(cfg->root_hints, ROOT_HINTS_MAX, &hints, &hints_len);
		if (rc != 0) {
			snprintf(err, errlen, "%s: cannot read: %s", cfg->root_hints,
			    mx_strerror(rc));
			goto fail;
		}
		ec.root_hints = hints;
		ec.root_hints_len = hints_len;
		ec.root_hints_name = cfg->root_hints;
	}
	/* Trust anchors: the files, or the built-in root KSKs. */
	if (cfg->trust_anchor_files.n == 0) {
		if ((rc = ta_store_add_builtin(&tas)) != 0)
			goto fail;
	}
	for (size_t i = 0; i < cfg->trust_anchor_files.n; i++)
		if ((rc = ta_store_load_file(&tas, cfg->trust_anchor_files.v[i], err, errlen)) != 0)
			goto fail;
	if (cfg->auto_trust_anchor_file != NULL) {
		/* RFC 5011: the state file's trusted keys stand in for the
		 * configured anchors of its zone. */
		const eng_anchor *an;
		size_t nan;
		if ((rc = autotrust_load(cfg->auto_trust_anchor_file, &tas, &s->at,
		    err, errlen)) != 0 || (rc = autotrust_anchors(s->at, &an, &nan)) != 0)
			goto fail;
		ec.anchors = an;
		ec.nanchors = nan;
	} else {
		if ((anchors = calloc(tas.n ? tas.n : 1, sizeof(*anchors))) == NULL) {
			rc = MX_ENOMEM;
			goto fail;
		}
		for (size_t i = 0; i < tas.n; i++)
			anchors[i] = (eng_anchor){ tas.v[i].owner, tas.v[i].type,
			    tas.v[i].rdlen, tas.v[i].rdata };
		ec.anchors = anchors;
		ec.nanchors = tas.n;
	}
	if ((nta = calloc(cfg->domain_insecure.n ? cfg->domain_insecure.n : 1, sizeof(*nta))) == NULL) {
		rc = MX_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < cfg->domain_insecure.n; i++)
		nta[i] = cfg->domain_insecure.v[i].wire;
	ec.insecure = nta;
	ec.ninsecure = cfg->domain_insecure.n;
	ec.nsec3_max_iterations = cfg->nsec3_max_iterations;
	ec.max_verifications = cfg->val_max_verifications;
	ec.max_sigs_per_rrset = cfg->val_max_sigs;
	ec.max_key_tries = cfg->val_max_key_tries;
	ec.max_nsec3_hashes = cfg->val_max_nsec3_hashes;
	ec.val_skew = cfg->val_clock_skew;
	ec.query_loopback = cfg->query_loopback;
	ec.do_ip4 = cfg->do_ip4;
	ec.do_ip6 = cfg->do_ip6;
	ec.qname_minimisation = cfg->qname_minimisation;
	ec.harden_glue = cfg->harden_glue;

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
	ec.prefetch = cfg->prefetch;
	ec.serve_stale = cfg->serve_stale;
	if ((rc = eng_new(&ec, &io, &s->eng, err, errlen)) != 0)
		goto fail;
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

	struct timeval second = { 1, 0 };
	s->tick = event_new(base, -1, EV_PERSIST, on_tick, s);
	if (s->tick == NULL || event_add(s->tick, &second) != 0) {
		rc = MX_ENOMEM;
		goto fail;
	}
	free(fwd);
	free(hints);
	free(outgoing);
	free(listen);
	free(listen_len);
	free(anchors);
	free(nta);
	ta_store_free(&tas);
	*out = s;
	return 0;
fail:
	if (err[0] == 0)
		snprintf(err, errlen, "%s", mx_strerror(rc));
	free(anchors);
	free(nta);
	ta_store_free(&tas);
	free(fwd);
	free(hints);
	free(outgoing);
	free(listen);
	free(listen_len);
	serve_stop(s);
	return rc;
}

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
	autotrust_free(s->at);
	eng_free(s->eng);
	if (s->commit != NULL)
		event_free(s->commit);
	cache_close(s->cache);   /* commits the last batch */
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
