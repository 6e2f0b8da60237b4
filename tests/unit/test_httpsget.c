/*
 * Unit tests: the HTTPS fetcher (api/httpsget.c) against a real TLS
 * server in a thread of this test, on 127.0.0.1 with an ephemeral port.
 * A throwaway CA and server certificates are made at start with the
 * OpenSSL API; the CA goes to a temporary PEM file for hget_ctx_new().
 *
 * The server serves one connection at a time from a script the test sets
 * before each request: which certificate, what to send after the
 * request, and whether to send close_notify, close, or hang until the
 * client goes away.  The server thread blocks SIGPIPE; the test's main
 * thread does not, so a write of the library to a closed socket that
 * raised SIGPIPE would end the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "httpsget.h"

#define HOST "mta-sts.example.test"
#define PATH "/.well-known/mta-sts.txt"
#define POLICY "version: STSv1\r\nmode: enforce\r\nmx: mail.example.test\r\n" \
	"max_age: 86400\r\n"

enum { CERT_GOOD, CERT_WRONG_NAME, CERT_SELF_SIGNED, CERT_PARTIAL_WILD,
	CERT_WILDCARD, NCERTS };

/* ---- certificates ---- */

static EVP_PKEY *ca_key;
static X509 *ca_cert;
static SSL_CTX *srv_ctx[NCERTS];
static char tmpdir[64], ca_path[128];

static void
add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);

	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

/* A certificate for key; issued by (issuer, ikey), or self-signed when
 * issuer is NULL.  san NULL: a CA. */
static X509 *
cert_new(EVP_PKEY *key, const char *cn, const char *san, X509 *issuer,
    EVP_PKEY *ikey)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509V3_CTX ctx;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x));
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	add_ext(x, &ctx, NID_subject_key_identifier, "hash");
	if (san == NULL) {
		add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature");
		add_ext(x, &ctx, NID_ext_key_usage, "serverAuth");
		add_ext(x, &ctx, NID_subject_alt_name, san);
	}
	assert_true(X509_sign(x, issuer ? ikey : key, EVP_sha256()) > 0);
	return x;
}

static SSL_CTX *
server_ctx(const char *san, bool self_signed)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	assert_non_null(key);
	assert_non_null(ctx);
	x = self_signed ? cert_new(key, HOST, san, NULL, NULL) :
	    cert_new(key, "server", san, ca_cert, ca_key);
	assert_int_equal(SSL_CTX_use_certificate(ctx, x), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
	X509_free(x);
	EVP_PKEY_free(key);
	return ctx;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
make_pki(void)
{
	FILE *f;

	ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(ca_key);
	ca_cert = cert_new(ca_key, "mxsec test CA", NULL, NULL, NULL);
	srv_ctx[CERT_GOOD] = server_ctx("DNS:" HOST, false);
	srv_ctx[CERT_WRONG_NAME] = server_ctx("DNS:other.example.test", false);
	srv_ctx[CERT_SELF_SIGNED] = server_ctx("DNS:" HOST, true);
	srv_ctx[CERT_PARTIAL_WILD] = server_ctx("DNS:mta*.example.test", false);
	srv_ctx[CERT_WILDCARD] = server_ctx("DNS:*.example.test", false);

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_httpsget.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", tmpdir);
	f = fopen(ca_path, "w");
	assert_non_null(f);
	/* Text before and between PEM blocks, as in Debian's bundle. */
	fputs("# test CA\n", f);
	assert_int_equal(PEM_write_X509(f, ca_cert), 1);
	fclose(f);
}

/* ---- the server ---- */

typedef struct script {
	int cert;
	const char *resp;         /* sent after the request; NULL: nothing */
	size_t resplen;
	bool hang;                /* then wait until the client closes */
	bool no_close_notify;     /* close without SSL_shutdown */
	bool reset;               /* RST right after the handshake */
} script;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static script cur;
static char last_request[4096], last_sni[256];
static unsigned nconn;
static int lfd = -1, stop_pipe[2] = { -1, -1 };
static uint16_t srv_port;
static pthread_t srv_thread;

static void
serve(int fd, const script *s)
{
	SSL *ssl = SSL_new(srv_ctx[s->cert]);
	char req[4096];
	size_t rl = 0;
	int n;

	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1)
		goto out;
	if (s->reset) {
		struct linger lg = { 1, 0 };
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		goto out;
	}
	while (rl < sizeof(req) - 1 &&
	    (n = SSL_read(ssl, req + rl, (int)(sizeof(req) - 1 - rl))) > 0) {
		rl += (size_t)n;
		req[rl] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	req[rl] = '\0';
	pthread_mutex_lock(&mu);
	snprintf(last_request, sizeof(last_request), "%s", req);
	const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	snprintf(last_sni, sizeof(last_sni), "%s", sni ? sni : "");
	pthread_mutex_unlock(&mu);
	for (size_t off = 0; s->resp != NULL && off < s->resplen;) {
		n = SSL_write(ssl, s->resp + off, (int)(s->resplen - off));
		if (n <= 0)
			goto out;
		off += (size_t)n;
	}
	if (s->hang) {
		char b[256];
		while (SSL_read(ssl, b, sizeof(b)) > 0)
			;
	} else if (!s->no_close_notify) {
		SSL_shutdown(ssl);
	}
out:
	SSL_free(ssl);
	ERR_clear_error();
}

static void *
srv_main(void *arg)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (;;) {
		struct pollfd pf[2] = { { lfd, POLLIN, 0 },
			{ stop_pipe[0], POLLIN, 0 } };
		if (poll(pf, 2, -1) < 0)
			continue;
		if (pf[1].revents != 0)
			break;
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		script s;
		pthread_mutex_lock(&mu);
		s = cur;
		nconn++;
		pthread_mutex_unlock(&mu);
		serve(fd, &s);
		close(fd);
	}
	return NULL;
}

