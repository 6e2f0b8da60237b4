/*
 * libmxsec.c: the connection to mxsecd, request lines out and reply lines
 * in, one at a time (doc/protocol.md).  Turning replies into structs is
 * reply.c's job.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "buildcfg.h"
#include "client_int.h"
#include "json.h"

int
client_err(mxsec *h, int code, const char *fmt, ...)
{
	va_list ap;

	if (h == NULL)
		return code;
	va_start(ap, fmt);
	vsnprintf(h->err, sizeof(h->err), fmt, ap);
	va_end(ap);
	/* Messages may quote the daemon; keep them one printable line. */
	for (char *p = h->err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return code;
}

void
client_disconnect(mxsec *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	h->len = 0;
}

const char *
mxsec_version(void)
{
	return MXSEC_VERSION;
}

const char *
mxsec_strerror(int code)
{
	switch (code) {
	case MXSEC_OK: return "success";
	case MXSEC_ENOMEM: return "out of memory";
	case MXSEC_EINVAL: return "invalid argument";
	case MXSEC_ECONNECT: return "cannot connect to the daemon";
	case MXSEC_EIO: return "connection to the daemon lost";
	case MXSEC_ETIMEOUT: return "timed out waiting for the daemon";
	case MXSEC_EPROTO: return "malformed reply from the daemon";
	case MXSEC_EBADREQ: return "request refused by the daemon";
	case MXSEC_EBUSY: return "daemon busy";
	case MXSEC_ESERVER: return "daemon failed";
	case MXSEC_EDENIED: return "permission denied";
	}
	return "unknown error";
}

const char *
mxsec_error(const mxsec *h)
{
	return h != NULL ? h->err : "no handle";
}

const char *
mxsec_socket_path(const mxsec *h)
{
	return h->path;
}

void
mxsec_set_timeout(mxsec *h, int timeout_ms)
{
	h->timeout_ms = timeout_ms;
}

