/*
 * denial_nsec3.c: proofs of non-existence with NSEC3 records (RFC 5155 8,
 * RFC 5155 errata 3441, RFC 6840 4.1-4.4, RFC 9276 3.2).
 *
 * Costs: each NSEC3 hash is SHA-1 iterated (1 + iterations) times, so
 * hashing is what an attacker would make us do (CVE-2023-50868).  Every
 * hash takes one unit of *c->hash_budget; each name is hashed at most
 * once per call; the closest-encloser walk hashes at most one name per
 * label of qname (127).  Records are parsed on the fly, nothing is
 * allocated.
 */
#include <stddef.h>
#include <string.h>

#include "crypto.h"
#include "denial_int.h"
#include "rdata.h"
#include "rrtype.h"
#include "status.h"
#include "wire.h"

#define N3_HASH_LEN 20          /* SHA-1, the only hash (RFC 5155 11) */
#define N3_B32_LEN 32           /* base32hex of 20 octets, no padding */
#define N3_FLAG_OPTOUT 0x01     /* RFC 5155 3.1.2.1 */
#define N3_MAX_LABELS 128       /* a name has at most 127 labels */

/* An NSEC3 record taken apart; pointers into the record. */
typedef struct n3rec {
	uint8_t flags;
	uint16_t iterations;
	uint8_t saltlen;
	const uint8_t *salt;
	uint8_t owner[N3_HASH_LEN];   /* decoded first label of the owner */
	const uint8_t *next;          /* N3_HASH_LEN octets */
	const uint8_t *bm;
	size_t bmlen;
} n3rec;

/* One call's state: parameters in use and hashes of qname's suffixes. */
typedef struct n3st {
	const denial_ctx *c;
	const msg_rr *rr;
	size_t n;
	const uint8_t *qname;
	unsigned ql;                  /* labels of qname */
	uint16_t iterations;
	uint8_t saltlen;
	const uint8_t *salt;
	denial_out *out;
	bool have[N3_MAX_LABELS];
	uint8_t h[N3_MAX_LABELS][N3_HASH_LEN];
} n3st;

static int
b32hex_val(uint8_t ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'v')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'V')
		return ch - 'A' + 10;
	return -1;
}

/* RFC 4648 7 base32hex, case-insensitive (RFC 5155 3.3, errata 3544). */
static bool
b32hex_decode_hash(const uint8_t *s, size_t len, uint8_t out[N3_HASH_LEN])
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;

	if (len != N3_B32_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		int v = b32hex_val(s[i]);
		if (v < 0)
			return false;
		acc = acc << 5 | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return o == N3_HASH_LEN && bits == 0;
}

/*
 * Take an NSEC3 apart.  Ignored (false): not NSEC3, malformed, hash
 * algorithm other than SHA-1 (RFC 5155 8.1), flags other than opt-out
 * (RFC 5155 8.2), or an owner that is not <base32hex hash>.<zone> (RFC
 * 5155 3: the owner is the hash of a name of this zone).
 */
static bool
n3_get(const msg_rr *rr, const uint8_t *zone, n3rec *v)
{
	wire_rd r;

	if (rr->type != RR_NSEC3 || rr->owner == NULL || rr->rdata == NULL)
		return false;
	if (rdata_check(RR_NSEC3, rr->rdata, rr->rdlen) != 0)
		return false;
	wire_rd_init(&r, rr->rdata, rr->rdlen);
	uint8_t alg = wire_u8(&r);
	v->flags = wire_u8(&r);
	v->iterations = wire_u16(&r);
	v->saltlen = wire_u8(&r);
	v->salt = wire_take(&r, v->saltlen);
	uint8_t hlen = wire_u8(&r);
	v->next = wire_take(&r, hlen);
	v->bmlen = wire_left(&r);
	v->bm = wire_take(&r, v->bmlen);
	if (r.err || v->next == NULL || v->bm == NULL)
		return false;
	if (alg != 1 || (v->flags & ~N3_FLAG_OPTOUT) != 0 || hlen != N3_HASH_LEN)
		return false;
	const uint8_t *parent = name_parent(rr->owner);
	if (parent == NULL || !name_eq(parent, zone))
		return false;
	return b32hex_decode_hash(rr->owner + 1, rr->owner[0], v->owner);
}

