/* Unit tests: cache keys and values as bytes (cache/entry.h). */
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
#include "cache.h"
#include "entry.h"
#include "rdata.h"
#include "region.h"
#include "rrtype.h"
#include "status.h"

static void
nm(const char *s, uint8_t out[NAME_MAX_WIRE])
{
	assert_int_equal(name_from_cstr(s, out), 0);
}

static int
sign(int v)
{
	return (v > 0) - (v < 0);
}

/* memcmp over the common length, then the shorter key first: LMDB's
 * default key order. */
static int
key_cmp(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
	int c = memcmp(a, b, la < lb ? la : lb);

	if (c != 0)
		return sign(c);
	return la < lb ? -1 : la > lb;
}

static int
keys_vs_canon(const uint8_t *a, const uint8_t *b)
{
	uint8_t ka[CKEY_MAX], kb[CKEY_MAX];
	int la = ckey_name(a, ka, sizeof(ka)), lb = ckey_name(b, kb, sizeof(kb));

	assert_true(la >= 0);
	assert_true(lb >= 0);
	int k = key_cmp(ka, (size_t)la, kb, (size_t)lb);
	int c = sign(name_canon_cmp(a, b));
	if (k != c) {
		char sa[NAME_MAX_STR], sb[NAME_MAX_STR];
		name_to_str(a, sa, sizeof(sa));
		name_to_str(b, sb, sizeof(sb));
		print_error("key order %d, canonical order %d: %s vs %s\n", k, c, sa, sb);
	}
	assert_int_equal(k, c);
	return k;
}

static void
test_key_order_pairs(void **state)
{
	static const char *pairs[][2] = {
		{ ".", "com" }, { "com", "a.com" }, { "a.com", "A.com" },
		{ "a.com", "b.com" }, { "a.com", "aa.com" }, { "ab.com", "b.com" },
		{ "\\000.com", "a.com" }, { "\\000.com", "\\001.com" },
		{ "\\001.com", "\\002.com" }, { "\\001\\001.com", "\\001\\002.com" },
		{ "\\001.com", "\\000\\000.com" }, { "\\000.com", "\\000\\000.com" },
		{ "\\001\\255.com", "\\002.com" }, { "\\000\\255.com", "\\001.com" },
		{ "a.com", "a\\000.com" }, { "a\\000.com", "a\\001.com" },
		{ "a\\001.com", "a\\002.com" }, { "a\\000\\000.com", "a\\001.com" },
		{ "z.a.com", "b.com" }, { "a.com", "a.a.com" }, { "-.com", "a.com" },
		{ "\\255.com", "z.com" }, { "com", "\\000.com" }, { "com", "com\\000" },
		{ "\\000", "." }, { "\\000", "\\001" }, { "\\000", "\\000.\\000" },
		{ "\\001", "\\000.\\001" }, { "Z", "a" }, { "Z", "[" }, { "\\@", "a" },
		{ "EXAMPLE.com", "example.COM" }, { "a.b.c.d", "a.b.c" },
		{ "x.a\\000", "a\\001" }, { "x.a", "a\\000" }, { "a.a\\000", "a\\000" },
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		uint8_t a[NAME_MAX_WIRE], b[NAME_MAX_WIRE];
		nm(pairs[i][0], a);
		nm(pairs[i][1], b);
		keys_vs_canon(a, b);
		keys_vs_canon(b, a);
		keys_vs_canon(a, a);
	}

	/* RFC 4034 6.1's example, in order. */
	static const char *chain[] = {
		"example", "a.example", "yljkjljk.a.example", "Z.a.example",
		"zABC.a.EXAMPLE", "z.example", "\\001.z.example", "*.z.example",
		"\\200.z.example",
	};
	for (size_t i = 0; i + 1 < sizeof(chain) / sizeof(chain[0]); i++) {
		uint8_t a[NAME_MAX_WIRE], b[NAME_MAX_WIRE];
		nm(chain[i], a);
		nm(chain[i + 1], b);
		assert_int_equal(keys_vs_canon(a, b), -1);
	}
}

/* A fixed PRNG (xorshift64*) so the property test is the same everywhere. */
static uint64_t rng_state;

static uint32_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

