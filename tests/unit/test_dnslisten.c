/*
 * Unit tests: the loopback DNS listener over real sockets on 127.0.0.1
 * and ::1 (ephemeral ports).  A scripted resolve callback stands in for
 * the engine; it answers at once, later from a libevent timer, or holds
 * the query.  The test pumps the event loop while it waits for replies.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "dnslisten.h"
#include "err.h"
#include "msg.h"
#include "name.h"
#include "rrtype.h"

#define MAXQ 128

static struct event_base *base;
static dnsl *L;
static struct sockaddr_storage a4, a6;
static socklen_t a4len, a6len;
static bool have_v6;

static region reg;          /* test allocations, reset per test */
static dnsl_query *held[MAXQ];
static size_t nheld;
static dnsl_query *abandoned[MAXQ];
static size_t nabandoned;
static unsigned nresolve;
static dnsl_question lastq;
static uint8_t lastqname[NAME_MAX_WIRE];
static char long_reason[400];

/* Clock. */

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Run the listener's loop for a moment. */
static void
pump(int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;
	do {
		event_base_loop(base, EVLOOP_NONBLOCK);
		poll(NULL, 0, 1);
	} while (now_ms() < end);
}

static bool
pump_until(bool (*cond)(void), int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;
	while (!cond()) {
		if (now_ms() >= end)
			return false;
		event_base_loop(base, EVLOOP_NONBLOCK);
		poll(NULL, 0, 1);
	}
	return true;
}

/* Scripted resolver.  The first label of the name picks the behaviour. */

static const uint8_t *
N(const char *s)
{
	uint8_t *w = region_alloc(&reg, NAME_MAX_WIRE);
	assert_non_null(w);
	assert_int_equal(name_from_cstr(s, w), 0);
	return w;
}

static bool
first_label_is(const uint8_t *name, const char *label)
{
	size_t n = strlen(label);
	return name[0] == n && strncasecmp((const char *)name + 1, label, n) == 0;
}

static bool
first_label_prefix(const uint8_t *name, const char *prefix, unsigned *num)
{
	size_t n = strlen(prefix);
	char buf[64];
	if (name[0] <= n || strncasecmp((const char *)name + 1, prefix, n) != 0)
		return false;
	memcpy(buf, name + 1 + n, name[0] - n);
	buf[name[0] - n] = 0;
	*num = (unsigned)atoi(buf);
	return true;
}

static msg_rr *
rrs(size_t n)
{
	msg_rr *r = region_zalloc(&reg, n * sizeof(*r));
	assert_non_null(r);
	return r;
}

static void
set_rr(msg_rr *rr, const uint8_t *owner, uint16_t type, const void *rd,
    size_t len)
{
	rr->owner = region_memdup(&reg, owner, name_len(owner));
	rr->type = type;
	rr->rclass = CLASS_IN;
	rr->ttl = 300;
	rr->rdata = region_memdup(&reg, rd, len);
	rr->rdlen = (uint16_t)len;
}

static const uint8_t A_RD[4] = { 192, 0, 2, 1 };

/* RRSIG over A by example. (RFC 4034 3.1), fake signature. */
static size_t
rrsig_rdata(uint8_t *out, uint16_t covered)
{
	const uint8_t *signer = N("example");
	size_t o = 0;
	out[o++] = (uint8_t)(covered >> 8);
	out[o++] = (uint8_t)covered;
	out[o++] = 13;                       /* ECDSAP256SHA256 */
	out[o++] = 2;                        /* labels */
	memcpy(out + o, "\0\0\x01\x2c", 4);  /* original TTL */
	o += 4;
	memcpy(out + o, "\x70\0\0\0\x60\0\0\0", 8);  /* expiration, inception */
	o += 8;
	out[o++] = 0x12;                     /* key tag */
	out[o++] = 0x34;
	memcpy(out + o, signer, name_len(signer));
	o += name_len(signer);
	memset(out + o, 0xab, 64);
	return o + 64;
}

/* NSEC: next name + bitmap with A and RRSIG, NSEC. */
static size_t
nsec_rdata(uint8_t *out, const char *next)
{
	const uint8_t *n = N(next);
	size_t o = name_len(n);
	memcpy(out, n, o);
	out[o++] = 0;
	out[o++] = 6;
	memcpy(out + o, "\x40\0\0\0\0\x03", 6);
	return o + 6;
}

static size_t
soa_rdata(uint8_t *out)
{
	const uint8_t *m = N("ns.example"), *r = N("hostmaster.example");
	size_t o = 0;
	memcpy(out + o, m, name_len(m));
	o += name_len(m);
	memcpy(out + o, r, name_len(r));
	o += name_len(r);
	memcpy(out + o, "\0\0\0\x01\0\0\x0e\x10\0\0\x03\x84\0\x09\x3a\x80\0\0\x01\x2c", 20);
	return o + 20;
}

