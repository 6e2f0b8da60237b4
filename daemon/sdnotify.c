/*
 * sdnotify.c: sd_notify(3) over a plain AF_UNIX datagram socket.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "sdnotify.h"

#define SDNOTIFY_MSG_MAX 512

static int sd_fd = -1;
static bool sd_stopping;

int
sdnotify_init(void)
{
	const char *e = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t len;
	size_t n;

	sdnotify_close();
	if (e == NULL || e[0] == '\0')
		return 0;
	n = strlen(e);
	if ((e[0] != '/' && e[0] != '@') || n < 2 || n >= sizeof(sun.sun_path)) {
		log_msg(LOG_LEVEL_WARNING, "NOTIFY_SOCKET '%s' is not a socket"
		    " path: systemd will not hear that the daemon is ready", e);
		return MX_EINVAL;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, e, n);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	/* Abstract namespace: a leading NUL, and the length says where the
	 * name ends (no terminating NUL). */
	if (e[0] == '@')
		sun.sun_path[0] = '\0';
	else
		len++;
	sd_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* Connected now, so that sending works after the chroot hides the
	 * path and after the switch of user. */
	if (sd_fd < 0 || connect(sd_fd, (struct sockaddr *)&sun, len) != 0) {
		log_msg(LOG_LEVEL_WARNING, "NOTIFY_SOCKET %s: %s", e,
		    strerror(errno));
		sdnotify_close();
		return MX_EIO;
	}
	return 0;
}

void
sdnotify_close(void)
{
	if (sd_fd >= 0)
		close(sd_fd);
	sd_fd = -1;
}

int
sdnotify_send(const char *msg)
{
	size_t n = strlen(msg);

	if (sd_fd < 0)
		return 0;
	if (send(sd_fd, msg, n, MSG_NOSIGNAL) != (ssize_t)n) {
		log_msg(LOG_LEVEL_DEBUG, "NOTIFY_SOCKET: %s", strerror(errno));
		return MX_EIO;
	}
	return 0;
}

void
sdnotify_ready(void)
{
	sdnotify_send("READY=1\nSTATUS=running");
}

void
sdnotify_reloading(void)
{
	char msg[SDNOTIFY_MSG_MAX];
	struct timespec ts;

	/* systemd 253's Type=notify-reload wants the time of the request,
	 * to match it with the READY=1 that ends the reload. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu\n"
	    "STATUS=reloading", (unsigned long long)ts.tv_sec * 1000000u +
	    (unsigned long long)ts.tv_nsec / 1000u);
	sdnotify_send(msg);
}

void
sdnotify_stopping(void)
{
	if (sd_stopping)
		return;
	sd_stopping = true;
	sdnotify_send("STOPPING=1\nSTATUS=stopping");
}

void
sdnotify_status(const char *fmt, ...)
{
	char msg[SDNOTIFY_MSG_MAX];
	va_list ap;
	int n;

	memcpy(msg, "STATUS=", 7);
	va_start(ap, fmt);
	n = vsnprintf(msg + 7, sizeof(msg) - 7, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* One line: a newline would start another assignment. */
	for (char *p = msg + 7; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
	sdnotify_send(msg);
}
