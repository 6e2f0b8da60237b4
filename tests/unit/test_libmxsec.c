/*
 * Unit tests: libmxsec, the client library (api/client/).
 *
 * The JSON parser on valid, invalid and hostile text; reply lines to
 * structs; the library against a fake daemon (a forked child on a
 * temporary Unix socket) answering with the examples of doc/protocol.md,
 * read from the document itself; and the exit statuses of mxsec(1).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "client_int.h"
#include "exitcode.h"
#include "json.h"
#include "mxsec.h"

/* ---- JSON parser ---- */

static struct json_value *
parse_ok(const char *text)
{
	struct json_value *v = NULL;
	char err[160];
	int rc = json_parse(text, strlen(text), NULL, &v, err, sizeof(err));

	if (rc != 0)
		fail_msg("'%s' did not parse: %s", text, err);
	assert_non_null(v);
	return v;
}

static void
parse_bad(const char *text, size_t len, const char *why)
{
	struct json_value *v = (struct json_value *)1;
	char err[160];
	int rc = json_parse(text, len, NULL, &v, err, sizeof(err));

	if (rc != JSON_EPARSE)
		fail_msg("'%.*s' parsed (rc %d)", (int)len, text, rc);
	assert_null(v);
	assert_true(err[0] != 0);
	if (why != NULL && strstr(err, why) == NULL)
		fail_msg("'%.*s': error '%s' lacks '%s'", (int)len, text, err, why);
}

static void
test_json_scalars(void **state)
{
	struct json_value *v;

	v = parse_ok("true");
	assert_int_equal(v->type, JSON_TRUE);
	json_free(v);
	v = parse_ok(" \t\r\nfalse \n");
	assert_int_equal(v->type, JSON_FALSE);
	json_free(v);
	v = parse_ok("null");
	assert_int_equal(v->type, JSON_NULL);
	json_free(v);

	v = parse_ok("0");
	assert_true(v->is_int);
	assert_int_equal(v->i, 0);
	json_free(v);
	v = parse_ok("-0");
	assert_true(v->is_int);
	assert_int_equal(v->i, 0);
	json_free(v);
	v = parse_ok("9223372036854775807");
	assert_true(v->is_int);
	assert_true(v->i == INT64_MAX);
	json_free(v);
	v = parse_ok("-9223372036854775808");
	assert_true(v->is_int);
	assert_true(v->i == INT64_MIN);
	json_free(v);
	/* Valid JSON numbers that are not int64 integers: numbers, not ints. */
	v = parse_ok("9223372036854775808");
	assert_int_equal(v->type, JSON_NUMBER);
	assert_false(v->is_int);
	json_free(v);
	v = parse_ok("-9223372036854775809");
	assert_false(v->is_int);
	json_free(v);
	v = parse_ok("1.5");
	assert_false(v->is_int);
	json_free(v);
	v = parse_ok("1e3");
	assert_false(v->is_int);
	json_free(v);
	v = parse_ok("-0.0E-7");
	assert_false(v->is_int);
	json_free(v);
	v = parse_ok("123456789012345678901234567890");
	assert_false(v->is_int);
	json_free(v);
}

