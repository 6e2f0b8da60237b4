/*
 * transport.c: upstream UDP and TCP queries on libevent.  The only file in
 * resolver/ with sockets and libevent; errno is mapped to MX_E* here.
 *
 * Each query owns one socket and one non-persistent event.  The event is
 * re-added with the time left before the query's deadline, so a server
 * that trickles bytes cannot stretch a query past its timeout.
 *
 * Re-entrancy: callbacks may call tp_send(), tp_cancel() and tp_free().
 * Before the fail callback the query is freed, and nothing is touched
 * after it returns.  Around the reply callback the query and transport
 * are marked busy; a cancel or free from inside only releases the socket
 * and event, and the memory goes when the callback has returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "err.h"
#include "transport.h"
#include "wire.h"

#define TP_MAX_QUERIES_DEFAULT 4096
#define TP_BIND_TRIES 8           /* random ports tried before port 0 */
#define TP_UDP_BURST 32           /* datagrams read per wake-up */
#define TP_MSG_MAX 65535

enum tp_state { ST_UDP, ST_CONNECT, ST_WRITE, ST_READ };

struct tp_query {
	transport *t;
	tp_query *prev, *next;        /* t's list of queries in flight */
	struct event *ev;
	int fd;
	enum tp_state state;
	short evflags;                /* what ev waits for now */
	bool in_cb;                   /* the reply callback is running */
	bool dead;                    /* released inside it: free afterwards */
	uint64_t deadline;            /* monotonic ms */
	tp_reply_fn reply;
	tp_fail_fn fail;
	void *arg;
	/* TCP: the two-octet length then the message, in both directions. */
	uint8_t rlenbuf[2];
	uint8_t *rbuf;
	size_t rlen, rpos, wlen, wpos;
	uint8_t wbuf[];
};

struct transport {
	struct event_base *base;
	struct sockaddr_storage *out;
	size_t nout;
	size_t max_queries;
	size_t nq;
	tp_query *head;
	unsigned busy;                /* reply callbacks running */
	bool dying;                   /* tp_free() ran inside one */
	unsigned port_lo, port_hi;
	uint8_t udp_buf[TP_MSG_MAX];  /* datagrams are handed out from here */
};

static void tp_udp_cb(evutil_socket_t fd, short what, void *arg);
static void tp_tcp_cb(evutil_socket_t fd, short what, void *arg);

void
tp_random(void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		/* Predictable IDs and ports would undo RFC 5452: do not go on. */
		if (r <= 0)
			abort();
		p += r;
		n -= (size_t)r;
	}
}

/* Uniform in [0, n) by rejection, no modulo bias. */
static uint32_t
tp_uniform(uint32_t n)
{
	uint32_t v, lim = UINT32_MAX - UINT32_MAX % n;

	do
		tp_random(&v, sizeof(v));
	while (v >= lim);
	return v % n;
}

static int
tp_errno(int e)
{
	switch (e) {
	case ENOMEM:
	case ENOBUFS:
		return MX_ENOMEM;
	case EMFILE:
	case ENFILE:
		return MX_ELIMIT;
	}
	return MX_EIO;
}

static uint64_t
tp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The kernel's ephemeral range: RFC 5452 9.2 asks for a range as large
 * as practicable, and this is where the kernel itself puts short-lived
 * ports, so fixed services keep out of it.  A range reaching below 1024
 * is not used: we may run as root and take a privileged service's port. */
static void
tp_read_port_range(transport *t)
{
	unsigned lo, hi;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");

	t->port_lo = 32768;
	t->port_hi = 60999;
	if (f == NULL)
		return;
	if (fscanf(f, "%u %u", &lo, &hi) == 2 && lo >= 1024 && lo <= hi &&
	    hi <= 65535) {
		t->port_lo = lo;
		t->port_hi = hi;
	}
	fclose(f);
}

static socklen_t
tp_salen(int family)
{
	return family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
}

