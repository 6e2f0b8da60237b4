/*
 * Unit tests: the query engine, driven without I/O.  A fake I/O edge
 * records the queries the engine sends; a scripted set of authoritative
 * servers answers them (or misbehaves), at a fixed time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <stdlib.h>
#include <unistd.h>

#include "cache.h"
#include "engine.h"
#include "err.h"
#include "msg.h"
#include "name.h"
#include "rrtype.h"

/* ---- the fake I/O edge ---- */

typedef struct sent {
	uint64_t token;
	uint32_t ip;              /* host order */
	bool tcp;
	uint8_t pkt[512];
	size_t len;
	bool cancelled;
} sent;

static sent q[512];
static size_t nq, next_q;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static int
fake_send(void *ctx, uint64_t token, const struct sockaddr *sa, socklen_t salen,
    const uint8_t *pkt, size_t len, bool tcp, unsigned timeout_ms)
{
	(void)ctx; (void)salen; (void)timeout_ms;
	assert_true(nq < 512);
	assert_int_equal(sa->sa_family, AF_INET);
	q[nq].token = token;
	q[nq].ip = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
	q[nq].tcp = tcp;
	memcpy(q[nq].pkt, pkt, len);
	q[nq].len = len;
	q[nq].cancelled = false;
	nq++;
	return 0;
}

static void
fake_cancel(void *ctx, uint64_t token)
{
	(void)ctx;
	for (size_t i = 0; i < nq; i++)
		if (q[i].token == token)
			q[i].cancelled = true;
}

static void
fake_random(void *ctx, void *buf, size_t n)
{
	uint8_t *p = buf;
	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		p[i] = (uint8_t)rng;
	}
}

static const eng_io fake_io = { NULL, fake_send, fake_cancel, fake_random };
static size_t fwd_count = 2;
static const eng_time T0 = { 1700000000, 1000 };
static eng_time clock_now;   /* moves forward across a test's requests */

/* ---- the scripted servers ---- */

#define ROOT1 0x0a000001   /* 10.0.0.1 */
#define ROOT2 0x0a000009   /* 10.0.0.9: a second root that never answers */
#define TEST  0x0a000002
#define EXMPL 0x0a000003

static const char hints[] =
    ". NS a.root.\n. NS b.root.\na.root. A 10.0.0.9\nb.root. A 10.0.0.1\n";

typedef struct qinfo {
	uint16_t id;
	uint16_t flags;
	uint8_t qname[NAME_MAX_WIRE];   /* as sent */
	uint16_t qtype;
	bool do_bit;
} qinfo;

static void
decode(const sent *s, qinfo *qi)
{
	region reg;
	msg m;

	region_init(&reg, 0);
	assert_int_equal(msg_parse(s->pkt, s->len, &reg, &m), 0);
	qi->id = m.id;
	qi->flags = m.flags;
	name_copy(qi->qname, m.qname);
	qi->qtype = m.qtype;
	qi->do_bit = m.edns.present && (m.edns.flags & EDNS_DO);
	region_free(&reg);
}

static const uint8_t *
N(const char *s)
{
	static uint8_t buf[16][NAME_MAX_WIRE];
	static int i;
	uint8_t *w = buf[i++ % 16];
	assert_int_equal(name_from_cstr(s, w), 0);
	return w;
}

static uint16_t
a_rd(uint8_t *rd, uint32_t ip)
{
	rd[0] = (uint8_t)(ip >> 24); rd[1] = (uint8_t)(ip >> 16);
	rd[2] = (uint8_t)(ip >> 8); rd[3] = (uint8_t)ip;
	return 4;
}

static uint16_t
name_rd(uint8_t *rd, const char *s)
{
	const uint8_t *n = N(s);
	memcpy(rd, n, name_len(n));
	return (uint16_t)name_len(n);
}

/* Misbehaviour switches for the current test. */
static bool oob_glue;        /* test. refers oob.test to ns.evil.invalid + glue */
static bool tc_always;       /* example.test answers TC over UDP */
static bool flip_case;       /* example.test upper-cases the question */
static bool all_silent;      /* nobody answers: upstreams down */

