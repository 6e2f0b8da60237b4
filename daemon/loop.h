/*
 * loop.h: mxsecd's event loop, the daemon's I/O edge (libevent stays here
 * and in the files that later own sockets).
 *
 * At this stage the loop only handles signals: SIGINT and SIGTERM stop it
 * cleanly, SIGHUP is logged (reload comes later), SIGPIPE is ignored so that
 * a client closing its socket cannot kill the daemon.
 */
#ifndef MXSEC_DAEMON_LOOP_H
#define MXSEC_DAEMON_LOOP_H

#include "config.h"

/* Block the loop's signals until loop_run() watches them, so that a
 * SIGTERM sent right after start-up still stops the daemon cleanly (exit
 * status 0) instead of killing it.  Call first thing in main(). */
void loop_hold_signals(void);

/* Run until SIGINT or SIGTERM.  Returns 0 after a clean stop, MX_ENOMEM
 * or MX_EIO when the loop could not be set up or failed (already logged).
 * cfg must stay valid while the loop runs. */
int loop_run(const struct mxsec_config *cfg);

#endif
