/*
 * httpsget.c: one HTTPS GET for MTA-STS policy files (httpsget.h).
 *
 * The only file that talks to libssl (STYLE.md rule 6): OpenSSL errors
 * become MX_E* codes here.  The exchange is a small state machine driven
 * by one event on the socket and one deadline:
 *
 *   connect (next address while it fails) -> TLS handshake -> request
 *   -> response (policy/http.c parses it) -> finished
 *
 * The TLS layer writes through a BIO of our own that sends with
 * MSG_NOSIGNAL, so a peer that resets the connection cannot raise
 * SIGPIPE in a process that has not ignored it.  Completion always goes
 * through a separate event, so done() never runs inside hget_start().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "http.h"
#include "httpsget.h"

#define HGET_HOST_MAX 253
#define HGET_PATH_MAX 1024
#define HGET_TYPE_MAX 64
#define HGET_READ_MAX 16384   /* octets per SSL_read */

struct hget_ctx {
	SSL_CTX *ssl;
	BIO_METHOD *bio;          /* sockets written with MSG_NOSIGNAL */
};

typedef enum hget_state {
	ST_CONNECT,
	ST_HANDSHAKE,
	ST_REQUEST,
	ST_RESPONSE,
	ST_FINISHED,              /* waiting for the fin event */
} hget_state;

struct hget_req {
	struct event_base *base;
	hget_ctx *c;
	hget_done_fn done;
	void *arg;
	hget_state st;
	char host[HGET_HOST_MAX + 1];
	char media_type[HGET_TYPE_MAX + 1];   /* "": any */
	struct sockaddr_storage addrs[HGET_MAX_ADDRS];
	size_t naddrs, next;      /* next: the address to try after this */
	char conn_why[120];       /* why the last address failed */
	unsigned timeout_ms;
	int fd;
	SSL *ssl;
	struct event *io;         /* the socket, re-armed for what SSL wants */
	struct event *timer;      /* the deadline */
	struct event *fin;        /* made active to call done() */
	char request[HGET_HOST_MAX + HGET_PATH_MAX + 128];
	size_t reqlen;
	uint8_t *body;
	hget_result res;
	http_parser hp;
};

static void step(hget_req *r);

/* ---- the socket BIO ---- */

static int
bio_fd(BIO *b)
{
	return (int)(intptr_t)BIO_get_data(b);
}

static int
bio_write(BIO *b, const char *buf, int len)
{
	ssize_t n;

	BIO_clear_retry_flags(b);
	n = send(bio_fd(b), buf, (size_t)len, MSG_NOSIGNAL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			BIO_set_retry_write(b);
		return -1;
	}
	return (int)n;
}

static int
bio_read(BIO *b, char *buf, int len)
{
	ssize_t n;

	BIO_clear_retry_flags(b);
	n = recv(bio_fd(b), buf, (size_t)len, 0);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			BIO_set_retry_read(b);
		return -1;
	}
	/* OpenSSL asks BIO_eof() to tell a closed connection from an
	 * error when deciding on "unexpected EOF". */
	if (n == 0)
		BIO_set_flags(b, BIO_FLAGS_IN_EOF);
	return (int)n;
}

static long
bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_EOF:
		return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0;
	default:
		return 0;
	}
}

static BIO_METHOD *
bio_method_new(void)
{
	BIO_METHOD *m;
	int idx = BIO_get_new_index();

	if (idx < 0)
		return NULL;
	m = BIO_meth_new(idx | BIO_TYPE_SOURCE_SINK, "mxsec socket");
	if (m == NULL)
		return NULL;
	if (!BIO_meth_set_write(m, bio_write) ||
	    !BIO_meth_set_read(m, bio_read) ||
	    !BIO_meth_set_ctrl(m, bio_ctrl)) {
		BIO_meth_free(m);
		return NULL;
	}
	return m;
}

/* ---- the context ---- */

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Every certificate of a PEM bundle into a new store; no default paths,
 * nothing read later (the daemon may chroot). */
