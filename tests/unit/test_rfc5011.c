/* Unit tests: RFC 5011 trust-anchor updates (trust-anchors/rfc5011.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "err.h"
#include "rfc5011.h"
#include "rrtype.h"
#include "ta.h"
#include "zone.h"

/*
 * Test vectors, made once with BIND 9.18's tools (bind9-utils, Debian 12)
 * for the zone "example." with ECDSAP256SHA256 keys:
 *
 *   dnssec-keygen -a ECDSAP256SHA256 -f KSK example    -> K1, tag 34781
 *   dnssec-keygen -a ECDSAP256SHA256 -f KSK example    -> K3, tag 11938
 *   dnssec-keygen -a ECDSAP256SHA256 example           -> ZSK, tag 62354
 *   dnssec-keygen -a ECDSAP256SHA256 -f KSK example    -> X (attacker), 22912
 *   dnssec-revoke -r Kexample.+013+34781               -> K1 revoked, 34909
 *
 * Each set is a zone (SOA, NS, A, the listed .key files) signed with
 *   dnssec-signzone -P -o example -x -s 20200101000000 -e 20400101000000
 *       -O full zone KEYS...
 * keeping the DNSKEY and RRSIG DNSKEY records:
 *   A: K1 + ZSK, signed by K1
 *   B: K1 + K3 + ZSK, signed by K1 and K3
 *   C: K1 (revoked, flags 385) + K3 + ZSK, signed by revoked K1 and K3
 *   D: X + ZSK, signed by X only
 * DS of K1: dnssec-dsfromkey -2.  The signatures are valid 2020..2040;
 * the test clock starts at 2030-01-01.
 */
static const char set_A[] =
    "example. 3600 IN DNSKEY 256 3 13 QQhJ5qtBJgZ/GuIcO5fNPLfKOlR1X2z2SpEMuQBsB/hP1jhKXxLixBwR pYYx/rpcE8xu1QmGFYvlARYcDrXRsA==\n"
    "example. 3600 IN DNSKEY 257 3 13 mkY3XN4U+7NJZ3DYjmQyntBsycIWtl9ehO9+cIGaIZrWfexWbJ4H3WPR a4uOuGPCzrwUmRFPR4jaRjsWZ+DztQ==\n"
    "example. 3600 IN RRSIG DNSKEY 13 1 3600 20400101000000 20200101000000 34781 example. nzHYyGJKXZy+V3FZ16tnntgPhLvckMDP1HP6Hr9Ylmp+tv/O05XmopYD zw7nMujNmRUf1Qf2FDql3HSXxXKmZg==\n"
    ;
static const char set_B[] =
    "example. 3600 IN DNSKEY 256 3 13 QQhJ5qtBJgZ/GuIcO5fNPLfKOlR1X2z2SpEMuQBsB/hP1jhKXxLixBwR pYYx/rpcE8xu1QmGFYvlARYcDrXRsA==\n"
    "example. 3600 IN DNSKEY 257 3 13 bvBNBtxS8EwW+3jXkyLsKBiqcziNoimRKXAXj6ZF+VZ1iQk2hVMQ3JVr 58XMj+OxkryZ09L81dFkOh3AuYEb8A==\n"
    "example. 3600 IN DNSKEY 257 3 13 mkY3XN4U+7NJZ3DYjmQyntBsycIWtl9ehO9+cIGaIZrWfexWbJ4H3WPR a4uOuGPCzrwUmRFPR4jaRjsWZ+DztQ==\n"
    "example. 3600 IN RRSIG DNSKEY 13 1 3600 20400101000000 20200101000000 11938 example. ux+qLyQG+PYe8Q+Ii+Cv/rhMXkPdzsbvetP4r0icp8wAKJUMEG1KCK7c euoVLRn8UiSbolJZNtjAUIu9zmhyCA==\n"
    "example. 3600 IN RRSIG DNSKEY 13 1 3600 20400101000000 20200101000000 34781 example. EALx8oMsE/2hH5EEkuua0xh9e95Qcmmie3lZOFFs1E9LBGaor1+dv6ha u0VHshsjt/G9q9WKoS8KQMau5lSB7Q==\n"
    ;
