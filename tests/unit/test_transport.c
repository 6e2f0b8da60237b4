/*
 * Unit tests: upstream transport.  Real sockets on loopback; the responders
 * run in the same libevent loop as the transport, so each test is one
 * thread and a few hundred milliseconds at most.
 */
#define _GNU_SOURCE             /* accept4 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "err.h"
#include "transport.h"

#define MAX_CONNS 8
#define MAX_SRV 4
#define MAX_PORTS 256

/* ---- responders ------------------------------------------------------ */

enum srv_mode {
	M_ECHO,          /* answer: the query with QR set */
	M_SPOOF_FIRST,   /* a wrong ID first, then the answer */
	M_OTHER_PORT,    /* a marked answer from another port, then the answer */
	M_SILENT,        /* read and drop */
	M_ZERO,          /* TCP: a length of zero */
};

struct srv;

struct conn {
	struct srv *s;
	int fd;
	struct event *rev, *wev;
	uint8_t *in;
	size_t inlen;
	uint8_t *out;
	size_t outlen, outpos;
};

struct srv {
	struct event_base *base;
	bool tcp;
	int fd, fd2;
	struct sockaddr_storage sa;
	socklen_t salen;
	struct event *ev;
	enum srv_mode mode;
	size_t chunk;              /* TCP: bytes per tick; 0: all at once */
	unsigned interval_ms;      /* TCP: between ticks */
	size_t pad_to;             /* TCP: answer length at least this */
	int nrecv;
	uint16_t ports[MAX_PORTS];
	struct sockaddr_storage from;
	struct conn *conns[MAX_CONNS];
	int nconns;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint16_t
sa_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static socklen_t
make_sa(int family, const char *ip, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, ip, &s4->sin_addr), 1);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	s6->sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
	return sizeof(*s6);
}

/* A socket bound to ip with a port the kernel picks; -1 if impossible. */
static int
bound_socket(int family, const char *ip, int type, struct sockaddr_storage *ss,
    socklen_t *salen)
{
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	*salen = make_sa(family, ip, ss);
	if (bind(fd, (struct sockaddr *)ss, *salen) != 0 ||
	    getsockname(fd, (struct sockaddr *)ss, salen) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The answer to query q: QR set, padded with zeros to pad_to. */
static size_t
make_answer(const struct srv *s, const uint8_t *q, size_t qlen, uint8_t *out,
    size_t cap)
{
	size_t n = qlen > s->pad_to ? qlen : s->pad_to;

	assert_true(n <= cap && qlen >= 3);
	memset(out, 0, n);
	memcpy(out, q, qlen);
	out[2] |= 0x80;
	return n;
}

static void
udp_srv_cb(evutil_socket_t fd, short what, void *arg)
{
	struct srv *s = arg;
	uint8_t buf[2048], ans[2048];
	struct sockaddr_storage from;
	socklen_t flen;
	ssize_t n;

	for (;;) {
		flen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		    &flen);
		if (n < 0)
			break;
		if (s->nrecv < MAX_PORTS)
			s->ports[s->nrecv] = sa_port(&from);
		s->nrecv++;
		s->from = from;
		if (s->mode == M_SILENT || n < 3)
			continue;
		size_t alen = make_answer(s, buf, (size_t)n, ans, sizeof(ans));
		if (s->mode == M_SPOOF_FIRST) {
			ans[0] ^= 0x55;
			sendto(fd, ans, alen, 0, (struct sockaddr *)&from, flen);
			ans[0] ^= 0x55;
		} else if (s->mode == M_OTHER_PORT) {
			/* Same content but marked, from a port the query
			 * was not sent to: must never reach the callback. */
			ans[3] = 0xee;
			assert_int_equal(sendto(s->fd2, ans, alen, 0,
			    (struct sockaddr *)&from, flen), (ssize_t)alen);
			ans[3] = buf[3];
		}
		assert_int_equal(sendto(fd, ans, alen, 0,
		    (struct sockaddr *)&from, flen), (ssize_t)alen);
	}
}

static void
conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	size_t want = c->outlen - c->outpos;

	if (c->s->chunk && want > c->s->chunk)
		want = c->s->chunk;
	/* fd is -1 when the drip timer fires. */
	ssize_t n = send(c->fd, c->out + c->outpos, want, MSG_NOSIGNAL);
	if (n > 0)
		c->outpos += (size_t)n;
	if (c->outpos == c->outlen || (n < 0 && errno != EAGAIN))
		return;
	if (c->s->chunk) {
		struct timeval tv = { 0, (suseconds_t)c->s->interval_ms * 1000 };
		event_add(c->wev, &tv);
	} else {
		event_add(c->wev, NULL);
	}
}