static void
random_name(uint8_t out[NAME_MAX_WIRE])
{
	static const uint8_t alpha[] = { 0x00, 0x01, 'A', 'a', 'b', '-' };
	unsigned nlab = rng() % 5, o = 0;

	for (unsigned l = 0; l < nlab; l++) {
		/* Mostly short labels, so prefixes and equal names are common;
		 * now and then a long one. */
		unsigned len = rng() % 8 == 0 ? 1 + rng() % 63 : 1 + rng() % 3;
		if (o + 1 + len + 1 > NAME_MAX_WIRE)
			break;
		out[o++] = (uint8_t)len;
		for (unsigned i = 0; i < len; i++)
			out[o++] = alpha[rng() % sizeof(alpha)];
	}
	out[o] = 0;
}

#define NRANDOM 2500

static void
test_key_order_random(void **state)
{
	static uint8_t names[NRANDOM][NAME_MAX_WIRE];
	static uint8_t keys[NRANDOM][CKEY_MAX];
	static int klen[NRANDOM];
	unsigned equal = 0, less = 0;

	rng_state = 0x6d78736563ull;   /* "mxsec" */
	for (unsigned i = 0; i < NRANDOM; i++) {
		random_name(names[i]);
		klen[i] = ckey_name(names[i], keys[i], CKEY_MAX);
		assert_true(klen[i] >= 0);
	}
	for (unsigned i = 0; i < NRANDOM; i++) {
		for (unsigned j = 0; j < NRANDOM; j++) {
			int k = key_cmp(keys[i], (size_t)klen[i], keys[j], (size_t)klen[j]);
			int c = sign(name_canon_cmp(names[i], names[j]));
			if (k != c)
				fail_msg("random names %u and %u: key %d, canonical %d", i, j, k, c);
			equal += k == 0 && i != j;
			less += k < 0;
		}
	}
	/* The generator really produced collisions and both orders. */
	assert_true(equal > 100);
	assert_true(less > NRANDOM * (NRANDOM / 4));
}

static void
lowered(const char *s, uint8_t out[NAME_MAX_WIRE])
{
	nm(s, out);
	name_lower(out);
}

static void
test_key_roundtrip(void **state)
{
	static const char *names[] = {
		".", "com", "WWW.Example.COM", "\\000\\001a.\\001.B",
		"\\000", "\\001\\001\\000", "a.\\255\\254.-",
		"123456789012345678901234567890123456789012345678901234567890abc."
		"123456789012345678901234567890123456789012345678901234567890abc."
		"123456789012345678901234567890123456789012345678901234567890abc."
		"123456789012345678901234567890123456789012345678901234567890a",
	};
	uint8_t key[CKEY_MAX], back[NAME_MAX_WIRE], want[NAME_MAX_WIRE], n[NAME_MAX_WIRE];
	size_t used;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		nm(names[i], n);
		lowered(names[i], want);

		/* K(name) alone. */
		int kl = ckey_name(n, key, sizeof(key));
		assert_true(kl >= 0);
		assert_int_equal(ckey_to_name(key, (size_t)kl, back, &used), 0);
		assert_int_equal(used, (size_t)kl);
		assert_int_equal(name_len(back), name_len(want));
		assert_memory_equal(back, want, name_len(want));

		/* An answer key: the name stops at the 00 before type and flags. */
		int al = ckey_answer(n, RR_MX, 0x5a, key, sizeof(key));
		assert_int_equal(al, kl + 4);
		assert_int_equal(key[kl], 0);
		assert_int_equal(key[kl + 1], 0);
		assert_int_equal(key[kl + 2], RR_MX);
		assert_int_equal(key[kl + 3], 0x5a);
		memset(back, 0xee, sizeof(back));
		assert_int_equal(ckey_to_name(key, (size_t)al, back, &used), 0);
		assert_int_equal(used, (size_t)kl);
		assert_memory_equal(back, want, name_len(want));
		assert_int_equal(ckey_to_name(key, (size_t)al, back, NULL), 0);
	}

	/* An answer key sorts after its name's key and before its children. */
	uint8_t ka[CKEY_MAX], kc[CKEY_MAX];
	nm("example", n);
	int al = ckey_answer(n, 65535, 0xff, ka, sizeof(ka));
	nm("\\000.example", n);
	int cl = ckey_name(n, kc, sizeof(kc));
	assert_int_equal(key_cmp(ka, (size_t)al, kc, (size_t)cl), -1);
	nm(".", n);
	al = ckey_answer(n, 65535, 0xff, ka, sizeof(ka));
	nm("\\000", n);
	cl = ckey_name(n, kc, sizeof(kc));
	assert_int_equal(key_cmp(ka, (size_t)al, kc, (size_t)cl), -1);
}

