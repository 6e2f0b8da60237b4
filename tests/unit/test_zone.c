/* Unit tests: the zone-file reader (RFC 1035 5) and trust-anchor formats. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "err.h"
#include "name.h"
#include "rdata.h"
#include "rrtype.h"
#include "zone.h"

#define KSK2017 \
	"AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN" \
	"7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8" \
	"efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLY" \
	"A4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU="
#define KSK2024 \
	"AwEAAa96jeuknZlaeSrvyAJj6ZHv28hhOKkx3rLGXVaC6rXTsDc449/cidltpkyGwCJNnOAlFNKF2jBosZBU5eeH" \
	"spaQWOmOElZsjICMQMC3aeHbGiShvZsx4wMYSjH8e7Vrhbu6irwCzVBApESjbUdpWWmEnhathWu1jo+siFUiRAAx" \
	"m9qyJNg/wOZqqzL/dL/q8PkcRU5oUKEpUge71M3ej2/7CPqpdVwuMoTvoB+ZOT4YeGyxMvHmbrxlFzGOHOijtzN+" \
	"u1TQNatX2XBuzZNQ1K+s2CXkPIZo7s6JgZyvaBevYtxPvYLw4z9mR7K2vaF18UYH9Z9GNUUeayffKC73PYc="

static zone_rr rr;
static zone_reader z;

static void
start(const char *text, const char *origin, uint32_t ttl)
{
	uint8_t o[NAME_MAX_WIRE];

	if (origin)
		assert_int_equal(name_from_cstr(origin, o), 0);
	zone_reader_init(&z, text, strlen(text), "test.zone", origin ? o : NULL, ttl);
}

/* The next record must be owner/ttl/class/type/rdata (presentation). */
static void
expect(unsigned line, const char *owner, uint32_t ttl, uint16_t cls,
    uint16_t type, const char *rdata)
{
	static char buf[RDATA_STR_MAX];
	char on[NAME_MAX_STR];
	int rc = zone_next(&z, &rr);

	if (rc != 1)
		fail_msg("line %u: want a record, got %d (line %u: %s)", line, rc,
		    z.line, z.errmsg);
	assert_int_equal(z.line, line);
	name_to_str(rr.owner, on, sizeof(on));
	assert_string_equal(on, owner);
	assert_int_equal(rr.owner_len, name_len(rr.owner));
	assert_int_equal(rr.ttl, ttl);
	assert_int_equal(rr.rclass, cls);
	assert_int_equal(rr.type, type);
	assert_true(rdata_to_str(type, rr.rdata, rr.rdlen, buf, sizeof(buf)) >= 0);
	assert_string_equal(buf, rdata);
}

static void
expect_err(unsigned line, const char *msg)
{
	int rc = zone_next(&z, &rr);

	if (rc >= 0)
		fail_msg("line %u: want error '%s', got %d (type %u)", line, msg, rc, rr.type);
	if (z.line != line || strcmp(z.errmsg, msg) != 0)
		fail_msg("want line %u '%s', got line %u '%s'", line, msg, z.line, z.errmsg);
	assert_int_equal(rr.rdlen, 0);
}

static void
expect_end(void)
{
	int rc = zone_next(&z, &rr);

	if (rc != 0)
		fail_msg("want end, got %d (line %u: %s)", rc, z.line, z.errmsg);
	assert_int_equal(zone_next(&z, &rr), 0);
}

