/*
 * val_sig.c: RRSIG checks (RFC 4035 5.3.1-5.3.3) and DS matching (RFC 4035
 * 5.2, RFC 4509).
 */
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "err.h"
#include "name.h"
#include "rdata.h"
#include "region.h"
#include "rrtype.h"
#include "val_sig.h"

#define DNSKEY_ZONE   0x0100   /* RFC 4034 2.1.1 */
#define DNSKEY_REVOKE 0x0080   /* RFC 5011 3 */
#define RRSIG_FIXED   18       /* RDATA before the signer's name */

/* The fields of an RRSIG's RDATA; pointers into it. */
typedef struct sig_fields {
	uint16_t covered;
	uint8_t alg;
	uint8_t labels;
	uint32_t orig_ttl;
	uint32_t expiration;
	uint32_t inception;
	uint16_t keytag;
	uint8_t signer[NAME_MAX_WIRE];
	size_t prefix_len;        /* RDATA up to the signature */
	const uint8_t *sig;
	size_t siglen;
} sig_fields;

static bool
parse_sig(const msg_rr *rr, sig_fields *f)
{
	wire_rd r;

	wire_rd_init(&r, rr->rdata, rr->rdlen);
	f->covered = wire_u16(&r);
	f->alg = wire_u8(&r);
	f->labels = wire_u8(&r);
	f->orig_ttl = wire_u32(&r);
	f->expiration = wire_u32(&r);
	f->inception = wire_u32(&r);
	f->keytag = wire_u16(&r);
	if (name_read_nocomp(&r, f->signer, NULL) != 0 || r.err)
		return false;
	f->prefix_len = r.pos;
	f->sig = rr->rdata + r.pos;
	f->siglen = rr->rdlen - r.pos;
	return f->siglen > 0;
}

/* Labels of an owner name as RRSIG counts them: a leading "*" is not
 * counted (RFC 4034 3.1.3). */
static unsigned
sig_labels(const uint8_t *owner)
{
	unsigned n = name_labels(owner);
	return name_is_wildcard(owner) ? n - 1 : n;
}

/*
 * The data an RRSIG signs (RFC 4034 3.1.8.1): the RRSIG RDATA without the
 * signature, signer in canonical form, then the RRset in canonical form
 * and order, each record with the original TTL and, for a wildcard
 * expansion, the wildcard owner (RFC 4035 5.3.2).  malloc'ed.
 */
static uint8_t *
signed_data(const rrset *set, const msg_rr *sigrr, const sig_fields *f,
    size_t *len)
{
	region reg;
	msg_rr *canon;
	size_t n, cap, o = 0;
	uint8_t owner[NAME_MAX_WIRE];
	uint8_t *buf = NULL;

	region_init(&reg, 0);
	if (rrset_canonical(&reg, set, &canon, &n) != 0)
		goto done;
	/* Owner: lower case; for a wildcard expansion "*." + the last
	 * 'labels' labels of the owner. */
	const uint8_t *suffix = name_suffix(set->owner, f->labels);
	size_t slen = name_len(suffix);
	if (f->labels < sig_labels(set->owner)) {
		owner[0] = 1;
		owner[1] = '*';
		memcpy(owner + 2, suffix, slen);
	} else {
		memcpy(owner, set->owner, name_len(set->owner));
	}
	name_lower(owner);
	size_t olen = name_len(owner);
	cap = f->prefix_len + n * (olen + 10);
	for (size_t i = 0; i < n; i++)
		cap += canon[i].rdlen;
	if ((buf = malloc(cap)) == NULL)
		goto done;
	/* The RRSIG prefix with the signer lower-cased. */
	memcpy(buf, sigrr->rdata, f->prefix_len);
	name_lower(buf + RRSIG_FIXED);
	o = f->prefix_len;
	for (size_t i = 0; i < n; i++) {
		memcpy(buf + o, owner, olen);
		o += olen;
		buf[o++] = (uint8_t)(set->type >> 8);
		buf[o++] = (uint8_t)set->type;
		buf[o++] = (uint8_t)(set->rclass >> 8);
		buf[o++] = (uint8_t)set->rclass;
		buf[o++] = (uint8_t)(f->orig_ttl >> 24);
		buf[o++] = (uint8_t)(f->orig_ttl >> 16);
		buf[o++] = (uint8_t)(f->orig_ttl >> 8);
		buf[o++] = (uint8_t)f->orig_ttl;
		buf[o++] = (uint8_t)(canon[i].rdlen >> 8);
		buf[o++] = (uint8_t)canon[i].rdlen;
		memcpy(buf + o, canon[i].rdata, canon[i].rdlen);
		o += canon[i].rdlen;
	}
done:
	region_free(&reg);
	*len = o;
	return buf;
}

