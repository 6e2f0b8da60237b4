/* Unit tests: MTA-STS, TLS-RPT and socketmap netstring parsers (policy/). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "err.h"
#include "netstring.h"
#include "policy.h"
#include "sts.h"
#include "tlsrpt.h"

#define TXT(s) ((pol_txt){ (const uint8_t *)(s), sizeof(s) - 1 })

static int
sts_txt1(const char *s, sts_record *r, pol_why *why)
{
	pol_txt t = { (const uint8_t *)s, strlen(s) };
	return sts_record_parse(&t, 1, r, why);
}

static int
policy(const char *s, sts_policy *p, pol_why *why)
{
	return sts_policy_parse((const uint8_t *)s, strlen(s), p, why);
}

/* ---- TXT plumbing ---- */

static void
test_txt_join(void **state)
{
	const uint8_t rd[] = { 4, 'v', '=', 'S', 'T', 0, 3, 'S', 'v', '1' };
	uint8_t out[16];
	size_t len = 99;

	assert_int_equal(pol_txt_join(rd, sizeof(rd), out, sizeof(out), &len), 0);
	assert_int_equal(len, 7);
	assert_memory_equal(out, "v=STSv1", 7);
	assert_int_equal(pol_txt_join(rd, sizeof(rd) - 1, out, sizeof(out), &len),
	    MX_ETRUNC);
	assert_int_equal(len, 0);
	assert_int_equal(pol_txt_join(rd, sizeof(rd), out, 6, &len), MX_ESPACE);
	assert_int_equal(pol_txt_join(rd, 0, out, sizeof(out), &len), 0);
	assert_int_equal(len, 0);
}

/* ---- _mta-sts TXT ---- */

static void
test_sts_record_rfc(void **state)
{
	sts_record r;
	pol_why why;

	/* RFC 8461 3.1 example. */
	assert_int_equal(sts_txt1("v=STSv1; id=20160831085700Z;", &r, &why), 0);
	assert_string_equal(r.id, "20160831085700Z");
	assert_string_equal(why.text, "");
	assert_int_equal(sts_txt1("v=STSv1;id=abc", &r, NULL), 0);
	assert_string_equal(r.id, "abc");
	assert_int_equal(sts_txt1("v=STSv1 ;\tid=abc \t; ", &r, NULL), 0);
	assert_string_equal(r.id, "abc");
	/* Extensions are ignored, before or after id. */
	assert_int_equal(sts_txt1("v=STSv1; foo=bar; id=X1; a.b-c_d=1:2<3>", &r,
	    NULL), 0);
	assert_string_equal(r.id, "X1");
	/* 32 characters is the most. */
	assert_int_equal(sts_txt1("v=STSv1; id=0123456789abcdef0123456789ABCDEF",
	    &r, NULL), 0);
	assert_int_equal(strlen(r.id), 32);
}

static void
test_sts_record_reject(void **state)
{
	static const char *const bad[] = {
		"v=STSv1",                          /* no id */
		"v=STSv1;",
		"v=STSv1; id=",                     /* empty id */
		"v=STSv1; id=0123456789abcdef0123456789ABCDEF0", /* 33 */
		"v=STSv1; id=2016-08-31",           /* not alphanumeric */
		"v=STSv1; id=abc def",
		"v=STSv1; id=a; id=b",              /* twice */
		"v=STSv1 id=abc",                   /* no ';' */
		"v=STSv1;; id=abc",                 /* empty field */
		"v=STSv1; =abc",
		"v=STSv1; id",
		"v=STSv1; -x=1; id=a",              /* bad extension name */
		"v=STSv1; abcdefghijklmnopqrstuvwxyz0123456=1; id=a", /* 33 */
		"v=STSv1; x=a=b; id=a",             /* '=' in extension value */
		"v=STSv1; x=; id=a",
		"v=STSv1; x=\x01; id=a",
		"v=STSv1; ID=abc",                  /* names are case-sensitive */
	};
	sts_record r;
	pol_why why;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&r, 0x55, sizeof(r));
		int rc = sts_txt1(bad[i], &r, &why);
		if (rc != MX_EFORMAT)
			fail_msg("accepted or wrong error %d: %s", rc, bad[i]);
		assert_int_equal(r.id[0], 0);
		assert_true(why.text[0] != '\0');
		assert_null(strchr(why.text, '\n'));
	}
	/* 33 fields. */
	char big[1024] = "v=STSv1";
	for (int i = 0; i < 33; i++)
		strcat(big, ";x=1");
	assert_int_equal(sts_txt1(big, &r, &why), MX_ELIMIT);
}