static void
test_basic_zone(void **state)
{
	start(
	    "$ORIGIN example.com.\n"
	    "$TTL 1h\n"
	    "@\tIN\tSOA\tns1 hostmaster (\n"
	    "\t\t2024010101 ; serial\n"
	    "\t\t2h         ; refresh\n"
	    "\t\t1h\n"
	    "\t\t2w\n"
	    "\t\t1d )\n"
	    "\tIN\tNS\tns1\n"
	    "\tNS\tns2.example.net.\n"
	    "ns1\t300\tIN\tA\t192.0.2.1\n"
	    "ns1\tIN\t300\tAAAA\t2001:db8::1\n"
	    "\n"
	    "; a comment line\n"
	    "   ; an indented comment line\n"
	    "www\t\tCNAME\t@\n"
	    "mail\tA\t192.0.2.2 ; trailing comment\n"
	    "sub.example.com.\t3600\tMX\t10 mail\n"
	    "txt\tTXT\t\"a;b\" \"(c)\" plain\n"
	    "Deep.Sub\tIN 60 PTR ns1.Example.COM.\n"
	    "last A 192.0.2.3", NULL, 0);
	expect(3, "example.com.", 3600, CLASS_IN, RR_SOA,
	    "ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 86400");
	expect(9, "example.com.", 3600, CLASS_IN, RR_NS, "ns1.example.com.");
	expect(10, "example.com.", 3600, CLASS_IN, RR_NS, "ns2.example.net.");
	expect(11, "ns1.example.com.", 300, CLASS_IN, RR_A, "192.0.2.1");
	expect(12, "ns1.example.com.", 300, CLASS_IN, RR_AAAA, "2001:db8::1");
	expect(16, "www.example.com.", 3600, CLASS_IN, RR_CNAME, "example.com.");
	expect(17, "mail.example.com.", 3600, CLASS_IN, RR_A, "192.0.2.2");
	assert_int_equal(rr.comment_len, strlen(" trailing comment"));
	assert_memory_equal(rr.comment, " trailing comment", rr.comment_len);
	expect(18, "sub.example.com.", 3600, CLASS_IN, RR_MX, "10 mail.example.com.");
	expect(19, "txt.example.com.", 3600, CLASS_IN, RR_TXT, "\"a;b\" \"(c)\" \"plain\"");
	assert_null(rr.comment);
	expect(20, "Deep.Sub.example.com.", 60, CLASS_IN, RR_PTR, "ns1.Example.COM.");
	expect(21, "last.example.com.", 3600, CLASS_IN, RR_A, "192.0.2.3");
	expect_end();
}

static void
test_ttl_rules(void **state)
{
	/* No $TTL: default_ttl, then the last explicit TTL (RFC 1035 5.1);
	 * after $TTL, the $TTL value (RFC 2308 4). */
	start(
	    "a A 192.0.2.1\n"
	    "b 100 A 192.0.2.1\n"
	    "c A 192.0.2.1\n"
	    "$ttl 50\n"
	    "d A 192.0.2.1\n"
	    "e 1d A 192.0.2.1\n"
	    "f A 192.0.2.1\n"
	    "$TTL 1W2D\n"
	    "g A 192.0.2.1\n"
	    "h 4294967295 A 192.0.2.1\n"
	    "i 0 A 192.0.2.1\n", "example.", 77);
	expect(1, "a.example.", 77, CLASS_IN, RR_A, "192.0.2.1");
	expect(2, "b.example.", 100, CLASS_IN, RR_A, "192.0.2.1");
	expect(3, "c.example.", 100, CLASS_IN, RR_A, "192.0.2.1");
	expect(5, "d.example.", 50, CLASS_IN, RR_A, "192.0.2.1");
	expect(6, "e.example.", 86400, CLASS_IN, RR_A, "192.0.2.1");
	expect(7, "f.example.", 50, CLASS_IN, RR_A, "192.0.2.1");
	expect(9, "g.example.", 777600, CLASS_IN, RR_A, "192.0.2.1");
	expect(10, "h.example.", 4294967295u, CLASS_IN, RR_A, "192.0.2.1");
	expect(11, "i.example.", 0, CLASS_IN, RR_A, "192.0.2.1");
	expect_end();
}