static bool
has(const n3rec *v, uint16_t type)
{
	return rdata_bitmap_has(v->bm, v->bmlen, type);
}

static bool
is_delegation(const n3rec *v)
{
	return has(v, RR_NS) && !has(v, RR_SOA);
}

/* RFC 5155 8.3: hash H is covered when owner < H < next in hash order,
 * the last record wrapping around (next < owner); a chain of one record
 * (owner == next) covers every other hash. */
static bool
h_covers(const n3rec *v, const uint8_t *h)
{
	int on = memcmp(v->owner, v->next, N3_HASH_LEN);
	int oh = memcmp(v->owner, h, N3_HASH_LEN);
	int hn = memcmp(h, v->next, N3_HASH_LEN);

	if (on < 0)
		return oh < 0 && hn < 0;
	return oh < 0 || hn < 0;
}

/* The next usable record from *it on whose owner hash is h. */
static bool
next_match(const n3st *s, const uint8_t *h, size_t *it, n3rec *v)
{
	for (size_t i = *it; i < s->n; i++) {
		if (n3_get(&s->rr[i], s->c->zone, v) &&
		    memcmp(v->owner, h, N3_HASH_LEN) == 0) {
			*it = i + 1;
			return true;
		}
	}
	*it = s->n;
	return false;
}

static bool
find_match(const n3st *s, const uint8_t *h, n3rec *v)
{
	size_t it = 0;

	return next_match(s, h, &it, v);
}

static bool
find_cover(const n3st *s, const uint8_t *h, n3rec *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (n3_get(&s->rr[i], s->c->zone, v) && h_covers(v, h))
			return true;
	return false;
}

/*
 * Check the records as a set and fix the parameters.  DENIAL_PROVEN
 * means "go on".  RFC 5155 8.2 lets a validator treat different
 * parameters within one response as bogus; we do, so an attacker cannot
 * make us hash one name several times with different salts.  RFC 9276
 * 3.2: above the iteration limit the answer is insecure (EDE 27).
 */
static denial_result
n3_setup(n3st *s, const denial_ctx *c, const msg_rr *rr, size_t n,
    const uint8_t *qname, denial_out *out)
{
	n3rec v;
	bool any = false;
	denial_result r;

	memset(s->have, 0, sizeof(s->have));
	s->c = c;
	s->rr = rr;
	s->n = n;
	s->qname = qname;
	s->out = out;
	denial_clear(out);
	if ((r = denial_check_args(c, qname, out)) != DENIAL_PROVEN)
		return r;
	s->ql = name_labels(qname);
	for (size_t i = 0; i < n; i++) {
		if (!n3_get(&rr[i], c->zone, &v))
			continue;
		if (!any) {
			any = true;
			s->iterations = v.iterations;
			s->saltlen = v.saltlen;
			s->salt = v.salt;
		} else if (v.iterations != s->iterations || v.saltlen != s->saltlen ||
		    memcmp(v.salt, s->salt, v.saltlen) != 0) {
			return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
			    "NSEC3 records with different parameters");
		}
	}
	if (!any)
		return denial_set(out, DENIAL_BOGUS, EDE_NSEC_MISSING,
		    "no usable NSEC3 record");
	if (s->iterations > c->max_iterations)
		return denial_set(out, DENIAL_INSECURE, EDE_UNSUPPORTED_NSEC3_ITER,
		    "NSEC3 iterations above the limit");
	return DENIAL_PROVEN;
}

/* Hash name (RFC 5155 5) against the budget.  0, or -1 with out set. */
static int
n3_hash(n3st *s, const uint8_t *name, uint8_t h[N3_HASH_LEN])
{
	uint8_t lc[NAME_MAX_WIRE];
	unsigned *budget = s->c->hash_budget;

	if (budget == NULL || *budget == 0) {
		denial_set(s->out, DENIAL_BOGUS, EDE_OTHER, "NSEC3 hash limit reached");
		return -1;
	}
	(*budget)--;
	size_t len = name_copy(lc, name);
	name_lower(lc);   /* RFC 5155 5: the canonical (lower-case) name */
	if (crypto_nsec3_hash(1, s->salt, s->saltlen, s->iterations, lc, len, h) != 0) {
		denial_set(s->out, DENIAL_BOGUS, EDE_OTHER, "NSEC3 hash failed");
		return -1;
	}
	return 0;
}