static void
test_json_strings(void **state)
{
	struct json_value *v;

	v = parse_ok("\"\"");
	assert_int_equal(v->type, JSON_STRING);
	assert_int_equal(v->len, 0);
	assert_string_equal(v->s, "");
	json_free(v);
	v = parse_ok("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"");
	assert_string_equal(v->s, "a\"b\\c/d\b\f\n\r\t");
	json_free(v);
	/* \u escapes to UTF-8: 1, 2, 3 octets, and a pair to 4. */
	v = parse_ok("\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\"");
	assert_string_equal(v->s, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	json_free(v);
	/* Raw UTF-8 passes through. */
	v = parse_ok("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	assert_string_equal(v->s, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	json_free(v);
	/* \u0000 is valid JSON; len tells it from the end. */
	v = parse_ok("\"a\\u0000b\"");
	assert_int_equal(v->len, 3);
	assert_memory_equal(v->s, "a\0b", 4);
	json_free(v);
	v = parse_ok("\"\\uDBFF\\uDFFF\"");
	assert_string_equal(v->s, "\xf4\x8f\xbf\xbf");
	json_free(v);
}

static void
test_json_structures(void **state)
{
	struct json_value *v;
	const struct json_value *m;

	v = parse_ok("{ \"a\" : [1, \"x\", {\"b\":null}, [], {}] , \"c\":true }");
	assert_int_equal(v->type, JSON_OBJECT);
	assert_int_equal(v->n, 2);
	m = json_get(v, "a");
	assert_non_null(m);
	assert_int_equal(m->type, JSON_ARRAY);
	assert_int_equal(m->n, 5);
	assert_int_equal(m->items[0].i, 1);
	assert_string_equal(m->items[1].s, "x");
	assert_int_equal(json_get(&m->items[2], "b")->type, JSON_NULL);
	assert_int_equal(m->items[3].n, 0);
	assert_int_equal(m->items[4].type, JSON_OBJECT);
	assert_int_equal(json_get(v, "c")->type, JSON_TRUE);
	assert_null(json_get(v, "missing"));
	assert_null(json_get(m, "a"));      /* not an object */
	json_free(v);

	v = parse_ok("[]");
	assert_int_equal(v->n, 0);
	json_free(v);
	/* Keys that differ only after an escaped NUL are distinct. */
	v = parse_ok("{\"a\\u0000x\":1,\"a\\u0000y\":2,\"a\":3}");
	assert_int_equal(v->n, 3);
	assert_int_equal(json_get(v, "a")->i, 3);
	json_free(v);
	json_free(NULL);
}

static void
test_json_invalid(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "", "end of text" }, { "   ", "end of text" },
		{ "tru", "literal" }, { "nul", "literal" }, { "True", NULL },
		{ "truex", "trailing" }, { "1 2", "trailing" },
		{ "{} {}", "trailing" }, { "[1,]", NULL }, { "[,1]", NULL },
		{ "[1 2]", "',' or ']'" }, { "[", NULL }, { "]", NULL },
		{ "{", NULL }, { "{\"a\"}", "':'" }, { "{\"a\":}", NULL },
		{ "{\"a\":1,}", "key" }, { "{a:1}", "key" }, { "{1:1}", "key" },
		{ "{\"a\":1 \"b\":2}", NULL }, { "{'a':1}", NULL },
		{ "\"abc", "unterminated" }, { "\"abc\\", "unterminated" },
		{ "\"\\x\"", "escape" }, { "\"\\u12\"", "\\u escape" },
		{ "\"\\u12G4\"", "hex" }, { "\"\\u", "unterminated" },
		{ "\"\\ud800\"", "surrogate" }, { "\"\\udc00\"", "surrogate" },
		{ "\"\\ud800\\u0041\"", "surrogate" },
		{ "\"\\ud800x\"", "surrogate" },
		{ "\"\\udbff\\udbff\"", "surrogate" },
		{ "\"a\tb\"", "control" }, { "\"a\nb\"", "control" },
		{ "\"\x01\"", "control" },
		{ "\"\xc3\"", "UTF-8" }, { "\"\xc0\xaf\"", "UTF-8" },
		{ "\"\xe0\x80\xaf\"", "UTF-8" }, { "\"\xed\xa0\x80\"", "UTF-8" },
		{ "\"\xf4\x90\x80\x80\"", "UTF-8" }, { "\"\xf5\x80\x80\x80\"", "UTF-8" },
		{ "\"\xff\"", "UTF-8" }, { "\"\x80\"", "UTF-8" },
		{ "\"\xe2\x82\"", "UTF-8" },
		{ "01", "leading zero" }, { "-", "number" }, { "--1", NULL },
		{ "+1", "unexpected" }, { ".5", "unexpected" }, { "1.", "'.'" },
		{ "1.e3", "'.'" }, { "1e", "exponent" }, { "1e+", "exponent" },
		{ "0x10", "trailing" }, { "NaN", NULL }, { "Infinity", NULL },
		{ "-Infinity", NULL }, { "1,", "trailing" },
		{ "{\"a\":1,\"a\":2}", "duplicate" },
		{ "{\"b\":1,\"a\":2,\"c\":3,\"a\":4}", "duplicate" },
		{ "{\"\\u0061\":1,\"a\":2}", "duplicate" },
		{ "/* c */ 1", NULL }, { "\xef\xbb\xbf{}", NULL },
	};

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		parse_bad(bad[k].text, strlen(bad[k].text), bad[k].why);
	/* A NUL octet, inside or outside a string, and text cut short of
	 * its NUL terminator must not be read past. */
	parse_bad("\"a\0b\"", 5, "NUL");
	parse_bad("[1]\0", 4, "NUL");
	parse_bad("[1, 2]", 4, NULL);
	parse_bad("\"abc\"", 4, "unterminated");
	parse_bad("true", 3, "literal");
	parse_bad("\"\\u00", 5, NULL);
}

static void
test_json_limits(void **state)
{
	struct json_limits lim = { .depth = 3, .values = 10 };
	struct json_value *v;
	char err[160], *deep;
	size_t n = 10000;

	assert_int_equal(json_parse("[[[1]]]", 7, &lim, &v, err, sizeof(err)), 0);
	json_free(v);
	assert_int_equal(json_parse("[[[[1]]]]", 9, &lim, &v, err, sizeof(err)),
	    JSON_EPARSE);
	assert_non_null(strstr(err, "nested deeper than 3"));
	assert_int_equal(json_parse("{\"a\":{\"b\":{\"c\":{}}}}", 20, &lim, &v,
	    err, sizeof(err)), JSON_EPARSE);
	/* 10 values allowed, 11 not. */
	assert_int_equal(json_parse("[1,2,3,4,5,6,7,8,9]", 19, &lim, &v, err,
	    sizeof(err)), 0);
	json_free(v);
	assert_int_equal(json_parse("[1,2,3,4,5,6,7,8,9,0]", 21, &lim, &v, err,
	    sizeof(err)), JSON_EPARSE);
	assert_non_null(strstr(err, "more than 10 values"));
	lim.depth = 0;
	assert_int_equal(json_parse("7", 1, &lim, &v, err, sizeof(err)), 0);
	json_free(v);
	assert_int_equal(json_parse("[]", 2, &lim, &v, err, sizeof(err)),
	    JSON_EPARSE);

	/* Default depth: 10000 open brackets fail cleanly, no stack blow-up. */
	deep = malloc(2 * n);
	assert_non_null(deep);
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	assert_int_equal(json_parse(deep, 2 * n, NULL, &v, err, sizeof(err)),
	    JSON_EPARSE);
	assert_int_equal(json_parse(deep + n - JSON_DEPTH_DEFAULT,
	    2 * JSON_DEPTH_DEFAULT, NULL, &v, err, sizeof(err)), 0);
	json_free(v);
	assert_int_equal(json_parse(deep + n - JSON_DEPTH_DEFAULT - 1,
	    2 * JSON_DEPTH_DEFAULT + 2, NULL, &v, err, sizeof(err)), JSON_EPARSE);
	free(deep);

	/* An error message is cut to the buffer, and a zero-size buffer is
	 * allowed. */
	assert_int_equal(json_parse("[1,", 3, NULL, &v, err, 8), JSON_EPARSE);
	assert_true(strlen(err) < 8);
	assert_int_equal(json_parse("[1,", 3, NULL, &v, NULL, 0), JSON_EPARSE);
}

/* ---- replies to structs ---- */

static int
answer(const char *json, struct mxsec_answer **a)
{
	return mxsec_parse_answer(NULL, json, strlen(json), a);
}

static void
test_reply_records(void **state)
{
	struct mxsec_answer *a;
	const struct mxsec_record *r;

	assert_int_equal(answer("{\"ok\":true,\"name\":\"www.example.\","
	    "\"type\":\"A\",\"status\":\"insecure\",\"rcode\":\"NOERROR\","
	    "\"ttl\":60,\"cname\":[{\"name\":\"www.example.\",\"target\":"
	    "\"web.example.\"}],\"records\":[{\"name\":\"web.example.\","
	    "\"type\":\"A\",\"ttl\":60,\"rdata\":\"192.0.2.1\",\"data\":"
	    "{\"address\":\"192.0.2.1\"}}],\"future\":{\"x\":[1]}}", &a), 0);
	assert_int_equal(a->status, MXSEC_INSECURE);
	assert_int_equal(a->type, 1);
	assert_int_equal(a->has_ede, 0);
	assert_null(a->reason);
	assert_int_equal(a->ncname, 1);
	assert_string_equal(a->cname[0].name, "www.example.");
	assert_string_equal(a->cname[0].target, "web.example.");
	assert_int_equal(a->nrecords, 1);
	assert_string_equal(a->records[0].address, "192.0.2.1");
	mxsec_answer_free(a);

	assert_int_equal(answer("{\"ok\":true,\"name\":\"x.\",\"type\":\"TYPE99\","
	    "\"status\":\"secure\",\"rcode\":\"NOERROR\",\"ttl\":5,\"records\":["
	    "{\"name\":\"x.\",\"type\":\"MX\",\"ttl\":1,\"rdata\":\"10 mx.x.\","
	    "\"data\":{\"preference\":10,\"exchange\":\"mx.x.\"}},"
	    "{\"name\":\"x.\",\"type\":\"TLSA\",\"ttl\":2,\"rdata\":\"3 1 1 AB\","
	    "\"data\":{\"usage\":3,\"selector\":1,\"matching_type\":1,\"data\":\"AB\"}},"
	    "{\"name\":\"x.\",\"type\":\"TXT\",\"ttl\":3,\"rdata\":\"\\\"a\\\" \\\"b\\\"\","
	    "\"data\":{\"strings\":[\"a\",\"b\"]}},"
	    "{\"name\":\"x.\",\"type\":\"SRV\",\"ttl\":4,\"rdata\":\"1 2 25 t.x.\","
	    "\"data\":{\"priority\":1,\"weight\":2,\"port\":25,\"target\":\"t.x.\"}},"
	    "{\"name\":\"x.\",\"type\":\"SOA\",\"ttl\":5,\"rdata\":\"m. r. 1 2 3 4 5\","
	    "\"data\":{\"mname\":\"m.\",\"rname\":\"r.\",\"serial\":4294967295,"
	    "\"refresh\":2,\"retry\":3,\"expire\":4,\"minimum\":5}},"
	    "{\"name\":\"x.\",\"type\":\"CNAME\",\"ttl\":6,\"rdata\":\"c.\","
	    "\"data\":{\"target\":\"c.\"}},"
	    "{\"name\":\"x.\",\"type\":\"TYPE65\",\"ttl\":7,\"rdata\":\"\\\\# 0\","
	    "\"data\":{}},"
	    "{\"name\":\"x.\",\"type\":\"FUTURE\",\"ttl\":8,\"rdata\":\"?\"}"
	    "]}", &a), 0);
	assert_int_equal(a->type, 99);
	assert_int_equal(a->nrecords, 8);
	r = a->records;
	assert_int_equal(r[0].type, 15);
	assert_int_equal(r[0].mx.preference, 10);
	assert_string_equal(r[0].mx.exchange, "mx.x.");
	assert_int_equal(r[1].type, 52);
	assert_int_equal(r[1].tlsa.usage, 3);
	assert_int_equal(r[1].tlsa.selector, 1);
	assert_int_equal(r[1].tlsa.matching_type, 1);
	assert_string_equal(r[1].tlsa.data, "AB");
	assert_int_equal(r[2].txt.count, 2);
	assert_string_equal(r[2].txt.strings[1], "b");
	assert_string_equal(r[2].rdata, "\"a\" \"b\"");
	assert_int_equal(r[3].srv.port, 25);
	assert_string_equal(r[3].target, "t.x.");
	assert_true(r[4].soa.serial == 4294967295u);
	assert_string_equal(r[4].soa.rname, "r.");
	assert_int_equal(r[4].soa.minimum, 5);
	assert_string_equal(r[5].target, "c.");
	assert_int_equal(r[6].type, 65);
	assert_null(r[6].address);
	assert_int_equal(r[7].type, 0);
	assert_string_equal(r[7].type_name, "FUTURE");
	assert_int_equal(r[7].ttl, 8);
	mxsec_answer_free(a);
	mxsec_answer_free(NULL);
	mxsec_dane_free(NULL);
}

static void
test_reply_malformed(void **state)
{
	static const struct {
		const char *json, *why;
	} bad[] = {
		{ "[]", "not a JSON object" },
		{ "{}", "ok: missing" },
		{ "{\"ok\":1}", "ok: boolean expected, number found" },
		{ "{\"ok\":true}", "name: missing" },
		{ "{\"ok\":true,\"name\":\"a.\",\"type\":\"A\",\"status\":\"good\","
		  "\"rcode\":\"NOERROR\",\"ttl\":0,\"records\":[]}",
		  "status: unknown value" },
		{ "{\"ok\":true,\"name\":\"a.\",\"type\":\"A\",\"status\":\"secure\","
		  "\"rcode\":\"NOERROR\",\"ttl\":-1,\"records\":[]}", "ttl: not" },
		{ "{\"ok\":true,\"name\":\"a.\",\"type\":\"A\",\"status\":\"secure\","
		  "\"rcode\":\"NOERROR\",\"ttl\":4294967296,\"records\":[]}", "ttl" },
		{ "{\"ok\":true,\"name\":\"a.\",\"type\":\"A\",\"status\":\"secure\","
		  "\"rcode\":\"NOERROR\",\"ttl\":1.5,\"records\":[]}", "ttl" },
		{ "{\"ok\":true,\"name\":\"a.\",\"type\":\"A\",\"status\":\"secure\","
		  "\"rcode\":\"NOERROR\",\"ttl\":1,\"records\":{}}",
		  "records: array expected" },
		{ "{\"ok\":true,\"name\":\"a.\\u0000evil.\",\"type\":\"A\","
		  "\"status\":\"secure\",\"rcode\":\"NOERROR\",\"ttl\":1,"
		  "\"records\":[]}", "NUL" },
		{ "{\"ok\":true,\"name\":\"a.\",\"type\":\"A\",\"status\":\"secure\","
		  "\"rcode\":\"NOERROR\",\"ttl\":1,\"records\":[{\"name\":\"a.\","
		  "\"type\":\"A\",\"ttl\":1,\"rdata\":\"1.2.3.4\",\"data\":{}}]}",
		  "records[0].data.address: missing" },
		{ "{\"ok\":true,\"name\":\"a.\",\"type\":\"A\",\"status\":\"secure\","
		  "\"rcode\":\"NOERROR\",\"ttl\":1,\"records\":[7]}",
		  "records[0]: object expected" },
		{ "{\"ok\":true,\"name\":\"a.\",\"type\":\"MX\",\"status\":\"secure\","
		  "\"rcode\":\"NOERROR\",\"ttl\":1,\"records\":[{\"name\":\"a.\","
		  "\"type\":\"MX\",\"ttl\":1,\"rdata\":\"x\",\"data\":"
		  "{\"preference\":65536,\"exchange\":\"b.\"}}]}",
		  "preference" },
		{ "{\"ok\":true,\"name\":\"a.\",\"type\":\"A\",\"status\":\"secure\","
		  "\"rcode\":\"NOERROR\",\"ttl\":1,\"ede\":\"7\",\"records\":[]}",
		  "ede" },
		{ "{\"ok\":true,\"name\":\"a.\",\"type\":\"A\",\"status\":\"secure\","
		  "\"rcode\":\"NOERROR\",\"ttl\":1,\"cname\":[3],\"records\":[]}",
		  "cname" },
		{ "{\"ok\":true,\"ok\":false}", "duplicate" },
		{ "{\"ok\":false}", "error: missing" },
		{ "nonsense", "malformed reply" },
	};
	struct mxsec_answer *a;
	mxsec *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		a = (struct mxsec_answer *)1;
		int rc = mxsec_parse_answer(h, bad[k].json, strlen(bad[k].json), &a);
		if (rc != MXSEC_EPROTO)
			fail_msg("%s: rc %d", bad[k].json, rc);
		assert_null(a);
		if (strstr(mxsec_error(h), bad[k].why) == NULL)
			fail_msg("%s: error '%s' lacks '%s'", bad[k].json,
			    mxsec_error(h), bad[k].why);
	}
	/* The daemon's refusals map to codes, its words kept printable. */
	const char *busy = "{\"ok\":false,\"error\":\"busy\",\"reason\":\"a\\nb\"}";
	assert_int_equal(mxsec_parse_answer(h, busy, strlen(busy), &a),
	    MXSEC_EBUSY);
	assert_string_equal(mxsec_error(h), "daemon: busy: a?b");
	assert_int_equal(answer("{\"ok\":false,\"error\":\"too-long\"}", &a),
	    MXSEC_EBADREQ);
	assert_int_equal(answer("{\"ok\":false,\"error\":\"internal\"}", &a),
	    MXSEC_ESERVER);
	assert_int_equal(answer("{\"ok\":false,\"error\":\"new-thing\"}", &a),
	    MXSEC_ESERVER);
	free(h);
}

