/*
 * serve.h: mxsecd's service: the query engine wired to the upstream
 * transport and to the loopback DNS listener, on the daemon's event loop.
 * This is the I/O edge of the engine: it reads the clocks and passes the
 * time in (STYLE.md rule 2).
 */
#ifndef MXSEC_DAEMON_SERVE_H
#define MXSEC_DAEMON_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"

struct event_base;
typedef struct serve serve;

/* Build everything and bind the listeners.  On failure nothing is left
 * running and err says why (a bind error names the address). */
int serve_start(struct event_base *base, const struct mxsec_config *cfg,
    serve **out, char *err, size_t errlen);
/* Close everything; the cache last but one (cache_close commits). */
void serve_stop(serve *s);
/* One log line of counters (SIGUSR1). */
void serve_log_stats(serve *s);

/* What a reload did. */
#define SERVE_RESTART_MAX 24
typedef struct serve_reload_report {
	bool anchors_changed;        /* anchors or negative anchors differ */
	bool cache_flushed;          /* ... so the cache was emptied */
	size_t nrestart;             /* settings left as they were */
	const char *restart[SERVE_RESTART_MAX];   /* their keys (static) */
} serve_reload_report;

/*
 * Apply cfg to the running service, keeping the cache and the requests in
 * flight (SIGHUP).  old is the configuration running now: settings that
 * need a restart (sockets, cache files and sizes, user, chroot, ...) are
 * compared with it and listed in rep, not applied.  The trust anchors are
 * read again (files, RFC 5011 state); when they change the cache is
 * flushed.  On failure (a bad anchor file, say: err gives FILE:LINE)
 * nothing has changed.
 */
int serve_reconfigure(serve *s, const struct mxsec_config *old,
    const struct mxsec_config *cfg, serve_reload_report *rep,
    char *err, size_t errlen);

/* The loop's reload (parse the file again, then serve_reconfigure), for
 * the RELOAD control request.  msg gets the one-line result. */
typedef int (*serve_reload_fn)(void *ctx, serve_reload_report *rep,
    char *msg, size_t msglen);
void serve_set_reload(serve *s, serve_reload_fn fn, void *ctx);
int serve_reload(serve *s, serve_reload_report *rep, char *text,
    size_t textlen);

/* Stopping (SIGTERM): quiesce stops reading new DNS and API requests;
 * busy counts requests not yet answered (and API replies not yet sent);
 * abort ends every request in flight with SERVFAIL "shutting down". */
void serve_quiesce(serve *s);
size_t serve_busy(serve *s);
void serve_abort(serve *s);

/* The parts, for the control requests (control.c).  Owned by s. */
struct eng;
struct cache;
struct autotrust;
struct ta_store;
struct apisrv;
struct dnsl;
struct eng *serve_engine(serve *s);
struct cache *serve_cache(serve *s);
/* Forget the DNS listener's responses of the last second (flush, reload). */
void serve_hot_clear(serve *s);
struct autotrust *serve_autotrust(serve *s);     /* NULL: static anchors */
const struct ta_store *serve_anchors(serve *s);  /* configured, when static */
struct apisrv *serve_apisrv(serve *s);           /* NULL: api-socket none */
struct sockmap_srv *serve_sockmap(serve *s);     /* NULL: policy-socket none */
struct sts_svc *serve_sts(serve *s);             /* NULL: sts no */
struct dnsl *serve_dnsl(serve *s);               /* NULL: listen-dns none */
time_t serve_started(serve *s);

#endif
