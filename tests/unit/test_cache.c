/*
 * Unit tests: the answer cache (cache/cache.h), through its public API.
 *
 * Each test gets a fresh mkdtemp() directory, removed afterwards.  Records
 * are written as zone-file text; RRSIGs are well formed but not real
 * signatures: the cache trusts the status it is given.  NSEC3 owners are
 * the real SHA-1 hashes of the names (crypto_nsec3_hash), since the cache
 * hashes names itself when it synthesizes answers (RFC 8198).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "cache.h"
#include "crypto.h"
#include "err.h"
#include "msg.h"
#include "name.h"
#include "region.h"
#include "rrtype.h"
#include "status.h"
#include "zone.h"

#define T0 ((time_t)1700000000)
#define SIG "20300101000000 20000101000000 12345 example. dGVzdCBzaWduYXR1cmU="

static char dir[64];
static region R;                 /* per test: records, names, hits */
static cache_config cfg;

/* ---- fixtures ---- */

static void
rm_dir(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *de;
	char p[512];

	if (dp == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", d, de->d_name);
		unlink(p);
	}
	closedir(dp);
	rmdir(d);
}

static int
setup(void **state)
{
	(void)state;
	/* A failed test skips its teardown: clean up after it here. */
	if (dir[0] != 0)
		rm_dir(dir);
	strcpy(dir, "/tmp/mxsec-cache-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	region_init(&R, 256u << 20);
	memset(&cfg, 0, sizeof(cfg));
	cfg.dir = dir;
	cfg.mapsize = 64u << 20;
	cfg.min_ttl = 0;
	cfg.max_ttl = 86400;
	cfg.max_neg_ttl = 3600;
	cfg.bogus_ttl = 60;
	cfg.stale_ttl = 0;
	cfg.aggressive = true;
	cfg.nsec3_max_iterations = 150;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	region_free(&R);
	rm_dir(dir);
	dir[0] = 0;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (dir[0] != 0)
		rm_dir(dir);
	return 0;
}

static cache *
open_cache(const char **note)
{
	cache *c = NULL;
	char err[256] = "";

	int rc = cache_open(&c, &cfg, note, err, sizeof(err));
	if (rc != 0)
		fail_msg("cache_open: %d %s", rc, err);
	assert_non_null(c);
	return c;
}

static const char *
path_in(const char *file)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	return p;
}

/* ---- records ---- */

static const uint8_t *
N(const char *s)
{
	uint8_t tmp[NAME_MAX_WIRE];

	assert_int_equal(name_from_cstr(s, tmp), 0);
	uint8_t *p = region_memdup(&R, tmp, name_len(tmp));
	assert_non_null(p);
	return p;
}

/* Zone-file text to records in R. */
static msg_rr *
rrs(const char *text, uint16_t *n)
{
	zone_reader z;
	zone_rr *zr = malloc(sizeof(*zr));
	msg_rr *out = region_zalloc(&R, sizeof(msg_rr) * 256);
	int rc;

	assert_non_null(zr);
	assert_non_null(out);
	*n = 0;
	if (text == NULL) {
		free(zr);
		return NULL;
	}
	zone_reader_init(&z, text, strlen(text), "test", NULL, 3600);
	while (*n < 256 && (rc = zone_next(&z, zr)) == 1) {
		msg_rr *r = &out[(*n)++];
		r->owner = region_memdup(&R, zr->owner, zr->owner_len);
		r->type = zr->type;
		r->rclass = zr->rclass;
		r->ttl = zr->ttl;
		r->rdlen = (uint16_t)zr->rdlen;
		r->rdata = region_memdup(&R, zr->rdata, zr->rdlen ? zr->rdlen : 1);
	}
	if (rc < 0) {
		char why[200];
		snprintf(why, sizeof(why), "%s (line %u)", z.errmsg, z.line);
		free(zr);
		fail_msg("zone text: %s", why);
	}
	free(zr);
	return *n ? out : NULL;
}

static eng_result
mkres(unsigned rcode, sec_status st, const char *ans, const char *auth)
{
	eng_result r;

	memset(&r, 0, sizeof(r));
	r.rcode = rcode;
	r.status = st;
	r.rr[SEC_ANSWER] = rrs(ans, &r.count[SEC_ANSWER]);
	r.rr[SEC_AUTHORITY] = rrs(auth, &r.count[SEC_AUTHORITY]);
	return r;
}

static int
store(cache *c, const char *qname, uint16_t qtype, unsigned flags,
    const eng_result *r, time_t now)
{
	return cache_store(c, N(qname), qtype, flags, r, now);
}

static int
look(cache *c, const char *qname, uint16_t qtype, unsigned flags, time_t now,
    bool stale, eng_hit *hit)
{
	memset(hit, 0xa5, sizeof(*hit));
	return cache_lookup(c, N(qname), qtype, flags, now, stale, &R, hit);
}

/* The first record of type (and owner, when given) in a section. */
static const msg_rr *
find(const eng_hit *h, int sec, uint16_t type, const char *owner)
{
	for (unsigned i = 0; i < h->res.count[sec]; i++) {
		const msg_rr *r = &h->res.rr[sec][i];
		if (r->type == type && (owner == NULL || name_eq(r->owner, N(owner))))
			return r;
	}
	return NULL;
}

static unsigned
count_type(const eng_hit *h, int sec, uint16_t type)
{
	unsigned n = 0;

	for (unsigned i = 0; i < h->res.count[sec]; i++)
		n += h->res.rr[sec][i].type == type;
	return n;
}

static cache_stats
stats(cache *c)
{
	cache_stats st;

	cache_get_stats(c, &st);
	return st;
}

/* ---- the file, as bytes ---- */

static void *
slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void
spit(const char *p, const void *b, size_t len)
{
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, len, f), len);
	fclose(f);
}

/* Change the octet at off past every occurrence of pat; how many. */
static int
patch_after(const char *pat, size_t plen, size_t off, uint8_t (*fn)(uint8_t))
{
	size_t len;
	uint8_t *b = slurp(path_in("data.mdb"), &len);
	int n = 0;

	for (size_t i = 0; i + plen + off < len; i++)
		if (memcmp(b + i, pat, plen) == 0) {
			b[i + plen + off] = fn(b[i + plen + off]);
			n++;
		}
	spit(path_in("data.mdb"), b, len);
	free(b);
	return n;
}

static uint8_t
flip(uint8_t v)
{
	return v ^ 0x5a;
}

static uint8_t
version_one(uint8_t v)
{
	(void)v;
	return 1;
}

#define SOA_EX "example. 3600 IN SOA ns.example. host.example. 1 7200 3600 1209600 300\n" \
	"example. 3600 IN RRSIG SOA 8 1 3600 " SIG "\n"

/* ---- round trip and TTLs ---- */

