#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "control.h"
#include "err.h"
#include "log.h"
#include "loop.h"
#include "privs.h"
#include "sdnotify.h"
#include "serve.h"

/* The signals the loop owns, in the order their events are kept. */
static const int loop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1 };
#define LOOP_NSIGNALS (sizeof(loop_signals) / sizeof(loop_signals[0]))

/* While stopping: how often to look whether everything is answered, and
 * how long answers made by the final abort get to leave. */
#define LOOP_STOP_POLL_MS 20
#define LOOP_STOP_FLUSH_MS 300

struct loop {
	const struct mxsec_config *cfg;   /* running now: start's or owned */
	struct mxsec_config *owned;       /* after a reload; freed at the end */
	const char *file;                 /* the file to read on reload */
	uid_t euid0;                      /* euid at start: defaults for it */
	bool debug_forced;                /* mxsecd -d: keep level debug */
	serve *serve;
	struct event_base *base;
	struct event *sig[LOOP_NSIGNALS];
	struct event *stop_timer;
	int stopping;                     /* 0; 1 draining; 2 aborted */
	uint64_t stop_deadline_ms;
	uint64_t flush_deadline_ms;
};

static const char *
loop_signal_name(int sig)
{
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	case SIGUSR1: return "SIGUSR1";
	}
	return "signal";
}

static uint64_t
loop_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- reload ---- */

/* Parse the file again and apply it.  text gets the one-line result,
 * which is also logged. */
static int
loop_reload(void *arg, serve_reload_report *rep, char *text, size_t textlen)
{
	struct loop *l = arg;
	struct mxsec_config *ncfg;
	char err[768] = "";
	int rc;

	memset(rep, 0, sizeof(*rep));
	sdnotify_reloading();
	if ((ncfg = calloc(1, sizeof(*ncfg))) == NULL) {
		rc = MX_ENOMEM;
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	/* The defaults of the user the daemon started as, not of the one
	 * it runs as now: per-user paths would differ. */
	if ((rc = config_init_defaults_uid(ncfg, l->euid0)) != 0) {
		snprintf(err, sizeof(err), "defaults: %s", mx_strerror(rc));
		goto fail;
	}
	if (l->file != NULL && (rc = config_parse_file(ncfg, privs_path(l->file),
	    err, sizeof(err))) != 0)
		goto fail;
	if (l->file != NULL) {
		/* Keep the name the operator gave, not the chroot's. */
		free(ncfg->file);
		ncfg->file = strdup(l->file);
	}
	if ((rc = serve_reconfigure(l->serve, l->cfg, ncfg, rep, err, sizeof(err))) != 0)
		goto fail;
	/* Applied.  The log level too (mxsecd -d keeps debug). */
	if (!l->debug_forced)
		log_set_level(ncfg->log_level);
	for (size_t i = 0; i < rep->nrestart; i++)
		log_msg(LOG_LEVEL_WARNING, "reload: %s changed: needs a restart,"
		    " the running value stays", rep->restart[i]);
	if (l->owned != NULL) {
		config_free(l->owned);
		free(l->owned);
	}
	l->owned = ncfg;
	l->cfg = ncfg;
	snprintf(text, textlen, "configuration %s reloaded%s%s; %zu setting%s"
	    " need%s a restart",
	    l->file != NULL ? l->file : "(built-in)",
	    rep->anchors_changed ? ", trust anchors changed" : "",
	    rep->anchors_changed ? (rep->cache_flushed ? ", cache flushed" :
	    ", cache NOT flushed") : "",
	    rep->nrestart, rep->nrestart == 1 ? "" : "s",
	    rep->nrestart == 1 ? "s" : "");
	log_msg(LOG_LEVEL_NOTICE, "%s", text);
	control_count_reload(true);
	sdnotify_ready();
	return 0;
fail:
	if (ncfg != NULL) {
		config_free(ncfg);
		free(ncfg);
	}
	snprintf(text, textlen, "reload failed, the running configuration stays: %s",
	    err[0] ? err : mx_strerror(rc));
	log_msg(LOG_LEVEL_ERROR, "%s", text);
	control_count_reload(false);
	sdnotify_ready();
	return rc;
}

/* ---- stopping ---- */

static void
loop_stop_check(evutil_socket_t fd, short what, void *arg)
{
	struct loop *l = arg;
	struct timeval tv = { 0, LOOP_STOP_POLL_MS * 1000 };
	uint64_t now = loop_mono_ms();
	size_t busy;

	(void)fd;
	(void)what;
	busy = serve_busy(l->serve);
	if (busy == 0) {
		log_msg(LOG_LEVEL_INFO, "every request answered");
		event_base_loopbreak(l->base);
		return;
	}
	if (l->stopping == 1 && now >= l->stop_deadline_ms) {
		log_msg(LOG_LEVEL_NOTICE, "%zu requests still in flight after"
		    " %u ms: ending them with SERVFAIL", busy, LOOP_STOP_GRACE_MS);
		l->stopping = 2;
		l->flush_deadline_ms = now + LOOP_STOP_FLUSH_MS;
		serve_abort(l->serve);
	} else if (l->stopping == 2 && now >= l->flush_deadline_ms) {
		log_msg(LOG_LEVEL_NOTICE, "%zu replies not delivered", busy);
		event_base_loopbreak(l->base);
		return;
	}
	evtimer_add(l->stop_timer, &tv);
}

static void
loop_stop(struct loop *l, int sig)
{
	if (l->stopping != 0 || l->serve == NULL) {
		log_msg(LOG_LEVEL_NOTICE, "received %s again, stopping now",
		    loop_signal_name(sig));
		event_base_loopbreak(l->base);
		return;
	}
	log_msg(LOG_LEVEL_NOTICE, "received %s, stopping", loop_signal_name(sig));
	sdnotify_stopping();
	l->stopping = 1;
	l->stop_deadline_ms = loop_mono_ms() + LOOP_STOP_GRACE_MS;
	/* No new work: UDP is no longer read, TCP and the API socket no
	 * longer accept, API lines get "stopping". */
	serve_quiesce(l->serve);
	l->stop_timer = evtimer_new(l->base, loop_stop_check, l);
	if (l->stop_timer == NULL) {
		event_base_loopbreak(l->base);
		return;
	}
	loop_stop_check(-1, 0, l);
}

/* libevent runs this from the loop, not from the signal handler, so it
 * may log and touch the loop freely. */
static void
loop_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct loop *l = arg;

	(void)what;
	if (sig == SIGUSR1) {
		if (l->serve != NULL)
			serve_log_stats(l->serve);
		return;
	}
	if (sig == SIGHUP) {
		serve_reload_report rep;
		char text[1024];
		if (l->stopping != 0 || l->serve == NULL)
			return;
		log_msg(LOG_LEVEL_NOTICE, "received SIGHUP, reloading");
		(void)loop_reload(l, &rep, text, sizeof(text));
		return;
	}
	loop_stop(l, (int)sig);
}