static void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct srv *s = c->s;
	ssize_t n = recv(fd, c->in + c->inlen, 2 + 65535 - c->inlen, 0);

	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		event_del(c->rev);   /* the client went away */
		return;
	}
	c->inlen += (size_t)n;
	if (c->inlen < 2 || c->inlen < 2 + (size_t)(c->in[0] << 8 | c->in[1]))
		return;
	s->nrecv++;
	event_del(c->rev);
	if (s->mode == M_SILENT)
		return;
	c->out = calloc(1, 2 + 65535);
	assert_non_null(c->out);
	if (s->mode == M_ZERO) {
		c->outlen = 2;
	} else {
		size_t alen = make_answer(s, c->in + 2, c->inlen - 2, c->out + 2,
		    65535);
		c->out[0] = (uint8_t)(alen >> 8);
		c->out[1] = (uint8_t)alen;
		c->outlen = 2 + alen;
	}
	if (s->chunk)
		c->wev = evtimer_new(s->base, conn_write_cb, c);
	else
		c->wev = event_new(s->base, fd, EV_WRITE, conn_write_cb, c);
	assert_non_null(c->wev);
	conn_write_cb(fd, 0, c);
}

static void
tcp_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct srv *s = arg;
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	int cfd = accept4(fd, (struct sockaddr *)&from, &flen,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (cfd < 0)
		return;
	assert_true(s->nconns < MAX_CONNS);
	struct conn *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	c->s = s;
	c->fd = cfd;
	c->in = malloc(2 + 65535);
	assert_non_null(c->in);
	c->rev = event_new(s->base, cfd, EV_READ | EV_PERSIST, conn_read_cb, c);
	event_add(c->rev, NULL);
	s->conns[s->nconns++] = c;
	s->from = from;
}

/* ---- fixture --------------------------------------------------------- */

struct fx {
	struct event_base *base;
	transport *t;
	struct srv srv[MAX_SRV];
	int nsrv;
	int ndone;               /* final callbacks, all queries */
};

struct qctx {
	struct fx *f;
	tp_query *q;
	uint16_t id;
	int nreply, naccept, nfail, err;
	bool again_always;       /* reply returns MX_EAGAIN whatever comes */
	uint8_t last[8];
	uint64_t t_start, t_end;
	/* Re-entrant actions, run from the callbacks. */
	enum { A_NONE, A_CANCEL_SELF, A_CANCEL_OTHER, A_FREE, A_SEND } act;
	tp_query **other;
	struct qctx *next;       /* A_SEND: the query to send */
	struct srv *next_srv;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	tp_config cfg = { 0 };