static void
test_sts_record_select(void **state)
{
	pol_txt recs[3] = {
		TXT("v=spf1 -all"), TXT("v=STSv1; id=one"), TXT("v=STSv10; id=x"),
	};
	sts_record r;
	pol_why why;

	/* Records not starting with v=STSv1 are ignored. */
	assert_int_equal(sts_record_parse(recs, 3, &r, &why), 0);
	assert_string_equal(r.id, "one");
	/* None: no policy. */
	assert_int_equal(sts_record_parse(recs, 1, &r, &why), MX_ENOTFOUND);
	assert_int_equal(sts_record_parse(recs, 0, &r, &why), MX_ENOTFOUND);
	assert_int_equal(sts_record_parse(&recs[2], 1, &r, &why), MX_ENOTFOUND);
	pol_txt lower = TXT("V=STSv1; id=a");
	assert_int_equal(sts_record_parse(&lower, 1, &r, &why), MX_ENOTFOUND);
	/* RFC 8461 3.1: several STS records mean no policy, even if equal. */
	recs[0] = TXT("v=STSv1; id=one");
	assert_int_equal(sts_record_parse(recs, 3, &r, &why), MX_EFORMAT);
	assert_int_equal(r.id[0], 0);
	assert_non_null(strstr(why.text, "2 TXT records"));
}

/* ---- policy file ---- */

static const char rfc_policy[] =
    "version: STSv1\n"
    "mode: enforce\n"
    "mx: mail.example.com\n"
    "mx: *.example.net\n"
    "mx: backupmx.example.com\n"
    "max_age: 604800\n";

static void
test_policy_rfc(void **state)
{
	sts_policy p;
	pol_why why;

	/* RFC 8461 3.2 example. */
	assert_int_equal(policy(rfc_policy, &p, &why), 0);
	assert_string_equal(why.text, "");
	assert_int_equal(p.mode, STS_MODE_ENFORCE);
	assert_int_equal(p.max_age, 604800);
	assert_int_equal(p.nmx, 3);
	assert_string_equal(p.mx[0], "mail.example.com");
	assert_string_equal(p.mx[1], "*.example.net");
	assert_string_equal(p.mx[2], "backupmx.example.com");
	assert_true(sts_policy_match(&p, "mail.example.com"));
	assert_true(sts_policy_match(&p, "MX1.Example.NET."));
	assert_false(sts_policy_match(&p, "example.net"));
	assert_false(sts_policy_match(&p, "evil.example.com"));
	assert_string_equal(sts_mode_str(p.mode), "enforce");
}