/* Answer q for qname/qtype the way the name says. */
static void
script_answer(dnsl_query *q, const uint8_t *qname, uint16_t qtype)
{
	eng_result res;
	uint8_t rd[512];
	size_t n;

	memset(&res, 0, sizeof(res));
	res.status = SEC_INSECURE;
	if (first_label_is(qname, "big")) {
		/* 60 TXT records of 40 octets: about 3 KB. */
		res.count[SEC_ANSWER] = 60;
		res.rr[SEC_ANSWER] = rrs(60);
		for (int i = 0; i < 60; i++) {
			rd[0] = 39;
			memset(rd + 1, 'a' + i % 26, 39);
			rd[1] = (uint8_t)i;   /* distinct records */
			set_rr(&res.rr[SEC_ANSWER][i], qname, RR_TXT, rd, 40);
		}
	} else if (first_label_is(qname, "sec") || first_label_is(qname, "nx")) {
		bool nx = first_label_is(qname, "nx");
		res.status = SEC_SECURE;
		res.rcode = nx ? RCODE_NXDOMAIN : RCODE_NOERROR;
		if (!nx) {
			res.count[SEC_ANSWER] = 2;
			res.rr[SEC_ANSWER] = rrs(2);
			set_rr(&res.rr[SEC_ANSWER][0], qname, RR_A, A_RD, 4);
			n = rrsig_rdata(rd, RR_A);
			set_rr(&res.rr[SEC_ANSWER][1], qname, RR_RRSIG, rd, n);
		} else {
			res.count[SEC_AUTHORITY] = 3;
			res.rr[SEC_AUTHORITY] = rrs(3);
			n = soa_rdata(rd);
			set_rr(&res.rr[SEC_AUTHORITY][0], N("example"), RR_SOA, rd, n);
			n = nsec_rdata(rd, "z.example");
			set_rr(&res.rr[SEC_AUTHORITY][1], N("example"), RR_NSEC, rd, n);
			n = rrsig_rdata(rd, RR_NSEC);
			set_rr(&res.rr[SEC_AUTHORITY][2], N("example"), RR_RRSIG, rd, n);
		}
	} else if (first_label_is(qname, "bogus")) {
		res.rcode = RCODE_SERVFAIL;
		res.status = SEC_BOGUS;
		res.has_ede = true;
		res.ede = EDE_SIGNATURE_EXPIRED;
		res.reason = "RRSIG for bogus.example. A expired";
	} else if (first_label_is(qname, "bogusdata")) {
		/* An engine that forgot the rule: data with status bogus. */
		res.status = SEC_BOGUS;
		res.count[SEC_ANSWER] = 1;
		res.rr[SEC_ANSWER] = rrs(1);
		set_rr(&res.rr[SEC_ANSWER][0], qname, RR_A, A_RD, 4);
	} else if (first_label_is(qname, "longede")) {
		res.rcode = RCODE_SERVFAIL;
		res.status = SEC_BOGUS;
		res.has_ede = true;
		res.ede = EDE_DNSSEC_BOGUS;
		res.reason = long_reason;
	} else if (first_label_is(qname, "addl")) {
		/* One answer and 10 names with 3 addresses each in the
		 * additional section: more than 512 octets. */
		res.count[SEC_ANSWER] = 1;
		res.rr[SEC_ANSWER] = rrs(1);
		set_rr(&res.rr[SEC_ANSWER][0], qname, RR_A, A_RD, 4);
		res.count[SEC_ADDITIONAL] = 30;
		res.rr[SEC_ADDITIONAL] = rrs(30);
		for (int i = 0; i < 30; i++) {
			char nm[64];
			snprintf(nm, sizeof(nm), "host-number-%02d.additional.example", i / 3);
			uint8_t a[4] = { 198, 51, 100, (uint8_t)i };
			set_rr(&res.rr[SEC_ADDITIONAL][i], N(nm), RR_A, a, 4);
		}
	} else {
		res.count[SEC_ANSWER] = 1;
		res.rr[SEC_ANSWER] = rrs(1);
		if (qtype == RR_AAAA)
			set_rr(&res.rr[SEC_ANSWER][0], qname, RR_AAAA,
			    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
		else
			set_rr(&res.rr[SEC_ANSWER][0], qname, RR_A, A_RD, 4);
	}
	dnsl_answer(q, &res);
}

typedef struct later {
	dnsl_query *q;
	uint8_t qname[NAME_MAX_WIRE];
	uint16_t qtype;
} later;

static void
later_cb(evutil_socket_t fd, short what, void *arg)
{
	later *lt = arg;
	script_answer(lt->q, lt->qname, lt->qtype);
	free(lt);
}

static void
t_resolve(void *ctx, dnsl_query *q, const dnsl_question *qu)
{
	unsigned ms;

	nresolve++;
	lastq = *qu;
	name_copy(lastqname, qu->qname);
	lastq.qname = lastqname;
	if (first_label_is(qu->qname, "hold")) {
		assert_true(nheld < MAXQ);
		held[nheld++] = q;
		return;
	}
	if (first_label_prefix(qu->qname, "later", &ms)) {
		later *lt = calloc(1, sizeof(*lt));
		assert_non_null(lt);
		lt->q = q;
		name_copy(lt->qname, qu->qname);
		lt->qtype = qu->qtype;
		struct timeval tv = { 0, (suseconds_t)ms * 1000 };
		assert_int_equal(event_base_once(base, -1, EV_TIMEOUT, later_cb, lt, &tv), 0);
		return;
	}
	script_answer(q, qu->qname, qu->qtype);
}

static void
t_abandon(void *ctx, dnsl_query *q)
{
	assert_true(nabandoned < MAXQ);
	abandoned[nabandoned++] = q;
	for (size_t i = 0; i < nheld; i++) {
		if (held[i] == q)
			held[i] = NULL;
	}
}

/* Fixture. */

static void
loopback_addr(struct sockaddr_storage *ss, socklen_t *len, int family)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;
		s->sin_family = AF_INET;
		s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		*len = sizeof(*s6);
	}
}

static int
start(const dnsl_config *tmpl)
{
	struct sockaddr_storage addrs[2];
	socklen_t lens[2];
	dnsl_config cfg;
	char err[256];

	memset(&cfg, 0, sizeof(cfg));
	if (tmpl != NULL)
		cfg = *tmpl;
	loopback_addr(&addrs[0], &lens[0], AF_INET);
	loopback_addr(&addrs[1], &lens[1], AF_INET6);
	cfg.addrs = addrs;
	cfg.addrlens = lens;
	cfg.naddrs = have_v6 ? 2 : 1;
	int rc = dnsl_new(base, &cfg, t_resolve, t_abandon, NULL, &L, err, sizeof(err));
	if (rc != 0) {
		print_error("dnsl_new: %s\n", err);
		return rc;
	}
	assert_int_equal(dnsl_local_addr(L, 0, &a4, &a4len), 0);
	if (have_v6)
		assert_int_equal(dnsl_local_addr(L, 1, &a6, &a6len), 0);
	return 0;
}

static int
setup(void **state)
{
	region_init(&reg, 0);
	nheld = nabandoned = 0;
	nresolve = 0;
	base = event_base_new();
	assert_non_null(base);
	return start(NULL);
}

static int
teardown(void **state)
{
	dnsl_free(L);
	L = NULL;
	/* Timers of 'later' answers that never ran would leak their memory:
	 * run the loop dry. */
	event_base_loop(base, EVLOOP_NONBLOCK);
	event_base_free(base);
	base = NULL;
	region_free(&reg);
	return 0;
}

static void
restart(const dnsl_config *cfg)
{
	dnsl_free(L);
	L = NULL;
	assert_int_equal(start(cfg), 0);
}

/* Client side. */

typedef struct qopt {
	uint16_t flags;         /* header flags, default RD */
	uint16_t qclass;        /* default IN */
	int edns;               /* 0: no OPT; 1: OPT version 0; 2: version 1 */
	uint16_t udp;           /* EDNS size; default 1232 */
	bool do_bit;
} qopt;

static size_t
mkquery(uint8_t *buf, size_t cap, uint16_t id, const char *name,
    uint16_t qtype, const qopt *o)
{
	static const qopt none = { .flags = FLAG_RD };
	msg_builder b;

	if (o == NULL)
		o = &none;
	mb_init(&b, buf, cap, id, o->flags);
	assert_int_equal(mb_question(&b, N(name), qtype,
	    o->qclass ? o->qclass : CLASS_IN), 0);
	if (o->edns)
		assert_int_equal(mb_opt(&b, o->udp ? o->udp : 1232, 0,
		    (uint8_t)(o->edns - 1), o->do_bit ? EDNS_DO : 0, NULL, 0), 0);
	int n = mb_finish(&b);
	assert_true(n > 0);
	return (size_t)n;
}

static int
client(int family, int type)
{
	const struct sockaddr_storage *a = family == AF_INET ? &a4 : &a6;
	socklen_t len = family == AF_INET ? a4len : a6len;
	int fd = socket(family, type | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (const struct sockaddr *)a, len), 0);
	return fd;
}

