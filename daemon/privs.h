/*
 * privs.h: giving up root (doc/mxsecd.8, PRIVILEGES).
 *
 * mxsecd starts as root to bind port 53 and to open its cache, socket and
 * state files, then runs as an unprivileged user with no capabilities:
 *
 *   privs_prepare()  before anything is opened: picks the user (the 'user'
 *                    key; as root without it 'mxsec', else 'nobody' with a
 *                    warning), reads what the chroot would hide (the
 *                    password and group files, the time zone), creates the
 *                    RFC 5011 state file's directory when it is the
 *                    daemon's own (under /var/lib/mxsec or the cache dir);
 *   privs_drop()     once every listener is bound and every file open (in
 *                    loop_run, after serve_start): hands the cache dir and
 *                    its files, the API socket and the daemon's own state
 *                    directory to the user, enters the chroot, switches
 *                    groups, gid and uid, sets no_new_privs and checks that
 *                    no capability is left.  A failure is fatal: the caller
 *                    stops the daemon rather than run with privileges.
 *
 * Process-wide state, like the log: one daemon per process.  Both return 0
 * or a negative MX_E* code with the reason in err.
 */
#ifndef MXSEC_DAEMON_PRIVS_H
#define MXSEC_DAEMON_PRIVS_H

#include <stddef.h>

#include "config.h"

int privs_prepare(const struct mxsec_config *cfg, char *err, size_t errlen);
int privs_drop(const struct mxsec_config *cfg, char *err, size_t errlen);

/* A path from the configuration as the process must name it now: after
 * the chroot, a path under the chroot directory loses that prefix
 * ("/var/lib/mxsec/root.key" with chroot /var/lib/mxsec is "/root.key");
 * any other path is returned as is.  Points into path. */
const char *privs_path(const char *path);

#endif