/* Hash of the suffix of qname with 'labels' labels, each at most once. */
static const uint8_t *
qhash(n3st *s, unsigned labels)
{
	if (!s->have[labels]) {
		if (n3_hash(s, name_suffix(s->qname, labels), s->h[labels]) != 0)
			return NULL;
		s->have[labels] = true;
	}
	return s->h[labels];
}

/*
 * RFC 5155 8.3 closest encloser proof, for a qname with no NSEC3 of its
 * own.  Walk from qname towards the apex to the first ancestor with a
 * matching NSEC3 (the closest provable encloser), then require an NSEC3
 * covering the next closer name (one label longer).  0: *ce_labels and
 * *nc (the next closer's coverer) set.  1: qname itself matches (*nc is
 * that record).  -1: no proof, out set.
 */
static int
ce_proof(n3st *s, unsigned *ce_labels, n3rec *nc)
{
	unsigned zl = name_labels(s->c->zone);
	n3rec m;

	/* qname is in the zone (n3_setup), so ql >= zl. */
	for (unsigned l = s->ql; ; l--) {
		const uint8_t *h = qhash(s, l);
		if (h == NULL)
			return -1;
		if (!find_match(s, h, &m)) {
			if (l == zl)
				break;   /* not even the apex: no proof */
			continue;
		}
		if (l == s->ql) {
			*nc = m;
			return 1;
		}
		/* RFC 6840 4.1 (and RFC 5155 8.3 via 7.2.x): an encloser
		 * that is a delegation or a DNAME proves nothing about names
		 * below it; they are in another zone or redirected. */
		if (is_delegation(&m) || has(&m, RR_DNAME)) {
			denial_set(s->out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
			    "the NSEC3 closest encloser is a delegation or a DNAME");
			return -1;
		}
		/* The next closer's hash was computed one step before. */
		if (!find_cover(s, s->h[l + 1], nc)) {
			denial_set(s->out, DENIAL_BOGUS, EDE_NSEC_MISSING,
			    "no NSEC3 covers the next closer name");
			return -1;
		}
		*ce_labels = l;
		return 0;
	}
	denial_set(s->out, DENIAL_BOGUS, EDE_NSEC_MISSING,
	    "no NSEC3 matches a closest encloser");
	return -1;
}

/* Hash "*.<ce>"; 0 or -1 with out set. */
static int
wildcard_hash(n3st *s, const uint8_t *ce, uint8_t h[N3_HASH_LEN])
{
	uint8_t wc[NAME_MAX_WIRE];

	if (!denial_wildcard_of(ce, wc)) {
		denial_set(s->out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS, "wildcard name too long");
		return -1;
	}
	return n3_hash(s, wc, h);
}

denial_result
nsec3_nxdomain(const denial_ctx *c, const msg_rr *nsec3, size_t n,
    const uint8_t *qname, denial_out *out)
{
	uint8_t wh[N3_HASH_LEN];
	n3st s;
	n3rec nc, w;
	unsigned cel = 0;
	denial_result r;

	if ((r = n3_setup(&s, c, nsec3, n, qname, out)) != DENIAL_PROVEN)
		return r;
	int rc = ce_proof(&s, &cel, &nc);
	if (rc < 0)
		return DENIAL_BOGUS;
	if (rc == 1)
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "an NSEC3 shows that the name exists");
	const uint8_t *ce = name_suffix(qname, cel);
	/* RFC 5155 8.4: the wildcard at the closest encloser is covered. */
	if (wildcard_hash(&s, ce, wh) != 0)
		return DENIAL_BOGUS;
	if (find_match(&s, wh, &w))
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "the wildcard at the closest encloser exists");
	if (!find_cover(&s, wh, &w))
		return denial_set(out, DENIAL_BOGUS, EDE_NSEC_MISSING,
		    "no NSEC3 covers the wildcard at the closest encloser");
	out->closest_encloser = ce;
	/* RFC 5155 6: an opt-out span makes no claim about unsigned
	 * delegations in it; the next closer name may be one.  RFC 5155
	 * 9.2: no AD bit for a proof whose next closer is opt-out. */
	if (nc.flags & N3_FLAG_OPTOUT)
		return denial_set(out, DENIAL_INSECURE, 0,
		    "NSEC3 opt-out covers the next closer name");
	return denial_set(out, DENIAL_PROVEN, 0,
	    "NSEC3 proves the name and the wildcard absent");
}

