/*
 * loop.h: mxsecd's event loop, the daemon's I/O edge (libevent stays here
 * and in the files that own sockets).
 *
 * Signals (doc/mxsecd.8, SIGNALS):
 *   SIGHUP           reload the configuration file and the trust anchors,
 *                    keeping the cache and the requests in flight; a bad
 *                    file is rejected and the running configuration stays;
 *   SIGTERM, SIGINT  stop taking requests, finish those in flight for up
 *                    to LOOP_STOP_GRACE_MS, end the rest with SERVFAIL,
 *                    then close the cache cleanly; a second one stops at
 *                    once (still closing the cache);
 *   SIGUSR1          log one line of counters;
 *   SIGPIPE          ignored, so that a client closing its socket cannot
 *                    kill the daemon.
 */
#ifndef MXSEC_DAEMON_LOOP_H
#define MXSEC_DAEMON_LOOP_H

#include "config.h"

/* How long a stop waits for the requests in flight. */
#define LOOP_STOP_GRACE_MS 2000

/* Block the loop's signals until loop_run() watches them, so that a
 * SIGTERM sent right after start-up still stops the daemon cleanly (exit
 * status 0) instead of killing it.  Call first thing in main(). */
void loop_hold_signals(void);

/* Run until SIGINT or SIGTERM.  Returns 0 after a clean stop, MX_ENOMEM
 * or MX_EIO when the loop could not be set up or failed (already logged).
 * cfg must stay valid while the loop runs; after a reload the loop runs
 * on its own copy of the new configuration (freed before it returns), and
 * cfg is only read again for its file name. */
int loop_run(const struct mxsec_config *cfg);

#endif