	assert_non_null(f);
	f->base = event_base_new();
	assert_non_null(f->base);
	assert_int_equal(tp_new(f->base, &cfg, &f->t), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	tp_free(f->t);
	for (int i = 0; i < f->nsrv; i++) {
		struct srv *s = &f->srv[i];
		for (int j = 0; j < s->nconns; j++) {
			struct conn *c = s->conns[j];
			event_free(c->rev);
			if (c->wev)
				event_free(c->wev);
			close(c->fd);
			free(c->in);
			free(c->out);
			free(c);
		}
		event_free(s->ev);
		close(s->fd);
		if (s->fd2 >= 0)
			close(s->fd2);
	}
	event_base_free(f->base);
	free(f);
	return 0;
}

/* A responder on ip; NULL when the family is not available. */
static struct srv *
srv_new(struct fx *f, int family, const char *ip, bool tcp, enum srv_mode mode)
{
	struct srv *s = &f->srv[f->nsrv];
	struct sockaddr_storage ss;
	socklen_t sl;

	assert_true(f->nsrv < MAX_SRV);
	memset(s, 0, sizeof(*s));
	s->base = f->base;
	s->tcp = tcp;
	s->mode = mode;
	s->fd2 = -1;
	s->fd = bound_socket(family, ip, tcp ? SOCK_STREAM : SOCK_DGRAM,
	    &s->sa, &s->salen);
	if (s->fd < 0)
		return NULL;
	if (tcp) {
		assert_int_equal(listen(s->fd, 8), 0);
		s->ev = event_new(f->base, s->fd, EV_READ | EV_PERSIST,
		    tcp_accept_cb, s);
	} else {
		s->ev = event_new(f->base, s->fd, EV_READ | EV_PERSIST,
		    udp_srv_cb, s);
		s->fd2 = bound_socket(family, ip, SOCK_DGRAM, &ss, &sl);
		assert_true(s->fd2 >= 0);
	}
	assert_non_null(s->ev);
	event_add(s->ev, NULL);
	f->nsrv++;
	return s;
}

static void
guard_cb(evutil_socket_t fd, short what, void *arg)
{
	*(bool *)arg = true;
}

/* Run the loop until *counter reaches target or max_ms pass. */
static void
run_until(struct fx *f, const int *counter, int target, unsigned max_ms)
{
	bool expired = false;
	struct event *guard = evtimer_new(f->base, guard_cb, &expired);
	struct timeval tv = { max_ms / 1000, (suseconds_t)(max_ms % 1000) * 1000 };

	assert_non_null(guard);
	evtimer_add(guard, &tv);
	while (*counter < target && !expired)
		event_base_loop(f->base, EVLOOP_ONCE);
	event_free(guard);
}

static int
on_reply(void *arg, const uint8_t *pkt, size_t len)
{
	struct qctx *c = arg;

	c->nreply++;
	memcpy(c->last, pkt, len < sizeof(c->last) ? len : sizeof(c->last));
	if (c->act == A_CANCEL_SELF) {
		tp_cancel(c->q);
		tp_cancel(c->q);   /* twice inside the callback: harmless */
		c->f->ndone++;
		return MX_EAGAIN;
	}
	if (c->again_always || len < 3 || (pkt[0] << 8 | pkt[1]) != c->id ||
	    !(pkt[2] & 0x80))
		return MX_EAGAIN;
	c->naccept++;
	c->t_end = now_ms();
	c->f->ndone++;
	if (c->act == A_CANCEL_OTHER)
		tp_cancel(*c->other);
	if (c->act == A_FREE) {
		tp_free(c->f->t);
		c->f->t = NULL;
	}
	return 0;
}

static int send_q(struct fx *f, struct srv *s, bool tcp, unsigned timeout_ms,
    struct qctx *c);

static void
on_fail(void *arg, int err)
{
	struct qctx *c = arg;

	c->nfail++;
	c->err = err;
	c->t_end = now_ms();
	c->f->ndone++;
	if (c->act == A_SEND)
		assert_int_equal(send_q(c->f, c->next_srv, false, 1000, c->next), 0);
	if (c->act == A_FREE) {
		tp_free(c->f->t);
		c->f->t = NULL;
	}
}

/* A query: random ID, then a few bytes the responder echoes. */
static int
send_q_len(struct fx *f, const struct sockaddr *sa, socklen_t salen, bool tcp,
    unsigned timeout_ms, struct qctx *c, size_t len)
{
	static uint8_t pkt[65536 + 1];

	c->f = f;
	tp_random(&c->id, sizeof(c->id));
	memset(pkt, 'x', len);
	pkt[0] = (uint8_t)(c->id >> 8);
	pkt[1] = (uint8_t)c->id;
	pkt[2] = 0x01;
	pkt[3] = 0x00;
	c->t_start = now_ms();
	return tp_send(f->t, sa, salen, pkt, len, tcp, timeout_ms, on_reply,
	    on_fail, c, &c->q);
}

static int
send_q(struct fx *f, struct srv *s, bool tcp, unsigned timeout_ms,
    struct qctx *c)
{
	return send_q_len(f, (struct sockaddr *)&s->sa, s->salen, tcp,
	    timeout_ms, c, 20);
}

/* ---- tests ----------------------------------------------------------- */

static void
test_random(void **state)
{
	uint8_t a[32], b[32], zero[32] = { 0 };

	tp_random(a, sizeof(a));
	tp_random(b, sizeof(b));
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, zero, sizeof(a));
	tp_random(a, 0);
}

