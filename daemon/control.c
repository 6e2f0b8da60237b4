/*
 * control.c: the control requests (control.h, doc/protocol.md "Control").
 * Everything runs on the event loop and at once: a flush or a reload is
 * short, and a dump is bounded by CONTROL_DUMP_MAX.
 */
#define _GNU_SOURCE   /* fopencookie */
#include <arpa/inet.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "apisrv.h"
#include "autotrust.h"
#include "cache.h"
#include "control.h"
#include "dnslisten.h"
#include "edgeclock.h"
#include "engine.h"
#include "err.h"
#include "jsonw.h"
#include "log.h"
#include "name.h"
#include "rdata.h"
#include "rfc5011.h"
#include "rrtype.h"
#include "serve.h"
#include "sockmap.h"
#include "stssvc.h"
#include "ta.h"

#define UPSTREAMS_LISTED 64

/* Reloads through SIGHUP and RELOAD, for STATS. */
static uint64_t reloads_ok, reloads_failed;

static char *
finish(jsonw *w, size_t *outlen)
{
	if (w->oom) {
		jw_free(w);
		return NULL;
	}
	return jw_take(w, outlen);
}

static char *
error_reply(const char *error, const char *reason, size_t *outlen)
{
	jsonw w;

	jw_init(&w);
	jw_obj_open(&w);
	jw_kbool(&w, "ok", false);
	jw_kstr(&w, "error", error);
	jw_kstr(&w, "reason", reason);
	jw_obj_close(&w);
	return finish(&w, outlen);
}

/* ---- STATS ---- */

/* Resident set size from /proc/self/status (kB there); 0 if unknown. */
static uint64_t
rss_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long kb = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb * 1024;
}

static void
addr_text(const eng_addr *a, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (a->sa.ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)&a->sa;
		inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
		port = ntohs(s->sin_port);
	} else if (a->sa.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)&a->sa;
		inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
		port = ntohs(s->sin6_port);
	}
	snprintf(buf, cap, "%s@%u", ip, port);
}

static int
by_srtt(const void *a, const void *b)
{
	const eng_upstream *x = a, *y = b;

	return (x->srtt_ms > y->srtt_ms) - (x->srtt_ms < y->srtt_ms);
}

static void
stats_upstreams(jsonw *w, eng *e)
{
	eng_upstream *up = calloc(UPSTREAMS_LISTED, sizeof(*up));
	size_t total, n, nm = 0;
	uint64_t sum = 0;
	unsigned lo = 0, hi = 0;

	jw_key(w, "upstreams");
	jw_obj_open(w);
	if (up == NULL) {
		w->oom = true;
		jw_obj_close(w);
		return;
	}
	total = eng_get_upstreams(e, edge_now().mono_ms, up, UPSTREAMS_LISTED);
	n = total < UPSTREAMS_LISTED ? total : UPSTREAMS_LISTED;
	qsort(up, n, sizeof(*up), by_srtt);
	for (size_t i = 0; i < n; i++) {
		if (!up[i].measured || up[i].timeouts > 0 || up[i].lame)
			continue;
		if (nm == 0 || up[i].srtt_ms < lo)
			lo = up[i].srtt_ms;
		if (up[i].srtt_ms > hi)
			hi = up[i].srtt_ms;
		sum += up[i].srtt_ms;
		nm++;
	}
	jw_kint(w, "known", (int64_t)total);
	/* Of the servers listed that answered last time they were asked. */
	jw_kint(w, "srtt_min_ms", lo);
	jw_kint(w, "srtt_avg_ms", nm ? (int64_t)(sum / nm) : 0);
	jw_kint(w, "srtt_max_ms", hi);
	jw_key(w, "servers");
	jw_arr_open(w);
	for (size_t i = 0; i < n; i++) {
		char text[INET6_ADDRSTRLEN + 8];
		addr_text(&up[i].addr, text, sizeof(text));
		jw_obj_open(w);
		jw_kstr(w, "address", text);
		jw_kint(w, "srtt_ms", up[i].srtt_ms);
		jw_kint(w, "rttvar_ms", up[i].rttvar_ms);
		jw_kint(w, "timeouts", up[i].timeouts);
		jw_kbool(w, "lame", up[i].lame);
		jw_kbool(w, "measured", up[i].measured);
		jw_obj_close(w);
	}
	jw_arr_close(w);
	jw_obj_close(w);
	free(up);
}

