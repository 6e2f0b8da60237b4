/* Unit tests: the HTTP/1.x response parser (policy/http.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "err.h"
#include "http.h"

static http_parser P;
static uint8_t body[4096];

#define POLICY "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n" \
	"max_age: 86400\r\n"

/* Feed s in pieces of step octets (0: whole), as a socket reader does:
 * once more after the head even with nothing left; then the end of the
 * connection unless the message ended.  Returns the last result. */
static int
feed_step(const char *s, size_t len, size_t cap, size_t step)
{
	const uint8_t *d = (const uint8_t *)s;
	size_t off = 0, used;
	int rc;

	http_init(&P, body, cap);
	while (off < len) {
		size_t piece = step == 0 || step > len - off ? len - off : step;
		const uint8_t *q = d + off;
		off += piece;
		for (;;) {
			bool head = http_head_done(&P);
			rc = http_feed(&P, q, piece, &used);
			assert_true(used <= piece);
			q += used;
			piece -= used;
			if (rc != 0 || http_done(&P))
				return rc;
			if (piece == 0 && head == http_head_done(&P))
				break;
		}
	}
	return http_eof(&P);
}

static int
feed(const char *s, size_t cap)
{
	return feed_step(s, strlen(s), cap, 0);
}

/* The same outcome for every split size. */
static void
expect_all_splits(const char *s, size_t cap, int want, int status,
    const char *want_body)
{
	for (size_t step = 0; step <= 17; step++) {
		int rc = feed_step(s, strlen(s), cap, step);
		assert_int_equal(rc, want);
		assert_int_equal(P.status, status);
		if (want == 0) {
			assert_true(http_done(&P));
			assert_int_equal(P.len, strlen(want_body));
			assert_memory_equal(body, want_body, P.len);
			assert_string_equal(P.why.text, "");
		} else {
			assert_string_not_equal(P.why.text, "");
		}
	}
}

static void
test_content_length(void **state)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %zu\r\nServer: x\r\n\r\n%s", strlen(POLICY), POLICY);
	expect_all_splits(msg, sizeof(body), 0, 200, POLICY);
	assert_int_equal(P.framing, HTTP_BODY_LENGTH);
	assert_int_equal(P.minor, 1);
	assert_true(http_media_type_is(&P, "text/plain"));
	assert_string_equal(P.ctype, "text/plain; charset=utf-8");
	/* Exactly the buffer size fits. */
	expect_all_splits(msg, strlen(POLICY), 0, 200, POLICY);
	/* One octet less: refused before any body octet is taken. */
	expect_all_splits(msg, strlen(POLICY) - 1, MX_ELIMIT, 200, NULL);
	assert_int_equal(P.len, 0);
}

static void
test_length_limit_at_once(void **state)
{
	const char *h = "HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n";
	size_t used;

	/* The head alone: the next call fails even with no data. */
	http_init(&P, body, sizeof(body));
	assert_int_equal(http_feed(&P, (const uint8_t *)h, strlen(h), &used), 0);
	assert_int_equal(used, strlen(h));
	assert_true(http_head_done(&P));
	assert_int_equal(P.content_length, 70000);
	assert_int_equal(http_feed(&P, NULL, 0, &used), MX_ELIMIT);
	assert_string_equal(P.why.text, "Content-Length over 4096 octets");
	/* Sticky. */
	assert_int_equal(http_feed(&P, (const uint8_t *)"x", 1, &used),
	    MX_ELIMIT);
	assert_int_equal(http_eof(&P), MX_ELIMIT);
}

static void
test_chunked(void **state)
{
	const char *msg = "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: Chunked\r\nContent-Type: TEXT/Plain\r\n\r\n"
	    "5\r\nhello\r\n"
	    "1;name=value;x=\"q\"\r\n,\r\n"
	    "00006 ; ext\r\n world\r\n"
	    "0\r\nExpires: never\r\nX-Other:\r\n\r\n";

	expect_all_splits(msg, sizeof(body), 0, 200, "hello, world");
	assert_int_equal(P.framing, HTTP_BODY_CHUNKED);
	assert_true(http_media_type_is(&P, "text/plain"));
	/* Exactly at the limit, and one over. */
	expect_all_splits(msg, 12, 0, 200, "hello, world");
	expect_all_splits(msg, 11, MX_ELIMIT, 200, NULL);
	/* Refused at the chunk-size line, before the chunk data. */
	const char *big = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "10001\r\n";
	assert_int_equal(feed(big, sizeof(body)), MX_ELIMIT);
	assert_string_equal(P.why.text, "body over 4096 octets");
	/* A size that would overflow 64 bits. */
	const char *huge = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "fffffffffffffffffffffffff\r\n";
	assert_int_equal(feed(huge, SIZE_MAX), MX_ELIMIT);
	/* Leading zeros are fine. */
	expect_all_splits("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "0000000000000000000000000000002\r\nab\r\n0\r\n\r\n",
	    sizeof(body), 0, 200, "ab");
}