static const char set_C[] =
    "example. 3600 IN DNSKEY 256 3 13 QQhJ5qtBJgZ/GuIcO5fNPLfKOlR1X2z2SpEMuQBsB/hP1jhKXxLixBwR pYYx/rpcE8xu1QmGFYvlARYcDrXRsA==\n"
    "example. 3600 IN DNSKEY 257 3 13 bvBNBtxS8EwW+3jXkyLsKBiqcziNoimRKXAXj6ZF+VZ1iQk2hVMQ3JVr 58XMj+OxkryZ09L81dFkOh3AuYEb8A==\n"
    "example. 3600 IN DNSKEY 385 3 13 mkY3XN4U+7NJZ3DYjmQyntBsycIWtl9ehO9+cIGaIZrWfexWbJ4H3WPR a4uOuGPCzrwUmRFPR4jaRjsWZ+DztQ==\n"
    "example. 3600 IN RRSIG DNSKEY 13 1 3600 20400101000000 20200101000000 11938 example. 7XTFBrSliO11KgBCl69XtrCtfHuwtz43MRvvo5q2Y/KNg0ZQYTbAwNLi besT2bxO5RePuwtt06ij+R7Ejo1kug==\n"
    "example. 3600 IN RRSIG DNSKEY 13 1 3600 20400101000000 20200101000000 34909 example. JFEW20ST+jAZPmqAdWWG4008X7mZq02tHjbIBcrpTnhxD0YUL4usbFtv PQuOnmPTmhKGMrzZRcAhyRcIZ+hufA==\n"
    ;
static const char set_D[] =
    "example. 3600 IN DNSKEY 256 3 13 QQhJ5qtBJgZ/GuIcO5fNPLfKOlR1X2z2SpEMuQBsB/hP1jhKXxLixBwR pYYx/rpcE8xu1QmGFYvlARYcDrXRsA==\n"
    "example. 3600 IN DNSKEY 257 3 13 xOfBHHvtlSp4UMJN9ysZYJAMZFEWz8s2uX5vVmtMVSm2H/fjv9Fk4M+w pV7Bp88WFnjrBwlooWRD9cRCA0kjKw==\n"
    "example. 3600 IN RRSIG DNSKEY 13 1 3600 20400101000000 20200101000000 22912 example. zrfbjoOFYF/V2ugSkbZCMX5MPGMj2YSGFTI/GqDWc4GEtQk7p5jkV0MU uCUQvNWKaEPpXttl/njgpLGeMtbTbA==\n"
    ;

static const char anchor_k1[] =
    "example. IN DNSKEY 257 3 13 mkY3XN4U+7NJZ3DYjmQyntBsycIWtl9ehO9+cIGaIZrWfexWbJ4H3WPR a4uOuGPCzrwUmRFPR4jaRjsWZ+DztQ==\n";
static const char anchor_k3[] =
    "example. IN DNSKEY 257 3 13 bvBNBtxS8EwW+3jXkyLsKBiqcziNoimRKXAXj6ZF+VZ1iQk2hVMQ3JVr 58XMj+OxkryZ09L81dFkOh3AuYEb8A==\n";
static const char anchor_ds_k1[] =
    "example. IN DS 34781 13 2 637BC166A15EC178C529AF80462F71BFAFAF47C6636ABE64B3EB214D31D6CB06\n";

#define T0 ((time_t)1893456000)   /* 2030-01-01 00:00:00 UTC */
#define DAY 86400
#define K1 34781
#define K1R 34909
#define K3 11938
#define ZSK 62354
#define XKEY 22912
#define BUDGET 16

/* Records of a test vector, split into DNSKEYs and RRSIGs. */
typedef struct vec {
	msg_rr keys[8], sigs[8];
	size_t nkeys, nsigs;
	uint8_t owner[NAME_MAX_WIRE];
} vec;