static char *
do_stats(serve *s, size_t *outlen)
{
	eng_stats es;
	cache_stats cs;
	jsonw w;
	char key[16];

	eng_get_stats(serve_engine(s), &es);
	cache_get_stats(serve_cache(s), &cs);
	jw_init(&w);
	jw_obj_open(&w);
	jw_kbool(&w, "ok", true);
	jw_kint(&w, "uptime", (int64_t)(time(NULL) - serve_started(s)));

	jw_key(&w, "queries");
	jw_obj_open(&w);
	jw_kint(&w, "requests", (int64_t)es.requests);
	jw_kint(&w, "cache_hits", (int64_t)es.cache_hits);
	jw_kint(&w, "coalesced", (int64_t)es.coalesced);
	jw_kint(&w, "upstream", (int64_t)es.queries_sent);
	jw_kint(&w, "upstream_tcp", (int64_t)es.tcp_queries);
	jw_kint(&w, "upstream_timeouts", (int64_t)es.timeouts);
	jw_kint(&w, "upstream_dropped", (int64_t)es.dropped);
	jw_kint(&w, "servfail", (int64_t)es.servfail);
	jw_kint(&w, "prefetches", (int64_t)es.prefetches);
	jw_kint(&w, "stale_served", (int64_t)es.stale_served);
	jw_kint(&w, "in_flight", (int64_t)es.in_flight);
	jw_obj_close(&w);

	jw_key(&w, "cache");
	jw_obj_open(&w);
	jw_kint(&w, "hits", (int64_t)cs.hits);
	jw_kint(&w, "misses", (int64_t)cs.misses);
	jw_kint(&w, "aggressive", (int64_t)cs.aggressive);
	jw_kint(&w, "stale", (int64_t)cs.stale);
	jw_kint(&w, "stores", (int64_t)cs.stores);
	jw_kint(&w, "store_errors", (int64_t)cs.store_errors);
	jw_kint(&w, "evictions", (int64_t)cs.evictions);
	jw_kint(&w, "corrupt", (int64_t)cs.corrupt);
	jw_kint(&w, "entries", (int64_t)cs.entries);
	jw_kint(&w, "bytes", (int64_t)cs.bytes_used);
	jw_kint(&w, "map_size", (int64_t)cs.map_size);
	jw_obj_close(&w);

	/* What answers said: by status, and by EDE code (codes seen). */
	jw_key(&w, "status");
	jw_obj_open(&w);
	jw_kint(&w, "answers", (int64_t)es.answers);
	for (int st = 0; st < ENG_STATUS_COUNT; st++)
		jw_kint(&w, sec_status_name((sec_status)st), (int64_t)es.by_status[st]);
	jw_obj_close(&w);
	jw_key(&w, "ede");
	jw_obj_open(&w);
	for (int i = 0; i < ENG_EDE_SLOTS; i++) {
		if (es.by_ede[i] == 0)
			continue;
		snprintf(key, sizeof(key), "%d", i);
		jw_kint(&w, key, (int64_t)es.by_ede[i]);
	}
	jw_obj_close(&w);

	stats_upstreams(&w, serve_engine(s));

	if (serve_apisrv(s) != NULL) {
		apisrv_stats as;
		apisrv_get_stats(serve_apisrv(s), &as);
		jw_key(&w, "api");
		jw_obj_open(&w);
		jw_kint(&w, "clients", (int64_t)as.clients);
		jw_kint(&w, "connected", as.connected);
		jw_kint(&w, "refused", (int64_t)as.refused);
		jw_kint(&w, "requests", (int64_t)as.requests);
		jw_kint(&w, "errors", (int64_t)as.errors);
		jw_kint(&w, "control", (int64_t)as.control);
		jw_kint(&w, "denied", (int64_t)as.denied);
		jw_obj_close(&w);
	}
	if (serve_sockmap(s) != NULL || serve_sts(s) != NULL) {
		jw_key(&w, "policy");
		jw_obj_open(&w);
		if (serve_sockmap(s) != NULL) {
			sockmap_stats ms;
			sockmap_get_stats(serve_sockmap(s), &ms);
			jw_kint(&w, "clients", (int64_t)ms.clients);
			jw_kint(&w, "connected", ms.connected);
			jw_kint(&w, "requests", (int64_t)ms.requests);
			jw_kint(&w, "ok", (int64_t)ms.ok);
			jw_kint(&w, "notfound", (int64_t)ms.notfound);
			jw_kint(&w, "temp", (int64_t)ms.temp);
			jw_kint(&w, "perm", (int64_t)ms.perm);
			jw_kint(&w, "timeouts", (int64_t)ms.timeouts);
			jw_kint(&w, "bad", (int64_t)ms.bad);
		}
		if (serve_sts(s) != NULL) {
			sts_svc_stats ss;
			sts_svc_get_stats(serve_sts(s), &ss);
			jw_kint(&w, "sts_lookups", (int64_t)ss.lookups);
			jw_kint(&w, "sts_cached", (int64_t)ss.cached);
			jw_kint(&w, "sts_fetches", (int64_t)ss.fetches);
			jw_kint(&w, "sts_fetch_errors", (int64_t)ss.fetch_errors);
			jw_kint(&w, "sts_refreshes", (int64_t)ss.refreshes);
		}
		jw_obj_close(&w);
	}
	if (serve_dnsl(s) != NULL) {
		dnsl_stats ds;
		dnsl_get_stats(serve_dnsl(s), &ds);
		jw_key(&w, "dns");
		jw_obj_open(&w);
		jw_kint(&w, "udp", (int64_t)ds.udp_queries);
		jw_kint(&w, "tcp", (int64_t)ds.tcp_queries);
		jw_kint(&w, "answered", (int64_t)ds.answered);
		jw_kint(&w, "hot_hits", (int64_t)ds.hot_hits);
		jw_kint(&w, "refused", (int64_t)ds.refused);
		jw_kint(&w, "errors", (int64_t)ds.errors);
		jw_kint(&w, "overload", (int64_t)ds.overload);
		jw_kint(&w, "pending", (int64_t)ds.pending);
		jw_kint(&w, "tcp_clients", (int64_t)ds.tcp_clients);
		jw_obj_close(&w);
	}

	jw_key(&w, "memory");
	jw_obj_open(&w);
	jw_kint(&w, "rss_bytes", (int64_t)rss_bytes());
	{
		struct mallinfo2 mi = mallinfo2();
		jw_kint(&w, "heap_bytes", (int64_t)mi.uordblks);
	}
	jw_obj_close(&w);

	jw_key(&w, "reloads");
	jw_obj_open(&w);
	jw_kint(&w, "ok", (int64_t)reloads_ok);
	jw_kint(&w, "failed", (int64_t)reloads_failed);
	jw_obj_close(&w);

	jw_obj_close(&w);
	return finish(&w, outlen);
}

