/*
 * Unit tests: the Postfix socketmap server (api/sockmap.c) on a temporary
 * socket, with a scripted backend and a libevent base the test drives.
 *
 * The fake backend's maps:
 *   sync    answers inside start(), by key: "ok:TEXT" -> OK TEXT,
 *           "notfound", "temp", "perm", "timeout", "fail" (start() fails),
 *           "long" (a text over the limit), "nul" (a text with a NUL),
 *           "len:..." -> OK with the key's length
 *   delay   answers "OK delayed:KEY" from a 20 ms timer
 *   hold    never answers by itself (the test may answer it)
 *   policy  "example.com" -> OK dane-only, anything else NOTFOUND
 * and every other map is PERM "no such map".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "err.h"
#include "netstring.h"
#include "sockmap.h"

static struct event_base *base;
static sockmap_srv *srv;
static char dir[64], path[96];

/* ---- the scripted backend ---- */

typedef struct fl {
	char name[64], key[128];
	const char *namep, *keyp;     /* the server's copies */
	sockmap_reply_fn reply;
	void *arg;
	struct event *timer;
	bool held, fired, cancelled;
} fl;

#define MAX_FL 256
static fl fls[MAX_FL];
static size_t nfl;
static unsigned nstart, ncancel, nbadcancel, inflight, inflight_max;

static void
fl_reply(fl *f, sockmap_status st, const char *text, size_t len)
{
	/* The server's copies of name and key live until the lookup ends. */
	assert_string_equal(f->namep, f->name);
	assert_string_equal(f->keyp, f->key);
	f->fired = true;
	inflight--;
	f->reply(f->arg, st, text, len);
}

static void
on_delay(evutil_socket_t fd, short what, void *arg)
{
	fl *f = arg;
	char text[160];

	(void)fd;
	(void)what;
	snprintf(text, sizeof(text), "delayed:%s", f->key);
	fl_reply(f, SOCKMAP_OK, text, strlen(text));
}

static int
sync_answer(const char *key, sockmap_reply_fn reply, void *arg)
{
	static char big[NS_MAX_DEFAULT];
	char text[32];

	if (strncmp(key, "ok:", 3) == 0)
		reply(arg, SOCKMAP_OK, key + 3, strlen(key + 3));
	else if (strcmp(key, "notfound") == 0)
		reply(arg, SOCKMAP_NOTFOUND, "ignored", 7);
	else if (strcmp(key, "temp") == 0)
		reply(arg, SOCKMAP_TEMP, "try later", 9);
	else if (strcmp(key, "perm") == 0)
		reply(arg, SOCKMAP_PERM, "misconfigured", 13);
	else if (strcmp(key, "timeout") == 0)
		reply(arg, SOCKMAP_TIMEOUT, "upstream", 8);
	else if (strcmp(key, "fail") == 0)
		return MX_EIO;
	else if (strcmp(key, "long") == 0) {
		memset(big, 'x', sizeof(big));
		reply(arg, SOCKMAP_OK, big, NS_MAX_DEFAULT - 2);
	} else if (strcmp(key, "nul") == 0)
		reply(arg, SOCKMAP_OK, "a\0b", 3);
	else if (strncmp(key, "len:", 4) == 0) {
		snprintf(text, sizeof(text), "%zu", strlen(key));
		reply(arg, SOCKMAP_OK, text, strlen(text));
	} else
		reply(arg, SOCKMAP_PERM, "no such key", 11);
	return 0;
}

static int
fake_start(void *ctx, const char *name, const char *key,
    sockmap_reply_fn reply, void *arg, void **handle)
{
	(void)ctx;
	*handle = NULL;
	nstart++;
	if (strcmp(name, "sync") == 0)
		return sync_answer(key, reply, arg);
	if (strcmp(name, "policy") == 0) {
		if (strcmp(key, "example.com") == 0)
			reply(arg, SOCKMAP_OK, "dane-only", 9);
		else
			reply(arg, SOCKMAP_NOTFOUND, NULL, 0);
		return 0;
	}
	if (strcmp(name, "delay") != 0 && strcmp(name, "hold") != 0) {
		reply(arg, SOCKMAP_PERM, "no such map", 11);
		return 0;
	}
	assert_true(nfl < MAX_FL);
	fl *f = &fls[nfl++];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->key, sizeof(f->key), "%s", key);
	f->namep = name;
	f->keyp = key;
	f->reply = reply;
	f->arg = arg;
	f->held = true;
	if (strcmp(name, "delay") == 0) {
		struct timeval tv = { 0, 20000 };
		f->timer = evtimer_new(base, on_delay, f);
		assert_non_null(f->timer);
		evtimer_add(f->timer, &tv);
	}
	if (++inflight > inflight_max)
		inflight_max = inflight;
	*handle = f;
	return 0;
}

