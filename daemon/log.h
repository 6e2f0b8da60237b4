/*
 * log.h: mxsecd's log, to standard error or to syslog.
 *
 * The log is process-wide state: log_open() once at start-up (it may be
 * called again to switch target or level, e.g. after the configuration is
 * read), log_close() at exit.  Before log_open() messages go to standard
 * error at level notice, so start-up errors are never lost.
 *
 * Messages are one line each: control characters in the formatted text are
 * escaped, because log lines may quote names and strings from the network.
 */
#ifndef MXSEC_LOG_H
#define MXSEC_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Most severe first: a message is written when its level <= the log's. */
enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_NOTICE,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

enum log_target {
	LOG_TARGET_STDERR,
	LOG_TARGET_SYSLOG,
};

/* ident names the program in every line; it must outlive the log (a string
 * literal or argv[0]).  Syslog uses the daemon facility. */
void log_open(const char *ident, enum log_target target, enum log_level level);
void log_close(void);
void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* "error", "warning", "notice", "info", "debug". */
const char *log_level_name(enum log_level level);
/* Parse s[0..len) as one of the names above: 0 or MX_EINVAL. */
int log_level_parse(const char *s, size_t len, enum log_level *out);

#endif