static int
load_store(const char *ca_file, X509_STORE **out, char *err, size_t errlen)
{
	BIO *in = NULL;
	STACK_OF(X509_INFO) *infos = NULL;
	X509_STORE *st = NULL;
	size_t ncert = 0;
	int rc = MX_EIO;

	*out = NULL;
	if ((in = BIO_new_file(ca_file, "r")) == NULL) {
		set_err(err, errlen, "%s: cannot open: %s", ca_file,
		    strerror(errno != 0 ? errno : ENOENT));
		goto fail;
	}
	infos = PEM_X509_INFO_read_bio(in, NULL, NULL, NULL);
	if ((st = X509_STORE_new()) == NULL) {
		rc = MX_ENOMEM;
		set_err(err, errlen, "out of memory");
		goto fail;
	}
	for (int i = 0; infos != NULL && i < sk_X509_INFO_num(infos); i++) {
		X509_INFO *xi = sk_X509_INFO_value(infos, i);
		if (xi->x509 != NULL && X509_STORE_add_cert(st, xi->x509) == 1)
			ncert++;
	}
	if (ncert == 0) {
		rc = MX_EFORMAT;
		set_err(err, errlen, "%s: no PEM certificate in it", ca_file);
		goto fail;
	}
	*out = st;
	st = NULL;
	rc = 0;
fail:
	X509_STORE_free(st);
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(in);
	ERR_clear_error();
	return rc;
}

int
hget_ctx_new(const char *ca_file, hget_ctx **out, char *err, size_t errlen)
{
	hget_ctx *c = NULL;
	X509_STORE *st = NULL;
	int rc;

	*out = NULL;
	set_err(err, errlen, "%s", "");
	ERR_clear_error();
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		set_err(err, errlen, "out of memory");
		return MX_ENOMEM;
	}
	if ((rc = load_store(ca_file, &st, err, errlen)) != 0)
		goto fail;
	rc = MX_ENOMEM;
	if ((c->ssl = SSL_CTX_new(TLS_client_method())) == NULL ||
	    (c->bio = bio_method_new()) == NULL) {
		set_err(err, errlen, "cannot set up TLS");
		goto fail;
	}
	/* Owned by the context from here on. */
	SSL_CTX_set_cert_store(c->ssl, st);
	st = NULL;
	if (!SSL_CTX_set_min_proto_version(c->ssl, TLS1_2_VERSION)) {
		set_err(err, errlen, "cannot set up TLS");
		goto fail;
	}
	SSL_CTX_set_verify(c->ssl, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_options(c->ssl, SSL_OP_NO_RENEGOTIATION);
	*out = c;
	ERR_clear_error();
	return 0;
fail:
	X509_STORE_free(st);
	hget_ctx_free(c);
	ERR_clear_error();
	return rc;
}

void
hget_ctx_free(hget_ctx *c)
{
	if (c == NULL)
		return;
	SSL_CTX_free(c->ssl);
	BIO_meth_free(c->bio);
	free(c);
}

/* ---- finishing ---- */

static void
release_io(hget_req *r)
{
	if (r->io != NULL)
		event_del(r->io);
	if (r->timer != NULL)
		event_del(r->timer);
	SSL_free(r->ssl);
	r->ssl = NULL;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

static void
req_free(hget_req *r)
{
	release_io(r);
	if (r->io != NULL)
		event_free(r->io);
	if (r->timer != NULL)
		event_free(r->timer);
	if (r->fin != NULL)
		event_free(r->fin);
	free(r->body);
	free(r);
}

static void finish(hget_req *r, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The end, good or bad: drop the connection now, call done() from the
 * next loop turn. */
static void
finish(hget_req *r, int rc, const char *fmt, ...)
{
	va_list ap;

	if (r->st == ST_FINISHED)
		return;
	r->st = ST_FINISHED;
	r->res.rc = rc;
	va_start(ap, fmt);
	vsnprintf(r->res.why, sizeof(r->res.why), fmt, ap);
	va_end(ap);
	if (rc == 0) {
		r->res.body = r->body;
		r->res.len = r->hp.len;
	}
	release_io(r);
	ERR_clear_error();
	event_active(r->fin, EV_TIMEOUT, 1);
}

static void
on_fin(evutil_socket_t fd, short what, void *arg)
{
	hget_req *r = arg;

	r->done(r->arg, &r->res);
	req_free(r);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	hget_req *r = arg;
	static const char *const stage[] = {
		[ST_CONNECT] = "connecting",
		[ST_HANDSHAKE] = "in the TLS handshake",
		[ST_REQUEST] = "sending the request",
		[ST_RESPONSE] = "waiting for the response",
		[ST_FINISHED] = "finishing",
	};

	finish(r, MX_EAGAIN, "timed out after %u ms %s", r->timeout_ms,
	    stage[r->st]);
}

/* ---- connecting ---- */

static socklen_t
sa_len(const struct sockaddr_storage *sa)
{
	return sa->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
}

static void on_io(evutil_socket_t fd, short what, void *arg);

/* Wait until the socket is ready for what (EV_READ or EV_WRITE). */
static void
wait_io(hget_req *r, short what)
{
	event_del(r->io);
	if (event_assign(r->io, r->base, r->fd, what, on_io, r) != 0 ||
	    event_add(r->io, NULL) != 0)
		finish(r, MX_ENOMEM, "cannot watch the socket");
}

/* Remember why this address failed: the reason if all of them do. */
static void
connect_failed(hget_req *r, const struct sockaddr_storage *sa, int err)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port;

	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		port = ntohs(s4->sin_port);
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		port = ntohs(s6->sin6_port);
	}
	snprintf(r->conn_why, sizeof(r->conn_why), "connect to %s port %u: %s",
	    a, port, strerror(err));
}