static void
fake_cancel(void *ctx, void *handle)
{
	fl *f = handle;

	(void)ctx;
	ncancel++;
	if (f < fls || f >= fls + nfl || !f->held || f->fired || f->cancelled) {
		nbadcancel++;
		return;
	}
	f->cancelled = true;
	inflight--;
	if (f->timer != NULL)
		evtimer_del(f->timer);
}

static const sockmap_backend fake = { NULL, fake_start, fake_cancel };

/* The held lookup of key, not yet answered. */
static fl *
fl_find(const char *key)
{
	for (size_t i = 0; i < nfl; i++)
		if (strcmp(fls[i].key, key) == 0 && !fls[i].fired &&
		    !fls[i].cancelled)
			return &fls[i];
	fail_msg("%s is not held", key);
	return NULL;
}

static void
fl_free_all(void)
{
	for (size_t i = 0; i < nfl; i++)
		if (fls[i].timer != NULL)
			event_free(fls[i].timer);
	nfl = 0;
}

/* ---- the server and its clients ---- */

static sockmap_config
config(void)
{
	return (sockmap_config){
		.path = path, .mode = 0600, .gid = (gid_t)-1,
		.max_clients = 8, .timeout_ms = 5000, .idle_timeout_s = 300,
	};
}

static void
start(const sockmap_config *cfg)
{
	char err[256] = "";

	nfl = 0;
	nstart = ncancel = nbadcancel = inflight = inflight_max = 0;
	base = event_base_new();
	assert_non_null(base);
	if (sockmap_new(base, cfg, &fake, &srv, err, sizeof(err)) != 0)
		fail_msg("sockmap_new: %s", err);
}

static void
stop(void)
{
	sockmap_free(srv);
	srv = NULL;
	fl_free_all();
	event_base_free(base);
	base = NULL;
	assert_int_equal(nbadcancel, 0);
	assert_int_equal(inflight, 0);
	assert_int_equal(access(path, F_OK), -1);
}

static sockmap_stats
stats(void)
{
	sockmap_stats st;

	sockmap_get_stats(srv, &st);
	return st;
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
	uint8_t *buf;
	size_t len, cap;
	bool eof;
} cl;

