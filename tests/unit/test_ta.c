/* Unit tests: the trust-anchor store. */
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
#include "rrtype.h"
#include "ta.h"

/* The root KSK-2017 as unbound's auto-trust-anchor-file writes it. */
static const char autotrust[] =
    "; autotrust trust anchor file\n"
    ";;id: . 1\n"
    ";;last_queried: 1683463064 ;;Sun May  7 12:37:44 2023\n"
    ";;last_success: 1683463064 ;;Sun May  7 12:37:44 2023\n"
    ";;next_probe_time: 1683505001 ;;Mon May  8 00:16:41 2023\n"
    ";;query_failed: 0\n"
    ";;query_interval: 43200\n"
    ";;retry_time: 8640\n"
    ".\t86400\tIN\tDNSKEY\t257 3 8 AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU= ;{id = 20326 (ksk), size = 2048b} ;;state=2 [  VALID  ] ;;count=0 ;;lastchange=1683463064 ;;Sun May  7 12:37:44 2023\n";

static void
test_builtin(void **state)
{
	ta_store s;

	ta_store_init(&s);
	assert_int_equal(ta_store_add_builtin(&s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[0].type, RR_DS);
	assert_int_equal(s.v[0].keytag, 20326);
	assert_int_equal(s.v[1].keytag, 38696);
	assert_int_equal(s.v[0].algorithm, 8);
	assert_int_equal(s.v[0].rdlen, 4 + 32);
	assert_true(name_is_root(s.v[0].owner));
	ta_store_free(&s);
}

static void
test_autotrust_file(void **state)
{
	char path[] = "/tmp/mxsec-ta-XXXXXX", err[256];
	ta_store s;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, autotrust, sizeof(autotrust) - 1), (ssize_t)sizeof(autotrust) - 1);
	close(fd);
	ta_store_init(&s);
	assert_int_equal(ta_store_load_file(&s, path, err, sizeof(err)), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].type, RR_DNSKEY);
	/* RFC 4034 Appendix B over the real key gives the published tag. */
	assert_int_equal(s.v[0].keytag, 20326);
	assert_int_equal(s.v[0].algorithm, 8);
	unlink(path);
	assert_int_not_equal(ta_store_load_file(&s, path, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "cannot read"));
	ta_store_free(&s);
}

static void
test_errors(void **state)
{
	static const char not_anchor[] =
	    "example. 3600 IN DS 1 13 2 AABB\n"
	    "; comment\n"
	    "example. 3600 IN A 192.0.2.1\n";
	static const char non_zone_key[] =
	    "example. DNSKEY 0 3 13 AAAA\n";
	static const char bad_syntax[] =
	    "example. DS 1 13 2 AABB\n"
	    "\n"
	    "example. DS 1 13\n";
	ta_store s;
	char err[256];

	ta_store_init(&s);
	assert_int_not_equal(ta_store_load_text(&s, not_anchor, strlen(not_anchor), "a.key", err, sizeof(err)), 0);
	assert_string_equal(err, "a.key:3: a trust anchor must be DS or DNSKEY, not A");
	/* All or nothing: the good DS of line 1 was not kept. */
	assert_int_equal(s.n, 0);
	assert_int_not_equal(ta_store_load_text(&s, non_zone_key, strlen(non_zone_key), "b.key", err, sizeof(err)), 0);
	assert_non_null(strstr(err, "b.key:1: DNSKEY without the Zone Key flag"));
	assert_int_not_equal(ta_store_load_text(&s, bad_syntax, strlen(bad_syntax), "c.key", err, sizeof(err)), 0);
	assert_true(strncmp(err, "c.key:3: ", 9) == 0);
	assert_int_equal(s.n, 0);
	ta_store_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin),
		cmocka_unit_test(test_autotrust_file),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