static void
tp_set_port(struct sockaddr_storage *ss, unsigned port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

/*
 * Bind the source: a random configured address of the family, and for
 * UDP an unpredictable port, different for each query in flight (RFC 5452
 * 9.2), so a spoofer must guess port and ID together.  TCP needs no such
 * help (the handshake proves the path) and lets the kernel pick.
 */
static int
tp_bind(transport *t, int fd, int family, bool udp)
{
	struct sockaddr_storage ss;
	size_t n = 0, pick;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	for (size_t i = 0; i < t->nout; i++)
		n += t->out[i].ss_family == family;
	if (t->nout > 0) {
		/* Addresses were configured, none of them for this family. */
		if (n == 0)
			return MX_EINVAL;
		pick = tp_uniform((uint32_t)n);
		for (size_t i = 0; i < t->nout; i++)
			if (t->out[i].ss_family == family && pick-- == 0)
				ss = t->out[i];
	}
	if (!udp) {
		if (t->nout == 0)
			return 0;
#ifdef IP_BIND_ADDRESS_NO_PORT
		/* Pick the port at connect(), by the whole 4-tuple, so many
		 * connections from one address do not run out of ports. */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &(int){ 1 },
		    sizeof(int));
#endif
		tp_set_port(&ss, 0);
		return bind(fd, (struct sockaddr *)&ss, tp_salen(family)) == 0 ?
		    0 : tp_errno(errno);
	}
	for (int i = 0; i < TP_BIND_TRIES; i++) {
		uint32_t span = t->port_hi - t->port_lo + 1;
		tp_set_port(&ss, t->port_lo + tp_uniform(span));
		if (bind(fd, (struct sockaddr *)&ss, tp_salen(family)) == 0)
			return 0;
		if (errno != EADDRINUSE)
			return tp_errno(errno);
	}
	/* The range is crowded; the kernel's choice is random too. */
	tp_set_port(&ss, 0);
	return bind(fd, (struct sockaddr *)&ss, tp_salen(family)) == 0 ? 0 :
	    tp_errno(errno);
}

int
tp_new(struct event_base *base, const tp_config *cfg, transport **out)
{
	transport *t = NULL;
	int rc;

	*out = NULL;
	if (base == NULL || cfg == NULL || (cfg->noutgoing && !cfg->outgoing))
		return MX_EINVAL;
	for (size_t i = 0; i < cfg->noutgoing; i++)
		if (cfg->outgoing[i].ss_family != AF_INET &&
		    cfg->outgoing[i].ss_family != AF_INET6)
			return MX_EINVAL;
	rc = MX_ENOMEM;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		goto fail;
	if (cfg->noutgoing > 0) {
		t->out = calloc(cfg->noutgoing, sizeof(*t->out));
		if (t->out == NULL)
			goto fail;
		memcpy(t->out, cfg->outgoing, cfg->noutgoing * sizeof(*t->out));
		t->nout = cfg->noutgoing;
	}
	t->base = base;
	t->max_queries = cfg->max_queries ? cfg->max_queries :
	    TP_MAX_QUERIES_DEFAULT;
	tp_read_port_range(t);
	*out = t;
	return 0;
fail:
	free(t);
	return rc;
}

/* Take q off the list and close its socket; the memory stays. */
static void
tp_release(tp_query *q)
{
	transport *t = q->t;

	event_free(q->ev);
	q->ev = NULL;
	close(q->fd);
	q->fd = -1;
	free(q->rbuf);
	q->rbuf = NULL;
	if (q->prev)
		q->prev->next = q->next;
	else
		t->head = q->next;
	if (q->next)
		q->next->prev = q->prev;
	t->nq--;
}

static void
tp_finish_free(transport *t)
{
	free(t->out);
	free(t);
}

void
tp_free(transport *t)
{
	if (t == NULL)
		return;
	while (t->head) {
		tp_query *q = t->head;
		tp_release(q);
		if (q->in_cb)
			q->dead = true;
		else
			free(q);
	}
	if (t->busy > 0) {
		t->dying = true;
		return;
	}
	tp_finish_free(t);
}

void
tp_cancel(tp_query *q)
{
	if (q == NULL || q->dead)
		return;
	tp_release(q);
	if (q->in_cb)
		q->dead = true;
	else
		free(q);
}

/* End q with an error.  The callback may free the transport: the caller
 * returns at once. */
static void
tp_fail(tp_query *q, int err)
{
	tp_fail_fn fail = q->fail;
	void *arg = q->arg;

	tp_release(q);
	free(q);
	fail(arg, err);
}