static void
cl_open(cl *c)
{
	struct sockaddr_un sun;

	memset(c, 0, sizeof(*c));
	c->cap = 1u << 20;
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
	while (c->fd >= 0 && !c->eof && c->len < c->cap) {
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

/* Turn the loop until cond() holds or ms pass; the clients read. */
static cl *watch[4];

static bool
spin(bool (*cond)(void *), void *arg, unsigned ms)
{
	uint64_t t0 = now_ms();

	for (;;) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		for (int i = 0; i < 4; i++)
			if (watch[i] != NULL)
				cl_read(watch[i]);
		if (cond != NULL && cond(arg))
			return true;
		if (now_ms() - t0 >= ms)
			return false;
		usleep(500);
	}
}

static void
cl_send(cl *c, const void *p, size_t len)
{
	const uint8_t *s = p;
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
cl_raw(cl *c, const char *s)
{
	cl_send(c, s, strlen(s));
}

/* One request netstring "name key". */
static void
cl_req(cl *c, const char *name, const char *key)
{
	uint8_t out[512];
	size_t n;

	assert_int_equal(sockmap_request_encode(name, key, strlen(key), out,
	    sizeof(out), &n), 0);
	cl_send(c, out, n);
}

/* The replies received so far; *payload of reply i (0-based), if asked. */
static size_t
cl_replies(const cl *c, size_t want, const uint8_t **payload, size_t *plen)
{
	size_t off = 0, n = 0;

	for (;;) {
		const uint8_t *d;
		size_t dl, used;
		int rc = ns_decode(c->buf + off, c->len - off, NS_MAX_DEFAULT,
		    &d, &dl, &used);
		if (rc == MX_EAGAIN)
			return n;
		assert_int_equal(rc, 0);
		if (n == want && payload != NULL) {
			*payload = d;
			*plen = dl;
		}
		n++;
		off += used;
	}
}

static size_t
cl_nreplies(const cl *c)
{
	return cl_replies(c, 0, NULL, NULL);
}

/* Reply i as a C string (a copy in a static buffer). */
static const char *
cl_reply(const cl *c, size_t i)
{
	static char b[4][256];
	static int k;
	const uint8_t *d = NULL;
	size_t dl = 0;

	if (cl_replies(c, i, &d, &dl) <= i)
		fail_msg("no reply %zu", i);
	k = (k + 1) % 4;
	if (dl >= sizeof(b[k]))
		dl = sizeof(b[k]) - 1;
	memcpy(b[k], d, dl);
	b[k][dl] = 0;
	return b[k];
}

static size_t want_replies;

static bool
has_replies(void *arg)
{
	return cl_nreplies(arg) >= want_replies;
}

static void
wait_replies(cl *c, size_t n)
{
	want_replies = n;
	watch[0] = c;
	if (!spin(has_replies, c, 5000))
		fail_msg("%zu replies, wanted %zu", cl_nreplies(c), n);
	watch[0] = NULL;
}

static bool
is_eof(void *arg)
{
	return ((cl *)arg)->eof;
}

static void
wait_eof(cl *c, unsigned ms)
{
	watch[0] = c;
	if (!spin(is_eof, c, ms))
		fail_msg("the server did not close the connection");
	watch[0] = NULL;
}

static unsigned want_connected;

static bool
has_connected(void *arg)
{
	(void)arg;
	return stats().connected == want_connected;
}

static void
wait_connected(unsigned n)
{
	want_connected = n;
	if (!spin(has_connected, NULL, 5000))
		fail_msg("%u connected, wanted %u", stats().connected, n);
}

static size_t want_nfl;

static bool
has_nfl(void *arg)
{
	(void)arg;
	return nfl >= want_nfl;
}

static void
wait_started(size_t n)
{
	want_nfl = n;
	if (!spin(has_nfl, NULL, 5000))
		fail_msg("%zu lookups started, wanted %zu", nfl, n);
}

/* ---- tests ---- */

static int
setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/sockmap-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/policy.sock", dir);
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

/* After a failed test: close what it left. */
static int
cleanup(void **state)
{
	(void)state;
	if (srv != NULL)
		sockmap_free(srv);
	srv = NULL;
	fl_free_all();
	if (base != NULL)
		event_base_free(base);
	base = NULL;
	memset(watch, 0, sizeof(watch));
	unlink(path);
	return 0;
}

static void
test_statuses(void **state)
{
	sockmap_config cfg = config();
	sockmap_stats st;
	cl c;

	(void)state;
	start(&cfg);
	cl_open(&c);
	cl_req(&c, "sync", "ok:dane-only");
	wait_replies(&c, 1);
	assert_string_equal(cl_reply(&c, 0), "OK dane-only");
	cl_req(&c, "sync", "notfound");
	wait_replies(&c, 2);
	/* socketmap_table(5): NOTFOUND carries no text. */
	assert_string_equal(cl_reply(&c, 1), "NOTFOUND ");
	cl_req(&c, "sync", "temp");
	cl_req(&c, "sync", "perm");
	cl_req(&c, "sync", "timeout");
	cl_req(&c, "sync", "fail");
	cl_req(&c, "sync", "long");
	cl_req(&c, "sync", "nul");
	cl_req(&c, "nosuchmap", "k");
	cl_req(&c, "sync", "ok:");
	wait_replies(&c, 10);
	assert_string_equal(cl_reply(&c, 2), "TEMP try later");
	assert_string_equal(cl_reply(&c, 3), "PERM misconfigured");
	assert_string_equal(cl_reply(&c, 4), "TIMEOUT upstream");
	assert_string_equal(cl_reply(&c, 5), "TEMP internal error");
	assert_string_equal(cl_reply(&c, 6), "PERM internal error: reply too long");
	assert_string_equal(cl_reply(&c, 7), "PERM internal error: reply too long");
	assert_string_equal(cl_reply(&c, 8), "PERM no such map");
	assert_string_equal(cl_reply(&c, 9), "OK ");
	st = stats();
	assert_int_equal(st.clients, 1);
	assert_int_equal(st.connected, 1);
	assert_int_equal(st.requests, 10);
	assert_int_equal(st.ok, 2);
	assert_int_equal(st.notfound, 1);
	assert_int_equal(st.temp, 3);
	assert_int_equal(st.perm, 4);
	assert_int_equal(st.timeouts, 0);
	assert_int_equal(st.bad, 0);
	assert_int_equal(sockmap_busy(srv), 0);
	cl_close(&c);
	wait_connected(0);
	stop();
}

static void
test_pipelined(void **state)
{
	sockmap_config cfg = config();
	cl c;

	(void)state;
	start(&cfg);
	cl_open(&c);
	/* One write: answers in order, one lookup at a time. */
	cl_raw(&c, "7:delay a,9:sync ok:b,7:delay c,13:sync notfound,"
	    "7:delay e,9:sync ok:f,");
	wait_replies(&c, 6);
	assert_string_equal(cl_reply(&c, 0), "OK delayed:a");
	assert_string_equal(cl_reply(&c, 1), "OK b");
	assert_string_equal(cl_reply(&c, 2), "OK delayed:c");
	assert_string_equal(cl_reply(&c, 3), "NOTFOUND ");
	assert_string_equal(cl_reply(&c, 4), "OK delayed:e");
	assert_string_equal(cl_reply(&c, 5), "OK f");
	assert_int_equal(inflight_max, 1);
	assert_int_equal(nstart, 6);
	assert_string_equal(fls[0].key, "a");
	assert_string_equal(fls[1].key, "c");
	assert_string_equal(fls[2].key, "e");

	/* While a lookup runs, nothing behind it starts. */
	cl_raw(&c, "6:hold h,9:sync ok:i,");
	wait_started(4);
	spin(NULL, NULL, 50);
	assert_int_equal(nstart, 7);
	assert_int_equal(cl_nreplies(&c), 6);
	assert_int_equal(sockmap_busy(srv), 1);
	fl_reply(fl_find("h"), SOCKMAP_OK, "held", 4);
	wait_replies(&c, 8);
	assert_string_equal(cl_reply(&c, 6), "OK held");
	assert_string_equal(cl_reply(&c, 7), "OK i");
	assert_int_equal(sockmap_busy(srv), 0);
	cl_close(&c);
	stop();
}

static void
test_split(void **state)
{
	sockmap_config cfg = config();
	const char *req = "13:sync ok:split,";
	cl c;

	(void)state;
	start(&cfg);
	cl_open(&c);
	watch[0] = &c;
	for (size_t i = 0; i < strlen(req); i++) {
		cl_send(&c, req + i, 1);
		spin(NULL, NULL, 2);
		if (i + 1 < strlen(req))
			assert_int_equal(cl_nreplies(&c), 0);
	}
	watch[0] = NULL;
	wait_replies(&c, 1);
	assert_string_equal(cl_reply(&c, 0), "OK split");

	/* The largest request: 100000 octets of payload. */
	size_t klen = NS_MAX_DEFAULT - 5;
	char *big = malloc(NS_MAX_DEFAULT + 16);
	assert_non_null(big);
	int h = snprintf(big, 16, "%d:sync ", NS_MAX_DEFAULT);
	memcpy(big + h, "len:", 4);
	memset(big + h + 4, 'k', klen - 4);
	big[h + klen] = ',';
	cl_send(&c, big, (size_t)h + klen + 1);
	free(big);
	wait_replies(&c, 2);
	assert_string_equal(cl_reply(&c, 1), "OK 99995");
	assert_int_equal(stats().bad, 0);
	cl_close(&c);
	stop();
}

static void
test_bad_request(void **state)
{
	sockmap_config cfg = config();
	cl c;

	(void)state;
	start(&cfg);
	cl_open(&c);
	/* Well framed but not "name key": answered, connection kept. */
	cl_raw(&c, "0:,");
	cl_raw(&c, "6:nokey!,");
	cl_raw(&c, "5: sync,");
	cl_send(&c, "8:sync a\0b,", 11);
	cl_send(&c, "6:s\001nc a,", 9);
	char name[80];
	memset(name, 'n', 65);
	memcpy(name + 65, " k", 3);
	char ns[100];
	snprintf(ns, sizeof(ns), "67:%s,", name);
	cl_raw(&c, ns);
	cl_req(&c, "sync", "ok:still here");
	wait_replies(&c, 7);
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(cl_reply(&c, i), "PERM bad request");
	assert_string_equal(cl_reply(&c, 6), "OK still here");
	assert_int_equal(nstart, 1);
	assert_int_equal(stats().perm, 6);
	assert_int_equal(stats().requests, 7);
	assert_int_equal(stats().bad, 0);
	assert_false(c.eof);
	cl_close(&c);
	stop();
}

static void
test_bad_framing(void **state)
{
	static const char *const bad[] = {
		"abc",                      /* no length */
		":",                        /* empty length */
		"5:hello;",                 /* no comma */
		"01:a,",                    /* leading zero */
		"-1:",
		"100001:",                  /* over NS_MAX_DEFAULT */
		"99999999999999999999999999",
		"9:sync ok:a,junk",         /* answered, then closed */
	};
	sockmap_config cfg = config();
	cl c;

	(void)state;
	start(&cfg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cl_open(&c);
		cl_raw(&c, bad[i]);
		wait_eof(&c, 2000);
		if (i == 7) {
			assert_int_equal(cl_nreplies(&c), 1);
			assert_string_equal(cl_reply(&c, 0), "OK a");
		} else
			assert_int_equal(c.len, 0);
		cl_close(&c);
	}
	wait_connected(0);
	assert_int_equal(stats().bad, sizeof(bad) / sizeof(bad[0]));
	assert_int_equal(nstart, 1);

	/* Junk behind a lookup in flight waits for its answer. */
	cl_open(&c);
	cl_raw(&c, "7:delay a,xyz");
	wait_eof(&c, 2000);
	assert_int_equal(cl_nreplies(&c), 1);
	assert_string_equal(cl_reply(&c, 0), "OK delayed:a");
	cl_close(&c);
	wait_connected(0);
	stop();
}

static void
test_timeout(void **state)
{
	sockmap_config cfg = config();
	uint64_t t0;
	cl c;

	(void)state;
	cfg.timeout_ms = 100;
	start(&cfg);
	cl_open(&c);
	t0 = now_ms();
	cl_req(&c, "hold", "x");
	cl_req(&c, "sync", "ok:after");
	wait_replies(&c, 2);
	assert_true(now_ms() - t0 >= 90);
	assert_string_equal(cl_reply(&c, 0), "TEMP timeout");
	assert_string_equal(cl_reply(&c, 1), "OK after");
	assert_int_equal(ncancel, 1);
	assert_true(fls[0].cancelled);
	assert_int_equal(stats().timeouts, 1);
	assert_int_equal(stats().temp, 1);

	/* A reply in time stops the clock. */
	cl_req(&c, "delay", "y");
	wait_replies(&c, 3);
	assert_string_equal(cl_reply(&c, 2), "OK delayed:y");
	spin(NULL, NULL, 150);
	assert_int_equal(cl_nreplies(&c), 3);
	assert_int_equal(ncancel, 1);
	cl_close(&c);
	stop();
}

static unsigned want_cancel;

static bool
has_cancel(void *arg)
{
	(void)arg;
	return ncancel >= want_cancel;
}

static void
test_disconnect(void **state)
{
	sockmap_config cfg = config();
	cl c;

	(void)state;
	start(&cfg);
	/* Gone during a held lookup, and during a timer-driven one (the
	 * timer must not fire into freed memory afterwards). */
	const char *maps[] = { "hold", "delay" };
	for (size_t i = 0; i < 2; i++) {
		cl_open(&c);
		cl_req(&c, maps[i], "x");
		cl_req(&c, "sync", "ok:never");
		wait_started(i + 1);
		cl_close(&c);
		want_cancel = (unsigned)i + 1;
		if (!spin(has_cancel, NULL, 2000))
			fail_msg("the lookup was not cancelled");
		wait_connected(0);
	}
	spin(NULL, NULL, 60);
	assert_int_equal(nstart, 2);
	assert_int_equal(ncancel, 2);
	assert_int_equal(inflight, 0);

	/* Half-closed: what was asked is answered, then the server closes. */
	cl_open(&c);
	cl_req(&c, "delay", "a");
	cl_req(&c, "sync", "ok:b");
	cl_raw(&c, "3:syn");
	shutdown(c.fd, SHUT_WR);
	wait_eof(&c, 2000);
	assert_int_equal(cl_nreplies(&c), 2);
	assert_string_equal(cl_reply(&c, 0), "OK delayed:a");
	assert_string_equal(cl_reply(&c, 1), "OK b");
	cl_close(&c);
	wait_connected(0);
	assert_int_equal(ncancel, 2);

	/* Freeing the server cancels what runs. */
	cl_open(&c);
	cl_req(&c, "hold", "z");
	wait_started(4);
	stop();
	assert_int_equal(ncancel, 3);
	cl_close(&c);
}

static void
test_quiesce(void **state)
{
	sockmap_config cfg = config();
	cl c, late;

	(void)state;
	start(&cfg);
	cl_open(&c);
	cl_req(&c, "hold", "a");
	wait_started(1);
	sockmap_quiesce(srv);
	assert_int_equal(sockmap_busy(srv), 1);
	cl_req(&c, "sync", "ok:b");
	spin(NULL, NULL, 20);
	assert_int_equal(nstart, 1);

	/* No new clients. */
	cl_open(&late);
	spin(NULL, NULL, 50);
	assert_int_equal(stats().clients, 1);

	/* The lookup in flight ends normally; later requests are refused. */
	fl_reply(fl_find("a"), SOCKMAP_OK, "fine", 4);
	wait_replies(&c, 2);
	assert_string_equal(cl_reply(&c, 0), "OK fine");
	assert_string_equal(cl_reply(&c, 1), "TEMP stopping");
	assert_int_equal(nstart, 1);
	assert_int_equal(sockmap_busy(srv), 0);
	cl_close(&late);
	cl_close(&c);
	stop();
}

static void
test_socket_file(void **state)
{
	sockmap_config cfg = config();
	struct sockaddr_un sun;
	sockmap_srv *other = NULL;
	char err[256] = "";
	struct stat sb;
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
	cfg.mode = 0666;
	start(&cfg);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0666);
	cl c;
	cl_open(&c);
	cl_req(&c, "sync", "ok:1");
	wait_replies(&c, 1);

	/* A live one is refused, and left alone. */
	assert_int_not_equal(sockmap_new(base, &cfg, &fake, &other, err,
	    sizeof(err)), 0);
	assert_null(other);
	if (strstr(err, "listening") == NULL)
		fail_msg("'%s'", err);
	cl_req(&c, "sync", "ok:2");
	wait_replies(&c, 2);
	cl_close(&c);
	stop();

	/* Something else at the path is refused and kept. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	base = event_base_new();
	err[0] = 0;
	assert_int_not_equal(sockmap_new(base, &cfg, &fake, &other, err,
	    sizeof(err)), 0);
	if (strstr(err, "not a socket") == NULL)
		fail_msg("'%s'", err);
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);

	/* A path longer than sun_path. */
	char longp[200];
	memset(longp, 'p', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = 0;
	cfg.path = longp;
	assert_int_equal(sockmap_new(base, &cfg, &fake, &other, err,
	    sizeof(err)), MX_ELIMIT);
	event_base_free(base);
	base = NULL;

	/* The mode asked for, never wider. */
	cfg = config();
	start(&cfg);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	stop();
}

static void
test_max_clients(void **state)
{
	sockmap_config cfg = config();
	cl c[3];

	(void)state;
	cfg.max_clients = 2;
	start(&cfg);
	for (size_t i = 0; i < 3; i++) {
		cl_open(&c[i]);
		wait_connected(i < 2 ? (unsigned)i + 1 : 2);
	}
	wait_eof(&c[2], 2000);
	assert_int_equal(stats().refused, 1);
	assert_int_equal(stats().clients, 2);
	for (size_t i = 0; i < 2; i++) {
		cl_req(&c[i], "sync", "ok:here");
		wait_replies(&c[i], 1);
	}
	cl_close(&c[0]);
	wait_connected(1);
	cl_close(&c[2]);
	cl_open(&c[2]);
	cl_req(&c[2], "sync", "ok:now");
	wait_replies(&c[2], 1);
	assert_string_equal(cl_reply(&c[2], 0), "OK now");
	cl_close(&c[1]);
	cl_close(&c[2]);
	stop();
}

static void
test_idle(void **state)
{
	sockmap_config cfg = config();
	cl c, busy;

	(void)state;
	cfg.idle_timeout_s = 1;
	cfg.timeout_ms = 0;    /* no deadline: a quiet lookup keeps its client */
	start(&cfg);
	cl_open(&c);
	cl_open(&busy);
	cl_req(&busy, "hold", "slow");
	watch[1] = &busy;
	wait_eof(&c, 3000);
	watch[1] = NULL;
	assert_false(busy.eof);
	assert_int_equal(stats().connected, 1);
	fl_reply(fl_find("slow"), SOCKMAP_NOTFOUND, NULL, 0);
	wait_replies(&busy, 1);
	assert_string_equal(cl_reply(&busy, 0), "NOTFOUND ");
	wait_eof(&busy, 3000);
	cl_close(&c);
	cl_close(&busy);
	stop();
}

/* ---- Postfix itself ---- */

#define POSTMAP "/usr/sbin/postmap"

static pid_t postmap_pid;
static int postmap_status;

static bool
postmap_done(void *arg)
{
	(void)arg;
	return waitpid(postmap_pid, &postmap_status, WNOHANG) == postmap_pid;
}

/* Run postmap -q key against the server while the loop turns; its
 * standard output in out. */
static int
postmap_query(const char *key, char *out, size_t cap)
{
	char table[160];
	int p[2];
	size_t n = 0;

	snprintf(table, sizeof(table), "socketmap:unix:%s:policy", path);
	assert_int_equal(pipe(p), 0);
	postmap_pid = fork();
	assert_true(postmap_pid >= 0);
	if (postmap_pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(p[1], 1);
		if (null >= 0)
			dup2(null, 2);
		close(p[0]);
		execl(POSTMAP, "postmap", "-q", key, table, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	if (!spin(postmap_done, NULL, 10000)) {
		kill(postmap_pid, SIGKILL);
		waitpid(postmap_pid, NULL, 0);
		close(p[0]);
		fail_msg("postmap did not finish");
	}
	for (;;) {
		ssize_t r = read(p[0], out + n, cap - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	out[n] = 0;
	close(p[0]);
	return WIFEXITED(postmap_status) ? WEXITSTATUS(postmap_status) : -1;
}

static void
test_postmap(void **state)
{
	sockmap_config cfg = config();
	char out[256];

	(void)state;
	if (access(POSTMAP, X_OK) != 0)
		skip();
	start(&cfg);
	assert_int_equal(postmap_query("example.com", out, sizeof(out)), 0);
	assert_string_equal(out, "dane-only\n");
	assert_int_equal(postmap_query("nothing.example", out, sizeof(out)), 1);
	assert_string_equal(out, "");
	wait_connected(0);
	assert_int_equal(stats().ok, 1);
	assert_int_equal(stats().notfound, 1);
	stop();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_statuses, cleanup),
		cmocka_unit_test_teardown(test_pipelined, cleanup),
		cmocka_unit_test_teardown(test_split, cleanup),
		cmocka_unit_test_teardown(test_bad_request, cleanup),
		cmocka_unit_test_teardown(test_bad_framing, cleanup),
		cmocka_unit_test_teardown(test_timeout, cleanup),
		cmocka_unit_test_teardown(test_disconnect, cleanup),
		cmocka_unit_test_teardown(test_quiesce, cleanup),
		cmocka_unit_test_teardown(test_socket_file, cleanup),
		cmocka_unit_test_teardown(test_max_clients, cleanup),
		cmocka_unit_test_teardown(test_idle, cleanup),
		cmocka_unit_test_teardown(test_postmap, cleanup),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