static void
test_bad_args(void **state)
{
	struct fx *f = *state;
	struct srv *s = srv_new(f, AF_INET, "127.0.0.1", false, M_SILENT);
	struct qctx c = { 0 };
	uint8_t pkt[4] = { 0 };
	struct sockaddr_storage un = { .ss_family = AF_UNIX };
	tp_query *q = (tp_query *)&c;
	transport *t = (transport *)&c;
	tp_config cfg = { .outgoing = &un, .noutgoing = 1 };

	assert_int_equal(tp_send(f->t, (struct sockaddr *)&s->sa, s->salen, pkt,
	    0, false, 100, on_reply, on_fail, &c, &q), MX_EINVAL);
	assert_null(q);
	assert_int_equal(send_q_len(f, (struct sockaddr *)&s->sa, s->salen,
	    true, 100, &c, 65536), MX_EINVAL);
	assert_int_equal(tp_send(f->t, (struct sockaddr *)&s->sa, s->salen, pkt,
	    4, false, 0, on_reply, on_fail, &c, NULL), MX_EINVAL);
	assert_int_equal(tp_send(f->t, (struct sockaddr *)&s->sa, 4, pkt, 4,
	    false, 100, on_reply, on_fail, &c, NULL), MX_EINVAL);
	assert_int_equal(tp_send(f->t, (struct sockaddr *)&un, sizeof(un), pkt,
	    4, false, 100, on_reply, on_fail, &c, NULL), MX_EINVAL);
	assert_int_equal(tp_new(f->base, &cfg, &t), MX_EINVAL);
	assert_null(t);
	assert_int_equal(s->nrecv, 0);
}

static void
test_udp_answer(void **state)
{
	struct fx *f = *state;
	struct srv *s = srv_new(f, AF_INET, "127.0.0.1", false, M_ECHO);
	struct qctx c = { 0 };

	assert_int_equal(send_q(f, s, false, 1000, &c), 0);
	assert_non_null(c.q);
	run_until(f, &f->ndone, 1, 1000);
	assert_int_equal(c.nreply, 1);
	assert_int_equal(c.naccept, 1);
	assert_int_equal(c.nfail, 0);
	assert_int_equal(s->nrecv, 1);
}

static void
test_udp_spoof_then_answer(void **state)
{
	struct fx *f = *state;
	struct srv *s = srv_new(f, AF_INET, "127.0.0.1", false, M_SPOOF_FIRST);
	struct qctx c = { 0 };

	assert_int_equal(send_q(f, s, false, 1000, &c), 0);
	run_until(f, &f->ndone, 1, 1000);
	assert_int_equal(c.nreply, 2);
	assert_int_equal(c.naccept, 1);
	assert_int_equal(c.nfail, 0);
}