static void
test_policy_accept(void **state)
{
	sts_policy p;

	/* CRLF, any order, WSP after ':' and at line end, unknown keys. */
	assert_int_equal(policy("max_age:86400\r\nmx:\t MX.Example.COM. \r\n"
	    "future_key: what ever\r\nmode: testing\r\nversion: STSv1\r\n",
	    &p, NULL), 0);
	assert_int_equal(p.mode, STS_MODE_TESTING);
	assert_int_equal(p.max_age, 86400);
	assert_int_equal(p.nmx, 1);
	assert_string_equal(p.mx[0], "mx.example.com");
	/* No final terminator; blank lines; mixed LF and CRLF. */
	assert_int_equal(policy("\nversion: STSv1\r\n\n  \nmode: none\nmax_age: 0",
	    &p, NULL), 0);
	assert_int_equal(p.mode, STS_MODE_NONE);
	assert_int_equal(p.max_age, 0);
	assert_int_equal(p.nmx, 0);  /* mx is optional for mode none */
	/* Limits of max_age. */
	assert_int_equal(policy("version: STSv1\nmode: none\nmax_age: 31557600\n",
	    &p, NULL), 0);
	assert_int_equal(p.max_age, 31557600);
	assert_int_equal(policy("version: STSv1\nmode: none\nmax_age: 0000000001\n",
	    &p, NULL), 0);
	assert_int_equal(p.max_age, 1);
	/* A 63-character label and a 253-character name. */
	char buf[1024];
	snprintf(buf, sizeof(buf), "version: STSv1\nmode: enforce\nmax_age: 1\n"
	    "mx: *.%.63s.%.63s.%.63s.%.61s\n",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
	    "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
	    "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
	assert_int_equal(policy(buf, &p, NULL), 0);
	assert_int_equal(strlen(p.mx[0]), 255);
	/* 64 mx lines is the most. */
	size_t o = (size_t)snprintf(buf, sizeof(buf),
	    "version: STSv1\nmode: enforce\nmax_age: 1\n");
	for (int i = 0; i < STS_MX_MAX; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "mx: m%d.x\n", i);
	assert_int_equal(policy(buf, &p, NULL), 0);
	assert_int_equal(p.nmx, STS_MX_MAX);
	assert_true(sts_policy_match(&p, "m63.x"));
}

static void
test_policy_reject(void **state)
{
	static const struct { const char *text; int rc; const char *why; } bad[] = {
		{ "", MX_EFORMAT, "no version field" },
		{ "mode: enforce\nmx: a.b\nmax_age: 1\n", MX_EFORMAT, "no version" },
		{ "version: STSv1\nmx: a.b\nmax_age: 1\n", MX_EFORMAT, "no mode" },
		{ "version: STSv1\nmode: enforce\nmx: a.b\n", MX_EFORMAT, "no max_age" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\n", MX_EFORMAT, "no mx" },
		{ "version: STSv1\nmode: testing\nmax_age: 1\n", MX_EFORMAT, "no mx" },
		{ "version: STSv2\nmode: none\nmax_age: 1\n", MX_EUNSUPP, "line 1: version" },
		{ "version: stsv1\nmode: none\nmax_age: 1\n", MX_EUNSUPP, "version" },
		{ "version:\nmode: none\nmax_age: 1\n", MX_EUNSUPP, "version" },
		{ "version: STSv1\nmode: Enforce\nmax_age: 1\n", MX_EFORMAT, "line 2: mode" },
		{ "version: STSv1\nmode: enforce testing\nmax_age: 1\n", MX_EFORMAT, "mode" },
		{ "version: STSv1\nmode: none\nmax_age: 31557601\n", MX_EFORMAT, "max_age" },
		{ "version: STSv1\nmode: none\nmax_age: 00000000001\n", MX_EFORMAT, "max_age" },
		{ "version: STSv1\nmode: none\nmax_age: 99999999999\n", MX_EFORMAT, "max_age" },
		{ "version: STSv1\nmode: none\nmax_age: -1\n", MX_EFORMAT, "max_age" },
		{ "version: STSv1\nmode: none\nmax_age: +1\n", MX_EFORMAT, "max_age" },
		{ "version: STSv1\nmode: none\nmax_age: 1 2\n", MX_EFORMAT, "max_age" },
		{ "version: STSv1\nmode: none\nmax_age:\n", MX_EFORMAT, "max_age" },
		{ "version: STSv1\nmode: none\nmax_age: 0x10\n", MX_EFORMAT, "max_age" },
		{ "version: STSv1\nversion: STSv1\nmode: none\nmax_age: 1\n", MX_EFORMAT, "line 2: field repeated" },
		{ "version: STSv1\nmode: none\nmode: enforce\nmax_age: 1\n", MX_EFORMAT, "repeated" },
		{ "version: STSv1\nmode: none\nmax_age: 1\nmax_age: 2\n", MX_EFORMAT, "repeated" },
		{ " version: STSv1\nmode: none\nmax_age: 1\n", MX_EFORMAT, "line 1: bad field name" },
		{ "version : STSv1\nmode: none\nmax_age: 1\n", MX_EFORMAT, "line 1: expected" },
		{ "version STSv1\nmode: none\nmax_age: 1\n", MX_EFORMAT, "expected" },
		{ ": x\nversion: STSv1\nmode: none\nmax_age: 1\n", MX_EFORMAT, "bad field name" },
		{ "version: STSv1\rmode: none\nmax_age: 1\n", MX_EFORMAT, "control" },
		{ "version: STSv1\r\r\nmode: none\nmax_age: 1\n", MX_EFORMAT, "control" },
		{ "version: STSv1\nmode: none\nmax_age: 1\nx: a\x01" "b\n", MX_EFORMAT, "line 4: control" },
		{ "version: STSv1\nmode: none\nmax_age: 1\nx: \x7f\n", MX_EFORMAT, "control" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\nmx:\n", MX_EFORMAT, "line 4: mx" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\nmx: *\n", MX_EFORMAT, "mx" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\nmx: *.\n", MX_EFORMAT, "mx" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\nmx: .\n", MX_EFORMAT, "mx" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\nmx: a..b\n", MX_EFORMAT, "mx" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\nmx: .a.b\n", MX_EFORMAT, "mx" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\nmx: a.b..\n", MX_EFORMAT, "mx" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\nmx: *.*.a.b\n", MX_EFORMAT, "mx" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\nmx: a*.b\n", MX_EFORMAT, "mx" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\nmx: mx.*.b\n", MX_EFORMAT, "mx" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\nmx: **.b\n", MX_EFORMAT, "mx" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\nmx: -a.b\n", MX_EFORMAT, "mx" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\nmx: a-.b\n", MX_EFORMAT, "mx" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\nmx: a.b-\n", MX_EFORMAT, "mx" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\nmx: a_b.c\n", MX_EFORMAT, "mx" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\nmx: a b.c\n", MX_EFORMAT, "mx" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\nmx: a.b, c.d\n", MX_EFORMAT, "mx" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\nmx: m\xc3\xa4il.de\n", MX_EFORMAT, "mx" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\nmx: a\\.b\n", MX_EFORMAT, "mx" },
	};
	sts_policy p;
	pol_why why;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&p, 0x55, sizeof(p));
		int rc = policy(bad[i].text, &p, &why);
		if (rc != bad[i].rc || strstr(why.text, bad[i].why) == NULL)
			fail_msg("case %zu: rc %d why \"%s\"", i, rc, why.text);
		assert_int_equal(p.nmx, 0);
		assert_int_equal(p.mx[0][0], 0);
		assert_int_equal(p.max_age, 0);
		assert_null(strchr(why.text, '\n'));
	}
	/* NUL inside the policy. */
	static const char nul[] = "version: STSv1\nmode: none\nmax_age: 1\nx: a\0b\n";
	assert_int_equal(sts_policy_parse((const uint8_t *)nul, sizeof(nul) - 1, &p,
	    &why), MX_EFORMAT);
}

static void
test_policy_limits(void **state)
{
	sts_policy p;
	pol_why why;
	char *buf = malloc(STS_POLICY_MAX + 2);
	char name[300];
	size_t o;

	assert_non_null(buf);
	/* Exactly 64 KiB is accepted; one more octet is not. */
	o = (size_t)snprintf(buf, STS_POLICY_MAX + 2,
	    "version: STSv1\nmode: none\nmax_age: 1\nx: ");
	memset(buf + o, 'y', STS_POLICY_MAX - o);
	assert_int_equal(sts_policy_parse((uint8_t *)buf, STS_POLICY_MAX, &p, &why), 0);
	buf[STS_POLICY_MAX] = 'y';
	assert_int_equal(sts_policy_parse((uint8_t *)buf, STS_POLICY_MAX + 1, &p,
	    &why), MX_ELIMIT);
	assert_non_null(strstr(why.text, "larger"));
	/* 65 mx lines. */
	o = (size_t)snprintf(buf, STS_POLICY_MAX, "version: STSv1\nmode: enforce\n"
	    "max_age: 1\n");
	for (int i = 0; i <= STS_MX_MAX; i++)
		o += (size_t)snprintf(buf + o, STS_POLICY_MAX - o, "mx: m%d.x\n", i);
	assert_int_equal(policy(buf, &p, &why), MX_ELIMIT);
	assert_non_null(strstr(why.text, "line 68: more than 64"));
	/* A 64-character label; a 254-character name. */
	memset(name, 'a', 64);
	name[64] = '\0';
	snprintf(buf, STS_POLICY_MAX, "version: STSv1\nmode: enforce\n"
	    "max_age: 1\nmx: %s.b\n", name);
	assert_int_equal(policy(buf, &p, &why), MX_EFORMAT);
	for (int i = 0; i < 127; i++) {
		name[2 * i] = 'a';
		name[2 * i + 1] = '.';
	}
	name[253] = '\0';  /* 127 labels "a." minus the last dot: 253 */
	snprintf(buf, STS_POLICY_MAX, "version: STSv1\nmode: enforce\n"
	    "max_age: 1\nmx: %s\n", name);
	assert_int_equal(policy(buf, &p, &why), 0);
	name[253] = 'b';
	name[254] = '\0';  /* ... "a.ab": 254 */
	name[252] = 'a';
	snprintf(buf, STS_POLICY_MAX, "version: STSv1\nmode: enforce\n"
	    "max_age: 1\nmx: %s\n", name);
	assert_int_equal(policy(buf, &p, &why), MX_EFORMAT);
	/* A 32-character unknown key is fine, 33 is not. */
	assert_int_equal(policy("version: STSv1\nmode: none\nmax_age: 1\n"
	    "abcdefghijklmnopqrstuvwxyz012345: v\n", &p, &why), 0);
	assert_int_equal(policy("version: STSv1\nmode: none\nmax_age: 1\n"
	    "abcdefghijklmnopqrstuvwxyz0123456: v\n", &p, &why), MX_EFORMAT);
	free(buf);
}

/* ---- MX patterns ---- */

static void
test_mx_match(void **state)
{
	static const struct { const char *pat, *host; bool m; } t[] = {
		/* RFC 8461 4.1 */
		{ "*.example.com", "mx.example.com", true },
		{ "*.example.com", "example.com", false },
		{ "*.example.com", "a.b.example.com", false },
		{ "mail.example.com", "mail.example.com", true },
		{ "mail.example.com", "MAIL.EXAMPLE.COM", true },
		{ "MAIL.example.com", "mail.Example.com", true },
		{ "mail.example.com.", "mail.example.com", true },
		{ "mail.example.com", "mail.example.com.", true },
		{ "*.example.com.", "MX.example.com.", true },
		{ "mail.example.com", "mail.example.com..", false },
		{ "mail.example.com", "xmail.example.com", false },
		{ "mail.example.com", "ail.example.com", false },
		{ "mail.example.com", "mail.example.co", false },
		{ "mail.example.com", "mail.example.com.evil", false },
		{ "*.example.com", ".example.com", false },
		{ "*.example.com", "mx.example.com.evil", false },
		{ "*.example.com", "mxexample.com", false },
		{ "*.example.com", "mx.xexample.com", false },
		{ "*.example.com", "*.example.com", false },
		{ "*.example.com", "", false },
		{ "*.example.com", ".", false },
		{ "", "", false },
		{ ".", ".", false },
		{ "*", "a", false },
		{ "*.", "a.", false },
		{ "a*", "a*", false },
		{ "m*.example.com", "mx.example.com", false },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (sts_mx_match(t[i].pat, t[i].host) != t[i].m)
			fail_msg("\"%s\" vs \"%s\": expected %d", t[i].pat,
			    t[i].host, t[i].m);
}

/* ---- TLS-RPT ---- */

static int
rpt1(const char *s, tlsrpt_record *r, pol_why *why)
{
	pol_txt t = { (const uint8_t *)s, strlen(s) };
	return tlsrpt_record_parse(&t, 1, r, why);
}

static void
test_tlsrpt_rfc(void **state)
{
	tlsrpt_record r;
	pol_why why;

	/* RFC 8460 3 examples. */
	assert_int_equal(rpt1("v=TLSRPTv1;rua=mailto:reports@example.com", &r,
	    &why), 0);
	assert_int_equal(r.nrua, 1);
	assert_string_equal(r.rua[0], "mailto:reports@example.com");
	assert_int_equal(rpt1("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt",
	    &r, &why), 0);
	assert_string_equal(r.rua[0], "https://reporting.example.com/v1/tlsrpt");
	/* A list with WSP around commas, extensions, trailing ';'. */
	assert_int_equal(rpt1("v=TLSRPTv1 ; ext=1 ;rua=mailto:a@b.example , "
	    "HTTPS://r.example:8443/p?q=1&x=%2C%3b ,mailto:c%40d@e.example; x.y=z;",
	    &r, &why), 0);
	assert_int_equal(r.nrua, 3);
	assert_string_equal(r.rua[0], "mailto:a@b.example");
	assert_string_equal(r.rua[1], "HTTPS://r.example:8443/p?q=1&x=%2C%3b");
	assert_string_equal(r.rua[2], "mailto:c%40d@e.example");
	/* Selection: other records ignored. */
	pol_txt recs[2] = { TXT("v=spf1 -all"), TXT("v=TLSRPTv1;rua=mailto:a@b") };
	assert_int_equal(tlsrpt_record_parse(recs, 2, &r, &why), 0);
	assert_int_equal(tlsrpt_record_parse(recs, 1, &r, &why), MX_ENOTFOUND);
	recs[0] = recs[1];
	assert_int_equal(tlsrpt_record_parse(recs, 2, &r, &why), MX_EFORMAT);
	assert_int_equal(r.nrua, 0);
}

static void
test_tlsrpt_reject(void **state)
{
	static const struct { const char *text; int rc; const char *why; } bad[] = {
		{ "v=TLSRPTv1", MX_EFORMAT, "no rua" },
		{ "v=TLSRPTv1;", MX_EFORMAT, "no rua" },
		{ "v=TLSRPTv1; ext=1", MX_EFORMAT, "no rua" },
		{ "v=TLSRPTv1; RUA=mailto:a@b", MX_EFORMAT, "no rua" },
		{ "v=TLSRPTv1; rua=", MX_EFORMAT, "empty" },
		{ "v=TLSRPTv1; rua=mailto:a@b,", MX_EFORMAT, "URI 2 is empty" },
		{ "v=TLSRPTv1; rua=,mailto:a@b", MX_EFORMAT, "URI 1 is empty" },
		{ "v=TLSRPTv1; rua=mailto:a@b,,mailto:c@d", MX_EFORMAT, "empty" },
		{ "v=TLSRPTv1; rua=mailto:a@b mailto:c@d", MX_EFORMAT, "expected ','" },
		{ "v=TLSRPTv1; rua=http://r.example/", MX_EFORMAT, "scheme" },
		{ "v=TLSRPTv1; rua=ftp://r.example/", MX_EFORMAT, "scheme" },
		{ "v=TLSRPTv1; rua=a@b", MX_EFORMAT, "scheme" },
		{ "v=TLSRPTv1; rua=mailto:", MX_EFORMAT, "address" },
		{ "v=TLSRPTv1; rua=mailto:nobody", MX_EFORMAT, "address" },
		{ "v=TLSRPTv1; rua=https://", MX_EFORMAT, "host" },
		{ "v=TLSRPTv1; rua=https:///path", MX_EFORMAT, "host" },
		{ "v=TLSRPTv1; rua=https:r.example", MX_EFORMAT, "scheme" },
		{ "v=TLSRPTv1; rua=mailto:a\"b@c", MX_EFORMAT, "character" },
		{ "v=TLSRPTv1; rua=mailto:a<b>@c", MX_EFORMAT, "character" },
		{ "v=TLSRPTv1; rua=mailto:a@b\x7f", MX_EFORMAT, "character" },
		{ "v=TLSRPTv1; rua=mailto:\xc3\xa4@b", MX_EFORMAT, "character" },
		{ "v=TLSRPTv1; rua=mailto:a%4@b", MX_EFORMAT, "escape" },
		{ "v=TLSRPTv1; rua=mailto:a@b%", MX_EFORMAT, "escape" },
		{ "v=TLSRPTv1; rua=mailto:a@b%zz", MX_EFORMAT, "escape" },
		{ "v=TLSRPTv1; rua=mailto:a@b; rua=mailto:c@d", MX_EFORMAT, "twice" },
		{ "v=TLSRPTv1; x=a b; rua=mailto:a@b", MX_EFORMAT, "bad value" },
		{ "v=TLSRPTv1 rua=mailto:a@b", MX_EFORMAT, "expected ';'" },
		{ "v=TLSRPTv1;;rua=mailto:a@b", MX_EFORMAT, "bad field name" },
		{ "v=TLSRPTv1; rua=mailto:1@a,mailto:2@a,mailto:3@a,mailto:4@a,"
		  "mailto:5@a,mailto:6@a,mailto:7@a,mailto:8@a,mailto:9@a",
		  MX_ELIMIT, "more than 8" },
	};
	tlsrpt_record r;
	pol_why why;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&r, 0x55, sizeof(r));
		int rc = rpt1(bad[i].text, &r, &why);
		if (rc != bad[i].rc || strstr(why.text, bad[i].why) == NULL)
			fail_msg("case %zu: rc %d why \"%s\"", i, rc, why.text);
		assert_int_equal(r.nrua, 0);
		assert_int_equal(r.rua[0][0], 0);
	}
	/* URI length: 512 accepted, 513 not. */
	char buf[700];
	int o = snprintf(buf, sizeof(buf), "v=TLSRPTv1;rua=mailto:a@");
	memset(buf + o, 'b', 512 - 9);
	buf[o + 512 - 9] = '\0';
	assert_int_equal(rpt1(buf, &r, &why), 0);
	assert_int_equal(strlen(r.rua[0]), 512);
	strcat(buf, "b");
	assert_int_equal(rpt1(buf, &r, &why), MX_ELIMIT);
	assert_non_null(strstr(why.text, "longer than 512"));
}