/* Build the answer of server ip to qi into out; 0 = no answer. */
static size_t
answer(uint32_t ip, const qinfo *qi, bool tcp, uint8_t *out, size_t cap)
{
	msg_builder b;
	uint8_t rd[300];
	const uint8_t *qn = qi->qname;
	uint16_t fl = FLAG_QR | FLAG_AA;

	if (all_silent)
		return 0;
	mb_init(&b, out, cap, qi->id, fl);
	assert_int_equal(mb_question(&b, qn, qi->qtype, CLASS_IN), 0);
	if (ip == ROOT1) {
		if (name_is_root(qn) && qi->qtype == RR_NS) {
			mb_rr(&b, SEC_ANSWER, N("."), RR_NS, CLASS_IN, 3600, rd, name_rd(rd, "b.root"));
			mb_rr(&b, SEC_ADDITIONAL, N("b.root"), RR_A, CLASS_IN, 3600, rd, a_rd(rd, ROOT1));
		} else if (name_is_subdomain(qn, N("test"))) {
			mb_set_flags(&b, FLAG_QR);
			mb_rr(&b, SEC_AUTHORITY, N("test"), RR_NS, CLASS_IN, 3600, rd, name_rd(rd, "ns.test"));
			mb_rr(&b, SEC_ADDITIONAL, N("ns.test"), RR_A, CLASS_IN, 3600, rd, a_rd(rd, TEST));
		} else {
			mb_set_flags(&b, fl | RCODE_NXDOMAIN);
			mb_rr(&b, SEC_AUTHORITY, N("."), RR_SOA, CLASS_IN, 60, rd,
			    (uint16_t)(name_rd(rd, "a.root") + name_rd(rd + name_rd(rd, "a.root"), "h.root") + 20));
		}
	} else if (ip == TEST) {
		if (name_is_subdomain(qn, N("example.test"))) {
			mb_set_flags(&b, FLAG_QR);
			mb_rr(&b, SEC_AUTHORITY, N("example.test"), RR_NS, CLASS_IN, 3600, rd, name_rd(rd, "ns.example.test"));
			mb_rr(&b, SEC_ADDITIONAL, N("ns.example.test"), RR_A, CLASS_IN, 3600, rd, a_rd(rd, EXMPL));
			/* Out-of-bailiwick extra, always: must never be used. */
			mb_rr(&b, SEC_ADDITIONAL, N("www.other.invalid"), RR_A, CLASS_IN, 3600, rd, a_rd(rd, 0x06060606));
		} else if (oob_glue && name_is_subdomain(qn, N("oob.test"))) {
			mb_set_flags(&b, FLAG_QR);
			mb_rr(&b, SEC_AUTHORITY, N("oob.test"), RR_NS, CLASS_IN, 3600, rd, name_rd(rd, "ns.evil.invalid"));
			mb_rr(&b, SEC_ADDITIONAL, N("ns.evil.invalid"), RR_A, CLASS_IN, 3600, rd, a_rd(rd, 0x06060606));
		} else if (name_eq(qn, N("test")) || name_eq(qn, N("ns.test"))) {
			if (qi->qtype == RR_A && name_eq(qn, N("ns.test")))
				mb_rr(&b, SEC_ANSWER, qn, RR_A, CLASS_IN, 3600, rd, a_rd(rd, TEST));
		} else {
			mb_set_flags(&b, fl | RCODE_NXDOMAIN);
		}
	} else if (ip == EXMPL) {
		if (tc_always && !tcp) {
			mb_set_flags(&b, fl | FLAG_TC);
		} else if (name_eq(qn, N("www.example.test")) && qi->qtype == RR_A) {
			mb_rr(&b, SEC_ANSWER, qn, RR_A, CLASS_IN, 300, rd, a_rd(rd, 0xc0000250));
		} else if (name_eq(qn, N("alias.example.test"))) {
			mb_rr(&b, SEC_ANSWER, qn, RR_CNAME, CLASS_IN, 300, rd, name_rd(rd, "www.example.test"));
			if (qi->qtype == RR_A)
				mb_rr(&b, SEC_ANSWER, N("www.example.test"), RR_A, CLASS_IN, 300, rd, a_rd(rd, 0xc0000250));
		} else if (name_eq(qn, N("loop1.example.test"))) {
			mb_rr(&b, SEC_ANSWER, qn, RR_CNAME, CLASS_IN, 300, rd, name_rd(rd, "loop2.example.test"));
		} else if (name_eq(qn, N("loop2.example.test"))) {
			mb_rr(&b, SEC_ANSWER, qn, RR_CNAME, CLASS_IN, 300, rd, name_rd(rd, "loop1.example.test"));
		} else if (name_eq(qn, N("example.test")) || name_eq(qn, N("www.example.test"))) {
			/* NODATA */
		} else {
			mb_set_flags(&b, fl | RCODE_NXDOMAIN);
		}
	} else {
		return 0;   /* ROOT2 and anything else: silence */
	}
	int len = mb_finish(&b);
	assert_true(len > 0);
	if (flip_case && ip == EXMPL)
		for (size_t k = 12; k < 12 + name_len(qn); k++)
			if (out[k] >= 'a' && out[k] <= 'z')
				out[k] -= 32;
	return (size_t)len;
}