/* Wait for one datagram (or n stream octets); -1 on timeout. */
static ssize_t
recv_wait(int fd, uint8_t *buf, size_t cap, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;
	for (;;) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -2;
		if (now_ms() >= end)
			return -1;
		poll(NULL, 0, 1);
	}
}

static bool
read_full(int fd, uint8_t *buf, size_t n, int ms)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = recv_wait(fd, buf + got, n - got, ms);
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

/* One framed TCP message; returns its length or -1. */
static ssize_t
tcp_recv(int fd, uint8_t *buf, size_t cap)
{
	uint8_t lb[2];
	if (!read_full(fd, lb, 2, 2000))
		return -1;
	size_t len = wire_get_u16(lb);
	assert_true(len <= cap);
	if (!read_full(fd, buf, len, 2000))
		return -1;
	return (ssize_t)len;
}

static void
tcp_send(int fd, const uint8_t *q, size_t len)
{
	uint8_t buf[2 + 65535];
	buf[0] = (uint8_t)(len >> 8);
	buf[1] = (uint8_t)len;
	memcpy(buf + 2, q, len);
	assert_int_equal(send(fd, buf, len + 2, MSG_NOSIGNAL), (ssize_t)len + 2);
}

static uint8_t rbuf[65536];

/* Send over UDP, parse the answer into m. */
static size_t
udp_ask(int family, const uint8_t *q, size_t len, msg *m)
{
	int fd = client(family, SOCK_DGRAM);
	assert_int_equal(send(fd, q, len, 0), (ssize_t)len);
	ssize_t n = recv_wait(fd, rbuf, sizeof(rbuf), 2000);
	close(fd);
	assert_true(n > 0);
	assert_int_equal(msg_parse(rbuf, (size_t)n, &reg, m), 0);
	return (size_t)n;
}

static size_t
ask(const char *name, uint16_t qtype, const qopt *o, msg *m)
{
	uint8_t q[512];
	size_t len = mkquery(q, sizeof(q), 0x4242, name, qtype, o);
	size_t n = udp_ask(AF_INET, q, len, m);
	assert_int_equal(m->id, 0x4242);
	assert_true(m->flags & FLAG_QR);
	return n;
}

static size_t
tcp_ask(int family, const char *name, uint16_t qtype, const qopt *o, msg *m)
{
	uint8_t q[512];
	size_t len = mkquery(q, sizeof(q), 0x5353, name, qtype, o);
	int fd = client(family, SOCK_STREAM);
	tcp_send(fd, q, len);
	ssize_t n = tcp_recv(fd, rbuf, sizeof(rbuf));
	close(fd);
	assert_true(n > 0);
	assert_int_equal(msg_parse(rbuf, (size_t)n, &reg, m), 0);
	assert_int_equal(m->id, 0x5353);
	return (size_t)n;
}

static bool
no_reply(int fd)
{
	return recv_wait(fd, rbuf, sizeof(rbuf), 200) == -1;
}

/* Tests. */

static void
test_client_allowed(void **state)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	struct sockaddr_storage un = { .ss_family = AF_UNIX };

	inet_pton(AF_INET, "127.0.0.1", &s4.sin_addr);
	assert_true(dnsl_client_allowed((struct sockaddr *)&s4, false));
	inet_pton(AF_INET, "127.200.3.4", &s4.sin_addr);
	assert_true(dnsl_client_allowed((struct sockaddr *)&s4, false));
	inet_pton(AF_INET, "192.0.2.1", &s4.sin_addr);
	assert_false(dnsl_client_allowed((struct sockaddr *)&s4, false));
	assert_true(dnsl_client_allowed((struct sockaddr *)&s4, true));
	inet_pton(AF_INET, "128.0.0.1", &s4.sin_addr);
	assert_false(dnsl_client_allowed((struct sockaddr *)&s4, false));

	inet_pton(AF_INET6, "::1", &s6.sin6_addr);
	assert_true(dnsl_client_allowed((struct sockaddr *)&s6, false));
	inet_pton(AF_INET6, "::ffff:127.0.0.9", &s6.sin6_addr);
	assert_true(dnsl_client_allowed((struct sockaddr *)&s6, false));
	inet_pton(AF_INET6, "::ffff:192.0.2.1", &s6.sin6_addr);
	assert_false(dnsl_client_allowed((struct sockaddr *)&s6, false));
	inet_pton(AF_INET6, "::2", &s6.sin6_addr);
	assert_false(dnsl_client_allowed((struct sockaddr *)&s6, false));
	inet_pton(AF_INET6, "::127.0.0.1", &s6.sin6_addr);   /* v4-compatible: no */
	assert_false(dnsl_client_allowed((struct sockaddr *)&s6, false));
	inet_pton(AF_INET6, "2001:db8::1", &s6.sin6_addr);
	assert_false(dnsl_client_allowed((struct sockaddr *)&s6, false));
	assert_true(dnsl_client_allowed((struct sockaddr *)&s6, true));

	assert_false(dnsl_client_allowed((struct sockaddr *)&un, false));
	assert_false(dnsl_client_allowed(NULL, true));
}

static void
test_udp_a(void **state)
{
	msg m;
	uint8_t q[512];

	ask("www.example", RR_A, NULL, &m);
	assert_int_equal(m.rcode, RCODE_NOERROR);
	assert_true(m.flags & FLAG_RD);
	assert_true(m.flags & FLAG_RA);
	assert_false(m.flags & (FLAG_TC | FLAG_AD | FLAG_AA | FLAG_CD));
	assert_int_equal(m.qdcount, 1);
	assert_int_equal(m.count[SEC_ANSWER], 1);
	assert_int_equal(m.rr[SEC_ANSWER][0].type, RR_A);
	assert_memory_equal(m.rr[SEC_ANSWER][0].rdata, A_RD, 4);
	assert_false(m.edns.present);   /* no OPT without one in the query */
	assert_int_equal(lastq.qtype, RR_A);
	assert_int_equal(lastq.qclass, CLASS_IN);
	assert_true(lastq.rd);
	assert_false(lastq.do_bit || lastq.cd || lastq.ad);

	/* RD and CD copied; CD passed on. */
	qopt o = { .flags = FLAG_CD };
	ask("www.example", RR_A, &o, &m);
	assert_false(m.flags & FLAG_RD);
	assert_true(m.flags & FLAG_CD);
	assert_true(lastq.cd);

	if (!have_v6)
		return;
	size_t len = mkquery(q, sizeof(q), 7, "v6.example", RR_AAAA, NULL);
	udp_ask(AF_INET6, q, len, &m);
	assert_int_equal(m.id, 7);
	assert_int_equal(m.count[SEC_ANSWER], 1);
	assert_int_equal(m.rr[SEC_ANSWER][0].type, RR_AAAA);
	tcp_ask(AF_INET6, "v6.example", RR_AAAA, NULL, &m);
	assert_int_equal(m.count[SEC_ANSWER], 1);
}