/* RFC 4034 3.1.5: times compare in serial number arithmetic (RFC 1982),
 * so the check keeps working across 2106. */
static int
time_check(const sig_fields *f, time_t now, uint32_t skew)
{
	uint32_t t = (uint32_t)now;

	if ((int32_t)(t + skew - f->inception) < 0)
		return EDE_SIGNATURE_NOT_YET_VALID;
	if ((int32_t)(f->expiration + skew - t) < 0)
		return EDE_SIGNATURE_EXPIRED;
	return 0;
}

static bool
key_usable(const msg_rr *key, uint8_t alg, uint16_t keytag, bool dnskey_set)
{
	if (key->type != RR_DNSKEY || key->rdlen < 5)
		return false;
	uint16_t flags = wire_get_u16(key->rdata);
	if (!(flags & DNSKEY_ZONE) || key->rdata[2] != 3 || key->rdata[3] != alg)
		return false;
	/* RFC 5011 3: a revoked key signs only its own DNSKEY RRset. */
	if ((flags & DNSKEY_REVOKE) && !dnskey_set)
		return false;
	return rdata_keytag(key->rdata, key->rdlen) == keytag;
}

void
val_rrset(const rrset *set, const msg_rr *sigs, size_t nsigs,
    const uint8_t *zone, const msg_rr *keys, size_t nkeys, time_t now,
    const val_limits *lim, val_out *out)
{
	bool bad = false, expired = false, notyet = false, nokey = false;
	bool wrong_signer = false, unsupported = false, limit = false;
	unsigned tried = 0;

	memset(out, 0, sizeof(*out));
	out->status = SEC_BOGUS;
	for (size_t i = 0; i < nsigs && !limit; i++) {
		const msg_rr *s = &sigs[i];
		sig_fields f;
		if (s->type != RR_RRSIG || s->rclass != set->rclass ||
		    !name_eq(s->owner, set->owner))
			continue;
		if (!parse_sig(s, &f) || f.covered != set->type) {
			if (s->rdlen >= 2 && wire_get_u16(s->rdata) == set->type)
				bad = true;   /* malformed RRSIG over our RRset */
			continue;
		}
		/* RFC 4035 5.3.1: signer is the zone, owner is in it, and
		 * the Labels field is not more than the owner has. */
		if (!name_eq(f.signer, zone) || !name_is_subdomain(set->owner, zone)) {
			wrong_signer = true;
			out->keytag = f.keytag;
			continue;
		}
		if (f.labels > sig_labels(set->owner)) {
			bad = true;
			continue;
		}
		if (!crypto_alg_supported(f.alg)) {
			unsupported = true;
			continue;
		}
		int tc = time_check(&f, now, lim->skew);
		if (tc == EDE_SIGNATURE_EXPIRED) {
			expired = true;
			out->keytag = f.keytag;
			continue;
		}
		if (tc == EDE_SIGNATURE_NOT_YET_VALID) {
			notyet = true;
			out->keytag = f.keytag;
			continue;
		}
		if (tried++ >= lim->max_sigs) {
			limit = true;
			break;
		}
		uint8_t *data = NULL;
		size_t datalen = 0;
		unsigned key_tries = 0;
		bool any_key = false;
		for (size_t k = 0; k < nkeys; k++) {
			const msg_rr *key = &keys[k];
			if (!key_usable(key, f.alg, f.keytag, set->type == RR_DNSKEY))
				continue;
			any_key = true;
			if (key_tries++ >= lim->max_key_tries || *lim->budget == 0) {
				limit = true;
				break;
			}
			if (data == NULL && (data = signed_data(set, s, &f, &datalen)) == NULL) {
				out->ede = EDE_OTHER;
				out->why = "out of memory checking a signature";
				out->status = SEC_INDETERMINATE;
				return;
			}
			(*lim->budget)--;
			int rc = crypto_verify(f.alg, key->rdata + 4, key->rdlen - 4u,
			    data, datalen, f.sig, f.siglen);
			if (rc == 0) {
				free(data);
				out->status = SEC_SECURE;
				out->ede = 0;
				out->why = NULL;
				out->keytag = f.keytag;
				out->labels = f.labels;
				/* RFC 4035 5.3.3: the TTL is at most the
				 * original TTL and must not outlive the
				 * signature. */
				uint32_t ttl = set->ttl < f.orig_ttl ? set->ttl : f.orig_ttl;
				uint32_t left = f.expiration - (uint32_t)now;
				out->ttl = ttl < left ? ttl : left;
				return;
			}
			if (rc == MX_ENOMEM) {
				free(data);
				out->status = SEC_INDETERMINATE;
				out->ede = EDE_OTHER;
				out->why = "out of memory checking a signature";
				return;
			}
			bad = true;
			out->keytag = f.keytag;
		}
		free(data);
		if (!any_key) {
			nokey = true;
			out->keytag = f.keytag;
		}
	}
	/* The most telling reason first. */
	if (limit) {
		out->ede = EDE_DNSSEC_BOGUS;
		out->why = "too many signatures or colliding keys (KeyTrap limit)";
	} else if (bad) {
		out->ede = EDE_DNSSEC_BOGUS;
		out->why = "signature does not verify";
	} else if (expired) {
		out->ede = EDE_SIGNATURE_EXPIRED;
		out->why = "signature expired";
	} else if (notyet) {
		out->ede = EDE_SIGNATURE_NOT_YET_VALID;
		out->why = "signature not yet valid";
	} else if (nokey) {
		out->ede = EDE_DNSKEY_MISSING;
		out->why = "no DNSKEY matches the signature";
	} else if (wrong_signer) {
		out->ede = EDE_DNSSEC_BOGUS;
		out->why = "signer is not the zone of the data";
	} else if (unsupported) {
		out->ede = EDE_UNSUPPORTED_DNSKEY_ALG;
		out->why = "only signatures with unsupported algorithms";
	} else {
		out->ede = EDE_RRSIGS_MISSING;
		out->why = "no signature";
	}
}