static const char dane_multi[] =
    "{\"ok\":true,\"domain\":\"x.test.\",\"port\":465,\"result\":\"ok\","
    "\"mx_status\":\"insecure\",\"mx_rcode\":\"NOERROR\",\"hosts\":["
    "{\"preference\":0,\"name\":\"x.test.\",\"implicit\":true,"
    "\"insecure_mx\":true,\"cname\":[\"a.test.\",\"b.test.\"],"
    "\"canonical\":\"b.test.\",\"addresses\":[],\"address_status\":\"bogus\","
    "\"verdict\":\"defer\",\"reason\":\"bogus A\"},"
    "{\"preference\":20,\"name\":\"y.test.\",\"cname\":[{\"name\":\"y.test.\","
    "\"target\":\"z.test.\"}],\"addresses\":[\"192.0.2.9\"],"
    "\"address_status\":\"secure\",\"tlsa_base\":\"y.test.\","
    "\"tlsa_name\":\"_465._tcp.y.test.\",\"tlsa_status\":\"secure\","
    "\"tlsa_rcode\":\"NOERROR\",\"tlsa\":[{\"usage\":1,\"selector\":0,"
    "\"matching_type\":1,\"data\":\"00\",\"rdata\":\"1 0 1 00\","
    "\"usable\":false}],\"verdict\":\"encrypt\"}]}";

