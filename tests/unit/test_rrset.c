/* Unit tests: RRset grouping and DNSSEC canonical form (RFC 4034 6). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "err.h"
#include "name.h"
#include "rdata.h"
#include "rrset.h"
#include "rrtype.h"

static region reg;

static int
setup(void **state)
{
	region_init(&reg, 0);
	return 0;
}

static int
teardown(void **state)
{
	region_free(&reg);
	return 0;
}

static msg_rr
mk(const char *owner, uint16_t type, uint32_t ttl, const void *rd, uint16_t len)
{
	msg_rr rr = { 0 };
	rr.owner = region_alloc(&reg, NAME_MAX_WIRE);
	assert_int_equal(name_from_cstr(owner, rr.owner), 0);
	rr.type = type;
	rr.rclass = CLASS_IN;
	rr.ttl = ttl;
	rr.rdlen = len;
	rr.rdata = region_memdup(&reg, rd, len);
	return rr;
}

static void
test_group(void **state)
{
	/* RRSIG RDATA starts with the type covered. */
	const uint8_t sig_a[] = { 0, RR_A, 13, 2 }, sig_mx[] = { 0, RR_MX, 13, 2 };
	msg_rr v[7];
	rrset *sets;
	size_t ns;

	v[0] = mk("a.example", RR_A, 300, "\1\2\3\4", 4);
	v[1] = mk("b.example", RR_A, 300, "\1\2\3\5", 4);
	v[2] = mk("A.EXAMPLE", RR_A, 100, "\1\2\3\6", 4);
	v[3] = mk("a.example", RR_RRSIG, 300, sig_a, sizeof(sig_a));
	v[4] = mk("a.example", RR_RRSIG, 300, sig_mx, sizeof(sig_mx));
	v[5] = mk("a.example", RR_RRSIG, 300, sig_a, sizeof(sig_a));
	v[6] = mk("a.example", RR_AAAA, 300, "0123456789abcdef", 16);
	assert_int_equal(rrset_group(&reg, v, 7, &sets, &ns), 0);
	assert_int_equal(ns, 5);
	assert_int_equal(sets[0].type, RR_A);
	assert_int_equal(sets[0].count, 2);
	assert_ptr_equal(sets[0].rrs[0], &v[0]);
	assert_ptr_equal(sets[0].rrs[1], &v[2]);
	assert_int_equal(sets[0].ttl, 100);
	assert_int_equal(sets[1].count, 1);
	assert_int_equal(sets[2].type, RR_RRSIG);
	assert_int_equal(sets[2].count, 2);
	assert_int_equal(rrsig_type_covered(sets[2].rrs[1]), RR_A);
	assert_int_equal(sets[3].type, RR_RRSIG);
	assert_int_equal(rrsig_type_covered(sets[3].rrs[0]), RR_MX);
	assert_int_equal(sets[4].type, RR_AAAA);
	assert_int_equal(rrset_group(&reg, v, 0, &sets, &ns), 0);
	assert_int_equal(ns, 0);
}

static void
test_canonical(void **state)
{
	/* MX names are lower-cased in canonical form (RFC 4034 6.2 item 3);
	 * TXT data is not. */
	const uint8_t mx1[] = "\0\x0a\3MX2\7Example\0", mx2[] = "\0\x0a\3mx1\7example\0";
	const uint8_t mx3[] = "\0\x05\3zzz\7example\0", mx4[] = "\0\x0a\3mx2\7example\0";
	msg_rr v[4], *out;
	rrset *sets;
	size_t ns, n;

	v[0] = mk("Example", RR_MX, 60, mx1, sizeof(mx1) - 1);
	v[1] = mk("example", RR_MX, 60, mx2, sizeof(mx2) - 1);
	v[2] = mk("EXAMPLE", RR_MX, 60, mx3, sizeof(mx3) - 1);
	v[3] = mk("example", RR_MX, 60, mx4, sizeof(mx4) - 1);
	assert_int_equal(rrset_group(&reg, v, 4, &sets, &ns), 0);
	assert_int_equal(ns, 1);
	assert_int_equal(rrset_canonical(&reg, &sets[0], &out, &n), 0);
	/* MX2.Example and mx2.example are the same in canonical form. */
	assert_int_equal(n, 3);
	assert_memory_equal(out[0].rdata, mx3, sizeof(mx3) - 1);  /* pref 5 first */
	assert_memory_equal(out[1].rdata, mx2, sizeof(mx2) - 1);
	assert_memory_equal(out[2].rdata, mx4, sizeof(mx4) - 1);
	assert_memory_equal(out[0].owner, "\7example", 9);
	/* The originals are untouched. */
	assert_memory_equal(v[0].rdata, mx1, sizeof(mx1) - 1);

	const uint8_t t1[] = "\3ABC", t2[] = "\3abc", t3[] = "\2ab";
	v[0] = mk("t.example", RR_TXT, 60, t1, 4);
	v[1] = mk("t.example", RR_TXT, 60, t2, 4);
	v[2] = mk("t.example", RR_TXT, 60, t3, 3);
	assert_int_equal(rrset_group(&reg, v, 3, &sets, &ns), 0);
	assert_int_equal(rrset_canonical(&reg, &sets[0], &out, &n), 0);
	assert_int_equal(n, 3);
	/* Octet order: "\2ab" < "\3ABC" < "\3abc". */
	assert_memory_equal(out[0].rdata, t3, 3);
	assert_memory_equal(out[1].rdata, t1, 4);
	assert_memory_equal(out[2].rdata, t2, 4);
}

static void
test_canon_cmp(void **state)
{
	assert_int_equal(rdata_canon_cmp((const uint8_t *)"ab", 2, (const uint8_t *)"ab", 2), 0);
	assert_true(rdata_canon_cmp((const uint8_t *)"ab", 2, (const uint8_t *)"abc", 3) < 0);
	assert_true(rdata_canon_cmp((const uint8_t *)"b", 1, (const uint8_t *)"abc", 3) > 0);
	assert_true(rdata_canon_cmp(NULL, 0, (const uint8_t *)"a", 1) < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_canonical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_canon_cmp, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
