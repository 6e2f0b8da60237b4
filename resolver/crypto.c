/*
 * crypto.c: DNSSEC signature verification, DS digests and NSEC3 hashes over
 * OpenSSL 3 EVP.  The only file of mxsec that includes OpenSSL (STYLE.md
 * rule 6); OpenSSL failures become MX_E* here (rule 4) and OpenSSL's error
 * queue is drained after each failure, so it cannot grow.
 *
 * Every algorithm is one row of algs[]: its key type, digest and the sizes
 * its key and signature must have.  No key is parsed by OpenSSL's decoders:
 * the DNSKEY public key field is cut up here with explicit bounds checks
 * and handed over as raw numbers (RSA), an uncompressed point (ECDSA) or
 * raw octets (EdDSA), so the untrusted input never reaches an ASN.1 parser.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto.h"
#include "err.h"

/* ------------------------------------------------------------------ digests */

enum md_id { MD_SHA1, MD_SHA256, MD_SHA384, MD_SHA512, MD_COUNT, MD_NONE = MD_COUNT };

static const char *const md_names[MD_COUNT] = {
	[MD_SHA1] = "SHA1",
	[MD_SHA256] = "SHA256",
	[MD_SHA384] = "SHA384",
	[MD_SHA512] = "SHA512",
};

/* Explicitly fetched digests, kept for the life of the process.  OpenSSL 3
 * looks a legacy EVP_sha1() up in its provider store on every init, which
 * is most of the cost of a short hash such as an NSEC3 iteration.  Filled
 * lazily; a thread that loses the race frees its copy. */
static _Atomic(EVP_MD *) md_cache[MD_COUNT];

static const EVP_MD *
md_get(enum md_id id)
{
	EVP_MD *md = atomic_load_explicit(&md_cache[id], memory_order_acquire);
	EVP_MD *expected = NULL;

	if (md != NULL)
		return md;
	md = EVP_MD_fetch(NULL, md_names[id], NULL);
	if (md == NULL)
		return NULL;
	if (!atomic_compare_exchange_strong_explicit(&md_cache[id], &expected,
	    md, memory_order_acq_rel, memory_order_acquire)) {
		EVP_MD_free(md);
		return expected;
	}
	return md;
}

/*
 * Allocation failures.  OpenSSL does not reliably say that a failure was
 * one: fault injection showed a failed malloc inside key import or
 * verification coming back as a bad key, an unknown algorithm or a wrong
 * signature, which would make "could not check" look like "bogus"
 * (STYLE.md rule 3).  So OpenSSL allocates through these wrappers, which
 * count failures per thread; the public functions zero the count on
 * entry and ossl_fail() reads it.  They are installed before main(),
 * while OpenSSL still allows it (it refuses after its first allocation);
 * if something else got there first, only the error queue is read.
 */
static _Thread_local unsigned alloc_failures;

static void *
mem_malloc(size_t n, const char *file, int line)
{
	void *p = malloc(n);

	(void)file;
	(void)line;
	if (p == NULL && n != 0)
		alloc_failures++;
	return p;
}

static void *
mem_realloc(void *old, size_t n, const char *file, int line)
{
	void *p = realloc(old, n);

	(void)file;
	(void)line;
	if (p == NULL && n != 0)
		alloc_failures++;
	return p;
}

static void
mem_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

__attribute__((constructor)) static void
mem_init(void)
{
	(void)CRYPTO_set_mem_functions(mem_malloc, mem_realloc, mem_free);
}

/* Drain OpenSSL's error queue and map the failure: an allocation failure
 * during this call is MX_ENOMEM ("could not check", never bogus), anything
 * else is the caller's code. */
static int
ossl_fail(int code)
{
	unsigned long e;
	bool nomem = alloc_failures != 0;

	while ((e = ERR_get_error()) != 0) {
		if (ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE)
			nomem = true;
	}
	return nomem ? MX_ENOMEM : code;
}

/* DS digest types (RFC 8624 3.3). */
static const struct ds_alg {
	uint8_t type;
	uint8_t md;
	uint8_t len;
} ds_algs[] = {
	{ 1, MD_SHA1, 20 },     /* RFC 4034 5.1.4 */
	{ 2, MD_SHA256, 32 },   /* RFC 4509 2.1 */
	{ 4, MD_SHA384, 48 },   /* RFC 6605 3 */
};

