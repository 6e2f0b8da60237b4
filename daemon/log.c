#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

/* Longest line written; longer messages are cut and end in "...". */
#define LOG_LINE_MAX 1024

static struct {
	const char *ident;
	enum log_target target;
	enum log_level level;
	bool syslog_open;
} log_state = { "mxsecd", LOG_TARGET_STDERR, LOG_LEVEL_NOTICE, false };

static const char *const log_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARNING] = "warning",
	[LOG_LEVEL_NOTICE] = "notice",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

static const int log_syslog_prio[] = {
	[LOG_LEVEL_ERROR] = LOG_ERR,
	[LOG_LEVEL_WARNING] = LOG_WARNING,
	[LOG_LEVEL_NOTICE] = LOG_NOTICE,
	[LOG_LEVEL_INFO] = LOG_INFO,
	[LOG_LEVEL_DEBUG] = LOG_DEBUG,
};

static bool
log_level_valid(enum log_level level)
{
	return (unsigned)level <= LOG_LEVEL_DEBUG;
}

const char *
log_level_name(enum log_level level)
{
	return log_level_valid(level) ? log_names[level] : "?";
}

int
log_level_parse(const char *s, size_t len, enum log_level *out)
{
	for (unsigned i = 0; i <= LOG_LEVEL_DEBUG; i++) {
		if (strlen(log_names[i]) == len && memcmp(log_names[i], s, len) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return MX_EINVAL;
}

void
log_open(const char *ident, enum log_target target, enum log_level level)
{
	log_close();
	log_state.ident = ident;
	log_state.target = target;
	log_state.level = log_level_valid(level) ? level : LOG_LEVEL_DEBUG;
	if (target == LOG_TARGET_SYSLOG) {
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		log_state.syslog_open = true;
	}
}

void
log_close(void)
{
	if (log_state.syslog_open)
		closelog();
	log_state.syslog_open = false;
	log_state.target = LOG_TARGET_STDERR;
}

void
log_set_level(enum log_level level)
{
	if (log_level_valid(level))
		log_state.level = level;
}

bool
log_enabled(enum log_level level)
{
	return log_level_valid(level) && level <= log_state.level;
}

/* Copy src to dst with control characters as \xNN, so that a message
 * quoting untrusted text cannot forge extra log lines. */
static void
log_escape(char *dst, size_t cap, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (; *src != '\0'; src++) {
		unsigned char c = (unsigned char)*src;

		if (c >= 0x20 && c != 0x7f) {
			if (o + 1 >= cap)
				break;
			dst[o++] = (char)c;
			continue;
		}
		if (o + 4 >= cap)
			break;
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 0xf];
	}
	dst[o] = '\0';
}

/* Mark a message that did not fit so a reader knows it was cut. */
static void
log_mark_cut(char *buf, size_t cap)
{
	if (cap > 4)
		memcpy(buf + cap - 4, "...", 4);
}

static void
log_write_stderr(enum log_level level, const char *msg)
{
	char stamp[32] = "";
	struct tm tm;
	/* Wall clock on purpose: libfaketime moves it in tests (DESIGN.md). */
	time_t now = time(NULL);

	if (gmtime_r(&now, &tm) != NULL)
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	/* One fprintf per line: stdio locks the stream, lines do not mix. */
	fprintf(stderr, "%s%s[%ld]: %s: %s\n", stamp, log_state.ident,
	    (long)getpid(), log_names[level], msg);
	fflush(stderr);
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char raw[LOG_LINE_MAX], msg[LOG_LINE_MAX];
	int saved_errno = errno;
	int n;

	if (!log_enabled(level))
		return;
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	if (n < 0)
		snprintf(raw, sizeof(raw), "(unprintable message: %s)", fmt);
	else if ((size_t)n >= sizeof(raw))
		log_mark_cut(raw, sizeof(raw));
	log_escape(msg, sizeof(msg), raw);
	if (log_state.target == LOG_TARGET_SYSLOG)
		syslog(log_syslog_prio[level], "%s", msg);
	else
		log_write_stderr(level, msg);
	/* Callers log between a failed call and reading errno. */
	errno = saved_errno;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
