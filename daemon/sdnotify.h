/*
 * sdnotify.h: the systemd readiness protocol (sd_notify(3)) without
 * libsystemd: one datagram of "KEY=VALUE" lines to the AF_UNIX socket named
 * by $NOTIFY_SOCKET (a path, or an abstract name written with a leading
 * '@').
 *
 * sdnotify_init() connects the socket while the path is still in reach
 * (before the chroot and the switch of user); every other call is a no-op
 * when NOTIFY_SOCKET was unset, so they can be called unconditionally.
 * Messages are best effort: a lost one is logged at debug level, never an
 * error for the daemon.  Process-wide state, like the log.
 *
 * The daemon's calls (doc/mxsecd.8, SYSTEMD):
 *   sdnotify_ready()      once every listener is bound and privileges are
 *                         dropped, and again when a reload has finished;
 *   sdnotify_reloading()  when a reload starts (SIGHUP, 'mxsec reload');
 *   sdnotify_stopping()   when a stop starts (sent once);
 *   sdnotify_status()     free text that 'systemctl status' shows.
 */
#ifndef MXSEC_DAEMON_SDNOTIFY_H
#define MXSEC_DAEMON_SDNOTIFY_H

/* 0, also when NOTIFY_SOCKET is unset; MX_EINVAL for a malformed
 * NOTIFY_SOCKET, MX_EIO when it cannot be reached (both logged). */
int sdnotify_init(void);
void sdnotify_close(void);

/* Send one message ("READY=1\nSTATUS=..."): 0, or MX_EIO. */
int sdnotify_send(const char *msg);

void sdnotify_ready(void);
void sdnotify_reloading(void);
void sdnotify_stopping(void);
void sdnotify_status(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif
