/* Unit tests: message parsing and building, EDNS0, EDE, RFC 9267 cases. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "err.h"
#include "msg.h"
#include "name.h"
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

static const uint8_t *
N(const char *s)
{
	uint8_t *w = region_alloc(&reg, NAME_MAX_WIRE);
	assert_int_equal(name_from_cstr(s, w), 0);
	return w;
}

/* MX RDATA: preference + name. */
static uint16_t
mx_rdata(uint8_t *out, uint16_t pref, const char *host)
{
	const uint8_t *h = N(host);
	out[0] = (uint8_t)(pref >> 8);
	out[1] = (uint8_t)pref;
	memcpy(out + 2, h, name_len(h));
	return (uint16_t)(2 + name_len(h));
}

static size_t
build_response(uint8_t *buf, size_t cap)
{
	msg_builder b;
	uint8_t rd[300];
	const uint8_t a[4] = { 192, 0, 2, 1 };
	edns_opt ede = { EDNS_OPT_EDE, 6, (uint8_t *)"\0\x06oops" };
	edns_opt unk = { 65001, 3, (uint8_t *)"xyz" };
	edns_opt opts[2] = { ede, unk };

	mb_init(&b, buf, cap, 0x1234, FLAG_QR | FLAG_RD | FLAG_RA);
	assert_int_equal(mb_question(&b, N("example.com"), RR_MX, CLASS_IN), 0);
	mb_reserve(&b, mb_opt_size(opts, 2));
	uint16_t n = mx_rdata(rd, 10, "mx1.example.com");
	assert_int_equal(mb_rr(&b, SEC_ANSWER, N("example.com"), RR_MX, CLASS_IN, 300, rd, n), 0);
	n = mx_rdata(rd, 20, "mx2.Example.com");
	assert_int_equal(mb_rr(&b, SEC_ANSWER, N("EXAMPLE.com"), RR_MX, CLASS_IN, 300, rd, n), 0);
	assert_int_equal(mb_rr(&b, SEC_ADDITIONAL, N("mx1.example.com"), RR_A, CLASS_IN, 60, a, 4), 0);
	/* Sections go in order: back to the answer is refused. */
	assert_int_equal(mb_rr(&b, SEC_ANSWER, N("x"), RR_A, CLASS_IN, 60, a, 4), MX_EINVAL);
	assert_int_equal(mb_opt(&b, 1232, RCODE_BADVERS, 0, EDNS_DO, opts, 2), 0);
	int len = mb_finish(&b);
	assert_true(len > 0);
	return (size_t)len;
}

static void
test_build_parse(void **state)
{
	uint8_t buf[512];
	size_t len = build_response(buf, sizeof(buf));
	msg m;

	assert_int_equal(msg_parse(buf, len, &reg, &m), 0);
	assert_int_equal(m.id, 0x1234);
	assert_true(m.flags & FLAG_QR);
	assert_int_equal(FLAG_RCODE(m.flags), 0);
	assert_int_equal(m.rcode, RCODE_BADVERS);
	assert_int_equal(m.qtype, RR_MX);
	assert_true(name_eq(m.qname, N("example.com")));
	assert_int_equal(m.count[SEC_ANSWER], 2);
	assert_int_equal(m.count[SEC_AUTHORITY], 0);
	assert_int_equal(m.count[SEC_ADDITIONAL], 1);   /* OPT is not counted */
	assert_int_equal(m.rr[SEC_ANSWER][1].ttl, 300);
	/* RDATA came back expanded even though it was compressed. */
	uint8_t rd[300];
	uint16_t n = mx_rdata(rd, 20, "mx2.Example.com");
	assert_int_equal(m.rr[SEC_ANSWER][1].rdlen, n);
	assert_true(name_eq(m.rr[SEC_ANSWER][1].rdata + 2, rd + 2));
	/* EDNS: size, DO, EDE and the unknown option carried through. */
	assert_true(m.edns.present);
	assert_int_equal(m.edns.udp_size, 1232);
	assert_true(m.edns.flags & EDNS_DO);
	assert_true(m.edns.has_ede);
	assert_int_equal(m.edns.ede_code, 6);
	assert_string_equal(m.edns.ede_text, "oops");
	assert_int_equal(m.edns.nopts, 2);
	assert_int_equal(m.edns.opts[1].code, 65001);
	assert_memory_equal(m.edns.opts[1].data, "xyz", 3);

	/* Written again, it is byte-identical (same compression choices). */
	uint8_t out[512];
	size_t olen;
	assert_int_equal(msg_write(&m, out, sizeof(out), &olen), 0);
	assert_int_equal(olen, len);
	assert_memory_equal(out, buf, len);

	uint16_t id, fl;
	assert_int_equal(msg_parse_header(buf, len, &id, &fl), 0);
	assert_int_equal(id, 0x1234);
	assert_int_equal(msg_parse_header(buf, 11, &id, &fl), MX_ETRUNC);
}