/* ---- running a request ---- */

typedef struct outcome {
	bool done;
	unsigned rcode;
	uint16_t nanswer;
	uint32_t a;               /* last A in the answer */
	size_t ncname;
} outcome;

static void
on_done(void *arg, const eng_result *res)
{
	outcome *o = arg;
	o->done = true;
	o->rcode = res->rcode;
	o->nanswer = res->count[SEC_ANSWER];
	for (uint16_t i = 0; i < res->count[SEC_ANSWER]; i++) {
		const msg_rr *rr = &res->rr[SEC_ANSWER][i];
		if (rr->type == RR_A)
			o->a = (uint32_t)rr->rdata[0] << 24 | (uint32_t)rr->rdata[1] << 16 |
			    (uint32_t)rr->rdata[2] << 8 | rr->rdata[3];
		if (rr->type == RR_CNAME)
			o->ncname++;
	}
}

/* The answer store: the real LMDB cache in a temporary directory. */
static cache *store_cache;
static char store_dir[64];

static int
st_get(void *ctx, const uint8_t *qname, uint16_t qtype, unsigned flags,
    time_t now, bool stale, region *reg, eng_hit *hit)
{
	return cache_lookup(ctx, qname, qtype, flags, now, stale, reg, hit);
}

static void
st_put(void *ctx, const uint8_t *qname, uint16_t qtype, unsigned flags,
    const eng_result *res, time_t now)
{
	cache_store(ctx, qname, qtype, flags, res, now);
}

static eng_store the_store;
static bool with_store, with_prefetch, with_stale;

static void
open_store(void)
{
	cache_config cc = {
		.dir = store_dir, .mapsize = 4u << 20, .max_ttl = 86400,
		.max_neg_ttl = 3600, .bogus_ttl = 60,
		.stale_ttl = with_stale ? 3600 : 0, .aggressive = true,
		.nsec3_max_iterations = 150,
	};
	char err[200];

	assert_int_equal(cache_open(&store_cache, &cc, NULL, err, sizeof(err)), 0);
	the_store = (eng_store){ store_cache, st_get, st_put };
}

static void
close_store(void)
{
	char cmd[128];

	cache_close(store_cache);
	store_cache = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", store_dir);
	assert_int_equal(system(cmd), 0);
}

static eng *
new_engine(bool qmin, enum eng_mode mode)
{
	eng_config c;
	eng *e;
	char err[200];
	static eng_addr fwd[2];

	memset(&c, 0, sizeof(c));
	c.mode = mode;
	c.root_hints = hints;
	c.root_hints_len = sizeof(hints) - 1;
	c.do_ip4 = true;
	c.qname_minimisation = qmin;
	c.harden_glue = true;
	if (mode == ENG_FORWARD) {
		/* The first upstream is silent; failover must find the second. */
		uint32_t ips[2] = { ROOT2, EXMPL };
		memset(fwd, 0, sizeof(fwd));
		for (int i = 0; i < 2; i++) {
			struct sockaddr_in *s = (struct sockaddr_in *)&fwd[i].sa;
			s->sin_family = AF_INET;
			s->sin_port = htons(53);
			s->sin_addr.s_addr = htonl(ips[i]);
			fwd[i].salen = sizeof(*s);
		}
		c.forwarders = fwd;
		c.nforwarders = fwd_count;
	}
	if (with_store) {
		c.store = &the_store;
		c.prefetch = with_prefetch;
		c.serve_stale = with_stale;
	}
	nq = next_q = 0;
	oob_glue = tc_always = flip_case = all_silent = false;
	clock_now = T0;
	assert_int_equal(eng_new(&c, &fake_io, &e, err, sizeof(err)), 0);
	return e;
}

/* Answer queued queries until none is left; silent servers time out. */
static void
run(eng *e, eng_time *t)
{
	static uint8_t out[4096];
	qinfo qi;

	while (next_q < nq) {
		sent *s = &q[next_q++];
		if (s->cancelled)
			continue;
		t->mono_ms += 10;
		decode(s, &qi);
		size_t len = answer(s->ip, &qi, s->tcp, out, sizeof(out));
		if (len == 0)
			eng_fail(e, s->token, MX_EAGAIN, *t);
		else
			assert_int_equal(eng_reply(e, s->token, out, len, *t), 0);
	}
}

