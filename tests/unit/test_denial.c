/*
 * Unit tests: proofs of non-existence with NSEC (RFC 4035 5.4, RFC 6840
 * 4.1-4.4) and NSEC3 (RFC 5155 8, RFC 9276 3.2).
 *
 * The records are those of the example zones in RFC 4035 Appendix A and
 * RFC 5155 Appendix A, read with the zone reader; the responses are those
 * of the appendices B.  Negative cases change one thing at a time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "crypto.h"
#include "denial.h"
#include "name.h"
#include "rrtype.h"
#include "status.h"
#include "zone.h"

/* ---- records from zone-file text ---- */

static uint8_t arena[1 << 16];
static size_t arena_used;
static zone_rr zr;

static void *
grab(size_t n)
{
	if (arena_used + n > sizeof(arena))
		fail_msg("test arena full");
	void *p = arena + arena_used;
	arena_used += n;
	return p;
}

static const uint8_t *
N(const char *s)
{
	uint8_t tmp[NAME_MAX_WIRE];

	assert_int_equal(name_from_cstr(s, tmp), 0);
	uint8_t *p = grab(name_len(tmp));
	memcpy(p, tmp, name_len(tmp));
	return p;
}

#define MAXRR 32
typedef struct rrs {
	msg_rr rr[MAXRR];
	size_t n;
} rrs;

/* Read every record of text (absolute names) into s. */
static void
load(rrs *s, const char *text)
{
	zone_reader z;
	int rc;

	s->n = 0;
	zone_reader_init(&z, text, strlen(text), "test", NULL, 3600);
	while ((rc = zone_next(&z, &zr)) == 1) {
		if (s->n == MAXRR)
			fail_msg("too many records");
		msg_rr *r = &s->rr[s->n++];
		r->owner = grab(zr.owner_len);
		memcpy(r->owner, zr.owner, zr.owner_len);
		r->type = zr.type;
		r->rclass = zr.rclass;
		r->ttl = zr.ttl;
		r->rdlen = (uint16_t)zr.rdlen;
		r->rdata = grab(zr.rdlen ? zr.rdlen : 1);
		memcpy(r->rdata, zr.rdata, zr.rdlen);
	}
	if (rc < 0)
		fail_msg("zone text line %u: %s", z.line, z.errmsg);
}

/* Does the owner match token?  "name." matches exactly; anything else
 * is a prefix of the owner (to pick NSEC3 records by a few hash
 * characters).  Case-insensitive. */
static bool
owner_matches(const msg_rr *r, const char *tok, size_t len)
{
	char on[NAME_MAX_STR];

	name_to_str(r->owner, on, sizeof(on));
	if (tok[len - 1] == '.')
		return strlen(on) == len && strncasecmp(on, tok, len) == 0;
	return strlen(on) >= len && strncasecmp(on, tok, len) == 0;
}

/* Copy into out the records of from named in the space-separated list,
 * in list order. */
static size_t
pick(msg_rr *out, const rrs *from, const char *list)
{
	size_t n = 0;
	const char *p = list;

	while (*p) {
		while (*p == ' ')
			p++;
		size_t len = strcspn(p, " ");
		if (len == 0)
			break;
		bool found = false;
		for (size_t i = 0; i < from->n; i++) {
			if (owner_matches(&from->rr[i], p, len)) {
				out[n++] = from->rr[i];
				found = true;
			}
		}
		if (!found)
			fail_msg("no record for '%.*s'", (int)len, p);
		p += len;
	}
	return n;
}

static unsigned budget;

static denial_ctx
ctx(const char *zone)
{
	denial_ctx c = { N(zone), 150, &budget };

	budget = 1000;
	return c;
}

/* DENIAL_TRACE=1 in the environment prints every verdict and reason. */
#define EXPECT(call, want) do { \
	denial_result r_ = (call); \
	if (getenv("DENIAL_TRACE") != NULL) \
		fprintf(stderr, "%d: %s -> %d: %s\n", __LINE__, #call, \
		    (int)r_, out.why ? out.why : "no reason"); \
	if (r_ != (want)) \
		fail_msg("line %d: %s gave %d (%s), want %d", __LINE__, #call, \
		    (int)r_, out.why ? out.why : "no reason", (int)(want)); \
	assert_non_null(out.why); \
} while (0)

static void
expect_ce(const denial_out *out, const char *name)
{
	char s[NAME_MAX_STR];

	assert_non_null(out->closest_encloser);
	name_to_str(out->closest_encloser, s, sizeof(s));
	assert_string_equal(s, name);
}

static void load_bases(void);

/* Each test starts from an empty arena and the example zones. */
static int
reset(void **state)
{
	(void)state;
	arena_used = 0;
	load_bases();
	return 0;
}

/* ---- RFC 4035 Appendix A: the NSEC chain of example. ---- */

static const char rfc4035_nsec[] =
    "example.       NSEC a.example. NS SOA MX RRSIG NSEC DNSKEY\n"
    "a.example.     NSEC ai.example. NS DS RRSIG NSEC\n"
    "ai.example.    NSEC b.example. A HINFO AAAA RRSIG NSEC\n"
    "b.example.     NSEC ns1.example. NS RRSIG NSEC\n"
    "ns1.example.   NSEC ns2.example. A RRSIG NSEC\n"
    "ns2.example.   NSEC *.w.example. A RRSIG NSEC\n"
    "*.w.example.   NSEC x.w.example. MX RRSIG NSEC\n"
    "x.w.example.   NSEC x.y.w.example. MX RRSIG NSEC\n"
    "x.y.w.example. NSEC xx.example. MX RRSIG NSEC\n"
    "xx.example.    NSEC example. A HINFO AAAA RRSIG NSEC\n";

static rrs z4035;

static void
test_nsec_covers(void **state)
{
	(void)state;
	/* Ordinary span: strictly between, canonical order. */
	assert_true(nsec_covers(N("b.example"), N("ns1.example"), N("ml.example")));
	assert_true(nsec_covers(N("b.example"), N("ns1.example"), N("a.b.example")));
	assert_false(nsec_covers(N("b.example"), N("ns1.example"), N("b.example")));
	assert_false(nsec_covers(N("b.example"), N("ns1.example"), N("ns1.example")));
	assert_false(nsec_covers(N("b.example"), N("ns1.example"), N("a.example")));
	assert_false(nsec_covers(N("b.example"), N("ns1.example"), N("ns2.example")));
	/* "*" (0x2a) sorts before letters; w.example before its children. */
	assert_true(nsec_covers(N("ns2.example"), N("*.w.example"), N("w.example")));
	assert_false(nsec_covers(N("ns2.example"), N("*.w.example"), N("*.example")));
	assert_true(nsec_covers(N("example"), N("a.example"), N("*.example")));
	/* Case does not matter (RFC 4343, RFC 4034 6.1). */
	assert_true(nsec_covers(N("B.Example"), N("NS1.example"), N("ML.EXAMPLE")));
	assert_false(nsec_covers(N("B.Example"), N("NS1.example"), N("b.EXAMPLE")));
	/* Last NSEC: next is the apex (RFC 4034 4.1.1); the span is the
	 * rest of the zone, and nothing outside it. */
	assert_true(nsec_covers(N("xx.example"), N("example"), N("y.example")));
	assert_true(nsec_covers(N("xx.example"), N("example"), N("a.xx.example")));
	assert_true(nsec_covers(N("xx.example"), N("example"), N("xxa.example")));
	assert_false(nsec_covers(N("xx.example"), N("example"), N("xx.example")));
	assert_false(nsec_covers(N("xx.example"), N("example"), N("example")));
	assert_false(nsec_covers(N("xx.example"), N("example"), N("ai.example")));
	assert_false(nsec_covers(N("xx.example"), N("example"), N("zz.org")));
	assert_false(nsec_covers(N("xx.example"), N("example"), N(".")));
	/* A zone with one name: owner == next == apex covers all below. */
	assert_true(nsec_covers(N("example"), N("example"), N("a.example")));
	assert_true(nsec_covers(N("example"), N("example"), N("z.z.example")));
	assert_false(nsec_covers(N("example"), N("example"), N("example")));
	assert_false(nsec_covers(N("example"), N("example"), N("example.org")));
	/* The root zone's last NSEC. */
	assert_true(nsec_covers(N("zw"), N("."), N("zz")));
	assert_false(nsec_covers(N("zw"), N("."), N("aa")));
}