static void
connect_next(hget_req *r)
{
	while (r->next < r->naddrs) {
		const struct sockaddr_storage *sa = &r->addrs[r->next++];
		int fd = socket(sa->ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		/* No socket (no IPv6 here, no descriptors): the next address. */
		if (fd < 0) {
			connect_failed(r, sa, errno);
			continue;
		}
		if (connect(fd, (const struct sockaddr *)sa, sa_len(sa)) == 0 ||
		    errno == EINPROGRESS || errno == EINTR) {
			r->fd = fd;
			r->st = ST_CONNECT;
			wait_io(r, EV_WRITE);
			return;
		}
		connect_failed(r, sa, errno);
		close(fd);
	}
	finish(r, MX_EIO, "%s", r->conn_why);
}

/* ---- TLS ---- */

static int
tls_start(hget_req *r)
{
	BIO *b;
	X509_VERIFY_PARAM *vp;

	ERR_clear_error();
	if ((r->ssl = SSL_new(r->c->ssl)) == NULL)
		return MX_ENOMEM;
	if ((b = BIO_new(r->c->bio)) == NULL)
		return MX_ENOMEM;
	BIO_set_data(b, (void *)(intptr_t)r->fd);
	BIO_set_init(b, 1);
	SSL_set_bio(r->ssl, b, b);
	/* RFC 8461 3.3: the server must present a valid PKIX certificate
	 * for the policy host (RFC 6125, no partial wildcards such as
	 * "mta*.example.com"); SNI tells a shared server which one. */
	vp = SSL_get0_param(r->ssl);
	X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (!X509_VERIFY_PARAM_set1_host(vp, r->host, 0) ||
	    !SSL_set_tlsext_host_name(r->ssl, r->host))
		return MX_ENOMEM;
	SSL_set_connect_state(r->ssl);
	r->st = ST_HANDSHAKE;
	return 0;
}

static bool
unexpected_eof(int e)
{
	unsigned long err = ERR_peek_last_error();

	return (e == SSL_ERROR_SYSCALL && errno == 0 && err == 0) ||
	    (e == SSL_ERROR_SSL && ERR_GET_LIB(err) == ERR_LIB_SSL &&
	    ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING);
}

/* One line about a failed SSL call: OpenSSL's text or ours, never the
 * peer's bytes. */
static void
ssl_reason(int e, char *buf, size_t len)
{
	unsigned long err = ERR_peek_last_error();
	const char *s;

	if (e == SSL_ERROR_ZERO_RETURN || unexpected_eof(e)) {
		snprintf(buf, len, "connection closed");
	} else if (e == SSL_ERROR_SYSCALL && err == 0) {
		snprintf(buf, len, "%s", strerror(errno));
	} else {
		s = ERR_reason_error_string(err);
		snprintf(buf, len, "%s", s != NULL ? s : "unknown error");
	}
}

static void
http_failed(hget_req *r, int rc)
{
	/* A body too large is MX_ELIMIT; a head too large is bad HTTP. */
	if (rc == MX_ELIMIT && http_head_done(&r->hp))
		finish(r, MX_ELIMIT, "%s", r->hp.why.text);
	else
		finish(r, MX_EFORMAT, "bad HTTP response: %s", r->hp.why.text);
}

static void
ssl_failed(hget_req *r, int e)
{
	char why[120];
	long vr;

	ssl_reason(e, why, sizeof(why));
	switch (r->st) {
	case ST_HANDSHAKE:
		vr = SSL_get_verify_result(r->ssl);
		if (vr != X509_V_OK)
			finish(r, MX_EVERIFY, "certificate verify failed: %s",
			    X509_verify_cert_error_string(vr));
		else
			finish(r, MX_EIO, "TLS handshake: %s", why);
		return;
	case ST_REQUEST:
		finish(r, MX_EIO, "TLS write: %s", why);
		return;
	case ST_RESPONSE:
		if (e == SSL_ERROR_ZERO_RETURN) {
			/* close_notify: the end of a close-delimited body. */
			int rc = http_eof(&r->hp);
			if (rc == 0)
				finish(r, 0, "%s", "");
			else
				http_failed(r, rc);
		} else if (unexpected_eof(e)) {
			/* Without close_notify an attacker may have cut the
			 * body short (RFC 8446 6.1); framed bodies say so
			 * themselves. */
			if (http_eof(&r->hp) == 0)
				finish(r, MX_EIO, "connection closed without "
				    "TLS close_notify");
			else
				http_failed(r, r->hp.err);
		} else {
			finish(r, MX_EIO, "TLS read: %s", why);
		}
		return;
	default:
		finish(r, MX_EIO, "TLS: %s", why);
		return;
	}
}

/* RFC 8461 3.3: only 200 counts, redirects are not followed, and the
 * policy is text/plain.  Returns true when the request is finished. */
static bool
check_head(hget_req *r)
{
	int status = r->hp.status;

	r->res.http_status = status;
	if (status >= 300 && status <= 399) {
		finish(r, MX_EUNSUPP, "HTTP %d (redirects are not followed)",
		    status);
		return true;
	}
	if (status != 200) {
		finish(r, MX_EUNSUPP, "HTTP %d", status);
		return true;
	}
	if (r->media_type[0] != '\0' &&
	    !http_media_type_is(&r->hp, r->media_type)) {
		if (r->hp.has_ctype)
			finish(r, MX_EUNSUPP, "Content-Type is not %s",
			    r->media_type);
		else
			finish(r, MX_EUNSUPP, "no Content-Type (want %s)",
			    r->media_type);
		return true;
	}
	return false;
}

/* Octets of the response.  Returns true when the request is finished. */
static bool
response_data(hget_req *r, const uint8_t *buf, size_t n)
{
	size_t off = 0, used;
	int rc;

	for (;;) {
		bool had_head = http_head_done(&r->hp);
		rc = http_feed(&r->hp, buf + off, n - off, &used);
		off += used;
		if (rc != 0) {
			http_failed(r, rc);
			return true;
		}
		if (!had_head && http_head_done(&r->hp) && check_head(r))
			return true;
		if (http_done(&r->hp)) {
			finish(r, 0, "%s", "");
			return true;
		}
		/* Once more after the head even with nothing left: an
		 * announced body too large fails now. */
		if (off == n && had_head)
			return false;
	}
}

/* Drive the TLS connection as far as it goes without waiting. */
static void
step(hget_req *r)
{
	uint8_t buf[HGET_READ_MAX];
	int n, e;

	for (;;) {
		ERR_clear_error();
		errno = 0;
		switch (r->st) {
		case ST_HANDSHAKE:
			n = SSL_do_handshake(r->ssl);
			if (n == 1) {
				r->st = ST_REQUEST;
				continue;
			}
			break;
		case ST_REQUEST:
			/* Not partial: a retry passes the same buffer. */
			n = SSL_write(r->ssl, r->request, (int)r->reqlen);
			if (n > 0) {
				r->st = ST_RESPONSE;
				continue;
			}
			break;
		case ST_RESPONSE:
			n = SSL_read(r->ssl, buf, sizeof(buf));
			if (n > 0) {
				if (response_data(r, buf, (size_t)n))
					return;
				continue;
			}
			break;
		default:
			return;
		}
		e = SSL_get_error(r->ssl, n);
		if (e == SSL_ERROR_WANT_READ)
			wait_io(r, EV_READ);
		else if (e == SSL_ERROR_WANT_WRITE)
			wait_io(r, EV_WRITE);
		else
			ssl_failed(r, e);
		return;
	}
}

static void
on_io(evutil_socket_t fd, short what, void *arg)
{
	hget_req *r = arg;
	int err = 0, rc;
	socklen_t len = sizeof(err);

	if (r->st != ST_CONNECT) {
		step(r);
		return;
	}
	if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err != 0) {
		connect_failed(r, &r->addrs[r->next - 1], err);
		event_del(r->io);
		close(r->fd);
		r->fd = -1;
		connect_next(r);
		return;
	}
	if ((rc = tls_start(r)) != 0) {
		finish(r, rc, "cannot set up TLS");
		return;
	}
	step(r);
}