/* libevent's own warnings go to our log, not to its default stderr. */
static void
loop_on_libevent_log(int severity, const char *msg)
{
	enum log_level level = LOG_LEVEL_DEBUG;

	if (severity >= EVENT_LOG_ERR)
		level = LOG_LEVEL_ERROR;
	else if (severity == EVENT_LOG_WARN)
		level = LOG_LEVEL_WARNING;
	log_msg(level, "libevent: %s", msg);
}

static void
loop_mask_signals(int how)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < LOOP_NSIGNALS; i++)
		sigaddset(&set, loop_signals[i]);
	sigprocmask(how, &set, NULL);
}

void
loop_hold_signals(void)
{
	loop_mask_signals(SIG_BLOCK);
}

static void
loop_free(struct loop *l)
{
	/* serve_stop closes the cache last: cache_close commits. */
	serve_stop(l->serve);
	l->serve = NULL;
	if (l->stop_timer != NULL)
		event_free(l->stop_timer);
	l->stop_timer = NULL;
	for (size_t i = 0; i < LOOP_NSIGNALS; i++) {
		if (l->sig[i] != NULL)
			event_free(l->sig[i]);
		l->sig[i] = NULL;
	}
	if (l->base != NULL)
		event_base_free(l->base);
	l->base = NULL;
	if (l->owned != NULL) {
		config_free(l->owned);
		free(l->owned);
	}
	l->owned = NULL;
}

static int
loop_setup(struct loop *l)
{
	event_set_log_callback(loop_on_libevent_log);
	l->base = event_base_new();
	if (l->base == NULL) {
		log_msg(LOG_LEVEL_ERROR, "cannot create the event loop");
		return MX_ENOMEM;
	}
	for (size_t i = 0; i < LOOP_NSIGNALS; i++) {
		l->sig[i] = evsignal_new(l->base, loop_signals[i],
		    loop_on_signal, l);
		if (l->sig[i] == NULL || evsignal_add(l->sig[i], NULL) != 0) {
			log_msg(LOG_LEVEL_ERROR, "cannot watch %s",
			    loop_signal_name(loop_signals[i]));
			return MX_EIO;
		}
	}
	/* Writes to a closed client socket must fail with EPIPE, not kill
	 * the daemon. */
	signal(SIGPIPE, SIG_IGN);
	/* Signals held since start-up are delivered now, to libevent. */
	loop_mask_signals(SIG_UNBLOCK);
	return 0;
}

int
loop_run(const struct mxsec_config *cfg)
{
	struct loop l;
	int rc;

	memset(&l, 0, sizeof(l));
	l.cfg = cfg;
	l.file = cfg->file;
	l.euid0 = geteuid();
	l.debug_forced = cfg->log_level != LOG_LEVEL_DEBUG &&
	    log_enabled(LOG_LEVEL_DEBUG);
	rc = loop_setup(&l);
	if (rc != 0)
		goto fail;
	{
		char err[512] = "";
		rc = serve_start(l.base, cfg, &l.serve, err, sizeof(err));
		if (rc != 0) {
			log_msg(LOG_LEVEL_ERROR, "%s", err);
			goto fail;
		}
		serve_set_reload(l.serve, loop_reload, &l);
		/* privs.h: every socket is bound and every file open; give up
		 * root now, or do not run at all. */
		err[0] = 0;
		rc = privs_drop(cfg, err, sizeof(err));
		if (rc != 0) {
			log_msg(LOG_LEVEL_ERROR, "%s", err[0] ? err : mx_strerror(rc));
			goto fail;
		}
	}
	sdnotify_ready();
	log_msg(LOG_LEVEL_DEBUG, "event loop running (libevent %s, %s)",
	    event_get_version(), event_base_get_method(l.base));
	/* 1 ("no events") cannot happen while signals are watched; only -1
	 * is a failure. */
	if (event_base_dispatch(l.base) < 0) {
		log_msg(LOG_LEVEL_ERROR, "event loop failed");
		rc = MX_EIO;
		goto fail;
	}
	rc = 0;
fail:
	loop_free(&l);
	return rc;
}
