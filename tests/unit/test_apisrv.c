/*
 * Unit tests: the Unix-socket API server (api/apisrv.c) on a temporary
 * socket, with a scripted resolver and a libevent base the test drives.
 *
 * The fake resolver answers a name whose first label starts with "sync"
 * at once (a cache hit) and holds every other question until the test
 * answers it, in any order.  A answers carry one address; MX answers are
 * NXDOMAIN (a DANE request then ends after one lookup); other types are
 * NODATA.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "apisrv.h"
#include "err.h"
#include "name.h"
#include "request.h"
#include "rrtype.h"

/* ---- the scripted resolver ---- */

typedef struct fq {
	uint8_t qname[NAME_MAX_WIRE];
	uint16_t qtype;
	eng_done_fn done;
	void *arg;
	bool held, fired, cancelled;
} fq;

#define MAX_FQ 8192
static fq fqs[MAX_FQ];
static size_t nfq;
static unsigned nresolve, ncancel, nbadcancel;
/* TXT answers: this RDATA (NULL: NODATA), or this rcode. */
static const char *txt_rdata;
static size_t txt_len;
static unsigned txt_rcode;

static void
fq_answer(fq *q)
{
	eng_result res;
	msg_rr *rr = calloc(1, sizeof(msg_rr));

	assert_non_null(rr);
	memset(&res, 0, sizeof(res));
	res.status = SEC_SECURE;
	res.rcode = RCODE_NOERROR;
	if (q->qtype == RR_TXT && txt_rcode != RCODE_NOERROR) {
		res.rcode = txt_rcode;
		res.status = SEC_INDETERMINATE;
		res.reason = "no server answered";
	} else if (q->qtype == RR_TXT && txt_rdata != NULL) {
		rr->owner = malloc(name_len(q->qname));
		memcpy(rr->owner, q->qname, name_len(q->qname));
		rr->type = RR_TXT;
		rr->rclass = CLASS_IN;
		rr->ttl = 300;
		rr->rdlen = (uint16_t)txt_len;
		rr->rdata = malloc(txt_len);
		memcpy(rr->rdata, txt_rdata, txt_len);
		res.count[SEC_ANSWER] = 1;
		res.rr[SEC_ANSWER] = rr;
	} else if (q->qtype == RR_A) {
		rr->owner = malloc(name_len(q->qname));
		memcpy(rr->owner, q->qname, name_len(q->qname));
		rr->type = RR_A;
		rr->rclass = CLASS_IN;
		rr->ttl = 300;
		rr->rdlen = 4;
		rr->rdata = malloc(4);
		memcpy(rr->rdata, (uint8_t[]){ 192, 0, 2, 1 }, 4);
		res.count[SEC_ANSWER] = 1;
		res.rr[SEC_ANSWER] = rr;
	} else if (q->qtype == RR_TLSA) {
		/* 3 0 0: a whole 2000-octet "certificate". */
		rr->owner = malloc(name_len(q->qname));
		memcpy(rr->owner, q->qname, name_len(q->qname));
		rr->type = RR_TLSA;
		rr->rclass = CLASS_IN;
		rr->ttl = 300;
		rr->rdlen = 2003;
		rr->rdata = malloc(2003);
		memset(rr->rdata, 0xab, 2003);
		memcpy(rr->rdata, (uint8_t[]){ 3, 0, 0 }, 3);
		res.count[SEC_ANSWER] = 1;
		res.rr[SEC_ANSWER] = rr;
	} else if (q->qtype == RR_MX) {
		res.rcode = RCODE_NXDOMAIN;
	}
	q->fired = true;
	q->done(q->arg, &res);
	free(rr->owner);
	free(rr->rdata);
	free(rr);
}

static int
fake_resolve(void *ctx, const uint8_t *qname, uint16_t qtype, unsigned flags,
    eng_done_fn done, void *arg, eng_req **out)
{
	(void)ctx;
	(void)flags;
	*out = NULL;
	nresolve++;
	assert_true(nfq < MAX_FQ);
	fq *q = &fqs[nfq++];
	memset(q, 0, sizeof(*q));
	name_copy(q->qname, qname);
	q->qtype = qtype;
	q->done = done;
	q->arg = arg;
	if (qname[0] >= 4 && strncasecmp((const char *)qname + 1, "sync", 4) == 0) {
		fq_answer(q);
		return 0;
	}
	q->held = true;
	*out = (eng_req *)q;
	return 0;
}

static void
fake_cancel(void *ctx, eng_req *r)
{
	fq *q = (fq *)r;

	(void)ctx;
	if (q < fqs || q >= fqs + nfq || !q->held || q->fired || q->cancelled)
		nbadcancel++;
	else
		q->cancelled = true;
	ncancel++;
}

static const api_resolver fake = { NULL, fake_resolve, fake_cancel };

/* The held question for name. */
static fq *
fq_find(const char *name)
{
	uint8_t n[NAME_MAX_WIRE];

	assert_int_equal(name_from_cstr(name, n), 0);
	for (size_t i = 0; i < nfq; i++)
		if (name_eq(fqs[i].qname, n) && fqs[i].held && !fqs[i].fired &&
		    !fqs[i].cancelled)
			return &fqs[i];
	fail_msg("%s is not held", name);
	return NULL;
}