/* ---- netstrings ---- */

static int
dec(const char *s, const uint8_t **d, size_t *dl, size_t *used)
{
	return ns_decode((const uint8_t *)s, strlen(s), NS_MAX_DEFAULT, d, dl, used);
}

static void
test_ns_decode(void **state)
{
	const uint8_t *d;
	size_t dl, used;

	assert_int_equal(dec("5:hello,", &d, &dl, &used), 0);
	assert_int_equal(dl, 5);
	assert_memory_equal(d, "hello", 5);
	assert_int_equal(used, 8);
	assert_int_equal(dec("0:,", &d, &dl, &used), 0);
	assert_int_equal(dl, 0);
	assert_int_equal(used, 3);
	assert_non_null(d);
	/* Two in one buffer: only the first is taken. */
	assert_int_equal(dec("3:abc,3:def,", &d, &dl, &used), 0);
	assert_int_equal(used, 6);
	assert_memory_equal(d, "abc", 3);
	/* Binary data, including ',' ':' and NUL, is opaque. */
	static const uint8_t bin[] = { '4', ':', ',', 0, ':', '9', ',' };
	assert_int_equal(ns_decode(bin, sizeof(bin), 10, &d, &dl, &used), 0);
	assert_int_equal(dl, 4);
	/* Every proper prefix of a good netstring asks for more. */
	const char *good = "12:hello world!,";
	for (size_t i = 0; i < strlen(good); i++)
		assert_int_equal(ns_decode((const uint8_t *)good, i, 100, &d, &dl,
		    &used), MX_EAGAIN);
	/* Malformed: reported as soon as the bad byte is there. */
	static const char *const bad[] = {
		":", "a", "-1:", " 1:a,", "1 :a,", "01:a,", "00:,", "1:ab",
		"3:abc;", "5x", "0:x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = dec(bad[i], &d, &dl, &used);
		if (rc != MX_EFORMAT)
			fail_msg("\"%s\": %d", bad[i], rc);
		assert_null(d);
		assert_int_equal(used, 0);
	}
	/* Limits: max itself is fine, max + 1 is not, long digit strings fail
	 * early without waiting for data. */
	assert_int_equal(ns_decode((const uint8_t *)"3:abc,", 6, 3, &d, &dl, &used), 0);
	assert_int_equal(ns_decode((const uint8_t *)"4:abcd,", 7, 3, &d, &dl, &used),
	    MX_ELIMIT);
	assert_int_equal(ns_decode((const uint8_t *)"0:,", 3, 0, &d, &dl, &used), 0);
	assert_int_equal(ns_decode((const uint8_t *)"1:", 2, 0, &d, &dl, &used),
	    MX_ELIMIT);
	assert_int_equal(dec("100000:", &d, &dl, &used), MX_EAGAIN);
	assert_int_equal(dec("100001", &d, &dl, &used), MX_ELIMIT);
	assert_int_equal(dec("99999999999999999999999999", &d, &dl, &used), MX_ELIMIT);
	assert_int_equal(ns_decode((const uint8_t *)"184467440737095516160:", 22,
	    SIZE_MAX, &d, &dl, &used), MX_ELIMIT);
}