static void
test_chunked_bad(void **state)
{
	static const char *bad[] = {
		"x\r\n",                 /* not hex */
		"\r\n",                  /* no size */
		"5 x\r\nhello\r\n0\r\n\r\n",   /* junk after the size */
		"5\r\nhelloX\r\n0\r\n\r\n",     /* no CRLF after the data */
		"5\r\nhello\r\r\n0\r\n\r\n",
		"5;a\001\r\nhello\r\n0\r\n\r\n", /* control in an extension */
		"0\r\n bad: fold\r\n\r\n",      /* trailer folding */
		"0\r\nbad field\r\n\r\n",       /* trailer without a colon */
	};
	char msg[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(msg, sizeof(msg),
		    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%s",
		    bad[i]);
		assert_int_equal(feed(msg, sizeof(body)), MX_EFORMAT);
	}
	/* A chunk-size line too long, and a trailer section too long. */
	char *m = malloc(40000);
	assert_non_null(m);
	strcpy(m, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;");
	memset(m + strlen(m), 'e', 2000);
	m[strlen("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;") +
	    2000] = '\0';
	assert_int_equal(feed(m, sizeof(body)), MX_ELIMIT);
	assert_string_equal(P.why.text, "chunk-size line over 1024 octets");
	strcpy(m, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n");
	for (int i = 0; i < 2000; i++)
		strcat(m, "X-T: 12345678\r\n");
	assert_int_equal(feed(m, sizeof(body)), MX_ELIMIT);
	assert_string_equal(P.why.text, "trailer section over 16384 octets");
	free(m);
	/* Cut short. */
	assert_int_equal(feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n5\r\nhel", sizeof(body)), MX_ETRUNC);
	assert_string_equal(P.why.text, "connection closed after 3 body octets");
	assert_int_equal(feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n5\r\nhello\r\n0\r\n", sizeof(body)), MX_ETRUNC);
}

static void
test_close_delimited(void **state)
{
	const char *msg = "HTTP/1.0 200 OK\ncontent-type:text/plain\n\n" POLICY;

	/* Bare LF line ends are accepted (RFC 9112 2.2). */
	expect_all_splits(msg, sizeof(body), 0, 200, POLICY);
	assert_int_equal(P.framing, HTTP_BODY_CLOSE);
	assert_int_equal(P.minor, 0);
	assert_true(http_media_type_is(&P, "text/plain"));
	expect_all_splits(msg, strlen(POLICY), 0, 200, POLICY);
	expect_all_splits(msg, strlen(POLICY) - 1, MX_ELIMIT, 200, NULL);

	/* Over the limit fails with the octet that does not fit, not at
	 * the end of the connection. */
	size_t used;
	const char *h = "HTTP/1.1 200 OK\r\n\r\n";
	http_init(&P, body, 10);
	assert_int_equal(http_feed(&P, (const uint8_t *)h, strlen(h), &used), 0);
	assert_int_equal(http_feed(&P, (const uint8_t *)"0123456789", 10, &used), 0);
	assert_false(http_done(&P));
	assert_int_equal(http_feed(&P, (const uint8_t *)"a", 1, &used), MX_ELIMIT);
	assert_int_equal(P.len, 10);
	/* An empty body. */
	expect_all_splits("HTTP/1.1 200 OK\r\n\r\n", sizeof(body), 0, 200, "");
}

static void
test_no_body(void **state)
{
	expect_all_splits("HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n",
	    sizeof(body), 0, 204, "");
	assert_int_equal(P.framing, HTTP_BODY_NONE);
	expect_all_splits("HTTP/1.1 304 Not Modified\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", sizeof(body), 0, 304, "");
	expect_all_splits("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	    0, 0, 200, "");
	/* Bytes after the message are not consumed. */
	const char *two = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabHTTP";
	size_t used, off = 0;
	http_init(&P, body, sizeof(body));
	while (!http_done(&P)) {
		assert_int_equal(http_feed(&P, (const uint8_t *)two + off,
		    strlen(two) - off, &used), 0);
		off += used;
	}
	assert_int_equal(off, strlen(two) - 4);
}

static void
test_redirect_and_errors(void **state)
{
	expect_all_splits("HTTP/1.1 301 Moved Permanently\r\n"
	    "Location: https://elsewhere.example/\r\nContent-Length: 0\r\n\r\n",
	    sizeof(body), 0, 301, "");
	expect_all_splits("HTTP/1.1 404 \r\nContent-Type: text/html\r\n\r\n"
	    "<html>", sizeof(body), 0, 404, "<html>");
	assert_false(http_media_type_is(&P, "text/plain"));
	/* The head can be read before a body that will not fit. */
	size_t used;
	const char *h = "HTTP/1.1 404 Not Found\r\nContent-Length: 99999\r\n\r\n";
	http_init(&P, body, 16);
	assert_int_equal(http_feed(&P, (const uint8_t *)h, strlen(h), &used), 0);
	assert_true(http_head_done(&P));
	assert_int_equal(P.status, 404);
}

static void
test_interim(void **state)
{
	expect_all_splits("HTTP/1.1 100 Continue\r\n\r\n"
	    "HTTP/1.1 103 Early Hints\r\nLink: </x>\r\nContent-Length: 9\r\n\r\n"
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
	    sizeof(body), 0, 200, "ok");
	assert_false(P.has_ctype);
	assert_false(http_media_type_is(&P, "text/plain"));
	assert_int_equal(feed("HTTP/1.1 101 Switching Protocols\r\n\r\n",
	    sizeof(body)), MX_EFORMAT);
	char msg[1024] = "";
	for (int i = 0; i < HTTP_INTERIM_MAX + 1; i++)
		strcat(msg, "HTTP/1.1 100 Continue\r\n\r\n");
	strcat(msg, "HTTP/1.1 200 OK\r\n\r\n");
	assert_int_equal(feed(msg, sizeof(body)), MX_ELIMIT);
	assert_string_equal(P.why.text, "more than 8 1xx responses");
}

static void
test_status_line(void **state)
{
	static const char *bad[] = {
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.2 200 OK\r\n\r\n",
		"http/1.1 200 OK\r\n\r\n",
		"HTTP/1.1  200 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 099 Low\r\n\r\n",
		"HTTP/1.1 600 High\r\n\r\n",
		"HTTP/1.1 200 O\001K\r\n\r\n",
		"HTTP/1.1 200 OK\r\r\n\r\n",
		"\r\nHTTP/1.1 200 OK\r\n\r\n",
		"HTTP/1.1\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(feed(bad[i], sizeof(body)), MX_EFORMAT);
	/* No reason phrase, with and without the space. */
	expect_all_splits("HTTP/1.1 200\r\n\r\n", sizeof(body), 0, 200, "");
	expect_all_splits("HTTP/1.1 200 \r\n\r\n", sizeof(body), 0, 200, "");

	/* Garbage fails on its first octet, whatever follows. */
	size_t used;
	http_init(&P, body, sizeof(body));
	assert_int_equal(http_feed(&P, (const uint8_t *)"SSH-2.0-x", 9, &used),
	    MX_EFORMAT);
	assert_string_equal(P.why.text, "not an HTTP/1.x response");
	http_init(&P, body, sizeof(body));
	assert_int_equal(http_feed(&P, (const uint8_t *)"HTTP/1.", 7, &used), 0);
	assert_int_equal(http_feed(&P, (const uint8_t *)"1 2", 3, &used), 0);
	assert_int_equal(http_eof(&P), MX_ETRUNC);
	assert_string_equal(P.why.text,
	    "connection closed in the header section");
	http_init(&P, body, sizeof(body));
	assert_int_equal(http_eof(&P), MX_ETRUNC);
	assert_string_equal(P.why.text, "connection closed before a response");
}

static void
test_fields(void **state)
{
	static const struct {
		const char *fields;
		int rc;
	} cases[] = {
		{ "X: a\r\n b\r\n", MX_EFORMAT },          /* obs-fold */
		{ "X: a\r\n\tb\r\n", MX_EFORMAT },
		{ "X : a\r\n", MX_EFORMAT },                /* space before : */
		{ ": a\r\n", MX_EFORMAT },
		{ "X\r\n", MX_EFORMAT },
		{ "X(y): a\r\n", MX_EFORMAT },
		{ "X: a\rb\r\n", MX_EFORMAT },              /* bare CR */
		{ "X: a\001b\r\n", MX_EFORMAT },
		{ "X: a\177b\r\n", MX_EFORMAT },
		{ "Content-Length: +5\r\n", MX_EFORMAT },
		{ "Content-Length: 5 5\r\n", MX_EFORMAT },
		{ "Content-Length: 5, 5\r\n", MX_EFORMAT },
		{ "Content-Length:\r\n", MX_EFORMAT },
		{ "Content-Length: 0x10\r\n", MX_EFORMAT },
		{ "Content-Length: 18446744073709551616\r\n", MX_EFORMAT },
		{ "Content-Length: 5\r\nContent-Length: 6\r\n", MX_EFORMAT },
		{ "Transfer-Encoding: gzip\r\n", MX_EFORMAT },
		{ "Transfer-Encoding: gzip, chunked\r\n", MX_EFORMAT },
		{ "Transfer-Encoding: chunked, chunked\r\n", MX_EFORMAT },
		{ "Transfer-Encoding: identity\r\n", MX_EFORMAT },
		{ "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
		    MX_EFORMAT },
		{ "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
		    MX_EFORMAT },
		{ "Content-Type: text/plain\r\nContent-Type: text/plain\r\n",
		    MX_EFORMAT },
	};
	char msg[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(msg, sizeof(msg), "HTTP/1.1 200 OK\r\n%s\r\n0\r\n\r\n",
		    cases[i].fields);
		assert_int_equal(feed(msg, sizeof(body)), cases[i].rc);
		assert_false(http_head_done(&P));
	}
	/* NUL in a value. */
	const char nul[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n";
	assert_int_equal(feed_step(nul, sizeof(nul) - 1, sizeof(body), 0),
	    MX_EFORMAT);
	/* Equal Content-Length fields agree; obs-text and empty values are
	 * fine. */
	expect_all_splits("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "content-length: 02\r\nX-Empty:\r\nX-Text: caf\xc3\xa9\r\n\r\nok",
	    sizeof(body), 0, 200, "ok");
	/* Transfer-Encoding is 1.1 only (RFC 9112 6.1). */
	assert_int_equal(feed("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n0\r\n\r\n", sizeof(body)), MX_EFORMAT);
}

static void
test_reasons_hold_no_peer_bytes(void **state)
{
	static const char *msgs[] = {
		"HTTP/1.1 200 XYZZY\001\r\n\r\n",
		"HTTP/1.1 200 OK\r\nXYZZY : 1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: XYZZY\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: XYZZY\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nXYZZY\r\n",
		"XYZZY",
	};

	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		assert_int_equal(feed(msgs[i], sizeof(body)), MX_EFORMAT);
		assert_null(strstr(P.why.text, "XYZZY"));
		assert_null(strstr(P.why.text, "xyzzy"));
	}
}

static void
test_head_limits(void **state)
{
	char *m = malloc(HTTP_HEAD_MAX + 1024);
	size_t n;

	assert_non_null(m);
	/* Exactly HTTP_HEAD_MAX octets of head fit; one more does not. */
	strcpy(m, "HTTP/1.1 200 OK\r\nX: ");
	n = strlen(m);
	memset(m + n, 'a', HTTP_HEAD_MAX - n - 4);
	memcpy(m + HTTP_HEAD_MAX - 4, "\r\n\r\n", 5);
	assert_int_equal(strlen(m), HTTP_HEAD_MAX);
	assert_int_equal(feed(m, sizeof(body)), 0);
	memmove(m + n + 1, m + n, HTTP_HEAD_MAX - n + 1);
	assert_int_equal(feed(m, sizeof(body)), MX_ELIMIT);
	assert_string_equal(P.why.text, "header section over 16384 octets");
	/* A line without an end. */
	memset(m, 'a', HTTP_HEAD_MAX + 10);
	memcpy(m, "HTTP/1.1 ", 9);
	m[HTTP_HEAD_MAX + 10] = '\0';
	assert_int_equal(feed(m, sizeof(body)), MX_ELIMIT);
	/* Too many fields. */
	strcpy(m, "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i <= HTTP_FIELDS_MAX; i++)
		strcat(m, "A: b\r\n");
	strcat(m, "\r\n");
	assert_int_equal(feed(m, sizeof(body)), MX_ELIMIT);
	assert_string_equal(P.why.text, "more than 100 header fields");
	free(m);
}

static void
test_media_type(void **state)
{
	static const struct {
		const char *ct;
		bool match;
	} cases[] = {
		{ "text/plain", true },
		{ "Text/PLAIN", true },
		{ "text/plain;charset=utf-8", true },
		{ "text/plain ; charset=\"utf-8\"", true },
		{ "text/plain\t", true },
		{ "text/plain2", false },
		{ "text/plainx; a=b", false },
		{ "text/html", false },
		{ "text", false },
		{ "", false },
		{ "text/plain, text/html", false },
	};
	char msg[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(msg, sizeof(msg),
		    "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n\r\n", cases[i].ct);
		assert_int_equal(feed(msg, sizeof(body)), 0);
		assert_true(P.has_ctype);
		assert_int_equal(http_media_type_is(&P, "text/plain"),
		    cases[i].match);
	}
	/* A long value is kept cut, and marked. */
	char *m = malloc(1024);
	assert_non_null(m);
	strcpy(m, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; x=");
	memset(m + strlen(m), 'y', 300);
	strcpy(m + strlen("HTTP/1.1 200 OK\r\nContent-Type: text/plain; x=") +
	    300, "\r\n\r\n");
	assert_int_equal(feed(m, sizeof(body)), 0);
	assert_true(P.ctype_cut);
	assert_int_equal(strlen(P.ctype), HTTP_CTYPE_MAX);
	free(m);
}

/* Random responses built from valid parts, fed in random pieces: the body
 * always comes out whole. */
static void
test_random_chunkings(void **state)
{
	uint32_t seed = 12345;
	char *msg = malloc(65536);
	char want[2048];

	assert_non_null(msg);
	for (int iter = 0; iter < 300; iter++) {
		size_t blen = 0, o = 0;
		seed = seed * 1103515245u + 12345u;
		blen = (seed >> 8) % sizeof(want);
		for (size_t i = 0; i < blen; i++)
			want[i] = (char)('!' + (i * 7 + iter) % 90);
		want[blen] = '\0';
		int kind = iter % 3;
		o += (size_t)sprintf(msg + o, "HTTP/1.1 200 OK\r\n");
		if (kind == 0) {
			o += (size_t)sprintf(msg + o, "Content-Length: %zu\r\n\r\n%s",
			    blen, want);
		} else if (kind == 1) {
			o += (size_t)sprintf(msg + o,
			    "Transfer-Encoding: chunked\r\n\r\n");
			for (size_t i = 0; i < blen;) {
				seed = seed * 1103515245u + 12345u;
				size_t c = 1 + (seed >> 8) % 300;
				if (c > blen - i)
					c = blen - i;
				o += (size_t)sprintf(msg + o, "%zx\r\n%.*s\r\n", c,
				    (int)c, want + i);
				i += c;
			}
			o += (size_t)sprintf(msg + o, "0\r\n\r\n");
		} else {
			o += (size_t)sprintf(msg + o, "\r\n%s", want);
		}
		seed = seed * 1103515245u + 12345u;
		size_t step = 1 + (seed >> 8) % 97;
		assert_int_equal(feed_step(msg, o, sizeof(body), step), 0);
		assert_int_equal(P.len, blen);
		assert_memory_equal(body, want, blen);
	}
	free(msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_length_limit_at_once),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_chunked_bad),
		cmocka_unit_test(test_close_delimited),
		cmocka_unit_test(test_no_body),
		cmocka_unit_test(test_redirect_and_errors),
		cmocka_unit_test(test_interim),
		cmocka_unit_test(test_status_line),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_reasons_hold_no_peer_bytes),
		cmocka_unit_test(test_head_limits),
		cmocka_unit_test(test_media_type),
		cmocka_unit_test(test_random_chunkings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