static outcome
resolve(eng *e, const char *name, uint16_t type)
{
	outcome o;
	eng_req *r;

	memset(&o, 0, sizeof(o));
	clock_now.mono_ms += 100;
	assert_int_equal(eng_resolve(e, N(name), type, CLASS_IN, 0, clock_now, on_done, &o, &r), 0);
	run(e, &clock_now);
	assert_true(o.done);
	return o;
}

static bool
sent_to(uint32_t ip)
{
	for (size_t i = 0; i < nq; i++)
		if (q[i].ip == ip)
			return true;
	return false;
}

/* ---- tests ---- */

static void
test_referrals(void **state)
{
	eng *e = new_engine(false, ENG_RECURSIVE);
	outcome o = resolve(e, "www.example.test", RR_A);

	assert_int_equal(o.rcode, RCODE_NOERROR);
	assert_int_equal(o.a, 0xc0000250);
	/* The silent root was tried at most once before the good one. */
	assert_true(sent_to(TEST) && sent_to(EXMPL));
	assert_false(sent_to(0x06060606));
	/* Every query had DO, no RD, and the question in 0x20 case. */
	bool mixed = false;
	for (size_t i = 0; i < nq; i++) {
		qinfo qi;
		decode(&q[i], &qi);
		assert_true(qi.do_bit);
		assert_false(qi.flags & FLAG_RD);
		for (size_t k = 0; k < name_len(qi.qname); k++)
			if (qi.qname[k] >= 'A' && qi.qname[k] <= 'Z')
				mixed = true;
	}
	assert_true(mixed);
	/* A second question uses what was learned: straight to example.test. */
	size_t before = nq;
	o = resolve(e, "alias.example.test", RR_A);
	assert_int_equal(o.rcode, RCODE_NOERROR);
	assert_int_equal(o.ncname, 1);
	assert_int_equal(o.a, 0xc0000250);
	assert_int_equal(nq - before, 1);
	assert_int_equal(q[before].ip, EXMPL);
	eng_free(e);
}

/* A server that timed out is avoided for a while: later questions that
 * start at the root ask the answering root server first. */
static void
test_rtt_avoids_silent(void **state)
{
	eng *e = new_engine(false, ENG_RECURSIVE);
	outcome o = resolve(e, "www.example.test", RR_A);
	assert_int_equal(o.a, 0xc0000250);
	for (int round = 0; round < 5; round++) {
		char name[32];
		size_t before = nq;
		snprintf(name, sizeof(name), "x%d.invalid", round);
		o = resolve(e, name, RR_A);
		assert_int_equal(o.rcode, RCODE_NXDOMAIN);
		assert_int_equal(q[before].ip, ROOT1);
	}
	eng_free(e);
}

static void
test_qname_minimisation(void **state)
{
	eng *e = new_engine(true, ENG_RECURSIVE);
	outcome o = resolve(e, "www.example.test", RR_A);
	qinfo qi;
	bool saw_test = false, saw_example = false;

	assert_int_equal(o.a, 0xc0000250);
	/* RFC 9156: the root never sees more than "test.", test. never
	 * more than "example.test."; minimised queries ask for A. */
	for (size_t i = 0; i < nq; i++) {
		decode(&q[i], &qi);
		if (q[i].ip == ROOT1 && !name_is_root(qi.qname)) {
			assert_true(name_eq(qi.qname, N("test")));
			assert_int_equal(qi.qtype, RR_A);
			saw_test = true;
		}
		if (q[i].ip == TEST) {
			assert_true(name_eq(qi.qname, N("example.test")));
			saw_example = true;
		}
	}
	assert_true(saw_test && saw_example);
	eng_free(e);
}

static void
test_negative(void **state)
{
	eng *e = new_engine(true, ENG_RECURSIVE);
	outcome o = resolve(e, "nx.example.test", RR_A);
	assert_int_equal(o.rcode, RCODE_NXDOMAIN);
	o = resolve(e, "www.example.test", RR_MX);
	assert_int_equal(o.rcode, RCODE_NOERROR);
	assert_int_equal(o.nanswer, 0);
	eng_free(e);
}