/* Bitmap checks for a matching NSEC3 (RFC 5155 8.5, 8.6, 8.7). */
static denial_result
check_bitmap(const n3rec *v, const uint8_t *name, uint16_t qtype,
    denial_out *out)
{
	if (has(v, qtype))
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "the NSEC3 shows the type exists");
	if (has(v, RR_CNAME))
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "the NSEC3 shows a CNAME at the name");
	if (qtype == RR_DS) {
		/* The child's apex NSEC3 cannot deny a DS in the parent
		 * (RFC 4035 3.1.4.1); only the root has no parent. */
		if (has(v, RR_SOA) && !name_is_root(name))
			return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
			    "the child zone's apex NSEC3 cannot deny a DS");
	} else if (is_delegation(v)) {
		/* RFC 6840 4.4: the parent's NSEC3 at a cut is not
		 * authoritative for types other than DS. */
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "the NSEC3 is from the parent side of a delegation");
	}
	return DENIAL_PROVEN;
}

denial_result
nsec3_nodata(const denial_ctx *c, const msg_rr *nsec3, size_t n,
    const uint8_t *qname, uint16_t qtype, denial_out *out)
{
	uint8_t wh[N3_HASH_LEN];
	n3st s;
	n3rec m, nc;
	unsigned cel = 0;
	denial_result r;

	if ((r = n3_setup(&s, c, nsec3, n, qname, out)) != DENIAL_PROVEN)
		return r;
	/* RFC 5155 8.5, 8.6: an NSEC3 matching qname, with neither qtype
	 * nor CNAME.  An empty non-terminal has its own NSEC3 with an
	 * empty bitmap, so this covers it too. */
	const uint8_t *h = qhash(&s, s.ql);
	size_t it = 0;
	bool found = false;
	if (h == NULL)
		return DENIAL_BOGUS;
	/* Every matching record must agree (a stale one showing the type
	 * wins), as for NSEC. */
	while (next_match(&s, h, &it, &m)) {
		found = true;
		if ((r = check_bitmap(&m, qname, qtype, out)) != DENIAL_PROVEN)
			return r;
	}
	if (found)
		return denial_set(out, DENIAL_PROVEN, 0, "NSEC3 shows no such type");
	int rc = ce_proof(&s, &cel, &nc);
	if (rc < 0)
		return DENIAL_BOGUS;
	const uint8_t *ce = name_suffix(qname, cel);
	/* RFC 5155 8.6 (DS) and errata 3441 to 8.5 (other types: an empty
	 * non-terminal above an unsigned delegation): no NSEC3 for qname,
	 * but the next closer name is in an opt-out span.  Insecure (RFC
	 * 5155 9.2), whatever else the records would show.  Asked
	 * before the wildcard: under opt-out the name may be an unsigned
	 * delegation, where a wildcard in the parent does not apply. */
	if (nc.flags & N3_FLAG_OPTOUT)
		return denial_set(out, DENIAL_INSECURE, 0,
		    "NSEC3 opt-out covers the next closer name");
	/* RFC 5155 8.7: wildcard NODATA, the wildcard at the closest
	 * encloser matches and lacks the type. */
	if (wildcard_hash(&s, ce, wh) != 0)
		return DENIAL_BOGUS;
	it = 0;
	while (next_match(&s, wh, &it, &m)) {
		found = true;
		if ((r = check_bitmap(&m, ce, qtype, out)) != DENIAL_PROVEN)
			return r;
	}
	if (!found)
		return denial_set(out, DENIAL_BOGUS, EDE_NSEC_MISSING,
		    "no NSEC3 matches the name nor the wildcard at its closest encloser");
	out->closest_encloser = ce;
	return denial_set(out, DENIAL_PROVEN, 0,
	    "NSEC3 proves a wildcard without the type");
}