static void
test_class_and_order(void **state)
{
	start(
	    "a 10 IN A 192.0.2.1\n"
	    "b IN 10 A 192.0.2.1\n"
	    "c CH 10 TXT x\n"
	    "d TXT y\n"                       /* last class: CH */
	    "e in a 192.0.2.1\n"
	    "f CLASS42 \\# 0\n"                 /* a type named like a class? no */
	    "g 10 ANY A 192.0.2.1\n"          /* ANY is the class here */
	    "h 10 IN ANY \\# 0\n"             /* and the type here */
	    "i ANY \\# 0\n"                   /* and here */
	    "j NONE 5 TYPE1 \\# 4 C0000201\n"
	    "k CLASS255 TYPE255 \\# 0\n"
	    "l IN A 192.0.2.1\n", "example.", 1);
	expect(1, "a.example.", 10, CLASS_IN, RR_A, "192.0.2.1");
	expect(2, "b.example.", 10, CLASS_IN, RR_A, "192.0.2.1");
	expect(3, "c.example.", 10, CLASS_CH, RR_TXT, "\"x\"");
	expect(4, "d.example.", 10, CLASS_CH, RR_TXT, "\"y\"");
	expect(5, "e.example.", 10, CLASS_IN, RR_A, "192.0.2.1");
	expect_err(6, "unknown type '\\#'");
	expect(7, "g.example.", 10, CLASS_ANY, RR_A, "192.0.2.1");
	expect(8, "h.example.", 10, CLASS_IN, RR_ANY, "\\# 0");
	expect(9, "i.example.", 10, CLASS_IN, RR_ANY, "\\# 0");
	expect(10, "j.example.", 5, CLASS_NONE, RR_A, "192.0.2.1");
	expect(11, "k.example.", 5, CLASS_ANY, RR_ANY, "\\# 0");
	expect(12, "l.example.", 5, CLASS_IN, RR_A, "192.0.2.1");
	expect_end();
}

static void
test_origin(void **state)
{
	/* Origin from the caller, then relative and absolute $ORIGIN. */
	start(
	    "@ A 192.0.2.1\n"
	    "x A 192.0.2.1\n"
	    "$ORIGIN sub\n"
	    "@ A 192.0.2.1\n"
	    "y CNAME z\n"
	    "$ORIGIN Other.NET.\n"
	    "@ MX 10 @\n"
	    "a\\.b TXT \"dot\"\n"
	    "\\$dollar TXT \"not a directive\"\n"
	    "\\@ TXT \"at\"\n"
	    "* TXT \"wild\"\n"
	    ". NS a.root-servers.net\n", "example.com", 5);
	expect(1, "example.com.", 5, CLASS_IN, RR_A, "192.0.2.1");
	expect(2, "x.example.com.", 5, CLASS_IN, RR_A, "192.0.2.1");
	expect(4, "sub.example.com.", 5, CLASS_IN, RR_A, "192.0.2.1");
	expect(5, "y.sub.example.com.", 5, CLASS_IN, RR_CNAME, "z.sub.example.com.");
	expect(7, "Other.NET.", 5, CLASS_IN, RR_MX, "10 Other.NET.");
	expect(8, "a\\.b.Other.NET.", 5, CLASS_IN, RR_TXT, "\"dot\"");
	assert_int_equal(rr.owner[0], 3);
	expect(9, "\\$dollar.Other.NET.", 5, CLASS_IN, RR_TXT, "\"not a directive\"");
	expect(10, "\\@.Other.NET.", 5, CLASS_IN, RR_TXT, "\"at\"");
	expect(11, "*.Other.NET.", 5, CLASS_IN, RR_TXT, "\"wild\"");
	expect(12, ".", 5, CLASS_IN, RR_NS, "a.root-servers.net.Other.NET.");
	expect_end();

	/* No origin given: the root. */
	start("www A 192.0.2.1\n@ NS ns\n", NULL, 5);
	expect(1, "www.", 5, CLASS_IN, RR_A, "192.0.2.1");
	expect(2, ".", 5, CLASS_IN, RR_NS, "ns.");
	expect_end();
}