static void
test_udp_other_port_filtered(void **state)
{
	struct fx *f = *state;
	struct srv *s = srv_new(f, AF_INET, "127.0.0.1", false, M_OTHER_PORT);
	struct qctx c = { 0 };

	assert_int_equal(send_q(f, s, false, 1000, &c), 0);
	run_until(f, &f->ndone, 1, 1000);
	/* The marked copy was sent first; the kernel dropped it. */
	assert_int_equal(c.nreply, 1);
	assert_int_equal(c.naccept, 1);
	assert_int_not_equal(c.last[3], 0xee);
}

static void
test_udp_timeout(void **state)
{
	struct fx *f = *state;
	struct srv *s = srv_new(f, AF_INET, "127.0.0.1", false, M_SILENT);
	struct qctx c = { 0 };

	assert_int_equal(send_q(f, s, false, 200, &c), 0);
	run_until(f, &f->ndone, 1, 1000);
	assert_int_equal(c.nfail, 1);
	assert_int_equal(c.err, MX_EAGAIN);
	assert_int_equal(c.nreply, 0);
	assert_true(c.t_end - c.t_start >= 190);
	assert_true(c.t_end - c.t_start < 400);
}

/* Wrong datagrams keep the query waiting, but not past its deadline. */
static void
test_udp_drops_keep_deadline(void **state)
{
	struct fx *f = *state;
	struct srv *s = srv_new(f, AF_INET, "127.0.0.1", false, M_SPOOF_FIRST);
	struct qctx c = { .again_always = true };

	assert_int_equal(send_q(f, s, false, 200, &c), 0);
	run_until(f, &f->ndone, 1, 1000);
	assert_int_equal(c.nreply, 2);
	assert_int_equal(c.nfail, 1);
	assert_int_equal(c.err, MX_EAGAIN);
	assert_true(c.t_end - c.t_start < 400);
}

static int
closed_port(int type, struct sockaddr_storage *ss, socklen_t *sl)
{
	int fd = bound_socket(AF_INET, "127.0.0.1", type, ss, sl);

	assert_true(fd >= 0);
	close(fd);
	return 0;
}

static void
test_udp_refused(void **state)
{
	struct fx *f = *state;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct qctx c = { 0 };

	closed_port(SOCK_DGRAM, &ss, &sl);
	assert_int_equal(send_q_len(f, (struct sockaddr *)&ss, sl, false, 300,
	    &c, 20), 0);
	run_until(f, &f->ndone, 1, 1000);
	assert_int_equal(c.nfail, 1);
	/* ICMP may be rate-limited; then it is a timeout. */
	assert_true(c.err == MX_EIO || c.err == MX_EAGAIN);
	assert_int_equal(c.nreply, 0);
}

static void
test_tcp_drip(void **state)
{
	struct fx *f = *state;
	struct srv *s = srv_new(f, AF_INET, "127.0.0.1", true, M_ECHO);
	struct qctx c = { 0 };

	/* 52 octets, 3 every 5 ms: about 90 ms, inside the timeout. */
	s->chunk = 3;
	s->interval_ms = 5;
	s->pad_to = 50;
	assert_int_equal(send_q(f, s, true, 1000, &c), 0);
	run_until(f, &f->ndone, 1, 1000);
	assert_int_equal(c.nfail, 0);
	assert_int_equal(c.nreply, 1);
	assert_int_equal(c.naccept, 1);
	assert_int_equal(s->nrecv, 1);
	assert_true(c.t_end - c.t_start >= 50);
}

static void
test_tcp_large(void **state)
{
	struct fx *f = *state;
	struct srv *s = srv_new(f, AF_INET, "127.0.0.1", true, M_ECHO);
	struct qctx c = { 0 };

	assert_int_equal(send_q_len(f, (struct sockaddr *)&s->sa, s->salen,
	    true, 1000, &c, 65535), 0);
	run_until(f, &f->ndone, 1, 1000);
	assert_int_equal(c.nfail, 0);
	assert_int_equal(c.naccept, 1);
	assert_int_equal(s->conns[0]->outlen, 2 + 65535);
}