static void
test_reply_dane(void **state)
{
	struct mxsec_dane *d;
	const struct mxsec_host *x;

	assert_int_equal(mxsec_parse_dane(NULL, dane_multi, strlen(dane_multi),
	    &d), 0);
	assert_int_equal(d->port, 465);
	assert_int_equal(d->mx_status, MXSEC_INSECURE);
	assert_int_equal(d->nhosts, 2);
	x = &d->hosts[0];
	assert_true(x->implicit);
	assert_true(x->insecure_mx);
	/* Bare-string chains become links from the previous name. */
	assert_int_equal(x->ncname, 2);
	assert_string_equal(x->cname[0].name, "x.test.");
	assert_string_equal(x->cname[0].target, "a.test.");
	assert_string_equal(x->cname[1].name, "a.test.");
	assert_string_equal(x->cname[1].target, "b.test.");
	assert_int_equal(x->naddresses, 0);
	assert_int_equal(x->address_status, MXSEC_BOGUS);
	assert_int_equal(x->tlsa_status, MXSEC_STATUS_NONE);
	assert_null(x->tlsa_rcode);
	assert_null(x->tlsa_name);
	assert_int_equal(x->verdict, MXSEC_VERDICT_DEFER);
	x = &d->hosts[1];
	assert_int_equal(x->preference, 20);
	assert_false(x->implicit);
	assert_string_equal(x->cname[0].target, "z.test.");
	assert_string_equal(x->addresses[0], "192.0.2.9");
	assert_string_equal(x->tlsa_name, "_465._tcp.y.test.");
	assert_int_equal(x->ntlsa, 1);
	assert_false(x->tlsa[0].usable);
	assert_int_equal(x->tlsa[0].usage, 1);
	assert_int_equal(x->verdict, MXSEC_VERDICT_ENCRYPT);
	assert_null(x->reason);
	assert_int_equal(exit_for_dane(d), EXIT_BOGUS);
	mxsec_dane_free(d);

	/* Errors name the host. */
	mxsec *h = calloc(1, sizeof(*h));
	assert_non_null(h);
	const char *bad = "{\"ok\":true,\"domain\":\"x.\",\"port\":25,"
	    "\"result\":\"ok\",\"hosts\":[{\"preference\":1,\"name\":\"a.\","
	    "\"verdict\":\"dane\",\"tlsa\":[{\"usage\":3,\"selector\":1,"
	    "\"matching_type\":1,\"data\":\"AA\",\"usable\":\"yes\"}]}]}";
	assert_int_equal(mxsec_parse_dane(h, bad, strlen(bad), &d), MXSEC_EPROTO);
	assert_non_null(strstr(mxsec_error(h), "hosts[0].tlsa[0].usable"));
	bad = "{\"ok\":true,\"domain\":\"x.\",\"port\":25,\"result\":\"maybe\","
	    "\"hosts\":[]}";
	assert_int_equal(mxsec_parse_dane(h, bad, strlen(bad), &d), MXSEC_EPROTO);
	assert_non_null(strstr(mxsec_error(h), "result"));
	bad = "{\"ok\":true,\"domain\":\"x.\",\"port\":25,\"result\":\"ok\","
	    "\"hosts\":[{\"preference\":1,\"name\":\"a.\",\"verdict\":\"yes\"}]}";
	assert_int_equal(mxsec_parse_dane(h, bad, strlen(bad), &d), MXSEC_EPROTO);
	assert_non_null(strstr(mxsec_error(h), "hosts[0].verdict"));
	free(h);

	assert_string_equal(mxsec_status_name(MXSEC_INDETERMINATE),
	    "indeterminate");
	assert_string_equal(mxsec_result_name(MXSEC_RESULT_NULL_MX), "null-mx");
	assert_string_equal(mxsec_verdict_name(MXSEC_VERDICT_MAY), "may");
	assert_string_equal(mxsec_verdict_name((enum mxsec_verdict)42), "?");
	assert_string_equal(mxsec_status_name((enum mxsec_status)-1), "?");
}

/* ---- the examples of doc/protocol.md, from a fake daemon ---- */

#define NEX 64
static char *examples[NEX];       /* the ```json blocks, each one line */
static size_t nexamples;

/* Each ```json block of the protocol document, its lines joined. */
static void
load_examples(void)
{
	FILE *f = fopen(MXSEC_PROTOCOL_MD, "r");
	char line[4096], *cur = NULL;
	size_t len = 0;
	int in = 0;

	if (f == NULL)
		fail_msg("%s: %s", MXSEC_PROTOCOL_MD, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = 0;
		if (!in && strcmp(line, "```json") == 0) {
			in = 1;
			cur = calloc(1, 1);
			len = 0;
			continue;
		}
		if (in && strcmp(line, "```") == 0) {
			in = 0;
			assert_true(nexamples < NEX);
			examples[nexamples++] = cur;
			continue;
		}
		if (in) {
			const char *p = line;
			while (*p == ' ')
				p++;
			cur = realloc(cur, len + strlen(p) + 1);
			assert_non_null(cur);
			memcpy(cur + len, p, strlen(p) + 1);
			len += strlen(p);
		}
	}
	fclose(f);
}

static const char *
example(const char *with)
{
	for (size_t k = 0; k < nexamples; k++)
		if (strstr(examples[k], with) != NULL)
			return examples[k];
	fail_msg("no example in doc/protocol.md contains '%s'", with);
	return NULL;
}

/* The fake daemon's script: request line -> reply.  Special replies make
 * it misbehave. */
#define R_CLOSE "<close>"         /* close without a reply */
#define R_HALF "<half>"           /* half a reply, then close */
#define R_SLOW "<slow>"           /* reply after 1.5 s */
#define R_TWO "<two>"             /* two replies for one request */
static struct {
	const char *req, *reply;
} script[32];
static size_t nscript;

static char sockdir[64], sockpath[128];
static pid_t server;

static void
script_add(const char *req, const char *reply)
{
	assert_true(nscript < sizeof(script) / sizeof(script[0]));
	script[nscript].req = req;
	script[nscript].reply = reply;
	nscript++;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
serve_conn(int c)
{
	char buf[2048];
	size_t len = 0;
	ssize_t r;
	char *nl;

	for (;;) {
		while ((nl = memchr(buf, '\n', len)) != NULL) {
			const char *reply = "{\"ok\":false,\"error\":"
			    "\"bad-request\",\"reason\":\"not scripted\"}";
			*nl = 0;
			for (size_t k = 0; k < nscript; k++)
				if (strcmp(script[k].req, buf) == 0)
					reply = script[k].reply;
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
			if (strcmp(reply, R_CLOSE) == 0)
				return;
			if (strcmp(reply, R_HALF) == 0) {
				write_all(c, "{\"ok\":tr", 8);
				return;
			}
			if (strcmp(reply, R_SLOW) == 0) {
				usleep(1500000);
				reply = example("\"pong\"");
			}
			if (strcmp(reply, R_TWO) == 0) {
				reply = example("\"pong\"");
				write_all(c, reply, strlen(reply));
				write_all(c, "\n", 1);
			}
			if (write_all(c, reply, strlen(reply)) != 0 ||
			    write_all(c, "\n", 1) != 0)
				return;
		}
		if (len == sizeof(buf))
			return;
		r = read(c, buf + len, sizeof(buf) - len);
		if (r <= 0)
			return;
		len += (size_t)r;
	}
}

static int
server_setup(void **state)
{
	struct sockaddr_un sun;
	int lfd;

	load_examples();
	snprintf(sockdir, sizeof(sockdir), "/tmp/test_libmxsec.XXXXXX");
	assert_non_null(mkdtemp(sockdir));
	snprintf(sockpath, sizeof(sockpath), "%s/mxsecd.sock", sockdir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_true(strlen(sockpath) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, sockpath, strlen(sockpath));
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 16), 0);

	script_add("PING", example("\"pong\""));
	script_add("A mx.dane-ee.test", example("\"127.0.2.1\"}}]"));
	script_add("A nx.mail", example("NXDOMAIN"));
	script_add("A mx.expired.test", example("mx.expired.test"));
	script_add("DANE dane-ee.test", example("\"hosts\""));
	script_add("FOO x", example("unknown request"));
	script_add("A close.test", R_CLOSE);
	script_add("A half.test", R_HALF);
	script_add("A garbage.test", "{\"ok\":true,\"name\":");
	script_add("A slow.test", R_SLOW);
	script_add("A two.test", R_TWO);
	script_add("TLSA mx.dane-ee.test 465", example("NXDOMAIN"));
	script_add("QUERY TXT t.test", example("NXDOMAIN"));
	script_add("SRV _submission._tcp.srv.test", example("\"service\""));
	script_add("TLSRPT srv.test", example("\"rua\""));
	script_add("STS example.com", example("\"txt_status\""));
	script_add("POLICY example.com", example("\"reply\""));
	script_add("STS none.test", "{\"ok\":false,\"error\":\"unavailable\","
	    "\"reason\":\"no TLS policy service in this daemon\"}");

	server = fork();
	assert_true(server >= 0);
	if (server == 0) {
		/* Replies to clients that gave up must not kill the server. */
		signal(SIGPIPE, SIG_IGN);
		for (;;) {
			int c = accept(lfd, NULL, NULL);
			if (c < 0)
				continue;
			serve_conn(c);
			close(c);
		}
	}
	close(lfd);
	return 0;
}