static void
test_spoofed_replies_dropped(void **state)
{
	eng *e = new_engine(false, ENG_RECURSIVE);
	static uint8_t out[4096];
	outcome o;
	eng_req *r;
	eng_time t = T0;
	qinfo qi;

	memset(&o, 0, sizeof(o));
	assert_int_equal(eng_resolve(e, N("www.example.test"), RR_A, CLASS_IN, 0, t, on_done, &o, &r), 0);
	/* Walk the queries; for each, first three forgeries, then the truth. */
	while (next_q < nq) {
		sent *s = &q[next_q++];
		if (s->cancelled)
			continue;
		decode(s, &qi);
		size_t len = answer(s->ip, &qi, s->tcp, out, sizeof(out));
		if (len == 0) {
			eng_fail(e, s->token, MX_EAGAIN, t);
			continue;
		}
		/* Wrong ID. */
		out[0] ^= 0x55;
		assert_int_equal(eng_reply(e, s->token, out, len, t), MX_EAGAIN);
		out[0] ^= 0x55;
		/* Question case flipped (0x20 defeats blind spoofing). */
		bool flipped = false;
		for (size_t k = 12; k < 12 + name_len(qi.qname); k++) {
			if ((out[k] | 0x20) >= 'a' && (out[k] | 0x20) <= 'z') {
				out[k] ^= 0x20;
				flipped = true;
				break;
			}
		}
		if (flipped) {
			assert_int_equal(eng_reply(e, s->token, out, len, t), MX_EAGAIN);
			for (size_t k = 12; k < 12 + name_len(qi.qname); k++)
				out[k] = qi.qname[k - 12];
		}
		/* Garbage with the right ID. */
		uint8_t junk[20] = { out[0], out[1], 0x80, 0, 0, 1, 0xff, 0xff };
		assert_int_equal(eng_reply(e, s->token, junk, sizeof(junk), t), MX_EAGAIN);
		assert_int_equal(eng_reply(e, s->token, out, len, t), 0);
	}
	assert_true(o.done);
	assert_int_equal(o.a, 0xc0000250);
	eng_stats st;
	eng_get_stats(e, &st);
	assert_true(st.dropped >= 3);
	eng_free(e);
}

static void
test_tc_goes_tcp(void **state)
{
	eng *e = new_engine(false, ENG_RECURSIVE);
	tc_always = true;
	outcome o = resolve(e, "www.example.test", RR_A);
	assert_int_equal(o.a, 0xc0000250);
	assert_true(q[nq - 1].tcp);
	assert_int_equal(q[nq - 1].ip, EXMPL);
	assert_false(q[nq - 2].tcp);
	eng_free(e);
}

/* A server that does not keep the question's case: its replies are
 * dropped, the query times out, and only that one query is asked again
 * without 0x20.  The next query to it uses 0x20 again (nothing learned). */
static void
test_0x20_fallback(void **state)
{
	eng *e = new_engine(false, ENG_RECURSIVE);
	static uint8_t out[4096];
	outcome o;
	eng_req *r;
	eng_time t = T0;
	qinfo qi;
	unsigned plain_sends = 0;

	flip_case = true;
	memset(&o, 0, sizeof(o));
	assert_int_equal(eng_resolve(e, N("www.example.test"), RR_A, CLASS_IN, 0, t, on_done, &o, &r), 0);
	while (next_q < nq) {
		sent *s = &q[next_q++];
		if (s->cancelled)
			continue;
		decode(s, &qi);
		size_t len = answer(s->ip, &qi, s->tcp, out, sizeof(out));
		if (len == 0) {
			eng_fail(e, s->token, MX_EAGAIN, t);
			continue;
		}
		int rc = eng_reply(e, s->token, out, len, t);
		if (rc == MX_EAGAIN) {
			eng_fail(e, s->token, MX_EAGAIN, t);   /* it timed out */
			continue;
		}
		assert_int_equal(rc, 0);
		if (s->ip == EXMPL) {
			/* Accepted only when asked in the case it returns. */
			bool upper = true;
			for (size_t k = 0; k < name_len(qi.qname); k++)
				if (qi.qname[k] >= 'a' && qi.qname[k] <= 'z')
					upper = false;
			bool lower = true;
			for (size_t k = 0; k < name_len(qi.qname); k++)
				if (qi.qname[k] >= 'A' && qi.qname[k] <= 'Z')
					lower = false;
			assert_true(upper || lower);
			plain_sends++;
		}
	}
	assert_true(o.done);
	assert_int_equal(o.a, 0xc0000250);
	assert_int_equal(plain_sends, 1);
	eng_free(e);
}

static void
test_cname_loop(void **state)
{
	eng *e = new_engine(false, ENG_RECURSIVE);
	outcome o = resolve(e, "loop1.example.test", RR_A);
	assert_int_equal(o.rcode, RCODE_SERVFAIL);
	/* The loop ends by the CNAME limit, well within the query limit. */
	assert_true(nq < 40);
	eng_free(e);
}

