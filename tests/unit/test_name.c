/* Unit tests: domain names (wire, compression, presentation, ordering). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "err.h"
#include "name.h"

static void
n(const char *s, uint8_t out[NAME_MAX_WIRE])
{
	assert_int_equal(name_from_cstr(s, out), 0);
}

static void
test_from_to_str(void **state)
{
	uint8_t w[NAME_MAX_WIRE];
	char buf[NAME_MAX_STR];
	size_t len;

	assert_int_equal(name_from_str("www.Example.com.", 16, NULL, w, &len), 0);
	assert_int_equal(len, 17);
	assert_memory_equal(w, "\3www\7Example\3com", 17);
	assert_int_equal(name_to_str(w, buf, sizeof(buf)), 16);
	assert_string_equal(buf, "www.Example.com.");

	/* Without the trailing dot and no origin: absolute all the same. */
	n("example.com", w);
	assert_int_equal(name_len(w), 13);

	n(".", w);
	assert_int_equal(name_len(w), 1);
	assert_int_equal(name_to_str(w, buf, sizeof(buf)), 1);
	assert_string_equal(buf, ".");

	/* Escapes: \. inside a label, \DDD, \\ (RFC 1035 5.1). */
	n("a\\.b.c\\032d.\\\\.", w);
	assert_memory_equal(w, "\3a.b\3c d\1\\", 11);
	name_to_str(w, buf, sizeof(buf));
	assert_string_equal(buf, "a\\.b.c\\032d.\\\\.");

	/* Non-printables come out as \DDD and read back the same. */
	const uint8_t bin[] = { 3, 0, 0xff, '"', 0 };
	name_to_str(bin, buf, sizeof(buf));
	assert_string_equal(buf, "\\000\\255\\\".");
	n(buf, w);
	assert_memory_equal(w, bin, sizeof(bin));
}

static void
test_from_str_errors(void **state)
{
	uint8_t w[NAME_MAX_WIRE];
	char big[400];

	assert_int_equal(name_from_cstr("", w), MX_ESYNTAX);
	assert_int_equal(name_from_cstr("a..b", w), MX_ESYNTAX);
	assert_int_equal(name_from_cstr(".a", w), MX_ESYNTAX);
	assert_int_equal(name_from_cstr("a\\", w), MX_ESYNTAX);
	assert_int_equal(name_from_cstr("a\\25", w), MX_ESYNTAX);
	assert_int_equal(name_from_cstr("a\\256", w), MX_ESYNTAX);
	assert_int_equal(name_from_cstr("a\\2x5", w), MX_ESYNTAX);
	assert_int_equal(name_from_cstr("@", w), MX_ESYNTAX);
	assert_int_equal(w[0], 0);

	/* A 63-octet label is fine, 64 is not. */
	memset(big, 'a', 63);
	strcpy(big + 63, ".com");
	assert_int_equal(name_from_cstr(big, w), 0);
	memset(big, 'a', 64);
	strcpy(big + 64, ".com");
	assert_int_equal(name_from_cstr(big, w), MX_ELABEL);

	/* 255 octets in wire form is the maximum: 127 labels "a" = 254 + root. */
	char *p = big;
	for (int i = 0; i < 127; i++) {
		*p++ = 'a';
		*p++ = '.';
	}
	*p = 0;
	assert_int_equal(name_from_cstr(big, w), 0);
	assert_int_equal(name_len(w), 255);
	assert_int_equal(name_labels(w), 127);
	strcpy(p, "b.");
	assert_int_equal(name_from_cstr(big, w), MX_ENAME);
}

static void
test_relative(void **state)
{
	uint8_t origin[NAME_MAX_WIRE], w[NAME_MAX_WIRE];
	char buf[NAME_MAX_STR];

	n("example.org.", origin);
	assert_int_equal(name_from_str("mx", 2, origin, w, NULL), 0);
	name_to_str(w, buf, sizeof(buf));
	assert_string_equal(buf, "mx.example.org.");
	assert_int_equal(name_from_str("@", 1, origin, w, NULL), 0);
	assert_true(name_eq(w, origin));
	assert_int_equal(name_from_str("mx.other.", 9, origin, w, NULL), 0);
	name_to_str(w, buf, sizeof(buf));
	assert_string_equal(buf, "mx.other.");
}