static int
server_teardown(void **state)
{
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	unlink(sockpath);
	rmdir(sockdir);
	for (size_t k = 0; k < nexamples; k++)
		free(examples[k]);
	return 0;
}

static void
test_examples_parse(void **state)
{
	struct json_value *v;

	/* Every example is one valid JSON object. */
	assert_true(nexamples >= 6);
	for (size_t k = 0; k < nexamples; k++) {
		v = parse_ok(examples[k]);
		assert_int_equal(v->type, JSON_OBJECT);
		json_free(v);
	}
}

static void
test_client_lookups(void **state)
{
	struct mxsec_answer *a;
	const struct mxsec_record *r;
	char *ver;
	mxsec *h = mxsec_open(sockpath);

	assert_non_null(h);
	assert_string_equal(mxsec_socket_path(h), sockpath);
	assert_int_equal(mxsec_ping(h, &ver), 0);
	assert_string_equal(ver, "0.1.0");
	free(ver);
	assert_int_equal(mxsec_ping(h, NULL), 0);

	assert_int_equal(mxsec_lookup(h, "a", "mx.dane-ee.test", &a), 0);
	assert_string_equal(a->name, "mx.dane-ee.test.");
	assert_string_equal(a->type_name, "A");
	assert_int_equal(a->type, 1);
	assert_int_equal(a->status, MXSEC_SECURE);
	assert_string_equal(a->rcode, "NOERROR");
	assert_int_equal(a->ttl, 300);
	assert_int_equal(a->has_ede, 0);
	assert_int_equal(a->ncname, 0);
	assert_int_equal(a->nrecords, 1);
	r = &a->records[0];
	assert_string_equal(r->name, "mx.dane-ee.test.");
	assert_string_equal(r->type_name, "A");
	assert_int_equal(r->ttl, 300);
	assert_string_equal(r->rdata, "127.0.2.1");
	assert_string_equal(r->address, "127.0.2.1");
	assert_int_equal(exit_for_answer(a), EXIT_SECURE);
	mxsec_answer_free(a);

	assert_int_equal(mxsec_lookup(h, "A", "nx.mail", &a), 0);
	assert_string_equal(a->rcode, "NXDOMAIN");
	assert_int_equal(a->status, MXSEC_SECURE);
	assert_int_equal(a->nrecords, 0);
	assert_null(a->records);
	assert_int_equal(exit_for_answer(a), EXIT_SECURE);
	mxsec_answer_free(a);

	assert_int_equal(mxsec_lookup(h, "A", "mx.expired.test", &a), 0);
	assert_int_equal(a->status, MXSEC_BOGUS);
	assert_string_equal(a->rcode, "SERVFAIL");
	assert_int_equal(a->ttl, 0);
	assert_true(a->has_ede);
	assert_int_equal(a->ede, 7);
	assert_non_null(strstr(a->reason, "signature expired"));
	assert_int_equal(exit_for_answer(a), EXIT_BOGUS);
	mxsec_answer_free(a);

	/* TLSA host port and QUERY: the lines the daemon is sent. */
	assert_int_equal(mxsec_tlsa(h, "mx.dane-ee.test", 465, &a), 0);
	mxsec_answer_free(a);
	assert_int_equal(mxsec_lookup(h, "TXT", "t.test", &a), 0);
	mxsec_answer_free(a);

	/* A refused request: an error, and the connection stays. */
	char *raw;
	assert_int_equal(mxsec_request_raw(h, "FOO x", &raw), 0);
	assert_string_equal(raw, example("unknown request"));
	free(raw);
	assert_int_equal(mxsec_lookup(h, "A", "unscripted.test", &a),
	    MXSEC_EBADREQ);
	assert_null(a);
	assert_non_null(strstr(mxsec_error(h), "bad-request"));
	assert_int_equal(mxsec_ping(h, NULL), 0);
	assert_string_equal(mxsec_error(h), "");

	/* Arguments that would not be one token of one line. */
	assert_int_equal(mxsec_lookup(h, "A", "a b", &a), MXSEC_EINVAL);
	assert_int_equal(mxsec_lookup(h, "A", "a\nPING", &a), MXSEC_EINVAL);
	assert_int_equal(mxsec_lookup(h, "A", "", &a), MXSEC_EINVAL);
	assert_int_equal(mxsec_lookup(h, "T X T", "a", &a), MXSEC_EINVAL);
	struct mxsec_dane *d;
	assert_int_equal(mxsec_dane(h, "a.test", 65536, &d), MXSEC_EINVAL);
	assert_null(d);
	assert_int_equal(mxsec_request_raw(h, "PING\nPING", &raw), MXSEC_EINVAL);
	assert_null(raw);
	assert_int_equal(mxsec_request_raw(h, "", &raw), MXSEC_EINVAL);
	char longname[1100];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	assert_int_equal(mxsec_lookup(h, "A", longname, &a), MXSEC_EINVAL);
	assert_int_equal(mxsec_request_raw(h, longname, &raw), MXSEC_EINVAL);
	assert_int_equal(mxsec_ping(h, NULL), 0);
	mxsec_close(h);
	mxsec_close(NULL);
}