static const struct ds_alg *
ds_alg_find(uint8_t type)
{
	for (size_t i = 0; i < sizeof(ds_algs) / sizeof(ds_algs[0]); i++)
		if (ds_algs[i].type == type)
			return &ds_algs[i];
	return NULL;
}

bool
crypto_digest_supported(uint8_t digest_type)
{
	return ds_alg_find(digest_type) != NULL;
}

int
crypto_ds_digest(uint8_t digest_type, const uint8_t *data, size_t len,
    uint8_t *out, size_t *outlen)
{
	const struct ds_alg *d = ds_alg_find(digest_type);
	const EVP_MD *md;
	unsigned int n = 0;

	*outlen = 0;
	alloc_failures = 0;
	if (d == NULL)
		return MX_EUNSUPP;
	if ((md = md_get(d->md)) == NULL)
		return ossl_fail(MX_EUNSUPP);
	if (EVP_Digest(data, len, out, &n, md, NULL) != 1 || n != d->len)
		return ossl_fail(MX_ENOMEM);
	*outlen = n;
	return 0;
}

int
crypto_nsec3_hash(uint8_t alg, const uint8_t *salt, size_t saltlen,
    uint16_t iterations, const uint8_t *name, size_t namelen,
    uint8_t out[20])
{
	uint8_t lname[255];
	const EVP_MD *md;
	EVP_MD_CTX *ctx = NULL;
	int rc = 0;

	memset(out, 0, 20);
	alloc_failures = 0;
	if (alg != 1)                   /* RFC 5155 11: only SHA-1 exists */
		return MX_EUNSUPP;
	if (namelen == 0 || namelen > sizeof(lname) || saltlen > 255)
		return MX_EINVAL;
	/* RFC 5155 5: the owner name is hashed in canonical form (RFC 4034
	 * 6.2), so lower-case a copy here rather than trust every caller.
	 * Folding every octet of the wire form is safe: length octets are
	 * at most 63, below 'A'. */
	for (size_t i = 0; i < namelen; i++) {
		uint8_t c = name[i];
		lname[i] = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
	}
	if ((md = md_get(MD_SHA1)) == NULL)
		return ossl_fail(MX_EUNSUPP);
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return ossl_fail(MX_ENOMEM);
	/* RFC 5155 5: IH(salt, x, 0) = H(x || salt);
	 * IH(salt, x, k) = H(IH(salt, x, k-1) || salt). */
	for (unsigned k = 0; k <= iterations; k++) {
		const uint8_t *in = k == 0 ? lname : out;
		size_t inlen = k == 0 ? namelen : 20;
		unsigned int n = 0;

		if (EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
		    EVP_DigestUpdate(ctx, in, inlen) != 1 ||
		    EVP_DigestUpdate(ctx, salt, saltlen) != 1 ||
		    EVP_DigestFinal_ex(ctx, out, &n) != 1 || n != 20) {
			rc = ossl_fail(MX_ENOMEM);
			goto fail;
		}
	}
	EVP_MD_CTX_free(ctx);
	return 0;
fail:
	EVP_MD_CTX_free(ctx);
	memset(out, 0, 20);
	return rc;
}

/* --------------------------------------------------------------- signatures */

enum key_kind { KIND_RSA, KIND_EC, KIND_EDDSA };

/* RFC 3110 keys: a modulus of 1024 to 4096 significant bits (see
 * crypto.h), an exponent of at most 64 bits.  Real keys use 3 or 65537;
 * OpenSSL itself refuses more than 64 bits above 3072-bit moduli, and the
 * cost of a public operation grows with the exponent's length. */
#define RSA_MIN_BITS 1024
#define RSA_MAX_BITS 4096
#define RSA_MAX_OCTETS (RSA_MAX_BITS / 8)
#define RSA_MAX_EXP_OCTETS 8
/* The DER form of an ECDSA P-384 signature (ec_sig_der) is smaller. */
#define DER_SIG_MAX (2 + 2 * (3 + 48))
#define SIG_BUF_MAX RSA_MAX_OCTETS
_Static_assert(SIG_BUF_MAX >= DER_SIG_MAX, "signature buffer");

/* The one algorithm table.  keylen and siglen are exact sizes for ECDSA
 * (RFC 6605 4: x|y and r|s) and EdDSA (RFC 8080 3, 4); RSA sizes follow
 * the modulus. */