/* 0x20 clients compare the question octet by octet. */
static void
test_case_preserved(void **state)
{
	uint8_t q[512];
	msg m;
	size_t len = mkquery(q, sizeof(q), 9, "wWw.ExAmPlE.CoM", RR_A, NULL);

	udp_ask(AF_INET, q, len, &m);
	/* Same question octets in the response. */
	assert_memory_equal(rbuf + MSG_HDR_LEN, q + MSG_HDR_LEN, len - MSG_HDR_LEN);
	assert_memory_equal(m.qname, N("wWw.ExAmPlE.CoM"), 17);
	assert_memory_equal(lastqname, N("wWw.ExAmPlE.CoM"), 17);
}

static void
test_edns(void **state)
{
	msg m;
	qopt o = { .flags = FLAG_RD, .edns = 1, .udp = 4096 };

	ask("www.example", RR_A, &o, &m);
	assert_true(m.edns.present);
	assert_int_equal(m.edns.version, 0);
	assert_int_equal(m.edns.udp_size, EDNS_BUFSIZE);
	assert_false(m.edns.flags & EDNS_DO);
	assert_false(m.edns.has_ede);
	o.do_bit = true;
	ask("www.example", RR_A, &o, &m);
	assert_true(m.edns.flags & EDNS_DO);   /* RFC 3225 3 */
	assert_true(lastq.do_bit);
}

static void
test_large_tc(void **state)
{
	msg m;
	size_t n;

	/* Without EDNS: 512 octets, TC, question kept, no records. */
	n = ask("big.example", RR_TXT, NULL, &m);
	assert_true(n <= 512);
	assert_true(m.flags & FLAG_TC);
	assert_int_equal(m.qdcount, 1);
	assert_int_equal(m.count[SEC_ANSWER], 0);

	/* EDNS 4096 asked: we still send at most 1232, with the OPT. */
	qopt o = { .flags = FLAG_RD, .edns = 1, .udp = 4096 };
	n = ask("big.example", RR_TXT, &o, &m);
	assert_true(n <= EDNS_BUFSIZE);
	assert_true(m.flags & FLAG_TC);
	assert_true(m.edns.present);

	/* A tiny EDNS size is taken as 512 (RFC 6891 6.2.5). */
	o.udp = 100;
	ask("www.example", RR_A, &o, &m);
	assert_false(m.flags & FLAG_TC);
	assert_int_equal(m.count[SEC_ANSWER], 1);

	/* TCP: everything. */
	n = tcp_ask(AF_INET, "big.example", RR_TXT, NULL, &m);
	assert_true(n > 2000);
	assert_false(m.flags & FLAG_TC);
	assert_int_equal(m.count[SEC_ANSWER], 60);
	for (int i = 0; i < 60; i++)
		assert_int_equal(m.rr[SEC_ANSWER][i].rdata[1], i);
}

/* RFC 2181 9: additional data that does not fit is left out, by name,
 * without TC. */
static void
test_additional_cut(void **state)
{
	msg m;

	size_t n = ask("addl.aaaaaaaaaaaaaaaaaaa.example", RR_A, NULL, &m);
	assert_true(n <= 512);
	assert_false(m.flags & FLAG_TC);
	assert_int_equal(m.count[SEC_ANSWER], 1);
	/* 20 records would fit, but the 7th name's third would not: its
	 * first two go too. */
	assert_int_equal(m.count[SEC_ADDITIONAL], 18);
	tcp_ask(AF_INET, "addl.aaaaaaaaaaaaaaaaaaa.example", RR_A, NULL, &m);
	assert_int_equal(m.count[SEC_ADDITIONAL], 30);
}

