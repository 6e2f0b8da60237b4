/* Unit tests: typed RDATA (wire, compression, canonical form, presentation). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "err.h"
#include "name.h"
#include "rdata.h"
#include "rrtype.h"
#include "wire.h"

/* The root zone KSKs as IANA publishes them (root-anchors.xml). */
#define KSK2017 \
	"AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN" \
	"7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8" \
	"efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLY" \
	"A4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU="
#define KSK2024 \
	"AwEAAa96jeuknZlaeSrvyAJj6ZHv28hhOKkx3rLGXVaC6rXTsDc449/cidltpkyGwCJNnOAlFNKF2jBosZBU5eeH" \
	"spaQWOmOElZsjICMQMC3aeHbGiShvZsx4wMYSjH8e7Vrhbu6irwCzVBApESjbUdpWWmEnhathWu1jo+siFUiRAAx" \
	"m9qyJNg/wOZqqzL/dL/q8PkcRU5oUKEpUge71M3ej2/7CPqpdVwuMoTvoB+ZOT4YeGyxMvHmbrxlFzGOHOijtzN+" \
	"u1TQNatX2XBuzZNQ1K+s2CXkPIZo7s6JgZyvaBevYtxPvYLw4z9mR7K2vaF18UYH9Z9GNUUeayffKC73PYc="
#define KSK2017_DS "E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"

/* Split like a zone-file line: spaces separate, "..." is one token
 * (the text between the quotes, escapes kept). */
static size_t
tokenize(const char *s, rdata_tok *tok, size_t max)
{
	size_t n = 0;

	while (*s) {
		while (*s == ' ')
			s++;
		if (*s == 0)
			break;
		assert_true(n < max);
		if (*s == '"') {
			const char *st = ++s;
			while (*s && *s != '"') {
				if (*s == '\\' && s[1])
					s++;
				s++;
			}
			tok[n++] = (rdata_tok){ st, (size_t)(s - st), true };
			if (*s)
				s++;
		} else {
			const char *st = s;
			while (*s && *s != ' ') {
				if (*s == '\\' && s[1])
					s++;
				s++;
			}
			tok[n++] = (rdata_tok){ st, (size_t)(s - st), false };
		}
	}
	return n;
}

static rdata_tok toks[70000];

/* Parse presentation RDATA; returns the error code, fills pe. */
static int
parse_pe(uint16_t type, const char *text, const uint8_t *origin,
    uint8_t *out, size_t *len, rdata_perr *pe)
{
	size_t n = tokenize(text, toks, sizeof(toks) / sizeof(toks[0]));

	return rdata_parse_tokens(type, toks, n, origin, out, RDATA_MAX, len, pe);
}

static size_t
parse_ok(uint16_t type, const char *text, uint8_t *out)
{
	rdata_perr pe;
	size_t len = 0;
	int rc = parse_pe(type, text, NULL, out, &len, &pe);

	if (rc != 0)
		fail_msg("parse of '%s' failed: %s", text, pe.msg);
	return len;
}

static int
parse_err(uint16_t type, const char *text, rdata_perr *pe)
{
	static uint8_t out[RDATA_MAX];
	size_t len = 12345;
	int rc = parse_pe(type, text, NULL, out, &len, pe);

	assert_true(rc < 0);
	assert_int_equal(len, 0);   /* cleared, not set on failure */
	return rc;
}

static const char *
to_str(uint16_t type, const uint8_t *rd, size_t len)
{
	static char buf[RDATA_STR_MAX];
	int n = rdata_to_str(type, rd, len, buf, sizeof(buf));

	assert_true(n >= 0);
	assert_int_equal((size_t)n, strlen(buf));
	return buf;
}

static const struct {
	uint16_t type;
	const char *in;
	const char *out;   /* NULL: same as in */
} cases[] = {
	{ RR_A, "192.0.2.1", NULL },
	{ RR_A, "\\# 4 C0000201", "192.0.2.1" },
	{ RR_NS, "ns1.example.", NULL },
	{ RR_NS, "NS1.Example.", NULL },     /* case kept */
	{ RR_MD, "md.example.", NULL },
	{ RR_MF, "mf.example.", NULL },
	{ RR_CNAME, "target.example.", NULL },
	{ RR_CNAME, ".", NULL },
	{ RR_SOA, "ns.example. admin.example. 2024010101 7200 3600 1209600 3600", NULL },
	{ RR_SOA, "ns.example. admin.example. 1 2h 1H30M 2w 1d",
	    "ns.example. admin.example. 1 7200 5400 1209600 86400" },
	{ RR_MB, "mb.example.", NULL },
	{ RR_MG, "mg.example.", NULL },
	{ RR_MR, "mr.example.", NULL },
	{ RR_PTR, "host.example.", NULL },
	{ RR_HINFO, "\"INTEL-386\" \"Unix\"", NULL },
	{ RR_HINFO, "INTEL-386 Unix", "\"INTEL-386\" \"Unix\"" },
	{ RR_MINFO, "rmail.example. email.example.", NULL },
	{ RR_MX, "10 mail.example.", NULL },
	{ RR_MX, "0 .", NULL },
	{ RR_TXT, "\"a b\" \"c\"", NULL },
	{ RR_TXT, "\"\"", NULL },
	{ RR_TXT, "plain", "\"plain\"" },
	{ RR_TXT, "\"q\\\"uote\\\\back\\010nl\\255\"", NULL },
	{ RR_TXT, "\"\\x\\065\"", "\"xA\"" },
	{ RR_TXT, "\"v=spf1 -all; (not a comment)\"", NULL },
	{ RR_RP, "mbox.example. txt.example.", NULL },
	{ RR_AFSDB, "1 afs.example.", NULL },
	{ RR_RT, "10 relay.example.", NULL },
	{ RR_AAAA, "2001:db8::1", NULL },
	{ RR_AAAA, "2001:0DB8:0:0:0:0:0:0001", "2001:db8::1" },
	{ RR_AAAA, "::", NULL },
	{ RR_SRV, "0 5 5060 sip.example.", NULL },
	{ RR_NAPTR, "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.", NULL },
	{ RR_KX, "10 kx.example.", NULL },
	{ RR_DNAME, "target.example.", NULL },
	{ RR_DS, "20326 8 2 " KSK2017_DS, NULL },
	{ RR_DS, "20326 8 2 e06d44b80b8f1d39a95c0b0d7c65d084 58e880409bbc683457104237c7f8ec8d",
	    "20326 8 2 " KSK2017_DS },
	{ RR_CDS, "0 0 0 00", NULL },
	{ RR_SSHFP, "1 1 0123456789ABCDEF0123456789ABCDEF01234567", NULL },
	{ RR_RRSIG, "MX 13 2 3600 20261231000000 20261101000000 12345 example. "
	    "dGVzdCBzaWduYXR1cmUgYnl0ZXM=", NULL },
	{ RR_RRSIG, "TYPE65534 8 0 86400 0 4294967295 1 . AA==",
	    "TYPE65534 8 0 86400 19700101000000 21060207062815 1 . AA==" },
	{ RR_RRSIG, "A 8 1 1d 1767225600 20260101000000 1 . AAEC AwQ=",
	    "A 8 1 86400 20260101000000 20260101000000 1 . AAECAwQ=" },
	{ RR_NSEC, "host.example. A MX RRSIG NSEC TYPE1234", NULL },
	{ RR_NSEC, "host.example. a mx rrsig nsec type1234 A",
	    "host.example. A MX RRSIG NSEC TYPE1234" },
	{ RR_NSEC, "next.example.", NULL },
	{ RR_NSEC, "next.example. CAA TYPE65535 A", "next.example. A CAA TYPE65535" },
	{ RR_DNSKEY, "257 3 8 " KSK2017, NULL },
	{ RR_DNSKEY, "256 3 13 AAEC AwQF", "256 3 13 AAECAwQF" },
	{ RR_CDNSKEY, "0 3 0 AA==", NULL },
	{ RR_NSEC3, "1 0 10 AABBCC 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A RRSIG", NULL },
	{ RR_NSEC3, "1 1 0 - 2t7b4g4vsa5smi47k61mv5bv1a22bojr",
	    "1 1 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR" },
	{ RR_NSEC3, "1 0 0 - CPNMUOJ1E8 NS SOA RRSIG DNSKEY NSEC3PARAM", NULL },
	{ RR_NSEC3PARAM, "1 0 0 -", NULL },
	{ RR_NSEC3PARAM, "1 0 10 aabbcc", "1 0 10 AABBCC" },
	{ RR_TLSA, "3 1 1 " KSK2017_DS, NULL },
	{ RR_TLSA, "2 0 1 e06d44b8 0b8f1d39", "2 0 1 E06D44B80B8F1D39" },
	{ RR_CAA, "0 issue \"ca.example.net\"", NULL },
	{ RR_CAA, "128 tbs \"Unknown\"", NULL },
	{ RR_CAA, "0 iodef \"mailto:security@example.com\"", NULL },
	{ RR_CAA, "0 issue \"\"", NULL },
	{ RR_CAA, "0 issue ca.example.net", "0 issue \"ca.example.net\"" },
	{ 65280, "\\# 4 0A000001", NULL },
	{ 65280, "\\# 0", NULL },
	{ 65280, "\\# 3 abcd ef", "\\# 3 ABCDEF" },
	{ RR_NULL, "\\# 2 0000", NULL },
	{ RR_SVCB, "\\# 3 000100", NULL },   /* SVCB: not described, RFC 3597 */
	{ RR_OPT, "\\# 4 000A0000", NULL },
};

static void
test_presentation_roundtrip(void **state)
{
	static uint8_t rd[RDATA_MAX], rd2[RDATA_MAX], wbuf[RDATA_MAX], rbuf[RDATA_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *want = cases[i].out ? cases[i].out : cases[i].in;
		uint16_t type = cases[i].type;
		size_t len = parse_ok(type, cases[i].in, rd), len2, rlen;
		const char *s = to_str(type, rd, len);

		if (strcmp(s, want) != 0)
			fail_msg("case %zu: '%s' printed as '%s', want '%s'", i,
			    cases[i].in, s, want);
		assert_int_equal(rdata_check(type, rd, len), 0);

		/* Printed form parses back to the same RDATA. */
		len2 = parse_ok(type, s, rd2);
		assert_int_equal(len2, len);
		assert_memory_equal(rd2, rd, len);

		/* Generic form parses back to the same RDATA too (RFC 3597 5). */
		static char gen[3 * RDATA_MAX];
		int o = snprintf(gen, sizeof(gen), "\\# %zu ", len);
		for (size_t j = 0; j < len; j++)
			o += snprintf(gen + o, sizeof(gen) - (size_t)o, "%02x", rd[j]);
		len2 = parse_ok(type, gen, rd2);
		assert_int_equal(len2, len);
		assert_memory_equal(rd2, rd, len);

		/* Wire: written without compression and read back. */
		wire_wr w;
		wire_wr_init(&w, wbuf, sizeof(wbuf));
		rdata_write(&w, type, rd, len, false);
		assert_int_equal(w.err, 0);
		assert_int_equal(w.len, len);
		assert_memory_equal(wbuf, rd, len);
		wire_rd r;
		wire_rd_init(&r, wbuf, w.len);
		assert_int_equal(rdata_read(&r, type, (uint16_t)w.len, rbuf, sizeof(rbuf), &rlen), 0);
		assert_int_equal(r.pos, w.len);
		assert_int_equal(rlen, len);
		assert_memory_equal(rbuf, rd, len);
	}
}

static void
test_known_bytes(void **state)
{
	uint8_t rd[RDATA_MAX];
	size_t len;

	len = parse_ok(RR_MX, "10 Mail.example.", rd);
	assert_int_equal(len, 2 + 14);
	assert_memory_equal(rd, "\0\12\4Mail\7example\0", 16);

	/* Relative names take the origin. */
	uint8_t origin[NAME_MAX_WIRE];
	rdata_perr pe;
	assert_int_equal(name_from_cstr("example.com.", origin), 0);
	assert_int_equal(parse_pe(RR_MX, "10 mail", origin, rd, &len, &pe), 0);
	assert_memory_equal(rd, "\0\12\4mail\7example\3com\0", 2 + 18);
	assert_int_equal(parse_pe(RR_CNAME, "@", origin, rd, &len, &pe), 0);
	assert_memory_equal(rd, "\7example\3com\0", 13);

	len = parse_ok(RR_TXT, "\"a b\" \"\" c", rd);
	assert_int_equal(len, 4 + 1 + 2);
	assert_memory_equal(rd, "\3a b\0\1c", 7);

	len = parse_ok(RR_CAA, "0 issue \"ca;x\"", rd);
	assert_memory_equal(rd, "\0\5issueca;x", len);

	len = parse_ok(RR_RRSIG, "A 8 1 3600 20260101000000 19700101000001 7 . AA==", rd);
	/* 2026-01-01 is 1767225600 = 0x6955B900. */
	assert_memory_equal(rd, "\0\1\10\1\0\0\16\20\x69\x55\xb9\0\0\0\0\1\0\7\0\0", 20);

	len = parse_ok(RR_NSEC3PARAM, "1 0 300 -", rd);
	assert_int_equal(len, 5);
	assert_memory_equal(rd, "\1\0\1\54\0", 5);

	/* NSEC bitmap of RFC 4034 4.3: A MX RRSIG NSEC TYPE1234. */
	len = parse_ok(RR_NSEC, "host.example.com. A MX RRSIG NSEC TYPE1234", rd);
	static const uint8_t bm[] = {
		0x00, 0x06, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03,
		0x04, 0x1b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x20,
	};
	assert_int_equal(len, 18 + sizeof(bm));
	assert_memory_equal(rd + 18, bm, sizeof(bm));
}

/* A message by hand: header, "example.com." at offset 12, then RDATA. */
struct msgbuf {
	uint8_t b[512];
	size_t len;
};

static void
mb_start(struct msgbuf *m)
{
	memset(m, 0, sizeof(*m));
	m->len = 12;
	memcpy(m->b + m->len, "\7example\3com\0", 13);
	m->len += 13;
}

static size_t
mb_add(struct msgbuf *m, const void *p, size_t n)
{
	size_t at = m->len;

	memcpy(m->b + m->len, p, n);
	m->len += n;
	return at;
}

static int
read_at(struct msgbuf *m, size_t at, uint16_t type, uint16_t rdlen,
    uint8_t *out, size_t *outlen)
{
	wire_rd r;
	int rc;

	wire_rd_init(&r, m->b, m->len);
	r.pos = at;
	rc = rdata_read(&r, type, rdlen, out, RDATA_MAX, outlen);
	if (rc == 0)
		assert_int_equal(r.pos, at + rdlen);
	else
		assert_int_equal(r.err, rc);
	return rc;
}

static void
test_read_decompress(void **state)
{
	struct msgbuf m;
	uint8_t out[RDATA_MAX];
	size_t len, at;

	/* MX 10 mail.<ptr to example.com> */
	mb_start(&m);
	at = mb_add(&m, "\0\12\4mail\xc0\x0c", 9);
	assert_int_equal(read_at(&m, at, RR_MX, 9, out, &len), 0);
	assert_int_equal(len, 2 + 18);
	assert_memory_equal(out, "\0\12\4mail\7example\3com\0", 20);
	assert_string_equal(to_str(RR_MX, out, len), "10 mail.example.com.");

	/* NS: a bare pointer. */
	mb_start(&m);
	at = mb_add(&m, "\xc0\x0c", 2);
	assert_int_equal(read_at(&m, at, RR_NS, 2, out, &len), 0);
	assert_memory_equal(out, "\7example\3com\0", 13);

	/* CNAME www.<ptr>. */
	mb_start(&m);
	at = mb_add(&m, "\3www\xc0\x0c", 6);
	assert_int_equal(read_at(&m, at, RR_CNAME, 6, out, &len), 0);
	assert_string_equal(to_str(RR_CNAME, out, len), "www.example.com.");

	/* SOA: both names compressed, the second against the first. */
	mb_start(&m);
	at = mb_add(&m, "\2ns\xc0\x0c" "\5admin\xc0\x0c"
	    "\0\0\0\1" "\0\0\x1c\x20" "\0\0\x0e\x10" "\0\x12\x75\0" "\0\0\x0e\x10", 5 + 8 + 20);
	assert_int_equal(read_at(&m, at, RR_SOA, 33, out, &len), 0);
	assert_string_equal(to_str(RR_SOA, out, len),
	    "ns.example.com. admin.example.com. 1 7200 3600 1209600 3600");

	/* RFC 3597 4: SRV and the other "decompress" types are read. */
	mb_start(&m);
	at = mb_add(&m, "\0\0\0\5\x13\xc4\3sip\xc0\x0c", 12);
	assert_int_equal(read_at(&m, at, RR_SRV, 12, out, &len), 0);
	assert_string_equal(to_str(RR_SRV, out, len), "0 5 5060 sip.example.com.");

	/* A pointer may point into the RDATA read so far (the first name). */
	mb_start(&m);
	at = mb_add(&m, "\4mbox\7example\3org\0\3txt\xc0", 23);
	m.b[m.len++] = (uint8_t)(at + 5);   /* -> "example.org." */
	assert_int_equal(read_at(&m, at, RR_RP, 24, out, &len), 0);
	assert_string_equal(to_str(RR_RP, out, len), "mbox.example.org. txt.example.org.");
}

static void
test_read_pointer_forbidden(void **state)
{
	struct msgbuf m;
	uint8_t out[RDATA_MAX];
	size_t len = 99, at;

	/* RRSIG signer (RFC 4034 3.1.7): a pointer is malformed. */
	mb_start(&m);
	at = mb_add(&m, "\0\1\10\2\0\0\16\20" "\0\0\0\2" "\0\0\0\1" "\0\7" "\xc0\x0c" "\1\2\3", 23);
	assert_true(read_at(&m, at, RR_RRSIG, 23, out, &len) < 0);
	assert_int_equal(len, 0);
	/* The same RRSIG with the signer in full is fine. */
	mb_start(&m);
	at = mb_add(&m, "\0\1\10\2\0\0\16\20" "\0\0\0\2" "\0\0\0\1" "\0\7"
	    "\7example\3com\0" "\1\2\3", 18 + 13 + 3);
	assert_int_equal(read_at(&m, at, RR_RRSIG, 34, out, &len), 0);
	assert_string_equal(to_str(RR_RRSIG, out, len),
	    "A 8 2 3600 19700101000002 19700101000001 7 example.com. AQID");

	/* NSEC next name (RFC 4034 4.1.1). */
	mb_start(&m);
	at = mb_add(&m, "\1a\xc0\x0c" "\0\1\x40", 7);
	assert_true(read_at(&m, at, RR_NSEC, 7, out, &len) < 0);
	/* DNAME target (RFC 6672 2.5). */
	mb_start(&m);
	at = mb_add(&m, "\xc0\x0c", 2);
	assert_true(read_at(&m, at, RR_DNAME, 2, out, &len) < 0);

	/* A pointer to itself or forwards. */
	mb_start(&m);
	at = mb_add(&m, "\0\1\xc0", 3);
	m.b[m.len++] = (uint8_t)(at + 2);
	assert_true(read_at(&m, at, RR_MX, 4, out, &len) < 0);
	mb_start(&m);
	at = mb_add(&m, "\0\1\xc0", 3);
	m.b[m.len++] = (uint8_t)(at + 4);
	m.b[m.len++] = 0;
	assert_true(read_at(&m, at, RR_MX, 4, out, &len) < 0);

	/* Expanded RDATA must never hold pointers. */
	assert_int_equal(rdata_check(RR_NS, (const uint8_t *)"\xc0\x0c", 2), MX_EFORMAT);
	assert_int_equal(rdata_check(RR_MX, (const uint8_t *)"\0\1\xc0\x0c", 4), MX_EFORMAT);
}