static void
vec_load(vec *v, const char *text)
{
	zone_reader zr;
	zone_rr *rr = malloc(sizeof(*rr));
	int rc;

	assert_non_null(rr);
	memset(v, 0, sizeof(*v));
	zone_reader_init(&zr, text, strlen(text), "vec", NULL, 0);
	while ((rc = zone_next(&zr, rr)) == 1) {
		msg_rr *m = rr->type == RR_DNSKEY ? &v->keys[v->nkeys++] : &v->sigs[v->nsigs++];
		assert_true(v->nkeys <= 8 && v->nsigs <= 8);
		name_copy(v->owner, rr->owner);
		m->owner = v->owner;
		m->type = rr->type;
		m->rclass = rr->rclass;
		m->ttl = rr->ttl;
		m->rdlen = (uint16_t)rr->rdlen;
		m->rdata = malloc(rr->rdlen);
		assert_non_null(m->rdata);
		memcpy(m->rdata, rr->rdata, rr->rdlen);
	}
	assert_int_equal(rc, 0);
	free(rr);
}

static void
vec_free(vec *v)
{
	for (size_t i = 0; i < v->nkeys; i++)
		free(v->keys[i].rdata);
	for (size_t i = 0; i < v->nsigs; i++)
		free(v->sigs[i].rdata);
}

static int
update(r5011_zone *z, const char *set, time_t now)
{
	vec v;
	int rc;

	vec_load(&v, set);
	rc = r5011_update(z, v.keys, v.nkeys, v.sigs, v.nsigs, now, BUDGET, NULL);
	vec_free(&v);
	return rc;
}

/* A zone seeded from anchor texts. */
static void
seed(r5011_zone *z, const char *a, const char *b)
{
	uint8_t owner[NAME_MAX_WIRE];
	char err[256];
	ta_store s;

	assert_int_equal(name_from_cstr("example.", owner), 0);
	r5011_init(z, owner);
	ta_store_init(&s);
	assert_int_equal(ta_store_load_text(&s, a, strlen(a), "a", err, sizeof(err)), 0);
	if (b)
		assert_int_equal(ta_store_load_text(&s, b, strlen(b), "b", err, sizeof(err)), 0);
	assert_int_equal(r5011_seed(z, &s, T0 - DAY), 0);
	ta_store_free(&s);
}

static int
state_of(const r5011_zone *z, uint16_t tag)
{
	const r5011_key *k = r5011_find(z, RR_DNSKEY, tag);
	return k ? (int)k->state : 0;
}

static void
test_add_holddown(void **state)
{
	r5011_zone z;
	msg_rr tk[4];

	(void)state;
	seed(&z, anchor_k1, NULL);
	assert_int_equal(state_of(&z, K1), R5011_VALID);
	/* The ZSK is not a SEP key: never a candidate anchor. */
	assert_int_equal(update(&z, set_A, T0), R5011_UNCHANGED);
	assert_int_equal(z.n, 1);
	assert_int_equal(update(&z, set_B, T0), R5011_CHANGED);
	assert_int_equal(state_of(&z, K3), R5011_ADDPEND);
	assert_int_equal(state_of(&z, ZSK), 0);
	assert_int_equal(r5011_trusted(&z, tk, 4), 1);
	/* RFC 5011 2.3: MAX(1 hr, MIN(15 days, TTL/2, ...)) with TTL 3600. */
	assert_int_equal(z.query_interval, 3600);
	assert_int_equal(r5011_next_probe(&z), T0 + 3600);
	assert_int_equal(update(&z, set_B, T0 + 15 * DAY), R5011_UNCHANGED);
	assert_int_equal(update(&z, set_B, T0 + 29 * DAY), R5011_UNCHANGED);
	assert_int_equal(state_of(&z, K3), R5011_ADDPEND);
	assert_int_equal(update(&z, set_B, T0 + 30 * DAY - 1), R5011_UNCHANGED);
	assert_int_equal(state_of(&z, K3), R5011_ADDPEND);
	assert_int_equal(r5011_trusted(&z, tk, 4), 1);
	assert_int_equal(update(&z, set_B, T0 + 30 * DAY), R5011_CHANGED);
	assert_int_equal(state_of(&z, K3), R5011_VALID);
	assert_int_equal(r5011_trusted(&z, tk, 4), 2);
	/* K3 alone now verifies (set C is signed by K3 and revoked K1). */
	r5011_free(&z);
}