/* ---- FLUSH ---- */

static char *
do_flush(serve *s, const char *arg, size_t alen, bool subtree, bool all,
    size_t *outlen)
{
	uint8_t name[NAME_MAX_WIRE];
	char text[NAME_MAX_STR];
	size_t nlen;
	jsonw w;
	int rc;

	if (all) {
		if (alen != 0)
			return error_reply("bad-request", "FLUSH-ALL takes no argument", outlen);
		rc = cache_flush_all(serve_cache(s));
		/* The in-memory delegations and key verdicts go too. */
		if (rc == 0)
			rc = eng_flush_memory(serve_engine(s));
	} else {
		if (alen == 0)
			return error_reply("bad-request", "a name is needed", outlen);
		if (name_from_str(arg, alen, NULL, name, &nlen) != 0)
			return error_reply("bad-request", "bad name", outlen);
		name_lower(name);
		rc = cache_flush_name(serve_cache(s), name, subtree);
	}
	if (rc == 0)
		rc = cache_commit(serve_cache(s));
	serve_hot_clear(s);
	if (rc != 0)
		return error_reply("internal", mx_strerror(rc), outlen);
	jw_init(&w);
	jw_obj_open(&w);
	jw_kbool(&w, "ok", true);
	if (all) {
		jw_kbool(&w, "all", true);
		log_msg(LOG_LEVEL_NOTICE, "control: cache flushed");
	} else {
		name_to_str(name, text, sizeof(text));
		jw_kstr(&w, "flushed", text);
		jw_kbool(&w, "subtree", subtree);
		log_msg(LOG_LEVEL_INFO, "control: flushed %s%s", text,
		    subtree ? " and below" : "");
	}
	jw_obj_close(&w);
	return finish(&w, outlen);
}

