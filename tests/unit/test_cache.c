/* Unit tests: the LMDB storage layer of the cache. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cache.h"
#include "err.h"

static char dir[64];

static int
setup(void **state)
{
	strcpy(dir, "/tmp/mxsec-cache-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int
teardown(void **state)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	rmdir(dir);
	return 0;
}

static void
test_put_get_reopen(void **state)
{
	cache *c;
	int purged;
	char buf[16];
	size_t n;

	assert_int_equal(cache_open(&c, dir, 1 << 20, &purged), 0);
	assert_int_equal(purged, 1);   /* a new cache gets its version key */
	assert_int_equal(cache_put(c, "\1key", 4, "value", 5), 0);
	assert_int_equal(cache_get(c, "\1key", 4, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "value", 5);
	assert_int_equal(cache_get(c, "\1nope", 5, buf, sizeof(buf), &n), MX_ENOTFOUND);
	/* Keys starting with 0x00 are reserved; empty and huge keys refused. */
	assert_int_equal(cache_put(c, "\0x", 2, "v", 1), MX_EINVAL);
	assert_int_equal(cache_put(c, "", 0, "v", 1), MX_EINVAL);
	char big[600];
	memset(big, 1, sizeof(big));
	assert_int_equal(cache_put(c, big, sizeof(big), "v", 1), MX_EINVAL);
	cache_close(c);

	/* Survives a reopen, and the version matches: nothing purged. */
	assert_int_equal(cache_open(&c, dir, 1 << 20, &purged), 0);
	assert_int_equal(purged, 0);
	assert_int_equal(cache_get(c, "\1key", 4, buf, 2, &n), 0);
	assert_int_equal(n, 5);        /* full length reported, copy bounded */
	assert_memory_equal(buf, "va", 2);
	size_t cnt;
	assert_int_equal(cache_count(c, &cnt), 0);
	assert_int_equal(cnt, 1);
	assert_int_equal(cache_del(c, "\1key", 4), 0);
	assert_int_equal(cache_del(c, "\1key", 4), MX_ENOTFOUND);
	assert_int_equal(cache_put(c, "\1a", 2, "1", 1), 0);
	assert_int_equal(cache_put(c, "\1b", 2, "2", 1), 0);
	assert_int_equal(cache_clear(c), 0);
	assert_int_equal(cache_count(c, &cnt), 0);
	assert_int_equal(cnt, 0);
	cache_close(c);
	assert_int_equal(cache_open(&c, dir, 1 << 20, &purged), 0);
	assert_int_equal(purged, 0);   /* clear kept the version key */
	cache_close(c);
}

static void
test_map_full(void **state)
{
	cache *c;
	char key[8], val[4096];
	int rc = 0;

	memset(val, 'x', sizeof(val));
	assert_int_equal(cache_open(&c, dir, 64 * 1024, NULL), 0);
	for (int i = 0; i < 1000 && rc == 0; i++) {
		snprintf(key, sizeof(key), "\1%05d", i);
		rc = cache_put(c, key, 6, val, sizeof(val));
	}
	/* A full map is reported as "no space", not as an I/O failure. */
	assert_int_equal(rc, MX_ESPACE);
	cache_close(c);
}

static void
test_not_a_cache(void **state)
{
	char p[128];
	cache *c;
	FILE *f;

	/* A data file that is not LMDB: open fails cleanly, no crash. */
	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	f = fopen(p, "w");
	assert_non_null(f);
	for (int i = 0; i < 1000; i++)
		fputs("garbage garbage garbage ", f);
	fclose(f);
	assert_int_not_equal(cache_open(&c, dir, 1 << 20, NULL), 0);
	assert_int_equal(cache_open(&c, "/proc/nonexistent/dir", 1 << 20, NULL), MX_EIO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_get_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_cache, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