static void
test_add_holddown_reset(void **state)
{
	r5011_zone z;
	const r5011_key *k;

	(void)state;
	seed(&z, anchor_k1, NULL);
	assert_int_equal(update(&z, set_B, T0), R5011_CHANGED);
	assert_int_equal(state_of(&z, K3), R5011_ADDPEND);
	/* Gone at day 15: back to Start (forgotten). */
	assert_int_equal(update(&z, set_A, T0 + 15 * DAY), R5011_CHANGED);
	assert_null(r5011_find(&z, RR_DNSKEY, K3));
	/* Back at day 30: the hold-down starts over. */
	assert_int_equal(update(&z, set_B, T0 + 30 * DAY), R5011_CHANGED);
	k = r5011_find(&z, RR_DNSKEY, K3);
	assert_non_null(k);
	assert_int_equal(k->state, R5011_ADDPEND);
	assert_int_equal(k->first_seen, T0 + 30 * DAY);
	assert_int_equal(update(&z, set_B, T0 + 45 * DAY), R5011_UNCHANGED);
	assert_int_equal(update(&z, set_B, T0 + 59 * DAY), R5011_UNCHANGED);
	assert_int_equal(state_of(&z, K3), R5011_ADDPEND);
	assert_int_equal(update(&z, set_B, T0 + 60 * DAY), R5011_CHANGED);
	assert_int_equal(state_of(&z, K3), R5011_VALID);
	r5011_free(&z);
}

static void
test_revoke(void **state)
{
	r5011_zone z;
	msg_rr tk[4];

	(void)state;
	seed(&z, anchor_k1, anchor_k3);
	assert_int_equal(r5011_trusted(&z, tk, 4), 2);
	/* K1 revoked and self-signed: distrusted at once; its tag is now
	 * that of the revoked form (RFC 5011 2.1). */
	assert_int_equal(update(&z, set_C, T0), R5011_CHANGED);
	assert_null(r5011_find(&z, RR_DNSKEY, K1));
	assert_int_equal(state_of(&z, K1R), R5011_REVOKED);
	assert_int_equal(r5011_trusted(&z, tk, 4), 1);
	assert_int_equal(rdata_keytag(tk[0].rdata, tk[0].rdlen), K3);
	/* Published without the bit again: not trusted again. */
	assert_int_equal(update(&z, set_B, T0 + DAY), R5011_UNCHANGED);
	assert_int_equal(state_of(&z, K1R), R5011_REVOKED);
	assert_int_equal(r5011_trusted(&z, tk, 4), 1);
	/* Remove hold-down, 30 days from the revocation. */
	assert_int_equal(update(&z, set_C, T0 + 29 * DAY), R5011_UNCHANGED);
	assert_int_equal(state_of(&z, K1R), R5011_REVOKED);
	assert_int_equal(update(&z, set_C, T0 + 30 * DAY), R5011_CHANGED);
	assert_int_equal(state_of(&z, K1R), R5011_REMOVED);
	assert_int_equal(r5011_trusted(&z, tk, 4), 1);
	r5011_free(&z);
}

static void
test_revoke_last_key(void **state)
{
	r5011_zone z;
	msg_rr tk[4];
	const char *why = NULL;
	vec v;

	(void)state;
	seed(&z, anchor_k1, NULL);
	/* The only anchor revokes itself: honoured, but nothing else in
	 * the RRset (K3) is believed. */
	vec_load(&v, set_C);
	assert_int_equal(r5011_update(&z, v.keys, v.nkeys, v.sigs, v.nsigs, T0,
	    BUDGET, &why), R5011_CHANGED);
	vec_free(&v);
	assert_non_null(why);
	assert_int_equal(state_of(&z, K1R), R5011_REVOKED);
	assert_null(r5011_find(&z, RR_DNSKEY, K3));
	assert_int_equal(r5011_trusted(&z, tk, 4), 0);
	r5011_free(&z);
}