bool
val_ds_matches(const msg_rr *ds, const msg_rr *dnskey)
{
	uint8_t data[NAME_MAX_WIRE + RDATA_MAX];
	uint8_t digest[CRYPTO_DIGEST_MAX];
	size_t olen, dlen;

	if (ds->rdlen < 5 || dnskey->rdlen < 4)
		return false;
	if (wire_get_u16(ds->rdata) != rdata_keytag(dnskey->rdata, dnskey->rdlen) ||
	    ds->rdata[2] != dnskey->rdata[3])
		return false;
	/* RFC 4034 5.1.4: digest = H(owner name | DNSKEY RDATA), canonical
	 * owner. */
	olen = name_len(dnskey->owner);
	memcpy(data, dnskey->owner, olen);
	name_lower(data);
	memcpy(data + olen, dnskey->rdata, dnskey->rdlen);
	if (crypto_ds_digest(ds->rdata[3], data, olen + dnskey->rdlen, digest, &dlen) != 0)
		return false;
	return dlen == ds->rdlen - 4u && memcmp(digest, ds->rdata + 4, dlen) == 0;
}

void
val_dnskey_ds(const msg_rr *keys, size_t nkeys, const msg_rr *sigs,
    size_t nsigs, const msg_rr *ds, size_t nds, const uint8_t *zone,
    time_t now, const val_limits *lim, val_out *out)
{
	bool strong = false, any_usable = false, bad_alg = false, matched = false;
	const msg_rr **kp = NULL;
	val_out vo;

	memset(out, 0, sizeof(*out));
	/* RFC 4509 3: with a SHA-256 (or SHA-384) DS present, SHA-1 DS are
	 * ignored. */
	for (size_t i = 0; i < nds; i++)
		if (ds[i].type == RR_DS && ds[i].rdlen >= 5 &&
		    (ds[i].rdata[3] == 2 || ds[i].rdata[3] == 4) &&
		    crypto_alg_supported(ds[i].rdata[2]))
			strong = true;
	for (size_t i = 0; i < nds; i++) {
		const msg_rr *d = &ds[i];
		if (d->type != RR_DS || d->rdlen < 5)
			continue;
		if (!crypto_alg_supported(d->rdata[2])) {
			bad_alg = true;
			continue;
		}
		if (!crypto_digest_supported(d->rdata[3]) || (strong && d->rdata[3] == 1))
			continue;
		any_usable = true;
		for (size_t k = 0; k < nkeys; k++) {
			const msg_rr *key = &keys[k];
			if (key->type != RR_DNSKEY || key->rdlen < 5 ||
			    !(wire_get_u16(key->rdata) & DNSKEY_ZONE) || key->rdata[2] != 3 ||
			    !val_ds_matches(d, key))
				continue;
			matched = true;
			/* The DNSKEY RRset must be signed by this key. */
			rrset set;
			size_t nk = 0;
			free(kp);
			if ((kp = malloc((nkeys ? nkeys : 1) * sizeof(*kp))) == NULL) {
				out->status = SEC_INDETERMINATE;
				out->ede = EDE_OTHER;
				out->why = "out of memory";
				return;
			}
			for (size_t j = 0; j < nkeys; j++)
				if (keys[j].type == RR_DNSKEY)
					kp[nk++] = &keys[j];
			memset(&set, 0, sizeof(set));
			set.owner = key->owner;
			set.type = RR_DNSKEY;
			set.rclass = key->rclass;
			set.ttl = key->ttl;
			set.count = (uint16_t)nk;
			set.rrs = (msg_rr **)kp;
			val_rrset(&set, sigs, nsigs, zone, key, 1, now, lim, &vo);
			if (vo.status == SEC_SECURE) {
				free(kp);
				*out = vo;
				return;
			}
			*out = vo;
			if (vo.status == SEC_INDETERMINATE || *lim->budget == 0) {
				free(kp);
				return;
			}
		}
	}
	free(kp);
	if (!any_usable) {
		/* RFC 4035 5.2: no DS we can use: the zone is insecure. */
		out->status = SEC_INSECURE;
		out->ede = bad_alg ? EDE_UNSUPPORTED_DNSKEY_ALG : EDE_UNSUPPORTED_DS_DIGEST;
		out->why = bad_alg ? "DS with unsupported algorithms only" :
		    "DS with unsupported digest types only";
		return;
	}
	if (!matched) {
		out->status = SEC_BOGUS;
		out->ede = EDE_DNSKEY_MISSING;
		out->why = "no DNSKEY matches the DS";
		return;
	}
	out->status = SEC_BOGUS;
	if (out->ede == 0) {
		out->ede = EDE_DNSSEC_BOGUS;
		out->why = "DNSKEY RRset not signed by a key the DS names";
	}
}