/* RFC 4035 B.2: ml.example does not exist. */
static void
test_nsec_b2_nxdomain(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	msg_rr s[4];
	size_t n = pick(s, &z4035, "b.example. example.");

	(void)state;
	EXPECT(nsec_nxdomain(&c, s, n, N("ml.example"), &out), DENIAL_PROVEN);
	expect_ce(&out, "example.");
	/* Order does not matter, nor case. */
	n = pick(s, &z4035, "example. b.example.");
	EXPECT(nsec_nxdomain(&c, s, n, N("ML.Example"), &out), DENIAL_PROVEN);
	/* The same NSEC may serve both: the last one covers "zz.example"
	 * (wrap) and "*.example" is covered by the apex NSEC. */
	n = pick(s, &z4035, "xx.example. example.");
	EXPECT(nsec_nxdomain(&c, s, n, N("zz.example"), &out), DENIAL_PROVEN);
	/* Deeper: a.b.c.ai.example? ai.example's NSEC covers it, the
	 * closest encloser is ai.example, and *.ai.example is covered by
	 * the same NSEC. */
	n = pick(s, &z4035, "ai.example.");
	EXPECT(nsec_nxdomain(&c, s, n, N("a.b.c.ai.example"), &out), DENIAL_PROVEN);
	expect_ce(&out, "ai.example.");
}

/* The wildcard proof is missing or proves the wrong range. */
static void
test_nsec_nxdomain_wildcard_proof(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	msg_rr s[4];
	size_t n;

	(void)state;
	n = pick(s, &z4035, "b.example.");
	EXPECT(nsec_nxdomain(&c, s, n, N("ml.example"), &out), DENIAL_BOGUS);
	assert_int_equal(out.ede, EDE_NSEC_MISSING);
	assert_null(out.closest_encloser);
	/* An NSEC near "*.example" but not covering it: ns2 -> *.w sorts
	 * after "*.example", so does "*.w.example -> x.w.example".  This
	 * is the mistake of dnsmasq CVE-2017-15107: a wildcard NSEC taken
	 * as proof for a range it does not cover. */
	n = pick(s, &z4035, "b.example. ns2.example.");
	EXPECT(nsec_nxdomain(&c, s, n, N("ml.example"), &out), DENIAL_BOGUS);
	n = pick(s, &z4035, "b.example. *.w.example.");
	EXPECT(nsec_nxdomain(&c, s, n, N("ml.example"), &out), DENIAL_BOGUS);
	/* Only the wildcard proof, nothing covering the name. */
	n = pick(s, &z4035, "example.");
	EXPECT(nsec_nxdomain(&c, s, n, N("ml.example"), &out), DENIAL_BOGUS);
	/* a.w.example is covered by "*.w.example -> x.w.example", but
	 * that very NSEC shows the wildcard exists: the answer should
	 * have been synthesized (RFC 4592 4.3). */
	n = pick(s, &z4035, "*.w.example. example.");
	EXPECT(nsec_nxdomain(&c, s, n, N("a.w.example"), &out), DENIAL_BOGUS);
	assert_int_equal(out.ede, EDE_DNSSEC_BOGUS);
	/* The closest encloser of z.x.w.example is x.w.example; a proof
	 * for "*.example" instead of "*.x.w.example" is the wrong one. */
	n = pick(s, &z4035, "x.w.example. example.");
	EXPECT(nsec_nxdomain(&c, s, n, N("z.x.w.example"), &out), DENIAL_PROVEN);
	expect_ce(&out, "x.w.example.");
	n = pick(s, &z4035, "x.y.w.example. example.");
	EXPECT(nsec_nxdomain(&c, s, n, N("z.w.example"), &out), DENIAL_BOGUS);
}

static void
test_nsec_nxdomain_negatives(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	msg_rr s[4];
	size_t n;
	rrs x;

	(void)state;
	/* ns1.example exists. */
	n = pick(s, &z4035, "ns1.example. example.");
	EXPECT(nsec_nxdomain(&c, s, n, N("ns1.example"), &out), DENIAL_BOGUS);
	EXPECT(nsec_nxdomain(&c, s, n, N("NS1.EXAMPLE"), &out), DENIAL_BOGUS);
	/* w.example is an empty non-terminal: "ns2 -> *.w" covers it, but
	 * the next name is below it, so it exists. */
	n = pick(s, &z4035, "ns2.example. example.");
	EXPECT(nsec_nxdomain(&c, s, n, N("w.example"), &out), DENIAL_BOGUS);
	/* RFC 4035 B.5 / RFC 6840 4.1: b.example is an unsigned
	 * delegation; its NSEC (parent side) must not deny names in the
	 * child, though "b -> ns1" covers mc.b.example in canonical order. */
	n = pick(s, &z4035, "b.example. example. ai.example.");
	EXPECT(nsec_nxdomain(&c, s, n, N("mc.b.example"), &out), DENIAL_BOGUS);
	/* Same for a signed delegation (NS and DS, no SOA). */
	n = pick(s, &z4035, "a.example. example.");
	EXPECT(nsec_nxdomain(&c, s, n, N("mc.a.example"), &out), DENIAL_BOGUS);
	/* A DNAME owner cannot deny names below it either (RFC 6840 4.1). */
	load(&x, "example. NSEC d.example. NS SOA RRSIG NSEC DNSKEY\n"
	    "d.example. NSEC example. DNAME RRSIG NSEC\n");
	EXPECT(nsec_nxdomain(&c, x.rr, x.n, N("x.d.example"), &out), DENIAL_BOGUS);
	/* Without the DNAME bit the same span is a fine proof. */
	load(&x, "example. NSEC d.example. NS SOA RRSIG NSEC DNSKEY\n"
	    "d.example. NSEC example. A RRSIG NSEC\n");
	EXPECT(nsec_nxdomain(&c, x.rr, x.n, N("x.d.example"), &out), DENIAL_PROVEN);
	expect_ce(&out, "d.example.");
	/* Nothing at all, or a name outside the zone. */
	EXPECT(nsec_nxdomain(&c, s, 0, N("ml.example"), &out), DENIAL_BOGUS);
	n = pick(s, &z4035, "b.example. example.");
	EXPECT(nsec_nxdomain(&c, s, n, N("ml.example.org"), &out), DENIAL_BOGUS);
	/* The same records given for another zone are ignored. */
	denial_ctx other = ctx("org");
	EXPECT(nsec_nxdomain(&other, s, n, N("ml.org"), &out), DENIAL_BOGUS);
	/* A last NSEC whose next name is not the apex is malformed: its
	 * wrapped span would be anything.  Ignored. */
	load(&x, "xx.example. NSEC ai.example. A RRSIG NSEC\n"
	    "example. NSEC a.example. NS SOA RRSIG NSEC DNSKEY\n");
	EXPECT(nsec_nxdomain(&c, x.rr, x.n, N("zz.example"), &out), DENIAL_BOGUS);
	/* An NSEC whose next name leaves the zone is ignored too. */
	load(&x, "b.example. NSEC zz.org. NS RRSIG NSEC\n"
	    "example. NSEC a.example. NS SOA RRSIG NSEC DNSKEY\n");
	EXPECT(nsec_nxdomain(&c, x.rr, x.n, N("ml.example"), &out), DENIAL_BOGUS);
	/* Other types in the list are ignored. */
	load(&x, "example. A 192.0.2.1\n");
	EXPECT(nsec_nxdomain(&c, x.rr, x.n, N("ml.example"), &out), DENIAL_BOGUS);
	/* No context, no zone. */
	EXPECT(nsec_nxdomain(NULL, s, n, N("ml.example"), &out), DENIAL_BOGUS);
}