static void
test_untrusted_ignored(void **state)
{
	r5011_zone z;
	char *before, *after;
	size_t lb, la;
	const char *why = NULL;
	vec v;

	(void)state;
	seed(&z, anchor_k1, NULL);
	assert_int_equal(update(&z, set_B, T0), R5011_CHANGED);
	z.next_probe = 0;
	assert_int_equal(r5011_format(&z, &before, &lb), 0);
	/* Signed by X only: no new key, K1 not "missing", K3 not reset. */
	vec_load(&v, set_D);
	assert_int_equal(r5011_update(&z, v.keys, v.nkeys, v.sigs, v.nsigs,
	    T0 + DAY, BUDGET, &why), MX_EVERIFY);
	assert_non_null(why);
	/* Only the schedule moved: retry time (RFC 5011 2.3). */
	assert_int_equal(r5011_next_probe(&z), T0 + DAY + z.retry);
	z.next_probe = 0;
	assert_int_equal(r5011_format(&z, &after, &la), 0);
	assert_string_equal(before, after);
	assert_null(r5011_find(&z, RR_DNSKEY, XKEY));
	/* A signature over other data does not count either: B's RRSIGs
	 * with D's keys. */
	vec w;
	vec_load(&w, set_B);
	assert_int_equal(r5011_update(&z, v.keys, v.nkeys, w.sigs, w.nsigs,
	    T0 + DAY, BUDGET, NULL), MX_EVERIFY);
	/* No budget: nothing verified, nothing changed. */
	assert_int_equal(r5011_update(&z, w.keys, w.nkeys, w.sigs, w.nsigs,
	    T0 + 40 * DAY, 0, NULL), MX_EVERIFY);
	assert_int_equal(state_of(&z, K3), R5011_ADDPEND);
	/* Outside the RRSIG validity window: ignored. */
	assert_int_equal(r5011_update(&z, w.keys, w.nkeys, w.sigs, w.nsigs,
	    (time_t)2240611200, BUDGET, NULL), MX_EVERIFY);   /* 2041 */
	assert_int_equal(state_of(&z, K3), R5011_ADDPEND);
	vec_free(&w);
	vec_free(&v);
	free(before);
	free(after);
	r5011_free(&z);
}

static void
test_missing(void **state)
{
	r5011_zone z;
	msg_rr tk[4];

	(void)state;
	seed(&z, anchor_k1, anchor_k3);
	/* Set A lacks K3: Missing, still trusted; back in B: Valid. */
	assert_int_equal(update(&z, set_A, T0), R5011_CHANGED);
	assert_int_equal(state_of(&z, K3), R5011_MISSING);
	assert_int_equal(r5011_trusted(&z, tk, 4), 2);
	assert_int_equal(update(&z, set_B, T0 + DAY), R5011_CHANGED);
	assert_int_equal(state_of(&z, K3), R5011_VALID);
	r5011_free(&z);
}

static void
test_seed_ds(void **state)
{
	r5011_zone z;
	msg_rr tk[4];

	(void)state;
	seed(&z, anchor_ds_k1, NULL);
	assert_int_equal(r5011_trusted(&z, tk, 4), 0);
	assert_non_null(r5011_find(&z, RR_DS, K1));
	/* D is not signed by the DS's key. */
	assert_int_equal(update(&z, set_D, T0), MX_EVERIFY);
	assert_non_null(r5011_find(&z, RR_DS, K1));
	assert_int_equal(update(&z, set_B, T0), R5011_CHANGED);
	assert_null(r5011_find(&z, RR_DS, K1));
	assert_int_equal(state_of(&z, K1), R5011_VALID);
	assert_int_equal(state_of(&z, K3), R5011_ADDPEND);
	assert_int_equal(r5011_trusted(&z, tk, 4), 1);
	r5011_free(&z);
}

static void
make_dir(char *dir)
{
	assert_non_null(mkdtemp(dir));
}