static void
test_formerr(void **state)
{
	int fd = client(AF_INET, SOCK_DGRAM);
	uint8_t q[512];
	msg m;
	ssize_t n;

	/* Header, QDCOUNT 1, then garbage. */
	static const uint8_t junk[] = {
		0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x07, 'e', 'x', 'a'
	};
	assert_int_equal(send(fd, junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	n = recv_wait(fd, rbuf, sizeof(rbuf), 2000);
	assert_true(n >= MSG_HDR_LEN);
	assert_int_equal(msg_parse(rbuf, (size_t)n, &reg, &m), 0);
	assert_int_equal(m.id, 0xbeef);
	assert_int_equal(m.rcode, RCODE_FORMERR);
	assert_true(m.flags & FLAG_QR);
	assert_true(m.flags & FLAG_RD);
	assert_int_equal(m.qdcount, 0);

	/* QDCOUNT 0: FORMERR, with the OPT echoed. */
	msg_builder b;
	mb_init(&b, q, sizeof(q), 0x0102, 0);
	mb_opt(&b, 1232, 0, 0, 0, NULL, 0);
	size_t len = (size_t)mb_finish(&b);
	assert_int_equal(send(fd, q, len, 0), (ssize_t)len);
	n = recv_wait(fd, rbuf, sizeof(rbuf), 2000);
	assert_true(n > 0);
	assert_int_equal(msg_parse(rbuf, (size_t)n, &reg, &m), 0);
	assert_int_equal(m.rcode, RCODE_FORMERR);
	assert_true(m.edns.present);

	/* A query with an answer record: FORMERR, question echoed. */
	mb_init(&b, q, sizeof(q), 0x0103, FLAG_RD);
	mb_question(&b, N("www.example"), RR_A, CLASS_IN);
	mb_rr(&b, SEC_ANSWER, N("www.example"), RR_A, CLASS_IN, 1, A_RD, 4);
	len = (size_t)mb_finish(&b);
	assert_int_equal(send(fd, q, len, 0), (ssize_t)len);
	n = recv_wait(fd, rbuf, sizeof(rbuf), 2000);
	assert_true(n > 0);
	assert_int_equal(msg_parse(rbuf, (size_t)n, &reg, &m), 0);
	assert_int_equal(m.rcode, RCODE_FORMERR);
	assert_int_equal(m.qdcount, 1);
	assert_int_equal(m.count[SEC_ANSWER], 0);

	/* Two OPT records (RFC 6891 6.1.1): FORMERR, question echoed. */
	mb_init(&b, q, sizeof(q), 0x0104, FLAG_RD);
	mb_question(&b, N("www.example"), RR_A, CLASS_IN);
	mb_opt(&b, 1232, 0, 0, 0, NULL, 0);
	mb_opt(&b, 1232, 0, 0, 0, NULL, 0);
	len = (size_t)mb_finish(&b);
	assert_int_equal(send(fd, q, len, 0), (ssize_t)len);
	n = recv_wait(fd, rbuf, sizeof(rbuf), 2000);
	assert_true(n > 0);
	assert_int_equal(msg_parse(rbuf, (size_t)n, &reg, &m), 0);
	assert_int_equal(m.id, 0x0104);
	assert_int_equal(m.rcode, RCODE_FORMERR);
	assert_int_equal(m.qdcount, 1);
	assert_false(m.edns.present);
	close(fd);
	assert_int_equal(nresolve, 0);
}

static void
test_drop(void **state)
{
	int fd = client(AF_INET, SOCK_DGRAM);
	uint8_t q[512];
	dnsl_stats st;

	/* Shorter than a header: nothing to answer. */
	assert_int_equal(send(fd, "\x12\x34\x01\x00\x00\x01\x00", 7, 0), 7);
	assert_true(no_reply(fd));
	assert_int_equal(send(fd, "", 0, 0), 0);
	assert_true(no_reply(fd));
	/* A response (QR=1) is never answered. */
	size_t len = mkquery(q, sizeof(q), 1, "www.example", RR_A, NULL);
	q[2] |= 0x80;
	assert_int_equal(send(fd, q, len, 0), (ssize_t)len);
	assert_true(no_reply(fd));
	close(fd);
	dnsl_get_stats(L, &st);
	assert_int_equal(st.dropped, 3);
	assert_int_equal(nresolve, 0);

	/* The listener still works. */
	msg m;
	ask("www.example", RR_A, NULL, &m);
	assert_int_equal(m.rcode, RCODE_NOERROR);
}

static void
test_notimp(void **state)
{
	msg m;
	qopt o = { .flags = 2 << 11 | FLAG_RD };   /* STATUS */

	ask("www.example", RR_A, &o, &m);
	assert_int_equal(m.rcode, RCODE_NOTIMP);
	assert_int_equal(FLAG_OPCODE(m.flags), 2);
	assert_int_equal(m.qdcount, 1);
	/* Meta types other than ANY are no questions. */
	ask("www.example", RR_OPT, NULL, &m);
	assert_int_equal(m.rcode, RCODE_NOTIMP);
	ask("www.example", RR_TSIG, NULL, &m);
	assert_int_equal(m.rcode, RCODE_NOTIMP);
	assert_int_equal(nresolve, 0);
	/* ANY goes to the resolver (which may answer minimally, RFC 8482). */
	ask("www.example", RR_ANY, NULL, &m);
	assert_int_equal(m.rcode, RCODE_NOERROR);
	assert_int_equal(nresolve, 1);
}

static void
test_badvers(void **state)
{
	msg m;
	qopt o = { .flags = FLAG_RD, .edns = 2, .do_bit = true };

	ask("www.example", RR_A, &o, &m);
	/* RFC 6891 6.1.3: 12-bit rcode 16, upper bits in the OPT. */
	assert_int_equal(m.rcode, RCODE_BADVERS);
	assert_int_equal(FLAG_RCODE(m.flags), 0);
	assert_true(m.edns.present);
	assert_int_equal(m.edns.ext_rcode, 1);
	assert_int_equal(m.edns.version, 0);
	assert_int_equal(m.count[SEC_ANSWER], 0);
	assert_int_equal(nresolve, 0);
}

static void
test_refused(void **state)
{
	msg m;
	qopt o = { .flags = FLAG_RD, .qclass = CLASS_CH };

	ask("version.bind", RR_TXT, &o, &m);
	assert_int_equal(m.rcode, RCODE_REFUSED);
	assert_int_equal(m.qdcount, 1);
	assert_int_equal(m.qclass, CLASS_CH);
	ask("example", RR_AXFR, NULL, &m);
	assert_int_equal(m.rcode, RCODE_REFUSED);
	tcp_ask(AF_INET, "example", RR_AXFR, NULL, &m);
	assert_int_equal(m.rcode, RCODE_REFUSED);
	ask("example", RR_IXFR, NULL, &m);
	assert_int_equal(m.rcode, RCODE_REFUSED);
	assert_int_equal(nresolve, 0);
}

/* A local non-loopback address, for the remote-client test; none: skip. */
static bool
find_local_v4(struct sockaddr_in *out)
{
	struct ifaddrs *ifa, *i;
	bool found = false;

	if (getifaddrs(&ifa) != 0)
		return false;
	for (i = ifa; i != NULL && !found; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
			continue;
		memcpy(out, i->ifa_addr, sizeof(*out));
		if (!dnsl_client_allowed((struct sockaddr *)out, false))
			found = true;
	}
	freeifaddrs(ifa);
	return found;
}

/* A client outside loopback gets REFUSED (never an open resolver), and
 * an answer with allow_remote.  Traffic to a local address stays in the
 * host. */
static void
test_remote_refused(void **state)
{
	struct sockaddr_in local;
	struct sockaddr_storage addr, bound;
	socklen_t alen = sizeof(local), blen;
	dnsl_config cfg;
	char err[256];
	uint8_t q[512];
	msg m;

	if (!find_local_v4(&local))
		skip();
	dnsl_free(L);
	L = NULL;
	for (int remote = 0; remote < 2; remote++) {
		memset(&addr, 0, sizeof(addr));
		local.sin_port = 0;
		memcpy(&addr, &local, sizeof(local));
		memset(&cfg, 0, sizeof(cfg));
		cfg.addrs = &addr;
		cfg.addrlens = &alen;
		cfg.naddrs = 1;
		cfg.allow_remote = remote;
		assert_int_equal(dnsl_new(base, &cfg, t_resolve, t_abandon, NULL,
		    &L, err, sizeof(err)), 0);
		assert_int_equal(dnsl_local_addr(L, 0, &bound, &blen), 0);
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		assert_int_equal(connect(fd, (struct sockaddr *)&bound, blen), 0);
		size_t len = mkquery(q, sizeof(q), 11, "www.example", RR_A,
		    &(qopt){ .flags = FLAG_RD, .edns = 1 });
		assert_int_equal(send(fd, q, len, 0), (ssize_t)len);
		ssize_t n = recv_wait(fd, rbuf, sizeof(rbuf), 2000);
		assert_true(n > 0);
		assert_int_equal(msg_parse(rbuf, (size_t)n, &reg, &m), 0);
		if (remote) {
			assert_int_equal(m.rcode, RCODE_NOERROR);
			assert_int_equal(m.count[SEC_ANSWER], 1);
		} else {
			assert_int_equal(m.rcode, RCODE_REFUSED);
			assert_int_equal(m.count[SEC_ANSWER], 0);
			assert_true(m.edns.has_ede);
			assert_int_equal(m.edns.ede_code, EDE_PROHIBITED);
			assert_int_equal(nresolve, 0);
		}
		close(fd);
		/* TCP too. */
		fd = socket(AF_INET, SOCK_STREAM, 0);
		assert_int_equal(connect(fd, (struct sockaddr *)&bound, blen), 0);
		tcp_send(fd, q, len);
		n = tcp_recv(fd, rbuf, sizeof(rbuf));
		assert_true(n > 0);
		assert_int_equal(msg_parse(rbuf, (size_t)n, &reg, &m), 0);
		assert_int_equal(m.rcode, remote ? RCODE_NOERROR : RCODE_REFUSED);
		close(fd);
		dnsl_free(L);
		L = NULL;
	}
}

static void
test_ad_rule(void **state)
{
	msg m;
	qopt plain = { .flags = FLAG_RD };
	qopt ad = { .flags = FLAG_RD | FLAG_AD };
	qopt dobit = { .flags = FLAG_RD, .edns = 1, .do_bit = true };
	qopt edns = { .flags = FLAG_RD, .edns = 1 };
	qopt cd = { .flags = FLAG_RD | FLAG_CD, .edns = 1, .do_bit = true };

	ask("sec.example", RR_A, &plain, &m);
	assert_false(m.flags & FLAG_AD);
	ask("sec.example", RR_A, &edns, &m);
	assert_false(m.flags & FLAG_AD);
	ask("sec.example", RR_A, &ad, &m);
	assert_true(m.flags & FLAG_AD);      /* RFC 6840 5.7 */
	assert_true(lastq.ad);
	ask("sec.example", RR_A, &dobit, &m);
	assert_true(m.flags & FLAG_AD);
	ask("sec.example", RR_A, &cd, &m);
	assert_true(m.flags & FLAG_AD);
	ask("nx.example", RR_A, &ad, &m);    /* proven denial */
	assert_int_equal(m.rcode, RCODE_NXDOMAIN);
	assert_true(m.flags & FLAG_AD);
	/* Insecure data: never AD. */
	ask("www.example", RR_A, &ad, &m);
	assert_false(m.flags & FLAG_AD);
	ask("www.example", RR_A, &dobit, &m);
	assert_false(m.flags & FLAG_AD);
}

static void
test_dnssec_records(void **state)
{
	msg m;
	qopt ad = { .flags = FLAG_RD | FLAG_AD };
	qopt dobit = { .flags = FLAG_RD, .edns = 1, .do_bit = true };

	/* RFC 4035 3.2.1: no RRSIG, NSEC, NSEC3 without DO ... */
	ask("sec.example", RR_A, &ad, &m);
	assert_int_equal(m.count[SEC_ANSWER], 1);
	assert_int_equal(m.rr[SEC_ANSWER][0].type, RR_A);
	ask("nx.example", RR_A, &ad, &m);
	assert_int_equal(m.count[SEC_AUTHORITY], 1);
	assert_int_equal(m.rr[SEC_AUTHORITY][0].type, RR_SOA);
	/* ... unless asked for by type ... */
	ask("sec.example", RR_RRSIG, NULL, &m);
	assert_int_equal(m.count[SEC_ANSWER], 2);
	/* ... and all of them with DO. */
	ask("sec.example", RR_A, &dobit, &m);
	assert_int_equal(m.count[SEC_ANSWER], 2);
	assert_int_equal(m.rr[SEC_ANSWER][1].type, RR_RRSIG);
	ask("nx.example", RR_A, &dobit, &m);
	assert_int_equal(m.count[SEC_AUTHORITY], 3);
	assert_int_equal(m.rr[SEC_AUTHORITY][1].type, RR_NSEC);
}

static void
test_bogus_ede(void **state)
{
	msg m;
	qopt edns = { .flags = FLAG_RD, .edns = 1 };
	qopt cd = { .flags = FLAG_RD | FLAG_CD, .edns = 1, .do_bit = true };

	ask("bogus.example", RR_A, &edns, &m);
	assert_int_equal(m.rcode, RCODE_SERVFAIL);
	assert_false(m.flags & FLAG_AD);
	assert_true(m.edns.has_ede);
	assert_int_equal(m.edns.ede_code, EDE_SIGNATURE_EXPIRED);
	assert_string_equal(m.edns.ede_text, "RRSIG for bogus.example. A expired");
	/* No EDNS, no EDE. */
	ask("bogus.example", RR_A, NULL, &m);
	assert_int_equal(m.rcode, RCODE_SERVFAIL);
	assert_false(m.edns.present);

	/* The last guard: bogus data without CD leaves as SERVFAIL ... */
	ask("bogusdata.example", RR_A, &edns, &m);
	assert_int_equal(m.rcode, RCODE_SERVFAIL);
	assert_int_equal(m.count[SEC_ANSWER], 0);
	assert_true(m.edns.has_ede);
	assert_int_equal(m.edns.ede_code, EDE_DNSSEC_BOGUS);
	/* ... and with CD the data is returned (RFC 4035 3.2.2), no AD. */
	ask("bogusdata.example", RR_A, &cd, &m);
	assert_int_equal(m.rcode, RCODE_NOERROR);
	assert_int_equal(m.count[SEC_ANSWER], 1);
	assert_false(m.flags & FLAG_AD);

	/* A long reason is cut, still within 512 octets. */
	memset(long_reason, 'x', sizeof(long_reason) - 1);
	long_reason[120] = (char)0xc3;   /* a 2-octet UTF-8 sequence at 120.. */
	long_reason[121] = (char)0xa9;
	long_reason[127] = (char)0xc3;   /* .. and one split by the cut */
	long_reason[128] = (char)0xa9;
	size_t n = ask("longede.example", RR_A, &edns, &m);
	assert_true(n <= 512);
	assert_true(m.edns.has_ede);
	assert_int_equal(strlen(m.edns.ede_text), 127);
	assert_int_equal((unsigned char)m.edns.ede_text[126], 'x');
}

static void
test_tcp_pipeline(void **state)
{
	uint8_t q[512];
	msg m;
	int fd = client(AF_INET, SOCK_STREAM);
	static const char *names[3] = { "later60.a.example", "later20.b.example",
	    "c.example" };
	uint16_t order[3];

	for (int i = 0; i < 3; i++) {
		size_t len = mkquery(q, sizeof(q), (uint16_t)(i + 1), names[i], RR_A, NULL);
		tcp_send(fd, q, len);
	}
	for (int i = 0; i < 3; i++) {
		ssize_t n = tcp_recv(fd, rbuf, sizeof(rbuf));
		assert_true(n > 0);
		assert_int_equal(msg_parse(rbuf, (size_t)n, &reg, &m), 0);
		order[i] = m.id;
		assert_memory_equal(m.qname, N(names[m.id - 1]), name_len(m.qname));
		assert_int_equal(m.count[SEC_ANSWER], 1);
	}
	/* Answered as they came, not in query order (RFC 7766 6.2.1.1). */
	assert_int_equal(order[0], 3);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 1);
	close(fd);
}

/* More queries than the per-connection pipeline: reading pauses and
 * resumes, every query is answered. */
static void
test_tcp_many(void **state)
{
	uint8_t q[512];
	msg m;
	int fd = client(AF_INET, SOCK_STREAM);
	bool seen[100] = { false };

	for (int i = 0; i < 100; i++) {
		size_t len = mkquery(q, sizeof(q), (uint16_t)i,
		    i % 2 ? "later5.x.example" : "y.example", RR_A, NULL);
		tcp_send(fd, q, len);
	}
	for (int i = 0; i < 100; i++) {
		ssize_t n = tcp_recv(fd, rbuf, sizeof(rbuf));
		assert_true(n > 0);
		assert_int_equal(msg_parse(rbuf, (size_t)n, &reg, &m), 0);
		assert_true(m.id < 100);
		assert_false(seen[m.id]);
		seen[m.id] = true;
	}
	close(fd);
}

/* Partial reads: one octet at a time, the length split too. */
static void
test_tcp_partial(void **state)
{
	uint8_t q[512], f[514];
	msg m;
	int fd = client(AF_INET, SOCK_STREAM);
	size_t len = mkquery(q, sizeof(q), 77, "slow.example", RR_A, NULL);

	f[0] = (uint8_t)(len >> 8);
	f[1] = (uint8_t)len;
	memcpy(f + 2, q, len);
	for (size_t i = 0; i < len + 2; i++) {
		assert_int_equal(send(fd, f + i, 1, MSG_NOSIGNAL), 1);
		pump(1);
	}
	ssize_t n = tcp_recv(fd, rbuf, sizeof(rbuf));
	assert_true(n > 0);
	assert_int_equal(msg_parse(rbuf, (size_t)n, &reg, &m), 0);
	assert_int_equal(m.id, 77);
	assert_int_equal(nresolve, 1);
	close(fd);
}

static bool
closed_by_peer(int fd)
{
	uint8_t b[1];
	return recv_wait(fd, b, 1, 2000) == 0;
}

static void
test_tcp_bad_framing(void **state)
{
	int fd = client(AF_INET, SOCK_STREAM);

	/* A length too short for a header. */
	assert_int_equal(send(fd, "\x00\x05hello", 7, MSG_NOSIGNAL), 7);
	assert_true(closed_by_peer(fd));
	close(fd);
	/* Garbage with a header: FORMERR, the connection stays. */
	fd = client(AF_INET, SOCK_STREAM);
	tcp_send(fd, (const uint8_t *)"\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x05", 13);
	ssize_t n = tcp_recv(fd, rbuf, sizeof(rbuf));
	assert_true(n >= MSG_HDR_LEN);
	assert_int_equal(FLAG_RCODE(wire_get_u16(rbuf + 2)), RCODE_FORMERR);
	msg m;
	uint8_t q[512];
	size_t len = mkquery(q, sizeof(q), 5, "www.example", RR_A, NULL);
	tcp_send(fd, q, len);
	n = tcp_recv(fd, rbuf, sizeof(rbuf));
	assert_true(n > 0);
	assert_int_equal(msg_parse(rbuf, (size_t)n, &reg, &m), 0);
	assert_int_equal(m.id, 5);
	close(fd);
}

static void
test_tcp_idle(void **state)
{
	dnsl_config cfg = { .tcp_idle_ms = 100 };
	uint8_t q[512];
	dnsl_stats st;

	restart(&cfg);
	int fd = client(AF_INET, SOCK_STREAM);
	uint64_t t0 = now_ms();
	assert_true(closed_by_peer(fd));
	assert_true(now_ms() - t0 >= 90);
	close(fd);

	/* Waiting for the resolver is not idle. */
	fd = client(AF_INET, SOCK_STREAM);
	size_t len = mkquery(q, sizeof(q), 6, "later300.example", RR_A, NULL);
	tcp_send(fd, q, len);
	assert_true(tcp_recv(fd, rbuf, sizeof(rbuf)) > 0);
	assert_true(closed_by_peer(fd));
	close(fd);
	dnsl_get_stats(L, &st);
	assert_int_equal(st.tcp_idle_closed, 2);
	assert_int_equal(st.tcp_clients, 0);
}

static void
test_tcp_max_clients(void **state)
{
	dnsl_config cfg = { .max_tcp_clients = 2 };
	uint8_t q[512];
	dnsl_stats st;

	restart(&cfg);
	int busy = client(AF_INET, SOCK_STREAM);
	size_t len = mkquery(q, sizeof(q), 1, "hold.example", RR_A, NULL);
	tcp_send(busy, q, len);
	pump(30);
	int idle = client(AF_INET, SOCK_STREAM);
	pump(30);
	dnsl_get_stats(L, &st);
	assert_int_equal(st.tcp_clients, 2);
	/* Full: the idle one makes room. */
	int third = client(AF_INET, SOCK_STREAM);
	assert_true(closed_by_peer(idle));
	len = mkquery(q, sizeof(q), 3, "www.example", RR_A, NULL);
	tcp_send(third, q, len);
	assert_true(tcp_recv(third, rbuf, sizeof(rbuf)) > 0);
	/* Full of busy ones: the new one is refused. */
	len = mkquery(q, sizeof(q), 4, "hold.example", RR_A, NULL);
	tcp_send(third, q, len);
	pump(30);
	int fourth = client(AF_INET, SOCK_STREAM);
	assert_true(closed_by_peer(fourth));
	dnsl_get_stats(L, &st);
	assert_int_equal(st.tcp_rejected, 1);
	assert_int_equal(st.tcp_clients, 2);
	close(idle);
	close(fourth);
	close(third);
	close(busy);
	pump(30);
	assert_int_equal(nabandoned, 2);
}

static bool
one_held(void)
{
	return nheld == 1;
}

static bool
one_abandoned(void)
{
	return nabandoned == 1;
}

static void
test_tcp_close_abandons(void **state)
{
	uint8_t q[512];
	int fd = client(AF_INET, SOCK_STREAM);
	size_t len = mkquery(q, sizeof(q), 1, "hold.example", RR_A, NULL);

	tcp_send(fd, q, len);
	assert_true(pump_until(one_held, 2000));
	dnsl_query *h = held[0];
	close(fd);
	assert_true(pump_until(one_abandoned, 2000));
	assert_ptr_equal(abandoned[0], h);
	dnsl_stats st;
	dnsl_get_stats(L, &st);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.tcp_clients, 0);

	/* Half-closed after a query answered at once: the answer still
	 * arrives, then the close. */
	fd = client(AF_INET, SOCK_STREAM);
	len = mkquery(q, sizeof(q), 2, "www.example", RR_A, NULL);
	tcp_send(fd, q, len);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	ssize_t n = tcp_recv(fd, rbuf, sizeof(rbuf));
	assert_true(n > 0);
	assert_int_equal(wire_get_u16(rbuf), 2);
	assert_true(closed_by_peer(fd));
	close(fd);
}