static void
test_compare(void **state)
{
	uint8_t a[NAME_MAX_WIRE], b[NAME_MAX_WIRE], c[NAME_MAX_WIRE];

	n("WWW.Example.COM", a);
	n("www.example.com", b);
	assert_true(name_eq(a, b));
	n("www.example.co", c);
	assert_false(name_eq(a, c));
	/* RFC 4343: only ASCII letters fold. */
	const uint8_t x[] = { 1, 0xc4, 0 }, y[] = { 1, 0xe4, 0 };
	assert_false(name_eq(x, y));

	n("example.com", c);
	assert_true(name_is_subdomain(a, c));
	assert_true(name_is_below(a, c));
	assert_true(name_is_subdomain(c, c));
	assert_false(name_is_below(c, c));
	assert_false(name_is_subdomain(c, a));
	n("ample.com", b);
	assert_false(name_is_subdomain(c, b));
	n(".", b);
	assert_true(name_is_below(c, b));
}

static void
test_canonical_order(void **state)
{
	/* RFC 4034 6.1 example, in canonical order. */
	static const char *order[] = {
		"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
		"zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.",
		"*.z.example.", "\\200.z.example.",
	};
	uint8_t a[NAME_MAX_WIRE], b[NAME_MAX_WIRE];
	size_t cnt = sizeof(order) / sizeof(order[0]);

	for (size_t i = 0; i < cnt; i++) {
		for (size_t j = 0; j < cnt; j++) {
			n(order[i], a);
			n(order[j], b);
			int c = name_canon_cmp(a, b);
			if (i < j)
				assert_true(c < 0);
			else if (i > j)
				assert_true(c > 0);
			else
				assert_int_equal(c, 0);
		}
	}
}

static void
test_labels_parent(void **state)
{
	uint8_t a[NAME_MAX_WIRE];
	char buf[NAME_MAX_STR];

	n("*.b.example.", a);
	assert_int_equal(name_labels(a), 3);
	assert_true(name_is_wildcard(a));
	const uint8_t *p = name_parent(a);
	name_to_str(p, buf, sizeof(buf));
	assert_string_equal(buf, "b.example.");
	p = name_suffix(a, 1);
	name_to_str(p, buf, sizeof(buf));
	assert_string_equal(buf, "example.");
	assert_true(name_is_root(name_suffix(a, 0)));
	assert_null(name_parent(name_suffix(a, 0)));
	n("MiXeD.CaSe.", a);
	name_lower(a);
	assert_memory_equal(a, "\5mixed\4case", 12);
	assert_int_equal(name_hash(a, 1), name_hash((const uint8_t *)"\5MIXED\4CASE", 1));
}

/* Wire decoding, including every RFC 9267 anti-pattern. */

static int
read_at(const uint8_t *msg, size_t len, size_t pos, uint8_t out[NAME_MAX_WIRE],
    size_t *next)
{
	wire_rd r;

	wire_rd_init(&r, msg, len);
	r.pos = pos;
	int err = name_read(&r, out, NULL);
	if (next)
		*next = r.pos;
	return err;
}

static void
test_decompress(void **state)
{
	/* "example.com" at 0, "www" + ptr(0) at 13, ptr(13) at 19. */
	const uint8_t msg[] = {
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		3, 'w', 'w', 'w', 0xc0, 0x00,
		0xc0, 13,
		1, 'x', 0xc0, 8,
	};
	uint8_t out[NAME_MAX_WIRE];
	char buf[NAME_MAX_STR];
	size_t next;

	assert_int_equal(read_at(msg, sizeof(msg), 13, out, &next), 0);
	assert_int_equal(next, 19);
	name_to_str(out, buf, sizeof(buf));
	assert_string_equal(buf, "www.example.com.");
	assert_int_equal(read_at(msg, sizeof(msg), 19, out, &next), 0);
	assert_int_equal(next, 21);
	name_to_str(out, buf, sizeof(buf));
	assert_string_equal(buf, "www.example.com.");
	assert_int_equal(read_at(msg, sizeof(msg), 21, out, &next), 0);
	name_to_str(out, buf, sizeof(buf));
	assert_string_equal(buf, "x.com.");

	/* No compression allowed: a pointer is malformed. */
	wire_rd r;
	wire_rd_init(&r, msg, sizeof(msg));
	r.pos = 13;
	assert_int_equal(name_read_nocomp(&r, out, NULL), MX_EFORMAT);
	assert_int_equal(r.err, MX_EFORMAT);
}