static void
test_parentheses(void **state)
{
	start(
	    "a TXT ( \"one\"\n"
	    "        \"two\" ) ; end\n"
	    "b ( TXT\n"
	    "  ; comment inside\n"
	    "\n"
	    "  \"x\" ( \"nested\" ) )\n"
	    "c A 192.0.2.9\n"
	    "d DNSKEY 257 3 8 (\n"
	    "        AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN\n"
	    "        7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8\n"
	    "        efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLY\n"
	    "        A4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU=\n"
	    "        ) ; KSK; alg = RSASHA256 ; key id = 20326\n"
	    "e TXT \"(\" \")\" \\( \\)\n", "example.", 1);
	expect(1, "a.example.", 1, CLASS_IN, RR_TXT, "\"one\" \"two\"");
	assert_memory_equal(rr.comment, " end", 4);
	expect(3, "b.example.", 1, CLASS_IN, RR_TXT, "\"x\" \"nested\"");
	expect(7, "c.example.", 1, CLASS_IN, RR_A, "192.0.2.9");
	expect(8, "d.example.", 1, CLASS_IN, RR_DNSKEY, "257 3 8 " KSK2017);
	assert_int_equal(rdata_keytag(rr.rdata, rr.rdlen), 20326);
	assert_non_null(rr.comment);
	assert_non_null(strstr(rr.comment, "key id = 20326"));
	expect(14, "e.example.", 1, CLASS_IN, RR_TXT, "\"(\" \")\" \"(\" \")\"");
	expect_end();
}

static void
test_unbound_root_key(void **state)
{
	/* unbound-anchor's root.key in its plain form. */
	start(
	    "; // The root zone trust anchor, from unbound-anchor\n"
	    ". 172800 IN DNSKEY 257 3 8 " KSK2017 " ;{id = 20326 (ksk), size = 2048b}\n"
	    ". 172800 IN DNSKEY 257 3 8 " KSK2024 " ;{id = 38696 (ksk), size = 2048b}\n",
	    NULL, 0);
	expect(2, ".", 172800, CLASS_IN, RR_DNSKEY, "257 3 8 " KSK2017);
	assert_int_equal(rdata_keytag(rr.rdata, rr.rdlen), 20326);
	assert_int_equal(rr.comment_len, strlen("{id = 20326 (ksk), size = 2048b}"));
	expect(3, ".", 172800, CLASS_IN, RR_DNSKEY, "257 3 8 " KSK2024);
	assert_int_equal(rdata_keytag(rr.rdata, rr.rdlen), 38696);
	expect_end();
}

static void
test_autotrust_file(void **state)
{
	/* unbound's auto-trust-anchor-file (autr_write_contents). */
	start(
	    "; autotrust trust anchor file\n"
	    ";;id: . 1\n"
	    ";;last_queried: 1718650800 ;;Mon Jun 17 19:00:00 2024\n"
	    ";;last_success: 1718650800 ;;Mon Jun 17 19:00:00 2024\n"
	    ";;next_probe_time: 1718693842 ;;Tue Jun 18 06:57:22 2024\n"
	    ";;query_failed: 0\n"
	    ";;query_interval: 43200\n"
	    ";;retry_time: 8640\n"
	    ".\t86400\tIN\tDNSKEY\t257 3 8 " KSK2017 " ;{id = 20326 (ksk), size = 2048b} "
	    ";;state=2 [  VALID  ] ;;count=0 ;;lastchange=1502409510 ;;Fri Aug 11 01:58:30 2017\n"
	    ".\t86400\tIN\tDNSKEY\t257 3 8 " KSK2024 " ;{id = 38696 (ksk), size = 2048b} "
	    ";;state=1 [ ADDPEND ] ;;count=3 ;;lastchange=1718650800 ;;Mon Jun 17 19:00:00 2024\n",
	    NULL, 0);
	expect(9, ".", 86400, CLASS_IN, RR_DNSKEY, "257 3 8 " KSK2017);
	assert_int_equal(rdata_keytag(rr.rdata, rr.rdlen), 20326);
	assert_non_null(rr.comment);
	{
		char c[200];
		snprintf(c, sizeof(c), "%.*s", (int)rr.comment_len, rr.comment);
		assert_non_null(strstr(c, ";;state=2 [  VALID  ]"));
		assert_null(strchr(c, '\n'));
	}
	expect(10, ".", 86400, CLASS_IN, RR_DNSKEY, "257 3 8 " KSK2024);
	assert_int_equal(rdata_keytag(rr.rdata, rr.rdlen), 38696);
	{
		char c[200];
		snprintf(c, sizeof(c), "%.*s", (int)rr.comment_len, rr.comment);
		assert_non_null(strstr(c, ";;state=1 [ ADDPEND ]"));
	}
	expect_end();
}