static void
test_ns_encode(void **state)
{
	uint8_t out[32];
	size_t len = 99;

	assert_int_equal(ns_encode("hello", 5, out, sizeof(out), &len), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(out, "5:hello,", 8);
	assert_int_equal(ns_encode("", 0, out, sizeof(out), &len), 0);
	assert_memory_equal(out, "0:,", 3);
	assert_int_equal(ns_encode("hello", 5, out, 7, &len), MX_ESPACE);
	assert_int_equal(len, 0);
	assert_int_equal(ns_encode("hello", 5, out, 8, &len), 0);
	assert_int_equal(ns_encoded_len(0), 3);
	assert_int_equal(ns_encoded_len(9), 12);
	assert_int_equal(ns_encoded_len(10), 14);
	assert_int_equal(ns_encoded_len(100000), 100008);
}

/* Property: random payloads, encoded back to back, decode to themselves
 * whatever the chunking of the stream. */
static void
test_ns_roundtrip(void **state)
{
	enum { N = 40, STREAM = 1 << 16 };
	uint8_t *stream = malloc(STREAM), *buf = malloc(STREAM);
	uint8_t payload[N][300];
	size_t plen[N], slen = 0;
	unsigned seed = 12345;

	assert_non_null(stream);
	assert_non_null(buf);
	for (int round = 0; round < 200; round++) {
		slen = 0;
		for (int i = 0; i < N; i++) {
			seed = seed * 1103515245u + 12345u;
			plen[i] = (seed >> 8) % 300;
			if (i % 7 == 0)
				plen[i] = (size_t)(i % 3);
			for (size_t j = 0; j < plen[i]; j++) {
				seed = seed * 1103515245u + 12345u;
				payload[i][j] = (uint8_t)(seed >> 16);
			}
			size_t w;
			assert_int_equal(ns_encode(payload[i], plen[i], stream + slen,
			    STREAM - slen, &w), 0);
			assert_int_equal(w, ns_encoded_len(plen[i]));
			slen += w;
		}
		/* Feed in random chunks into a buffer, decoding as we go. */
		size_t fed = 0, have = 0;
		int got = 0;
		while (got < N) {
			const uint8_t *d;
			size_t dl, used;
			int rc = ns_decode(buf, have, 300, &d, &dl, &used);
			if (rc == 0) {
				assert_int_equal(dl, plen[got]);
				if (dl)
					assert_memory_equal(d, payload[got], dl);
				memmove(buf, buf + used, have - used);
				have -= used;
				got++;
				continue;
			}
			assert_int_equal(rc, MX_EAGAIN);
			assert_true(fed < slen);
			seed = seed * 1103515245u + 12345u;
			size_t chunk = 1 + (seed >> 8) % (round % 2 ? 5 : 700);
			if (chunk > slen - fed)
				chunk = slen - fed;
			memcpy(buf + have, stream + fed, chunk);
			have += chunk;
			fed += chunk;
		}
		assert_int_equal(fed, slen);
		assert_int_equal(have, 0);
	}
	free(stream);
	free(buf);
}

/* ---- socketmap ---- */

static void
test_sockmap_request(void **state)
{
	const uint8_t *name, *key, *d;
	size_t nl, kl, dl, used, len;
	uint8_t out[128];

	/* What "postmap -q example.com socketmap:unix:/s:tlspolicy" sends. */
	assert_int_equal(sockmap_request_encode("tlspolicy", "example.com", 11, out,
	    sizeof(out), &len), 0);
	assert_int_equal(len, 25);
	assert_memory_equal(out, "21:tlspolicy example.com,", 25);
	assert_int_equal(ns_decode(out, len, NS_MAX_DEFAULT, &d, &dl, &used), 0);
	assert_int_equal(sockmap_request_parse(d, dl, &name, &nl, &key, &kl), 0);
	assert_int_equal(nl, 9);
	assert_memory_equal(name, "tlspolicy", 9);
	assert_int_equal(kl, 11);
	assert_memory_equal(key, "example.com", 11);
	/* The key is everything after the first space. */
	assert_int_equal(sockmap_request_parse((const uint8_t *)"m a b ", 6, &name,
	    &nl, &key, &kl), 0);
	assert_int_equal(kl, 4);
	assert_int_equal(sockmap_request_parse((const uint8_t *)"m ", 2, &name, &nl,
	    &key, &kl), 0);
	assert_int_equal(kl, 0);
	static const char *const bad[] = { "", "m", " key", "m\tx", "na\x01me k" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sockmap_request_parse((const uint8_t *)bad[i],
		    strlen(bad[i]), &name, &nl, &key, &kl), MX_EFORMAT);
		assert_null(name);
		assert_null(key);
	}
	assert_int_equal(sockmap_request_parse((const uint8_t *)"m k\0y", 5, &name,
	    &nl, &key, &kl), MX_EFORMAT);
	char longname[80];
	memset(longname, 'n', 65);
	strcpy(longname + 65, " k");
	assert_int_equal(sockmap_request_parse((const uint8_t *)longname,
	    strlen(longname), &name, &nl, &key, &kl), MX_EFORMAT);
	longname[64] = ' ';
	assert_int_equal(sockmap_request_parse((const uint8_t *)longname,
	    strlen(longname), &name, &nl, &key, &kl), 0);
	assert_int_equal(sockmap_request_encode("a b", "k", 1, out, sizeof(out),
	    &len), MX_EINVAL);
	assert_int_equal(sockmap_request_encode("", "k", 1, out, sizeof(out), &len),
	    MX_EINVAL);
	assert_int_equal(sockmap_request_encode("m", "k\0", 2, out, sizeof(out),
	    &len), MX_EINVAL);
}