static const struct alg {
	uint8_t num;
	uint8_t kind;
	uint8_t md;             /* enum md_id; EdDSA hashes inside the scheme */
	uint8_t keylen;
	uint8_t siglen;
	const char *keytype;    /* OpenSSL key type name */
	const char *group;      /* ECDSA curve */
} algs[] = {
	{ 5,  KIND_RSA,   MD_SHA1,   0,  0,   "RSA",     NULL },    /* RFC 3110 */
	{ 7,  KIND_RSA,   MD_SHA1,   0,  0,   "RSA",     NULL },    /* RFC 5155 2 */
	{ 8,  KIND_RSA,   MD_SHA256, 0,  0,   "RSA",     NULL },    /* RFC 5702 */
	{ 10, KIND_RSA,   MD_SHA512, 0,  0,   "RSA",     NULL },    /* RFC 5702 */
	{ 13, KIND_EC,    MD_SHA256, 64, 64,  "EC",      "P-256" }, /* RFC 6605 */
	{ 14, KIND_EC,    MD_SHA384, 96, 96,  "EC",      "P-384" }, /* RFC 6605 */
	{ 15, KIND_EDDSA, MD_NONE,   32, 64,  "ED25519", NULL },    /* RFC 8080 */
	{ 16, KIND_EDDSA, MD_NONE,   57, 114, "ED448",   NULL },    /* RFC 8080 */
};

static const struct alg *
alg_find(uint8_t num)
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].num == num)
			return &algs[i];
	return NULL;
}

bool
crypto_alg_supported(uint8_t alg)
{
	return alg_find(alg) != NULL;
}

/* Big-endian octets to the native-endian unsigned integer that
 * OSSL_PARAM_construct_BN wants (no BIGNUM allocation on our side). */
static void
be_to_native(uint8_t *out, const uint8_t *in, size_t len)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	memcpy(out, in, len);
#else
	for (size_t i = 0; i < len; i++)
		out[i] = in[len - 1 - i];
#endif
}

/* Make a public key from parameters with the named key manager. */
static int
pkey_fromdata(const char *keytype, OSSL_PARAM *params, EVP_PKEY **pk)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, keytype, NULL);
	int rc = 0;

	if (pc == NULL)
		return ossl_fail(MX_EUNSUPP);
	if (EVP_PKEY_fromdata_init(pc) != 1 ||
	    EVP_PKEY_fromdata(pc, pk, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		*pk = NULL;
		rc = ossl_fail(MX_EFORMAT);
	}
	EVP_PKEY_CTX_free(pc);
	return rc;
}

/* RFC 3110 2: exponent length (one octet, or zero and then two octets),
 * exponent, modulus.  Builds the key and returns in *modlen the modulus
 * length without leading zero octets, which is the signature length. */
static int
rsa_key(const uint8_t *key, size_t keylen, EVP_PKEY **pk, size_t *modlen)
{
	uint8_t nbuf[RSA_MAX_OCTETS], ebuf[RSA_MAX_EXP_OCTETS];
	const uint8_t *e, *n;
	size_t off, elen, nlen;
	unsigned bits;
	OSSL_PARAM params[3];

	if (keylen < 1)
		return MX_EFORMAT;
	if (key[0] != 0) {
		elen = key[0];
		off = 1;
	} else {
		if (keylen < 3)
			return MX_EFORMAT;
		elen = (size_t)key[1] << 8 | key[2];
		off = 3;
	}
	if (elen == 0 || elen >= keylen - off)  /* the modulus needs an octet */
		return MX_EFORMAT;
	e = key + off;
	n = e + elen;
	nlen = keylen - off - elen;
	while (elen > 0 && e[0] == 0) {
		e++;
		elen--;
	}
	while (nlen > 0 && n[0] == 0) {         /* leading zeros are harmless */
		n++;
		nlen--;
	}
	/* An even modulus or exponent, or an exponent of 1, is no RSA key. */
	if (elen == 0 || elen > RSA_MAX_EXP_OCTETS || !(e[elen - 1] & 1) ||
	    (elen == 1 && e[0] == 1))
		return MX_EFORMAT;
	if (nlen == 0 || nlen > RSA_MAX_OCTETS || !(n[nlen - 1] & 1))
		return MX_EFORMAT;
	bits = (unsigned)(nlen - 1) * 8;
	for (unsigned top = n[0]; top != 0; top >>= 1)
		bits++;
	if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
		return MX_EFORMAT;

	be_to_native(nbuf, n, nlen);
	be_to_native(ebuf, e, elen);
	params[0] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_N, nbuf, nlen);
	params[1] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_E, ebuf, elen);
	params[2] = OSSL_PARAM_construct_end();
	*modlen = nlen;
	return pkey_fromdata("RSA", params, pk);
}