static void
test_max_pending(void **state)
{
	dnsl_config cfg = { .max_pending = 2 };
	uint8_t q[512];
	msg m;
	dnsl_stats st;

	restart(&cfg);
	int fd = client(AF_INET, SOCK_DGRAM);
	for (int i = 0; i < 2; i++) {
		size_t len = mkquery(q, sizeof(q), (uint16_t)(10 + i), "hold.example",
		    RR_A, NULL);
		assert_int_equal(send(fd, q, len, 0), (ssize_t)len);
	}
	pump(30);
	assert_int_equal(nheld, 2);
	dnsl_query *h1 = held[1];
	assert_true(no_reply(fd));
	/* Over the limit: SERVFAIL at once, the resolver never sees it. */
	size_t len = mkquery(q, sizeof(q), 12, "www.example", RR_A,
	    &(qopt){ .flags = FLAG_RD, .edns = 1 });
	assert_int_equal(send(fd, q, len, 0), (ssize_t)len);
	ssize_t n = recv_wait(fd, rbuf, sizeof(rbuf), 2000);
	assert_true(n > 0);
	assert_int_equal(msg_parse(rbuf, (size_t)n, &reg, &m), 0);
	assert_int_equal(m.id, 12);
	assert_int_equal(m.rcode, RCODE_SERVFAIL);
	assert_true(m.edns.has_ede);
	assert_int_equal(nheld, 2);
	assert_int_equal(nresolve, 2);
	dnsl_get_stats(L, &st);
	assert_int_equal(st.overload, 1);
	assert_int_equal(st.pending, 2);

	/* The held ones are answered later; then there is room again. */
	dnsl_answer(held[0], NULL);
	n = recv_wait(fd, rbuf, sizeof(rbuf), 2000);
	assert_true(n > 0);
	assert_int_equal(msg_parse(rbuf, (size_t)n, &reg, &m), 0);
	assert_int_equal(m.id, 10);
	assert_int_equal(m.rcode, RCODE_SERVFAIL);
	len = mkquery(q, sizeof(q), 13, "www.example", RR_A, NULL);
	assert_int_equal(send(fd, q, len, 0), (ssize_t)len);
	n = recv_wait(fd, rbuf, sizeof(rbuf), 2000);
	assert_true(n > 0);
	assert_int_equal(msg_parse(rbuf, (size_t)n, &reg, &m), 0);
	assert_int_equal(m.id, 13);
	assert_int_equal(m.rcode, RCODE_NOERROR);
	close(fd);
	/* dnsl_free (teardown) abandons the one still held. */
	dnsl_free(L);
	L = NULL;
	assert_int_equal(nabandoned, 1);
	assert_ptr_equal(abandoned[0], h1);
}