static void
test_write_compress(void **state)
{
	uint8_t buf[512], rd[RDATA_MAX], name[NAME_MAX_WIRE];
	size_t len;
	wire_wr w;

	assert_int_equal(name_from_cstr("example.com.", name), 0);

	/* MX target compressed against an earlier owner name. */
	wire_wr_init(&w, buf, sizeof(buf));
	wire_put_bytes(&w, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	name_write(&w, name, true);
	len = parse_ok(RR_MX, "10 mail.example.com.", rd);
	size_t at = w.len;
	rdata_write(&w, RR_MX, rd, len, true);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len - at, 9);
	assert_memory_equal(buf + at, "\0\12\4mail\xc0\x0c", 9);
	/* Reading it back gives the expanded form. */
	{
		wire_rd r;
		uint8_t out[RDATA_MAX];
		size_t olen;
		wire_rd_init(&r, buf, w.len);
		r.pos = at;
		assert_int_equal(rdata_read(&r, RR_MX, 9, out, sizeof(out), &olen), 0);
		assert_int_equal(olen, len);
		assert_memory_equal(out, rd, len);
	}
	/* A pointer never changes case: only "com." is shared here. */
	len = parse_ok(RR_MX, "10 mail.EXAMPLE.com.", rd);
	at = w.len;
	rdata_write(&w, RR_MX, rd, len, true);
	assert_int_equal(w.len - at, 2 + 5 + 8 + 2);
	assert_memory_equal(buf + at, "\0\12\4mail\7EXAMPLE\xc0\x14", 17);

	/* compress false: in full. */
	at = w.len;
	rdata_write(&w, RR_MX, rd, len, false);
	assert_int_equal(w.len - at, len);

	/* SOA: both names. */
	at = w.len;
	len = parse_ok(RR_SOA, "ns.example.com. admin.example.com. 1 2 3 4 5", rd);
	rdata_write(&w, RR_SOA, rd, len, true);
	assert_int_equal(w.len - at, 5 + 8 + 20);

	/* RFC 3597 4: SRV, RRSIG signer, NSEC next, DNAME never compressed. */
	static const struct { uint16_t t; const char *s; } nc[] = {
		{ RR_SRV, "0 0 25 example.com." },
		{ RR_RRSIG, "A 8 2 3600 1 0 7 example.com. AA==" },
		{ RR_NSEC, "example.com. A" },
		{ RR_DNAME, "example.com." },
		{ RR_RP, "example.com. example.com." },
		{ RR_NAPTR, "1 1 \"\" \"\" \"\" example.com." },
	};
	for (size_t i = 0; i < sizeof(nc) / sizeof(nc[0]); i++) {
		len = parse_ok(nc[i].t, nc[i].s, rd);
		at = w.len;
		rdata_write(&w, nc[i].t, rd, len, true);
		assert_int_equal(w.err, 0);
		assert_int_equal(w.len - at, len);
		assert_memory_equal(buf + at, rd, len);
	}

	/* Out of space is the writer's sticky error. */
	wire_wr_init(&w, buf, 5);
	len = parse_ok(RR_MX, "10 mail.example.", rd);
	rdata_write(&w, RR_MX, rd, len, false);
	assert_int_equal(w.err, MX_ESPACE);
}

static void
test_read_lengths(void **state)
{
	static const struct {
		uint16_t type;
		const char *ok;
		size_t oklen;
	} fixed[] = {
		{ RR_A, "\xc0\0\2\1", 4 },
		{ RR_AAAA, "\x20\1\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\1", 16 },
		{ RR_MX, "\0\12\0", 3 },
		{ RR_SOA, "\0\0" "\0\0\0\1\0\0\0\2\0\0\0\3\0\0\0\4\0\0\0\5", 22 },
		{ RR_DS, "\x4f\x66\x08\x02", 4 },
		{ RR_DNSKEY, "\1\1\3\10", 4 },
		{ RR_SRV, "\0\0\0\0\0\0\0", 7 },
		{ RR_NSEC3PARAM, "\1\0\0\0\0", 5 },
		{ RR_TLSA, "\3\1\1", 3 },
		{ RR_HINFO, "\0\0", 2 },
		{ RR_CAA, "\0\1a", 3 },
	};
	uint8_t buf[128], out[RDATA_MAX];
	size_t len;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		size_t n = fixed[i].oklen;
		wire_rd r;

		memcpy(buf, fixed[i].ok, n);
		buf[n] = 0x55;   /* one more octet in the message */
		wire_rd_init(&r, buf, n + 1);
		assert_int_equal(rdata_read(&r, fixed[i].type, (uint16_t)n, out, sizeof(out), &len), 0);
		assert_int_equal(len, n);
		assert_int_equal(r.pos, n);
		assert_int_equal(rdata_check(fixed[i].type, buf, n), 0);

		/* Short RDATA: RDLENGTH one less. */
		wire_rd_init(&r, buf, n + 1);
		assert_int_equal(rdata_read(&r, fixed[i].type, (uint16_t)(n - 1), out, sizeof(out), &len), MX_EFORMAT);
		assert_int_equal(r.err, MX_EFORMAT);
		assert_int_equal(rdata_check(fixed[i].type, buf, n - 1), MX_EFORMAT);

		/* Trailing garbage: RDLENGTH one more (for types whose last
		 * field is not rest-of-RDATA). */
		wire_rd_init(&r, buf, n + 1);
		int rc = rdata_read(&r, fixed[i].type, (uint16_t)(n + 1), out, sizeof(out), &len);
		if (fixed[i].type == RR_DS || fixed[i].type == RR_DNSKEY ||
		    fixed[i].type == RR_TLSA || fixed[i].type == RR_CAA) {
			assert_int_equal(rc, 0);
			assert_int_equal(len, n + 1);
		} else {
			assert_int_equal(rc, MX_EFORMAT);
			assert_int_equal(rdata_check(fixed[i].type, buf, n + 1), MX_EFORMAT);
		}

		/* RDLENGTH past the end of the message. */
		wire_rd_init(&r, buf, n);
		assert_int_equal(rdata_read(&r, fixed[i].type, (uint16_t)(n + 1), out, sizeof(out), &len), MX_ETRUNC);
		assert_int_equal(len, 0);
	}

	/* Strings whose length octet runs past RDLENGTH. */
	static const struct { uint16_t type; const char *rd; size_t n; } bad[] = {
		{ RR_TXT, "\5abc", 4 },
		{ RR_TXT, "", 0 },                      /* one or more strings */
		{ RR_TXT, "\1a\3bc", 5 },
		{ RR_HINFO, "\1a", 2 },
		{ RR_NAPTR, "\0\0\0\0\1S\0\0", 8 },  /* no replacement */
		{ RR_NSEC3PARAM, "\1\0\0\0\2\xaa", 6 },  /* salt overrun */
		{ RR_NSEC3, "\1\0\0\0\0\0", 6 },           /* zero hash length */
		{ RR_NSEC3, "\1\0\0\0\0\3\1\2", 8 },       /* hash overrun */
		{ RR_CAA, "\0\0", 2 },                 /* empty tag */
		{ RR_CAA, "\0\5ab", 4 },
		{ RR_NSEC, "\1a", 2 },                  /* name runs out */
		{ RR_A, "", 0 },
		{ RR_RRSIG, "\0\1\10\2\0\0\16\20\0\0\0\2\0\0\0\1\0\7", 18 },  /* no signer */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		wire_rd r;
		memcpy(buf, bad[i].rd, bad[i].n);
		wire_rd_init(&r, buf, bad[i].n);
		if (rdata_read(&r, bad[i].type, (uint16_t)bad[i].n, out, sizeof(out), &len) == 0)
			fail_msg("bad RDATA %zu was accepted", i);
		assert_int_equal(rdata_check(bad[i].type, buf, bad[i].n), MX_EFORMAT);
	}

	/* Unknown types: anything, even nothing. */
	{
		wire_rd r;
		wire_rd_init(&r, (const uint8_t *)"\1\2\3", 3);
		assert_int_equal(rdata_read(&r, 65280, 3, out, sizeof(out), &len), 0);
		assert_int_equal(len, 3);
		wire_rd_init(&r, (const uint8_t *)"", 0);
		assert_int_equal(rdata_read(&r, 65280, 0, out, sizeof(out), &len), 0);
		assert_int_equal(len, 0);
	}

	/* Output too small for the expansion. */
	{
		struct msgbuf m;
		wire_rd r;
		mb_start(&m);
		size_t at = mb_add(&m, "\0\12\4mail\xc0\x0c", 9);
		wire_rd_init(&r, m.b, m.len);
		r.pos = at;
		assert_int_equal(rdata_read(&r, RR_MX, 9, out, 10, &len), MX_ESPACE);
	}

	/* A failed cursor stays failed. */
	{
		wire_rd r;
		wire_rd_init(&r, buf, 4);
		wire_rd_set_error(&r, MX_ETRUNC);
		assert_int_equal(rdata_read(&r, RR_A, 4, out, sizeof(out), &len), MX_ETRUNC);
	}
}