static void
test_tcp_drip_timeout(void **state)
{
	struct fx *f = *state;
	struct srv *s = srv_new(f, AF_INET, "127.0.0.1", true, M_ECHO);
	struct qctx c = { 0 };

	/* 42 octets, one every 20 ms: each arrives well within the timeout,
	 * the whole would take 840 ms. */
	s->chunk = 1;
	s->interval_ms = 20;
	s->pad_to = 40;
	assert_int_equal(send_q(f, s, true, 200, &c), 0);
	run_until(f, &f->ndone, 1, 1000);
	assert_int_equal(c.nfail, 1);
	assert_int_equal(c.err, MX_EAGAIN);
	assert_int_equal(c.nreply, 0);
	assert_true(c.t_end - c.t_start >= 190);
	assert_true(c.t_end - c.t_start < 400);
	/* Bytes did flow: a timer reset on activity would have waited on. */
	assert_int_equal(s->nconns, 1);
	assert_true(s->conns[0]->outpos >= 5);
}

static void
test_tcp_zero_length(void **state)
{
	struct fx *f = *state;
	struct srv *s = srv_new(f, AF_INET, "127.0.0.1", true, M_ZERO);
	struct qctx c = { 0 };

	assert_int_equal(send_q(f, s, true, 1000, &c), 0);
	run_until(f, &f->ndone, 1, 1000);
	assert_int_equal(c.nfail, 1);
	assert_int_equal(c.err, MX_EIO);
	assert_int_equal(c.nreply, 0);
	assert_true(c.t_end - c.t_start < 500);
}

static void
test_tcp_not_accepted(void **state)
{
	struct fx *f = *state;
	struct srv *s = srv_new(f, AF_INET, "127.0.0.1", true, M_ECHO);
	struct qctx c = { .again_always = true };

	assert_int_equal(send_q(f, s, true, 1000, &c), 0);
	run_until(f, &f->ndone, 1, 1000);
	assert_int_equal(c.nreply, 1);
	assert_int_equal(c.nfail, 1);
	assert_int_equal(c.err, MX_EIO);
}

static void
test_tcp_refused(void **state)
{
	struct fx *f = *state;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct qctx c = { 0 };
	int rc;

	closed_port(SOCK_STREAM, &ss, &sl);
	rc = send_q_len(f, (struct sockaddr *)&ss, sl, true, 300, &c, 20);
	if (rc == 0) {
		run_until(f, &f->ndone, 1, 1000);
		assert_int_equal(c.nfail, 1);
		assert_int_equal(c.err, MX_EIO);
	} else {
		assert_int_equal(rc, MX_EIO);
	}
}