/* RFC 6605 4: the key is x|y; OpenSSL wants the uncompressed point
 * 0x04|x|y (SEC 1 2.3.3).  The point is checked to be on the curve. */
static int
ec_key(const struct alg *a, const uint8_t *key, size_t keylen, EVP_PKEY **pk)
{
	uint8_t point[1 + 96];
	OSSL_PARAM params[3];

	if (keylen != a->keylen)
		return MX_EFORMAT;
	point[0] = 0x04;
	memcpy(point + 1, key, keylen);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    (char *)a->group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    point, 1 + keylen);
	params[2] = OSSL_PARAM_construct_end();
	return pkey_fromdata("EC", params, pk);
}

/* One DER INTEGER (X.690 8.3) from an unsigned big-endian number: minimal
 * length, a zero octet in front when the top bit is set.  len <= 48, so
 * the length fits the short form; writes at most 3 + len octets. */
static size_t
der_uint(uint8_t *out, const uint8_t *v, size_t len)
{
	size_t o = 0;

	while (len > 1 && v[0] == 0) {
		v++;
		len--;
	}
	out[o++] = 0x02;
	out[o++] = (uint8_t)(len + (v[0] >> 7));
	if (v[0] & 0x80)
		out[o++] = 0;
	memcpy(out + o, v, len);
	return o + len;
}

/* RFC 6605 4: the signature is r|s, each half the length; OpenSSL wants
 * the DER ECDSA-Sig-Value SEQUENCE { r INTEGER, s INTEGER } (RFC 3279
 * 2.2.3).  The content is at most 2 * (3 + 48) = 102 octets, so the
 * SEQUENCE length is short-form too.  OpenSSL re-encodes and compares, so
 * this must be the canonical (minimal) encoding, and it is. */
static size_t
ec_sig_der(uint8_t der[DER_SIG_MAX], const uint8_t *sig, size_t siglen)
{
	size_t half = siglen / 2;
	size_t o = 2;

	o += der_uint(der + o, sig, half);
	o += der_uint(der + o, sig + half, half);
	der[0] = 0x30;
	der[1] = (uint8_t)(o - 2);
	return o;
}

/* Parse a DNSKEY public key field into an OpenSSL key.  *modlen is the
 * RSA signature length (0 for other kinds). */
static int
key_make(const struct alg *a, const uint8_t *key, size_t keylen,
    EVP_PKEY **pk, size_t *modlen)
{
	*pk = NULL;
	*modlen = 0;
	switch (a->kind) {
	case KIND_RSA:
		return rsa_key(key, keylen, pk, modlen);
	case KIND_EC:
		return ec_key(a, key, keylen, pk);
	case KIND_EDDSA:
		/* RFC 8080 3: the raw public key; whether it decodes to a
		 * point is found out when verifying. */
		if (keylen != a->keylen)
			return MX_EFORMAT;
		*pk = EVP_PKEY_new_raw_public_key_ex(NULL, a->keytype, NULL,
		    key, keylen);
		return *pk == NULL ? ossl_fail(MX_EFORMAT) : 0;
	}
	return MX_EUNSUPP;
}

/* ---------------------------------------------------------------- key cache */

/*
 * Parsed keys, so that a zone's keys are parsed once rather than for every
 * RRSIG: building an OpenSSL key (and, for RSA, its Montgomery context,
 * which OpenSSL keeps inside the key) costs 5 to 15 us, as much as an RSA
 * verification.  With the key, each entry keeps a verification context
 * already initialised with it (EVP_DigestVerifyInit looks the algorithm up
 * in the provider store, about 2 us); a copy of it is much cheaper.
 * OpenSSL cannot copy an EdDSA context (it has no digest), so for those
 * the context is initialised from the cached key each time.
 *
 * KC_SETS sets of KC_WAYS entries, the least recently used of a set
 * replaced; the set is picked by a hash of the key, and an entry matches
 * only on the same algorithm and the same key octets, compared in full.
 * Only keys that parsed are kept.  At most KC_SETS * KC_WAYS keys (a copy
 * of at most 4 + 1 + 512 octets each, plus OpenSSL's key and context)
 * live until crypto_cleanup().  A mutex guards the table, and contexts
 * are copied under it; an EVP_PKEY is reference-counted and read-only
 * once made, so one in use may be evicted meanwhile.  Forged keys can
 * only push good ones out, and then the cost is that of no cache.
 */
