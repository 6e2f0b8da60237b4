#include <signal.h>
#include <string.h>

#include <event2/event.h>

#include "err.h"
#include "log.h"
#include "loop.h"
#include "serve.h"

/* The signals the loop owns, in the order their events are kept. */
static const int loop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1 };
#define LOOP_NSIGNALS (sizeof(loop_signals) / sizeof(loop_signals[0]))

struct loop {
	const struct mxsec_config *cfg;
	serve *serve;
	struct event_base *base;
	struct event *sig[LOOP_NSIGNALS];
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
		log_msg(LOG_LEVEL_NOTICE, "received SIGHUP: reloading the"
		    " configuration is not implemented yet, ignored");
		return;
	}
	log_msg(LOG_LEVEL_NOTICE, "received %s, stopping",
	    loop_signal_name((int)sig));
	event_base_loopbreak(l->base);
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
	serve_stop(l->serve);
	l->serve = NULL;
	for (size_t i = 0; i < LOOP_NSIGNALS; i++) {
		if (l->sig[i] != NULL)
			event_free(l->sig[i]);
		l->sig[i] = NULL;
	}
	if (l->base != NULL)
		event_base_free(l->base);
	l->base = NULL;
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
	}
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