static void
test_client_dane(void **state)
{
	struct mxsec_dane *d;
	const struct mxsec_host *x;
	mxsec *h = mxsec_open(sockpath);

	assert_non_null(h);
	assert_int_equal(mxsec_dane(h, "dane-ee.test", 0, &d), 0);
	assert_string_equal(d->domain, "dane-ee.test.");
	assert_int_equal(d->port, 25);
	assert_int_equal(d->result, MXSEC_RESULT_OK);
	assert_int_equal(d->mx_status, MXSEC_SECURE);
	assert_string_equal(d->mx_rcode, "NOERROR");
	assert_int_equal(d->has_ede, 0);
	assert_int_equal(d->nhosts, 1);
	x = &d->hosts[0];
	assert_int_equal(x->preference, 10);
	assert_string_equal(x->name, "mx.dane-ee.test.");
	assert_false(x->implicit);
	assert_false(x->insecure_mx);
	assert_int_equal(x->ncname, 0);
	assert_string_equal(x->canonical, "mx.dane-ee.test.");
	assert_int_equal(x->naddresses, 2);
	assert_string_equal(x->addresses[0], "127.0.2.1");
	assert_string_equal(x->addresses[1], "fd00::2:1");
	assert_int_equal(x->address_status, MXSEC_SECURE);
	assert_string_equal(x->tlsa_base, "mx.dane-ee.test.");
	assert_string_equal(x->tlsa_name, "_25._tcp.mx.dane-ee.test.");
	assert_int_equal(x->tlsa_status, MXSEC_SECURE);
	assert_string_equal(x->tlsa_rcode, "NOERROR");
	assert_int_equal(x->ntlsa, 1);
	assert_int_equal(x->tlsa[0].usage, 3);
	assert_int_equal(x->tlsa[0].selector, 1);
	assert_int_equal(x->tlsa[0].matching_type, 1);
	assert_string_equal(x->tlsa[0].data, "DD8F...");
	assert_string_equal(x->tlsa[0].rdata, "3 1 1 DD8F...");
	assert_true(x->tlsa[0].usable);
	assert_int_equal(x->verdict, MXSEC_VERDICT_DANE);
	assert_string_equal(x->reason, "secure TLSA records: 1 of 1 usable");
	assert_int_equal(exit_for_dane(d), EXIT_SECURE);
	mxsec_dane_free(d);

	/* A DANE reply is not an answer, and the reverse. */
	struct mxsec_answer *a;
	const char *j = example("\"hosts\"");
	assert_int_equal(mxsec_parse_answer(h, j, strlen(j), &a), MXSEC_EPROTO);
	j = example("NXDOMAIN");
	assert_int_equal(mxsec_parse_dane(h, j, strlen(j), &d), MXSEC_EPROTO);
	mxsec_close(h);
}

/* The TLS policy verbs against the examples of doc/protocol.md. */
static void
test_client_policy(void **state)
{
	struct mxsec_dane *d;
	struct mxsec_tlsrpt *t;
	struct mxsec_sts *s;
	struct mxsec_policy *p;
	mxsec *h = mxsec_open(sockpath);

	assert_non_null(h);
	assert_int_equal(mxsec_srv(h, "_submission._tcp.srv.test", &d), 0);
	assert_string_equal(d->service, "_submission._tcp.srv.test.");
	assert_string_equal(d->domain, "srv.test.");
	assert_int_equal(d->port, 0);
	assert_null(d->tlsrpt_result);
	assert_int_equal(d->nhosts, 1);
	assert_int_equal(d->hosts[0].priority, 0);
	assert_int_equal(d->hosts[0].weight, 1);
	assert_int_equal(d->hosts[0].port, 587);
	assert_string_equal(d->hosts[0].tlsa_name, "_587._tcp.smtp.srv.test.");
	assert_int_equal(d->hosts[0].verdict, MXSEC_VERDICT_DANE);
	assert_null(d->hosts[0].tlsrpt_result);
	assert_int_equal(exit_for_dane(d), EXIT_SECURE);
	mxsec_dane_free(d);

	assert_int_equal(mxsec_tlsrpt(h, "srv.test", &t), 0);
	assert_string_equal(t->name, "_smtp._tls.srv.test.");
	assert_int_equal(t->status, MXSEC_SECURE);
	assert_string_equal(t->rcode, "NOERROR");
	assert_int_equal(t->result, MXSEC_TLSRPT_FOUND);
	assert_int_equal(t->nrua, 1);
	assert_string_equal(t->rua[0], "mailto:tlsrpt@srv.test");
	assert_int_equal(exit_for_tlsrpt(t), EXIT_SECURE);
	mxsec_tlsrpt_free(t);

	assert_int_equal(mxsec_sts(h, "example.com", &s), 0);
	assert_string_equal(s->domain, "example.com.");
	assert_int_equal(s->result, MXSEC_STS_POLICY);
	assert_string_equal(s->txt_status, "insecure");
	assert_string_equal(s->txt_id, "20261201");
	assert_true(s->has_policy);
	assert_string_equal(s->mode, "enforce");
	assert_int_equal(s->max_age, 86400);
	assert_int_equal(s->nmx, 2);
	assert_string_equal(s->mx[1], "*.backup.example.com");
	assert_string_equal(s->policy_id, "20261201");
	assert_string_equal(s->source, "cache");
	assert_int_equal(s->fetched_at, 1764892800);
	assert_int_equal(s->age, 12);
	assert_int_equal(s->expires_in, 86388);
	assert_int_equal(exit_for_sts(s), EXIT_SECURE);
	mxsec_sts_free(s);

	assert_int_equal(mxsec_policy(h, "example.com", &p), 0);
	assert_string_equal(p->domain, "example.com.");
	assert_int_equal(p->status, MXSEC_POLICY_OK);
	assert_string_equal(p->policy, "dane-only");
	assert_string_equal(p->reply, "OK dane-only");
	assert_string_equal(p->source, "dane");
	assert_int_equal(p->nreasons, 1);
	assert_string_equal(p->dane_result, "ok");
	assert_string_equal(p->dane_mx_status, "secure");
	assert_int_equal(p->ndane_hosts, 1);
	assert_string_equal(p->dane_hosts[0].name, "mx.example.com");
	assert_string_equal(p->dane_hosts[0].verdict, "dane");
	assert_null(p->dane_hosts[0].tlsrpt_result);
	assert_string_equal(p->sts_result, "none");
	assert_null(p->sts_mode);
	assert_int_equal(exit_for_policy(p), EXIT_SECURE);
	mxsec_policy_free(p);

	/* No policy service: the daemon's error. */
	assert_int_equal(mxsec_sts(h, "none.test", &s), MXSEC_ESERVER);
	assert_null(s);
	assert_non_null(strstr(mxsec_error(h), "unavailable"));
	/* Arguments are one token. */
	assert_int_equal(mxsec_tlsrpt(h, "a b", &t), MXSEC_EINVAL);
	assert_int_equal(mxsec_policy(h, "", &p), MXSEC_EINVAL);
	assert_int_equal(mxsec_srv(h, NULL, &d), MXSEC_EINVAL);
	mxsec_close(h);
}