static int
listen_any(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void
set_script(int cert, const char *resp, bool hang)
{
	pthread_mutex_lock(&mu);
	memset(&cur, 0, sizeof(cur));
	cur.cert = cert;
	cur.resp = resp;
	cur.resplen = resp ? strlen(resp) : 0;
	cur.hang = hang;
	last_request[0] = last_sni[0] = '\0';
	pthread_mutex_unlock(&mu);
}

/* ---- the client side ---- */

static struct event_base *base;
static hget_ctx *hctx;

typedef struct outcome {
	unsigned calls;
	hget_result r;
	uint8_t *body;
	uint64_t ms;
} outcome;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
on_done(void *arg, const hget_result *r)
{
	outcome *o = arg;

	o->calls++;
	o->r = *r;
	o->r.body = NULL;
	o->ms = now_ms() - o->ms;
	if (r->rc == 0) {
		o->body = malloc(r->len + 1);
		assert_non_null(o->body);
		memcpy(o->body, r->body, r->len);
		o->body[r->len] = '\0';
	}
}

static void
set_addr(struct sockaddr_storage *ss, uint16_t port)
{
	struct sockaddr_in *sa = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa->sin_port = htons(port);
}

static hget_params
params(void)
{
	hget_params p;

	memset(&p, 0, sizeof(p));
	p.host = HOST;
	p.path = PATH;
	set_addr(&p.addrs[0], srv_port);
	p.naddrs = 1;
	p.max_body = 65536;
	p.timeout_ms = 5000;
	p.media_type = "text/plain";
	return p;
}

/* Run one request to its end.  done() must not have run inside
 * hget_start(). */
static void
fetch(const hget_params *p, outcome *o)
{
	hget_req *req;

	memset(o, 0, sizeof(*o));
	o->ms = now_ms();
	assert_int_equal(hget_start(base, hctx, p, on_done, o, &req), 0);
	assert_non_null(req);
	assert_int_equal(o->calls, 0);
	event_base_dispatch(base);
	assert_int_equal(o->calls, 1);
}

static void
fetch_default(int cert, const char *resp, bool hang, outcome *o)
{
	hget_params p = params();

	set_script(cert, resp, hang);
	fetch(&p, o);
}

static void
expect_fail(const outcome *o, int rc, int status, const char *why)
{
	assert_int_equal(o->r.rc, rc);
	assert_int_equal(o->r.http_status, status);
	assert_string_equal(o->r.why, why);
	assert_null(o->body);
	/* It failed on what came, not at the deadline. */
	assert_true(o->ms < 2500);
}

/* ---- cases ---- */

static void
test_good_length(void **state)
{
	outcome o;
	char resp[512];

	snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n"
	    "\r\n%s", strlen(POLICY), POLICY);
	fetch_default(CERT_GOOD, resp, true, &o);
	assert_int_equal(o.r.rc, 0);
	assert_int_equal(o.r.http_status, 200);
	assert_string_equal(o.r.why, "");
	assert_int_equal(o.r.len, strlen(POLICY));
	assert_string_equal((char *)o.body, POLICY);
	/* The server hangs after the body: Content-Length ended it. */
	assert_true(o.ms < 2500);
	pthread_mutex_lock(&mu);
	assert_string_equal(last_request, "GET " PATH " HTTP/1.1\r\n"
	    "Host: " HOST "\r\nConnection: close\r\nUser-Agent: mxsec\r\n"
	    "Accept: text/plain\r\n\r\n");
	assert_string_equal(last_sni, HOST);
	pthread_mutex_unlock(&mu);
	free(o.body);
}