static void
test_file_roundtrip(void **state)
{
	char dir[] = "/tmp/mxsec-r5011-XXXXXX", path[200], err[512];
	r5011_zone z, y;
	char *t1, *t2;
	size_t l1, l2;
	struct stat st;

	(void)state;
	make_dir(dir);
	snprintf(path, sizeof(path), "%s/example.state", dir);
	seed(&z, anchor_k1, anchor_ds_k1);
	assert_int_equal(update(&z, set_B, T0), R5011_CHANGED);
	assert_int_equal(r5011_load(&y, path, err, sizeof(err)), MX_ENOTFOUND);
	assert_int_equal(r5011_save(&z, path, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	snprintf(err, sizeof(err), "%s.tmp", path);
	assert_int_not_equal(access(err, F_OK), 0);

	r5011_init(&y, z.owner);
	assert_int_equal(r5011_load(&y, path, err, sizeof(err)), 0);
	assert_int_equal(y.n, z.n);
	for (size_t i = 0; i < z.n; i++) {
		assert_int_equal(y.keys[i].type, z.keys[i].type);
		assert_int_equal(y.keys[i].state, z.keys[i].state);
		assert_int_equal(y.keys[i].keytag, z.keys[i].keytag);
		assert_int_equal(y.keys[i].first_seen, z.keys[i].first_seen);
		assert_int_equal(y.keys[i].last_change, z.keys[i].last_change);
		assert_int_equal(y.keys[i].rdlen, z.keys[i].rdlen);
		assert_memory_equal(y.keys[i].rdata, z.keys[i].rdata, z.keys[i].rdlen);
	}
	assert_int_equal(y.next_probe, z.next_probe);
	assert_int_equal(y.last_success, z.last_success);
	assert_int_equal(y.query_interval, z.query_interval);
	assert_int_equal(r5011_format(&z, &t1, &l1), 0);
	assert_int_equal(r5011_format(&y, &t2, &l2), 0);
	assert_string_equal(t1, t2);
	free(t1);
	free(t2);
	/* The loaded state goes on: K3 valid 30 days after first seen. */
	assert_int_equal(update(&y, set_B, T0 + 30 * DAY), R5011_CHANGED);
	assert_int_equal(state_of(&y, K3), R5011_VALID);
	/* Revoked keys keep their revoked form across a save. */
	assert_int_equal(update(&y, set_C, T0 + 31 * DAY), R5011_CHANGED);
	assert_int_equal(r5011_save(&y, path, err, sizeof(err)), 0);
	r5011_free(&z);
	r5011_init(&z, y.owner);
	assert_int_equal(r5011_load(&z, path, err, sizeof(err)), 0);
	assert_int_equal(state_of(&z, K1R), R5011_REVOKED);
	assert_int_equal(r5011_trusted(&z, NULL, 0), 1);
	unlink(path);
	rmdir(dir);
	r5011_free(&y);
	r5011_free(&z);
}

static char *
slurp(const char *path)
{
	char *t;
	size_t l;

	assert_int_equal(zone_slurp(path, 1 << 20, &t, &l), 0);
	return t;
}

static void
test_file_atomic(void **state)
{
	char dir[] = "/tmp/mxsec-r5011-XXXXXX", path[256], tmp[300], err[512];
	r5011_zone z;
	char *old, *now;

	(void)state;
	make_dir(dir);
	snprintf(path, sizeof(path), "%s/example.state", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	seed(&z, anchor_k1, NULL);
	assert_int_equal(r5011_save(&z, path, err, sizeof(err)), 0);
	old = slurp(path);
	assert_int_equal(update(&z, set_B, T0), R5011_CHANGED);
	/* The temporary file cannot be created (a directory is in the way;
	 * works as root too, unlike a read-only directory). */
	assert_int_equal(mkdir(tmp, 0755), 0);
	assert_int_equal(r5011_save(&z, path, err, sizeof(err)), MX_EIO);
	assert_non_null(strstr(err, ".tmp"));
	now = slurp(path);
	assert_string_equal(old, now);
	free(now);
	assert_int_equal(rmdir(tmp), 0);
	/* Read-only directory, when not root. */
	if (geteuid() != 0) {
		assert_int_equal(chmod(dir, 0555), 0);
		assert_int_equal(r5011_save(&z, path, err, sizeof(err)), MX_EIO);
		now = slurp(path);
		assert_string_equal(old, now);
		free(now);
		assert_int_equal(chmod(dir, 0755), 0);
	}
	assert_int_equal(r5011_save(&z, path, err, sizeof(err)), 0);
	now = slurp(path);
	assert_string_not_equal(old, now);
	assert_int_not_equal(access(tmp, F_OK), 0);
	free(now);
	free(old);
	unlink(path);
	rmdir(dir);
	r5011_free(&z);
}

static void
expect_error(const char *text, const char *want)
{
	uint8_t owner[NAME_MAX_WIRE];
	r5011_zone z;
	char err[256];

	assert_int_equal(name_from_cstr("example.", owner), 0);
	r5011_init(&z, owner);
	assert_true(r5011_load_text(&z, text, strlen(text), "state", err, sizeof(err)) < 0);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
	assert_int_equal(z.n, 0);
	r5011_free(&z);
}

#define HDR ";;r5011: 1\n;;next_probe: 5\n"
#define KEY1 "example. 3600 IN DNSKEY 257 3 13 mkY3XN4U+7NJZ3DYjmQyntBsycIWtl9ehO9+cIGaIZrWfexWbJ4H3WPR a4uOuGPCzrwUmRFPR4jaRjsWZ+DztQ=="

static void
test_file_corrupt(void **state)
{
	(void)state;
	expect_error(KEY1 " ;state=valid first=1 changed=1\n", "state:1: not an RFC 5011 state file");
	expect_error(";;r5011: 2\n" KEY1 " ;state=valid first=1 changed=1\n", "state:1: unsupported");
	expect_error(HDR ";;retry: x\n", "state:3: metadata value");
	expect_error(HDR ";;retry 5\n", "state:3: metadata line without");
	expect_error(HDR "\n" KEY1 " ;state=bogus first=1 changed=1\n", "state:4: unknown key state");
	expect_error(HDR KEY1 "\n", "state:3: record without");
	expect_error(HDR KEY1 " ;state=valid first=1\n", "state:3: state comment needs");
	expect_error(HDR KEY1 " ;state=valid first=-1 changed=1\n", "state:3: bad 'first'");
	expect_error(HDR KEY1 " ;state=valid first=1 changed=1 x=1\n", "state:3: unknown word");
	expect_error(HDR KEY1 " ;state=valid first=1 changed=1\n" KEY1
	    " ;state=valid first=1 changed=1\n", "state:4: duplicate key");
	expect_error(HDR KEY1 " ;state=revoked first=1 changed=1\n", "state:3: REVOKE bit");
	expect_error(HDR KEY1 " ;state=seed first=1 changed=1\n", "state:3: state 'seed'");
	expect_error(HDR "other. 3600 IN DNSKEY 257 3 13 AAAA ;state=valid first=1 changed=1\n",
	    "state:3: record for another zone");
	expect_error(HDR "example. 3600 IN A 192.0.2.1 ;state=valid first=1 changed=1\n",
	    "state:3: record type");
	expect_error(HDR "example. 3600 IN DNSKEY 257 3 13 !!!! ;state=valid first=1 changed=1\n",
	    "state:3:");
	expect_error(HDR "example. 3600 IN DNSKEY 257 3 ( 13 mkY3\n", "state:");
	expect_error(HDR, "no keys");
	expect_error("", "state:1:");
	/* A good file, for contrast. */
	uint8_t owner[NAME_MAX_WIRE];
	r5011_zone z;
	char err[256];
	const char good[] = HDR KEY1 " ;state=valid first=1 changed=2\n";
	assert_int_equal(name_from_cstr("example.", owner), 0);
	r5011_init(&z, owner);
	assert_int_equal(r5011_load_text(&z, good, strlen(good), "state", err, sizeof(err)), 0);
	assert_int_equal(z.n, 1);
	assert_int_equal(z.next_probe, 5);
	assert_int_equal(state_of(&z, K1), R5011_VALID);
	assert_int_equal(z.keys[0].last_change, 2);
	r5011_free(&z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_holddown),
		cmocka_unit_test(test_add_holddown_reset),
		cmocka_unit_test(test_revoke),
		cmocka_unit_test(test_revoke_last_key),
		cmocka_unit_test(test_untrusted_ignored),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_seed_ds),
		cmocka_unit_test(test_file_roundtrip),
		cmocka_unit_test(test_file_atomic),
		cmocka_unit_test(test_file_corrupt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