/* A zone holding only its apex: one NSEC, owner == next. */
static void
test_nsec_single_name_zone(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	rrs x;

	(void)state;
	load(&x, "example. NSEC example. NS SOA RRSIG NSEC DNSKEY\n");
	EXPECT(nsec_nxdomain(&c, x.rr, x.n, N("www.example"), &out), DENIAL_PROVEN);
	expect_ce(&out, "example.");
	EXPECT(nsec_nxdomain(&c, x.rr, x.n, N("a.b.example"), &out), DENIAL_PROVEN);
	EXPECT(nsec_nxdomain(&c, x.rr, x.n, N("example"), &out), DENIAL_BOGUS);
	EXPECT(nsec_nodata(&c, x.rr, x.n, N("example"), RR_MX, &out), DENIAL_PROVEN);
	EXPECT(nsec_nodata(&c, x.rr, x.n, N("example"), RR_SOA, &out), DENIAL_BOGUS);
	/* A single NSEC whose next name is not its owner but sorts before
	 * it would wrap around to a non-apex name: ignored. */
	load(&x, "b.example. NSEC a.example. A RRSIG NSEC\n");
	EXPECT(nsec_nxdomain(&c, x.rr, x.n, N("c.example"), &out), DENIAL_BOGUS);
}

/* RFC 4035 B.3: ns1.example has no MX. */
static void
test_nsec_b3_nodata(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	msg_rr s[4];
	size_t n = pick(s, &z4035, "ns1.example.");

	(void)state;
	EXPECT(nsec_nodata(&c, s, n, N("ns1.example"), RR_MX, &out), DENIAL_PROVEN);
	assert_null(out.closest_encloser);
	EXPECT(nsec_nodata(&c, s, n, N("NS1.Example"), RR_AAAA, &out), DENIAL_PROVEN);
	/* Owner case does not matter either. */
	rrs x;
	load(&x, "NS1.EXAMPLE. NSEC ns2.example. A RRSIG NSEC\n");
	EXPECT(nsec_nodata(&c, x.rr, x.n, N("ns1.example"), RR_MX, &out), DENIAL_PROVEN);
	/* The bitmap has the type. */
	EXPECT(nsec_nodata(&c, s, n, N("ns1.example"), RR_A, &out), DENIAL_BOGUS);
	assert_int_equal(out.ede, EDE_DNSSEC_BOGUS);
	/* An NSEC of another name proves nothing about ns1.example. */
	n = pick(s, &z4035, "ns2.example.");
	EXPECT(nsec_nodata(&c, s, n, N("ns1.example"), RR_MX, &out), DENIAL_BOGUS);
	/* Two NSECs for the name: a stale one showing the type wins. */
	load(&x, "ns1.example. NSEC ns2.example. A RRSIG NSEC\n"
	    "ns1.example. NSEC ns2.example. A MX RRSIG NSEC\n");
	EXPECT(nsec_nodata(&c, x.rr, x.n, N("ns1.example"), RR_MX, &out), DENIAL_BOGUS);
	/* RFC 4035 3.1.3.1: a CNAME at the name answers every type. */
	load(&x, "cn.example. NSEC d.example. CNAME RRSIG NSEC\n");
	EXPECT(nsec_nodata(&c, x.rr, x.n, N("cn.example"), RR_A, &out), DENIAL_BOGUS);
	EXPECT(nsec_nodata(&c, x.rr, x.n, N("cn.example"), RR_CNAME, &out), DENIAL_BOGUS);
}

/* Empty non-terminals (RFC 7129 3.2). */
static void
test_nsec_ent(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	msg_rr s[4];
	size_t n;

	(void)state;
	/* w.example: "ns2 -> *.w" covers it and the next name is below. */
	n = pick(s, &z4035, "ns2.example.");
	EXPECT(nsec_nodata(&c, s, n, N("w.example"), RR_A, &out), DENIAL_PROVEN);
	EXPECT(nsec_nodata(&c, s, n, N("w.example"), RR_DS, &out), DENIAL_PROVEN);
	/* y.w.example: "x.w -> x.y.w". */
	n = pick(s, &z4035, "x.w.example.");
	EXPECT(nsec_nodata(&c, s, n, N("y.w.example"), RR_A, &out), DENIAL_PROVEN);
	/* A covering NSEC whose next name is not below: not an ENT. */
	n = pick(s, &z4035, "b.example.");
	EXPECT(nsec_nodata(&c, s, n, N("ml.example"), RR_A, &out), DENIAL_BOGUS);
	assert_int_equal(out.ede, EDE_NSEC_MISSING);
}

/* RFC 4035 B.4, B.5 and RFC 6840 4.4: delegations. */
static void
test_nsec_delegations(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	msg_rr s[4];
	size_t n;
	rrs x;

	(void)state;
	/* B.5, referral to the unsigned b.example: the no-DS proof. */
	n = pick(s, &z4035, "b.example.");
	EXPECT(nsec_no_ds(&c, s, n, N("b.example"), &out), DENIAL_PROVEN);
	EXPECT(nsec_no_ds(&c, s, n, N("B.EXAMPLE"), &out), DENIAL_PROVEN);
	EXPECT(nsec_nodata(&c, s, n, N("b.example"), RR_DS, &out), DENIAL_PROVEN);
	/* The parent's NSEC is not authoritative for other types there. */
	EXPECT(nsec_nodata(&c, s, n, N("b.example"), RR_A, &out), DENIAL_BOGUS);
	EXPECT(nsec_nodata(&c, s, n, N("b.example"), RR_DNSKEY, &out), DENIAL_BOGUS);
	/* B.4, referral to the signed a.example: its NSEC has DS. */
	n = pick(s, &z4035, "a.example.");
	EXPECT(nsec_no_ds(&c, s, n, N("a.example"), &out), DENIAL_BOGUS);
	EXPECT(nsec_nodata(&c, s, n, N("a.example"), RR_DS, &out), DENIAL_BOGUS);
	/* Not a delegation at all: NS clear. */
	n = pick(s, &z4035, "ns1.example.");
	EXPECT(nsec_no_ds(&c, s, n, N("ns1.example"), &out), DENIAL_BOGUS);
	/* A name with no NSEC of its own. */
	n = pick(s, &z4035, "b.example.");
	EXPECT(nsec_no_ds(&c, s, n, N("ml.example"), &out), DENIAL_BOGUS);
	assert_int_equal(out.ede, EDE_NSEC_MISSING);
	/* The zone apex is nobody's delegation in its own zone. */
	n = pick(s, &z4035, "example.");
	EXPECT(nsec_no_ds(&c, s, n, N("example"), &out), DENIAL_BOGUS);
	/* NS and SOA: the child's apex NSEC, not the parent's. */
	load(&x, "sub.example. NSEC example. NS SOA RRSIG NSEC DNSKEY\n");
	EXPECT(nsec_no_ds(&c, x.rr, x.n, N("sub.example"), &out), DENIAL_BOGUS);
}

/* RFC 4035 B.8: a DS query answered by the child zone.  The child's apex
 * NSEC (SOA set, signed by the child) cannot deny a DS that lives in the
 * parent; accepting it would let a child-side answer cut the chain of
 * trust.  Bogus, as Unbound has it ("apex NSEC3 abused for no DS proof");
 * the root zone, which has no parent, is the exception. */
static void
test_nsec_b8_ds_child_apex(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	msg_rr s[4];
	size_t n = pick(s, &z4035, "example.");
	rrs x;

	(void)state;
	EXPECT(nsec_nodata(&c, s, n, N("example"), RR_DS, &out), DENIAL_BOGUS);
	/* Other types at the apex: fine. */
	EXPECT(nsec_nodata(&c, s, n, N("example"), RR_A, &out), DENIAL_PROVEN);
	denial_ctx root = ctx(".");
	load(&x, ". NSEC aaa. NS SOA RRSIG NSEC DNSKEY\n");
	EXPECT(nsec_nodata(&root, x.rr, x.n, N("."), RR_DS, &out), DENIAL_PROVEN);
}