static void
test_ds_lines(void **state)
{
	/* BIND / unbound trust-anchor-file DS lines, and the IANA digest
	 * split over lines. */
	start(
	    ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"
	    ".\tIN\tDS\t38696 8 2 ( 683d2d0acb8c9b712a1948b27f741219\n"
	    "\t\t\t298D0A450D612C483AF444A4C0FB2B16 )\n"
	    "example. 3600 DS 12345 13 2 \\# 4 00000000\n", NULL, 86400);
	expect(1, ".", 86400, CLASS_IN, RR_DS,
	    "20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D");
	expect(2, ".", 86400, CLASS_IN, RR_DS,
	    "38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16");
	expect_err(4, "DS: bad hex '\\#'");
	expect_end();
}

static void
test_generic(void **state)
{
	start(
	    "a TYPE65280 \\# 3 010203\n"
	    "b A \\# 4 C0000201\n"
	    "c TYPE1 \\# 4 c0 00 02 02\n"
	    "d TYPE65280 \\# 0\n"
	    "e A \\# 3 C00002\n"
	    "f SVCB \\# 3 000100\n", "example.", 1);
	expect(1, "a.example.", 1, CLASS_IN, 65280, "\\# 3 010203");
	expect(2, "b.example.", 1, CLASS_IN, RR_A, "192.0.2.1");
	expect(3, "c.example.", 1, CLASS_IN, RR_A, "192.0.2.2");
	expect(4, "d.example.", 1, CLASS_IN, 65280, "\\# 0");
	expect_err(5, "A: malformed A RDATA in \\# form");
	expect(6, "f.example.", 1, CLASS_IN, RR_SVCB, "\\# 3 000100");
	expect_end();
}

static void
test_errors(void **state)
{
	start(
	    "ok1 A 192.0.2.1\n"                    /* 1 */
	    "bad1 FOO 1.2.3.4\n"                   /* 2 */
	    "bad2 A 1.2.3 ; short\n"               /* 3 */
	    "ok2 A 192.0.2.2\n"                    /* 4 */
	    "$INCLUDE other.zone\n"                /* 5 */
	    "$GENERATE 1-10 h$ A 192.0.2.$\n"      /* 6 */
	    "$FOO bar\n"                           /* 7 */
	    "bad3 ) A 192.0.2.1\n"                 /* 8 */
	    "bad4 TXT \"unterminated\n"            /* 9 */
	    "ok3 A 192.0.2.3\n"                    /* 10 */
	    "bad5 1x A 192.0.2.1\n"                /* 11 */
	    "bad..owner A 192.0.2.1\n"             /* 12 */
	    "bad6 IN\n"                            /* 13 */
	    "$ORIGIN\n"                            /* 14 */
	    "$ORIGIN a..b\n"                       /* 15 */
	    "$TTL 1 2\n"                           /* 16 */
	    "$TTL x\n"                             /* 17 */
	    "bad7 MX 10\n"                         /* 18 */
	    "bad8 MX 10 a b\n"                     /* 19 */
	    "bad9 TXT \"a\" (\n"                   /* 20 */
	    "  \"b\"\n"                            /* 21 */
	    "ok4 A 192.0.2.4\n",                   /* 22 */
	    "example.", 1);
	expect(1, "ok1.example.", 1, CLASS_IN, RR_A, "192.0.2.1");
	expect_err(2, "unknown type 'FOO'");
	expect_err(3, "A: bad IPv4 address '1.2.3'");
	expect(4, "ok2.example.", 1, CLASS_IN, RR_A, "192.0.2.2");
	expect_err(5, "$INCLUDE is not supported");
	expect_err(6, "$GENERATE is not supported");
	expect_err(7, "unknown directive '$FOO'");
	expect_err(8, "unbalanced parenthesis: ')' without '('");
	expect_err(9, "unterminated quoted string");
	expect(10, "ok3.example.", 1, CLASS_IN, RR_A, "192.0.2.3");
	expect_err(11, "bad TTL '1x'");
	expect_err(12, "bad owner name 'bad..owner'");
	expect_err(13, "missing type");
	expect_err(14, "$ORIGIN takes one domain name");
	expect_err(15, "bad $ORIGIN name 'a..b'");
	expect_err(16, "$TTL takes one TTL");
	expect_err(17, "bad $TTL 'x'");
	expect_err(18, "MX: missing domain name");
	expect_err(19, "MX: unexpected 'b' after the RDATA");
	/* The open parenthesis swallows the rest: reported where it opened. */
	expect_err(20, "unbalanced parenthesis: '(' not closed");
	expect_end();

	/* The first record cannot omit its owner. */
	start("  A 192.0.2.1\nx A 192.0.2.1\n  A 192.0.2.2\n", "example.", 1);
	expect_err(1, "no owner name (the first record must have one)");
	expect(2, "x.example.", 1, CLASS_IN, RR_A, "192.0.2.1");
	expect(3, "x.example.", 1, CLASS_IN, RR_A, "192.0.2.2");
	expect_end();

	/* An owner that failed does not become the previous owner. */
	start("a A 192.0.2.1\nb..c A 192.0.2.1\n  A 192.0.2.2\n", "example.", 1);
	expect(1, "a.example.", 1, CLASS_IN, RR_A, "192.0.2.1");
	expect_err(2, "bad owner name 'b..c'");
	expect(3, "a.example.", 1, CLASS_IN, RR_A, "192.0.2.2");
	expect_end();

	/* NUL bytes. */
	static const char nul[] = "a A 192.0.2.1\nb TXT \"x\0y\"\nc A 192.0.2.3\n";
	zone_reader_init(&z, nul, sizeof(nul) - 1, "nul", NULL, 1);
	expect(1, "a.", 1, CLASS_IN, RR_A, "192.0.2.1");
	expect_err(2, "NUL byte in input");
	expect(3, "c.", 1, CLASS_IN, RR_A, "192.0.2.3");
	expect_end();

	/* Long tokens are cut in messages. */
	char big[400];
	memset(big, 'x', sizeof(big));
	memcpy(big, "a A ", 4);
	big[sizeof(big) - 1] = 0;
	start(big, NULL, 1);
	assert_true(zone_next(&z, &rr) < 0);
	assert_true(strlen(z.errmsg) < sizeof(z.errmsg));
	assert_non_null(strstr(z.errmsg, "bad IPv4 address 'xxx"));
}