static void
test_key_malformed(void **state)
{
	uint8_t back[NAME_MAX_WIRE], key[600];
	size_t used = 77;

	/* An escape other than 01 01 / 01 02, or cut short. */
	assert_int_equal(ckey_to_name((const uint8_t *)"com\0\1\3\0", 7, back, &used), MX_EFORMAT);
	assert_int_equal(ckey_to_name((const uint8_t *)"com\0\1\0", 6, back, &used), MX_EFORMAT);
	assert_int_equal(ckey_to_name((const uint8_t *)"com\0a\1", 6, back, &used), MX_EFORMAT);
	assert_int_equal(ckey_to_name((const uint8_t *)"\1\377\0", 3, back, &used), MX_EFORMAT);
	/* No terminator after the last label. */
	assert_int_equal(ckey_to_name((const uint8_t *)"com", 3, back, &used), MX_EFORMAT);
	assert_int_equal(ckey_to_name((const uint8_t *)"com\0exa", 7, back, &used), MX_EFORMAT);
	assert_int_equal(ckey_to_name((const uint8_t *)"\1\1", 2, back, &used), MX_EFORMAT);
	assert_int_equal(used, 77);   /* untouched on failure */

	/* A label of 63 octets is fine, 64 is not; escaped octets count once. */
	memset(key, 'a', 63);
	key[63] = 0;
	assert_int_equal(ckey_to_name(key, 64, back, &used), 0);
	assert_int_equal(back[0], 63);
	for (int i = 0; i < 63; i++) {
		key[2 * i] = 1;
		key[2 * i + 1] = 1;
	}
	key[126] = 0;
	assert_int_equal(ckey_to_name(key, 127, back, &used), 0);
	assert_int_equal(back[0], 63);
	assert_int_equal(back[1], 0);
	memset(key, 'a', 64);
	key[64] = 0;
	assert_int_equal(ckey_to_name(key, 65, back, &used), MX_EFORMAT);
	key[126] = 1;
	key[127] = 2;
	key[128] = 0;
	for (int i = 0; i < 64; i++) {
		key[2 * i] = 1;
		key[2 * i + 1] = 2;
	}
	assert_int_equal(ckey_to_name(key, 129, back, &used), MX_EFORMAT);

	/* 255 octets in wire form is the most; one more is too long. */
	size_t o = 0;
	for (int l = 0; l < 4; l++) {
		size_t len = l < 3 ? 63 : 61;
		memset(key + o, 'x', len);
		o += len;
		key[o++] = 0;
	}
	assert_int_equal(ckey_to_name(key, o, back, &used), 0);
	assert_int_equal(name_len(back), 255);
	key[o - 1] = 'x';
	key[o++] = 0;
	assert_int_equal(ckey_to_name(key, o, back, &used), MX_EFORMAT);
	/* 128 one-octet labels: 257 octets in wire form. */
	for (int l = 0; l < 128; l++) {
		key[2 * l] = 'q';
		key[2 * l + 1] = 0;
	}
	assert_int_equal(ckey_to_name(key, 254, back, &used), 0);
	assert_int_equal(name_labels(back), 127);
	assert_int_equal(ckey_to_name(key, 256, back, &used), MX_EFORMAT);

	/* The empty key and a lone 00 are the root. */
	assert_int_equal(ckey_to_name(key, 0, back, &used), 0);
	assert_int_equal(back[0], 0);
	assert_int_equal(used, 0);
	assert_int_equal(ckey_to_name((const uint8_t *)"\0\0\1\0", 4, back, &used), 0);
	assert_int_equal(back[0], 0);
	assert_int_equal(used, 0);
}