/* RFC 4035 B.6: a.z.w.example MX from *.w.example (RRSIG Labels 2). */
static void
test_nsec_b6_wildcard(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	msg_rr s[4];
	size_t n = pick(s, &z4035, "x.y.w.example.");
	rrs x;

	(void)state;
	EXPECT(nsec_wildcard(&c, s, n, N("a.z.w.example"), 2, &out), DENIAL_PROVEN);
	expect_ce(&out, "w.example.");
	EXPECT(nsec_wildcard(&c, s, n, N("z.w.example"), 2, &out), DENIAL_PROVEN);
	/* The RRSIG claims "*.example", but the NSEC shows w.example
	 * exists: *.w.example, not *.example, would have matched. */
	EXPECT(nsec_wildcard(&c, s, n, N("a.z.w.example"), 1, &out), DENIAL_BOGUS);
	/* Not a wildcard answer at all. */
	EXPECT(nsec_wildcard(&c, s, n, N("a.z.w.example"), 4, &out), DENIAL_BOGUS);
	EXPECT(nsec_wildcard(&c, s, n, N("*.w.example"), 2, &out), DENIAL_BOGUS);
	/* A wildcard above the zone. */
	EXPECT(nsec_wildcard(&c, s, n, N("a.z.w.example"), 0, &out), DENIAL_BOGUS);
	/* No NSEC covers the name. */
	n = pick(s, &z4035, "b.example.");
	EXPECT(nsec_wildcard(&c, s, n, N("a.z.w.example"), 2, &out), DENIAL_BOGUS);
	assert_int_equal(out.ede, EDE_NSEC_MISSING);
	/* The name exists: an answer from the wildcard is forged. */
	n = pick(s, &z4035, "x.w.example.");
	EXPECT(nsec_wildcard(&c, s, n, N("x.w.example"), 2, &out), DENIAL_BOGUS);
	/* The next closer name exists as an empty non-terminal (the NSEC
	 * covering the name has a next name below z.w.example), so the
	 * wildcard does not apply, though the NSEC covers the name itself
	 * (PowerDNS #17136 is this mistake). */
	load(&x, "x.y.w.example. NSEC c.z.w.example. MX RRSIG NSEC\n");
	EXPECT(nsec_wildcard(&c, x.rr, x.n, N("b.z.w.example"), 2, &out), DENIAL_BOGUS);
	/* Or as a name of its own: its NSEC covers a.z.w.example. */
	load(&x, "z.w.example. NSEC xx.example. A RRSIG NSEC\n");
	EXPECT(nsec_wildcard(&c, x.rr, x.n, N("a.z.w.example"), 2, &out), DENIAL_BOGUS);
	/* A parent-side NSEC cannot vouch for names in the child. */
	n = pick(s, &z4035, "b.example.");
	EXPECT(nsec_wildcard(&c, s, n, N("a.b.example"), 1, &out), DENIAL_BOGUS);
}

/* RFC 4035 B.7: a.z.w.example AAAA: *.w.example has only MX. */
static void
test_nsec_b7_wildcard_nodata(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	msg_rr s[4];
	size_t n = pick(s, &z4035, "x.y.w.example. *.w.example.");
	rrs x;

	(void)state;
	EXPECT(nsec_nodata(&c, s, n, N("a.z.w.example"), RR_AAAA, &out), DENIAL_PROVEN);
	expect_ce(&out, "w.example.");
	/* The wildcard has the type. */
	EXPECT(nsec_nodata(&c, s, n, N("a.z.w.example"), RR_MX, &out), DENIAL_BOGUS);
	/* The wildcard NSEC is missing. */
	n = pick(s, &z4035, "x.y.w.example.");
	EXPECT(nsec_nodata(&c, s, n, N("a.z.w.example"), RR_AAAA, &out), DENIAL_BOGUS);
	assert_int_equal(out.ede, EDE_NSEC_MISSING);
	/* The wildcard NSEC of the wrong encloser: *.w.example does not
	 * speak for names under x.w.example. */
	n = pick(s, &z4035, "x.w.example. *.w.example.");
	EXPECT(nsec_nodata(&c, s, n, N("q.x.w.example"), RR_AAAA, &out), DENIAL_BOGUS);
	/* A CNAME at the wildcard. */
	load(&x, "x.y.w.example. NSEC xx.example. MX RRSIG NSEC\n"
	    "*.w.example. NSEC x.w.example. CNAME RRSIG NSEC\n");
	EXPECT(nsec_nodata(&c, x.rr, x.n, N("a.z.w.example"), RR_AAAA, &out), DENIAL_BOGUS);
}

/* CVE-2017-15105 / CVE-2017-15107: an NSEC synthesized from a wildcard
 * carries a name of the attacker's choice as its owner.  The caller
 * drops those (denial_rr_expanded); this module cannot tell, since it
 * never sees the RRSIG. */
static void
test_nsec_expanded_owner(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	rrs x;

	(void)state;
	assert_true(denial_rr_expanded(N("a.w.example"), 2));
	assert_true(denial_rr_expanded(N("a.b.w.example"), 2));
	assert_true(denial_rr_expanded(N("*.a.w.example"), 2));
	assert_false(denial_rr_expanded(N("*.w.example"), 2));
	assert_false(denial_rr_expanded(N("x.w.example"), 3));
	assert_false(denial_rr_expanded(N("example"), 1));
	assert_false(denial_rr_expanded(N("."), 0));
	/* Most expansions are harmless here: an expanded owner sorts after
	 * "*.<parent>", so its span lies inside the wildcard's own span,
	 * and a wrapped span must end at the apex.  "b.example NSEC
	 * a.example" (expanded from "*.example NSEC a.example") would wrap
	 * to a non-apex name and is ignored: */
	load(&x, "b.example. NSEC a.example. MX RRSIG NSEC\n");
	EXPECT(nsec_nodata(&c, x.rr, x.n, N("b.example"), RR_TXT, &out), DENIAL_BOGUS);
	/* But a label that sorts before "*" ("!" is 0x21) gives an owner
	 * before the wildcard: in the zone "example -> !a -> * -> example",
	 * "*.example NSEC example. MX" replayed as "!a.example NSEC
	 * example. MX" would deny the TXT that !a.example has.  Only the
	 * RRSIG Labels field (1 < 2) gives it away. */
	load(&x, "!a.example. NSEC example. MX RRSIG NSEC\n");
	assert_true(denial_rr_expanded(x.rr[0].owner, 1));
	EXPECT(nsec_nodata(&c, x.rr, x.n, N("!a.example"), RR_TXT, &out), DENIAL_PROVEN);
}

/* ---- RFC 5155 Appendix A: the NSEC3 chain of example. ---- */

/* Flags are a parameter: the RFC's zone sets opt-out on every record;
 * the same chain with flags 0 shows the secure outcomes. */