static void
test_out_of_bailiwick_glue(void **state)
{
	eng *e = new_engine(false, ENG_RECURSIVE);
	oob_glue = true;
	outcome o = resolve(e, "www.oob.test", RR_A);
	/* ns.evil.invalid does not exist, and its glue from test. was not
	 * believed: no query ever went to 6.6.6.6. */
	assert_int_equal(o.rcode, RCODE_SERVFAIL);
	assert_false(sent_to(0x06060606));
	eng_free(e);
}

static void
test_coalescing(void **state)
{
	eng *e = new_engine(false, ENG_RECURSIVE);
	outcome o1, o2;
	eng_req *r1, *r2;
	eng_time t = T0;

	memset(&o1, 0, sizeof(o1));
	memset(&o2, 0, sizeof(o2));
	assert_int_equal(eng_resolve(e, N("www.example.test"), RR_A, CLASS_IN, 0, t, on_done, &o1, &r1), 0);
	size_t after_first = nq;
	assert_int_equal(eng_resolve(e, N("WWW.Example.TEST"), RR_A, CLASS_IN, 0, t, on_done, &o2, &r2), 0);
	assert_int_equal(nq, after_first);   /* no new query */
	run(e, &t);
	assert_true(o1.done && o2.done);
	assert_int_equal(o2.a, 0xc0000250);
	eng_stats st;
	eng_get_stats(e, &st);
	assert_int_equal(st.coalesced, 1);
	assert_int_equal(st.in_flight, 0);
	eng_free(e);
}

static void
test_deadline(void **state)
{
	eng *e = new_engine(false, ENG_RECURSIVE);
	outcome o;
	eng_req *r;
	eng_time t = T0;

	memset(&o, 0, sizeof(o));
	assert_int_equal(eng_resolve(e, N("www.example.test"), RR_A, CLASS_IN, 0, t, on_done, &o, &r), 0);
	/* Nobody answers; the clock runs out. */
	t.mono_ms += 5000;
	eng_tick(e, t);
	assert_false(o.done);
	t.mono_ms += 20000;
	eng_tick(e, t);
	assert_true(o.done);
	assert_int_equal(o.rcode, RCODE_SERVFAIL);
	/* The query still outstanding was cancelled. */
	assert_true(q[nq - 1].cancelled);
	eng_free(e);
}

static void
test_cancel(void **state)
{
	eng *e = new_engine(false, ENG_RECURSIVE);
	outcome o;
	eng_req *r;
	eng_time t = T0;

	memset(&o, 0, sizeof(o));
	assert_int_equal(eng_resolve(e, N("www.example.test"), RR_A, CLASS_IN, 0, t, on_done, &o, &r), 0);
	eng_cancel(e, r);
	run(e, &t);
	assert_false(o.done);   /* a cancelled client is never called */
	eng_free(e);
}

static void
test_forward_mode(void **state)
{
	eng *e = new_engine(false, ENG_FORWARD);
	outcome o = resolve(e, "alias.example.test", RR_A);
	qinfo qi;

	assert_int_equal(o.a, 0xc0000250);
	/* Failover: whichever upstream came first, the answer came from the
	 * one that answers; and once the silent one timed out, the next
	 * question goes to the working one first (smoothed RTT). */
	assert_true(nq == 1 || nq == 2);
	assert_int_equal(q[nq - 1].ip, EXMPL);
	size_t before = nq;
	o = resolve(e, "www.example.test", RR_A);
	assert_int_equal(o.a, 0xc0000250);
	assert_int_equal(nq - before, 1);
	assert_int_equal(q[before].ip, EXMPL);
	decode(&q[nq - 1], &qi);
	/* RD and CD set, question exactly as asked (no 0x20). */
	assert_true(qi.flags & FLAG_RD);
	assert_true(qi.flags & FLAG_CD);
	assert_memory_equal(qi.qname, N("www.example.test"), name_len(qi.qname));
	eng_free(e);
}

/* query-loopback no (the default): a server on 127/8 or ::1 is never
 * asked, whatever the hints or referrals say. */
static void
test_no_loopback_upstream(void **state)
{
	static const char lo_hints[] = ". NS a.root.\na.root. A 127.0.0.11\na.root. AAAA ::1\n";
	eng_config c;
	eng *e;
	char err[200];
	outcome o;
	eng_req *r;

	memset(&c, 0, sizeof(c));
	c.mode = ENG_RECURSIVE;
	c.root_hints = lo_hints;
	c.root_hints_len = sizeof(lo_hints) - 1;
	c.do_ip4 = c.do_ip6 = true;
	c.query_loopback = false;
	nq = next_q = 0;
	assert_int_equal(eng_new(&c, &fake_io, &e, err, sizeof(err)), 0);
	memset(&o, 0, sizeof(o));
	assert_int_equal(eng_resolve(e, N("www.example.test"), RR_A, CLASS_IN, 0, T0, on_done, &o, &r), 0);
	assert_true(o.done);
	assert_int_equal(o.rcode, RCODE_SERVFAIL);
	assert_int_equal(nq, 0);
	eng_free(e);
}