/* ---- starting ---- */

/* A host name in the LDH form certificates use, no trailing dot. */
static bool
host_ok(const char *h)
{
	size_t len = strlen(h), label = 0;

	if (len == 0 || len > HGET_HOST_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0;
}

/* An origin-form path: "/" and visible ASCII (RFC 9112 3.2.1). */
static bool
path_ok(const char *p)
{
	size_t len = strlen(p);

	if (len == 0 || len > HGET_PATH_MAX || p[0] != '/')
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
			return false;
	return true;
}

static bool
params_ok(const hget_params *p)
{
	if (p->host == NULL || !host_ok(p->host) || p->path == NULL ||
	    !path_ok(p->path) || p->naddrs == 0 ||
	    p->naddrs > HGET_MAX_ADDRS || p->timeout_ms == 0)
		return false;
	if (p->media_type != NULL && (p->media_type[0] == '\0' ||
	    strlen(p->media_type) > HGET_TYPE_MAX))
		return false;
	for (size_t i = 0; i < p->naddrs; i++)
		if (p->addrs[i].ss_family != AF_INET &&
		    p->addrs[i].ss_family != AF_INET6)
			return false;
	return true;
}

int
hget_start(struct event_base *base, hget_ctx *c, const hget_params *p,
    hget_done_fn done, void *arg, hget_req **out)
{
	hget_req *r;
	struct timeval tv;
	int n;

	*out = NULL;
	if (!params_ok(p))
		return MX_EINVAL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return MX_ENOMEM;
	r->fd = -1;
	r->base = base;
	r->c = c;
	r->done = done;
	r->arg = arg;
	r->timeout_ms = p->timeout_ms;
	snprintf(r->host, sizeof(r->host), "%s", p->host);
	if (p->media_type != NULL)
		snprintf(r->media_type, sizeof(r->media_type), "%s",
		    p->media_type);
	memcpy(r->addrs, p->addrs, p->naddrs * sizeof(p->addrs[0]));
	r->naddrs = p->naddrs;
	n = snprintf(r->request, sizeof(r->request),
	    "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
	    "User-Agent: mxsec\r\nAccept: text/plain\r\n\r\n", p->path, r->host);
	if (n < 0 || (size_t)n >= sizeof(r->request))
		goto fail;
	r->reqlen = (size_t)n;
	r->body = malloc(p->max_body > 0 ? p->max_body : 1);
	r->io = event_new(base, -1, 0, on_io, r);
	r->timer = evtimer_new(base, on_timeout, r);
	r->fin = event_new(base, -1, 0, on_fin, r);
	if (r->body == NULL || r->io == NULL || r->timer == NULL ||
	    r->fin == NULL)
		goto fail;
	http_init(&r->hp, r->body, p->max_body);
	tv.tv_sec = p->timeout_ms / 1000;
	tv.tv_usec = (p->timeout_ms % 1000) * 1000;
	if (evtimer_add(r->timer, &tv) != 0)
		goto fail;
	connect_next(r);
	*out = r;
	return 0;
fail:
	req_free(r);
	return MX_ENOMEM;
}

void
hget_cancel(hget_req *r)
{
	if (r != NULL)
		req_free(r);
}