denial_result
nsec3_wildcard(const denial_ctx *c, const msg_rr *nsec3, size_t n,
    const uint8_t *qname, unsigned rrsig_labels, denial_out *out)
{
	n3st s;
	n3rec v;
	denial_result r;

	if ((r = n3_setup(&s, c, nsec3, n, qname, out)) != DENIAL_PROVEN)
		return r;
	unsigned ql = s.ql - (name_is_wildcard(qname) ? 1 : 0);
	if (rrsig_labels >= ql)
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "the answer is not a wildcard expansion");
	if (rrsig_labels < name_labels(c->zone))
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "the wildcard is outside the zone");
	/* RFC 5155 8.8: the closest encloser is the wildcard's parent
	 * (the RRSIG Labels say which); the next closer name, one label
	 * longer, must be covered, so no closer match exists. */
	const uint8_t *h = qhash(&s, rrsig_labels + 1);
	if (h == NULL)
		return DENIAL_BOGUS;
	if (find_match(&s, h, &v))
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "an NSEC3 shows that the next closer name exists");
	if (!find_cover(&s, h, &v))
		return denial_set(out, DENIAL_BOGUS, EDE_NSEC_MISSING,
		    "no NSEC3 covers the next closer name");
	out->closest_encloser = name_suffix(qname, rrsig_labels);
	/* RFC 5155 9.2: as for NXDOMAIN, the next closer name might be an
	 * unsigned delegation, where the wildcard would not apply. */
	if (v.flags & N3_FLAG_OPTOUT)
		return denial_set(out, DENIAL_INSECURE, 0,
		    "NSEC3 opt-out covers the next closer name");
	return denial_set(out, DENIAL_PROVEN, 0,
	    "NSEC3 proves no closer match for the wildcard");
}

denial_result
nsec3_no_ds(const denial_ctx *c, const msg_rr *nsec3, size_t n,
    const uint8_t *name, denial_out *out)
{
	n3st s;
	n3rec m, nc;
	unsigned cel = 0;
	denial_result r;

	if ((r = n3_setup(&s, c, nsec3, n, name, out)) != DENIAL_PROVEN)
		return r;
	if (name_eq(name, c->zone))
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "the zone apex is not a delegation of that zone");
	const uint8_t *h = qhash(&s, s.ql);
	if (h == NULL)
		return DENIAL_BOGUS;
	/* RFC 5155 8.9 with RFC 6840 4.4: a matching NSEC3 shows NS and
	 * neither DS nor SOA (every matching one). */
	size_t it = 0;
	bool found = false;
	while (next_match(&s, h, &it, &m)) {
		found = true;
		if (!has(&m, RR_NS))
			return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
			    "the NSEC3 shows no delegation (NS clear)");
		if (has(&m, RR_DS))
			return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
			    "the NSEC3 shows a DS at the delegation");
		if (has(&m, RR_SOA))
			return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
			    "the NSEC3 is the child zone's, not the parent's");
	}
	if (found)
		return denial_set(out, DENIAL_PROVEN, 0,
		    "NSEC3 proves an unsigned delegation");
	/* RFC 5155 6, 8.9: no NSEC3 of its own, but the next closer name
	 * lies in an opt-out span: the delegation may be an unsigned one. */
	if (ce_proof(&s, &cel, &nc) < 0)
		return DENIAL_BOGUS;
	if (nc.flags & N3_FLAG_OPTOUT)
		return denial_set(out, DENIAL_INSECURE, 0,
		    "NSEC3 opt-out covers the delegation");
	return denial_set(out, DENIAL_BOGUS, EDE_NSEC_MISSING,
	    "no NSEC3 for the delegation and no opt-out span covers it");
}