static void
test_pointer_loops(void **state)
{
	uint8_t out[NAME_MAX_WIRE];

	/* A pointer to itself. */
	const uint8_t self[] = { 0xc0, 0x00 };
	assert_int_equal(read_at(self, sizeof(self), 0, out, NULL), MX_ELOOP);
	assert_int_equal(out[0], 0);
	/* Two pointers pointing at each other. */
	const uint8_t pair[] = { 0, 0xc0, 0x03, 0xc0, 0x01 };
	assert_int_equal(read_at(pair, sizeof(pair), 1, out, NULL), MX_ELOOP);
	assert_int_equal(read_at(pair, sizeof(pair), 3, out, NULL), MX_ELOOP);
	/* A label, then a pointer back to that label: a loop via labels. */
	const uint8_t lab[] = { 1, 'a', 0xc0, 0x00 };
	assert_int_equal(read_at(lab, sizeof(lab), 0, out, NULL), MX_ELOOP);
	/* A forward pointer (RFC 9267 2): rejected even if it would end. */
	const uint8_t fwd[] = { 0xc0, 0x02, 1, 'a', 0 };
	assert_int_equal(read_at(fwd, sizeof(fwd), 0, out, NULL), MX_ELOOP);
	/* A pointer past the end of the message. */
	const uint8_t past[] = { 0, 0, 0, 0xc0, 0x40 };
	assert_int_equal(read_at(past, sizeof(past), 3, out, NULL), MX_ELOOP);
	/* A pointer cut in half. */
	const uint8_t half[] = { 0, 0xc0 };
	assert_int_equal(read_at(half, sizeof(half), 1, out, NULL), MX_ETRUNC);
	/* A pointer whose target runs off the end. */
	const uint8_t off[] = { 5, 'a', 0xc0, 0x00 };
	assert_int_equal(read_at(off, sizeof(off), 2, out, NULL), MX_ETRUNC);
}

static void
test_bad_labels(void **state)
{
	uint8_t out[NAME_MAX_WIRE];
	uint8_t msg[600];

	/* Label length 64 (0x40) is the deprecated extended label type. */
	memset(msg, 'a', sizeof(msg));
	msg[0] = 64;
	msg[65] = 0;
	assert_int_equal(read_at(msg, 66, 0, out, NULL), MX_EFORMAT);
	msg[0] = 0x80;
	assert_int_equal(read_at(msg, 66, 0, out, NULL), MX_EFORMAT);
	/* Label longer than the message. */
	msg[0] = 10;
	assert_int_equal(read_at(msg, 5, 0, out, NULL), MX_ETRUNC);
	/* No terminating root label. */
	assert_int_equal(read_at((const uint8_t *)"\1a\1b", 4, 0, out, NULL), MX_ETRUNC);
	/* A 256-octet name: four 63-octet labels = 256 with the root. */
	size_t o = 0;
	for (int i = 0; i < 4; i++) {
		msg[o++] = 63;
		memset(msg + o, 'a', 63);
		o += 63;
	}
	msg[o++] = 0;
	assert_int_equal(read_at(msg, o, 0, out, NULL), MX_ENAME);
	/* The same length reached through pointers. */
	o = 0;
	msg[o++] = 63;
	memset(msg + o, 'a', 63);
	o += 63;
	msg[o++] = 0;                     /* 0: 63a. (65 octets) */
	size_t p1 = o;
	msg[o++] = 63;
	memset(msg + o, 'b', 63);
	o += 63;
	msg[o++] = 0xc0;
	msg[o++] = 0;                     /* p1: 63b + ptr 0 */
	size_t p2 = o;
	msg[o++] = 63;
	memset(msg + o, 'c', 63);
	o += 63;
	msg[o++] = 0xc0;
	msg[o++] = (uint8_t)p1;           /* 63c 63b 63a = 193 */
	size_t p3 = o;
	msg[o++] = 63;
	memset(msg + o, 'd', 63);
	o += 63;
	msg[o++] = (uint8_t)(0xc0 | p2 >> 8);
	msg[o++] = (uint8_t)p2;           /* 4 x 64 + 1 = 257 */
	assert_int_equal(read_at(msg, o, p2, out, NULL), 0);
	assert_int_equal(read_at(msg, o, p3, out, NULL), MX_ENAME);
}