static void
test_key_limit(void **state)
{
	uint8_t n[NAME_MAX_WIRE], key[CKEY_MAX + 8];

	/* "ab.\000\001": escaped it needs 2 + 1 + 4 + 1 = 8 octets. */
	nm("\\000\\001.ab", n);
	assert_int_equal(ckey_name(n, key, 8), 8);
	assert_memory_equal(key, "ab\0\1\1\1\2\0", 8);
	for (size_t cap = 0; cap < 8; cap++)
		assert_int_equal(ckey_name(n, key, cap), MX_ELIMIT);
	/* Unescaped the name would fit in 6: the escapes are what overflow. */
	assert_int_equal(ckey_name(n, key, 6), MX_ELIMIT);
	for (size_t cap = 0; cap < 12; cap++)
		assert_int_equal(ckey_answer(n, RR_A, 0, key, cap), MX_ELIMIT);
	assert_int_equal(ckey_answer(n, RR_A, 0, key, 12), 12);

	/* The root's answer key is four octets; less space is an error, not
	 * an overflow (ASan checks the exact-size buffer). */
	uint8_t *small = malloc(4);
	assert_non_null(small);
	for (size_t cap = 0; cap < 4; cap++)
		assert_int_equal(ckey_answer((const uint8_t *)"", RR_A, 0, small, cap), MX_ELIMIT);
	assert_int_equal(ckey_answer((const uint8_t *)"", RR_A, 0, small, 4), 4);
	free(small);

	/* The worst a legal name can do: four labels of NUL octets, 250 of
	 * them escaped to 500, plus four terminators.  It fits CKEY_MAX even
	 * as an answer key. */
	size_t o = 0;
	for (int l = 0; l < 4; l++) {
		size_t len = l < 3 ? 63 : 61;
		n[o++] = (uint8_t)len;
		memset(n + o, 0, len);
		o += len;
	}
	n[o] = 0;
	assert_int_equal(name_len(n), 255);
	assert_int_equal(ckey_name(n, key, CKEY_MAX), 504);
	assert_int_equal(ckey_answer(n, RR_A, 0, key, CKEY_MAX), 508);
	assert_int_equal(ckey_name(n, key, 503), MX_ELIMIT);
	uint8_t back[NAME_MAX_WIRE];
	size_t used;
	assert_int_equal(ckey_to_name(key, 508, back, &used), 0);
	assert_int_equal(used, 504);
	assert_memory_equal(back, n, 255);
}

/* --- values --- */

static size_t
rdata(uint16_t type, const char *text, uint8_t *out, size_t cap)
{
	rdata_tok tok[32];
	size_t ntok = 0, len;
	const char *s = text;

	while (*s) {
		while (*s == ' ')
			s++;
		if (*s == 0)
			break;
		assert_true(ntok < 32);
		const char *st = s;
		while (*s && *s != ' ')
			s++;
		tok[ntok++] = (rdata_tok){ st, (size_t)(s - st), false };
	}
	assert_int_equal(rdata_from_tokens(type, tok, ntok, NULL, out, cap, &len, NULL), 0);
	assert_int_equal(rdata_check(type, out, len), 0);
	return len;
}

typedef struct fixture {
	uint8_t owners[6][NAME_MAX_WIRE];
	uint8_t rd[6][512];
	msg_rr rr[6];
	centry e;
} fixture;

static void
add(fixture *f, int i, const char *owner, uint16_t type, uint32_t ttl, const char *text)
{
	nm(owner, f->owners[i]);
	f->rr[i] = (msg_rr){
		.owner = f->owners[i], .type = type, .rclass = 1, .ttl = ttl,
		.rdlen = (uint16_t)rdata(type, text, f->rd[i], sizeof(f->rd[i])),
		.rdata = f->rd[i],
	};
}