static void
test_good_chunked(void **state)
{
	outcome o;

	fetch_default(CERT_GOOD, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"
	    "10;ext=1\r\nversion: STSv1\r\n\r\n"
	    "f\r\nmode: testing\r\n\r\n"
	    "0\r\nX-Trailer: 1\r\n\r\n", true, &o);
	assert_int_equal(o.r.rc, 0);
	assert_string_equal((char *)o.body, "version: STSv1\r\nmode: testing\r\n");
	free(o.body);
}

static void
test_good_close(void **state)
{
	outcome o;
	char want[160];

	fetch_default(CERT_GOOD, "HTTP/1.0 200 OK\r\n"
	    "Content-Type: TEXT/PLAIN\r\n\r\n" POLICY, false, &o);
	assert_int_equal(o.r.rc, 0);
	assert_string_equal((char *)o.body, POLICY);
	free(o.body);

	/* Without close_notify the end may be an attacker's cut. */
	hget_params p = params();
	set_script(CERT_GOOD, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
	    "\r\n" POLICY, false);
	pthread_mutex_lock(&mu);
	cur.no_close_notify = true;
	pthread_mutex_unlock(&mu);
	fetch(&p, &o);
	expect_fail(&o, MX_EIO, 200, "connection closed without TLS close_notify");
	/* A framed body cut short. */
	set_script(CERT_GOOD, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 1000\r\n\r\n" POLICY, false);
	fetch(&p, &o);
	snprintf(want, sizeof(want),
	    "bad HTTP response: connection closed after %zu body octets",
	    strlen(POLICY));
	expect_fail(&o, MX_EFORMAT, 200, want);
}

static void
test_wildcards(void **state)
{
	outcome o;
	const char *resp = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 2\r\n\r\nok";

	fetch_default(CERT_WILDCARD, resp, false, &o);
	assert_int_equal(o.r.rc, 0);
	free(o.body);
	/* RFC 8461 3.3 via RFC 6125 6.4.3: no partial wildcards. */
	fetch_default(CERT_PARTIAL_WILD, resp, false, &o);
	expect_fail(&o, MX_EVERIFY, 0,
	    "certificate verify failed: hostname mismatch");
}

static void
test_wrong_name(void **state)
{
	outcome o;

	fetch_default(CERT_WRONG_NAME, "HTTP/1.1 200 OK\r\n\r\n", false, &o);
	expect_fail(&o, MX_EVERIFY, 0,
	    "certificate verify failed: hostname mismatch");
	pthread_mutex_lock(&mu);
	assert_string_equal(last_request, "");
	pthread_mutex_unlock(&mu);
}

static void
test_unknown_ca(void **state)
{
	outcome o;

	fetch_default(CERT_SELF_SIGNED, "HTTP/1.1 200 OK\r\n\r\n", false, &o);
	expect_fail(&o, MX_EVERIFY, 0,
	    "certificate verify failed: self-signed certificate");
}

static void
test_redirect(void **state)
{
	outcome o;

	/* RFC 8461 3.3: "HTTP 3xx redirects MUST NOT be followed". */
	fetch_default(CERT_GOOD, "HTTP/1.1 301 Moved Permanently\r\n"
	    "Location: https://evil.example/\r\nContent-Length: 0\r\n\r\n",
	    true, &o);
	expect_fail(&o, MX_EUNSUPP, 301, "HTTP 301 (redirects are not followed)");
}

static void
test_not_found(void **state)
{
	outcome o;

	/* The status decides before a body over the limit. */
	fetch_default(CERT_GOOD, "HTTP/1.1 404 Not Found\r\n"
	    "Content-Type: text/html\r\nContent-Length: 999999\r\n\r\n<html>",
	    true, &o);
	expect_fail(&o, MX_EUNSUPP, 404, "HTTP 404");
}

static void
test_media_type(void **state)
{
	outcome o;
	const char *html = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
	    "Content-Length: 2\r\n\r\nok";

	fetch_default(CERT_GOOD, html, true, &o);
	expect_fail(&o, MX_EUNSUPP, 200, "Content-Type is not text/plain");
	fetch_default(CERT_GOOD, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
	    true, &o);
	expect_fail(&o, MX_EUNSUPP, 200, "no Content-Type (want text/plain)");
	/* No media type asked for: anything goes. */
	hget_params p = params();
	p.media_type = NULL;
	set_script(CERT_GOOD, html, true);
	fetch(&p, &o);
	assert_int_equal(o.r.rc, 0);
	free(o.body);
}

static char *
big_response(const char *head, size_t body, bool chunked)
{
	char *s = malloc(strlen(head) + body * 2 + 64);
	size_t o;

	assert_non_null(s);
	o = (size_t)sprintf(s, "%s", head);
	for (size_t i = 0; i < body;) {
		size_t c = chunked ? 1000 : body;
		if (c > body - i)
			c = body - i;
		if (chunked)
			o += (size_t)sprintf(s + o, "%zx\r\n", c);
		memset(s + o, 'a', c);
		o += c;
		if (chunked)
			o += (size_t)sprintf(s + o, "\r\n");
		i += c;
	}
	if (chunked)
		o += (size_t)sprintf(s + o, "0\r\n\r\n");
	s[o] = '\0';
	return s;
}

static void
test_body_limit(void **state)
{
	outcome o;
	char *s;

	/* Exactly the limit. */
	s = big_response("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 65536\r\n\r\n", 65536, false);
	fetch_default(CERT_GOOD, s, true, &o);
	assert_int_equal(o.r.rc, 0);
	assert_int_equal(o.r.len, 65536);
	free(o.body);
	free(s);
	/* Announced: fails on the head, the server sends no body. */
	fetch_default(CERT_GOOD, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 65537\r\n\r\n", true, &o);
	expect_fail(&o, MX_ELIMIT, 200, "Content-Length over 65536 octets");
	/* Chunked and close-delimited: fails as the limit passes, while the
	 * server still holds the connection open. */
	s = big_response("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 70000, true);
	fetch_default(CERT_GOOD, s, true, &o);
	expect_fail(&o, MX_ELIMIT, 200, "body over 65536 octets");
	free(s);
	s = big_response("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n",
	    70000, false);
	fetch_default(CERT_GOOD, s, true, &o);
	expect_fail(&o, MX_ELIMIT, 200, "body over 65536 octets");
	free(s);
}

static void
test_garbage(void **state)
{
	outcome o;

	fetch_default(CERT_GOOD, "SSH-2.0-OpenSSH_9.2p1\r\n", true, &o);
	expect_fail(&o, MX_EFORMAT, 0,
	    "bad HTTP response: not an HTTP/1.x response");
	fetch_default(CERT_GOOD, "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", true, &o);
	expect_fail(&o, MX_EFORMAT, 0,
	    "bad HTTP response: line folding in the header");
	/* Nothing at all. */
	fetch_default(CERT_GOOD, NULL, false, &o);
	expect_fail(&o, MX_EFORMAT, 0,
	    "bad HTTP response: connection closed before a response");
}

static void
test_deadline(void **state)
{
	outcome o;
	hget_params p = params();

	/* The server takes the request and never answers. */
	p.timeout_ms = 300;
	set_script(CERT_GOOD, NULL, true);
	fetch(&p, &o);
	assert_int_equal(o.r.rc, MX_EAGAIN);
	assert_string_equal(o.r.why,
	    "timed out after 300 ms waiting for the response");
	assert_true(o.ms >= 290 && o.ms < 1500);

	/* A listener nobody accepts from: stuck in the handshake. */
	uint16_t port;
	int fd = listen_any(&port);
	set_addr(&p.addrs[0], port);
	fetch(&p, &o);
	assert_int_equal(o.r.rc, MX_EAGAIN);
	assert_string_equal(o.r.why,
	    "timed out after 300 ms in the TLS handshake");
	assert_true(o.ms >= 290 && o.ms < 1500);
	close(fd);
}

static uint16_t
closed_port(void)
{
	uint16_t port;
	int fd = listen_any(&port);

	close(fd);
	return port;
}

static void
test_next_address(void **state)
{
	outcome o;
	hget_params p = params();
	uint16_t dead = closed_port();
	char want[160];

	set_addr(&p.addrs[0], dead);
	set_addr(&p.addrs[1], srv_port);
	p.naddrs = 2;
	set_script(CERT_GOOD, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 2\r\n\r\nok", false);
	fetch(&p, &o);
	assert_int_equal(o.r.rc, 0);
	assert_string_equal((char *)o.body, "ok");
	free(o.body);

	/* All refused: the last reason, from the event loop. */
	set_addr(&p.addrs[1], dead);
	fetch(&p, &o);
	snprintf(want, sizeof(want), "connect to 127.0.0.1 port %u: %s",
	    dead, strerror(ECONNREFUSED));
	assert_int_equal(o.r.rc, MX_EIO);
	assert_string_equal(o.r.why, want);

	/* A TLS failure ends the request: the next address is not tried. */
	set_addr(&p.addrs[0], srv_port);
	set_addr(&p.addrs[1], srv_port);
	set_script(CERT_SELF_SIGNED, NULL, false);
	pthread_mutex_lock(&mu);
	unsigned before = nconn;
	pthread_mutex_unlock(&mu);
	fetch(&p, &o);
	assert_int_equal(o.r.rc, MX_EVERIFY);
	pthread_mutex_lock(&mu);
	assert_int_equal(nconn, before + 1);
	pthread_mutex_unlock(&mu);
}

static void
on_cancel_timer(evutil_socket_t fd, short what, void *arg)
{
	hget_cancel(arg);
}

static void
test_cancel(void **state)
{
	outcome o;
	hget_params p = params();
	hget_req *req;
	struct timeval tv = { 0, 100000 };

	memset(&o, 0, sizeof(o));
	/* At once, before the loop runs. */
	set_script(CERT_GOOD, NULL, true);
	assert_int_equal(hget_start(base, hctx, &p, on_done, &o, &req), 0);
	hget_cancel(req);
	/* Cancel even when the outcome is already decided but not told. */
	set_addr(&p.addrs[0], closed_port());
	assert_int_equal(hget_start(base, hctx, &p, on_done, &o, &req), 0);
	hget_cancel(req);
	event_base_dispatch(base);
	assert_int_equal(o.calls, 0);

	/* In the middle, waiting for the response. */
	p = params();
	assert_int_equal(hget_start(base, hctx, &p, on_done, &o, &req), 0);
	struct event *t = evtimer_new(base, on_cancel_timer, req);
	evtimer_add(t, &tv);
	event_base_dispatch(base);
	event_free(t);
	assert_int_equal(o.calls, 0);
	hget_cancel(NULL);
}

static void
test_reset(void **state)
{
	outcome o;
	hget_params p = params();

	/* RST right after the handshake, while the client writes: an error,
	 * never SIGPIPE (the main thread does not ignore it). */
	for (int i = 0; i < 10; i++) {
		set_script(CERT_GOOD, NULL, false);
		pthread_mutex_lock(&mu);
		cur.reset = true;
		pthread_mutex_unlock(&mu);
		fetch(&p, &o);
		assert_true(o.r.rc == MX_EIO || o.r.rc == MX_EFORMAT);
	}
}

static void
test_bad_params(void **state)
{
	hget_params p;
	hget_req *req = (hget_req *)&p;
	outcome o;

	memset(&o, 0, sizeof(o));
	p = params();
	p.host = "mta-sts.example.test\r\nX: y";
	assert_int_equal(hget_start(base, hctx, &p, on_done, &o, &req), MX_EINVAL);
	assert_null(req);
	p = params();
	p.host = "mta-sts.example.test.";
	assert_int_equal(hget_start(base, hctx, &p, on_done, &o, &req), MX_EINVAL);
	p = params();
	p.path = "/a b";
	assert_int_equal(hget_start(base, hctx, &p, on_done, &o, &req), MX_EINVAL);
	p = params();
	p.path = "x";
	assert_int_equal(hget_start(base, hctx, &p, on_done, &o, &req), MX_EINVAL);
	p = params();
	p.naddrs = 0;
	assert_int_equal(hget_start(base, hctx, &p, on_done, &o, &req), MX_EINVAL);
	p = params();
	p.naddrs = HGET_MAX_ADDRS + 1;
	assert_int_equal(hget_start(base, hctx, &p, on_done, &o, &req), MX_EINVAL);
	p = params();
	p.addrs[0].ss_family = AF_UNIX;
	assert_int_equal(hget_start(base, hctx, &p, on_done, &o, &req), MX_EINVAL);
	event_base_dispatch(base);
	assert_int_equal(o.calls, 0);
}

static void
test_ctx_errors(void **state)
{
	hget_ctx *c = (hget_ctx *)&c;
	char err[256], path[160];

	snprintf(path, sizeof(path), "%s/missing.pem", tmpdir);
	assert_int_equal(hget_ctx_new(path, &c, err, sizeof(err)), MX_EIO);
	assert_null(c);
	assert_non_null(strstr(err, "missing.pem: cannot open"));
	snprintf(path, sizeof(path), "%s/empty.pem", tmpdir);
	write_file(path, "");
	assert_int_equal(hget_ctx_new(path, &c, err, sizeof(err)), MX_EFORMAT);
	assert_non_null(strstr(err, "no PEM certificate"));
	snprintf(path, sizeof(path), "%s/junk.pem", tmpdir);
	write_file(path, "-----BEGIN CERTIFICATE-----\nnot base64!\n"
	    "-----END CERTIFICATE-----\n");
	assert_int_equal(hget_ctx_new(path, &c, err, sizeof(err)), MX_EFORMAT);
	hget_ctx_free(NULL);
}

/* ---- setup ---- */

static int
setup(void **state)
{
	char err[256];

	make_pki();
	assert_int_equal(pipe(stop_pipe), 0);
	lfd = listen_any(&srv_port);
	assert_int_equal(pthread_create(&srv_thread, NULL, srv_main, NULL), 0);
	base = event_base_new();
	assert_non_null(base);
	assert_int_equal(hget_ctx_new(ca_path, &hctx, err, sizeof(err)), 0);
	return 0;
}

static int
teardown(void **state)
{
	char path[160];

	assert_int_equal(write(stop_pipe[1], "x", 1), 1);
	pthread_join(srv_thread, NULL);
	close(lfd);
	close(stop_pipe[0]);
	close(stop_pipe[1]);
	hget_ctx_free(hctx);
	event_base_free(base);
	for (int i = 0; i < NCERTS; i++)
		SSL_CTX_free(srv_ctx[i]);
	X509_free(ca_cert);
	EVP_PKEY_free(ca_key);
	static const char *const files[] = { "ca.pem", "empty.pem", "junk.pem" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	rmdir(tmpdir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_length),
		cmocka_unit_test(test_good_chunked),
		cmocka_unit_test(test_good_close),
		cmocka_unit_test(test_wildcards),
		cmocka_unit_test(test_wrong_name),
		cmocka_unit_test(test_unknown_ca),
		cmocka_unit_test(test_redirect),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_media_type),
		cmocka_unit_test(test_body_limit),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_next_address),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_ctx_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