static void
test_limit(void **state)
{
	struct fx *f = *state;
	struct srv *s = srv_new(f, AF_INET, "127.0.0.1", false, M_SILENT);
	struct srv *st = srv_new(f, AF_INET, "127.0.0.1", true, M_SILENT);
	tp_config cfg = { .max_queries = 3 };
	struct qctx c[5];

	memset(c, 0, sizeof(c));
	tp_free(f->t);
	assert_int_equal(tp_new(f->base, &cfg, &f->t), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(send_q(f, i == 2 ? st : s, i == 2, 1000,
		    &c[i]), 0);
	assert_int_equal(send_q(f, s, false, 1000, &c[3]), MX_ELIMIT);
	assert_null(c[3].q);
	tp_cancel(c[0].q);
	assert_int_equal(send_q(f, s, false, 1000, &c[4]), 0);
	/* Free with queries in flight: no callbacks, nothing leaks. */
	tp_free(f->t);
	f->t = NULL;
	run_until(f, &f->ndone, 1, 50);
	assert_int_equal(f->ndone, 0);
}

static void
test_cancel_in_reply(void **state)
{
	struct fx *f = *state;
	struct srv *s = srv_new(f, AF_INET, "127.0.0.1", false, M_SPOOF_FIRST);
	struct qctx c = { .act = A_CANCEL_SELF };

	assert_int_equal(send_q(f, s, false, 100, &c), 0);
	run_until(f, &f->ndone, 2, 200);
	/* The real answer came after the cancel: never offered, no fail. */
	assert_int_equal(c.nreply, 1);
	assert_int_equal(c.nfail, 0);
}

static void
test_cancel_other_in_reply(void **state)
{
	struct fx *f = *state;
	struct srv *echo = srv_new(f, AF_INET, "127.0.0.1", false, M_ECHO);
	struct srv *mute = srv_new(f, AF_INET, "127.0.0.1", true, M_SILENT);
	struct qctx a = { 0 }, b = { 0 };

	assert_int_equal(send_q(f, mute, true, 100, &b), 0);
	a.act = A_CANCEL_OTHER;
	a.other = &b.q;
	assert_int_equal(send_q(f, echo, false, 1000, &a), 0);
	run_until(f, &f->ndone, 2, 200);
	assert_int_equal(a.naccept, 1);
	assert_int_equal(b.nfail, 0);
	assert_int_equal(b.nreply, 0);
}

static void
test_send_from_fail(void **state)
{
	struct fx *f = *state;
	struct srv *echo = srv_new(f, AF_INET, "127.0.0.1", false, M_ECHO);
	struct srv *mute = srv_new(f, AF_INET, "127.0.0.1", false, M_SILENT);
	struct qctx a = { 0 }, b = { 0 };

	a.act = A_SEND;
	a.next = &b;
	a.next_srv = echo;
	assert_int_equal(send_q(f, mute, false, 100, &a), 0);
	run_until(f, &f->ndone, 2, 1000);
	assert_int_equal(a.nfail, 1);
	assert_int_equal(a.err, MX_EAGAIN);
	assert_int_equal(b.naccept, 1);
	assert_int_equal(b.nfail, 0);
}

static void
test_free_in_callbacks(void **state)
{
	struct fx *f = *state;
	struct srv *echo = srv_new(f, AF_INET, "127.0.0.1", false, M_ECHO);
	struct srv *mute = srv_new(f, AF_INET, "127.0.0.1", false, M_SILENT);
	struct qctx a = { .act = A_FREE }, b = { 0 }, d = { .act = A_FREE };
	tp_config cfg = { 0 };

	/* From a reply callback, with another query in flight. */
	assert_int_equal(send_q(f, mute, false, 100, &b), 0);
	assert_int_equal(send_q(f, echo, false, 1000, &a), 0);
	run_until(f, &f->ndone, 1, 300);
	assert_null(f->t);
	assert_int_equal(a.naccept, 1);
	run_until(f, &f->ndone, 2, 150);
	assert_int_equal(b.nfail + b.nreply, 0);

	/* From a fail callback. */
	assert_int_equal(tp_new(f->base, &cfg, &f->t), 0);
	memset(&b, 0, sizeof(b));
	f->ndone = 0;
	assert_int_equal(send_q(f, mute, false, 100, &b), 0);
	assert_int_equal(send_q(f, mute, false, 50, &d), 0);
	run_until(f, &f->ndone, 2, 300);
	assert_null(f->t);
	assert_int_equal(d.nfail, 1);
	assert_int_equal(b.nfail + b.nreply, 0);
}

static int
cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static void
test_source_ports(void **state)
{
	struct fx *f = *state;
	struct srv *s = srv_new(f, AF_INET, "127.0.0.1", false, M_SILENT);
	unsigned lo = 32768, hi = 60999, distinct = 1, adjacent = 0;
	uint16_t sorted[200];
	FILE *fp = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	enum { N = 200 };

	if (fp) {
		assert_int_equal(fscanf(fp, "%u %u", &lo, &hi), 2);
		fclose(fp);
	}
	/* One at a time, so the kernel could have reused a port each time. */
	for (int i = 0; i < N; i++) {
		struct qctx c = { 0 };
		assert_int_equal(send_q(f, s, false, 1000, &c), 0);
		run_until(f, &s->nrecv, i + 1, 500);
		tp_cancel(c.q);
	}
	assert_int_equal(s->nrecv, N);
	for (int i = 0; i < N; i++) {
		assert_true(s->ports[i] >= lo && s->ports[i] <= hi);
		if (i > 0 && abs((int)s->ports[i] - (int)s->ports[i - 1]) <= 2)
			adjacent++;
	}
	memcpy(sorted, s->ports, sizeof(sorted));
	qsort(sorted, N, sizeof(sorted[0]), cmp_u16);
	for (int i = 1; i < N; i++)
		distinct += sorted[i] != sorted[i - 1];
	assert_true(distinct >= 190);
	assert_true(adjacent < 5);
	/* Spread over the range, not bunched in a corner. */
	assert_true((unsigned)(sorted[N - 1] - sorted[0]) > (hi - lo) / 2);
}

static void
test_outgoing(void **state)
{
	struct fx *f = *state;
	struct srv *u = srv_new(f, AF_INET, "127.0.0.1", false, M_ECHO);
	struct srv *t = srv_new(f, AF_INET, "127.0.0.1", true, M_ECHO);
	struct sockaddr_storage out, six;
	tp_config cfg = { .outgoing = &out, .noutgoing = 1 };
	struct qctx a = { 0 }, b = { 0 }, c = { 0 };
	char ip[INET_ADDRSTRLEN];

	make_sa(AF_INET, "127.0.0.2", &out);
	tp_free(f->t);
	assert_int_equal(tp_new(f->base, &cfg, &f->t), 0);
	assert_int_equal(send_q(f, u, false, 1000, &a), 0);
	run_until(f, &f->ndone, 1, 1000);
	assert_int_equal(a.naccept, 1);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&u->from)->sin_addr, ip,
	    sizeof(ip));
	assert_string_equal(ip, "127.0.0.2");

	assert_int_equal(send_q(f, t, true, 1000, &b), 0);
	run_until(f, &f->ndone, 2, 1000);
	assert_int_equal(b.naccept, 1);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&t->from)->sin_addr, ip,
	    sizeof(ip));
	assert_string_equal(ip, "127.0.0.2");

	/* No IPv6 source configured: IPv6 queries are refused. */
	socklen_t sl = make_sa(AF_INET6, "::1", &six);
	((struct sockaddr_in6 *)&six)->sin6_port = htons(53);
	assert_int_equal(send_q_len(f, (struct sockaddr *)&six, sl, false, 100,
	    &c, 20), MX_EINVAL);
}