static void
make_fixture(fixture *f)
{
	memset(f, 0, sizeof(*f));
	add(f, 0, "www.Example", RR_A, 300, "192.0.2.1");
	add(f, 1, "example", RR_MX, 300, "10 MX.example.");
	add(f, 2, "example", RR_RRSIG, 300,
	    "MX 13 1 300 20261231000000 20261101000000 12345 example. "
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==");
	add(f, 3, "a.example", RR_NSEC, 3600, "c.example. A MX RRSIG NSEC TYPE65000");
	add(f, 4, "example", RR_SOA, 3600,
	    "ns1.example. hostmaster.example. 2026112801 7200 3600 1209600 300");
	add(f, 5, "a.example", RR_RRSIG, 0x7fffffff,
	    "NSEC 13 2 3600 20261231000000 20261101000000 12345 example. "
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==");
	f->e = (centry){
		.kind = CE_ANSWER, .status = SEC_BOGUS, .rcode = 3,
		.has_ede = true, .ede = EDE_SIGNATURE_EXPIRED,
		.reason = "RRSIG example. MX expired 2026-12-31 (key 12345)",
		.stored = 0x123456789ll, .expires = 0x123456789ll + 300,
		.hits = 0xdeadbeef, .count = { 3, 3 },
		.rr = { f->rr, f->rr + 3 },
	};
}

static void
assert_entry_equal(const centry *a, const centry *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->rcode, b->rcode);
	assert_int_equal(a->has_ede, b->has_ede);
	assert_int_equal(a->ede, b->ede);
	if (a->reason == NULL || b->reason == NULL)
		assert_ptr_equal(a->reason, b->reason);
	else
		assert_string_equal(a->reason, b->reason);
	assert_true(a->stored == b->stored);
	assert_true(a->expires == b->expires);
	assert_int_equal(a->hits, b->hits);
	for (int s = 0; s < 2; s++) {
		assert_int_equal(a->count[s], b->count[s]);
		for (unsigned i = 0; i < a->count[s]; i++) {
			const msg_rr *x = &a->rr[s][i], *y = &b->rr[s][i];
			assert_int_equal(name_len(x->owner), name_len(y->owner));
			assert_memory_equal(x->owner, y->owner, name_len(x->owner));
			assert_int_equal(x->type, y->type);
			assert_int_equal(x->rclass, y->rclass);
			assert_int_equal(x->ttl, y->ttl);
			assert_int_equal(x->rdlen, y->rdlen);
			assert_memory_equal(x->rdata, y->rdata, x->rdlen);
		}
	}
}

static uint8_t vbuf[65536];

static size_t
encode(const centry *e)
{
	size_t len = 0;

	assert_int_equal(centry_encode(e, vbuf, sizeof(vbuf), &len), 0);
	return len;
}

/* Decode from an exact-size heap copy, so ASan sees any over-read. */
static int
decode_copy(const uint8_t *buf, size_t len)
{
	region reg;
	centry d;
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	memcpy(p, buf, len);
	region_init(&reg, 0);
	int rc = centry_decode(p, len, &reg, &d);
	region_free(&reg);
	free(p);
	return rc;
}

/* Rewrite the trailing CRC after a hand edit. */
static void
reseal(uint8_t *buf, size_t len)
{
	uint32_t c = ccsum(buf, len - 4);

	buf[len - 4] = (uint8_t)(c >> 24);
	buf[len - 3] = (uint8_t)(c >> 16);
	buf[len - 2] = (uint8_t)(c >> 8);
	buf[len - 1] = (uint8_t)c;
}

static void
test_crc(void **state)
{
	/* Deterministic, and sensitive to every octet and to the length. */
	uint8_t b[64];
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 7);
	uint32_t h = ccsum(b, sizeof(b));
	assert_int_equal(ccsum(b, sizeof(b)), h);
	for (size_t i = 0; i < sizeof(b); i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			assert_int_not_equal(ccsum(b, sizeof(b)), h);
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
	assert_int_not_equal(ccsum(b, 63), ccsum(b, 64));
	uint8_t z[16] = { 0 };
	assert_int_not_equal(ccsum(z, 15), ccsum(z, 16));
}

static void
test_value_roundtrip(void **state)
{
	fixture f;
	region reg;
	centry d;

	make_fixture(&f);
	size_t len = encode(&f.e);
	region_init(&reg, 0);
	assert_int_equal(centry_decode(vbuf, len, &reg, &d), 0);
	assert_entry_equal(&f.e, &d);
	/* Owners and RDATA point into the value; the owner keeps its case. */
	assert_true(d.rr[0][0].owner >= vbuf && d.rr[0][0].owner < vbuf + len);
	assert_memory_equal(d.rr[0][0].owner, "\3www\7Example", 13);
	assert_true(d.rr[1][2].rdata > vbuf && d.rr[1][2].rdata < vbuf + len);

	/* Encoding again gives the same bytes. */
	uint8_t again[4096];
	size_t len2;
	assert_true(len <= sizeof(again));
	assert_int_equal(centry_encode(&d, again, sizeof(again), &len2), 0);
	assert_int_equal(len2, len);
	assert_memory_equal(again, vbuf, len);
	region_free(&reg);

	/* Every status and kind, no reason, no EDE, no records, epoch 0. */
	static const sec_status sts[] = { SEC_SECURE, SEC_INSECURE, SEC_BOGUS, SEC_INDETERMINATE };
	for (int k = CE_ANSWER; k <= CE_SOA; k++) {
		for (size_t s = 0; s < 4; s++) {
			centry e = { .kind = (uint8_t)k, .status = sts[s], .rcode = 4095,
			    .stored = 0, .expires = (int64_t)1 << 31 };
			len = encode(&e);
			assert_int_equal(len, 38 + 4);
			region_init(&reg, 0);
			assert_int_equal(centry_decode(vbuf, len, &reg, &d), 0);
			assert_entry_equal(&e, &d);
			assert_null(d.reason);
			assert_null(d.rr[0]);
			assert_null(d.rr[1]);
			region_free(&reg);
		}
	}

	/* An empty reason stays an empty reason, apart from none at all. */
	centry e = { .kind = CE_NSEC, .status = SEC_SECURE, .reason = "" };
	len = encode(&e);
	region_init(&reg, 0);
	assert_int_equal(centry_decode(vbuf, len, &reg, &d), 0);
	assert_non_null(d.reason);
	assert_string_equal(d.reason, "");
	region_free(&reg);

	/* The longest reason; a longer one is cut at the limit. */
	char longr[CENTRY_MAX_REASON + 100];
	memset(longr, '~', sizeof(longr) - 1);
	longr[sizeof(longr) - 1] = 0;
	e.reason = longr;
	len = encode(&e);
	region_init(&reg, 0);
	assert_int_equal(centry_decode(vbuf, len, &reg, &d), 0);
	assert_int_equal(strlen(d.reason), CENTRY_MAX_REASON);
	region_free(&reg);

	/* Only records in the authority section (a NODATA or NXDOMAIN). */
	make_fixture(&f);
	f.e.count[0] = 0;
	f.e.rr[0] = NULL;
	f.e.has_ede = false;
	f.e.reason = NULL;
	f.e.status = SEC_SECURE;
	len = encode(&f.e);
	region_init(&reg, 0);
	assert_int_equal(centry_decode(vbuf, len, &reg, &d), 0);
	assert_entry_equal(&f.e, &d);
	region_free(&reg);
}

static void
test_value_corruption(void **state)
{
	fixture f;
	static uint8_t orig[4096];

	make_fixture(&f);
	size_t len = encode(&f.e);
	assert_true(len <= sizeof(orig));
	memcpy(orig, vbuf, len);
	assert_int_equal(decode_copy(orig, len), 0);

	/* Every value of every octet but the right one: the CRC catches it. */
	region reg;
	centry d;
	region_init(&reg, 0);
	for (size_t pos = 0; pos < len; pos++) {
		for (unsigned x = 1; x < 256; x++) {
			vbuf[pos] = (uint8_t)(orig[pos] ^ x);
			if (centry_decode(vbuf, len, &reg, &d) == 0)
				fail_msg("flip of octet %zu by %#x decoded", pos, x);
			region_reset(&reg);
		}
		vbuf[pos] = orig[pos];
	}
	region_free(&reg);

	/* Every truncation. */
	for (size_t l = 0; l < len; l++)
		if (decode_copy(orig, l) == 0)
			fail_msg("truncation to %zu decoded", l);
	/* And a trailing octet, even with a fresh CRC over it. */
	memcpy(vbuf, orig, len);
	vbuf[len] = 0;
	assert_int_not_equal(decode_copy(vbuf, len + 1), 0);
	memcpy(vbuf, orig, len - 4);
	vbuf[len - 4] = 0;
	reseal(vbuf, len + 1);
	assert_int_equal(decode_copy(vbuf, len + 1), MX_EFORMAT);

	/* reseal() itself works: a changed address is still a good value. */
	region_init(&reg, 0);
	assert_int_equal(centry_decode(orig, len, &reg, &d), 0);
	size_t a_at = (size_t)(d.rr[0][0].rdata - orig);
	size_t mx_at = (size_t)(d.rr[0][1].rdata - orig);
	size_t nsec_at = (size_t)(d.rr[1][0].rdata - orig);
	size_t nsec_len = d.rr[1][0].rdlen;
	region_free(&reg);
	memcpy(vbuf, orig, len);
	vbuf[a_at + 3] ^= 1;
	assert_int_not_equal(decode_copy(vbuf, len), 0);
	reseal(vbuf, len);
	assert_int_equal(decode_copy(vbuf, len), 0);

	/* Bad RDATA with a correct CRC: the MX exchange turned into a
	 * compression pointer, a label over 63, an NSEC bitmap window with
	 * length 0. */
	memcpy(vbuf, orig, len);
	vbuf[mx_at + 2] = 0xc0;
	reseal(vbuf, len);
	assert_int_equal(decode_copy(vbuf, len), MX_EFORMAT);
	memcpy(vbuf, orig, len);
	vbuf[mx_at + 2] = 64;
	reseal(vbuf, len);
	assert_int_equal(decode_copy(vbuf, len), MX_EFORMAT);
	memcpy(vbuf, orig, len);
	/* "c.example." is 11 octets; the first window follows. */
	assert_true(nsec_len > 13);
	vbuf[nsec_at + 11 + 1] = 0;
	reseal(vbuf, len);
	assert_int_equal(decode_copy(vbuf, len), MX_EFORMAT);

	/* An owner name with a compression pointer. */
	memcpy(vbuf, orig, len);
	size_t own = (size_t)(38 + strlen(f.e.reason));
	assert_int_equal(vbuf[own], 3);
	vbuf[own] = 0xc0;
	vbuf[own + 1] = 0;
	reseal(vbuf, len);
	assert_int_equal(decode_copy(vbuf, len), MX_EFORMAT);
}

/* Patch header octets of a good value, reseal, expect MX_EFORMAT. */
static void
bad_header(const uint8_t *orig, size_t len, size_t at, const uint8_t *bytes, size_t n)
{
	memcpy(vbuf, orig, len);
	memcpy(vbuf + at, bytes, n);
	reseal(vbuf, len);
	if (decode_copy(vbuf, len) != MX_EFORMAT)
		fail_msg("header patch at %zu decoded", at);
}

static void
test_value_header(void **state)
{
	fixture f;
	static uint8_t orig[4096];

	make_fixture(&f);
	size_t len = encode(&f.e);
	memcpy(orig, vbuf, len);

	bad_header(orig, len, 0, (const uint8_t *)"MXC", 3);          /* magic */
	const uint8_t older = CACHE_FORMAT_VERSION - 1, newer = CACHE_FORMAT_VERSION + 1;
	bad_header(orig, len, 3, &older, 1);                          /* version */
	bad_header(orig, len, 3, &newer, 1);
	bad_header(orig, len, 4, (const uint8_t *)"\0", 1);           /* kind */
	bad_header(orig, len, 4, (const uint8_t *)"\5", 1);
	bad_header(orig, len, 5, (const uint8_t *)"\4", 1);           /* status */
	bad_header(orig, len, 5, (const uint8_t *)"\377", 1);
	bad_header(orig, len, 6, (const uint8_t *)"\7", 1);           /* flags */
	bad_header(orig, len, 6, (const uint8_t *)"\1", 1);           /* reason, flag clear */
	bad_header(orig, len, 7, (const uint8_t *)"\1", 1);           /* reserved */
	bad_header(orig, len, 8, (const uint8_t *)"\20\0", 2);        /* rcode 4096 */
	bad_header(orig, len, 12, (const uint8_t *)"\200\0\0\0", 4);  /* stored < 0 */
	bad_header(orig, len, 20, (const uint8_t *)"\0\0\0\0", 4);    /* expires < stored */
	/* expires - stored = 2^31 + 1 */
	bad_header(orig, len, 20, (const uint8_t *)"\0\0\0\1\243\105\147\212", 8);
	bad_header(orig, len, 32, (const uint8_t *)"\4\0\0\1", 4);    /* 1025 records */
	bad_header(orig, len, 32, (const uint8_t *)"\377\377\377\377", 4);
	bad_header(orig, len, 32, (const uint8_t *)"\0\4", 2);        /* one too many */
	bad_header(orig, len, 34, (const uint8_t *)"\0\2", 2);        /* one too few */
	bad_header(orig, len, 36, (const uint8_t *)"\2\1", 2);        /* reason over 512 */
	/* The reason's length one off either way. */
	size_t rl = strlen(f.e.reason);
	uint8_t rlb[2] = { (uint8_t)((rl + 1) >> 8), (uint8_t)(rl + 1) };
	bad_header(orig, len, 36, rlb, 2);
	rlb[0] = (uint8_t)((rl - 1) >> 8);
	rlb[1] = (uint8_t)(rl - 1);
	bad_header(orig, len, 36, rlb, 2);

	/* Control and non-ASCII octets in the reason. */
	static const char *bad_reasons[] = { "line\nbreak", "tab\there", "del\177", "\200high", "\033[31m" };
	for (size_t i = 0; i < sizeof(bad_reasons) / sizeof(bad_reasons[0]); i++) {
		make_fixture(&f);
		f.e.reason = bad_reasons[i];
		len = encode(&f.e);
		assert_int_equal(decode_copy(vbuf, len), MX_EFORMAT);
	}
	/* expires - stored = 2^31 is the most; stored may be past 2^32. */
	make_fixture(&f);
	f.e.expires = f.e.stored + ((int64_t)1 << 31);
	assert_int_equal(decode_copy(vbuf, encode(&f.e)), 0);
	f.e.expires++;
	assert_int_equal(decode_copy(vbuf, encode(&f.e)), MX_EFORMAT);
}

static void
test_value_records(void **state)
{
	fixture f;

	/* RFC 2181 8: a TTL of 2^31 or more is invalid, in either section. */
	for (int i = 0; i < 6; i++) {
		make_fixture(&f);
		f.rr[i].ttl = 0x80000000u;
		assert_int_equal(decode_copy(vbuf, encode(&f.e)), MX_EFORMAT);
		f.rr[i].ttl = 0xffffffffu;
		assert_int_equal(decode_copy(vbuf, encode(&f.e)), MX_EFORMAT);
		f.rr[i].ttl = 0x7fffffffu;
		assert_int_equal(decode_copy(vbuf, encode(&f.e)), 0);
	}

	/* RDATA that does not fit its type, written by centry_encode (which
	 * trusts its caller) with a correct CRC. */
	make_fixture(&f);
	f.rr[0].rdlen = 3;                              /* short A */
	assert_int_equal(decode_copy(vbuf, encode(&f.e)), MX_EFORMAT);
	f.rr[0].rdlen = 5;                              /* long A */
	assert_int_equal(decode_copy(vbuf, encode(&f.e)), MX_EFORMAT);
	make_fixture(&f);
	f.rr[4].rdlen--;                                /* SOA cut short */
	assert_int_equal(decode_copy(vbuf, encode(&f.e)), MX_EFORMAT);
	make_fixture(&f);
	f.rr[1].type = RR_SOA;                          /* MX RDATA as SOA */
	assert_int_equal(decode_copy(vbuf, encode(&f.e)), MX_EFORMAT);
	make_fixture(&f);
	f.rr[3].type = RR_A;                            /* NSEC RDATA as A */
	assert_int_equal(decode_copy(vbuf, encode(&f.e)), MX_EFORMAT);

	/* Type 0 and OPT are never stored; an unknown type is opaque. */
	make_fixture(&f);
	f.rr[0].type = 0;
	assert_int_equal(decode_copy(vbuf, encode(&f.e)), MX_EFORMAT);
	f.rr[0].type = RR_OPT;
	assert_int_equal(decode_copy(vbuf, encode(&f.e)), MX_EFORMAT);
	f.rr[0].type = 65280;
	assert_int_equal(decode_copy(vbuf, encode(&f.e)), 0);

	/* Encoding: too many records, and every buffer too small. */
	make_fixture(&f);
	size_t len = encode(&f.e), got = 12345;
	uint8_t *small = malloc(len);
	assert_non_null(small);
	for (size_t cap = 0; cap < len; cap++)
		if (centry_encode(&f.e, small, cap, &got) != MX_ESPACE)
			fail_msg("encode into %zu of %zu did not fail", cap, len);
	assert_int_equal(got, 12345);
	assert_int_equal(centry_encode(&f.e, small, len, &got), 0);
	assert_int_equal(got, len);
	assert_memory_equal(small, vbuf, len);
	free(small);
	f.e.count[0] = CENTRY_MAX_RR;
	f.e.count[1] = 1;
	assert_int_equal(centry_encode(&f.e, vbuf, sizeof(vbuf), &got), MX_ELIMIT);

	/* Out of memory is not "malformed": the caller may retry. */
	make_fixture(&f);
	len = encode(&f.e);
	region reg;
	centry d;
	region_init(&reg, 16);
	assert_int_equal(centry_decode(vbuf, len, &reg, &d), MX_ENOMEM);
	region_free(&reg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_order_pairs),
		cmocka_unit_test(test_key_order_random),
		cmocka_unit_test(test_key_roundtrip),
		cmocka_unit_test(test_key_malformed),
		cmocka_unit_test(test_key_limit),
		cmocka_unit_test(test_crc),
		cmocka_unit_test(test_value_roundtrip),
		cmocka_unit_test(test_value_corruption),
		cmocka_unit_test(test_value_header),
		cmocka_unit_test(test_value_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