/* ---- DUMP ---- */

/* A memory stream that refuses to grow past CONTROL_DUMP_MAX: the dump
 * fails rather than taking the daemon's memory. */
typedef struct dumpbuf {
	char *p;
	size_t len, cap;
	bool over;
} dumpbuf;

static ssize_t
dump_write(void *cookie, const char *buf, size_t n)
{
	dumpbuf *d = cookie;

	if (d->over || n > CONTROL_DUMP_MAX - d->len) {
		d->over = true;
		return -1;
	}
	if (d->len + n > d->cap) {
		size_t cap = d->cap ? d->cap : 65536;
		while (cap < d->len + n)
			cap *= 2;
		if (cap > CONTROL_DUMP_MAX)
			cap = CONTROL_DUMP_MAX;
		char *p = realloc(d->p, cap);
		if (p == NULL)
			return -1;
		d->p = p;
		d->cap = cap;
	}
	memcpy(d->p + d->len, buf, n);
	d->len += n;
	return (ssize_t)n;
}

static char *
do_dump(serve *s, size_t *outlen)
{
	dumpbuf d = { NULL, 0, 0, false };
	cookie_io_functions_t io = { NULL, dump_write, NULL, NULL };
	FILE *f = fopencookie(&d, "w", io);
	jsonw w;
	int rc;

	if (f == NULL)
		return error_reply("internal", "out of memory", outlen);
	rc = cache_commit(serve_cache(s));
	if (rc == 0)
		rc = cache_dump(serve_cache(s), f, time(NULL));
	if (fclose(f) != 0 && rc == 0)
		rc = MX_EIO;
	if (d.over) {
		free(d.p);
		return error_reply("too-large", "the dump is larger than 64 MiB:"
		    " use mxsecd --dump-cache", outlen);
	}
	if (rc != 0) {
		free(d.p);
		return error_reply("internal", mx_strerror(rc), outlen);
	}
	jw_init(&w);
	jw_obj_open(&w);
	jw_kbool(&w, "ok", true);
	jw_kint(&w, "bytes", (int64_t)d.len);
	jw_key(&w, "dump");
	jw_strn(&w, d.p != NULL ? d.p : "", d.len);
	jw_obj_close(&w);
	free(d.p);
	return finish(&w, outlen);
}

/* ---- RELOAD ---- */

static char *
do_reload(serve *s, size_t *outlen)
{
	serve_reload_report rep;
	char text[1024];
	jsonw w;

	if (serve_reload(s, &rep, text, sizeof(text)) != 0)
		return error_reply("reload-failed", text, outlen);
	jw_init(&w);
	jw_obj_open(&w);
	jw_kbool(&w, "ok", true);
	jw_kstr(&w, "message", text);
	jw_kbool(&w, "anchors_changed", rep.anchors_changed);
	jw_kbool(&w, "cache_flushed", rep.cache_flushed);
	jw_key(&w, "restart_needed");
	jw_arr_open(&w);
	for (size_t i = 0; i < rep.nrestart; i++)
		jw_str(&w, rep.restart[i]);
	jw_arr_close(&w);
	jw_obj_close(&w);
	return finish(&w, outlen);
}

void
control_count_reload(bool ok)
{
	if (ok)
		reloads_ok++;
	else
		reloads_failed++;
}

/* ---- TA ---- */

