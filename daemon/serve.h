/*
 * serve.h: mxsecd's service: the query engine wired to the upstream
 * transport and to the loopback DNS listener, on the daemon's event loop.
 * This is the I/O edge of the engine: it reads the clocks and passes the
 * time in (STYLE.md rule 2).
 */
#ifndef MXSEC_DAEMON_SERVE_H
#define MXSEC_DAEMON_SERVE_H

#include <stddef.h>

#include "config.h"

struct event_base;
typedef struct serve serve;

/* Build everything and bind the listeners.  On failure nothing is left
 * running and err says why (a bind error names the address). */
int serve_start(struct event_base *base, const struct mxsec_config *cfg,
    serve **out, char *err, size_t errlen);
void serve_stop(serve *s);
/* One log line of counters (SIGUSR1). */
void serve_log_stats(serve *s);

#endif
