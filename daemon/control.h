/*
 * control.h: the control requests of the socket API (doc/protocol.md,
 * "Control"): STATS, FLUSH, FLUSH-SUBTREE, FLUSH-ALL, DUMP, RELOAD, TA.
 * The API server checks who asks (root or the daemon's uid) before it
 * calls control_run(); this file only does the work and writes the JSON.
 */
#ifndef MXSEC_DAEMON_CONTROL_H
#define MXSEC_DAEMON_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

/* DUMP replies carry at most this much zone-file text; a larger cache is
 * refused with "too-large" (use mxsecd --dump-cache beside the daemon). */
#define CONTROL_DUMP_MAX (64u << 20)

/* The api_control hook: ctx is the serve.  One request line (verb
 * included) in; the reply, one JSON object, malloc'ed, out (NULL: out of
 * memory). */
char *control_run(void *ctx, const char *line, size_t len, size_t *outlen);

/* Count a reload's outcome (SIGHUP or RELOAD), for STATS. */
void control_count_reload(bool ok);

#endif