/* Bound to 0.0.0.0, a query to 127.0.0.2 is answered from 127.0.0.2. */
static void
test_wildcard_source(void **state)
{
	struct sockaddr_storage addr, bound;
	socklen_t alen = sizeof(struct sockaddr_in), blen;
	struct sockaddr_in *s = (struct sockaddr_in *)&addr;
	dnsl_config cfg;
	char err[256];
	uint8_t q[512];
	msg m;

	dnsl_free(L);
	L = NULL;
	memset(&addr, 0, sizeof(addr));
	s->sin_family = AF_INET;
	memset(&cfg, 0, sizeof(cfg));
	cfg.addrs = &addr;
	cfg.addrlens = &alen;
	cfg.naddrs = 1;
	assert_int_equal(dnsl_new(base, &cfg, t_resolve, t_abandon, NULL, &L,
	    err, sizeof(err)), 0);
	assert_int_equal(dnsl_local_addr(L, 0, &bound, &blen), 0);
	inet_pton(AF_INET, "127.0.0.2", &((struct sockaddr_in *)&bound)->sin_addr);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	/* A connected socket takes datagrams from that address only. */
	assert_int_equal(connect(fd, (struct sockaddr *)&bound, blen), 0);
	size_t len = mkquery(q, sizeof(q), 21, "www.example", RR_A, NULL);
	assert_int_equal(send(fd, q, len, 0), (ssize_t)len);
	ssize_t n = recv_wait(fd, rbuf, sizeof(rbuf), 2000);
	assert_true(n > 0);
	assert_int_equal(msg_parse(rbuf, (size_t)n, &reg, &m), 0);
	assert_int_equal(m.id, 21);
	close(fd);
}