static void
test_reply_policy(void **state)
{
	struct mxsec_tlsrpt *t;
	struct mxsec_sts *s;
	struct mxsec_policy *p;
	struct mxsec_dane *d;
	mxsec *h = calloc(1, sizeof(*h));
	const char *j;

	assert_non_null(h);
	/* Lenient: unknown fields, nulls, a minimal reply. */
	j = "{\"ok\":true,\"domain\":\"a.\",\"result\":\"none\",\"policy\":null,"
	    "\"source\":null,\"txt_id\":null,\"future\":{\"x\":[1,2]}}";
	assert_int_equal(mxsec_parse_sts(h, j, strlen(j), &s), 0);
	assert_int_equal(s->result, MXSEC_STS_NONE);
	assert_false(s->has_policy);
	assert_null(s->source);
	assert_null(s->txt_id);
	assert_int_equal(exit_for_sts(s), EXIT_INSECURE);
	mxsec_sts_free(s);
	j = "{\"ok\":true,\"domain\":\"a.\",\"result\":\"temp\",\"reason\":\"x\"}";
	assert_int_equal(mxsec_parse_sts(h, j, strlen(j), &s), 0);
	assert_int_equal(exit_for_sts(s), EXIT_DEFER);
	assert_string_equal(mxsec_sts_result_name(s->result), "temp");
	mxsec_sts_free(s);
	j = "{\"ok\":true,\"domain\":\"a.\",\"result\":\"maybe\"}";
	assert_int_equal(mxsec_parse_sts(h, j, strlen(j), &s), MXSEC_EPROTO);
	assert_non_null(strstr(mxsec_error(h), "result"));
	j = "{\"ok\":true,\"domain\":\"a.\",\"result\":\"policy\",\"policy\":{\"mx\":[]}}";
	assert_int_equal(mxsec_parse_sts(h, j, strlen(j), &s), MXSEC_EPROTO);
	assert_non_null(strstr(mxsec_error(h), "policy.mode"));

	j = "{\"ok\":true,\"domain\":\"a.\",\"status\":\"TEMP\",\"policy\":null,"
	    "\"reply\":\"TEMP dns lookup failed\",\"new\":1}";
	assert_int_equal(mxsec_parse_policy(h, j, strlen(j), &p), 0);
	assert_int_equal(p->status, MXSEC_POLICY_TEMP);
	assert_null(p->policy);
	assert_int_equal(p->ndane_hosts, 0);
	assert_int_equal(exit_for_policy(p), EXIT_DEFER);
	mxsec_policy_free(p);
	j = "{\"ok\":true,\"domain\":\"a.\",\"status\":\"NOTFOUND\","
	    "\"dane\":{\"hosts\":[{\"name\":\"m\",\"verdict\":\"may\","
	    "\"tlsrpt_result\":\"dane-required\"}]}}";
	assert_int_equal(mxsec_parse_policy(h, j, strlen(j), &p), 0);
	assert_int_equal(exit_for_policy(p), EXIT_INSECURE);
	assert_string_equal(p->dane_hosts[0].tlsrpt_result, "dane-required");
	assert_string_equal(mxsec_policy_status_name(p->status), "NOTFOUND");
	mxsec_policy_free(p);
	j = "{\"ok\":true,\"domain\":\"a.\",\"status\":\"OK\",\"dane\":{\"hosts\":[7]}}";
	assert_int_equal(mxsec_parse_policy(h, j, strlen(j), &p), MXSEC_EPROTO);
	assert_non_null(strstr(mxsec_error(h), "dane.hosts[0]"));

	j = "{\"ok\":true,\"name\":\"_smtp._tls.a.\",\"status\":\"bogus\","
	    "\"rcode\":\"SERVFAIL\",\"result\":\"defer\",\"reason\":\"r\"}";
	assert_int_equal(mxsec_parse_tlsrpt(h, j, strlen(j), &t), 0);
	assert_int_equal(t->nrua, 0);
	assert_int_equal(exit_for_tlsrpt(t), EXIT_DEFER);
	mxsec_tlsrpt_free(t);
	j = "{\"ok\":true,\"name\":\"_smtp._tls.a.\",\"status\":\"secure\","
	    "\"rcode\":\"NOERROR\",\"result\":\"invalid\",\"reason\":\"r\"}";
	assert_int_equal(mxsec_parse_tlsrpt(h, j, strlen(j), &t), 0);
	assert_int_equal(exit_for_tlsrpt(t), EXIT_INSECURE);
	assert_string_equal(mxsec_tlsrpt_result_name(t->result), "invalid");
	mxsec_tlsrpt_free(t);
	/* found needs its rua. */
	j = "{\"ok\":true,\"name\":\"_smtp._tls.a.\",\"status\":\"secure\","
	    "\"rcode\":\"NOERROR\",\"result\":\"found\"}";
	assert_int_equal(mxsec_parse_tlsrpt(h, j, strlen(j), &t), MXSEC_EPROTO);
	assert_non_null(strstr(mxsec_error(h), "rua"));

	/* SRV replies: no-service, and a host needs its priority/port. */
	j = "{\"ok\":true,\"service\":\"_imap._tcp.a.\",\"domain\":\"a.\","
	    "\"result\":\"no-service\",\"tlsrpt_result\":null,\"hosts\":[]}";
	assert_int_equal(mxsec_parse_dane(h, j, strlen(j), &d), 0);
	assert_int_equal(d->result, MXSEC_RESULT_NO_SERVICE);
	assert_int_equal(exit_for_dane(d), EXIT_NOTEXIST);
	assert_string_equal(mxsec_result_name(d->result), "no-service");
	mxsec_dane_free(d);
	j = "{\"ok\":true,\"service\":\"_imap._tcp.a.\",\"domain\":\"a.\","
	    "\"result\":\"ok\",\"hosts\":[{\"priority\":1,\"weight\":0,"
	    "\"name\":\"m.\",\"verdict\":\"may\"}]}";
	assert_int_equal(mxsec_parse_dane(h, j, strlen(j), &d), MXSEC_EPROTO);
	assert_non_null(strstr(mxsec_error(h), "hosts[0].port"));
	/* A DANE reply without port is still malformed. */
	j = "{\"ok\":true,\"domain\":\"a.\",\"result\":\"ok\",\"hosts\":[]}";
	assert_int_equal(mxsec_parse_dane(h, j, strlen(j), &d), MXSEC_EPROTO);
	free(h);
}

static void
test_client_failures(void **state)
{
	struct mxsec_answer *a;
	char *raw;
	mxsec *h = mxsec_open(sockpath);

	assert_non_null(h);
	/* The daemon closes: an error, then the next call reconnects. */
	assert_int_equal(mxsec_lookup(h, "A", "close.test", &a), MXSEC_EIO);
	assert_non_null(strstr(mxsec_error(h), "closed the connection"));
	assert_int_equal(mxsec_ping(h, NULL), 0);
	assert_int_equal(mxsec_lookup(h, "A", "half.test", &a), MXSEC_EIO);
	assert_int_equal(mxsec_ping(h, NULL), 0);

	/* A malformed reply: an error, not a crash, and a new connection. */
	assert_int_equal(mxsec_lookup(h, "A", "garbage.test", &a), MXSEC_EPROTO);
	assert_null(a);
	assert_non_null(strstr(mxsec_error(h), "malformed reply"));
	assert_int_equal(mxsec_request_raw(h, "A garbage.test", &raw),
	    MXSEC_EPROTO);
	assert_null(raw);
	assert_int_equal(mxsec_ping(h, NULL), 0);
	/* A PING reply to a lookup is malformed too. */
	assert_int_equal(mxsec_parse_ping(h, "{\"ok\":true}", 11, NULL),
	    MXSEC_EPROTO);

	/* Timeout; the late reply must not answer the next request. */
	mxsec_set_timeout(h, 300);
	assert_int_equal(mxsec_lookup(h, "A", "slow.test", &a), MXSEC_ETIMEOUT);
	assert_non_null(strstr(mxsec_error(h), "within 300 ms"));
	mxsec_set_timeout(h, 5000);
	assert_int_equal(mxsec_lookup(h, "A", "nx.mail", &a), 0);
	assert_string_equal(a->rcode, "NXDOMAIN");
	mxsec_answer_free(a);

	/* Two replies to one request: the second is held for the next
	 * call, which then sees a reply of the wrong kind.  Pipelining is
	 * the caller's affair: raw requests get raw lines in order. */
	assert_int_equal(mxsec_request_raw(h, "A two.test", &raw), 0);
	assert_non_null(strstr(raw, "pong"));
	free(raw);
	assert_int_equal(mxsec_request_raw(h, "A nx.mail", &raw), 0);
	assert_non_null(strstr(raw, "pong"));
	free(raw);
	mxsec_close(h);

	/* Nobody listening. */
	char path[200];
	snprintf(path, sizeof(path), "%s/none.sock", sockdir);
	errno = 0;
	assert_null(mxsec_open(path));
	assert_int_equal(errno, ENOENT);
	memset(path, 'x', sizeof(path) - 1);
	path[sizeof(path) - 1] = 0;
	assert_null(mxsec_open(path));
	assert_int_equal(errno, ENAMETOOLONG);
}