/* Offer a message.  Returns true when q is gone: accepted, or cancelled
 * from inside the callback. */
static bool
tp_offer(tp_query *q, const uint8_t *pkt, size_t len)
{
	transport *t = q->t;
	int rc;

	q->in_cb = true;
	t->busy++;
	rc = q->reply(q->arg, pkt, len);
	t->busy--;
	q->in_cb = false;
	if (q->dead) {
		free(q);
		if (t->dying && t->busy == 0)
			tp_finish_free(t);
		return true;
	}
	if (rc == MX_EAGAIN)
		return false;
	tp_release(q);
	free(q);
	return true;
}

/* Wait for flags with the time left; false: no time left or libevent
 * failed, and q has been failed (and freed). */
static bool
tp_wait(tp_query *q, short flags)
{
	uint64_t now = tp_now_ms();
	struct timeval tv;

	if (now >= q->deadline) {
		tp_fail(q, MX_EAGAIN);
		return false;
	}
	tv.tv_sec = (time_t)((q->deadline - now) / 1000);
	tv.tv_usec = (suseconds_t)((q->deadline - now) % 1000 * 1000);
	if (flags != q->evflags) {
		event_assign(q->ev, q->t->base, q->fd, flags,
		    q->state == ST_UDP ? tp_udp_cb : tp_tcp_cb, q);
		q->evflags = flags;
	}
	if (event_add(q->ev, &tv) != 0) {
		tp_fail(q, MX_EIO);
		return false;
	}
	return true;
}

static void
tp_udp_cb(evutil_socket_t fd, short what, void *arg)
{
	tp_query *q = arg;
	uint8_t *buf = q->t->udp_buf;

	if (what & EV_TIMEOUT) {
		tp_fail(q, MX_EAGAIN);
		return;
	}
	/* The socket is connect()ed: the kernel has already dropped anything
	 * not from the server's address and port.  The rest may still be
	 * spoofed; the callback checks ID and question (RFC 5452 9.1). */
	for (int i = 0; i < TP_UDP_BURST; i++) {
		ssize_t n = recv(fd, buf, TP_MSG_MAX, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			/* ECONNREFUSED: ICMP port unreachable, nobody there. */
			tp_fail(q, MX_EIO);
			return;
		}
		if (tp_offer(q, buf, (size_t)n))
			return;
	}
	tp_wait(q, EV_READ);
}

/* TCP read: length then message.  Returns 1 when the message is in,
 * 0 to wait, or an error. */
static int
tp_tcp_read(tp_query *q)
{
	for (;;) {
		uint8_t *dst = q->rpos < 2 ? q->rlenbuf + q->rpos :
		    q->rbuf + (q->rpos - 2);
		size_t want = q->rpos < 2 ? 2 - q->rpos : q->rlen - (q->rpos - 2);
		ssize_t n = recv(q->fd, dst, want, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return MX_EIO;  /* error, or closed before the end */
		q->rpos += (size_t)n;
		if (q->rpos == 2) {
			/* RFC 1035 4.2.2 framing: a length of zero carries not
			 * even the 12-octet header (4.1.1). */
			q->rlen = wire_get_u16(q->rlenbuf);
			if (q->rlen == 0)
				return MX_EIO;
			if ((q->rbuf = malloc(q->rlen)) == NULL)
				return MX_ENOMEM;
		}
		if (q->rpos > 2 && q->rpos - 2 == q->rlen)
			return 1;
	}
}

static void
tp_tcp_cb(evutil_socket_t fd, short what, void *arg)
{
	tp_query *q = arg;
	int err = 0, rc;
	socklen_t elen = sizeof(err);

	if (what & EV_TIMEOUT) {
		tp_fail(q, MX_EAGAIN);
		return;
	}
	switch (q->state) {
	case ST_CONNECT:
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 ||
		    err != 0) {
			tp_fail(q, MX_EIO);
			return;
		}
		q->state = ST_WRITE;
		/* fall through */
	case ST_WRITE:
		while (q->wpos < q->wlen) {
			ssize_t n = send(fd, q->wbuf + q->wpos, q->wlen - q->wpos,
			    MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				tp_wait(q, EV_WRITE);
				return;
			}
			if (n < 0) {
				tp_fail(q, MX_EIO);
				return;
			}
			q->wpos += (size_t)n;
		}
		q->state = ST_READ;
		tp_wait(q, EV_READ);
		return;
	case ST_READ:
		if ((rc = tp_tcp_read(q)) == 0) {
			tp_wait(q, EV_READ);
			return;
		}
		if (rc < 0) {
			tp_fail(q, rc);
			return;
		}
		/* One connection carries one query here (no reuse or
		 * pipelining, RFC 7766 6.2.1): a message that is not the
		 * answer ends it. */
		if (!tp_offer(q, q->rbuf, q->rlen))
			tp_fail(q, MX_EIO);
		return;
	case ST_UDP:
		break;
	}
}