static size_t
nheld(void)
{
	size_t n = 0;
	for (size_t i = 0; i < nfq; i++)
		if (fqs[i].held && !fqs[i].fired && !fqs[i].cancelled)
			n++;
	return n;
}

/* ---- the server and its clients ---- */

static struct event_base *base;
static apisrv *srv;
static char dir[64], path[96];

static apisrv_config
config(void)
{
	return (apisrv_config){
		.path = path, .mode = 0600, .gid = (gid_t)-1,
		.max_clients = 8, .max_inflight = 256, .max_output = 4u << 20,
		.idle_timeout_s = 300, .dane_timeout_ms = 10000,
		.insecure_mx_dane = true, .version = "9.9.9-test",
	};
}

static void
start(const apisrv_config *cfg)
{
	char err[256] = "";

	nfq = 0;
	nresolve = ncancel = nbadcancel = 0;
	base = event_base_new();
	assert_non_null(base);
	if (apisrv_new(base, cfg, &fake, &srv, err, sizeof(err)) != 0)
		fail_msg("apisrv_new: %s", err);
}

static void
stop(void)
{
	apisrv_free(srv);
	srv = NULL;
	event_base_free(base);
	base = NULL;
	assert_int_equal(nbadcancel, 0);
	assert_int_equal(access(path, F_OK), -1);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

typedef struct cl {
	int fd;
	char *buf;
	size_t len, cap;
	bool eof;
} cl;

static void
cl_open(cl *c)
{
	struct sockaddr_un sun;

	memset(c, 0, sizeof(*c));
	c->cap = 16u << 20;
	c->buf = malloc(c->cap);
	assert_non_null(c->buf);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
}

static void
cl_close(cl *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
}

/* Read what is there (non-blocking). */
static void
cl_read(cl *c)
{
	while (!c->eof && c->len < c->cap) {
		ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n > 0) {
			c->len += (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			c->eof = true;
		break;
	}
}

static size_t
cl_nlines(const cl *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->len; i++)
		if (c->buf[i] == '\n')
			n++;
	return n;
}

/* Line i (0-based), copied into a static buffer without its newline. */
static const char *
cl_line(const cl *c, size_t i)
{
	static char b[4][65536];
	static int k;
	size_t s = 0;

	for (size_t j = 0; j < c->len; j++) {
		if (c->buf[j] != '\n')
			continue;
		if (i-- == 0) {
			k = (k + 1) % 4;
			size_t n = j - s < sizeof(b[k]) - 1 ? j - s : sizeof(b[k]) - 1;
			memcpy(b[k], c->buf + s, n);
			b[k][n] = 0;
			return b[k];
		}
		s = j + 1;
	}
	fail_msg("no line %zu", i);
	return NULL;
}

static void
cl_send(cl *c, const char *s, size_t len)
{
	size_t off = 0;
	uint64_t t0 = now_ms();

	while (off < len) {
		ssize_t n = send(c->fd, s + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		assert_true(n < 0 && (errno == EAGAIN || errno == EINTR));
		event_base_loop(base, EVLOOP_NONBLOCK);
		cl_read(c);
		if (now_ms() - t0 > 5000)
			fail_msg("send stalled");
	}
}

static void
cl_puts(cl *c, const char *s)
{
	cl_send(c, s, strlen(s));
}

/* Turn the loop until cond() holds or ms pass; the clients read. */
static cl *watch[8];

static bool
spin(bool (*cond)(void *), void *arg, unsigned ms)
{
	uint64_t t0 = now_ms();

	for (;;) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		for (int i = 0; i < 8; i++)
			if (watch[i] != NULL && watch[i]->fd >= 0)
				cl_read(watch[i]);
		if (cond != NULL && cond(arg))
			return true;
		if (now_ms() - t0 >= ms)
			return false;
		usleep(500);
	}
}

static size_t want_lines;

static bool
has_lines(void *arg)
{
	return cl_nlines(arg) >= want_lines;
}

static void
wait_lines(cl *c, size_t n)
{
	want_lines = n;
	watch[0] = c;
	if (!spin(has_lines, c, 5000))
		fail_msg("%zu lines, wanted %zu", cl_nlines(c), n);
	watch[0] = NULL;
}

static size_t want_held;

static bool
has_held(void *arg)
{
	(void)arg;
	return nheld() >= want_held;
}

static void
wait_held(size_t n)
{
	want_held = n;
	if (!spin(has_held, NULL, 5000))
		fail_msg("%zu held, wanted %zu", nheld(), n);
}

static bool
is_eof(void *arg)
{
	return ((cl *)arg)->eof;
}

static void
contains(const char *s, const char *want)
{
	if (strstr(s, want) == NULL)
		fail_msg("'%s' lacks '%s'", s, want);
}

/* ---- tests ---- */

static int
setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/apisrv-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/api.sock", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

static void
test_ping(void **state)
{
	apisrv_config cfg = config();
	apisrv_stats st;
	struct stat sb;
	cl c;

	(void)state;
	start(&cfg);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0600);
	cl_open(&c);
	cl_puts(&c, "PING\n");
	wait_lines(&c, 1);
	assert_string_equal(cl_line(&c, 0), "{\"ok\":true,\"pong\":true,\"version\":\"9.9.9-test\"}");
	cl_puts(&c, "ping\r\n\n\r\nPING\n");
	wait_lines(&c, 3);
	/* A record reply with a large TLSA record: all of its data. */
	cl_puts(&c, "QUERY TLSA sync.example\n");
	wait_lines(&c, 4);
	const char *l = cl_line(&c, 3);
	contains(l, "\"name\":\"sync.example.\",\"type\":\"TLSA\"");
	const char *key = "\"data\":{\"usage\":3,\"selector\":0,\"matching_type\":0,\"data\":\"";
	const char *dp = strstr(l, key);
	assert_non_null(dp);
	dp += strlen(key);
	assert_int_equal(strcspn(dp, "\""), 4000);
	apisrv_get_stats(srv, &st);
	assert_int_equal(st.clients, 1);
	assert_int_equal(st.connected, 1);
	cl_close(&c);
	spin(NULL, NULL, 20);
	apisrv_get_stats(srv, &st);
	assert_int_equal(st.connected, 0);
	stop();
}