static void
test_default_socket(void **state)
{
	char buf[256];
	char want[256];

	setenv("MXSEC_SOCKET", "/x/y.sock", 1);
	assert_int_equal(mxsec_default_socket(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/x/y.sock");
	assert_int_equal(mxsec_default_socket(buf, 5), MXSEC_EINVAL);
	setenv("MXSEC_SOCKET", "", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
	assert_int_equal(mxsec_default_socket(buf, sizeof(buf)), 0);
	if (geteuid() == 0) {
		assert_string_equal(buf, "/run/mxsec/mxsecd.sock");
	} else {
		assert_string_equal(buf, "/run/user/7/mxsec/mxsecd.sock");
		setenv("XDG_RUNTIME_DIR", "relative", 1);
		assert_int_equal(mxsec_default_socket(buf, sizeof(buf)), 0);
		snprintf(want, sizeof(want), "/tmp/mxsec-%lu/mxsecd.sock",
		    (unsigned long)geteuid());
		assert_string_equal(buf, want);
		unsetenv("XDG_RUNTIME_DIR");
		assert_int_equal(mxsec_default_socket(buf, sizeof(buf)), 0);
		assert_string_equal(buf, want);
	}
	unsetenv("MXSEC_SOCKET");
	assert_string_equal(mxsec_strerror(MXSEC_ETIMEOUT),
	    "timed out waiting for the daemon");
	assert_string_equal(mxsec_strerror(12345), "unknown error");
	assert_string_equal(mxsec_error(NULL), "no handle");
	assert_non_null(mxsec_version());
}

/* ---- mxsec(1) exit statuses ---- */

static struct mxsec_host
host(enum mxsec_verdict v, enum mxsec_status as, enum mxsec_status ts)
{
	struct mxsec_host x;

	memset(&x, 0, sizeof(x));
	x.verdict = v;
	x.address_status = as;
	x.tlsa_status = ts;
	return x;
}

static int
dane_exit(enum mxsec_result r, enum mxsec_status mx, size_t n, ...)
{
	struct mxsec_host hosts[8];
	struct mxsec_dane d;
	va_list ap;

	memset(&d, 0, sizeof(d));
	d.result = r;
	d.mx_status = mx;
	va_start(ap, n);
	for (size_t k = 0; k < n; k++)
		hosts[k] = va_arg(ap, struct mxsec_host);
	va_end(ap);
	d.hosts = hosts;
	d.nhosts = n;
	return exit_for_dane(&d);
}

static void
test_exit_codes(void **state)
{
	struct mxsec_answer a;
	const enum mxsec_status S = MXSEC_SECURE, I = MXSEC_INSECURE,
	    B = MXSEC_BOGUS, N = MXSEC_STATUS_NONE;

	memset(&a, 0, sizeof(a));
	a.rcode = "NOERROR";
	a.status = S;
	assert_int_equal(exit_for_answer(&a), 0);
	a.status = I;
	assert_int_equal(exit_for_answer(&a), 1);
	a.status = MXSEC_INDETERMINATE;
	assert_int_equal(exit_for_answer(&a), 1);
	a.rcode = "NXDOMAIN";
	assert_int_equal(exit_for_answer(&a), 1);
	a.status = S;
	assert_int_equal(exit_for_answer(&a), 0);
	a.rcode = "SERVFAIL";
	a.status = B;
	assert_int_equal(exit_for_answer(&a), 2);
	a.status = I;
	assert_int_equal(exit_for_answer(&a), 3);
	a.status = S;
	assert_int_equal(exit_for_answer(&a), 3);
	a.rcode = "REFUSED";
	assert_int_equal(exit_for_answer(&a), 3);

	struct mxsec_host dane = host(MXSEC_VERDICT_DANE, S, S),
	    may = host(MXSEC_VERDICT_MAY, I, N),
	    enc = host(MXSEC_VERDICT_ENCRYPT, S, S),
	    dfr = host(MXSEC_VERDICT_DEFER, S, MXSEC_INDETERMINATE),
	    dfr_ab = host(MXSEC_VERDICT_DEFER, B, N),
	    dfr_tb = host(MXSEC_VERDICT_DEFER, S, B);

	assert_int_equal(dane_exit(MXSEC_RESULT_OK, S, 1, dane), 0);
	assert_int_equal(dane_exit(MXSEC_RESULT_OK, S, 2, dane, dane), 0);
	assert_int_equal(dane_exit(MXSEC_RESULT_OK, S, 2, dane, may), 1);
	assert_int_equal(dane_exit(MXSEC_RESULT_OK, I, 1, may), 1);
	assert_int_equal(dane_exit(MXSEC_RESULT_OK, S, 1, enc), 1);
	assert_int_equal(dane_exit(MXSEC_RESULT_OK, S, 2, dane, dfr), 3);
	assert_int_equal(dane_exit(MXSEC_RESULT_OK, S, 2, dfr, may), 3);
	assert_int_equal(dane_exit(MXSEC_RESULT_OK, S, 2, dane, dfr_ab), 2);
	assert_int_equal(dane_exit(MXSEC_RESULT_OK, S, 3, dfr, may, dfr_tb), 2);
	assert_int_equal(dane_exit(MXSEC_RESULT_OK, S, 0), 3);
	assert_int_equal(dane_exit(MXSEC_RESULT_DEFER, B, 0), 2);
	assert_int_equal(dane_exit(MXSEC_RESULT_DEFER, MXSEC_INDETERMINATE, 0), 3);
	assert_int_equal(dane_exit(MXSEC_RESULT_DEFER, N, 0), 3);
	assert_int_equal(dane_exit(MXSEC_RESULT_NXDOMAIN, S, 0), 4);
	assert_int_equal(dane_exit(MXSEC_RESULT_NULL_MX, S, 0), 4);
	assert_int_equal(dane_exit(MXSEC_RESULT_NULL_MX, I, 0), 4);

	assert_int_equal(exit_for_error(MXSEC_EINVAL), 64);
	assert_int_equal(exit_for_error(MXSEC_EBADREQ), 64);
	assert_int_equal(exit_for_error(MXSEC_ECONNECT), 69);
	assert_int_equal(exit_for_error(MXSEC_EIO), 69);
	assert_int_equal(exit_for_error(MXSEC_ETIMEOUT), 69);
	assert_int_equal(exit_for_error(MXSEC_EBUSY), 69);
	assert_int_equal(exit_for_error(MXSEC_EPROTO), 70);
	assert_int_equal(exit_for_error(MXSEC_ESERVER), 70);
	assert_int_equal(exit_for_error(MXSEC_ENOMEM), 70);
}

int
main(void)
{
	const struct CMUnitTest json[] = {
		cmocka_unit_test(test_json_scalars),
		cmocka_unit_test(test_json_strings),
		cmocka_unit_test(test_json_structures),
		cmocka_unit_test(test_json_invalid),
		cmocka_unit_test(test_json_limits),
		cmocka_unit_test(test_reply_records),
		cmocka_unit_test(test_reply_malformed),
		cmocka_unit_test(test_reply_dane),
		cmocka_unit_test(test_reply_policy),
		cmocka_unit_test(test_default_socket),
		cmocka_unit_test(test_exit_codes),
	};
	const struct CMUnitTest client[] = {
		cmocka_unit_test(test_examples_parse),
		cmocka_unit_test(test_client_lookups),
		cmocka_unit_test(test_client_dane),
		cmocka_unit_test(test_client_policy),
		cmocka_unit_test(test_client_failures),
	};
	int rc;

	rc = cmocka_run_group_tests_name("json", json, NULL, NULL);
	rc |= cmocka_run_group_tests_name("client", client, server_setup,
	    server_teardown);
	return rc;
}