static void
test_cursor_error_sticky(void **state)
{
	const uint8_t msg[] = { 0xc0, 0x00, 1, 'a', 0 };
	uint8_t out[NAME_MAX_WIRE];
	wire_rd r;

	wire_rd_init(&r, msg, sizeof(msg));
	assert_int_equal(name_read(&r, out, NULL), MX_ELOOP);
	/* After an error every further read fails. */
	assert_int_equal(name_read(&r, out, NULL), MX_ELOOP);
	assert_int_equal(wire_left(&r), 0);
}

static void
test_compress_write(void **state)
{
	uint8_t buf[512], a[NAME_MAX_WIRE], b[NAME_MAX_WIRE], c[NAME_MAX_WIRE];
	uint8_t out[NAME_MAX_WIRE];
	wire_wr w;

	n("mx.example.com", a);
	n("www.example.com", b);
	n("other.net", c);
	wire_wr_init(&w, buf, sizeof(buf));
	wire_put_bytes(&w, "hdr", 3);
	name_write(&w, a, true);
	size_t after_a = w.len;
	assert_int_equal(after_a, 3 + 16);
	name_write(&w, b, true);
	/* "www" + pointer to "example.com" at offset 3 + 3. */
	assert_int_equal(w.len, after_a + 4 + 2);
	assert_int_equal(buf[after_a + 4], 0xc0);
	assert_int_equal(buf[after_a + 5], 6);
	size_t after_b = w.len;
	name_write(&w, a, true);
	assert_int_equal(w.len, after_b + 2);   /* whole name is a pointer */
	name_write(&w, c, false);
	assert_int_equal(w.len, after_b + 2 + 11);
	size_t after_c = w.len;
	name_write(&w, c, true);                /* c was not remembered */
	assert_int_equal(w.len, after_c + 11);
	/* Compression is case-sensitive, so the case of every name survives:
	 * "WWW.EXAMPLE.com" shares only "com" with what was written. */
	size_t after_c2 = w.len;
	uint8_t d[NAME_MAX_WIRE];
	n("WWW.EXAMPLE.com", d);
	name_write(&w, d, true);
	assert_int_equal(w.len, after_c2 + 4 + 8 + 2);
	assert_int_equal(read_at(buf, w.len, after_c2, out, NULL), 0);
	assert_memory_equal(out, d, name_len(d));

	/* Everything written decodes back to the original names. */
	size_t next;
	assert_int_equal(read_at(buf, w.len, 3, out, &next), 0);
	assert_true(name_eq(out, a));
	assert_int_equal(read_at(buf, w.len, next, out, &next), 0);
	assert_true(name_eq(out, b));
	assert_int_equal(read_at(buf, w.len, next, out, &next), 0);
	assert_true(name_eq(out, a));

	/* A name that does not fit leaves no stale compression target. */
	wire_wr_init(&w, buf, 10);
	name_write(&w, a, true);
	assert_int_equal(w.err, MX_ESPACE);
	for (unsigned i = 0; i < w.ncomp; i++)
		assert_true(w.comp[i] < w.len);
}

static void
test_to_str_space(void **state)
{
	uint8_t a[NAME_MAX_WIRE];
	char buf[8];

	n("example.com", a);
	assert_int_equal(name_to_str(a, buf, sizeof(buf)), MX_ESPACE);
	assert_string_equal(buf, "");
	char ok[13];
	assert_int_equal(name_to_str(a, ok, sizeof(ok)), 12);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_to_str),
		cmocka_unit_test(test_from_str_errors),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_canonical_order),
		cmocka_unit_test(test_labels_parent),
		cmocka_unit_test(test_decompress),
		cmocka_unit_test(test_pointer_loops),
		cmocka_unit_test(test_bad_labels),
		cmocka_unit_test(test_cursor_error_sticky),
		cmocka_unit_test(test_compress_write),
		cmocka_unit_test(test_to_str_space),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