static void
test_truncation(void **state)
{
	uint8_t buf[100], rd[300];
	msg_builder b;
	int added = 0;

	mb_init(&b, buf, sizeof(buf), 1, FLAG_QR);
	assert_int_equal(mb_question(&b, N("example.com"), RR_MX, CLASS_IN), 0);
	mb_reserve(&b, mb_opt_size(NULL, 0));
	for (int i = 0; i < 20; i++) {
		uint16_t n = mx_rdata(rd, (uint16_t)i, "a-rather-long-host-name.example.net");
		if (mb_rr(&b, SEC_ANSWER, N("example.com"), RR_MX, CLASS_IN, 1, rd, n) != 0)
			break;
		added++;
	}
	assert_true(b.truncated);
	assert_true(added >= 1 && added < 20);
	/* The reserved OPT still fits after truncation. */
	assert_int_equal(mb_opt(&b, 1232, 0, 0, 0, NULL, 0), 0);
	mb_set_flags(&b, FLAG_QR | FLAG_TC);
	int len = mb_finish(&b);
	assert_true(len > 0 && len <= 100);
	msg m;
	assert_int_equal(msg_parse(buf, (size_t)len, &reg, &m), 0);
	assert_int_equal(m.count[SEC_ANSWER], added);
	assert_true(m.flags & FLAG_TC);
	assert_true(m.edns.present);
}

/* Hand-made packets for the malformed cases. */
static const uint8_t hdr_q[] = {
	0xab, 0xcd, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
	3, 'f', 'o', 'o', 0, 0, 1, 0, 1,
};

static void
test_counts_too_large(void **state)
{
	uint8_t p[sizeof(hdr_q)];
	msg m;

	memcpy(p, hdr_q, sizeof(p));
	/* RFC 9267 6: ANCOUNT says 1 but there is no room for it. */
	assert_int_equal(msg_parse(p, sizeof(p), &reg, &m), MX_ECOUNT);
	p[7] = 0;
	p[9] = 200;
	assert_int_equal(msg_parse(p, sizeof(p), &reg, &m), MX_ECOUNT);
	p[9] = 0;
	assert_int_equal(msg_parse(p, sizeof(p), &reg, &m), 0);
	/* More than one question. */
	p[5] = 2;
	assert_int_equal(msg_parse(p, sizeof(p), &reg, &m), MX_EFORMAT);
	/* Short header. */
	assert_int_equal(msg_parse(p, 11, &reg, &m), MX_ETRUNC);
}

static size_t
with_rr(uint8_t *p, const uint8_t *rr, size_t rrlen, int section)
{
	memcpy(p, hdr_q, sizeof(hdr_q));
	p[7] = p[9] = p[11] = 0;
	p[7 + 2 * section] = 1;
	memcpy(p + sizeof(hdr_q), rr, rrlen);
	return sizeof(hdr_q) + rrlen;
}