static void
test_roundtrip(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;

	eng_result r = mkres(RCODE_NOERROR, SEC_SECURE,
	    "www.example. 300 IN CNAME a.example.\n"
	    "www.example. 300 IN RRSIG CNAME 8 2 300 " SIG "\n"
	    "a.example. 600 IN A 192.0.2.1\n"
	    "a.example. 600 IN A 192.0.2.2\n"
	    "a.example. 600 IN RRSIG A 8 2 600 " SIG "\n",
	    "example. 900 IN NS ns.example.\n");
	r.has_ede = true;
	r.ede = EDE_OTHER;
	r.reason = "some reason";
	assert_int_equal(store(c, "www.example.", RR_A, 0, &r, T0), 0);
	assert_true(cache_pending(c));

	/* Lookups see the open batch. */
	assert_int_equal(look(c, "www.example.", RR_A, 0, T0, false, &h), 0);
	assert_int_equal(h.res.rcode, RCODE_NOERROR);
	assert_int_equal(h.res.status, SEC_SECURE);
	assert_true(h.res.has_ede);
	assert_int_equal(h.res.ede, EDE_OTHER);
	assert_string_equal(h.res.reason, "some reason");
	assert_false(h.stale);
	assert_false(h.synthesized);
	assert_int_equal(h.res.count[SEC_ANSWER], 5);
	assert_int_equal(h.res.count[SEC_AUTHORITY], 1);
	assert_int_equal(count_type(&h, SEC_ANSWER, RR_A), 2);
	assert_int_equal(count_type(&h, SEC_ANSWER, RR_RRSIG), 2);
	const msg_rr *a = find(&h, SEC_ANSWER, RR_A, "a.example.");
	assert_non_null(a);
	assert_int_equal(a->rdlen, 4);
	assert_memory_equal(a->rdata, "\xc0\x00\x02\x01", 4);
	assert_int_equal(find(&h, SEC_AUTHORITY, RR_NS, "example.")->type, RR_NS);
	/* The entry lives as long as its shortest record. */
	assert_int_equal(h.ttl_orig, 300);
	assert_int_equal(h.ttl_left, 300);
	assert_int_equal(find(&h, SEC_ANSWER, RR_CNAME, NULL)->ttl, 300);

	assert_int_equal(cache_commit(c), 0);
	assert_false(cache_pending(c));
	assert_int_equal(cache_commit(c), 0);   /* nothing pending: fine */

	/* TTLs count down. */
	assert_int_equal(look(c, "www.example.", RR_A, 0, T0 + 100, false, &h), 0);
	assert_int_equal(h.ttl_left, 200);
	assert_int_equal(h.ttl_orig, 300);
	assert_int_equal(find(&h, SEC_ANSWER, RR_CNAME, NULL)->ttl, 200);
	assert_int_equal(find(&h, SEC_ANSWER, RR_A, NULL)->ttl, 500);
	assert_int_equal(find(&h, SEC_AUTHORITY, RR_NS, NULL)->ttl, 800);
	assert_int_equal(look(c, "www.example.", RR_A, 0, T0 + 299, false, &h), 0);
	assert_int_equal(h.ttl_left, 1);
	assert_int_equal(find(&h, SEC_ANSWER, RR_CNAME, NULL)->ttl, 1);
	/* A clock that went back counts nothing. */
	assert_int_equal(look(c, "www.example.", RR_A, 0, T0 - 50, false, &h), 0);
	assert_int_equal(find(&h, SEC_ANSWER, RR_CNAME, NULL)->ttl, 300);
	/* Expired at the exact second. */
	assert_int_equal(look(c, "www.example.", RR_A, 0, T0 + 300, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "www.example.", RR_A, 0, T0 + 100, false, &h), MX_ENOTFOUND);

	/* Other types and names are misses; names match case-insensitively. */
	assert_int_equal(store(c, "www.example.", RR_A, 0, &r, T0), 0);
	assert_int_equal(look(c, "WWW.Example.", RR_A, 0, T0, false, &h), 0);
	assert_int_equal(look(c, "www.example.", RR_AAAA, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "ww.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);

	/* A second store replaces the first. */
	eng_result r2 = mkres(RCODE_NOERROR, SEC_INSECURE,
	    "www.example. 50 IN A 198.51.100.7\n", NULL);
	assert_int_equal(store(c, "www.example.", RR_A, 0, &r2, T0 + 10), 0);
	assert_int_equal(look(c, "www.example.", RR_A, 0, T0 + 10, false, &h), 0);
	assert_int_equal(h.res.status, SEC_INSECURE);
	assert_int_equal(h.res.count[SEC_ANSWER], 1);
	assert_int_equal(h.res.count[SEC_AUTHORITY], 0);
	assert_false(h.res.has_ede);
	assert_null(h.res.reason);
	assert_int_equal(h.ttl_left, 50);
	cache_close(c);
}

static void
test_cd_in_key(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;

	eng_result plain = mkres(RCODE_NOERROR, SEC_INSECURE,
	    "a.example. 300 IN A 192.0.2.1\n", NULL);
	eng_result cd = mkres(RCODE_NOERROR, SEC_INDETERMINATE,
	    "a.example. 300 IN A 192.0.2.99\n", NULL);
	assert_int_equal(store(c, "a.example.", RR_A, 0, &plain, T0), 0);
	assert_int_equal(look(c, "a.example.", RR_A, ENG_F_CD, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(store(c, "a.example.", RR_A, ENG_F_CD, &cd, T0), 0);
	assert_int_equal(look(c, "a.example.", RR_A, ENG_F_CD, T0, false, &h), 0);
	assert_int_equal(h.res.status, SEC_INDETERMINATE);
	assert_memory_equal(h.res.rr[SEC_ANSWER][0].rdata, "\xc0\x00\x02\x63", 4);
	assert_int_equal(look(c, "a.example.", RR_A, 0, T0, false, &h), 0);
	assert_int_equal(h.res.status, SEC_INSECURE);
	assert_memory_equal(h.res.rr[SEC_ANSWER][0].rdata, "\xc0\x00\x02\x01", 4);
	/* Other flag bits are not part of the key. */
	assert_int_equal(look(c, "a.example.", RR_A, 0x80, T0, false, &h), 0);
	assert_int_equal(h.res.status, SEC_INSECURE);
	cache_close(c);
}

/* ---- persistence ---- */

static void
test_reopen(void **state)
{
	(void)state;
	const char *note = "x";
	cache *c = open_cache(&note);
	eng_hit h;

	assert_null(note);
	eng_result s = mkres(RCODE_NOERROR, SEC_SECURE,
	    "a.example. 3600 IN A 192.0.2.1\n"
	    "a.example. 3600 IN RRSIG A 8 2 3600 " SIG "\n", NULL);
	eng_result b = mkres(RCODE_SERVFAIL, SEC_BOGUS, NULL, NULL);
	b.has_ede = true;
	b.ede = EDE_SIGNATURE_EXPIRED;
	b.reason = "signature expired";
	assert_int_equal(store(c, "a.example.", RR_A, 0, &s, T0), 0);
	assert_int_equal(store(c, "bad.example.", RR_A, 0, &b, T0), 0);
	cache_close(c);   /* commits */

	note = "x";
	c = open_cache(&note);
	assert_null(note);
	assert_int_equal(look(c, "a.example.", RR_A, 0, T0 + 10, false, &h), 0);
	assert_int_equal(h.res.status, SEC_SECURE);
	assert_int_equal(h.res.count[SEC_ANSWER], 2);
	assert_int_equal(h.ttl_left, 3590);
	assert_int_equal(look(c, "bad.example.", RR_A, 0, T0 + 10, false, &h), 0);
	assert_int_equal(h.res.status, SEC_BOGUS);
	assert_int_equal(h.res.rcode, RCODE_SERVFAIL);
	assert_true(h.res.has_ede);
	assert_int_equal(h.res.ede, EDE_SIGNATURE_EXPIRED);
	assert_string_equal(h.res.reason, "signature expired");
	/* Time spent closed counts. */
	assert_int_equal(look(c, "bad.example.", RR_A, 0, T0 + 61, false, &h), MX_ENOTFOUND);
	cache_close(c);
}

static void
test_crash_loses_only_batch(void **state)
{
	(void)state;
	char nm[64];

	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The child: no cmocka asserts here. */
		cache *c = NULL;
		char err[128];
		if (cache_open(&c, &cfg, NULL, err, sizeof(err)) != 0)
			_exit(2);
		for (int i = 0; i < 50; i++) {
			snprintf(nm, sizeof(nm), "c%d.example.", i);
			eng_result r = mkres(RCODE_NOERROR, SEC_INSECURE, NULL, NULL);
			msg_rr rr = { (uint8_t *)N(nm), RR_A, 1, 3600, 4,
			    (uint8_t *)"\xc0\x00\x02\x01" };
			r.rr[SEC_ANSWER] = &rr;
			r.count[SEC_ANSWER] = 1;
			if (store(c, nm, RR_A, 0, &r, T0) != 0)
				_exit(3);
			if (i % 10 == 9 && cache_commit(c) != 0)
				_exit(4);
		}
		for (int i = 0; i < 50; i++) {
			snprintf(nm, sizeof(nm), "u%d.example.", i);
			eng_result r = mkres(RCODE_NOERROR, SEC_INSECURE, NULL, NULL);
			msg_rr rr = { (uint8_t *)N(nm), RR_A, 1, 3600, 4,
			    (uint8_t *)"\xc0\x00\x02\x02" };
			r.rr[SEC_ANSWER] = &rr;
			r.count[SEC_ANSWER] = 1;
			if (store(c, nm, RR_A, 0, &r, T0) != 0)
				_exit(5);
		}
		if (!cache_pending(c))
			_exit(6);
		raise(SIGKILL);
		_exit(7);
	}
	int ws;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	if (!WIFSIGNALED(ws))
		fail_msg("child exited with %d", WEXITSTATUS(ws));
	assert_int_equal(WTERMSIG(ws), SIGKILL);

	const char *note = "x";
	cache *c = open_cache(&note);
	assert_null(note);   /* the file opens as it is: nothing replaced */
	eng_hit h;
	for (int i = 0; i < 50; i++) {
		snprintf(nm, sizeof(nm), "c%d.example.", i);
		assert_int_equal(look(c, nm, RR_A, 0, T0 + 1, false, &h), 0);
		assert_int_equal(h.res.status, SEC_INSECURE);
		snprintf(nm, sizeof(nm), "u%d.example.", i);
		assert_int_equal(look(c, nm, RR_A, 0, T0 + 1, false, &h), MX_ENOTFOUND);
	}
	/* And it still takes writes. */
	eng_result r = mkres(RCODE_NOERROR, SEC_INSECURE, "z.example. 60 IN A 192.0.2.3\n", NULL);
	assert_int_equal(store(c, "z.example.", RR_A, 0, &r, T0), 0);
	assert_int_equal(cache_commit(c), 0);
	assert_int_equal(look(c, "z.example.", RR_A, 0, T0, false, &h), 0);
	cache_close(c);
}

/* ---- what is kept, and for how long ---- */

static void
test_policy_rcodes(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;

	/* SERVFAIL that is not bogus: not kept. */
	eng_result sf = mkres(RCODE_SERVFAIL, SEC_INDETERMINATE, NULL, NULL);
	sf.reason = "timeout";
	assert_int_equal(store(c, "sf.example.", RR_A, 0, &sf, T0), 0);
	assert_int_equal(look(c, "sf.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	sf.status = SEC_INSECURE;
	assert_int_equal(store(c, "sf.example.", RR_A, 0, &sf, T0), 0);
	assert_int_equal(look(c, "sf.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	/* REFUSED and FORMERR neither. */
	eng_result rf = mkres(RCODE_REFUSED, SEC_INSECURE, NULL, SOA_EX);
	assert_int_equal(store(c, "rf.example.", RR_A, 0, &rf, T0), 0);
	assert_int_equal(look(c, "rf.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	rf.rcode = RCODE_FORMERR;
	assert_int_equal(store(c, "rf.example.", RR_A, 0, &rf, T0), 0);
	assert_int_equal(look(c, "rf.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(stats(c).stores, 0);

	/* Bogus: kept bogus_ttl, whatever its records say, and comes back
	 * bogus with its reason. */
	eng_result b = mkres(RCODE_SERVFAIL, SEC_BOGUS,
	    "bad.example. 86400 IN A 192.0.2.66\n"
	    "bad.example. 86400 IN RRSIG A 8 2 86400 " SIG "\n", NULL);
	b.has_ede = true;
	b.ede = EDE_DNSSEC_BOGUS;
	b.reason = "no valid signature";
	assert_int_equal(store(c, "bad.example.", RR_A, 0, &b, T0), 0);
	assert_int_equal(look(c, "bad.example.", RR_A, 0, T0 + 1, false, &h), 0);
	assert_int_equal(h.res.status, SEC_BOGUS);
	assert_int_equal(h.res.rcode, RCODE_SERVFAIL);
	assert_int_equal(h.res.ede, EDE_DNSSEC_BOGUS);
	assert_string_equal(h.res.reason, "no valid signature");
	assert_int_equal(h.ttl_orig, 60);
	assert_int_equal(h.ttl_left, 59);
	for (unsigned i = 0; i < h.res.count[SEC_ANSWER]; i++)
		assert_true(h.res.rr[SEC_ANSWER][i].ttl <= 59);
	assert_int_equal(look(c, "bad.example.", RR_A, 0, T0 + 59, false, &h), 0);
	assert_int_equal(look(c, "bad.example.", RR_A, 0, T0 + 60, false, &h), MX_ENOTFOUND);
	/* A bogus NOERROR too. */
	b.rcode = RCODE_NOERROR;
	assert_int_equal(store(c, "bad2.example.", RR_A, 0, &b, T0), 0);
	assert_int_equal(look(c, "bad2.example.", RR_A, 0, T0, false, &h), 0);
	assert_int_equal(h.res.status, SEC_BOGUS);
	assert_int_equal(h.ttl_orig, 60);
	/* Nothing bogus is indexed: no synthesis from it. */
	cache_close(c);

	/* bogus_ttl 0: bogus answers are not kept at all. */
	cfg.bogus_ttl = 0;
	c = open_cache(NULL);
	assert_int_equal(store(c, "bad3.example.", RR_A, 0, &b, T0), 0);
	assert_int_equal(look(c, "bad3.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	cache_close(c);
}

static void
test_policy_negative(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;

	/* NXDOMAIN: min(SOA TTL 3600, MINIMUM 300). */
	eng_result nx = mkres(RCODE_NXDOMAIN, SEC_INSECURE, NULL,
	    "example. 3600 IN SOA ns.example. host.example. 1 7200 3600 1209600 300\n");
	assert_int_equal(store(c, "nx.example.", RR_A, 0, &nx, T0), 0);
	assert_int_equal(look(c, "nx.example.", RR_A, 0, T0, false, &h), 0);
	assert_int_equal(h.res.rcode, RCODE_NXDOMAIN);
	assert_int_equal(h.res.count[SEC_ANSWER], 0);
	assert_int_equal(h.res.count[SEC_AUTHORITY], 1);
	assert_int_equal(h.ttl_orig, 300);
	/* The SOA record itself goes out with the negative TTL. */
	assert_int_equal(h.res.rr[SEC_AUTHORITY][0].ttl, 300);
	assert_int_equal(look(c, "nx.example.", RR_A, 0, T0 + 300, false, &h), MX_ENOTFOUND);

	/* NODATA: SOA TTL 100 below MINIMUM 300. */
	eng_result nd = mkres(RCODE_NOERROR, SEC_INSECURE, NULL,
	    "example. 100 IN SOA ns.example. host.example. 1 7200 3600 1209600 300\n");
	assert_int_equal(store(c, "nd.example.", RR_AAAA, 0, &nd, T0), 0);
	assert_int_equal(look(c, "nd.example.", RR_AAAA, 0, T0, false, &h), 0);
	assert_int_equal(h.res.rcode, RCODE_NOERROR);
	assert_int_equal(h.res.count[SEC_ANSWER], 0);
	assert_int_equal(h.ttl_orig, 100);

	/* NODATA after a CNAME: the chain is there, the type is not. */
	eng_result ndc = mkres(RCODE_NOERROR, SEC_INSECURE,
	    "alias.example. 5000 IN CNAME nd.example.\n",
	    "example. 4000 IN SOA ns.example. host.example. 1 7200 3600 1209600 200\n");
	assert_int_equal(store(c, "alias.example.", RR_AAAA, 0, &ndc, T0), 0);
	assert_int_equal(look(c, "alias.example.", RR_AAAA, 0, T0, false, &h), 0);
	assert_int_equal(h.ttl_orig, 200);
	assert_int_equal(h.res.count[SEC_ANSWER], 1);
	assert_int_equal(h.res.rr[SEC_ANSWER][0].ttl, 200);

	/* No SOA: no negative caching (RFC 2308 5). */
	eng_result nosoa = mkres(RCODE_NXDOMAIN, SEC_INSECURE, NULL,
	    "example. 3600 IN NS ns.example.\n");
	assert_int_equal(store(c, "nosoa.example.", RR_A, 0, &nosoa, T0), 0);
	assert_int_equal(look(c, "nosoa.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	eng_result nosoa2 = mkres(RCODE_NOERROR, SEC_INSECURE, NULL, NULL);
	assert_int_equal(store(c, "nosoa.example.", RR_MX, 0, &nosoa2, T0), 0);
	assert_int_equal(look(c, "nosoa.example.", RR_MX, 0, T0, false, &h), MX_ENOTFOUND);

	/* SOA MINIMUM 0: not kept. */
	eng_result zero = mkres(RCODE_NXDOMAIN, SEC_INSECURE, NULL,
	    "example. 3600 IN SOA ns.example. host.example. 1 7200 3600 1209600 0\n");
	assert_int_equal(store(c, "zero.example.", RR_A, 0, &zero, T0), 0);
	assert_int_equal(look(c, "zero.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	cache_close(c);

	/* Capped by max_neg_ttl, even with min_ttl above it. */
	cfg.max_neg_ttl = 50;
	cfg.min_ttl = 120;
	c = open_cache(NULL);
	assert_int_equal(store(c, "nx.example.", RR_A, 0, &nx, T0), 0);
	assert_int_equal(look(c, "nx.example.", RR_A, 0, T0, false, &h), 0);
	assert_int_equal(h.ttl_orig, 50);
	assert_int_equal(h.res.rr[SEC_AUTHORITY][0].ttl, 50);
	cache_close(c);
}

static void
test_policy_ttl_clamp(void **state)
{
	(void)state;
	cfg.min_ttl = 60;
	cfg.max_ttl = 1000;
	cache *c = open_cache(NULL);
	eng_hit h;

	eng_result lo = mkres(RCODE_NOERROR, SEC_INSECURE,
	    "lo.example. 5 IN A 192.0.2.1\n", NULL);
	assert_int_equal(store(c, "lo.example.", RR_A, 0, &lo, T0), 0);
	assert_int_equal(look(c, "lo.example.", RR_A, 0, T0, false, &h), 0);
	assert_int_equal(h.ttl_orig, 60);
	assert_int_equal(h.res.rr[SEC_ANSWER][0].ttl, 60);
	assert_int_equal(look(c, "lo.example.", RR_A, 0, T0 + 59, false, &h), 0);
	assert_int_equal(look(c, "lo.example.", RR_A, 0, T0 + 60, false, &h), MX_ENOTFOUND);

	eng_result hi = mkres(RCODE_NOERROR, SEC_INSECURE,
	    "hi.example. 100000 IN A 192.0.2.1\n", NULL);
	assert_int_equal(store(c, "hi.example.", RR_A, 0, &hi, T0), 0);
	assert_int_equal(look(c, "hi.example.", RR_A, 0, T0, false, &h), 0);
	assert_int_equal(h.ttl_orig, 1000);
	assert_int_equal(h.res.rr[SEC_ANSWER][0].ttl, 1000);
	cache_close(c);

	/* TTL 0 is never kept (min_ttl 0). */
	cfg.min_ttl = 0;
	c = open_cache(NULL);
	eng_result z = mkres(RCODE_NOERROR, SEC_INSECURE,
	    "z.example. 0 IN A 192.0.2.1\n"
	    "z.example. 300 IN A 192.0.2.2\n", NULL);
	assert_int_equal(store(c, "z.example.", RR_A, 0, &z, T0), 0);
	assert_int_equal(look(c, "z.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(stats(c).stores, 0);
	cache_close(c);
}

/* ---- serve-stale (RFC 8767) ---- */

static void
test_stale(void **state)
{
	(void)state;
	cfg.stale_ttl = 600;
	cache *c = open_cache(NULL);
	eng_hit h;

	eng_result r = mkres(RCODE_NOERROR, SEC_SECURE,
	    "a.example. 300 IN A 192.0.2.1\n"
	    "a.example. 300 IN RRSIG A 8 2 300 " SIG "\n", NULL);
	eng_result nx = mkres(RCODE_NXDOMAIN, SEC_INSECURE, NULL,
	    "example. 3600 IN SOA ns.example. host.example. 1 7200 3600 1209600 300\n");
	eng_result b = mkres(RCODE_SERVFAIL, SEC_BOGUS, NULL, NULL);
	assert_int_equal(store(c, "a.example.", RR_A, 0, &r, T0), 0);
	assert_int_equal(store(c, "nx.example.", RR_A, 0, &nx, T0), 0);
	assert_int_equal(store(c, "bad.example.", RR_A, 0, &b, T0), 0);
	assert_int_equal(cache_commit(c), 0);

	/* Fresh: stale=true still gives the fresh answer. */
	assert_int_equal(look(c, "a.example.", RR_A, 0, T0 + 10, true, &h), 0);
	assert_false(h.stale);
	assert_int_equal(h.res.rr[SEC_ANSWER][0].ttl, 290);
	cache_stats before = stats(c);

	/* Expired, within the window: only when asked for stale data. */
	assert_int_equal(look(c, "a.example.", RR_A, 0, T0 + 400, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "a.example.", RR_A, 0, T0 + 400, true, &h), 0);
	assert_true(h.stale);
	assert_int_equal(h.res.status, SEC_SECURE);
	assert_true(h.res.has_ede);
	assert_int_equal(h.res.ede, EDE_STALE_ANSWER);
	assert_int_equal(h.ttl_left, 0);
	for (unsigned i = 0; i < h.res.count[SEC_ANSWER]; i++)
		assert_int_equal(h.res.rr[SEC_ANSWER][i].ttl, 30);
	assert_int_equal(look(c, "nx.example.", RR_A, 0, T0 + 899, true, &h), 0);
	assert_true(h.stale);
	assert_int_equal(h.res.rcode, RCODE_NXDOMAIN);
	assert_int_equal(h.res.rr[SEC_AUTHORITY][0].ttl, 30);
	cache_stats after = stats(c);
	assert_int_equal(after.stale - before.stale, 2);
	assert_int_equal(after.hits, before.hits);
	assert_int_equal(after.misses - before.misses, 1);

	/* Bogus is never served stale. */
	assert_int_equal(look(c, "bad.example.", RR_A, 0, T0 + 100, true, &h), MX_ENOTFOUND);
	/* Past the window: gone. */
	assert_int_equal(look(c, "a.example.", RR_A, 0, T0 + 900, true, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "a.example.", RR_A, 0, T0 + 400, true, &h), MX_ENOTFOUND);
	cache_close(c);

	/* stale_ttl 0: never. */
	cfg.stale_ttl = 0;
	c = open_cache(NULL);
	assert_int_equal(store(c, "a.example.", RR_A, 0, &r, T0), 0);
	assert_int_equal(look(c, "a.example.", RR_A, 0, T0 + 301, true, &h), MX_ENOTFOUND);
	assert_int_equal(stats(c).stale, 0);
	cache_close(c);
}

/* ---- RFC 8198 with NSEC ---- */

/* Zone example.: example. -> b.example. -> m.example. -> example.
 * An NXDOMAIN for c.example. holds the NSEC covering it (b -> m) and the
 * one covering *.example. (example. -> b). */
#define NSEC_APEX "example. 3600 IN NSEC b.example. NS SOA RRSIG NSEC DNSKEY\n" \
	"example. 3600 IN RRSIG NSEC 8 1 3600 " SIG "\n"
#define NSEC_B "b.example. 3600 IN NSEC m.example. A RRSIG NSEC\n" \
	"b.example. 3600 IN RRSIG NSEC 8 2 3600 " SIG "\n"

static void
test_aggr_nsec_nxdomain(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;

	eng_result nx = mkres(RCODE_NXDOMAIN, SEC_SECURE, NULL,
	    SOA_EX NSEC_B NSEC_APEX);
	assert_int_equal(store(c, "c.example.", RR_A, 0, &nx, T0), 0);
	assert_int_equal(cache_commit(c), 0);

	/* The stored answer itself. */
	assert_int_equal(look(c, "c.example.", RR_A, 0, T0, false, &h), 0);
	assert_false(h.synthesized);
	assert_int_equal(h.ttl_orig, 300);

	/* Another name in the same span, another type: synthesized. */
	cache_stats before = stats(c);
	assert_int_equal(look(c, "d.example.", RR_AAAA, 0, T0 + 10, false, &h), 0);
	assert_true(h.synthesized);
	assert_false(h.stale);
	assert_int_equal(h.res.rcode, RCODE_NXDOMAIN);
	assert_int_equal(h.res.status, SEC_SECURE);
	assert_int_equal(h.res.count[SEC_ANSWER], 0);
	assert_non_null(find(&h, SEC_AUTHORITY, RR_SOA, "example."));
	assert_non_null(find(&h, SEC_AUTHORITY, RR_NSEC, "b.example."));
	assert_non_null(find(&h, SEC_AUTHORITY, RR_NSEC, "example."));
	assert_int_equal(count_type(&h, SEC_AUTHORITY, RR_RRSIG), 3);
	/* TTLs: no longer than the negative TTL, counted down. */
	assert_int_equal(h.ttl_left, 290);
	for (unsigned i = 0; i < h.res.count[SEC_AUTHORITY]; i++)
		assert_true(h.res.rr[SEC_AUTHORITY][i].ttl <= 290);
	cache_stats after = stats(c);
	assert_int_equal(after.aggressive - before.aggressive, 1);
	assert_int_equal(after.hits, before.hits);
	/* A name below one in the span, and a.example. (covered by the
	 * apex NSEC, the wildcard NSEC too). */
	assert_int_equal(look(c, "x.y.d.example.", RR_A, 0, T0, false, &h), 0);
	assert_true(h.synthesized);
	assert_int_equal(h.res.rcode, RCODE_NXDOMAIN);
	assert_int_equal(look(c, "a.example.", RR_TXT, 0, T0, false, &h), 0);
	assert_int_equal(h.res.rcode, RCODE_NXDOMAIN);
	assert_true(h.synthesized);

	/* Synthesis leaves no entry behind: with CD it is a miss. */
	assert_int_equal(look(c, "d.example.", RR_AAAA, ENG_F_CD, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "c.example.", RR_A, ENG_F_CD, T0, false, &h), MX_ENOTFOUND);
	/* Stale lookups do not synthesize either. */
	assert_int_equal(look(c, "d.example.", RR_AAAA, 0, T0, true, &h), MX_ENOTFOUND);

	/* Not covered: p.example. is past m.example., whose NSEC is not
	 * cached; names of other zones neither. */
	before = stats(c);
	assert_int_equal(look(c, "p.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "b.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "m.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "c.example.org.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	/* DS is left to the resolver. */
	assert_int_equal(look(c, "d.example.", RR_DS, 0, T0, false, &h), MX_ENOTFOUND);
	after = stats(c);
	assert_int_equal(after.misses - before.misses, 5);
	assert_int_equal(after.aggressive, before.aggressive);

	/* The apex NSEC proves NODATA for A at the apex (and not for SOA). */
	assert_int_equal(look(c, "example.", RR_A, 0, T0, false, &h), 0);
	assert_true(h.synthesized);
	assert_int_equal(h.res.rcode, RCODE_NOERROR);
	assert_int_equal(h.res.count[SEC_ANSWER], 0);
	assert_int_equal(look(c, "example.", RR_SOA, 0, T0, false, &h), MX_ENOTFOUND);
	/* The proof expires with the negative TTL. */
	assert_int_equal(look(c, "d.example.", RR_A, 0, T0 + 299, false, &h), 0);
	assert_int_equal(h.ttl_left, 1);
	assert_int_equal(look(c, "d.example.", RR_A, 0, T0 + 300, false, &h), MX_ENOTFOUND);
	cache_close(c);
}

static void
test_aggr_nsec_nodata(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;

	/* b.example. has A, RRSIG, NSEC: a NODATA for TXT proves MX too. */
	eng_result nd = mkres(RCODE_NOERROR, SEC_SECURE, NULL, SOA_EX NSEC_B);
	assert_int_equal(store(c, "b.example.", RR_TXT, 0, &nd, T0), 0);
	assert_int_equal(look(c, "b.example.", RR_MX, 0, T0, false, &h), 0);
	assert_true(h.synthesized);
	assert_int_equal(h.res.rcode, RCODE_NOERROR);
	assert_int_equal(h.res.status, SEC_SECURE);
	assert_int_equal(h.res.count[SEC_ANSWER], 0);
	assert_non_null(find(&h, SEC_AUTHORITY, RR_SOA, "example."));
	assert_non_null(find(&h, SEC_AUTHORITY, RR_NSEC, "b.example."));
	/* The bitmap has A, and CNAME is absent so no NODATA for it
	 * either way; A is a miss. */
	assert_int_equal(look(c, "b.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "b.example.", RR_NSEC, 0, T0, false, &h), MX_ENOTFOUND);
	/* NXDOMAIN for c.example. needs the wildcard proof, absent here. */
	assert_int_equal(look(c, "c.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	cache_close(c);
}

static void
test_aggr_nsec_not_indexed(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;

	/* Insecure: nothing indexed. */
	eng_result ins = mkres(RCODE_NXDOMAIN, SEC_INSECURE, NULL,
	    SOA_EX NSEC_B NSEC_APEX);
	assert_int_equal(store(c, "c.example.", RR_A, 0, &ins, T0), 0);
	assert_int_equal(look(c, "c.example.", RR_A, 0, T0, false, &h), 0);
	assert_int_equal(look(c, "d.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	/* Secure, but stored under CD: not indexed. */
	eng_result sec = mkres(RCODE_NXDOMAIN, SEC_SECURE, NULL,
	    SOA_EX NSEC_B NSEC_APEX);
	assert_int_equal(store(c, "c.example.", RR_A, ENG_F_CD, &sec, T0), 0);
	assert_int_equal(look(c, "d.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	/* An NSEC whose RRSIG has fewer labels than its owner came from a
	 * wildcard (CVE-2017-15105): not indexed. */
	eng_result wild = mkres(RCODE_NXDOMAIN, SEC_SECURE, NULL,
	    SOA_EX
	    "b.example. 3600 IN NSEC m.example. A RRSIG NSEC\n"
	    "b.example. 3600 IN RRSIG NSEC 8 1 3600 " SIG "\n"
	    NSEC_APEX);
	assert_int_equal(store(c, "c.example.", RR_A, 0, &wild, T0), 0);
	assert_int_equal(look(c, "c.example.", RR_A, 0, T0, false, &h), 0);
	assert_false(h.synthesized);
	assert_int_equal(look(c, "d.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	/* An NSEC without RRSIG: not indexed. */
	eng_result nosig = mkres(RCODE_NXDOMAIN, SEC_SECURE, NULL,
	    SOA_EX "b.example. 3600 IN NSEC m.example. A RRSIG NSEC\n" NSEC_APEX);
	assert_int_equal(store(c, "c.example.", RR_A, 0, &nosig, T0), 0);
	assert_int_equal(look(c, "d.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	cache_close(c);

	/* aggressive off: never. */
	cfg.aggressive = false;
	c = open_cache(NULL);
	assert_int_equal(store(c, "c.example.", RR_A, 0, &sec, T0), 0);
	assert_int_equal(look(c, "d.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	cache_close(c);
}

static void
test_aggr_nsec_wildcard(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;

	/* Zone example.: example. -> *.example. -> m.example. ->
	 * z.example.  p.example. A was expanded from *.example. (RRSIG
	 * labels 1 < 2), proved by the NSEC m.example. -> z.example. */
	eng_result w = mkres(RCODE_NOERROR, SEC_SECURE,
	    "p.example. 600 IN A 192.0.2.80\n"
	    "p.example. 600 IN RRSIG A 8 1 600 " SIG "\n",
	    "m.example. 3600 IN NSEC z.example. A RRSIG NSEC\n"
	    "m.example. 3600 IN RRSIG NSEC 8 2 3600 " SIG "\n");
	assert_int_equal(store(c, "p.example.", RR_A, 0, &w, T0), 0);
	assert_int_equal(cache_commit(c), 0);
	cache_stats before = stats(c);
	assert_int_equal(look(c, "q.example.", RR_A, 0, T0 + 100, false, &h), 0);
	assert_true(h.synthesized);
	assert_int_equal(h.res.rcode, RCODE_NOERROR);
	assert_int_equal(h.res.status, SEC_SECURE);
	assert_int_equal(h.res.count[SEC_ANSWER], 2);
	const msg_rr *a = find(&h, SEC_ANSWER, RR_A, "q.example.");
	assert_non_null(a);
	assert_memory_equal(a->rdata, "\xc0\x00\x02\x50", 4);
	assert_true(a->ttl <= 500);
	const msg_rr *s = find(&h, SEC_ANSWER, RR_RRSIG, "q.example.");
	assert_non_null(s);
	assert_int_equal(s->rdata[3], 1);   /* labels: still the wildcard's */
	assert_non_null(find(&h, SEC_AUTHORITY, RR_NSEC, "m.example."));
	assert_int_equal(stats(c).aggressive - before.aggressive, 1);
	/* Deeper names under the wildcard too. */
	assert_int_equal(look(c, "a.q.example.", RR_A, 0, T0, false, &h), 0);
	assert_non_null(find(&h, SEC_ANSWER, RR_A, "a.q.example."));
	/* Another type: not cached for the wildcard. */
	assert_int_equal(look(c, "q.example.", RR_AAAA, 0, T0, false, &h), MX_ENOTFOUND);
	/* A name not covered by the cached NSEC. */
	assert_int_equal(look(c, "zz.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "c.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	/* CD: no. */
	assert_int_equal(look(c, "q.example.", RR_A, ENG_F_CD, T0, false, &h), MX_ENOTFOUND);
	/* Past the answer's TTL: no. */
	assert_int_equal(look(c, "q.example.", RR_A, 0, T0 + 600, false, &h), MX_ENOTFOUND);
	cache_close(c);
}

/* The NSEC covering the name is the wildcard's own (*.example. ->
 * z.example.), and an NSEC at the wildcard without the type gives NODATA
 * instead. */
static void
test_aggr_nsec_wildcard_own(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;

	eng_result w = mkres(RCODE_NOERROR, SEC_SECURE,
	    "p.example. 600 IN TXT \"from the wildcard\"\n"
	    "p.example. 600 IN RRSIG TXT 8 1 600 " SIG "\n",
	    "*.example. 3600 IN NSEC z.example. TXT RRSIG NSEC\n"
	    "*.example. 3600 IN RRSIG NSEC 8 2 3600 " SIG "\n");
	assert_int_equal(store(c, "p.example.", RR_TXT, 0, &w, T0), 0);
	assert_int_equal(look(c, "q.example.", RR_TXT, 0, T0, false, &h), 0);
	assert_true(h.synthesized);
	assert_int_equal(h.res.rcode, RCODE_NOERROR);
	assert_non_null(find(&h, SEC_ANSWER, RR_TXT, "q.example."));
	assert_non_null(find(&h, SEC_ANSWER, RR_RRSIG, "q.example."));
	assert_non_null(find(&h, SEC_AUTHORITY, RR_NSEC, "*.example."));
	/* The wildcard has no A: a wildcard NODATA would need the SOA,
	 * which is not cached: a miss. */
	assert_int_equal(look(c, "q.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	/* The wildcard name itself was answered from the cache entry. */
	assert_int_equal(look(c, "*.example.", RR_TXT, 0, T0, false, &h), 0);
	assert_int_equal(h.res.count[SEC_ANSWER], 2);
	cache_close(c);
}

#define RSIG "20300101000000 20000101000000 20326 . dGVzdCBzaWduYXR1cmU="

/* The root zone: names and keys of the root are the empty K(). */
static void
test_aggr_nsec_root(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;

	eng_result nx = mkres(RCODE_NXDOMAIN, SEC_SECURE, NULL,
	    ". 86400 IN SOA a.root-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400\n"
	    ". 86400 IN RRSIG SOA 8 0 86400 " RSIG "\n"
	    ". 86400 IN NSEC aaa. NS SOA RRSIG NSEC DNSKEY\n"
	    ". 86400 IN RRSIG NSEC 8 0 86400 " RSIG "\n"
	    "net. 86400 IN NSEC new. NS DS RRSIG NSEC\n"
	    "net. 86400 IN RRSIG NSEC 8 1 86400 " RSIG "\n");
	assert_int_equal(store(c, "neta.", RR_A, 0, &nx, T0), 0);
	eng_result ns = mkres(RCODE_NOERROR, SEC_SECURE,
	    ". 518400 IN NS a.root-servers.net.\n"
	    ". 518400 IN RRSIG NS 8 0 518400 " RSIG "\n", NULL);
	assert_int_equal(store(c, ".", RR_NS, 0, &ns, T0), 0);
	assert_int_equal(cache_commit(c), 0);

	assert_int_equal(look(c, ".", RR_NS, 0, T0, false, &h), 0);
	assert_false(h.synthesized);
	assert_int_equal(h.ttl_orig, 86400);   /* cache-max-ttl */
	/* A TLD in the span, and a name below it. */
	assert_int_equal(look(c, "neu.", RR_A, 0, T0, false, &h), 0);
	assert_true(h.synthesized);
	assert_int_equal(h.res.rcode, RCODE_NXDOMAIN);
	assert_int_equal(h.ttl_left, 3600);    /* cache-max-negative-ttl */
	assert_non_null(find(&h, SEC_AUTHORITY, RR_SOA, "."));
	assert_non_null(find(&h, SEC_AUTHORITY, RR_NSEC, "."));
	assert_non_null(find(&h, SEC_AUTHORITY, RR_NSEC, "net."));
	assert_int_equal(look(c, "www.neu.", RR_AAAA, 0, T0, false, &h), 0);
	assert_int_equal(h.res.rcode, RCODE_NXDOMAIN);
	/* The root has no A: NODATA from its own NSEC. */
	assert_int_equal(look(c, ".", RR_A, 0, T0, false, &h), 0);
	assert_true(h.synthesized);
	assert_int_equal(h.res.rcode, RCODE_NOERROR);
	/* net. exists: its names are not denied by this span. */
	assert_int_equal(look(c, "example.net.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "org.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	char *d = NULL;
	size_t dl = 0;
	FILE *f = open_memstream(&d, &dl);
	assert_int_equal(cache_dump(c, f, T0), 0);
	fclose(f);
	assert_non_null(strstr(d, "; answer . NS status=secure"));
	assert_non_null(strstr(d, "; nsec . status=secure"));
	assert_non_null(strstr(d, "; soa . status=secure"));
	free(d);
	cache_close(c);
}

/* ---- RFC 8198 with NSEC3 ---- */

static void
b32hex(const uint8_t *h, size_t n, char *out)
{
	static const char al[] = "0123456789abcdefghijklmnopqrstuv";
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		acc = acc << 8 | h[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = al[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = al[(acc << (5 - bits)) & 31];
	out[o] = 0;
}

static void
n3hash(const char *name, uint8_t h[20])
{
	uint8_t w[NAME_MAX_WIRE];

	assert_int_equal(name_from_cstr(name, w), 0);
	name_lower(w);
	assert_int_equal(crypto_nsec3_hash(1, NULL, 0, 0, w, name_len(w), h), 0);
}

/* The NSEC3 chain of zone example. holding the apex and these names. */
static const char *const n3names[] = {
	"example.", "b.example.", "d.example.", "f.example.", "h.example.",
	"k.example.", "n.example.", "r.example.",
};
#define N3N (sizeof(n3names) / sizeof(n3names[0]))

typedef struct n3rec {
	uint8_t h[20];
	const char *name;
} n3rec;

static n3rec chain[N3N];

static int
cmp_n3(const void *a, const void *b)
{
	return memcmp(((const n3rec *)a)->h, ((const n3rec *)b)->h, 20);
}

static void
make_chain(void)
{
	for (size_t i = 0; i < N3N; i++) {
		n3hash(n3names[i], chain[i].h);
		chain[i].name = n3names[i];
	}
	qsort(chain, N3N, sizeof(chain[0]), cmp_n3);
}

/* The index of the record that matches or covers hash h. */
static size_t
n3_cover(const uint8_t h[20])
{
	size_t k = N3N - 1;   /* before the first: the last wraps around */

	for (size_t i = 0; i < N3N; i++)
		if (memcmp(chain[i].h, h, 20) <= 0)
			k = i;
	return k;
}

static size_t
n3_cover_name(const char *name)
{
	uint8_t h[20];

	n3hash(name, h);
	return n3_cover(h);
}

/* NSEC3 record i, with its RRSIG, as zone text appended to buf. */
static void
n3_text(size_t i, char *buf, size_t cap)
{
	char own[40], next[40];
	size_t l = strlen(buf);

	b32hex(chain[i].h, 20, own);
	b32hex(chain[(i + 1) % N3N].h, 20, next);
	bool apex = strcmp(chain[i].name, "example.") == 0;
	snprintf(buf + l, cap - l,
	    "%s.example. 3600 IN NSEC3 1 0 0 - %s %s\n"
	    "%s.example. 3600 IN RRSIG NSEC3 8 2 3600 " SIG "\n",
	    own, next, apex ? "NS SOA RRSIG DNSKEY NSEC3PARAM" : "A RRSIG", own);
}

static void
test_aggr_nsec3(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;
	char auth[8192] = SOA_EX;
	bool in[N3N] = { false };

	make_chain();
	/* An NXDOMAIN for q.example.: the closest encloser example.
	 * (matched), the next closer q.example. and *.example. (covered). */
	size_t ce = n3_cover_name("example.");
	size_t nc = n3_cover_name("q.example.");
	size_t wc = n3_cover_name("*.example.");
	uint8_t hx[20];
	n3hash("example.", hx);
	assert_memory_equal(chain[ce].h, hx, 20);
	in[ce] = in[nc] = in[wc] = true;
	for (size_t i = 0; i < N3N; i++)
		if (in[i])
			n3_text(i, auth, sizeof(auth));
	eng_result nx = mkres(RCODE_NXDOMAIN, SEC_SECURE, NULL, auth);
	assert_int_equal(store(c, "q.example.", RR_A, 0, &nx, T0), 0);
	assert_int_equal(cache_commit(c), 0);

	/* Find names whose next closer is, and is not, covered by what is
	 * cached. */
	char yes[32] = "", no[32] = "";
	for (int i = 0; i < 1000 && (!*yes || !*no); i++) {
		char nm[32];
		snprintf(nm, sizeof(nm), "x%d.example.", i);
		size_t k = n3_cover_name(nm);
		uint8_t hh[20];
		n3hash(nm, hh);
		if (memcmp(chain[k].h, hh, 20) == 0)
			continue;   /* astronomically unlikely */
		if (in[k] && !*yes)
			strcpy(yes, nm);
		else if (!in[k] && !*no)
			strcpy(no, nm);
	}
	assert_true(*yes && *no);

	cache_stats before = stats(c);
	assert_int_equal(look(c, yes, RR_AAAA, 0, T0 + 5, false, &h), 0);
	assert_true(h.synthesized);
	assert_int_equal(h.res.rcode, RCODE_NXDOMAIN);
	assert_int_equal(h.res.status, SEC_SECURE);
	assert_int_equal(h.res.count[SEC_ANSWER], 0);
	assert_non_null(find(&h, SEC_AUTHORITY, RR_SOA, "example."));
	assert_true(count_type(&h, SEC_AUTHORITY, RR_NSEC3) >= 2);
	assert_int_equal(count_type(&h, SEC_AUTHORITY, RR_NSEC3),
	    count_type(&h, SEC_AUTHORITY, RR_RRSIG) - 1);
	assert_int_equal(h.ttl_left, 295);
	assert_int_equal(stats(c).aggressive - before.aggressive, 1);
	/* Not covered: a miss.  CD: a miss.  Not even the asked name with
	 * CD, which was stored without. */
	assert_int_equal(look(c, no, RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, yes, RR_A, ENG_F_CD, T0, false, &h), MX_ENOTFOUND);
	/* Another zone: a miss. */
	assert_int_equal(look(c, "q.example.net.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	/* Expired with the negative TTL. */
	assert_int_equal(look(c, yes, RR_AAAA, 0, T0 + 300, false, &h), MX_ENOTFOUND);

	/* NODATA: b.example. exists with A and RRSIG only. */
	size_t bi = n3_cover_name("b.example.");
	char auth2[4096] = SOA_EX;
	n3_text(bi, auth2, sizeof(auth2));
	eng_result nd = mkres(RCODE_NOERROR, SEC_SECURE, NULL, auth2);
	assert_int_equal(store(c, "b.example.", RR_TXT, 0, &nd, T0), 0);
	assert_int_equal(look(c, "b.example.", RR_MX, 0, T0, false, &h), 0);
	assert_true(h.synthesized);
	assert_int_equal(h.res.rcode, RCODE_NOERROR);
	assert_int_equal(h.res.count[SEC_ANSWER], 0);
	assert_true(count_type(&h, SEC_AUTHORITY, RR_NSEC3) >= 1);
	char bown[80];
	b32hex(chain[bi].h, 20, bown);
	strcat(bown, ".example.");
	assert_non_null(find(&h, SEC_AUTHORITY, RR_NSEC3, bown));
	assert_int_equal(look(c, "b.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	cache_close(c);
}

static void
test_aggr_nsec3_insecure_or_limits(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;
	char auth[8192] = SOA_EX;

	make_chain();
	for (size_t i = 0; i < N3N; i++)
		n3_text(i, auth, sizeof(auth));
	/* The whole chain, but insecure: nothing synthesized. */
	eng_result nx = mkres(RCODE_NXDOMAIN, SEC_INSECURE, NULL, auth);
	assert_int_equal(store(c, "q.example.", RR_A, 0, &nx, T0), 0);
	assert_int_equal(look(c, "x1.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	/* Secure: every name of the zone is proved one way or the other. */
	nx.status = SEC_SECURE;
	assert_int_equal(store(c, "q.example.", RR_A, 0, &nx, T0), 0);
	assert_int_equal(look(c, "x1.example.", RR_A, 0, T0, false, &h), 0);
	assert_int_equal(h.res.rcode, RCODE_NXDOMAIN);
	assert_int_equal(look(c, "d.example.", RR_TXT, 0, T0, false, &h), 0);
	assert_int_equal(h.res.rcode, RCODE_NOERROR);
	assert_int_equal(look(c, "d.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	cache_close(c);

	/* Iterations above the limit: no synthesis. */
	cfg.nsec3_max_iterations = 0;
	rm_dir(dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	c = open_cache(NULL);
	char auth2[8192] = SOA_EX;
	for (size_t i = 0; i < N3N; i++) {
		char own[40], next[40];
		size_t l = strlen(auth2);
		b32hex(chain[i].h, 20, own);
		b32hex(chain[(i + 1) % N3N].h, 20, next);
		/* The hashes are wrong for 5 iterations; no matter, the
		 * iteration check comes first. */
		snprintf(auth2 + l, sizeof(auth2) - l,
		    "%s.example. 3600 IN NSEC3 1 0 5 - %s A RRSIG\n"
		    "%s.example. 3600 IN RRSIG NSEC3 8 2 3600 " SIG "\n",
		    own, next, own);
	}
	eng_result nx2 = mkres(RCODE_NXDOMAIN, SEC_SECURE, NULL, auth2);
	assert_int_equal(store(c, "q.example.", RR_A, 0, &nx2, T0), 0);
	assert_int_equal(look(c, "x1.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	cache_close(c);
}

/* The zone's first NSEC3 (lowest hash) expired, or is corrupt, while
 * fresher records prove the answer: they still do. */
static void
test_aggr_nsec3_first_expired(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;

	make_chain();
	size_t ce = n3_cover_name("example.");
	size_t wc = n3_cover_name("*.example.");
	/* A name whose proof does not need record 0. */
	char q[32] = "";
	for (int i = 0; i < 1000 && !*q; i++) {
		char nm[32];
		snprintf(nm, sizeof(nm), "y%d.example.", i);
		size_t k = n3_cover_name(nm);
		if (k != 0 && k != ce && k != wc)
			strcpy(q, nm);
	}
	if (ce == 0 || wc == 0 || !*q)
		skip();
	/* Record 0 alone, at T0, as a NODATA for its own name. */
	char a0[4096] = SOA_EX;
	n3_text(0, a0, sizeof(a0));
	eng_result nd = mkres(RCODE_NOERROR, SEC_SECURE, NULL, a0);
	assert_int_equal(store(c, chain[0].name, RR_TXT, 0, &nd, T0), 0);
	/* The proof for q, later. */
	char a1[8192] = SOA_EX;
	n3_text(ce, a1, sizeof(a1));
	n3_text(wc, a1, sizeof(a1));
	n3_text(n3_cover_name(q), a1, sizeof(a1));
	eng_result nx = mkres(RCODE_NXDOMAIN, SEC_SECURE, NULL, a1);
	assert_int_equal(store(c, q, RR_A, 0, &nx, T0 + 200), 0);
	assert_int_equal(cache_commit(c), 0);
	assert_int_equal(look(c, q, RR_AAAA, 0, T0 + 250, false, &h), 0);
	assert_true(h.synthesized);
	/* Record 0 has expired; the rest has not. */
	assert_int_equal(look(c, q, RR_AAAA, 0, T0 + 400, false, &h), 0);
	assert_true(h.synthesized);
	assert_int_equal(h.res.rcode, RCODE_NXDOMAIN);
	assert_int_equal(h.ttl_left, 100);
	cache_close(c);

	/* Record 0 corrupt (and the NODATA answer that holds it too): it is
	 * counted, deleted, and the rest still proves the answer. */
	char own0[40];
	b32hex(chain[0].h, 20, own0);
	assert_true(patch_after(own0, strlen(own0), 2, flip) >= 2);
	c = open_cache(NULL);
	assert_int_equal(look(c, q, RR_AAAA, 0, T0 + 250, false, &h), 0);
	assert_true(h.synthesized);
	assert_true(stats(c).corrupt >= 1);
	assert_int_equal(look(c, chain[0].name, RR_TXT, 0, T0 + 250, false, &h), MX_ENOTFOUND);
	cache_close(c);
}

/* ---- operations ---- */

static void
put_a(cache *c, const char *name, uint16_t type, time_t now)
{
	char text[256];

	snprintf(text, sizeof(text), "%s 300 IN %s %s\n", name,
	    type == RR_A ? "A" : "AAAA", type == RR_A ? "192.0.2.1" : "2001:db8::1");
	eng_result r = mkres(RCODE_NOERROR, SEC_SECURE, text, NULL);
	assert_int_equal(store(c, name, type, 0, &r, now), 0);
}

static void
test_flush(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;

	put_a(c, "p.example.", RR_A, T0);
	put_a(c, "p.example.", RR_AAAA, T0);
	put_a(c, "b.p.example.", RR_A, T0);
	put_a(c, "pq.example.", RR_A, T0);
	put_a(c, "r.example.", RR_A, T0);
	eng_result nx = mkres(RCODE_NXDOMAIN, SEC_SECURE, NULL,
	    SOA_EX NSEC_B NSEC_APEX);
	assert_int_equal(store(c, "c2.example.", RR_A, 0, &nx, T0), 0);
	assert_int_equal(look(c, "d.example.", RR_A, 0, T0, false, &h), 0);

	/* The name alone. */
	assert_int_equal(cache_flush_name(c, N("p.example."), false), 0);
	assert_false(cache_pending(c));
	assert_int_equal(look(c, "p.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "p.example.", RR_AAAA, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "b.p.example.", RR_A, 0, T0, false, &h), 0);
	assert_int_equal(look(c, "pq.example.", RR_A, 0, T0, false, &h), 0);
	put_a(c, "p.example.", RR_A, T0);
	/* The subtree: the name and below, not pq.example. */
	assert_int_equal(cache_flush_name(c, N("P.Example."), true), 0);
	assert_int_equal(look(c, "p.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "b.p.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "pq.example.", RR_A, 0, T0, false, &h), 0);
	assert_int_equal(look(c, "r.example.", RR_A, 0, T0, false, &h), 0);
	assert_int_equal(look(c, "d.example.", RR_A, 0, T0, false, &h), 0);
	/* Flushing b.example. takes its NSEC: the span is no longer known. */
	assert_int_equal(cache_flush_name(c, N("b.example."), false), 0);
	assert_int_equal(look(c, "d.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	/* All. */
	assert_int_equal(cache_flush_all(c), 0);
	assert_int_equal(look(c, "pq.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "r.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "c2.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(stats(c).entries, 0);
	/* Flushing what is not there is fine; so is the root's subtree. */
	assert_int_equal(cache_flush_name(c, N("nothing.example."), false), 0);
	put_a(c, "r.example.", RR_A, T0);
	assert_int_equal(cache_flush_name(c, N("."), true), 0);
	assert_int_equal(look(c, "r.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	cache_close(c);

	/* A flush is committed: it survives a reopen. */
	c = open_cache(NULL);
	assert_int_equal(look(c, "pq.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	cache_close(c);
}

static char *
dump_str(cache *c, time_t now)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(cache_dump(c, f, now), 0);
	fclose(f);
	return buf;
}

static void
test_dump(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);

	eng_result r = mkres(RCODE_NOERROR, SEC_SECURE,
	    "www.example. 300 IN A 192.0.2.1\n"
	    "www.example. 300 IN RRSIG A 8 2 300 " SIG "\n", NULL);
	assert_int_equal(store(c, "www.example.", RR_A, 0, &r, T0), 0);
	eng_result b = mkres(RCODE_SERVFAIL, SEC_BOGUS, NULL, NULL);
	b.has_ede = true;
	b.ede = EDE_DNSSEC_BOGUS;
	b.reason = "bad sig";
	assert_int_equal(store(c, "bad.example.", RR_AAAA, ENG_F_CD, &b, T0), 0);
	eng_result nx = mkres(RCODE_NXDOMAIN, SEC_SECURE, NULL, SOA_EX NSEC_B);
	assert_int_equal(store(c, "c.example.", RR_A, 0, &nx, T0), 0);

	char *d = dump_str(c, T0 + 30);
	assert_non_null(strstr(d, "www.example."));
	assert_non_null(strstr(d, "192.0.2.1"));
	assert_non_null(strstr(d, "status=secure"));
	assert_non_null(strstr(d, "status=bogus"));
	assert_non_null(strstr(d, "ttl=270"));
	assert_non_null(strstr(d, "ttl=30"));
	assert_non_null(strstr(d, "ede=6"));
	assert_non_null(strstr(d, "reason=\"bad sig\""));
	assert_non_null(strstr(d, "+cd"));
	assert_non_null(strstr(d, "RRSIG"));
	assert_non_null(strstr(d, "NSEC"));
	assert_non_null(strstr(d, "SOA"));
	free(d);
	/* Expired entries are left out. */
	d = dump_str(c, T0 + 1000);
	assert_null(strstr(d, "192.0.2.1"));
	assert_null(strstr(d, "status="));
	free(d);
	cache_close(c);
}

/* ---- an untrusted file ---- */

static void
fill_some(cache *c, int n)
{
	char nm[64];

	for (int i = 0; i < n; i++) {
		snprintf(nm, sizeof(nm), "h%d.example.", i);
		put_a(c, nm, RR_A, T0);
	}
	assert_int_equal(cache_commit(c), 0);
}

static void
test_corrupt_value(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;

	eng_result r = mkres(RCODE_NOERROR, SEC_INSECURE,
	    "www.example. 300 IN A 192.0.2.1\n", NULL);
	assert_int_equal(store(c, "www.example.", RR_A, 0, &r, T0), 0);
	cache_close(c);
	/* Past "MXE" and the version: the header's expiry. */
	assert_true(patch_after("MXE", 3, 20, flip) >= 1);

	const char *note = "x";
	c = open_cache(&note);
	assert_null(note);
	assert_int_equal(stats(c).corrupt, 0);
	char *d = dump_str(c, T0);
	assert_non_null(strstr(d, "corrupt"));
	free(d);
	assert_int_equal(look(c, "www.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(stats(c).corrupt, 1);
	/* It was deleted: the next lookup is a plain miss. */
	assert_int_equal(look(c, "www.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(stats(c).corrupt, 1);
	assert_int_equal(store(c, "www.example.", RR_A, 0, &r, T0), 0);
	assert_int_equal(look(c, "www.example.", RR_A, 0, T0, false, &h), 0);
	cache_close(c);
}

/* Corrupt NSEC, NSEC3 and SOA index values: no synthesis, counted. */
static void
test_corrupt_index(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;
	char auth[8192] = SOA_EX;

	make_chain();
	for (size_t i = 0; i < N3N; i++)
		n3_text(i, auth, sizeof(auth));
	eng_result n3 = mkres(RCODE_NXDOMAIN, SEC_SECURE, NULL, auth);
	assert_int_equal(store(c, "q.example.", RR_A, 0, &n3, T0), 0);
	assert_int_equal(look(c, "x1.example.", RR_A, 0, T0, false, &h), 0);
	assert_true(h.synthesized);
	cache_close(c);
	/* Every value: its stored time. */
	assert_true(patch_after("MXE", 3, 10, flip) >= 10);
	c = open_cache(NULL);
	assert_int_equal(look(c, "x1.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "q.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_true(stats(c).corrupt >= 1);
	cache_close(c);
	rm_dir(dir);
	assert_int_equal(mkdir(dir, 0700), 0);

	c = open_cache(NULL);
	eng_result nx = mkres(RCODE_NXDOMAIN, SEC_SECURE, NULL, SOA_EX NSEC_B NSEC_APEX);
	assert_int_equal(store(c, "c.example.", RR_A, 0, &nx, T0), 0);
	cache_close(c);
	assert_true(patch_after("MXE", 3, 10, flip) >= 4);
	c = open_cache(NULL);
	assert_int_equal(look(c, "d.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "a.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "b.example.", RR_MX, 0, T0, false, &h), MX_ENOTFOUND);
	assert_true(stats(c).corrupt >= 2);
	cache_close(c);
}

static void
test_corrupt_every_octet(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;
	size_t len;

	eng_result r = mkres(RCODE_NXDOMAIN, SEC_SECURE, NULL, SOA_EX NSEC_B NSEC_APEX);
	r.reason = "why";
	assert_int_equal(store(c, "c.example.", RR_A, 0, &r, T0), 0);
	cache_close(c);
	uint8_t *orig = slurp(path_in("data.mdb"), &len);
	/* Each octet of the first value in turn: never a crash, never a hit
	 * that differs from the original. */
	uint8_t *m = memmem(orig, len, "MXE", 3);
	assert_non_null(m);
	size_t at = (size_t)(m - orig);
	for (size_t i = 0; i < 160 && at + i < len; i++) {
		uint8_t *b = malloc(len);
		memcpy(b, orig, len);
		b[at + i] ^= 0x01;
		spit(path_in("data.mdb"), b, len);
		free(b);
		c = open_cache(NULL);
		int rc = look(c, "c.example.", RR_A, 0, T0, false, &h);
		if (rc == 0)
			assert_int_equal(h.res.rcode, RCODE_NXDOMAIN);
		rc = look(c, "d.example.", RR_A, 0, T0, false, &h);
		if (rc == 0)
			assert_int_equal(h.res.rcode, RCODE_NXDOMAIN);
		cache_close(c);
	}
	free(orig);
}

static void
test_wrong_version(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;

	fill_some(c, 10);
	cache_close(c);
	uint8_t pat[4] = { 'M', 'X', 'C', CACHE_FORMAT_VERSION };
	assert_true(patch_after((const char *)pat, 3, 0, version_one) >= 1);

	const char *note = NULL;
	c = open_cache(&note);
	assert_non_null(note);
	assert_non_null(strstr(note, "version"));
	assert_int_equal(stats(c).entries, 0);
	assert_int_equal(look(c, "h1.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	fill_some(c, 3);
	cache_close(c);
	/* Purged once: the next open is quiet. */
	note = "x";
	c = open_cache(&note);
	assert_null(note);
	assert_int_equal(look(c, "h1.example.", RR_A, 0, T0, false, &h), 0);
	cache_close(c);
}

static void
test_truncated_file(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;
	struct stat sb;

	fill_some(c, 2000);
	cache_close(c);
	assert_int_equal(stat(path_in("data.mdb"), &sb), 0);
	assert_true(sb.st_size > 8 * 4096);
	assert_int_equal(truncate(path_in("data.mdb"), sb.st_size / 2), 0);

	const char *note = NULL;
	c = open_cache(&note);
	assert_non_null(note);
	assert_non_null(strstr(note, "replaced"));
	assert_int_equal(stats(c).entries, 0);
	assert_int_equal(look(c, "h1.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "h1999.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	fill_some(c, 3);
	assert_int_equal(look(c, "h1.example.", RR_A, 0, T0, false, &h), 0);
	cache_close(c);
}

static void
test_garbage_file(void **state)
{
	(void)state;
	static const size_t sizes[] = { 0, 10, 4096, 65536 + 123 };
	eng_hit h;

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint8_t *b = malloc(sizes[s] + 1);
		uint32_t x = 0x9e3779b9u + (uint32_t)s;
		for (size_t i = 0; i < sizes[s]; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			b[i] = (uint8_t)x;
		}
		unlink(path_in("lock.mdb"));
		spit(path_in("data.mdb"), b, sizes[s]);
		free(b);
		const char *note = NULL;
		cache *c = open_cache(&note);
		if (sizes[s] >= 4096) {
			assert_non_null(note);
		}
		assert_int_equal(look(c, "h1.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
		fill_some(c, 3);
		assert_int_equal(look(c, "h1.example.", RR_A, 0, T0, false, &h), 0);
		cache_close(c);
		c = open_cache(&note);
		assert_null(note);
		assert_int_equal(look(c, "h1.example.", RR_A, 0, T0, false, &h), 0);
		cache_close(c);
	}
	/* Not even a file: a directory where data.mdb should be. */
	rm_dir(dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(mkdir(path_in("data.mdb"), 0700), 0);
	cache *c = NULL;
	char err[256] = "";
	int rc = cache_open(&c, &cfg, NULL, err, sizeof(err));
	if (rc == 0) {
		cache_close(c);
	} else {
		assert_null(c);
		assert_true(err[0] != 0);
	}
	rmdir(path_in("data.mdb"));
}

/* ---- a full map ---- */

static void
test_eviction(void **state)
{
	(void)state;
	cfg.mapsize = 1u << 20;
	cache *c = open_cache(NULL);
	eng_hit h;
	char nm[64];
	int failed = 0;
	struct stat sb;

	for (int i = 0; i < 20000; i++) {
		snprintf(nm, sizeof(nm), "host-%05d.example.", i);
		eng_result r = mkres(RCODE_NOERROR, SEC_INSECURE, NULL, NULL);
		msg_rr rr[2] = {
			{ (uint8_t *)N(nm), RR_A, 1, 3600, 4, (uint8_t *)"\xc0\x00\x02\x01" },
			{ (uint8_t *)N(nm), RR_A, 1, 3600, 4, (uint8_t *)"\xc0\x00\x02\x02" },
		};
		r.rr[SEC_ANSWER] = rr;
		r.count[SEC_ANSWER] = 2;
		if (store(c, nm, RR_A, 0, &r, T0 + i / 100) != 0)
			failed++;
		if (i % 100 == 99) {
			cache_commit(c);
			region_reset(&R);
		}
	}
	cache_commit(c);
	cache_stats st = stats(c);
	print_message("stores %llu errors %llu (%d) evictions %llu entries %zu used %llu map %llu\n",
	    (unsigned long long)st.stores, (unsigned long long)st.store_errors, failed,
	    (unsigned long long)st.evictions, st.entries,
	    (unsigned long long)st.bytes_used, (unsigned long long)st.map_size);
	assert_true(st.evictions > 0);
	assert_true(st.entries > 0);
	assert_true(st.entries < 20000);
	assert_true(st.bytes_used <= st.map_size);
	assert_true(st.map_size <= cfg.mapsize);
	assert_int_equal(stat(path_in("data.mdb"), &sb), 0);
	assert_true((uint64_t)sb.st_size <= cfg.mapsize);
	/* The newest are there; the cache still works. */
	assert_int_equal(look(c, "host-19999.example.", RR_A, 0, T0 + 200, false, &h), 0);
	assert_int_equal(h.res.count[SEC_ANSWER], 2);
	put_a(c, "new.example.", RR_A, T0 + 200);
	assert_int_equal(cache_commit(c), 0);
	assert_int_equal(look(c, "new.example.", RR_A, 0, T0 + 200, false, &h), 0);
	cache_close(c);
	/* And reopens. */
	const char *note = "x";
	c = open_cache(&note);
	assert_null(note);
	assert_int_equal(look(c, "new.example.", RR_A, 0, T0 + 200, false, &h), 0);
	cache_close(c);
}

/* Entries too big for a value are dropped, not fatal. */
static void
test_big_answer(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;

	/* 1100 records: more than a value holds. */
	msg_rr *rr = region_zalloc(&R, sizeof(msg_rr) * 1100);
	for (int i = 0; i < 1100; i++) {
		uint8_t *ip = region_alloc(&R, 4);
		ip[0] = 10;
		ip[1] = (uint8_t)(i >> 8);
		ip[2] = (uint8_t)i;
		ip[3] = 1;
		rr[i] = (msg_rr){ (uint8_t *)N("big.example."), RR_A, 1, 300, 4, ip };
	}
	eng_result r = mkres(RCODE_NOERROR, SEC_INSECURE, NULL, NULL);
	r.rr[SEC_ANSWER] = rr;
	r.count[SEC_ANSWER] = 1100;
	assert_true(store(c, "big.example.", RR_A, 0, &r, T0) != 0);
	assert_int_equal(look(c, "big.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	/* 1000 fit. */
	r.count[SEC_ANSWER] = 1000;
	assert_int_equal(store(c, "big.example.", RR_A, 0, &r, T0), 0);
	assert_int_equal(look(c, "big.example.", RR_A, 0, T0, false, &h), 0);
	assert_int_equal(h.res.count[SEC_ANSWER], 1000);
	/* The longest name, all 0x00 octets: every one escaped in the key,
	 * which still fits. */
	uint8_t w[NAME_MAX_WIRE];
	size_t o = 0;
	for (int l = 0; l < 4; l++) {
		uint8_t ll = l < 3 ? 63 : 61;
		w[o++] = ll;
		memset(w + o, 0, ll);
		o += ll;
	}
	w[o++] = 0;
	assert_int_equal(o, NAME_MAX_WIRE);
	msg_rr one = { w, RR_A, 1, 300, 4, (uint8_t *)"\x0a\0\0\1" };
	r.rr[SEC_ANSWER] = &one;
	r.count[SEC_ANSWER] = 1;
	assert_int_equal(cache_store(c, w, RR_A, ENG_F_CD, &r, T0), 0);
	assert_int_equal(cache_lookup(c, w, RR_A, ENG_F_CD, T0, false, &R, &h), 0);
	assert_true(name_eq(h.res.rr[SEC_ANSWER][0].owner, w));
	char *d = NULL;
	size_t dl = 0;
	FILE *f = open_memstream(&d, &dl);
	assert_int_equal(cache_dump(c, f, T0), 0);
	fclose(f);
	assert_non_null(strstr(d, "+cd"));
	free(d);
	cache_close(c);
}

static void
test_stats(void **state)
{
	(void)state;
	cfg.stale_ttl = 100;
	cache *c = open_cache(NULL);
	eng_hit h;

	cache_stats st = stats(c);
	assert_int_equal(st.hits + st.misses + st.aggressive + st.stale + st.stores, 0);
	assert_int_equal(st.map_size, cfg.mapsize);
	put_a(c, "a.example.", RR_A, T0);
	eng_result nx = mkres(RCODE_NXDOMAIN, SEC_SECURE, NULL, SOA_EX NSEC_B NSEC_APEX);
	assert_int_equal(store(c, "c.example.", RR_A, 0, &nx, T0), 0);
	assert_int_equal(cache_commit(c), 0);
	st = stats(c);
	/* Two answers, two NSECs and an SOA. */
	assert_int_equal(st.stores, 5);
	assert_int_equal(st.entries, 5);
	assert_true(st.commits >= 1);
	assert_true(st.bytes_used > 0);

	assert_int_equal(look(c, "a.example.", RR_A, 0, T0, false, &h), 0);
	assert_int_equal(look(c, "a.example.", RR_A, 0, T0 + 1, false, &h), 0);
	assert_int_equal(look(c, "zz.example.", RR_A, 0, T0, false, &h), MX_ENOTFOUND);
	assert_int_equal(look(c, "d.example.", RR_A, 0, T0, false, &h), 0);
	assert_int_equal(look(c, "a.example.", RR_A, 0, T0 + 350, true, &h), 0);
	st = stats(c);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.misses, 1);
	assert_int_equal(st.aggressive, 1);
	assert_int_equal(st.stale, 1);
	assert_int_equal(st.corrupt, 0);
	assert_int_equal(st.store_errors, 0);
	cache_close(c);
}

/* A chain that could not be fetched is a failure, not a verdict: not
 * kept (RFC 9520 leaves that to the engine's few seconds). */
static void
test_unreachable_not_kept(void **state)
{
	(void)state;
	cache *c = open_cache(NULL);
	eng_hit h;

	for (int i = 0; i < 2; i++) {
		eng_result b = mkres(RCODE_NOERROR, SEC_BOGUS,
		    "u.example. 3600 IN A 192.0.2.1\n", NULL);
		b.has_ede = true;
		b.ede = i == 0 ? EDE_NO_REACHABLE_AUTHORITY : EDE_NETWORK_ERROR;
		b.reason = "example.: cannot fetch DS or DNSKEY";
		assert_int_equal(store(c, "u.example.", RR_A, 0, &b, T0), 0);
		assert_int_equal(look(c, "u.example.", RR_A, 0, T0 + 1, false, &h), MX_ENOTFOUND);
	}
	/* A real verdict still is. */
	eng_result v = mkres(RCODE_NOERROR, SEC_BOGUS, "u.example. 3600 IN A 192.0.2.1\n", NULL);
	v.has_ede = true;
	v.ede = EDE_DNSKEY_MISSING;
	assert_int_equal(store(c, "u.example.", RR_A, 0, &v, T0), 0);
	assert_int_equal(look(c, "u.example.", RR_A, 0, T0 + 1, false, &h), 0);
	assert_int_equal(h.res.status, SEC_BOGUS);
	cache_close(c);
}

/* ---- MTA-STS policies ---- */

static int
count_sts(void *arg, const uint8_t *domain, const cache_sts *p)
{
	int *n = arg;

	(void)p;
	assert_true(name_eq(domain, (const uint8_t *)"\7example\3com"));
	(*n)++;
	return 0;
}

static void
test_sts(void **state)
{
	(void)state;
	static const char body[] = "version: STSv1\nmode: enforce\n"
	    "mx: mx.example.com\nmax_age: 86400\n";
	uint8_t dom[NAME_MAX_WIRE], other[NAME_MAX_WIRE];
	cache *c = open_cache(NULL);
	cache_sts p = { .id = "20261205", .fetched = T0, .expires = T0 + 86400,
	    .checked = T0, .body = (const uint8_t *)body, .len = sizeof(body) - 1 };
	cache_sts g;
	cache_stats st;
	int n = 0;

	assert_int_equal(name_from_cstr("Example.COM.", dom), 0);
	assert_int_equal(name_from_cstr("other.example.", other), 0);
	assert_int_equal(cache_sts_get(c, dom, &R, &g), MX_ENOTFOUND);
	assert_int_equal(cache_sts_put(c, dom, &p), 0);
	cache_close(c);

	/* Kept across a restart, keyed in any case. */
	c = open_cache(NULL);
	assert_int_equal(name_from_cstr("example.com.", dom), 0);
	assert_int_equal(cache_sts_get(c, dom, &R, &g), 0);
	assert_string_equal(g.id, "20261205");
	assert_int_equal(g.fetched, T0);
	assert_int_equal(g.expires, T0 + 86400);
	assert_string_equal(g.error, "");
	assert_int_equal(g.len, sizeof(body) - 1);
	assert_memory_equal(g.body, body, g.len);
	assert_int_equal(cache_sts_get(c, other, &R, &g), MX_ENOTFOUND);
	assert_int_equal(cache_sts_each(c, count_sts, &n), 0);
	assert_int_equal(n, 1);

	/* A failed refresh is remembered beside it. */
	p.checked = T0 + 50;
	snprintf(p.error, sizeof(p.error), "HTTP 404");
	assert_int_equal(cache_sts_put(c, dom, &p), 0);
	assert_int_equal(cache_sts_get(c, dom, &R, &g), 0);
	assert_string_equal(g.error, "HTTP 404");
	assert_int_equal(g.checked, T0 + 50);

	/* Bad input is refused. */
	cache_sts bad = p;
	snprintf(bad.id, sizeof(bad.id), "2016-08-31");   /* RFC 8461 3.1 */
	assert_int_equal(cache_sts_put(c, dom, &bad), MX_EINVAL);
	bad = p;
	bad.expires = bad.fetched - 1;
	assert_int_equal(cache_sts_put(c, dom, &bad), MX_EINVAL);

	/* Not evicted with the DNS data, not in the DNS dump, but flushed
	 * with its domain's subtree. */
	assert_int_equal(cache_flush_name(c, dom, true), 0);
	assert_int_equal(cache_sts_get(c, dom, &R, &g), MX_ENOTFOUND);
	assert_int_equal(cache_sts_put(c, dom, &p), 0);
	assert_int_equal(cache_sts_del(c, dom), 0);
	assert_int_equal(cache_sts_get(c, dom, &R, &g), MX_ENOTFOUND);
	cache_get_stats(c, &st);
	assert_int_equal(st.corrupt, 0);
	cache_close(c);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_roundtrip),
		T(test_cd_in_key),
		T(test_reopen),
		T(test_crash_loses_only_batch),
		T(test_policy_rcodes),
		T(test_policy_negative),
		T(test_policy_ttl_clamp),
		T(test_stale),
		T(test_aggr_nsec_nxdomain),
		T(test_aggr_nsec_nodata),
		T(test_aggr_nsec_not_indexed),
		T(test_aggr_nsec_wildcard),
		T(test_aggr_nsec_wildcard_own),
		T(test_aggr_nsec_root),
		T(test_aggr_nsec3),
		T(test_aggr_nsec3_insecure_or_limits),
		T(test_aggr_nsec3_first_expired),
		T(test_flush),
		T(test_dump),
		T(test_corrupt_value),
		T(test_corrupt_index),
		T(test_corrupt_every_octet),
		T(test_wrong_version),
		T(test_truncated_file),
		T(test_garbage_file),
		T(test_eviction),
		T(test_big_answer),
		T(test_stats),
		T(test_sts),
		T(test_unreachable_not_kept),
	};
	return cmocka_run_group_tests(tests, NULL, group_teardown);
}