#define RFC5155_FMT \
    "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example. NSEC3 1 %1$d 12 aabbccdd ( " \
    "2t7b4g4vsa5smi47k61mv5bv1a22bojr MX DNSKEY NS SOA NSEC3PARAM RRSIG )\n" \
    "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. NSEC3 1 %1$d 12 aabbccdd ( " \
    "2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG )\n" \
    "2vptu5timamqttgl4luu9kg21e0aor3s.example. NSEC3 1 %1$d 12 aabbccdd ( " \
    "35mthgpgcu1qg68fab165klnsnk3dpvl MX RRSIG )\n" \
    "35mthgpgcu1qg68fab165klnsnk3dpvl.example. NSEC3 1 %1$d 12 aabbccdd ( " \
    "b4um86eghhds6nea196smvmlo4ors995 NS DS RRSIG )\n" \
    "b4um86eghhds6nea196smvmlo4ors995.example. NSEC3 1 %1$d 12 aabbccdd ( " \
    "gjeqe526plbf1g8mklp59enfd789njgi MX RRSIG )\n" \
    "gjeqe526plbf1g8mklp59enfd789njgi.example. NSEC3 1 %1$d 12 aabbccdd ( " \
    "ji6neoaepv8b5o6k4ev33abha8ht9fgc A HINFO AAAA RRSIG )\n" \
    "ji6neoaepv8b5o6k4ev33abha8ht9fgc.example. NSEC3 1 %1$d 12 aabbccdd ( " \
    "k8udemvp1j2f7eg6jebps17vp3n8i58h )\n" \
    "k8udemvp1j2f7eg6jebps17vp3n8i58h.example. NSEC3 1 %1$d 12 aabbccdd ( " \
    "kohar7mbb8dc2ce8a9qvl8hon4k53uhi )\n" \
    "kohar7mbb8dc2ce8a9qvl8hon4k53uhi.example. NSEC3 1 %1$d 12 aabbccdd ( " \
    "q04jkcevqvmu85r014c7dkba38o0ji5r A RRSIG )\n" \
    "q04jkcevqvmu85r014c7dkba38o0ji5r.example. NSEC3 1 %1$d 12 aabbccdd ( " \
    "r53bq7cc2uvmubfu5ocmm6pers9tk9en A RRSIG )\n" \
    "r53bq7cc2uvmubfu5ocmm6pers9tk9en.example. NSEC3 1 %1$d 12 aabbccdd ( " \
    "t644ebqk9bibcna874givr6joj62mlhv MX RRSIG )\n" \
    "t644ebqk9bibcna874givr6joj62mlhv.example. NSEC3 1 %1$d 12 aabbccdd ( " \
    "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom A HINFO AAAA RRSIG )\n"

static rrs z5155;      /* as in the RFC: opt-out set */
static rrs z5155s;     /* the same chain without opt-out */

static void
load_5155(rrs *s, int flags)
{
	static char text[4096];

	snprintf(text, sizeof(text), RFC5155_FMT, flags);
	load(s, text);
	assert_int_equal(s->n, 12);
}

static void
load_bases(void)
{
	load(&z4035, rfc4035_nsec);
	load_5155(&z5155, 1);
	load_5155(&z5155s, 0);
}

/* Base32hex of the NSEC3 hash (salt aabbccdd, 12 iterations). */
static void
h32(const char *name, char out[33])
{
	static const char dig[] = "0123456789abcdefghijklmnopqrstuv";
	static const uint8_t salt[] = { 0xaa, 0xbb, 0xcc, 0xdd };
	uint8_t wire[NAME_MAX_WIRE], h[20];
	unsigned acc = 0, bits = 0, o = 0;

	assert_int_equal(name_from_cstr(name, wire), 0);
	assert_int_equal(crypto_nsec3_hash(1, salt, sizeof(salt), 12, wire,
	    name_len(wire), h), 0);
	for (int i = 0; i < 20; i++) {
		acc = acc << 8 | h[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = dig[(acc >> bits) & 31];
		}
	}
	out[o] = 0;
}

/* The hashes the appendix lists, by crypto_nsec3_hash (cross-checked
 * with ldns-nsec3-hash -s aabbccdd -t 12). */
static void
test_nsec3_hashes(void **state)
{
	static const char *const v[][2] = {
		{ "example", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom" },
		{ "a.example", "35mthgpgcu1qg68fab165klnsnk3dpvl" },
		{ "x.w.example", "b4um86eghhds6nea196smvmlo4ors995" },
		{ "X.W.EXAMPLE", "b4um86eghhds6nea196smvmlo4ors995" },
		{ "*.w.example", "r53bq7cc2uvmubfu5ocmm6pers9tk9en" },
		{ "c.x.w.example", "0va5bpr2ou0vk0lbqeeljri88laipsfh" },
		{ "*.x.w.example", "92pqneegtaue7pjatc3l3qnk738c6v5m" },
		{ "c.example", "4g6p9u5gvfshp30pqecj98b3maqbn1ck" },
		{ "z.w.example", "qlu7gtfaeh0ek0c05ksfhdpbcgglbe03" },
		{ "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example",
		  "kohar7mbb8dc2ce8a9qvl8hon4k53uhi" },
	};
	char got[33];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		h32(v[i][0], got);
		assert_string_equal(got, v[i][1]);
	}
}

/* RFC 5155 B.1: a.c.x.w.example does not exist.  Closest encloser
 * x.w.example (b4um), next closer c.x.w.example (0va5) covered by 0p9m,
 * *.x.w.example (92pq) covered by 35mt. */
static void
test_nsec3_b1_nxdomain(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	msg_rr s[4];
	size_t n;

	(void)state;
	/* The RFC's records have opt-out: no AD (RFC 5155 9.2). */
	n = pick(s, &z5155, "0p9m b4um 35mt");
	EXPECT(nsec3_nxdomain(&c, s, n, N("a.c.x.w.example"), &out), DENIAL_INSECURE);
	expect_ce(&out, "x.w.example.");
	assert_int_equal(out.ede, 0);
	/* Four hashes: qname, next closer, encloser, wildcard. */
	assert_int_equal(budget, 1000 - 4);
	/* Without opt-out: proven. */
	n = pick(s, &z5155s, "0p9m b4um 35mt");
	EXPECT(nsec3_nxdomain(&c, s, n, N("a.c.x.w.example"), &out), DENIAL_PROVEN);
	expect_ce(&out, "x.w.example.");
	n = pick(s, &z5155s, "35mt b4um 0p9m");
	EXPECT(nsec3_nxdomain(&c, s, n, N("A.C.X.W.Example"), &out), DENIAL_PROVEN);
	/* Each record is needed. */
	n = pick(s, &z5155s, "b4um 35mt");
	EXPECT(nsec3_nxdomain(&c, s, n, N("a.c.x.w.example"), &out), DENIAL_BOGUS);
	assert_int_equal(out.ede, EDE_NSEC_MISSING);
	n = pick(s, &z5155s, "0p9m 35mt");
	EXPECT(nsec3_nxdomain(&c, s, n, N("a.c.x.w.example"), &out), DENIAL_BOGUS);
	n = pick(s, &z5155s, "0p9m b4um");
	EXPECT(nsec3_nxdomain(&c, s, n, N("a.c.x.w.example"), &out), DENIAL_BOGUS);
	assert_null(out.closest_encloser);
	/* A name that exists. */
	n = pick(s, &z5155s, "b4um");
	EXPECT(nsec3_nxdomain(&c, s, n, N("x.w.example"), &out), DENIAL_BOGUS);
	/* The wildcard exists: a.z.w.example should have been answered
	 * from *.w.example (r53b). */
	n = pick(s, &z5155s, "k8ud q04j r53b");
	EXPECT(nsec3_nxdomain(&c, s, n, N("a.z.w.example"), &out), DENIAL_BOGUS);
	assert_int_equal(out.ede, EDE_DNSSEC_BOGUS);
}

/* The last NSEC3 (t644 -> 0p9m) wraps around the hash space. */
static void
test_nsec3_wrap(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	msg_rr s[4];
	char h[33];
	size_t n;

	(void)state;
	/* o.example hashes after t644, ac.example before 0p9m. */
	h32("o.example", h);
	assert_true(strcmp(h, "t644ebqk9bibcna874givr6joj62mlhv") > 0);
	h32("ac.example", h);
	assert_true(strcmp(h, "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom") < 0);
	/* Encloser example (0p9m), next closer covered by t644,
	 * *.example (jhsv) covered by gjeq -> ji6n. */
	n = pick(s, &z5155s, "0p9m t644 gjeq");
	EXPECT(nsec3_nxdomain(&c, s, n, N("o.example"), &out), DENIAL_PROVEN);
	expect_ce(&out, "example.");
	EXPECT(nsec3_nxdomain(&c, s, n, N("ac.example"), &out), DENIAL_PROVEN);
	/* d.example (78bf) is in none of these spans. */
	EXPECT(nsec3_nxdomain(&c, s, n, N("d.example"), &out), DENIAL_BOGUS);
	assert_int_equal(out.ede, EDE_NSEC_MISSING);
}