static void
ta_item(jsonw *w, const uint8_t *owner, uint16_t type, const uint8_t *rd,
    uint16_t rdlen, uint16_t keytag, const char *state)
{
	char name[NAME_MAX_STR], *text;
	size_t cap = (size_t)rdlen * 2 + 64;

	name_to_str(owner, name, sizeof(name));
	jw_obj_open(w);
	jw_kstr(w, "zone", name);
	jw_kstr(w, "type", type == RR_DS ? "DS" : "DNSKEY");
	jw_kint(w, "keytag", keytag);
	/* The algorithm: DS octet 2, DNSKEY octet 3. */
	if (type == RR_DS && rdlen >= 3)
		jw_kint(w, "algorithm", rd[2]);
	else if (type == RR_DNSKEY && rdlen >= 4)
		jw_kint(w, "algorithm", rd[3]);
	jw_kstr(w, "state", state);
	if ((text = malloc(cap)) != NULL && rdata_to_str(type, rd, rdlen, text, cap) >= 0)
		jw_kstr(w, "rdata", text);
	free(text);
	jw_obj_close(w);
}

static void
ta_static(jsonw *w, const ta_store *tas, const uint8_t *skip)
{
	for (size_t i = 0; i < tas->n; i++) {
		const ta_entry *t = &tas->v[i];
		if (skip != NULL && name_eq(t->owner, skip))
			continue;
		ta_item(w, t->owner, t->type, t->rdata, t->rdlen, t->keytag, "static");
	}
}

static char *
do_ta(serve *s, size_t *outlen)
{
	autotrust *at = serve_autotrust(s);
	jsonw w;

	jw_init(&w);
	jw_obj_open(&w);
	jw_kbool(&w, "ok", true);
	jw_key(&w, "anchors");
	jw_arr_open(&w);
	if (at == NULL) {
		ta_static(&w, serve_anchors(s), NULL);
	} else {
		const r5011_zone *z = autotrust_zone(at);
		/* The managed zone's keys with their RFC 5011 states, then
		 * the other configured anchors, which stay as configured. */
		for (size_t i = 0; i < z->n; i++)
			ta_item(&w, z->owner, z->keys[i].type, z->keys[i].rdata,
			    z->keys[i].rdlen, z->keys[i].keytag,
			    r5011_state_str(z->keys[i].state));
		ta_static(&w, autotrust_configured(at), z->owner);
	}
	jw_arr_close(&w);
	if (at != NULL) {
		const r5011_zone *z = autotrust_zone(at);
		char name[NAME_MAX_STR];
		name_to_str(z->owner, name, sizeof(name));
		jw_key(&w, "rfc5011");
		jw_obj_open(&w);
		jw_kstr(&w, "zone", name);
		jw_kstr(&w, "file", autotrust_path(at));
		jw_kint(&w, "last_success", z->last_success);
		jw_kint(&w, "next_probe", z->next_probe);
		jw_obj_close(&w);
	}
	jw_obj_close(&w);
	return finish(&w, outlen);
}

/* ---- the request line ---- */

char *
control_run(void *ctx, const char *line, size_t len, size_t *outlen)
{
	serve *s = ctx;
	size_t vlen = 0, a, alen;

	*outlen = 0;
	while (vlen < len && line[vlen] != ' ' && line[vlen] != '\t')
		vlen++;
	a = vlen;
	while (a < len && (line[a] == ' ' || line[a] == '\t'))
		a++;
	alen = len - a;
	while (alen > 0 && (line[a + alen - 1] == ' ' || line[a + alen - 1] == '\t'))
		alen--;
	for (size_t i = 0; i < alen; i++)
		if (line[a + i] == ' ' || line[a + i] == '\t')
			return error_reply("bad-request", "one argument at most", outlen);
#define VERB(v) (vlen == sizeof(v) - 1 && strncasecmp(line, v, vlen) == 0)
	if (VERB("FLUSH"))
		return do_flush(s, line + a, alen, false, false, outlen);
	if (VERB("FLUSH-SUBTREE"))
		return do_flush(s, line + a, alen, true, false, outlen);
	if (VERB("FLUSH-ALL"))
		return do_flush(s, line + a, alen, false, true, outlen);
	if (alen != 0)
		return error_reply("bad-request", "this request takes no argument", outlen);
	if (VERB("STATS"))
		return do_stats(s, outlen);
	if (VERB("DUMP"))
		return do_dump(s, outlen);
	if (VERB("RELOAD"))
		return do_reload(s, outlen);
	if (VERB("TA"))
		return do_ta(s, outlen);
#undef VERB
	return error_reply("bad-request", "unknown control request", outlen);
}