static void
test_lines_and_endings(void **state)
{
	/* Empty input, comments only, CRLF, tabs, no final newline. */
	start("", NULL, 1);
	expect_end();
	start("; nothing\n\n   \n\t; more\n", NULL, 1);
	expect_end();
	start("a A 192.0.2.1\r\nb\tA\t192.0.2.2\r\n\r\n  A 192.0.2.3", "x.", 1);
	expect(1, "a.x.", 1, CLASS_IN, RR_A, "192.0.2.1");
	expect(2, "b.x.", 1, CLASS_IN, RR_A, "192.0.2.2");
	expect(4, "b.x.", 1, CLASS_IN, RR_A, "192.0.2.3");
	expect_end();

	/* The text need not be NUL-terminated: only len counts. */
	const char *t = "a A 192.0.2.1\nb A 192.0.2.2\n";
	zone_reader_init(&z, t, 14, "part", NULL, 1);
	expect(1, "a.", 1, CLASS_IN, RR_A, "192.0.2.1");
	expect_end();
	zone_reader_init(&z, t, 13, "part", NULL, 1);
	expect(1, "a.", 1, CLASS_IN, RR_A, "192.0.2.1");
	expect_end();
	zone_reader_init(&z, t, 12, "part", NULL, 1);
	expect_err(1, "A: bad IPv4 address '192.0.2.'");
	expect_end();
}