/* The same choice as mxsecd's cfg_default_paths(), plus MXSEC_SOCKET. */
int
mxsec_default_socket(char *buf, size_t size)
{
	const char *env = getenv("MXSEC_SOCKET");
	uid_t euid = geteuid();
	int n;

	if (env != NULL && env[0] != 0)
		n = snprintf(buf, size, "%s", env);
	else if (euid == 0)
		n = snprintf(buf, size, "/run/mxsec/mxsecd.sock");
	else if ((env = getenv("XDG_RUNTIME_DIR")) != NULL && env[0] == '/')
		n = snprintf(buf, size, "%s/mxsec/mxsecd.sock", env);
	else
		n = snprintf(buf, size, "/tmp/mxsec-%lu/mxsecd.sock",
		    (unsigned long)euid);
	return n >= 0 && (size_t)n < size ? 0 : MXSEC_EINVAL;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before deadline for poll(); -1 for none. */
static int
left_ms(int64_t deadline)
{
	int64_t d;

	if (deadline < 0)
		return -1;
	d = deadline - now_ms();
	return d < 0 ? 0 : d > 3600000 ? 3600000 : (int)d;
}

static int64_t
deadline_of(const mxsec *h)
{
	return h->timeout_ms > 0 ? now_ms() + h->timeout_ms : -1;
}

/* Connect; 0, or -1 with errno set and h->err written. */
static int
client_connect(mxsec *h, int64_t deadline)
{
	struct sockaddr_un sun;
	struct timeval tv;
	int fd, ms, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(h->path) >= sizeof(sun.sun_path)) {
		client_err(h, MXSEC_ECONNECT, "%s: socket path too long",
		    h->path);
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, h->path, strlen(h->path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* A blocking connect waits while the daemon's backlog is full;
	 * SO_SNDTIMEO bounds that wait on Linux (then EAGAIN). */
	ms = left_ms(deadline);
	if (ms >= 0) {
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000 + (ms == 0 ? 1000 : 0);
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		if (errno != EINTR)
			goto fail;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
		goto fail;
	h->fd = fd;
	h->len = 0;
	return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	client_err(h, MXSEC_ECONNECT, "cannot connect to %s: %s", h->path,
	    saved == EAGAIN ? "timed out" : strerror(saved));
	errno = saved;
	return -1;
}

mxsec *
mxsec_open(const char *socket_path)
{
	char def[512];
	mxsec *h;
	int saved;

	if (socket_path == NULL) {
		if (mxsec_default_socket(def, sizeof(def)) != 0) {
			errno = ENAMETOOLONG;
			return NULL;
		}
		socket_path = def;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return NULL;
	h->fd = -1;
	h->timeout_ms = MXSEC_TIMEOUT_DEFAULT;
	h->path = strdup(socket_path);
	if (h->path == NULL)
		goto fail;
	if (client_connect(h, deadline_of(h)) != 0)
		goto fail;
	return h;
fail:
	saved = errno;
	mxsec_close(h);
	errno = saved;
	return NULL;
}

void
mxsec_close(mxsec *h)
{
	if (h == NULL)
		return;
	client_disconnect(h);
	free(h->buf);
	free(h->path);
	free(h);
}

/* Wait until fd is ready for events; 0, or an MXSEC_E* code. */
static int
client_wait(mxsec *h, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = h->fd, .events = events };
	int n;

	for (;;) {
		n = poll(&pfd, 1, left_ms(deadline));
		if (n > 0)
			return 0;
		if (n == 0)
			return client_err(h, MXSEC_ETIMEOUT,
			    "no reply from %s within %d ms", h->path,
			    h->timeout_ms);
		if (errno != EINTR)
			return client_err(h, MXSEC_EIO, "poll: %s",
			    strerror(errno));
	}
}

static int
client_send(mxsec *h, const char *p, size_t n, int64_t deadline)
{
	ssize_t w;
	int rc;

	while (n > 0) {
		/* MSG_NOSIGNAL: a closed daemon is an error, not SIGPIPE. */
		w = send(h->fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((rc = client_wait(h, POLLOUT, deadline)) != 0)
				return rc;
			continue;
		}
		return client_err(h, MXSEC_EIO, "send to %s: %s", h->path,
		    w < 0 ? strerror(errno) : "nothing written");
	}
	return 0;
}

/*
 * Read up to the next newline.  The line (without "\n" or "\r\n") is left
 * NUL-terminated at h->buf, *linelen long; *consumed octets are to be
 * dropped from the buffer afterwards.
 */
static int
client_recv_line(mxsec *h, int64_t deadline, size_t *linelen, size_t *consumed)
{
	size_t scanned = 0;
	char *nl, *nb;
	ssize_t r;
	int rc;

	for (;;) {
		nl = h->len > scanned ?
		    memchr(h->buf + scanned, '\n', h->len - scanned) : NULL;
		if (nl != NULL)
			break;
		scanned = h->len;
		size_t max = h->reply_max ? h->reply_max : MXSEC_REPLY_MAX;
		if (h->len >= max)
			return client_err(h, MXSEC_EPROTO,
			    "malformed reply: longer than %zu octets", max);
		if (h->cap - h->len < 4096) {
			size_t ncap = h->cap ? h->cap * 2 : 16384;
			if (ncap > max + 1)
				ncap = max + 1;
			nb = realloc(h->buf, ncap);
			if (nb == NULL)
				return client_err(h, MXSEC_ENOMEM,
				    "out of memory");
			h->buf = nb;
			h->cap = ncap;
		}
		r = recv(h->fd, h->buf + h->len, h->cap - h->len - 1, 0);
		if (r > 0) {
			h->len += (size_t)r;
			continue;
		}
		if (r == 0)
			return client_err(h, MXSEC_EIO,
			    "%s closed the connection", h->path);
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return client_err(h, MXSEC_EIO, "receive from %s: %s",
			    h->path, strerror(errno));
		if ((rc = client_wait(h, POLLIN, deadline)) != 0)
			return rc;
	}
	*consumed = (size_t)(nl - h->buf) + 1;
	if (nl > h->buf && nl[-1] == '\r')
		nl--;
	*nl = 0;
	*linelen = (size_t)(nl - h->buf);
	return 0;
}

/* One request line out, its reply line back as a new string. */
int
client_request(mxsec *h, const char *line, char **reply, size_t *replylen)
{
	int64_t deadline = deadline_of(h);
	size_t n = strlen(line), linelen = 0, consumed = 0;
	char *out;
	int rc;

	*reply = NULL;
	if (n == 0 || n > MXSEC_LINE_MAX || strpbrk(line, "\r\n") != NULL)
		return client_err(h, MXSEC_EINVAL,
		    "request must be one line of 1 to %d octets",
		    MXSEC_LINE_MAX);
	if (h->fd < 0 && client_connect(h, deadline) != 0)
		return MXSEC_ECONNECT;
	out = malloc(n + 1);
	if (out == NULL)
		return client_err(h, MXSEC_ENOMEM, "out of memory");
	memcpy(out, line, n);
	out[n] = '\n';
	rc = client_send(h, out, n + 1, deadline);
	free(out);
	if (rc == 0)
		rc = client_recv_line(h, deadline, &linelen, &consumed);
	if (rc != 0) {
		client_disconnect(h);
		return rc;
	}
	out = malloc(linelen + 1);
	if (out == NULL) {
		client_disconnect(h);
		return client_err(h, MXSEC_ENOMEM, "out of memory");
	}
	memcpy(out, h->buf, linelen + 1);
	memmove(h->buf, h->buf + consumed, h->len - consumed);
	h->len -= consumed;
	*reply = out;
	*replylen = linelen;
	client_err(h, 0, "%s", "");
	return 0;
}

/* A name or type argument: a non-empty run of visible octets, so that it
 * stays one token of one line. */
static int
check_token(mxsec *h, const char *what, const char *s)
{
	if (s == NULL || s[0] == 0)
		return client_err(h, MXSEC_EINVAL, "empty %s", what);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return client_err(h, MXSEC_EINVAL,
			    "%s contains a space or control character", what);
	if (strlen(s) > MXSEC_LINE_MAX - 16)
		return client_err(h, MXSEC_EINVAL, "%s too long", what);
	return 0;
}

int
mxsec_request_raw(mxsec *h, const char *line, char **json_out)
{
	struct json_value *v = NULL;
	char err[160];
	size_t len;
	int rc;

	*json_out = NULL;
	/* A DUMP reply may be far longer than any other. */
	if (strcasecmp(line, "DUMP") == 0)
		h->reply_max = MXSEC_DUMP_REPLY_MAX;
	rc = client_request(h, line, json_out, &len);
	h->reply_max = 0;
	if (rc != 0)
		return rc;
	rc = json_parse(*json_out, len, NULL, &v, err, sizeof(err));
	if (rc == 0 && v->type != JSON_OBJECT)
		snprintf(err, sizeof(err), "not a JSON object");
	if (rc == JSON_ENOMEM)
		rc = client_err(h, MXSEC_ENOMEM, "out of memory");
	else if (rc != 0 || v->type != JSON_OBJECT)
		rc = client_err(h, MXSEC_EPROTO, "malformed reply: %s", err);
	json_free(v);
	if (rc != 0) {
		client_disconnect(h);
		free(*json_out);
		*json_out = NULL;
	}
	return rc;
}

/* Send line and parse its reply as an answer or a DANE reply. */
static int
client_call(mxsec *h, const char *line, struct mxsec_answer **ans,
    struct mxsec_dane **dane)
{
	char *reply;
	size_t len;
	int rc;

	rc = client_request(h, line, &reply, &len);
	if (rc != 0)
		return rc;
	if (ans != NULL)
		rc = mxsec_parse_answer(h, reply, len, ans);
	else
		rc = mxsec_parse_dane(h, reply, len, dane);
	free(reply);
	/* A reply that does not parse may be the tail of another. */
	if (rc == MXSEC_EPROTO)
		client_disconnect(h);
	return rc;
}

int
mxsec_ping(mxsec *h, char **version)
{
	char *reply;
	size_t len;
	int rc;

	if (version != NULL)
		*version = NULL;
	rc = client_request(h, "PING", &reply, &len);
	if (rc != 0)
		return rc;
	rc = mxsec_parse_ping(h, reply, len, version);
	free(reply);
	if (rc == MXSEC_EPROTO)
		client_disconnect(h);
	return rc;
}

int
mxsec_lookup(mxsec *h, const char *type, const char *name,
    struct mxsec_answer **out)
{
	static const char *const verbs[] = { "MX", "A", "AAAA", "TLSA" };
	char line[MXSEC_LINE_MAX + 1];
	int rc;

	*out = NULL;
	if ((rc = check_token(h, "type", type)) != 0 ||
	    (rc = check_token(h, "name", name)) != 0)
		return rc;
	for (size_t k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++)
		if (strcasecmp(type, verbs[k]) == 0) {
			snprintf(line, sizeof(line), "%s %s", verbs[k], name);
			return client_call(h, line, out, NULL);
		}
	if (snprintf(line, sizeof(line), "QUERY %s %s", type, name) >=
	    (int)sizeof(line))
		return client_err(h, MXSEC_EINVAL, "request too long");
	return client_call(h, line, out, NULL);
}

int
mxsec_tlsa(mxsec *h, const char *host, unsigned port,
    struct mxsec_answer **out)
{
	char line[MXSEC_LINE_MAX + 1];
	int rc;

	*out = NULL;
	if ((rc = check_token(h, "host", host)) != 0)
		return rc;
	if (port > 65535)
		return client_err(h, MXSEC_EINVAL, "port %u out of range", port);
	if (port == 0)
		snprintf(line, sizeof(line), "TLSA %s", host);
	else
		snprintf(line, sizeof(line), "TLSA %s %u", host, port);
	return client_call(h, line, out, NULL);
}

int
mxsec_dane(mxsec *h, const char *domain, unsigned port,
    struct mxsec_dane **out)
{
	char line[MXSEC_LINE_MAX + 1];
	int rc;

	*out = NULL;
	if ((rc = check_token(h, "domain", domain)) != 0)
		return rc;
	if (port > 65535)
		return client_err(h, MXSEC_EINVAL, "port %u out of range", port);
	if (port == 0)
		snprintf(line, sizeof(line), "DANE %s", domain);
	else
		snprintf(line, sizeof(line), "DANE %s %u", domain, port);
	return client_call(h, line, NULL, out);
}

/* "VERB arg" for the one-argument verbs; its reply line (free() it). */
static int
verb_request(mxsec *h, const char *verb, const char *what, const char *arg,
    char **reply, size_t *len)
{
	char line[MXSEC_LINE_MAX + 1];
	int rc;

	*reply = NULL;
	if ((rc = check_token(h, what, arg)) != 0)
		return rc;
	snprintf(line, sizeof(line), "%s %s", verb, arg);
	return client_request(h, line, reply, len);
}

/* After parsing: a reply that does not parse may be the tail of
 * another, so the connection goes. */
static int
parsed(mxsec *h, char *reply, int rc)
{
	free(reply);
	if (rc == MXSEC_EPROTO)
		client_disconnect(h);
	return rc;
}

int
mxsec_srv(mxsec *h, const char *name, struct mxsec_dane **out)
{
	char *reply;
	size_t len;
	int rc;

	*out = NULL;
	if ((rc = verb_request(h, "SRV", "name", name, &reply, &len)) != 0)
		return rc;
	return parsed(h, reply, mxsec_parse_dane(h, reply, len, out));
}

int
mxsec_tlsrpt(mxsec *h, const char *domain, struct mxsec_tlsrpt **out)
{
	char *reply;
	size_t len;
	int rc;

	*out = NULL;
	if ((rc = verb_request(h, "TLSRPT", "domain", domain, &reply, &len)) != 0)
		return rc;
	return parsed(h, reply, mxsec_parse_tlsrpt(h, reply, len, out));
}

int
mxsec_sts(mxsec *h, const char *domain, struct mxsec_sts **out)
{
	char *reply;
	size_t len;
	int rc;

	*out = NULL;
	if ((rc = verb_request(h, "STS", "domain", domain, &reply, &len)) != 0)
		return rc;
	return parsed(h, reply, mxsec_parse_sts(h, reply, len, out));
}

int
mxsec_policy(mxsec *h, const char *domain, struct mxsec_policy **out)
{
	char *reply;
	size_t len;
	int rc;

	*out = NULL;
	if ((rc = verb_request(h, "POLICY", "domain", domain, &reply, &len)) != 0)
		return rc;
	return parsed(h, reply, mxsec_parse_policy(h, reply, len, out));
}