static bool
tp_addr_ok(const struct sockaddr *sa, socklen_t salen)
{
	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET)
		return salen >= (socklen_t)sizeof(struct sockaddr_in);
	if (sa->sa_family == AF_INET6)
		return salen >= (socklen_t)sizeof(struct sockaddr_in6);
	return false;
}

int
tp_send(transport *t, const struct sockaddr *sa, socklen_t salen,
    const uint8_t *pkt, size_t len, bool tcp, unsigned timeout_ms,
    tp_reply_fn reply, tp_fail_fn fail, void *arg, tp_query **out)
{
	tp_query *q = NULL;
	int fd = -1, rc = MX_EINVAL;
	struct timeval tv;

	if (out)
		*out = NULL;
	if (t == NULL || t->dying || !tp_addr_ok(sa, salen) || pkt == NULL ||
	    len == 0 || len > TP_MSG_MAX || timeout_ms == 0 || !reply || !fail)
		return MX_EINVAL;
	if (t->nq >= t->max_queries)
		return MX_ELIMIT;

	rc = MX_ENOMEM;
	if ((q = calloc(1, sizeof(*q) + (tcp ? 2 + len : 0))) == NULL)
		goto fail;
	fd = socket(sa->sa_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = tp_errno(errno);
		goto fail;
	}
	/* The source port must not also claim the IPv4 port (mapped). */
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &(int){ 1 }, sizeof(int));
	if ((rc = tp_bind(t, fd, sa->sa_family, !tcp)) != 0)
		goto fail;
	if (connect(fd, sa, tp_salen(sa->sa_family)) != 0 &&
	    !(tcp && errno == EINPROGRESS)) {
		rc = tp_errno(errno);
		goto fail;
	}
	if (tcp) {
		/* RFC 1035 4.2.2 framing; length and message in one write
		 * where possible (RFC 7766 8). */
		q->wbuf[0] = (uint8_t)(len >> 8);
		q->wbuf[1] = (uint8_t)len;
		memcpy(q->wbuf + 2, pkt, len);
		q->wlen = 2 + len;
		q->state = ST_CONNECT;
		q->evflags = EV_WRITE;
	} else {
		/* Sent now, so pkt need not be kept. */
		ssize_t n = send(fd, pkt, len, 0);
		if (n != (ssize_t)len) {
			rc = n < 0 ? tp_errno(errno) : MX_EIO;
			goto fail;
		}
		q->state = ST_UDP;
		q->evflags = EV_READ;
	}
	q->ev = event_new(t->base, fd, q->evflags, tcp ? tp_tcp_cb : tp_udp_cb,
	    q);
	if (q->ev == NULL) {
		rc = MX_ENOMEM;
		goto fail;
	}
	tv.tv_sec = (time_t)(timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(timeout_ms % 1000 * 1000);
	if (event_add(q->ev, &tv) != 0) {
		rc = MX_EIO;
		goto fail;
	}
	q->t = t;
	q->fd = fd;
	q->deadline = tp_now_ms() + timeout_ms;
	q->reply = reply;
	q->fail = fail;
	q->arg = arg;
	q->next = t->head;
	if (t->head)
		t->head->prev = q;
	t->head = q;
	t->nq++;
	if (out)
		*out = q;
	return 0;
fail:
	if (q && q->ev)
		event_free(q->ev);
	if (fd >= 0)
		close(fd);
	free(q);
	return rc;
}