/* What rdata_to_str prints, the reader reads back to the same RDATA. */
static void
test_print_read_back(void **state)
{
	static const struct { uint16_t type; const char *rd; size_t len; } v[] = {
		{ RR_TXT, "\3a\"b\2\\;\0\1(", 10 },
		{ RR_TXT, "\4\0\1\x7f\xff", 5 },
		{ RR_CAA, "\0\3a b\"q\\", 8 },
		{ RR_NAPTR, "\0\1\0\2\1S\0\3!;!\1\\\0", 14 },
		{ RR_MX, "\0\1\3a b\2()\0", 10 },
		{ RR_NSEC, "\1$\0\0\1\x40", 6 },
		{ RR_DNSKEY, "\1\0\3\10", 4 },
		{ 65280, "", 0 },
	};
	static char line[RDATA_STR_MAX + 64];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char tn[24];
		assert_int_equal(rdata_check(v[i].type, (const uint8_t *)v[i].rd, v[i].len), 0);
		rrtype_to_str(v[i].type, tn, sizeof(tn));
		int o = snprintf(line, sizeof(line), "x. 5 IN %s ", tn);
		assert_true(rdata_to_str(v[i].type, (const uint8_t *)v[i].rd, v[i].len,
		    line + o, sizeof(line) - (size_t)o) >= 0);
		zone_reader_init(&z, line, strlen(line), "rt", NULL, 0);
		if (zone_next(&z, &rr) != 1)
			fail_msg("'%s' does not read back: %s", line, z.errmsg);
		assert_int_equal(rr.rdlen, v[i].len);
		assert_memory_equal(rr.rdata, v[i].rd, v[i].len);
	}

	/* Tens of thousands of tokens: a full type bitmap. */
	static uint8_t rd[RDATA_MAX];
	size_t len = 0;
	rd[len++] = 0;
	for (unsigned win = 0; win < 256; win++) {
		rd[len++] = (uint8_t)win;
		rd[len++] = 32;
		memset(rd + len, 0xff, 32);
		len += 32;
	}
	int o = snprintf(line, sizeof(line), ". 0 IN NSEC ( ");
	int n = rdata_to_str(RR_NSEC, rd, len, line + o, sizeof(line) - (size_t)o);
	assert_true(n > 0);
	strcat(line, " )\n");
	zone_reader_init(&z, line, strlen(line), "big", NULL, 0);
	assert_int_equal(zone_next(&z, &rr), 1);
	assert_int_equal(rr.rdlen, len);
	assert_memory_equal(rr.rdata, rd, len);
	expect_end();
}

static void
test_slurp(void **state)
{
	char path[] = "/tmp/mxsec-test-zone-XXXXXX";
	int fd = mkstemp(path);
	char *text = (char *)1;
	size_t len = 99;
	const char content[] = ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n";

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, sizeof(content) - 1), (ssize_t)sizeof(content) - 1);
	close(fd);

	assert_int_equal(zone_slurp(path, 1 << 20, &text, &len), 0);
	assert_int_equal(len, sizeof(content) - 1);
	assert_string_equal(text, content);
	zone_reader_init(&z, text, len, path, NULL, 3600);
	expect(1, ".", 3600, CLASS_IN, RR_DS,
	    "20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D");
	expect_end();
	free(text);

	/* Exactly max is fine, one less is too big. */
	assert_int_equal(zone_slurp(path, sizeof(content) - 1, &text, &len), 0);
	free(text);
	text = (char *)1;
	assert_int_equal(zone_slurp(path, sizeof(content) - 2, &text, &len), MX_ELIMIT);
	assert_null(text);
	assert_int_equal(len, 0);

	/* Empty file. */
	fd = open(path, O_WRONLY | O_TRUNC);
	close(fd);
	assert_int_equal(zone_slurp(path, 10, &text, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(text, "");
	free(text);

	unlink(path);
	errno = 0;
	assert_int_equal(zone_slurp(path, 10, &text, &len), MX_EIO);
	assert_int_equal(errno, ENOENT);
	assert_null(text);

	/* Not a file but a stream: read to the end all the same. */
	assert_int_equal(zone_slurp("/dev/null", 10, &text, &len), 0);
	assert_int_equal(len, 0);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_zone),
		cmocka_unit_test(test_ttl_rules),
		cmocka_unit_test(test_class_and_order),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_parentheses),
		cmocka_unit_test(test_unbound_root_key),
		cmocka_unit_test(test_autotrust_file),
		cmocka_unit_test(test_ds_lines),
		cmocka_unit_test(test_generic),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_lines_and_endings),
		cmocka_unit_test(test_print_read_back),
		cmocka_unit_test(test_slurp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