static size_t
hexbytes(const char *hex, uint8_t *out)
{
	size_t n = 0;

	for (; hex[0] && hex[1]; hex += 2) {
		unsigned v;
		sscanf(hex, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static void
test_bitmaps(void **state)
{
	static const struct { const char *hex; int ok; } bm[] = {
		{ "", 1 },                           /* empty: ENT in NSEC3 */
		{ "000140", 1 },                     /* A */
		{ "000140010101", 1 },               /* windows 0 and 1 */
		{ "01010000014", 0 },                /* odd junk */
		{ "0101010001", 0 },                 /* window 1 then 0 */
		{ "0001400001", 0 },                 /* window 0 twice */
		{ "0000", 0 },                       /* length 0 */
		{ "0021" "0000000000000000000000000000000000000000000000000000000000000000"
		  "01", 0 },                         /* length 33 */
		{ "0020" "0000000000000000000000000000000000000000000000000000000000000001", 1 },
		{ "00024000", 0 },                   /* trailing zero octet */
		{ "000100", 0 },                     /* all zero */
		{ "0002", 0 },                       /* truncated block */
		{ "00", 0 },                         /* truncated header */
	};
	uint8_t rd[300];

	memcpy(rd, "\1a\0", 3);    /* NSEC next name "a." */
	for (size_t i = 0; i < sizeof(bm) / sizeof(bm[0]); i++) {
		size_t n = 3 + hexbytes(bm[i].hex, rd + 3);
		int want = bm[i].ok ? 0 : MX_EFORMAT;
		if (rdata_check(RR_NSEC, rd, n) != want)
			fail_msg("bitmap %zu (%s)", i, bm[i].hex);
		wire_rd r;
		uint8_t out[RDATA_MAX];
		size_t len;
		wire_rd_init(&r, rd, n);
		assert_int_equal(rdata_read(&r, RR_NSEC, (uint16_t)n, out, sizeof(out), &len) == 0,
		    bm[i].ok);
	}

	/* Lookups. */
	size_t len = parse_ok(RR_NSEC, "a. A MX RRSIG NSEC TYPE1234 CAA", rd);
	const uint8_t *b = rd + 3;
	size_t bl = len - 3;
	assert_true(rdata_bitmap_has(b, bl, RR_A));
	assert_true(rdata_bitmap_has(b, bl, RR_MX));
	assert_true(rdata_bitmap_has(b, bl, RR_RRSIG));
	assert_true(rdata_bitmap_has(b, bl, RR_NSEC));
	assert_true(rdata_bitmap_has(b, bl, 1234));
	assert_true(rdata_bitmap_has(b, bl, RR_CAA));
	assert_false(rdata_bitmap_has(b, bl, RR_NS));
	assert_false(rdata_bitmap_has(b, bl, RR_AAAA));
	assert_false(rdata_bitmap_has(b, bl, RR_DNSKEY));  /* past window 0's length */
	assert_false(rdata_bitmap_has(b, bl, 1235));
	assert_false(rdata_bitmap_has(b, bl, 0x0300));
	assert_false(rdata_bitmap_has(b, 0, RR_A));
	/* A block cut short never reads past the end. */
	assert_false(rdata_bitmap_has((const uint8_t *)"\0\x20\x40", 3, RR_A));

	/* Presentation: empty list, duplicates, bad mnemonic. */
	len = parse_ok(RR_NSEC3, "1 0 0 - 00 A A", rd);
	assert_string_equal(to_str(RR_NSEC3, rd, len), "1 0 0 - 00 A");
	rdata_perr pe;
	parse_err(RR_NSEC, "a. A FOO", &pe);
	assert_string_equal(pe.msg, "bad type in bitmap 'FOO'");
	assert_int_equal(pe.tok, 2);
	parse_err(RR_NSEC, "a. A TYPE65536", &pe);
	assert_int_equal(pe.tok, 2);
}

/* The longest presentation form: a full bitmap and the longest other
 * fields stay within RDATA_STR_MAX and read back. */
static void
test_longest_text(void **state)
{
	static uint8_t rd[RDATA_MAX], rd2[RDATA_MAX];
	static char buf[RDATA_STR_MAX];
	size_t len = 0;

	rd[len++] = 1; rd[len++] = 0xff; rd[len++] = 0xff; rd[len++] = 0xff;
	rd[len++] = 255;
	memset(rd + len, 0xab, 255);
	len += 255;
	rd[len++] = 255;
	memset(rd + len, 0xcd, 255);
	len += 255;
	for (unsigned win = 0; win < 256; win++) {
		rd[len++] = (uint8_t)win;
		rd[len++] = 32;
		memset(rd + len, 0xff, 32);
		len += 32;
	}
	assert_int_equal(rdata_check(RR_NSEC3, rd, len), 0);
	int n = rdata_to_str(RR_NSEC3, rd, len, buf, sizeof(buf));
	assert_true(n > 600000);
	assert_true((size_t)n < RDATA_STR_MAX);
	size_t ntok = tokenize(buf, toks, sizeof(toks) / sizeof(toks[0]));
	assert_int_equal(ntok, 5 + 65536);
	size_t len2;
	assert_int_equal(rdata_from_tokens(RR_NSEC3, toks, ntok, NULL, rd2, sizeof(rd2), &len2, NULL), 0);
	assert_int_equal(len2, len);
	assert_memory_equal(rd2, rd, len);

	/* And a buffer one short fails cleanly. */
	assert_int_equal(rdata_to_str(RR_NSEC3, rd, len, buf, (size_t)n), MX_ESPACE);
	assert_int_equal(buf[0], 0);
}

static void
test_base32hex(void **state)
{
	/* RFC 4648 10 test vectors, through the NSEC3 next hashed owner. */
	static const struct { const char *b32, *raw; } v[] = {
		{ "CO", "f" }, { "CPNG", "fo" }, { "CPNMU", "foo" },
		{ "CPNMUOG", "foob" }, { "CPNMUOJ1", "fooba" },
		{ "CPNMUOJ1E8", "foobar" }, { "cpnmuoj1e8", "foobar" },
	};
	uint8_t rd[RDATA_MAX];
	char text[64];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(text, sizeof(text), "1 0 0 - %s", v[i].b32);
		size_t len = parse_ok(RR_NSEC3, text, rd);
		size_t rl = strlen(v[i].raw);
		assert_int_equal(len, 5 + 1 + rl);
		assert_int_equal(rd[5], rl);
		assert_memory_equal(rd + 6, v[i].raw, rl);
	}
	rdata_perr pe;
	static const char *const badv[] = {
		"C", "CPN", "CPNMUO",         /* impossible lengths */
		"CP", "CPNH",                 /* non-zero pad bits */
		"CPNMW", "CPNM=", "CPNMUOG=", /* outside the alphabet, padding */
	};
	for (size_t i = 0; i < sizeof(badv) / sizeof(badv[0]); i++) {
		snprintf(text, sizeof(text), "1 0 0 - %s", badv[i]);
		parse_err(RR_NSEC3, text, &pe);
		assert_int_equal(pe.tok, 4);
		assert_non_null(strstr(pe.msg, "bad NSEC3 next hashed owner"));
	}
	/* A real SHA-1 hash is 20 octets, 32 characters. */
	size_t len = parse_ok(RR_NSEC3, "1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR", rd);
	assert_int_equal(rd[5], 20);
	assert_int_equal(len, 26);
}

static void
test_base64_hex(void **state)
{
	uint8_t rd[RDATA_MAX];
	size_t len;
	rdata_perr pe;

	len = parse_ok(RR_DNSKEY, "256 3 8 AQ==", rd);
	assert_int_equal(len, 5);
	len = parse_ok(RR_DNSKEY, "256 3 8 AQI=", rd);
	assert_int_equal(len, 6);
	len = parse_ok(RR_DNSKEY, "256 3 8 AQID", rd);
	assert_int_equal(len, 7);
	len = parse_ok(RR_DNSKEY, "256 3 8 AQ ID BA ==", rd);   /* split anywhere */
	assert_int_equal(len, 8);
	assert_memory_equal(rd + 4, "\1\2\3\4", 4);

	static const char *const bad64[] = {
		"256 3 8 AQ=", "256 3 8 A", "256 3 8 AQ==AQ==", "256 3 8 A===",
		"256 3 8 AQ*D", "256 3 8 =AAA", "256 3 8 AA=A",
	};
	for (size_t i = 0; i < sizeof(bad64) / sizeof(bad64[0]); i++) {
		parse_err(RR_DNSKEY, bad64[i], &pe);
		assert_non_null(strstr(pe.msg, "base64"));
	}
	parse_err(RR_DNSKEY, "256 3 8", &pe);
	assert_string_equal(pe.msg, "missing base64 data");
	assert_int_equal(pe.tok, 3);

	parse_err(RR_DS, "1 8 2 ABC", &pe);              /* odd digits */
	parse_err(RR_DS, "1 8 2 AB C", &pe);
	parse_err(RR_DS, "1 8 2 XY", &pe);
	assert_string_equal(pe.msg, "bad hex 'XY'");
	parse_err(RR_DS, "1 8 2", &pe);
	assert_string_equal(pe.msg, "missing hex data");
	len = parse_ok(RR_DS, "1 8 2 A B", rd);          /* nibbles across tokens */
	assert_int_equal(len, 5);
	assert_int_equal(rd[4], 0xab);

	/* Empty key or digest has no text form of its own: \# is used. */
	assert_string_equal(to_str(RR_DNSKEY, (const uint8_t *)"\1\0\3\10", 4), "\\# 4 01000308");
	assert_string_equal(to_str(RR_DS, (const uint8_t *)"\0\1\10\2", 4), "\\# 4 00010802");
	len = parse_ok(RR_DNSKEY, "\\# 4 01000308", rd);
	assert_int_equal(len, 4);

	/* Salt. */
	parse_err(RR_NSEC3PARAM, "1 0 0 ABC", &pe);
	parse_err(RR_NSEC3PARAM, "1 0 0 XX", &pe);
	parse_err(RR_NSEC3PARAM, "1 0 0 \"-\"", &pe);
	assert_string_equal(pe.msg, "bad NSEC3 salt '-'");
}

static uint16_t
keytag_of(const char *text)
{
	uint8_t rd[RDATA_MAX];
	size_t len = parse_ok(RR_DNSKEY, text, rd);

	return rdata_keytag(rd, len);
}

static void
test_keytag(void **state)
{
	assert_int_equal(keytag_of("257 3 8 " KSK2017), 20326);
	assert_int_equal(keytag_of("257 3 8 " KSK2024), 38696);
	/* The tag covers flags: the same key as a ZSK differs by 1 in the
	 * high octet sum (256 vs 257 in the first word). */
	assert_int_equal(keytag_of("256 3 8 " KSK2017), 20325);
	/* RFC 4034 B.1: algorithm 1 takes octets len-3 and len-2. */
	assert_int_equal(keytag_of("256 3 1 AQABEjRW"), 0x1234);
	assert_int_equal(rdata_keytag((const uint8_t *)"\1\0\3\1\1\2", 6), 0);
	assert_int_equal(rdata_keytag((const uint8_t *)"\1\0", 2), 0);
	/* Odd length: the last octet is a high byte. */
	assert_int_equal(rdata_keytag((const uint8_t *)"\0\0\0\10\1", 5), 0x0008 + 0x0100);
}

static void
test_canonicalize(void **state)
{
	static const struct {
		uint16_t type;
		const char *in, *out;
	} v[] = {
		{ RR_MX, "10 MAIL.Example.", "10 mail.example." },
		{ RR_NS, "NS.EXAMPLE.", "ns.example." },
		{ RR_CNAME, "WWW.Example.", "www.example." },
		{ RR_PTR, "Host.Example.", "host.example." },
		{ RR_SOA, "NS.Ex. Admin.Ex. 1 2 3 4 5", "ns.ex. admin.ex. 1 2 3 4 5" },
		{ RR_MINFO, "A.X. B.X.", "a.x. b.x." },
		{ RR_RP, "A.X. B.X.", "a.x. b.x." },
		{ RR_AFSDB, "1 AFS.X.", "1 afs.x." },
		{ RR_RT, "1 R.X.", "1 r.x." },
		{ RR_KX, "1 K.X.", "1 k.x." },
		{ RR_SRV, "0 0 25 MX.X.", "0 0 25 mx.x." },
		{ RR_NAPTR, "1 1 \"S\" \"SIP+D2U\" \"!^.*$!SIP:A@B!\" SRV.X.",
		    "1 1 \"S\" \"SIP+D2U\" \"!^.*$!SIP:A@B!\" srv.x." },
		{ RR_DNAME, "T.X.", "t.x." },
		/* RFC 6840 5.1: RRSIG signer lower-cased ... */
		{ RR_RRSIG, "A 8 2 3600 1 0 7 EXAMPLE.COM. AA==",
		    "A 8 2 3600 19700101000001 19700101000000 7 example.com. AA==" },
		/* ... NSEC next name not. */
		{ RR_NSEC, "Next.EXAMPLE. A", "Next.EXAMPLE. A" },
		/* No names: untouched. */
		{ RR_TXT, "\"ABC\"", "\"ABC\"" },
		{ RR_HINFO, "\"CPU\" \"OS\"", "\"CPU\" \"OS\"" },
		{ RR_CAA, "0 Issue \"CA.X\"", "0 Issue \"CA.X\"" },
		{ RR_DNSKEY, "256 3 8 QUJD", "256 3 8 QUJD" },
		{ RR_A, "65.66.67.68", "65.66.67.68" },
		{ 65280, "\\# 2 4142", "\\# 2 4142" },
	};
	uint8_t rd[RDATA_MAX];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t len = parse_ok(v[i].type, v[i].in, rd);
		rdata_canonicalize(v[i].type, rd, len);
		const char *s = to_str(v[i].type, rd, len);
		if (strcmp(s, v[i].out) != 0)
			fail_msg("canonical %zu: '%s', want '%s'", i, s, v[i].out);
	}
	/* Malformed RDATA is left alone. */
	memcpy(rd, "\0\1\3ABC", 6);
	rdata_canonicalize(RR_MX, rd, 6);
	assert_memory_equal(rd, "\0\1\3ABC", 6);
}

struct names {
	char s[8][NAME_MAX_STR];
	int n;
	int stop_at;
};

static int
collect(const uint8_t *name, void *arg)
{
	struct names *c = arg;

	name_to_str(name, c->s[c->n], NAME_MAX_STR);
	if (++c->n == c->stop_at)
		return 42;
	return 0;
}

static void
test_foreach_name(void **state)
{
	uint8_t rd[RDATA_MAX];
	struct names c;
	size_t len;

	memset(&c, 0, sizeof(c));
	len = parse_ok(RR_SOA, "ns.x. admin.x. 1 2 3 4 5", rd);
	assert_int_equal(rdata_foreach_name(RR_SOA, rd, len, collect, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.s[0], "ns.x.");
	assert_string_equal(c.s[1], "admin.x.");

	memset(&c, 0, sizeof(c));
	c.stop_at = 1;
	assert_int_equal(rdata_foreach_name(RR_SOA, rd, len, collect, &c), 42);
	assert_int_equal(c.n, 1);

	memset(&c, 0, sizeof(c));
	len = parse_ok(RR_RRSIG, "A 8 2 3600 1 0 7 signer.x. AA==", rd);
	assert_int_equal(rdata_foreach_name(RR_RRSIG, rd, len, collect, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.s[0], "signer.x.");

	memset(&c, 0, sizeof(c));
	len = parse_ok(RR_NAPTR, "1 1 \"\" \"\" \"\" repl.x.", rd);
	assert_int_equal(rdata_foreach_name(RR_NAPTR, rd, len, collect, &c), 0);
	assert_int_equal(c.n, 1);

	memset(&c, 0, sizeof(c));
	len = parse_ok(RR_TXT, "\"a.b.\"", rd);
	assert_int_equal(rdata_foreach_name(RR_TXT, rd, len, collect, &c), 0);
	assert_int_equal(rdata_foreach_name(65280, rd, len, collect, &c), 0);
	assert_int_equal(c.n, 0);

	assert_true(rdata_foreach_name(RR_MX, (const uint8_t *)"\0", 1, collect, &c) < 0);
}

static void
test_parse_errors(void **state)
{
	static const struct {
		uint16_t type;
		const char *in;
		const char *msg;
		size_t tok;
	} v[] = {
		{ RR_A, "1.2.3", "bad IPv4 address '1.2.3'", 0 },
		{ RR_A, "1.2.3.256", "bad IPv4 address '1.2.3.256'", 0 },
		{ RR_A, "\"1.2.3.4\"", "bad IPv4 address '1.2.3.4'", 0 },
		{ RR_A, "", "missing IPv4 address", 0 },
		{ RR_A, "1.2.3.4 5", "unexpected '5' after the RDATA", 1 },
		{ RR_AAAA, "2001:db8::1::2", "bad IPv6 address '2001:db8::1::2'", 0 },
		{ RR_AAAA, "1.2.3.4", "bad IPv6 address '1.2.3.4'", 0 },
		{ RR_MX, "65536 mx.x.", "bad 16-bit integer '65536'", 0 },
		{ RR_MX, "-1 mx.x.", "bad 16-bit integer '-1'", 0 },
		{ RR_MX, "10", "missing domain name", 1 },
		{ RR_MX, "10 a..b.", "bad domain name 'a..b.'", 1 },
		{ RR_DNSKEY, "256 3 256 AA==", "bad 8-bit integer '256'", 2 },
		{ RR_SOA, "a. b. 4294967296 1 1 1 1", "bad 32-bit integer '4294967296'", 2 },
		{ RR_SOA, "a. b. 1 1x 1 1 1", "bad TTL '1x'", 3 },
		{ RR_RRSIG, "FOO 8 2 3600 1 0 7 x. AA==", "bad type 'FOO'", 0 },
		{ RR_RRSIG, "A 8 2 3600 20260230000000 0 7 x. AA==", "bad time '20260230000000'", 4 },
		{ RR_RRSIG, "A 8 2 3600 20261301000000 0 7 x. AA==", "bad time '20261301000000'", 4 },
		{ RR_RRSIG, "A 8 2 3600 19691231235959 0 7 x. AA==", "bad time '19691231235959'", 4 },
		{ RR_RRSIG, "A 8 2 3600 2026010100000 0 7 x. AA==", "bad time '2026010100000'", 4 },
		{ RR_RRSIG, "A 8 2 3600 20260101240000 0 7 x. AA==", "bad time '20260101240000'", 4 },
		{ RR_TXT, "", "missing character-string", 0 },
		{ RR_TXT, "a\\", "bad character-string 'a\\'", 0 },
		{ RR_TXT, "\"\\25\"", "bad character-string '\\25'", 0 },
		{ RR_TXT, "\"\\256\"", "bad character-string '\\256'", 0 },
		{ RR_CAA, "0 \"\" \"x\"", "bad CAA tag ''", 1 },
		{ RR_CAA, "0 issue", "missing CAA value", 2 },
		{ RR_NSEC3PARAM, "1 0 0", "missing NSEC3 salt", 3 },
		{ RR_NSEC3, "1 0 0 -", "missing NSEC3 next hashed owner", 4 },
		{ RR_OPT, "0", "this type has no presentation format: use \\# (RFC 3597)", 0 },
		{ 65280, "abc", "type TYPE65280 has no known format: use \\# (RFC 3597)", 0 },
		{ RR_SVCB, "1 .", "type SVCB has no known format: use \\# (RFC 3597)", 0 },
		{ 65280, "\\#", "missing RDATA length after \\#", 1 },
		{ 65280, "\\# x", "bad RDATA length 'x'", 1 },
		{ 65280, "\\# 65536 00", "bad RDATA length '65536'", 1 },
		{ 65280, "\\# 2 00", "\\# length 2 does not match the data (1 octets)", 1 },
		{ 65280, "\\# 1 0000", "\\# length 1 does not match the data (2 octets)", 1 },
		{ 65280, "\\# 1", "missing hex data", 2 },
		{ 65280, "\\# 0 00", "\\# 0 takes no data", 2 },
		{ 65280, "\\# 1 0", "bad hex '0'", 2 },
		{ RR_A, "\\# 3 010203", "malformed A RDATA in \\# form", 0 },
		{ RR_MX, "\\# 4 0001C00C", "malformed MX RDATA in \\# form", 0 },
		{ RR_NSEC, "\\# 4 00000000", "malformed NSEC RDATA in \\# form", 0 },
	};
	rdata_perr pe;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		parse_err(v[i].type, v[i].in, &pe);
		if (strcmp(pe.msg, v[i].msg) != 0 || pe.tok != v[i].tok)
			fail_msg("case %zu '%s': got '%s' at %zu, want '%s' at %zu",
			    i, v[i].in, pe.msg, pe.tok, v[i].msg, v[i].tok);
	}

	/* rdata_from_tokens gives the token index. */
	uint8_t rd[RDATA_MAX];
	size_t n = tokenize("10 a..b.", toks, 8), len, et = 99;
	assert_int_equal(rdata_from_tokens(RR_MX, toks, n, NULL, rd, sizeof(rd), &len, &et), MX_ESYNTAX);
	assert_int_equal(et, 1);
	assert_int_equal(rdata_from_tokens(RR_MX, toks, n, NULL, rd, sizeof(rd), &len, NULL), MX_ESYNTAX);

	/* Output too small. */
	n = tokenize("10 mail.example.", toks, 8);
	assert_int_equal(rdata_from_tokens(RR_MX, toks, n, NULL, rd, 5, &len, NULL), MX_ESPACE);

	/* Long tokens are cut in messages. */
	char big[200];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	parse_err(RR_A, big, &pe);
	assert_true(strlen(pe.msg) < sizeof(pe.msg));
	assert_non_null(strstr(pe.msg, "...'"));
}

static void
test_ttl_from_str(void **state)
{
	static const struct { const char *s; int rc; uint32_t v; } v[] = {
		{ "0", 0, 0 }, { "3600", 0, 3600 }, { "1h", 0, 3600 },
		{ "1h30m", 0, 5400 }, { "1H30M", 0, 5400 }, { "1d", 0, 86400 },
		{ "1w", 0, 604800 }, { "1w1d1h1m1s", 0, 694861 }, { "2m10", 0, 130 },
		{ "4294967295", 0, 4294967295u }, { "4294967296", MX_ERANGE, 0 },
		{ "7102w", MX_ERANGE, 0 }, { "", MX_ESYNTAX, 0 }, { "h", MX_ESYNTAX, 0 },
		{ "1x", MX_ESYNTAX, 0 }, { "1hh", MX_ESYNTAX, 0 }, { "-1", MX_ESYNTAX, 0 },
		{ " 1", MX_ESYNTAX, 0 },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint32_t t = 77;
		int rc = rdata_ttl_from_str(v[i].s, strlen(v[i].s), &t);
		if (rc != v[i].rc || (rc == 0 && t != v[i].v))
			fail_msg("ttl '%s': rc %d value %u", v[i].s, rc, t);
	}
}

static void
test_to_str_edges(void **state)
{
	char buf[64];
	uint8_t rd[RDATA_MAX];
	size_t len = parse_ok(RR_MX, "10 mail.example.", rd);

	assert_int_equal(rdata_to_str(RR_MX, rd, len, buf, 17), 16);
	assert_string_equal(buf, "10 mail.example.");
	assert_int_equal(rdata_to_str(RR_MX, rd, len, buf, 16), MX_ESPACE);
	assert_string_equal(buf, "");
	assert_int_equal(rdata_to_str(RR_MX, rd, len, buf, 0), MX_ESPACE);
	/* Malformed RDATA of a known type does not print. */
	assert_int_equal(rdata_to_str(RR_MX, rd, 3, buf, sizeof(buf)), MX_EFORMAT);
	/* OPT has no text form but \#. */
	assert_string_equal(to_str(RR_OPT, (const uint8_t *)"", 0), "\\# 0");

	/* CAA tag with odd octets stays one token. */
	len = parse_ok(RR_CAA, "0 a\\032b\\;c \"v\"", rd);
	assert_string_equal(to_str(RR_CAA, rd, len), "0 a\\032b\\;c \"v\"");
}

static void
test_rrtype(void **state)
{
	char buf[32];
	uint16_t t;

	assert_string_equal(rrtype_name(RR_NSEC3PARAM), "NSEC3PARAM");
	assert_null(rrtype_name(65280));
	assert_int_equal(rrtype_to_str(RR_A, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "A");
	assert_int_equal(rrtype_to_str(65280, buf, sizeof(buf)), 9);
	assert_string_equal(buf, "TYPE65280");
	assert_int_equal(rrtype_to_str(65280, buf, 9), MX_ESPACE);
	assert_int_equal(rrtype_from_str("dnskey", 6, &t), 0);
	assert_int_equal(t, RR_DNSKEY);
	assert_int_equal(rrtype_from_str("TYPE1", 5, &t), 0);
	assert_int_equal(t, 1);
	assert_int_equal(rrtype_from_str("type65535", 9, &t), 0);
	assert_int_equal(t, 65535);
	assert_true(rrtype_from_str("TYPE65536", 9, &t) < 0);
	assert_true(rrtype_from_str("TYPE", 4, &t) < 0);
	assert_true(rrtype_from_str("TYPE1x", 6, &t) < 0);
	assert_true(rrtype_from_str("AA", 2, &t) < 0);
	assert_true(rrtype_from_str("A", 0, &t) < 0);

	assert_int_equal(rrclass_from_str("in", 2, &t), 0);
	assert_int_equal(t, CLASS_IN);
	assert_int_equal(rrclass_from_str("CHAOS", 5, &t), 0);
	assert_int_equal(t, CLASS_CH);
	assert_int_equal(rrclass_from_str("CLASS4", 6, &t), 0);
	assert_int_equal(t, CLASS_HS);
	assert_true(rrclass_from_str("A", 1, &t) < 0);
	assert_int_equal(rrclass_to_str(CLASS_CH, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "CH");
	rrclass_to_str(42, buf, sizeof(buf));
	assert_string_equal(buf, "CLASS42");

	assert_string_equal(rcode_name(RCODE_SERVFAIL), "SERVFAIL");
	assert_string_equal(rcode_name(RCODE_BADVERS), "BADVERS");
	assert_string_equal(rcode_name(4000), "RCODE4000");

	assert_true(rrtype_is_meta(RR_OPT));
	assert_true(rrtype_is_meta(RR_ANY));
	assert_true(rrtype_is_meta(RR_AXFR));
	assert_true(rrtype_is_meta(RR_TSIG));
	assert_false(rrtype_is_meta(RR_A));
	assert_false(rrtype_is_meta(RR_CAA));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_presentation_roundtrip),
		cmocka_unit_test(test_known_bytes),
		cmocka_unit_test(test_read_decompress),
		cmocka_unit_test(test_read_pointer_forbidden),
		cmocka_unit_test(test_write_compress),
		cmocka_unit_test(test_read_lengths),
		cmocka_unit_test(test_bitmaps),
		cmocka_unit_test(test_longest_text),
		cmocka_unit_test(test_base32hex),
		cmocka_unit_test(test_base64_hex),
		cmocka_unit_test(test_keytag),
		cmocka_unit_test(test_canonicalize),
		cmocka_unit_test(test_foreach_name),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_ttl_from_str),
		cmocka_unit_test(test_to_str_edges),
		cmocka_unit_test(test_rrtype),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