#define KC_SETS 16
#define KC_WAYS 4

struct kc_entry {
	EVP_PKEY *pk;           /* NULL: free */
	EVP_MD_CTX *tmpl;       /* initialised for verifying; NULL for EdDSA */
	uint8_t *key;
	size_t keylen;
	size_t modlen;
	uint64_t used;
	uint8_t alg;
};

static struct kc_entry kc[KC_SETS][KC_WAYS];
static uint64_t kc_tick;
static pthread_mutex_t kc_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned
kc_set(uint8_t alg, const uint8_t *key, size_t keylen)
{
	uint32_t h = (2166136261u ^ alg) * 16777619u;   /* FNV-1a */
	/* The last octets (the end of an RSA modulus, of an EC point, an
	 * EdDSA key) differ between keys; no need to hash 500 octets. */
	size_t from = keylen > 64 ? keylen - 64 : 0;

	h = (h ^ (uint32_t)keylen) * 16777619u;
	for (size_t i = from; i < keylen; i++)
		h = (h ^ key[i]) * 16777619u;
	return (h ^ h >> 16) % KC_SETS;
}

/* Called with kc_lock held. */
static struct kc_entry *
kc_find(struct kc_entry *set, uint8_t alg, const uint8_t *key, size_t keylen)
{
	for (unsigned w = 0; w < KC_WAYS; w++) {
		struct kc_entry *e = &set[w];
		if (e->pk != NULL && e->alg == alg && e->keylen == keylen &&
		    memcmp(e->key, key, keylen) == 0)
			return e;
	}
	return NULL;
}

static void
kc_entry_free(struct kc_entry *e)
{
	EVP_MD_CTX_free(e->tmpl);
	EVP_PKEY_free(e->pk);
	free(e->key);
}

/* Put a new key in the cache, best effort: the entry takes over pk and
 * tmpl (or frees them when it cannot be made). */
static void
kc_insert(struct kc_entry *set, const struct alg *a, const uint8_t *key,
    size_t keylen, size_t modlen, EVP_PKEY *pk, EVP_MD_CTX *tmpl)
{
	struct kc_entry n = { .pk = pk, .tmpl = tmpl, .keylen = keylen,
	    .modlen = modlen, .alg = a->num };
	struct kc_entry old = { 0 }, *e;

	if ((n.key = malloc(keylen > 0 ? keylen : 1)) == NULL) {
		kc_entry_free(&n);
		return;
	}
	memcpy(n.key, key, keylen);
	pthread_mutex_lock(&kc_lock);
	if (kc_find(set, a->num, key, keylen) != NULL) {
		/* Another thread was quicker. */
		pthread_mutex_unlock(&kc_lock);
		kc_entry_free(&n);
		return;
	}
	e = &set[0];
	for (unsigned w = 1; w < KC_WAYS && e->pk != NULL; w++)
		if (set[w].pk == NULL || set[w].used < e->used)
			e = &set[w];
	old = *e;
	n.used = ++kc_tick;
	*e = n;
	pthread_mutex_unlock(&kc_lock);
	kc_entry_free(&old);
}

/*
 * Make ctx ready for EVP_DigestVerify with this key: from the cache, or
 * by parsing the key and caching it.  *modlen is the RSA signature
 * length.
 */