static void
test_bind_errors(void **state)
{
	struct sockaddr_storage addrs[2];
	socklen_t lens[2];
	dnsl_config cfg;
	dnsl *l2 = (dnsl *)1;
	char err[256], want[64];

	/* Address 1 is taken (our own listener holds it); address 0 must
	 * not stay bound after the failure.  A port free for UDP and TCP: the
	 * one a listener on port 0 got. */
	struct sockaddr_storage free_addr;
	socklen_t flen;
	loopback_addr(&free_addr, &flen, AF_INET);
	memset(&cfg, 0, sizeof(cfg));
	cfg.addrs = &free_addr;
	cfg.addrlens = &flen;
	cfg.naddrs = 1;
	assert_int_equal(dnsl_new(base, &cfg, t_resolve, t_abandon, NULL, &l2,
	    err, sizeof(err)), 0);
	assert_int_equal(dnsl_local_addr(l2, 0, &free_addr, &flen), 0);
	dnsl_free(l2);

	memset(&cfg, 0, sizeof(cfg));
	addrs[0] = free_addr;
	lens[0] = flen;
	addrs[1] = a4;
	lens[1] = a4len;
	cfg.addrs = addrs;
	cfg.addrlens = lens;
	cfg.naddrs = 2;
	assert_int_equal(dnsl_new(base, &cfg, t_resolve, t_abandon, NULL, &l2,
	    err, sizeof(err)), MX_EIO);
	assert_null(l2);
	snprintf(want, sizeof(want), "127.0.0.1@%u",
	    ntohs(((struct sockaddr_in *)&a4)->sin_port));
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, strerror(EADDRINUSE)));
	/* Nothing left bound: address 0 binds again, UDP and TCP. */
	cfg.naddrs = 1;
	assert_int_equal(dnsl_new(base, &cfg, t_resolve, t_abandon, NULL, &l2,
	    err, sizeof(err)), 0);
	dnsl_free(l2);

	/* Not an IP address. */
	addrs[0].ss_family = AF_UNIX;
	assert_int_equal(dnsl_new(base, &cfg, t_resolve, t_abandon, NULL, &l2,
	    err, sizeof(err)), MX_EINVAL);
	assert_null(l2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_allowed),
		cmocka_unit_test_setup_teardown(test_udp_a, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case_preserved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_tc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_additional_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_formerr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notimp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_badvers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remote_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ad_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dnssec_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bogus_ede, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_pipeline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_bad_framing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_max_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_close_abandons, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wildcard_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_errors, setup, teardown),
	};
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_storage ss;
	socklen_t len;

	/* Writes to a closed client must not kill the test (mxsecd too
	 * ignores SIGPIPE). */
	signal(SIGPIPE, SIG_IGN);
	loopback_addr(&ss, &len, AF_INET6);
	have_v6 = fd >= 0 && bind(fd, (struct sockaddr *)&ss, len) == 0;
	if (fd >= 0)
		close(fd);
	if (!have_v6)
		fprintf(stderr, "# no ::1 here: IPv6 cases skipped\n");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