static void
test_ipv6(void **state)
{
	struct fx *f = *state;
	struct srv *u = srv_new(f, AF_INET6, "::1", false, M_SPOOF_FIRST);
	struct qctx a = { 0 }, b = { 0 };

	if (u == NULL)
		skip();
	struct srv *t = srv_new(f, AF_INET6, "::1", true, M_ECHO);
	assert_non_null(t);
	t->chunk = 5;
	t->interval_ms = 2;
	assert_int_equal(send_q(f, u, false, 1000, &a), 0);
	assert_int_equal(send_q(f, t, true, 1000, &b), 0);
	run_until(f, &f->ndone, 2, 1000);
	assert_int_equal(a.nreply, 2);
	assert_int_equal(a.naccept, 1);
	assert_int_equal(b.naccept, 1);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_random),
		T(test_bad_args),
		T(test_udp_answer),
		T(test_udp_spoof_then_answer),
		T(test_udp_other_port_filtered),
		T(test_udp_timeout),
		T(test_udp_drops_keep_deadline),
		T(test_udp_refused),
		T(test_tcp_drip),
		T(test_tcp_large),
		T(test_tcp_drip_timeout),
		T(test_tcp_zero_length),
		T(test_tcp_not_accepted),
		T(test_tcp_refused),
		T(test_limit),
		T(test_cancel_in_reply),
		T(test_cancel_other_in_reply),
		T(test_send_from_fail),
		T(test_free_in_callbacks),
		T(test_source_ports),
		T(test_outgoing),
		T(test_ipv6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
