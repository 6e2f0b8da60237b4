/* Unit tests: the read cursor, the write buffer and the region. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "err.h"
#include "region.h"
#include "wire.h"

static void
test_reads(void **state)
{
	const uint8_t buf[] = { 1, 0x02, 0x03, 0xde, 0xad, 0xbe, 0xef, 9 };
	wire_rd r;

	wire_rd_init(&r, buf, sizeof(buf));
	assert_int_equal(wire_u8(&r), 1);
	assert_int_equal(wire_u16(&r), 0x0203);
	assert_int_equal(wire_u32(&r), 0xdeadbeef);
	assert_int_equal(wire_left(&r), 1);
	assert_int_equal(r.err, 0);
	/* Reading past the end: sticky error, zero result, cursor at end. */
	assert_int_equal(wire_u16(&r), 0);
	assert_int_equal(r.err, MX_ETRUNC);
	assert_int_equal(wire_left(&r), 0);
	assert_int_equal(wire_u8(&r), 0);
	assert_int_equal(r.err, MX_ETRUNC);
}

static void
test_bytes_zero_fill(void **state)
{
	const uint8_t buf[] = { 1, 2, 3 };
	uint8_t out[8];
	wire_rd r;

	memset(out, 0xaa, sizeof(out));
	wire_rd_init(&r, buf, sizeof(buf));
	wire_bytes(&r, out, sizeof(out));
	assert_int_equal(r.err, MX_ETRUNC);
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0);
	assert_null(wire_take(&r, 1));
}

static void
test_limit(void **state)
{
	const uint8_t buf[] = { 1, 2, 3, 4, 5, 6 };
	wire_rd r;

	wire_rd_init(&r, buf, sizeof(buf));
	wire_skip(&r, 1);
	size_t old = wire_rd_limit(&r, 2);
	assert_int_equal(old, 6);
	assert_int_equal(wire_left(&r), 2);
	assert_int_equal(wire_u16(&r), 0x0203);
	assert_int_equal(wire_u8(&r), 0);
	assert_int_equal(r.err, MX_ETRUNC);

	/* A limit past the current one is itself an error. */
	wire_rd_init(&r, buf, sizeof(buf));
	wire_rd_limit(&r, 7);
	assert_int_equal(r.err, MX_ETRUNC);
}

static void
test_writer(void **state)
{
	uint8_t buf[7];
	wire_wr w;

	wire_wr_init(&w, buf, sizeof(buf));
	wire_put_u8(&w, 0x11);
	wire_put_u16(&w, 0x2233);
	wire_put_u32(&w, 0x44556677);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, 7);
	assert_memory_equal(buf, "\x11\x22\x33\x44\x55\x66\x77", 7);
	wire_put_u8(&w, 0);
	assert_int_equal(w.err, MX_ESPACE);
	assert_int_equal(w.len, 7);
	wire_patch_u16(&w, 1, 0xabcd);
	assert_int_equal(buf[1], 0xab);
	wire_wr_rewind(&w, 3);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, 3);
	/* A patch past the written part is ignored. */
	wire_patch_u16(&w, 2, 0xffff);
	assert_int_equal(buf[2], 0xcd);
}

static void
test_region(void **state)
{
	region r;

	region_init(&r, 0);
	for (int i = 0; i < 1000; i++) {
		uint8_t *p = region_alloc(&r, (size_t)i + 1);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		memset(p, i & 0xff, (size_t)i + 1);
	}
	uint8_t *big = region_zalloc(&r, 100000);
	assert_non_null(big);
	assert_int_equal(big[99999], 0);
	region_reset(&r);
	assert_int_equal(r.total, 0);
	assert_non_null(region_memdup(&r, "abc", 3));
	region_free(&r);

	/* The limit bounds total allocation. */
	region_init(&r, 1024);
	assert_non_null(region_alloc(&r, 1000));
	assert_null(region_alloc(&r, 100));
	assert_null(region_alloc(&r, SIZE_MAX));
	region_free(&r);
}

static void
test_strerror(void **state)
{
	assert_string_equal(mx_strerror(0), "success");
	assert_string_equal(mx_strerror(MX_ELOOP), "bad compression pointer");
	assert_string_equal(mx_strerror(-9999), "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads),
		cmocka_unit_test(test_bytes_zero_fill),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_region),
		cmocka_unit_test(test_strerror),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