static void
test_rdlength_overrun(void **state)
{
	/* A record for foo (pointer to 12), RDLENGTH 10 but 4 octets follow. */
	const uint8_t rr[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 10, 1, 2, 3, 4 };
	uint8_t p[128];
	msg m;
	size_t len = with_rr(p, rr, sizeof(rr), SEC_ANSWER);

	assert_int_equal(msg_parse(p, len, &reg, &m), MX_ETRUNC);
	p[len - 5] = 4;   /* RDLENGTH 4: good */
	assert_int_equal(msg_parse(p, len, &reg, &m), 0);
	assert_int_equal(m.rr[0][0].rdlen, 4);
	p[len - 5] = 3;   /* A with 3 octets: malformed RDATA */
	assert_int_not_equal(msg_parse(p, len, &reg, &m), 0);
}

static void
test_opt_rules(void **state)
{
	/* OPT with one EDE option truncated: option length 8, 2 present. */
	const uint8_t bad_opt[] = { 0, 0, 41, 4, 0xd0, 0, 0, 0x80, 0, 0, 6,
		0, 15, 0, 8, 0, 6 };
	/* Good OPT: EDE 18 "x". */
	const uint8_t good_opt[] = { 0, 0, 41, 4, 0xd0, 0, 0, 0x80, 0, 0, 7,
		0, 15, 0, 3, 0, 18, 'x' };
	/* EDE shorter than its INFO-CODE. */
	const uint8_t short_ede[] = { 0, 0, 41, 4, 0xd0, 0, 0, 0x80, 0, 0, 5,
		0, 15, 0, 1, 9 };
	/* OPT owned by a non-root name. */
	const uint8_t named_opt[] = { 0xc0, 12, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0 };
	uint8_t p[128];
	msg m;
	size_t len;

	len = with_rr(p, bad_opt, sizeof(bad_opt), SEC_ADDITIONAL);
	assert_int_equal(msg_parse(p, len, &reg, &m), MX_ETRUNC);
	len = with_rr(p, short_ede, sizeof(short_ede), SEC_ADDITIONAL);
	assert_int_equal(msg_parse(p, len, &reg, &m), MX_EFORMAT);
	len = with_rr(p, named_opt, sizeof(named_opt), SEC_ADDITIONAL);
	assert_int_equal(msg_parse(p, len, &reg, &m), MX_EFORMAT);
	len = with_rr(p, good_opt, sizeof(good_opt), SEC_ANSWER);
	assert_int_equal(msg_parse(p, len, &reg, &m), MX_EFORMAT);
	len = with_rr(p, good_opt, sizeof(good_opt), SEC_ADDITIONAL);
	assert_int_equal(msg_parse(p, len, &reg, &m), 0);
	assert_true(m.edns.has_ede);
	assert_int_equal(m.edns.ede_code, 18);
	assert_string_equal(m.edns.ede_text, "x");
	assert_int_equal(m.edns.udp_size, 1232);
	assert_true(m.edns.flags & EDNS_DO);
	/* Two OPT records. */
	memcpy(p + len, good_opt, sizeof(good_opt));
	p[11] = 2;
	assert_int_equal(msg_parse(p, len + sizeof(good_opt), &reg, &m), MX_EFORMAT);
}

static void
test_rr_to_str(void **state)
{
	uint8_t buf[512];
	size_t len = build_response(buf, sizeof(buf));
	char line[256];
	msg m;

	assert_int_equal(msg_parse(buf, len, &reg, &m), 0);
	assert_true(rr_to_str(&m.rr[SEC_ANSWER][0], line, sizeof(line)) > 0);
	assert_string_equal(line, "example.com.\t300\tIN\tMX\t10 mx1.example.com.");
	assert_true(rr_to_str(&m.rr[SEC_ADDITIONAL][0], line, sizeof(line)) > 0);
	assert_string_equal(line, "mx1.example.com.\t60\tIN\tA\t192.0.2.1");
	assert_int_equal(rr_to_str(&m.rr[SEC_ADDITIONAL][0], line, 20), MX_ESPACE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_build_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counts_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rdlength_overrun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opt_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rr_to_str, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