static int
verify_init(const struct alg *a, const uint8_t *key, size_t keylen,
    EVP_MD_CTX *ctx, size_t *modlen)
{
	struct kc_entry *set = kc[kc_set(a->num, key, keylen)], *e;
	const EVP_MD *md = NULL;
	EVP_MD_CTX *tmpl = NULL;
	EVP_PKEY *pk = NULL;
	int rc, copied = 0;

	if (a->md != MD_NONE && (md = md_get(a->md)) == NULL)
		return ossl_fail(MX_EUNSUPP);

	pthread_mutex_lock(&kc_lock);
	if ((e = kc_find(set, a->num, key, keylen)) != NULL) {
		e->used = ++kc_tick;
		*modlen = e->modlen;
		if (e->tmpl != NULL)
			copied = EVP_MD_CTX_copy_ex(ctx, e->tmpl) == 1 ? 1 : -1;
		else if (EVP_PKEY_up_ref(e->pk) == 1)
			pk = e->pk;
	}
	pthread_mutex_unlock(&kc_lock);
	if (copied != 0)
		return copied == 1 ? 0 : ossl_fail(MX_ENOMEM);
	if (pk != NULL) {
		/* PKCS #1 v1.5 is the default padding for RSA (RFC 3110 3,
		 * RFC 5702 3); EdDSA takes no digest. */
		rc = EVP_DigestVerifyInit(ctx, NULL, md, NULL, pk) == 1 ? 0 :
		    ossl_fail(MX_EUNSUPP);
		EVP_PKEY_free(pk);
		return rc;
	}

	if ((rc = key_make(a, key, keylen, &pk, modlen)) != 0)
		return rc;
	if (EVP_DigestVerifyInit(ctx, NULL, md, NULL, pk) != 1) {
		EVP_PKEY_free(pk);
		return ossl_fail(MX_EUNSUPP);
	}
	if (md != NULL &&
	    ((tmpl = EVP_MD_CTX_new()) == NULL || EVP_MD_CTX_copy_ex(tmpl, ctx) != 1)) {
		/* No template, no caching; this verification goes on. */
		EVP_MD_CTX_free(tmpl);
		EVP_PKEY_free(pk);
		ERR_clear_error();
		return 0;
	}
	kc_insert(set, a, key, keylen, *modlen, pk, tmpl);
	return 0;
}

void
crypto_cleanup(void)
{
	pthread_mutex_lock(&kc_lock);
	for (unsigned s = 0; s < KC_SETS; s++) {
		for (unsigned w = 0; w < KC_WAYS; w++) {
			kc_entry_free(&kc[s][w]);
			kc[s][w] = (struct kc_entry){ 0 };
		}
	}
	pthread_mutex_unlock(&kc_lock);
	for (unsigned i = 0; i < MD_COUNT; i++)
		EVP_MD_free(atomic_exchange(&md_cache[i], NULL));
}

/* -------------------------------------------------------------- verifying */

int
crypto_verify(uint8_t alg, const uint8_t *key, size_t keylen,
    const uint8_t *data, size_t datalen, const uint8_t *sig, size_t siglen)
{
	const struct alg *a = alg_find(alg);
	uint8_t sbuf[SIG_BUF_MAX];
	EVP_MD_CTX *ctx = NULL;
	size_t modlen = 0;
	int rc;

	alloc_failures = 0;
	if (a == NULL)
		return MX_EUNSUPP;
	if (a->kind != KIND_RSA && siglen != a->siglen)
		return MX_EFORMAT;      /* RFC 6605 4, RFC 8080 4 */
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return ossl_fail(MX_ENOMEM);
	if ((rc = verify_init(a, key, keylen, ctx, &modlen)) != 0)
		goto fail;
	if (a->kind == KIND_RSA) {
		/* RFC 3110 3 and RFC 8017 8.2.2: the signature is exactly
		 * as long as the modulus.  Its value is what is checked, so
		 * extra leading zero octets are dropped (a signer may count
		 * a zero octet in front of the modulus) and a short one is
		 * padded in front; anything still longer is malformed. */
		while (siglen > modlen && sig[0] == 0) {
			sig++;
			siglen--;
		}
		if (siglen == 0 || siglen > modlen) {
			rc = MX_EFORMAT;
			goto fail;
		}
		if (siglen < modlen) {
			memset(sbuf, 0, modlen - siglen);
			memcpy(sbuf + modlen - siglen, sig, siglen);
			sig = sbuf;
			siglen = modlen;
		}
	} else if (a->kind == KIND_EC) {
		siglen = ec_sig_der(sbuf, sig, siglen);
		sig = sbuf;
	}
	if (EVP_DigestVerify(ctx, sig, siglen, data, datalen) != 1) {
		/* 0 is a wrong signature; below 0 a failure, which for a
		 * well-formed key is a signature OpenSSL could not even
		 * take apart (an RSA value above the modulus ...), unless
		 * memory ran out. */
		rc = ossl_fail(MX_EVERIFY);
		goto fail;
	}
	rc = 0;
fail:
	EVP_MD_CTX_free(ctx);
	return rc;
}