/* RFC 5155 B.2: ns1.example MX; B.2.1: the empty non-terminal
 * y.w.example. */
static void
test_nsec3_b2_nodata(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	msg_rr s[4];
	size_t n = pick(s, &z5155, "2t7b");

	(void)state;
	EXPECT(nsec3_nodata(&c, s, n, N("ns1.example"), RR_MX, &out), DENIAL_PROVEN);
	assert_int_equal(budget, 1000 - 1);
	EXPECT(nsec3_nodata(&c, s, n, N("NS1.EXAMPLE"), RR_MX, &out), DENIAL_PROVEN);
	/* The bitmap has the type. */
	EXPECT(nsec3_nodata(&c, s, n, N("ns1.example"), RR_A, &out), DENIAL_BOGUS);
	assert_int_equal(out.ede, EDE_DNSSEC_BOGUS);
	/* B.2.1 */
	n = pick(s, &z5155, "ji6n");
	EXPECT(nsec3_nodata(&c, s, n, N("y.w.example"), RR_A, &out), DENIAL_PROVEN);
	EXPECT(nsec3_nodata(&c, s, n, N("y.w.example"), RR_DS, &out), DENIAL_PROVEN);
	/* Owner names in upper case. */
	rrs x;
	load(&x, "2T7B4G4VSA5SMI47K61MV5BV1A22BOJR.EXAMPLE. NSEC3 1 1 12 AABBCCDD "
	    "2VPTU5TIMAMQTTGL4LUU9KG21E0AOR3S A RRSIG\n");
	EXPECT(nsec3_nodata(&c, x.rr, x.n, N("ns1.example"), RR_MX, &out), DENIAL_PROVEN);
	/* Two NSEC3s for the name: a stale one showing the type wins. */
	load(&x, "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. NSEC3 1 1 12 aabbccdd "
	    "2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG\n"
	    "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. NSEC3 1 1 12 aabbccdd "
	    "2vptu5timamqttgl4luu9kg21e0aor3s A MX RRSIG\n");
	EXPECT(nsec3_nodata(&c, x.rr, x.n, N("ns1.example"), RR_MX, &out), DENIAL_BOGUS);
	EXPECT(nsec3_no_ds(&c, x.rr, x.n, N("ns1.example"), &out), DENIAL_BOGUS);
	/* Not the NSEC3 of the name, and no closest encloser proof. */
	n = pick(s, &z5155, "2vpt");
	EXPECT(nsec3_nodata(&c, s, n, N("ns1.example"), RR_MX, &out), DENIAL_BOGUS);
	/* The parent's NSEC3 at a signed delegation (a.example: NS DS) is
	 * not authoritative for A there, and shows DS. */
	n = pick(s, &z5155, "35mt");
	EXPECT(nsec3_nodata(&c, s, n, N("a.example"), RR_A, &out), DENIAL_BOGUS);
	EXPECT(nsec3_nodata(&c, s, n, N("a.example"), RR_DS, &out), DENIAL_BOGUS);
}

/* Synthetic records: name's NSEC3 as the only record of its chain
 * (owner == next covers every other hash). */
static void
load_single(rrs *x, const char *zone, const char *name, const char *types)
{
	char h[33], text[512];

	h32(name, h);
	snprintf(text, sizeof(text), "%s.%s NSEC3 1 0 12 aabbccdd %s %s\n",
	    h, strcmp(zone, ".") == 0 ? "" : zone, h, types);
	load(x, text);
}

static void
test_nsec3_bitmaps(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	rrs x;

	(void)state;
	/* CNAME at the name (RFC 5155 8.5). */
	load_single(&x, "example.", "cn.example", "CNAME RRSIG");
	EXPECT(nsec3_nodata(&c, x.rr, x.n, N("cn.example"), RR_A, &out), DENIAL_BOGUS);
	EXPECT(nsec3_nodata(&c, x.rr, x.n, N("cn.example"), RR_DS, &out), DENIAL_BOGUS);
	/* An unsigned delegation: DS NODATA and no-DS proven; other types
	 * are not the parent's to deny (RFC 6840 4.4). */
	load_single(&x, "example.", "d.example", "NS RRSIG");
	EXPECT(nsec3_nodata(&c, x.rr, x.n, N("d.example"), RR_DS, &out), DENIAL_PROVEN);
	EXPECT(nsec3_no_ds(&c, x.rr, x.n, N("d.example"), &out), DENIAL_PROVEN);
	EXPECT(nsec3_nodata(&c, x.rr, x.n, N("d.example"), RR_A, &out), DENIAL_BOGUS);
	/* Below the delegation the parent's records prove nothing: the
	 * closest encloser would be a delegation (RFC 6840 4.1). */
	EXPECT(nsec3_nxdomain(&c, x.rr, x.n, N("www.d.example"), &out), DENIAL_BOGUS);
	EXPECT(nsec3_nodata(&c, x.rr, x.n, N("www.d.example"), RR_A, &out), DENIAL_BOGUS);
	EXPECT(nsec3_no_ds(&c, x.rr, x.n, N("sub.d.example"), &out), DENIAL_BOGUS);
	/* A DNAME owner cannot deny names below it. */
	load_single(&x, "example.", "d.example", "DNAME RRSIG");
	EXPECT(nsec3_nxdomain(&c, x.rr, x.n, N("www.d.example"), &out), DENIAL_BOGUS);
	/* Neither: the same single record proves www.d.example absent
	 * (next closer and wildcard both covered by the one span). */
	load_single(&x, "example.", "d.example", "A RRSIG");
	EXPECT(nsec3_nxdomain(&c, x.rr, x.n, N("www.d.example"), &out), DENIAL_PROVEN);
	expect_ce(&out, "d.example.");
	/* Not a delegation: NS clear. */
	EXPECT(nsec3_no_ds(&c, x.rr, x.n, N("d.example"), &out), DENIAL_BOGUS);
	/* NS and SOA: a child's apex. */
	load_single(&x, "example.", "d.example", "NS SOA RRSIG");
	EXPECT(nsec3_no_ds(&c, x.rr, x.n, N("d.example"), &out), DENIAL_BOGUS);
}

/* RFC 5155 B.3: mc.c.example MX, a referral to the unsigned c.example
 * inside an opt-out span: closest encloser example (0p9m), next closer
 * c.example (4g6p) covered by the opt-out 35mt. */
static void
test_nsec3_b3_optout_referral(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	msg_rr s[4];
	size_t n = pick(s, &z5155, "35mt 0p9m");

	(void)state;
	EXPECT(nsec3_no_ds(&c, s, n, N("c.example"), &out), DENIAL_INSECURE);
	EXPECT(nsec3_nodata(&c, s, n, N("c.example"), RR_DS, &out), DENIAL_INSECURE);
	/* RFC 5155 errata 3441: other types at an empty non-terminal above
	 * an unsigned delegation, also opt-out. */
	EXPECT(nsec3_nodata(&c, s, n, N("mc.c.example"), RR_A, &out), DENIAL_INSECURE);
	/* The same span without opt-out says c.example does not exist. */
	n = pick(s, &z5155s, "35mt 0p9m");
	EXPECT(nsec3_no_ds(&c, s, n, N("c.example"), &out), DENIAL_BOGUS);
	EXPECT(nsec3_nodata(&c, s, n, N("c.example"), RR_DS, &out), DENIAL_BOGUS);
	/* The closest encloser's NSEC3 is needed. */
	n = pick(s, &z5155, "35mt");
	EXPECT(nsec3_no_ds(&c, s, n, N("c.example"), &out), DENIAL_BOGUS);
	/* The signed delegation a.example (35mt shows DS). */
	n = pick(s, &z5155, "35mt 0p9m");
	EXPECT(nsec3_no_ds(&c, s, n, N("a.example"), &out), DENIAL_BOGUS);
	/* The apex is no delegation; ns1.example has no NS. */
	EXPECT(nsec3_no_ds(&c, s, n, N("example"), &out), DENIAL_BOGUS);
	n = pick(s, &z5155, "2t7b");
	EXPECT(nsec3_no_ds(&c, s, n, N("ns1.example"), &out), DENIAL_BOGUS);
}