/* A DANE reply without "defer" answers the same request again for
 * dane_hot_ms, without a lookup; until the hot replies are cleared. */
static void
test_dane_hot(void **state)
{
	apisrv_config cfg = config();
	apisrv_stats st;
	cl c;

	(void)state;
	cfg.dane_hot_ms = 60000;
	start(&cfg);
	cl_open(&c);
	cl_puts(&c, "DANE sync.example\n");
	wait_lines(&c, 1);
	contains(cl_line(&c, 0), "\"result\":\"nxdomain\"");
	unsigned before = nresolve;
	cl_puts(&c, "DANE SYNC.example.\nDANE sync.example 465\n");
	wait_lines(&c, 3);
	assert_string_equal(cl_line(&c, 1), cl_line(&c, 0));
	assert_int_equal(nresolve, before + 1);   /* only port 465's MX */
	apisrv_get_stats(srv, &st);
	assert_int_equal(st.dane_hot, 1);
	apisrv_hot_clear(srv);
	cl_puts(&c, "DANE sync.example\n");
	wait_lines(&c, 4);
	assert_int_equal(nresolve, before + 2);
	cl_close(&c);
	stop();
}

/* Replies leave in request order whatever order the lookups end in. */
static void
test_order(void **state)
{
	apisrv_config cfg = config();
	char line[256];
	cl c;

	(void)state;
	start(&cfg);
	cl_open(&c);
	/* Held lookups, cache hits, PINGs, an error and a DANE request. */
	char req[8192] = "";
	char kind[40];
	size_t held = 0;
	for (int i = 0; i < 40; i++) {
		kind[i] = i % 5 == 1 ? 's' : i % 7 == 3 ? 'p' : i == 12 ? 'e' :
		    i == 20 ? 'd' : 'a';
		switch (kind[i]) {
		case 's': snprintf(line, sizeof(line), "A sync%d.example\n", i); break;
		case 'p': snprintf(line, sizeof(line), "PING\n"); break;
		case 'e': snprintf(line, sizeof(line), "FOO %d\n", i); break;
		case 'd': snprintf(line, sizeof(line), "DANE h%d.example\n", i); break;
		default: snprintf(line, sizeof(line), "A h%d.example\n", i); break;
		}
		if (kind[i] == 'a' || kind[i] == 'd')
			held++;
		strcat(req, line);
	}
	cl_puts(&c, req);
	wait_held(held);
	/* Nothing may leave before the first request is answered. */
	watch[0] = &c;
	spin(NULL, NULL, 20);
	assert_int_equal(cl_nlines(&c), 0);
	/* Answer from the last to the first, then a pseudo-random rest. */
	unsigned r = 7;
	for (size_t left = nheld(); left > 0; left = nheld()) {
		size_t pick = (r = r * 1103515245u + 12345u) / 65536 % left;
		for (size_t i = nfq; i-- > 0;) {
			if (!fqs[i].held || fqs[i].fired || fqs[i].cancelled)
				continue;
			if (pick-- == 0) {
				fq_answer(&fqs[i]);
				break;
			}
		}
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	wait_lines(&c, 40);
	for (int i = 0; i < 40; i++) {
		const char *l = cl_line(&c, (size_t)i);
		if (kind[i] == 's') {
			snprintf(line, sizeof(line), "\"name\":\"sync%d.example.\"", i);
			contains(l, line);
			contains(l, "\"records\":[{");
		} else if (kind[i] == 'p') {
			contains(l, "\"pong\":true");
		} else if (kind[i] == 'e') {
			contains(l, "{\"ok\":false,\"error\":\"bad-request\"");
		} else if (kind[i] == 'd') {
			contains(l, "\"domain\":\"h20.example.\"");
			contains(l, "\"result\":\"nxdomain\"");
		} else {
			snprintf(line, sizeof(line), "\"name\":\"h%d.example.\",\"type\":\"A\"", i);
			contains(l, line);
			contains(l, "\"address\":\"192.0.2.1\"");
		}
	}
	assert_int_equal(cl_nlines(&c), 40);
	assert_int_equal(ncancel, 0);
	cl_close(&c);
	stop();
}

static void
test_bad_lines(void **state)
{
	apisrv_config cfg = config();
	static const char *const bad[] = {
		"FOO bar", "MX", "MX a b", "MX a..b", "TLSA mx.example 99999",
		"QUERY NOSUCHTYPE x.example", "QUERY AXFR x.example",
		"DANE", "A x.example y z w v", "\x01\x02", "DANE example.com 0",
		"TLSA mx.example 25x", "A a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x."
		"y.z.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g.h."
		"i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r."
		"s.t.u.v.w.x.y.z.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b",
	};
	const size_t nbad = sizeof(bad) / sizeof(bad[0]);
	apisrv_stats st;
	cl c;

	(void)state;
	start(&cfg);
	cl_open(&c);
	for (size_t i = 0; i < nbad; i++) {
		cl_puts(&c, bad[i]);
		cl_puts(&c, "\n");
	}
	cl_puts(&c, "PING\n");
	wait_lines(&c, nbad + 1);
	for (size_t i = 0; i < nbad; i++) {
		const char *l = cl_line(&c, i);
		contains(l, "{\"ok\":false,\"error\":\"bad-request\",\"reason\":\"");
		for (const char *p = l; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
				fail_msg("line %zu: byte 0x%02x in the reply", i, (unsigned char)*p);
	}
	contains(cl_line(&c, nbad), "\"pong\":true");
	assert_int_equal(nresolve, 0);
	apisrv_get_stats(srv, &st);
	assert_int_equal(st.errors, nbad);
	/* Octets above 0x7e in a name: whatever the answer, it is ASCII
	 * JSON. */
	cl_puts(&c, "A sync\xc3\xa9.example\nQUERY TXT sync\\\"q.example\n");
	wait_lines(&c, nbad + 3);
	for (size_t i = nbad + 1; i < nbad + 3; i++) {
		const char *l = cl_line(&c, i);
		for (const char *p = l; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
				fail_msg("'%s': byte 0x%02x", l, (unsigned char)*p);
	}
	cl_close(&c);
	stop();
}

static void
test_too_long(void **state)
{
	apisrv_config cfg = config();
	static char big[200000];
	cl c;

	(void)state;
	start(&cfg);
	cl_open(&c);

	/* 5000 octets, then a good line. */
	memset(big, 'x', 5000);
	big[5000] = '\n';
	cl_send(&c, big, 5001);
	cl_puts(&c, "PING\n");
	wait_lines(&c, 2);
	contains(cl_line(&c, 0), "{\"ok\":false,\"error\":\"too-long\"");
	contains(cl_line(&c, 1), "\"pong\":true");

	/* The limit: 1024 octets is a line, 1025 is too long (with \n or
	 * \r\n), and one huge line in pieces is refused once. */
	memset(big, 'x', 1024);
	big[1024] = '\n';
	cl_send(&c, big, 1025);
	wait_lines(&c, 3);
	contains(cl_line(&c, 2), "\"error\":\"bad-request\"");
	memcpy(big + 1024, "\r\n", 2);
	cl_send(&c, big, 1026);
	wait_lines(&c, 4);
	contains(cl_line(&c, 3), "\"error\":\"bad-request\"");
	memset(big, 'x', 1025);
	big[1025] = '\n';
	cl_send(&c, big, 1026);
	wait_lines(&c, 5);
	contains(cl_line(&c, 4), "\"error\":\"too-long\"");
	memcpy(big + 1025, "\r\n", 2);
	cl_send(&c, big, 1027);
	wait_lines(&c, 6);
	contains(cl_line(&c, 5), "\"error\":\"too-long\"");
	memset(big, 'y', sizeof(big));
	for (int i = 0; i < 5; i++) {
		cl_send(&c, big, sizeof(big));
		spin(NULL, NULL, 2);
	}
	cl_puts(&c, "\nPING\n");
	wait_lines(&c, 8);
	contains(cl_line(&c, 6), "\"error\":\"too-long\"");
	contains(cl_line(&c, 7), "\"pong\":true");
	spin(NULL, NULL, 20);
	assert_int_equal(cl_nlines(&c), 8);
	cl_close(&c);
	stop();
}

/* A client that sends, half-closes and only then reads gets every reply,
 * then EOF. */
static void
test_half_close(void **state)
{
	apisrv_config cfg = config();
	cl c;

	(void)state;
	start(&cfg);
	cl_open(&c);
	cl_puts(&c, "A h1.example\nPING\nA sync2.example\nDANE h3.example\nA h4.example\n");
	assert_int_equal(shutdown(c.fd, SHUT_WR), 0);
	wait_held(3);
	watch[0] = &c;
	spin(NULL, NULL, 20);
	assert_int_equal(cl_nlines(&c), 0);
	assert_false(c.eof);
	for (size_t i = nfq; i-- > 0;)
		if (fqs[i].held && !fqs[i].fired)
			fq_answer(&fqs[i]);
	wait_lines(&c, 5);
	watch[0] = &c;
	assert_true(spin(is_eof, &c, 2000));
	watch[0] = NULL;
	assert_int_equal(cl_nlines(&c), 5);
	contains(cl_line(&c, 0), "\"name\":\"h1.example.\"");
	contains(cl_line(&c, 3), "\"result\":\"nxdomain\"");
	contains(cl_line(&c, 4), "\"name\":\"h4.example.\"");
	apisrv_stats st;
	apisrv_get_stats(srv, &st);
	assert_int_equal(st.connected, 0);
	assert_int_equal(ncancel, 0);
	cl_close(&c);
	stop();
}

/* A client that goes away: its lookups are cancelled. */
static void
test_disconnect(void **state)
{
	apisrv_config cfg = config();
	apisrv_stats st;
	cl c, d;

	(void)state;
	start(&cfg);
	cl_open(&c);
	cl_open(&d);
	cl_puts(&c, "A h1.example\nA h2.example\nDANE h3.example\nA sync4.example\nMX h5.example\n");
	cl_puts(&d, "A other.example\n");
	wait_held(5);
	cl_close(&c);
	spin(NULL, NULL, 30);
	assert_int_equal(ncancel, 4);
	assert_int_equal(nbadcancel, 0);
	assert_int_equal(nheld(), 1);
	apisrv_get_stats(srv, &st);
	assert_int_equal(st.connected, 1);
	/* The other client is unaffected. */
	fq_answer(fq_find("other.example"));
	wait_lines(&d, 1);
	contains(cl_line(&d, 0), "\"name\":\"other.example.\"");

	/* apisrv_free with a client and lookups in flight. */
	cl_puts(&d, "A h6.example\nDANE h7.example\n");
	wait_held(2);
	stop();
	assert_int_equal(ncancel, 6);
	cl_close(&d);
}

/* More than max_inflight requests: the rest wait unread. */
static void
test_backpressure(void **state)
{
	apisrv_config cfg = config();
	char *req = malloc(300 * 32);
	size_t len = 0;
	cl c;

	(void)state;
	start(&cfg);
	cl_open(&c);
	for (int i = 0; i < 300; i++)
		len += (size_t)sprintf(req + len, "A h%d.example\n", i);
	cl_send(&c, req, len);
	wait_held(256);
	spin(NULL, NULL, 50);
	assert_int_equal(nresolve, 256);
	/* Answering the last ones frees no slot: the first is still out. */
	for (size_t i = 255; i >= 200; i--)
		fq_answer(&fqs[i]);
	spin(NULL, NULL, 20);
	assert_int_equal(nresolve, 256);
	/* Answering the first 10: 10 more lines are taken. */
	for (size_t i = 0; i < 10; i++)
		fq_answer(&fqs[i]);
	spin(NULL, NULL, 20);
	assert_int_equal(nresolve, 266);
	uint64_t t0 = now_ms();
	while (nresolve < 300 || nheld() > 0) {
		for (size_t i = 0; i < nfq; i++)
			if (fqs[i].held && !fqs[i].fired)
				fq_answer(&fqs[i]);
		spin(NULL, NULL, 1);
		assert_true(now_ms() - t0 < 5000);
	}
	wait_lines(&c, 300);
	assert_int_equal(nresolve, 300);
	for (int i = 0; i < 300; i++) {
		char want[64];
		snprintf(want, sizeof(want), "\"name\":\"h%d.example.\"", i);
		contains(cl_line(&c, (size_t)i), want);
	}
	cl_close(&c);
	free(req);
	stop();
}

/* A client that does not read: the server stops reading it once its
 * unread replies pass max_output, and the client's writes block. */
static void
test_output_limit(void **state)
{
	apisrv_config cfg = config();
	const size_t n = 200000;
	char *req = malloc(n * 5);
	cl c;

	(void)state;
	cfg.max_output = 8192;
	start(&cfg);
	cl_open(&c);
	int sndbuf = 16384;
	assert_int_equal(setsockopt(c.fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)), 0);
	for (size_t i = 0; i < n; i++)
		memcpy(req + 5 * i, "PING\n", 5);
	size_t off = 0;
	for (int k = 0; k < 200 && off < n * 5; k++) {
		ssize_t w = send(c.fd, req + off, n * 5 - off, MSG_NOSIGNAL);
		if (w > 0)
			off += (size_t)w;
		spin(NULL, NULL, 1);
	}
	/* The server stopped reading: not all was sent. */
	assert_true(off < n * 5);
	/* Now read, and all the replies come, in full. */
	uint64_t t0 = now_ms();
	while (off < n * 5 || cl_nlines(&c) < n) {
		ssize_t w = off < n * 5 ? send(c.fd, req + off, n * 5 - off, MSG_NOSIGNAL) : 0;
		if (w > 0)
			off += (size_t)w;
		event_base_loop(base, EVLOOP_NONBLOCK);
		cl_read(&c);
		if (now_ms() - t0 > 20000)
			fail_msg("stalled: sent %zu, %zu replies", off, cl_nlines(&c));
	}
	assert_int_equal(cl_nlines(&c), n);
	contains(cl_line(&c, n - 1), "\"pong\":true");
	cl_close(&c);
	free(req);
	stop();
}

static void
test_max_clients(void **state)
{
	apisrv_config cfg = config();
	apisrv_stats st;
	cl c[4];

	(void)state;
	cfg.max_clients = 3;
	start(&cfg);
	for (int i = 0; i < 4; i++) {
		cl_open(&c[i]);
		spin(NULL, NULL, 5);
	}
	watch[0] = &c[3];
	assert_true(spin(is_eof, &c[3], 2000));
	watch[0] = NULL;
	apisrv_get_stats(srv, &st);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.connected, 3);
	for (int i = 0; i < 3; i++) {
		cl_puts(&c[i], "PING\n");
		wait_lines(&c[i], 1);
		assert_false(c[i].eof);
	}
	/* One leaves: a new one is taken. */
	cl_close(&c[0]);
	spin(NULL, NULL, 20);
	cl_close(&c[3]);
	cl_open(&c[3]);
	cl_puts(&c[3], "PING\n");
	wait_lines(&c[3], 1);
	for (int i = 1; i < 4; i++)
		cl_close(&c[i]);
	stop();
}

static void
test_idle(void **state)
{
	apisrv_config cfg = config();
	cl c, d;

	(void)state;
	cfg.idle_timeout_s = 1;
	start(&cfg);
	cl_open(&c);
	cl_open(&d);
	cl_puts(&d, "A h1.example\n");
	wait_held(1);
	watch[0] = &c;
	watch[1] = &d;
	assert_true(spin(is_eof, &c, 3000));
	/* d has a lookup in flight: not idle. */
	spin(NULL, NULL, 500);
	assert_false(d.eof);
	fq_answer(&fqs[0]);
	wait_lines(&d, 1);
	watch[0] = &d;
	assert_true(spin(is_eof, &d, 3000));
	watch[0] = watch[1] = NULL;
	cl_close(&c);
	cl_close(&d);
	stop();
}

static void
test_dane_deadline(void **state)
{
	apisrv_config cfg = config();
	cl c;

	(void)state;
	cfg.dane_timeout_ms = 100;
	start(&cfg);
	cl_open(&c);
	cl_puts(&c, "DANE slow.example\nPING\n");
	wait_held(1);
	wait_lines(&c, 2);
	contains(cl_line(&c, 0), "\"domain\":\"slow.example.\"");
	contains(cl_line(&c, 0), "\"result\":\"defer\"");
	contains(cl_line(&c, 0), "timeout");
	contains(cl_line(&c, 1), "\"pong\":true");
	assert_int_equal(ncancel, 1);
	cl_close(&c);
	stop();
}

/* ---- the policy service hook (STS, POLICY) ---- */

typedef struct fp {
	int verb;
	uint8_t domain[NAME_MAX_WIRE];
	api_json_fn done;
	void *arg;
	bool live, cancelled;
} fp;

static fp fps[64];
static size_t nfp;
static unsigned npcancel, npbadcancel;

static void
fp_reply(fp *p, const char *json)
{
	p->live = false;
	p->done(p->arg, json ? strdup(json) : NULL, json ? strlen(json) : 0);
}

/* "sync..." answers at once, "fail..." refuses, others are held. */
static int
fp_start(void *ctx, int verb, const uint8_t *domain, api_json_fn done,
    void *arg, void **handle)
{
	assert_ptr_equal(ctx, &nfp);
	assert_true(nfp < sizeof(fps) / sizeof(fps[0]));
	if (domain[0] >= 4 && memcmp(domain + 1, "fail", 4) == 0)
		return MX_ENOMEM;
	fp *p = &fps[nfp++];
	memset(p, 0, sizeof(*p));
	p->verb = verb;
	name_copy(p->domain, domain);
	p->done = done;
	p->arg = arg;
	*handle = p;
	if (domain[0] >= 4 && memcmp(domain + 1, "sync", 4) == 0) {
		fp_reply(p, verb == API_STS ? "{\"ok\":true,\"result\":\"none\"}" :
		    "{\"ok\":true,\"status\":\"NOTFOUND\"}");
		*handle = (void *)1;   /* must not be used */
		return 0;
	}
	p->live = true;
	return 0;
}

static void
fp_cancel(void *ctx, void *handle)
{
	fp *p = handle;

	assert_ptr_equal(ctx, &nfp);
	npcancel++;
	if (p < fps || p >= fps + nfp || !p->live || p->cancelled)
		npbadcancel++;
	else
		p->cancelled = true;
	p->live = false;
}

static const api_policy fake_policy = { &nfp, fp_start, fp_cancel };

static void
policy_start(const apisrv_config *cfg)
{
	nfp = 0;
	npcancel = npbadcancel = 0;
	start(cfg);
	apisrv_set_policy(srv, &fake_policy);
}

static void
test_policy_unavailable(void **state)
{
	apisrv_config cfg = config();
	cl c;

	(void)state;
	start(&cfg);
	cl_open(&c);
	cl_puts(&c, "STS example.com\nPOLICY example.com\n");
	wait_lines(&c, 2);
	contains(cl_line(&c, 0), "{\"ok\":false,\"error\":\"unavailable\"");
	contains(cl_line(&c, 1), "\"error\":\"unavailable\"");
	/* Set and cleared again. */
	apisrv_set_policy(srv, &fake_policy);
	apisrv_set_policy(srv, NULL);
	cl_puts(&c, "STS example.com\n");
	wait_lines(&c, 3);
	contains(cl_line(&c, 2), "\"error\":\"unavailable\"");
	cl_close(&c);
	stop();
}

/* Replies from the hook at once and later, in request order. */
static void
test_policy(void **state)
{
	apisrv_config cfg = config();
	char want[NAME_MAX_STR];
	cl c;

	(void)state;
	policy_start(&cfg);
	cl_open(&c);
	cl_puts(&c, "STS sync.example\nPOLICY Held.EXAMPLE\nPING\nPOLICY sync.example\n"
	    "STS fail.example\nSTS later.example\n");
	watch[0] = &c;
	spin(NULL, NULL, 30);
	assert_int_equal(cl_nlines(&c), 1);
	assert_string_equal(cl_line(&c, 0), "{\"ok\":true,\"result\":\"none\"}");
	assert_int_equal(nfp, 4);
	assert_int_equal(fps[0].verb, API_STS);
	assert_int_equal(fps[1].verb, API_POLICY);
	name_to_str(fps[1].domain, want, sizeof(want));
	assert_string_equal(want, "held.example.");   /* lower-cased */
	assert_int_equal(fps[2].verb, API_POLICY);
	assert_int_equal(fps[3].verb, API_STS);
	/* The later one first: still held back behind the other. */
	fp_reply(&fps[3], "{\"ok\":true,\"result\":\"temp\"}");
	spin(NULL, NULL, 20);
	assert_int_equal(cl_nlines(&c), 1);
	fp_reply(&fps[1], "{\"ok\":true,\"status\":\"OK\",\"reply\":\"OK dane-only\"}");
	wait_lines(&c, 6);
	assert_string_equal(cl_line(&c, 1), "{\"ok\":true,\"status\":\"OK\",\"reply\":\"OK dane-only\"}");
	contains(cl_line(&c, 2), "\"pong\":true");
	assert_string_equal(cl_line(&c, 3), "{\"ok\":true,\"status\":\"NOTFOUND\"}");
	contains(cl_line(&c, 4), "{\"ok\":false,\"error\":\"internal\"");
	assert_string_equal(cl_line(&c, 5), "{\"ok\":true,\"result\":\"temp\"}");
	/* Out of memory in the hook: the internal error. */
	cl_puts(&c, "STS oom.example\n");
	spin(NULL, NULL, 20);
	fp_reply(&fps[4], NULL);
	wait_lines(&c, 7);
	contains(cl_line(&c, 6), "out of memory");
	assert_int_equal(npcancel, 0);
	watch[0] = NULL;
	cl_close(&c);
	stop();
	assert_int_equal(npcancel, 0);
}

/* A client that goes, a server that stops, a deadline that passes: the
 * hook's request is cancelled, once. */
static void
test_policy_cancel(void **state)
{
	apisrv_config cfg = config();
	cl c, d;

	(void)state;
	cfg.dane_timeout_ms = 100;
	policy_start(&cfg);
	cl_open(&c);
	cl_puts(&c, "STS gone.example\nPOLICY gone.example\n");
	watch[0] = &c;
	spin(NULL, NULL, 20);
	watch[0] = NULL;
	assert_int_equal(nfp, 2);
	cl_close(&c);
	spin(NULL, NULL, 20);
	assert_int_equal(npcancel, 2);
	assert_int_equal(npbadcancel, 0);

	/* The deadline. */
	cl_open(&d);
	cl_puts(&d, "POLICY slow.example\nPING\n");
	wait_lines(&d, 2);
	contains(cl_line(&d, 0), "{\"ok\":false,\"error\":\"timeout\"");
	contains(cl_line(&d, 1), "\"pong\":true");
	assert_int_equal(npcancel, 3);

	/* apisrv_free with one in flight. */
	cl_puts(&d, "STS stop.example\n");
	watch[0] = &d;
	spin(NULL, NULL, 20);
	watch[0] = NULL;
	assert_int_equal(nfp, 4);
	stop();
	assert_int_equal(npcancel, 4);
	assert_int_equal(npbadcancel, 0);
	cl_close(&d);
}

/* ---- TLSRPT and SRV through the server ---- */

static void
test_tlsrpt(void **state)
{
	apisrv_config cfg = config();
	cl c;

	(void)state;
	start(&cfg);
	cl_open(&c);
	/* RFC 8460 3: the strings of a record are joined. */
	static const char rd[] = "\012v=TLSRPTv1\037; rua=mailto:tlsrpt@example.com";
	txt_rdata = rd;
	txt_len = sizeof(rd) - 1;
	txt_rcode = RCODE_NOERROR;
	cl_puts(&c, "TLSRPT Example.COM\n");
	wait_held(1);
	fq *q = fq_find("_smtp._tls.example.com");
	assert_int_equal(q->qtype, RR_TXT);
	fq_answer(q);
	wait_lines(&c, 1);
	assert_string_equal(cl_line(&c, 0), "{\"ok\":true,\"name\":\"_smtp._tls.example.com.\","
	    "\"status\":\"secure\",\"rcode\":\"NOERROR\",\"result\":\"found\","
	    "\"rua\":[\"mailto:tlsrpt@example.com\"],"
	    "\"reason\":\"v=TLSRPTv1 with 1 report URI\"}");
	/* Not a TLS-RPT record. */
	static const char other[] = "\013v=spf1 -all";
	txt_rdata = other;
	txt_len = sizeof(other) - 1;
	cl_puts(&c, "TLSRPT b.example\n");
	wait_held(1);
	fq_answer(fq_find("_smtp._tls.b.example"));
	wait_lines(&c, 2);
	contains(cl_line(&c, 1), "\"result\":\"none\"");
	assert_null(strstr(cl_line(&c, 1), "rua"));
	/* Malformed: invalid, with the parser's reason. */
	static const char bad[] = "\020v=TLSRPTv1; rua=";
	txt_rdata = bad;
	txt_len = sizeof(bad) - 1;
	cl_puts(&c, "TLSRPT c.example\n");
	wait_held(1);
	fq_answer(fq_find("_smtp._tls.c.example"));
	wait_lines(&c, 3);
	contains(cl_line(&c, 2), "\"result\":\"invalid\"");
	/* NODATA and SERVFAIL. */
	txt_rdata = NULL;
	cl_puts(&c, "TLSRPT d.example\n");
	wait_held(1);
	fq_answer(fq_find("_smtp._tls.d.example"));
	wait_lines(&c, 4);
	contains(cl_line(&c, 3), "\"result\":\"none\"");
	txt_rcode = RCODE_SERVFAIL;
	cl_puts(&c, "TLSRPT e.example\n");
	wait_held(1);
	fq_answer(fq_find("_smtp._tls.e.example"));
	wait_lines(&c, 5);
	contains(cl_line(&c, 4), "\"rcode\":\"SERVFAIL\",\"result\":\"defer\","
	    "\"reason\":\"no server answered\"");
	txt_rcode = RCODE_NOERROR;
	cl_close(&c);
	stop();
}

static void
test_srv(void **state)
{
	apisrv_config cfg = config();
	cl c;

	(void)state;
	cfg.dane_hot_ms = 60000;
	start(&cfg);
	cl_open(&c);
	cl_puts(&c, "SRV _Submission._tcp.h.example\nSRV _smtp._tcp.h.example\n");
	wait_held(1);
	fq *q = fq_find("_submission._tcp.h.example");
	assert_int_equal(q->qtype, RR_SRV);
	fq_answer(q);   /* NODATA */
	wait_lines(&c, 2);
	contains(cl_line(&c, 0), "{\"ok\":true,\"service\":\"_submission._tcp.h.example.\","
	    "\"domain\":\"h.example.\",\"result\":\"nxdomain\"");
	contains(cl_line(&c, 1), "\"error\":\"bad-request\"");
	/* Not kept hot: asked again. */
	cl_puts(&c, "SRV _submission._tcp.h.example\n");
	wait_held(1);
	fq_answer(fq_find("_submission._tcp.h.example"));
	wait_lines(&c, 3);
	assert_int_equal(nresolve, 2);
	/* The deadline, and a client that goes. */
	cl_close(&c);
	cl_open(&c);
	cl_puts(&c, "SRV _imaps._tcp.gone.example\n");
	wait_held(1);
	cl_close(&c);
	spin(NULL, NULL, 20);
	assert_int_equal(ncancel, 1);
	stop();
}

static void
test_socket_file(void **state)
{
	apisrv_config cfg = config();
	struct sockaddr_un sun;
	apisrv *other = NULL;
	char err[256] = "";
	int fd;

	(void)state;
	/* A stale socket (nobody listening) is replaced. */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	assert_int_equal(access(path, F_OK), 0);
	start(&cfg);
	cl c;
	cl_open(&c);
	cl_puts(&c, "PING\n");
	wait_lines(&c, 1);

	/* A live one is refused, and left alone. */
	assert_int_not_equal(apisrv_new(base, &cfg, &fake, &other, err, sizeof(err)), 0);
	assert_null(other);
	contains(err, "listening");
	cl_puts(&c, "PING\n");
	wait_lines(&c, 2);
	cl_close(&c);
	stop();

	/* Something else at the path is refused and kept. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	base = event_base_new();
	err[0] = 0;
	assert_int_not_equal(apisrv_new(base, &cfg, &fake, &other, err, sizeof(err)), 0);
	contains(err, "not a socket");
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
	event_base_free(base);
	base = NULL;
}

/* After a failed test: close what it left. */
static int
cleanup(void **state)
{
	(void)state;
	if (srv != NULL)
		apisrv_free(srv);
	srv = NULL;
	if (base != NULL)
		event_base_free(base);
	base = NULL;
	memset(watch, 0, sizeof(watch));
	unlink(path);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_ping, cleanup),
		cmocka_unit_test_teardown(test_dane_hot, cleanup),
		cmocka_unit_test_teardown(test_order, cleanup),
		cmocka_unit_test_teardown(test_bad_lines, cleanup),
		cmocka_unit_test_teardown(test_too_long, cleanup),
		cmocka_unit_test_teardown(test_half_close, cleanup),
		cmocka_unit_test_teardown(test_disconnect, cleanup),
		cmocka_unit_test_teardown(test_backpressure, cleanup),
		cmocka_unit_test_teardown(test_output_limit, cleanup),
		cmocka_unit_test_teardown(test_max_clients, cleanup),
		cmocka_unit_test_teardown(test_idle, cleanup),
		cmocka_unit_test_teardown(test_dane_deadline, cleanup),
		cmocka_unit_test_teardown(test_socket_file, cleanup),
		cmocka_unit_test_teardown(test_policy_unavailable, cleanup),
		cmocka_unit_test_teardown(test_policy, cleanup),
		cmocka_unit_test_teardown(test_policy_cancel, cleanup),
		cmocka_unit_test_teardown(test_tlsrpt, cleanup),
		cmocka_unit_test_teardown(test_srv, cleanup),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