static void
test_refused_class(void **state)
{
	eng *e = new_engine(false, ENG_RECURSIVE);
	outcome o;
	eng_req *r;

	memset(&o, 0, sizeof(o));
	assert_int_equal(eng_resolve(e, N("x.test"), RR_A, CLASS_CH, 0, T0, on_done, &o, &r), 0);
	assert_true(o.done);
	assert_null(r);
	assert_int_equal(o.rcode, RCODE_REFUSED);
	eng_free(e);
}

/* ---- with the answer store ---- */

static void
store_setup(bool prefetch, bool stale)
{
	snprintf(store_dir, sizeof(store_dir), "/tmp/mxsec-engine-XXXXXX");
	assert_non_null(mkdtemp(store_dir));
	with_store = true;
	with_prefetch = prefetch;
	with_stale = stale;
	open_store();
}

static void
store_teardown(void)
{
	close_store();
	with_store = with_prefetch = with_stale = false;
}

static void
test_store_answers(void **state)
{
	store_setup(false, false);
	eng *e = new_engine(false, ENG_RECURSIVE);
	eng_stats st;
	outcome o = resolve(e, "www.example.test", RR_A);
	assert_int_equal(o.a, 0xc0000250);
	size_t sent_before = nq;
	/* The same question, in another case: from the store, no query. */
	o = resolve(e, "WWW.Example.TEST", RR_A);
	assert_int_equal(o.rcode, RCODE_NOERROR);
	assert_int_equal(o.a, 0xc0000250);
	assert_int_equal(nq, sent_before);
	/* NXDOMAIN is kept too (RFC 2308), with the SOA's TTL. */
	o = resolve(e, "nx.example.test", RR_A);
	sent_before = nq;
	o = resolve(e, "nx.example.test", RR_A);
	eng_get_stats(e, &st);
	assert_int_equal(st.cache_hits, 1);   /* no SOA: not kept */
	(void)o;
	/* After a restart of everything, the answer is still there. */
	eng_free(e);
	cache_commit(store_cache);
	cache_close(store_cache);
	open_store();
	e = new_engine(false, ENG_RECURSIVE);
	all_silent = true;
	o = resolve(e, "www.example.test", RR_A);
	assert_int_equal(o.a, 0xc0000250);
	assert_int_equal(nq, 0);
	eng_get_stats(e, &st);
	assert_int_equal(st.cache_hits, 1);
	assert_int_equal(st.queries_sent, 0);
	eng_free(e);
	store_teardown();
}

static void
test_store_prefetch(void **state)
{
	store_setup(true, false);
	eng *e = new_engine(false, ENG_RECURSIVE);
	eng_stats st;
	outcome o = resolve(e, "www.example.test", RR_A);
	size_t sent_before = nq;
	/* TTL 300: at 200 s it is answered and left alone ... */
	clock_now.wall = T0.wall + 200;
	o = resolve(e, "www.example.test", RR_A);
	assert_int_equal(nq, sent_before);
	/* ... at 280 s (last 10 %) it is answered and refreshed. */
	clock_now.wall = T0.wall + 280;
	o = resolve(e, "www.example.test", RR_A);
	assert_int_equal(o.a, 0xc0000250);
	assert_true(nq > sent_before);
	eng_get_stats(e, &st);
	assert_int_equal(st.prefetches, 1);
	assert_int_equal(st.cache_hits, 2);
	/* The refreshed entry lives another 300 s from 280. */
	clock_now.wall = T0.wall + 500;
	sent_before = nq;
	o = resolve(e, "www.example.test", RR_A);
	assert_int_equal(o.a, 0xc0000250);
	assert_int_equal(nq, sent_before);
	eng_free(e);
	store_teardown();
}

static void
on_done_res(void *arg, const eng_result *res)
{
	eng_result *out = arg;
	*out = *res;
	out->count[SEC_ANSWER] = res->count[SEC_ANSWER];
	/* Keep the TTL of the first record; the records die with us. */
	out->rr[SEC_ANSWER] = NULL;
	out->rr[SEC_AUTHORITY] = NULL;
	out->rr[SEC_ADDITIONAL] = NULL;
	out->reason = NULL;
	out->rcode = res->rcode;
	out->count[SEC_AUTHORITY] = res->count[SEC_ANSWER] ? (uint16_t)res->rr[SEC_ANSWER][0].ttl : 0;
}