/* RFC 5155 B.4: a.z.w.example MX from *.w.example (Labels 2): the next
 * closer z.w.example (qlu7) is covered by q04j. */
static void
test_nsec3_b4_wildcard(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	msg_rr s[4];
	size_t n = pick(s, &z5155, "q04j");

	(void)state;
	EXPECT(nsec3_wildcard(&c, s, n, N("a.z.w.example"), 2, &out), DENIAL_INSECURE);
	expect_ce(&out, "w.example.");
	assert_int_equal(budget, 1000 - 1);
	n = pick(s, &z5155s, "q04j");
	EXPECT(nsec3_wildcard(&c, s, n, N("a.z.w.example"), 2, &out), DENIAL_PROVEN);
	expect_ce(&out, "w.example.");
	/* Labels 1 would make the next closer w.example, which exists. */
	n = pick(s, &z5155s, "q04j k8ud");
	EXPECT(nsec3_wildcard(&c, s, n, N("a.z.w.example"), 1, &out), DENIAL_BOGUS);
	/* An answer from *.w.example for a.x.w.example: x.w.example (b4um)
	 * exists, so the wildcard cannot have matched. */
	n = pick(s, &z5155s, "b4um q04j");
	EXPECT(nsec3_wildcard(&c, s, n, N("a.x.w.example"), 2, &out), DENIAL_BOGUS);
	/* Not covered. */
	n = pick(s, &z5155s, "r53b");
	EXPECT(nsec3_wildcard(&c, s, n, N("a.z.w.example"), 2, &out), DENIAL_BOGUS);
	assert_int_equal(out.ede, EDE_NSEC_MISSING);
	/* Not a wildcard answer. */
	EXPECT(nsec3_wildcard(&c, s, n, N("a.z.w.example"), 4, &out), DENIAL_BOGUS);
	EXPECT(nsec3_wildcard(&c, s, n, N("a.z.w.example"), 0, &out), DENIAL_BOGUS);
}

/* RFC 5155 B.5: a.z.w.example AAAA: encloser w.example (k8ud), next
 * closer covered by q04j, *.w.example (r53b) has MX only. */
static void
test_nsec3_b5_wildcard_nodata(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	msg_rr s[4];
	size_t n = pick(s, &z5155, "k8ud q04j r53b");

	(void)state;
	/* Opt-out on the next closer's span: no AD (RFC 5155 9.2). */
	EXPECT(nsec3_nodata(&c, s, n, N("a.z.w.example"), RR_AAAA, &out), DENIAL_INSECURE);
	n = pick(s, &z5155s, "k8ud q04j r53b");
	EXPECT(nsec3_nodata(&c, s, n, N("a.z.w.example"), RR_AAAA, &out), DENIAL_PROVEN);
	expect_ce(&out, "w.example.");
	/* The wildcard has MX. */
	EXPECT(nsec3_nodata(&c, s, n, N("a.z.w.example"), RR_MX, &out), DENIAL_BOGUS);
	/* Without the wildcard's NSEC3. */
	n = pick(s, &z5155s, "k8ud q04j");
	EXPECT(nsec3_nodata(&c, s, n, N("a.z.w.example"), RR_AAAA, &out), DENIAL_BOGUS);
	assert_int_equal(out.ede, EDE_NSEC_MISSING);
	/* Without the encloser's. */
	n = pick(s, &z5155s, "q04j r53b");
	EXPECT(nsec3_nodata(&c, s, n, N("a.z.w.example"), RR_AAAA, &out), DENIAL_BOGUS);
}

/* RFC 5155 B.6: example DS, answered by the zone example itself with
 * its apex NSEC3.  As for NSEC (RFC 4035 B.8): the child cannot deny
 * the parent's DS; bogus except at the root. */
static void
test_nsec3_b6_ds_child_apex(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	msg_rr s[4];
	size_t n = pick(s, &z5155, "0p9m");
	rrs x;

	(void)state;
	EXPECT(nsec3_nodata(&c, s, n, N("example"), RR_DS, &out), DENIAL_BOGUS);
	EXPECT(nsec3_nodata(&c, s, n, N("example"), RR_A, &out), DENIAL_PROVEN);
	denial_ctx root = ctx(".");
	load_single(&x, ".", ".", "NS SOA RRSIG DNSKEY NSEC3PARAM");
	EXPECT(nsec3_nodata(&root, x.rr, x.n, N("."), RR_DS, &out), DENIAL_PROVEN);
	/* A nonexistent TLD in that root: closest encloser the root. */
	EXPECT(nsec3_nxdomain(&root, x.rr, x.n, N("invalid"), &out), DENIAL_PROVEN);
	expect_ce(&out, ".");
}

/* RFC 5155 8.1, 8.2: unknown algorithms and flags are ignored; mixed
 * parameters are bogus. */
static void
test_nsec3_params(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	rrs x;

	(void)state;
	/* B.2's record with another hash algorithm: ignored, so nothing. */
	load(&x, "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. NSEC3 2 0 12 aabbccdd "
	    "2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG\n");
	EXPECT(nsec3_nodata(&c, x.rr, x.n, N("ns1.example"), RR_MX, &out), DENIAL_BOGUS);
	assert_int_equal(out.ede, EDE_NSEC_MISSING);
	assert_int_equal(budget, 1000);
	/* With unknown flags: ignored. */
	load(&x, "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. NSEC3 1 3 12 aabbccdd "
	    "2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG\n");
	EXPECT(nsec3_nodata(&c, x.rr, x.n, N("ns1.example"), RR_MX, &out), DENIAL_BOGUS);
	/* Ignored records do not count as mixed parameters. */
	load(&x, "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. NSEC3 1 1 12 aabbccdd "
	    "2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG\n"
	    "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example. NSEC3 7 1 99 ff "
	    "2t7b4g4vsa5smi47k61mv5bv1a22bojr MX RRSIG\n"
	    "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example. NSEC3 1 128 99 ff "
	    "2t7b4g4vsa5smi47k61mv5bv1a22bojr MX RRSIG\n");
	EXPECT(nsec3_nodata(&c, x.rr, x.n, N("ns1.example"), RR_MX, &out), DENIAL_PROVEN);
	/* Another salt, or other iterations, in the same response. */
	load(&x, "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. NSEC3 1 1 12 aabbccdd "
	    "2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG\n"
	    "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example. NSEC3 1 1 12 aabbcc "
	    "2t7b4g4vsa5smi47k61mv5bv1a22bojr MX RRSIG\n");
	EXPECT(nsec3_nodata(&c, x.rr, x.n, N("ns1.example"), RR_MX, &out), DENIAL_BOGUS);
	assert_int_equal(out.ede, EDE_DNSSEC_BOGUS);
	load(&x, "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. NSEC3 1 1 12 aabbccdd "
	    "2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG\n"
	    "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example. NSEC3 1 1 13 aabbccdd "
	    "2t7b4g4vsa5smi47k61mv5bv1a22bojr MX RRSIG\n");
	EXPECT(nsec3_nodata(&c, x.rr, x.n, N("ns1.example"), RR_MX, &out), DENIAL_BOGUS);
	load(&x, "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. NSEC3 1 1 12 aabbccdd "
	    "2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG\n"
	    "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example. NSEC3 1 1 12 - "
	    "2t7b4g4vsa5smi47k61mv5bv1a22bojr MX RRSIG\n");
	EXPECT(nsec3_nodata(&c, x.rr, x.n, N("ns1.example"), RR_MX, &out), DENIAL_BOGUS);
	/* Owners that are not <hash>.<zone>: ignored. */
	load(&x, "2t7b4g4vsa5smi47k61mv5bv1a22bojr.sub.example. NSEC3 1 1 12 aabbccdd "
	    "2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG\n"
	    "2t7b4g4vsa5smi47k61mv5bv1a22bojw.example. NSEC3 1 1 12 aabbccdd "
	    "2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG\n"
	    "2t7b4g4vsa5smi47k61mv5bv1a22boj.example. NSEC3 1 1 12 aabbccdd "
	    "2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG\n"
	    "2t7b4g4vsa5smi47k61mv5bv1a22bojr.org. NSEC3 1 1 12 aabbccdd "
	    "2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG\n");
	EXPECT(nsec3_nodata(&c, x.rr, x.n, N("ns1.example"), RR_MX, &out), DENIAL_BOGUS);
	assert_int_equal(out.ede, EDE_NSEC_MISSING);
	/* A next hash of the wrong length (SHA-1 is 20 octets, not 15). */
	load(&x, "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. NSEC3 1 1 12 aabbccdd "
	    "2vptu5timamqttgl4luu9kg2 A RRSIG\n");
	EXPECT(nsec3_nodata(&c, x.rr, x.n, N("ns1.example"), RR_MX, &out), DENIAL_BOGUS);
}

