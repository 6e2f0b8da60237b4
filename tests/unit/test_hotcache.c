/*
 * Unit tests: the DNS listener's hot cache of finished responses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hotcache.h"
#include "msg.h"
#include "name.h"
#include "rrtype.h"

static size_t
make_response(uint8_t *buf, size_t cap, const char *qname, uint32_t ttl)
{
	msg_builder b;
	uint8_t n[NAME_MAX_WIRE], rd[4] = { 192, 0, 2, 1 };

	assert_int_equal(name_from_cstr(qname, n), 0);
	mb_init(&b, buf, cap, 0x1111, FLAG_QR | FLAG_RA | FLAG_AD);
	assert_int_equal(mb_question(&b, n, RR_A, CLASS_IN), 0);
	mb_reserve(&b, mb_opt_size(NULL, 0));
	assert_int_equal(mb_rr(&b, SEC_ANSWER, n, RR_A, CLASS_IN, ttl, rd, 4), 0);
	assert_int_equal(mb_opt(&b, 1232, 0, 0, EDNS_DO, NULL, 0), 0);
	int len = mb_finish(&b);
	assert_true(len > 0);
	return (size_t)len;
}

static void
key(hc_key *k, const char *qname, uint8_t bits)
{
	memset(k, 0, sizeof(*k));
	assert_int_equal(name_from_cstr(qname, k->qname), 0);
	name_lower(k->qname);
	k->qtype = RR_A;
	k->udp_size = 1232;
	k->bits = bits;
}

static uint32_t
ttl_at(const uint8_t *p, size_t len)
{
	region reg;
	msg m;
	region_init(&reg, 0);
	assert_int_equal(msg_parse(p, len, &reg, &m), 0);
	uint32_t t = m.rr[SEC_ANSWER][0].ttl;
	assert_true(m.edns.present);
	assert_int_equal(m.edns.flags & EDNS_DO, EDNS_DO);   /* OPT untouched */
	region_free(&reg);
	return t;
}

static void
test_hit_patches(void **state)
{
	hotcache *h = hc_new();
	uint8_t resp[512], out[1232], cq[NAME_MAX_WIRE];
	hc_key k;

	size_t len = make_response(resp, sizeof(resp), "www.example.", 300);
	key(&k, "www.example.", HC_DO | HC_EDNS);
	hc_put(h, &k, 10000, HC_LIFE_MS, resp, len);
	assert_int_equal(name_from_cstr("WwW.ExAmPle.", cq), 0);
	size_t n = hc_get(h, &k, 10100, 0xbeef, FLAG_RD, cq, out, sizeof(out));
	assert_int_equal(n, len);
	assert_int_equal(out[0], 0xbe);
	assert_int_equal(out[1], 0xef);
	assert_true(out[2] & (FLAG_RD >> 8));
	assert_memory_equal(out + 12, cq, name_len(cq));   /* the client's case */
	assert_int_equal(ttl_at(out, n), 300);
	/* Another key, another ID without RD. */
	hc_key k2;
	key(&k2, "www.example.", HC_EDNS);
	assert_int_equal(hc_get(h, &k2, 10100, 1, 0, cq, out, sizeof(out)), 0);
	n = hc_get(h, &k, 10999, 2, 0, cq, out, sizeof(out));
	assert_int_equal(n, len);
	assert_false(out[2] & (FLAG_RD >> 8));
	/* Gone after its life; and cleared on demand. */
	assert_int_equal(hc_get(h, &k, 11000, 3, 0, cq, out, sizeof(out)), 0);
	hc_put(h, &k, 20000, HC_LIFE_MS, resp, len);
	hc_clear(h);
	assert_int_equal(hc_get(h, &k, 20001, 3, 0, cq, out, sizeof(out)), 0);
	hc_free(h);
}

static void
test_ttl_counts_down(void **state)
{
	hotcache *h = hc_new();
	uint8_t resp[512], out[1232], cq[NAME_MAX_WIRE];
	hc_key k;

	size_t len = make_response(resp, sizeof(resp), "a.example.", 300);
	key(&k, "a.example.", HC_DO | HC_EDNS);
	hc_put(h, &k, 5000, 3000, resp, len);
	assert_int_equal(name_from_cstr("a.example.", cq), 0);
	size_t n = hc_get(h, &k, 7100, 9, 0, cq, out, sizeof(out));
	assert_int_equal(ttl_at(out, n), 298);
	/* A record of TTL 1 keeps the entry no longer than a second. */
	len = make_response(resp, sizeof(resp), "b.example.", 1);
	key(&k, "b.example.", HC_DO | HC_EDNS);
	hc_put(h, &k, 5000, 3000, resp, len);
	assert_int_equal(name_from_cstr("b.example.", cq), 0);
	assert_true(hc_get(h, &k, 5999, 9, 0, cq, out, sizeof(out)) > 0);
	assert_int_equal(hc_get(h, &k, 6000, 9, 0, cq, out, sizeof(out)), 0);
	/* TTL 0: never kept. */
	len = make_response(resp, sizeof(resp), "c.example.", 0);
	key(&k, "c.example.", HC_DO | HC_EDNS);
	hc_put(h, &k, 5000, 3000, resp, len);
	assert_int_equal(name_from_cstr("c.example.", cq), 0);
	assert_int_equal(hc_get(h, &k, 5000, 9, 0, cq, out, sizeof(out)), 0);
	hc_free(h);
}

static void
test_garbage_not_kept(void **state)
{
	hotcache *h = hc_new();
	uint8_t resp[512], out[1232], cq[NAME_MAX_WIRE];
	hc_key k;

	size_t len = make_response(resp, sizeof(resp), "d.example.", 300);
	key(&k, "d.example.", HC_EDNS);
	assert_int_equal(name_from_cstr("d.example.", cq), 0);
	/* Cut short anywhere: not kept, no crash. */
	for (size_t cut = 0; cut < len; cut++) {
		hc_put(h, &k, 1000, HC_LIFE_MS, resp, cut);
		assert_int_equal(hc_get(h, &k, 1000, 1, 0, cq, out, sizeof(out)), 0);
	}
	/* Too small an output buffer: a miss. */
	hc_put(h, &k, 1000, HC_LIFE_MS, resp, len);
	assert_int_equal(hc_get(h, &k, 1000, 1, 0, cq, out, len - 1), 0);
	hc_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_patches),
		cmocka_unit_test(test_ttl_counts_down),
		cmocka_unit_test(test_garbage_not_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