static void
test_store_serve_stale(void **state)
{
	store_setup(false, true);
	eng *e = new_engine(false, ENG_RECURSIVE);
	eng_result res;
	eng_req *r;
	eng_stats st;

	/* Without anchors everything here is indeterminate, which is never
	 * served stale: store an insecure answer as the validator would. */
	uint8_t rd[4] = { 192, 0, 2, 80 };
	msg_rr rr = { (uint8_t *)N("www.example.test"), RR_A, CLASS_IN, 300, 4, rd };
	eng_result in;
	memset(&in, 0, sizeof(in));
	in.status = SEC_INSECURE;
	in.rr[SEC_ANSWER] = &rr;
	in.count[SEC_ANSWER] = 1;
	assert_int_equal(cache_store(store_cache, N("www.example.test"), RR_A, 0, &in, T0.wall), 0);
	/* Expired, and every server silent: the stale answer, with EDE 3
	 * and TTL 30 (RFC 8767 4). */
	all_silent = true;
	clock_now.wall = T0.wall + 400;
	clock_now.mono_ms += 100;
	memset(&res, 0, sizeof(res));
	assert_int_equal(eng_resolve(e, N("www.example.test"), RR_A, CLASS_IN, 0,
	    clock_now, on_done_res, &res, &r), 0);
	while (res.rcode == 0 && res.count[SEC_ANSWER] == 0) {
		run(e, &clock_now);
		clock_now.mono_ms += 1000;
		eng_tick(e, clock_now);
	}
	assert_int_equal(res.rcode, RCODE_NOERROR);
	assert_int_equal(res.count[SEC_ANSWER], 1);
	assert_true(res.has_ede);
	assert_int_equal(res.ede, EDE_STALE_ANSWER);
	assert_int_equal(res.count[SEC_AUTHORITY], 30);   /* the TTL */
	eng_get_stats(e, &st);
	assert_int_equal(st.stale_served, 1);
	/* An indeterminate (or bogus) entry is never served stale. */
	all_silent = false;
	resolve(e, "alias.example.test", RR_A);
	all_silent = true;
	clock_now.wall = T0.wall + 1000;
	memset(&res, 0, sizeof(res));
	assert_int_equal(eng_resolve(e, N("alias.example.test"), RR_A, CLASS_IN, 0,
	    clock_now, on_done_res, &res, &r), 0);
	while (res.rcode == 0) {
		run(e, &clock_now);
		clock_now.mono_ms += 1000;
		eng_tick(e, clock_now);
	}
	assert_int_equal(res.rcode, RCODE_SERVFAIL);
	eng_free(e);
	store_teardown();
}

static void
test_store_no_stale_by_default(void **state)
{
	store_setup(false, false);
	eng *e = new_engine(false, ENG_RECURSIVE);
	eng_result res;
	eng_req *r;

	resolve(e, "www.example.test", RR_A);
	all_silent = true;
	clock_now.wall = T0.wall + 400;
	memset(&res, 0, sizeof(res));
	assert_int_equal(eng_resolve(e, N("www.example.test"), RR_A, CLASS_IN, 0,
	    clock_now, on_done_res, &res, &r), 0);
	while (res.rcode == 0) {
		run(e, &clock_now);
		clock_now.mono_ms += 1000;
		eng_tick(e, clock_now);
	}
	assert_int_equal(res.rcode, RCODE_SERVFAIL);
	eng_free(e);
	store_teardown();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_referrals),
		cmocka_unit_test(test_rtt_avoids_silent),
		cmocka_unit_test(test_qname_minimisation),
		cmocka_unit_test(test_negative),
		cmocka_unit_test(test_spoofed_replies_dropped),
		cmocka_unit_test(test_tc_goes_tcp),
		cmocka_unit_test(test_0x20_fallback),
		cmocka_unit_test(test_cname_loop),
		cmocka_unit_test(test_out_of_bailiwick_glue),
		cmocka_unit_test(test_coalescing),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_forward_mode),
		cmocka_unit_test(test_no_loopback_upstream),
		cmocka_unit_test(test_refused_class),
		cmocka_unit_test(test_store_answers),
		cmocka_unit_test(test_store_prefetch),
		cmocka_unit_test(test_store_serve_stale),
		cmocka_unit_test(test_store_no_stale_by_default),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