/* RFC 9276 3.2: above the limit, insecure with EDE 27, and no hashing. */
static void
test_nsec3_iterations(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	msg_rr s[4];
	size_t n;
	rrs x;

	(void)state;
	load(&x, "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. NSEC3 1 0 151 aabbccdd "
	    "2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG\n");
	EXPECT(nsec3_nodata(&c, x.rr, x.n, N("ns1.example"), RR_MX, &out), DENIAL_INSECURE);
	assert_int_equal(out.ede, EDE_UNSUPPORTED_NSEC3_ITER);
	assert_int_equal(budget, 1000);
	EXPECT(nsec3_nxdomain(&c, x.rr, x.n, N("zz.example"), &out), DENIAL_INSECURE);
	EXPECT(nsec3_wildcard(&c, x.rr, x.n, N("a.z.w.example"), 2, &out), DENIAL_INSECURE);
	EXPECT(nsec3_no_ds(&c, x.rr, x.n, N("c.example"), &out), DENIAL_INSECURE);
	assert_int_equal(out.ede, EDE_UNSUPPORTED_NSEC3_ITER);
	/* At the limit: still hashed. */
	c.max_iterations = 12;
	n = pick(s, &z5155, "2t7b");
	EXPECT(nsec3_nodata(&c, s, n, N("ns1.example"), RR_MX, &out), DENIAL_PROVEN);
	c.max_iterations = 11;
	EXPECT(nsec3_nodata(&c, s, n, N("ns1.example"), RR_MX, &out), DENIAL_INSECURE);
	assert_int_equal(out.ede, EDE_UNSUPPORTED_NSEC3_ITER);
	/* Iterations 0 is fine (RFC 9276 3.1 recommends it). */
	c.max_iterations = 0;
	load(&x, "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. NSEC3 1 0 0 - "
	    "2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG\n");
	EXPECT(nsec3_nodata(&c, x.rr, x.n, N("ns1.example"), RR_MX, &out), DENIAL_BOGUS);
}

/* KeyTrap (CVE-2023-50868): the budget bounds the hashing. */
static void
test_nsec3_budget(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	msg_rr s[4];
	size_t n = pick(s, &z5155s, "0p9m b4um 35mt");

	(void)state;
	budget = 3;
	EXPECT(nsec3_nxdomain(&c, s, n, N("a.c.x.w.example"), &out), DENIAL_BOGUS);
	assert_string_equal(out.why, "NSEC3 hash limit reached");
	assert_int_equal(out.ede, EDE_OTHER);
	assert_int_equal(budget, 0);
	assert_null(out.closest_encloser);
	budget = 4;
	EXPECT(nsec3_nxdomain(&c, s, n, N("a.c.x.w.example"), &out), DENIAL_PROVEN);
	assert_int_equal(budget, 0);
	/* Nothing left: the next call fails at once. */
	EXPECT(nsec3_nodata(&c, s, n, N("x.w.example"), RR_A, &out), DENIAL_BOGUS);
	assert_string_equal(out.why, "NSEC3 hash limit reached");
	/* A long name under a shallow encloser: one hash per label, and the
	 * walk stops when the budget does. */
	budget = 10;
	EXPECT(nsec3_nxdomain(&c, s, n,
	    N("a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.example"), &out), DENIAL_BOGUS);
	assert_int_equal(budget, 0);
	assert_string_equal(out.why, "NSEC3 hash limit reached");
	/* No budget given at all: fails closed. */
	budget = 100;
	c.hash_budget = NULL;
	EXPECT(nsec3_nodata(&c, s, n, N("x.w.example"), RR_A, &out), DENIAL_BOGUS);
}

/* The closest encloser walk stops at the apex and never leaves it. */
static void
test_nsec3_outside_zone(void **state)
{
	denial_ctx c = ctx("example");
	denial_out out;
	msg_rr s[4];
	size_t n = pick(s, &z5155s, "0p9m b4um 35mt");

	(void)state;
	EXPECT(nsec3_nxdomain(&c, s, n, N("a.c.x.w.example.org"), &out), DENIAL_BOGUS);
	EXPECT(nsec3_nodata(&c, s, n, N("example.org"), RR_A, &out), DENIAL_BOGUS);
	assert_int_equal(budget, 1000);
	/* The records of example. given as if from w.example.: their
	 * owners are not <hash>.w.example., so none is usable. */
	denial_ctx w = ctx("w.example");
	EXPECT(nsec3_nxdomain(&w, s, n, N("a.c.x.w.example"), &out), DENIAL_BOGUS);
	assert_int_equal(out.ede, EDE_NSEC_MISSING);
	/* No closest encloser up to the apex (the apex's NSEC3 missing). */
	n = pick(s, &z5155s, "35mt");
	EXPECT(nsec3_nxdomain(&c, s, n, N("q.example"), &out), DENIAL_BOGUS);
	assert_int_equal(budget, 1000 - 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_nsec_covers, reset),
		cmocka_unit_test_setup(test_nsec_b2_nxdomain, reset),
		cmocka_unit_test_setup(test_nsec_nxdomain_wildcard_proof, reset),
		cmocka_unit_test_setup(test_nsec_nxdomain_negatives, reset),
		cmocka_unit_test_setup(test_nsec_single_name_zone, reset),
		cmocka_unit_test_setup(test_nsec_b3_nodata, reset),
		cmocka_unit_test_setup(test_nsec_ent, reset),
		cmocka_unit_test_setup(test_nsec_delegations, reset),
		cmocka_unit_test_setup(test_nsec_b8_ds_child_apex, reset),
		cmocka_unit_test_setup(test_nsec_b6_wildcard, reset),
		cmocka_unit_test_setup(test_nsec_b7_wildcard_nodata, reset),
		cmocka_unit_test_setup(test_nsec_expanded_owner, reset),
		cmocka_unit_test_setup(test_nsec3_hashes, reset),
		cmocka_unit_test_setup(test_nsec3_b1_nxdomain, reset),
		cmocka_unit_test_setup(test_nsec3_wrap, reset),
		cmocka_unit_test_setup(test_nsec3_b2_nodata, reset),
		cmocka_unit_test_setup(test_nsec3_bitmaps, reset),
		cmocka_unit_test_setup(test_nsec3_b3_optout_referral, reset),
		cmocka_unit_test_setup(test_nsec3_b4_wildcard, reset),
		cmocka_unit_test_setup(test_nsec3_b5_wildcard_nodata, reset),
		cmocka_unit_test_setup(test_nsec3_b6_ds_child_apex, reset),
		cmocka_unit_test_setup(test_nsec3_params, reset),
		cmocka_unit_test_setup(test_nsec3_iterations, reset),
		cmocka_unit_test_setup(test_nsec3_budget, reset),
		cmocka_unit_test_setup(test_nsec3_outside_zone, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