static void
test_sockmap_reply(void **state)
{
	static const struct { sockmap_status s; const char *text, *wire; } t[] = {
		{ SOCKMAP_OK, "secure match=.example.com", "28:OK secure match=.example.com," },
		{ SOCKMAP_NOTFOUND, "ignored", "9:NOTFOUND ," },
		{ SOCKMAP_TEMP, "DNS timeout", "16:TEMP DNS timeout," },
		{ SOCKMAP_TIMEOUT, "", "8:TIMEOUT ," },
		{ SOCKMAP_PERM, "bad map name", "17:PERM bad map name," },
	};
	uint8_t out[128];
	size_t len, dl, used, tl;
	const uint8_t *d, *text;
	sockmap_status s;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(sockmap_reply_encode(t[i].s, t[i].text,
		    strlen(t[i].text), out, sizeof(out), &len), 0);
		assert_int_equal(len, strlen(t[i].wire));
		assert_memory_equal(out, t[i].wire, len);
		assert_int_equal(ns_decode(out, len, NS_MAX_DEFAULT, &d, &dl, &used), 0);
		assert_int_equal(sockmap_reply_parse(d, dl, &s, &text, &tl), 0);
		assert_int_equal(s, t[i].s);
		if (t[i].s != SOCKMAP_NOTFOUND) {
			assert_int_equal(tl, strlen(t[i].text));
			assert_memory_equal(text, t[i].text, tl);
		} else
			assert_int_equal(tl, 0);
	}
	static const char *const bad[] = { "OK", "NOTFOUND", "NOTFOUND x", "ok x",
		"TEMPx", "PERMS x", "", " OK x", "FOUND x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sockmap_reply_parse((const uint8_t *)bad[i],
		    strlen(bad[i]), &s, &text, &tl), MX_EFORMAT);
	assert_int_equal(sockmap_reply_encode((sockmap_status)9, "", 0, out,
	    sizeof(out), &len), MX_EINVAL);
	assert_int_equal(sockmap_reply_encode(SOCKMAP_OK, "a\0b", 3, out,
	    sizeof(out), &len), MX_EINVAL);
	assert_int_equal(sockmap_reply_encode(SOCKMAP_OK, "x", 1, out, 5, &len),
	    MX_ESPACE);
	assert_string_equal(sockmap_status_str(SOCKMAP_TIMEOUT), "TIMEOUT");
	assert_string_equal(sockmap_status_str((sockmap_status)7), "?");
	/* The reply limit: 100000 characters of payload, "OK " included. */
	size_t cap = NS_MAX_DEFAULT + 16;
	uint8_t *big = malloc(cap), *txt = malloc(NS_MAX_DEFAULT);
	assert_non_null(big);
	assert_non_null(txt);
	memset(txt, 'x', NS_MAX_DEFAULT);
	assert_int_equal(sockmap_reply_encode(SOCKMAP_OK, txt, NS_MAX_DEFAULT - 3,
	    big, cap, &len), 0);
	assert_int_equal(len, ns_encoded_len(NS_MAX_DEFAULT));
	assert_int_equal(ns_decode(big, len, NS_MAX_DEFAULT, &d, &dl, &used), 0);
	assert_int_equal(sockmap_reply_encode(SOCKMAP_OK, txt, NS_MAX_DEFAULT - 2,
	    big, cap, &len), MX_ELIMIT);
	free(big);
	free(txt);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_txt_join),
		cmocka_unit_test(test_sts_record_rfc),
		cmocka_unit_test(test_sts_record_reject),
		cmocka_unit_test(test_sts_record_select),
		cmocka_unit_test(test_policy_rfc),
		cmocka_unit_test(test_policy_accept),
		cmocka_unit_test(test_policy_reject),
		cmocka_unit_test(test_policy_limits),
		cmocka_unit_test(test_mx_match),
		cmocka_unit_test(test_tlsrpt_rfc),
		cmocka_unit_test(test_tlsrpt_reject),
		cmocka_unit_test(test_ns_decode),
		cmocka_unit_test(test_ns_encode),
		cmocka_unit_test(test_ns_roundtrip),
		cmocka_unit_test(test_sockmap_request),
		cmocka_unit_test(test_sockmap_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
