/*
 * rfc5011.c: RFC 5011 trust-anchor state machine and its state file.
 * See rfc5011.h for the rules and the file format.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "rdata.h"
#include "rfc5011.h"
#include "rrset.h"
#include "rrtype.h"
#include "val_sig.h"
#include "zone.h"

#define DNSKEY_ZONE   0x0100   /* RFC 4034 2.1.1 */
#define DNSKEY_REVOKE 0x0080   /* RFC 5011 3 */
#define DNSKEY_SEP    0x0001   /* RFC 4034 2.1.1 */
#define HOUR 3600
#define DAY  86400
/* Largest state file we read; a handful of keys is a few KiB. */
#define R5011_FILE_MAX (1024 * 1024)
/* Entries a state file may hold (keys in any state plus DS seeds). */
#define R5011_MAX_ENTRIES (2 * R5011_MAX_KEYS)

static const char *const state_names[] = {
	[R5011_ADDPEND] = "addpend",
	[R5011_VALID] = "valid",
	[R5011_MISSING] = "missing",
	[R5011_REVOKED] = "revoked",
	[R5011_REMOVED] = "removed",
	[R5011_SEED] = "seed",
};

const char *
r5011_state_str(r5011_kstate s)
{
	if (s < R5011_ADDPEND || s > R5011_SEED)
		return "?";
	return state_names[s];
}

void
r5011_init(r5011_zone *z, const uint8_t *owner)
{
	memset(z, 0, sizeof(*z));
	name_copy(z->owner, owner);
	name_lower(z->owner);
	z->query_interval = HOUR;
	z->retry = HOUR;
}

static void
keys_free(r5011_key *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].rdata);
	free(v);
}

void
r5011_free(r5011_zone *z)
{
	keys_free(z->keys, z->n);
	z->keys = NULL;
	z->n = z->cap = 0;
}

static uint16_t
flags_of(const uint8_t *rd, size_t len)
{
	return len >= 4 ? wire_get_u16(rd) : 0;
}

static bool
trusted_state(r5011_kstate s)
{
	return s == R5011_VALID || s == R5011_MISSING;
}

/* Same key, the REVOKE bit aside (RFC 5011 2.1: revoking changes only
 * that bit, and with it the key tag). */
static bool
same_key_but_revoke(const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen)
{
	if (alen != blen || alen < 4)
		return false;
	if ((flags_of(a, alen) | DNSKEY_REVOKE) != (flags_of(b, blen) | DNSKEY_REVOKE))
		return false;
	return memcmp(a + 2, b + 2, alen - 2) == 0;
}

static int
key_add(r5011_zone *z, uint16_t type, const uint8_t *rd, size_t len,
    uint32_t ttl, r5011_kstate st, int64_t first, int64_t changed)
{
	r5011_key *k;

	if (len > RDATA_MAX)
		return MX_EINVAL;
	if (z->n == z->cap) {
		size_t ncap = z->cap ? z->cap * 2 : 8;
		r5011_key *nv = realloc(z->keys, ncap * sizeof(*nv));
		if (nv == NULL)
			return MX_ENOMEM;
		z->keys = nv;
		z->cap = ncap;
	}
	k = &z->keys[z->n];
	memset(k, 0, sizeof(*k));
	if ((k->rdata = malloc(len ? len : 1)) == NULL)
		return MX_ENOMEM;
	memcpy(k->rdata, rd, len);
	k->type = type;
	k->rdlen = (uint16_t)len;
	k->keytag = type == RR_DS ? (len >= 2 ? wire_get_u16(rd) : 0) :
	    rdata_keytag(rd, len);
	k->state = st;
	k->ttl = ttl;
	k->first_seen = first;
	k->last_change = changed;
	z->n++;
	return 0;
}

static void
key_del(r5011_zone *z, size_t i)
{
	free(z->keys[i].rdata);
	memmove(&z->keys[i], &z->keys[i + 1], (z->n - i - 1) * sizeof(z->keys[0]));
	z->n--;
}

static bool
key_known(const r5011_zone *z, uint16_t type, const uint8_t *rd, size_t len)
{
	for (size_t i = 0; i < z->n; i++) {
		const r5011_key *k = &z->keys[i];
		if (k->type != type)
			continue;
		if (type == RR_DNSKEY ? same_key_but_revoke(k->rdata, k->rdlen, rd, len) :
		    (k->rdlen == len && memcmp(k->rdata, rd, len) == 0))
			return true;
	}
	return false;
}

int
r5011_seed(r5011_zone *z, const ta_store *s, time_t now)
{
	size_t added = 0;

	for (size_t i = 0; i < s->n; i++) {
		const ta_entry *e = &s->v[i];
		int rc;
		if (!name_eq(e->owner, z->owner) || key_known(z, e->type, e->rdata, e->rdlen))
			continue;
		if (e->type == RR_DNSKEY)
			rc = key_add(z, RR_DNSKEY, e->rdata, e->rdlen, 0, R5011_VALID, now, now);
		else if (e->type == RR_DS)
			rc = key_add(z, RR_DS, e->rdata, e->rdlen, 0, R5011_SEED, now, now);
		else
			continue;
		if (rc != 0)
			return rc;
		added++;
	}
	return added || z->n ? 0 : MX_ENOTFOUND;
}

size_t
r5011_trusted(const r5011_zone *z, msg_rr *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < z->n; i++) {
		const r5011_key *k = &z->keys[i];
		if (k->type != RR_DNSKEY || !trusted_state(k->state))
			continue;
		if (n < max) {
			memset(&out[n], 0, sizeof(out[n]));
			out[n].owner = (uint8_t *)z->owner;
			out[n].type = RR_DNSKEY;
			out[n].rclass = CLASS_IN;
			out[n].ttl = k->ttl;
			out[n].rdlen = k->rdlen;
			out[n].rdata = k->rdata;
		}
		n++;
	}
	return n;
}

const r5011_key *
r5011_find(const r5011_zone *z, uint16_t type, uint16_t keytag)
{
	for (size_t i = 0; i < z->n; i++)
		if (z->keys[i].type == type && z->keys[i].keytag == keytag)
			return &z->keys[i];
	return NULL;
}

int64_t
r5011_next_probe(const r5011_zone *z)
{
	return z->next_probe;
}

void
r5011_probe_failed(r5011_zone *z, time_t now)
{
	z->next_probe = (int64_t)now + z->retry;
}

static uint32_t
clamp(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* RFC 5011 2.3: queryInterval = MAX(1 hr, MIN(15 days, 1/2*OrigTTL,
 * 1/2*RRSigExpirationInterval)); retryTime = MAX(1 hour, MIN(1 day,
 * .1*OrigTTL, .1*RRSigExpirationInterval)).  The smallest values over
 * the RRSIGs of the RRset. */
static void
schedule(r5011_zone *z, const msg_rr *sigs, size_t nsigs, time_t now)
{
	uint32_t ttl = UINT32_MAX, exp = UINT32_MAX;

	for (size_t i = 0; i < nsigs; i++) {
		const msg_rr *s = &sigs[i];
		if (s->type != RR_RRSIG || s->rdlen < 18 ||
		    wire_get_u16(s->rdata) != RR_DNSKEY || !name_eq(s->owner, z->owner))
			continue;
		uint32_t o = (uint32_t)wire_get_u16(s->rdata + 4) << 16 | wire_get_u16(s->rdata + 6);
		uint32_t e = (uint32_t)wire_get_u16(s->rdata + 8) << 16 | wire_get_u16(s->rdata + 10);
		int32_t left = (int32_t)(e - (uint32_t)now);   /* RFC 1982 */
		uint32_t l = left > 0 ? (uint32_t)left : 0;
		if (o < ttl)
			ttl = o;
		if (l < exp)
			exp = l;
	}
	uint32_t qi = ttl / 2 < exp / 2 ? ttl / 2 : exp / 2;
	uint32_t rt = ttl / 10 < exp / 10 ? ttl / 10 : exp / 10;
	z->query_interval = clamp(qi, HOUR, 15 * DAY);
	z->retry = clamp(rt, HOUR, DAY);
	if (z->retry > z->query_interval)
		z->retry = z->query_interval;
	z->next_probe = (int64_t)now + z->query_interval;
}

/* DS seeds only: the RRset against them (RFC 4035 5.2); the DNSKEYs they
 * match become Valid and the seeds go.  true if the RRset verified. */
static int
verify_with_seeds(r5011_zone *z, msg_rr *const *kp, size_t nk,
    const msg_rr *sigs, size_t nsigs, time_t now, const val_limits *lim,
    val_out *vo)
{
	msg_rr *keys = NULL, *ds = NULL;
	size_t nds = 0;
	int rc = MX_ENOMEM;

	if ((keys = malloc(nk * sizeof(*keys))) == NULL ||
	    (ds = malloc(z->n * sizeof(*ds) + 1)) == NULL)
		goto fail;
	for (size_t i = 0; i < nk; i++)
		keys[i] = *kp[i];
	for (size_t i = 0; i < z->n; i++) {
		if (z->keys[i].type != RR_DS)
			continue;
		memset(&ds[nds], 0, sizeof(ds[nds]));
		ds[nds].owner = z->owner;
		ds[nds].type = RR_DS;
		ds[nds].rclass = CLASS_IN;
		ds[nds].rdlen = z->keys[i].rdlen;
		ds[nds].rdata = z->keys[i].rdata;
		nds++;
	}
	val_dnskey_ds(keys, nk, sigs, nsigs, ds, nds, z->owner, now, lim, vo);
	if (vo->status != SEC_SECURE) {
		rc = MX_EVERIFY;
		goto fail;
	}
	/* Add the matched keys first, then drop the seeds, so a failed
	 * allocation leaves the seeds in place. */
	size_t first = z->n;
	for (size_t i = 0; i < nk; i++) {
		uint16_t fl = flags_of(keys[i].rdata, keys[i].rdlen);
		bool match = false;
		if (!(fl & DNSKEY_ZONE) || (fl & DNSKEY_REVOKE))
			continue;
		for (size_t d = 0; d < nds && !match; d++)
			match = val_ds_matches(&ds[d], &keys[i]);
		if (match && !key_known(z, RR_DNSKEY, keys[i].rdata, keys[i].rdlen) &&
		    (rc = key_add(z, RR_DNSKEY, keys[i].rdata, keys[i].rdlen,
		    keys[i].ttl, R5011_VALID, now, now)) != 0) {
			while (z->n > first)
				key_del(z, z->n - 1);
			goto fail;
		}
	}
	for (size_t i = z->n; i-- > 0;)
		if (z->keys[i].type == RR_DS)
			key_del(z, i);
	rc = 0;
fail:
	free(keys);
	free(ds);
	return rc;
}

/* RFC 5011 2.1: a key whose revoked form self-signs the RRset is revoked,
 * whatever else signs the RRset. */
static bool
do_revocations(r5011_zone *z, const rrset *set, const msg_rr *sigs,
    size_t nsigs, time_t now, const val_limits *lim)
{
	bool changed = false;

	for (size_t j = 0; j < set->count; j++) {
		const msg_rr *r = set->rrs[j];
		uint16_t fl = flags_of(r->rdata, r->rdlen);
		if (!(fl & DNSKEY_REVOKE) || !(fl & DNSKEY_ZONE))
			continue;
		for (size_t i = 0; i < z->n; i++) {
			r5011_key *k = &z->keys[i];
			if (k->type != RR_DNSKEY || (flags_of(k->rdata, k->rdlen) & DNSKEY_REVOKE) ||
			    (k->state != R5011_ADDPEND && !trusted_state(k->state)) ||
			    !same_key_but_revoke(k->rdata, k->rdlen, r->rdata, r->rdlen))
				continue;
			val_out vo;
			val_rrset(set, sigs, nsigs, z->owner, r, 1, now, lim, &vo);
			if (vo.status != SEC_SECURE)
				continue;
			/* Hold the revoked form: same length, only the flag
			 * differs. */
			memcpy(k->rdata, r->rdata, r->rdlen);
			k->keytag = rdata_keytag(k->rdata, k->rdlen);
			k->state = R5011_REVOKED;
			k->last_change = now;
			changed = true;
		}
	}
	return changed;
}

static bool
in_set(const rrset *set, const r5011_key *k)
{
	for (size_t j = 0; j < set->count; j++)
		if (set->rrs[j]->rdlen == k->rdlen &&
		    memcmp(set->rrs[j]->rdata, k->rdata, k->rdlen) == 0)
			return true;
	return false;
}

int
r5011_update(r5011_zone *z, const msg_rr *keys, size_t nkeys,
    const msg_rr *sigs, size_t nsigs, time_t now, unsigned budget,
    const char **why)
{
	msg_rr **kp = NULL, *tk = NULL;
	rrset set;
	size_t nk = 0, ntk;
	unsigned bud = budget;
	val_limits lim = { &bud, 8, 4, 0 };
	val_out vo;
	bool changed = false, have_seeds = false;
	const char *dummy;
	int rc;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if ((kp = malloc((nkeys ? nkeys : 1) * sizeof(*kp))) == NULL) {
		rc = MX_ENOMEM;
		goto fail;
	}
	uint32_t minttl = UINT32_MAX;
	for (size_t i = 0; i < nkeys; i++) {
		if (keys[i].type != RR_DNSKEY || keys[i].rclass != CLASS_IN ||
		    !name_eq(keys[i].owner, z->owner) || keys[i].rdlen < 4)
			continue;
		kp[nk++] = (msg_rr *)&keys[i];
		if (keys[i].ttl < minttl)
			minttl = keys[i].ttl;
	}
	if (nk == 0 || nk > UINT16_MAX) {
		*why = "no DNSKEY records for the zone";
		rc = MX_EVERIFY;
		goto fail;
	}
	memset(&set, 0, sizeof(set));
	set.owner = z->owner;
	set.type = RR_DNSKEY;
	set.rclass = CLASS_IN;
	set.ttl = minttl;
	set.count = (uint16_t)nk;
	set.rrs = kp;

	changed = do_revocations(z, &set, sigs, nsigs, now, &lim);

	ntk = r5011_trusted(z, NULL, 0);
	for (size_t i = 0; i < z->n; i++)
		if (z->keys[i].type == RR_DS)
			have_seeds = true;
	if (ntk > 0) {
		if ((tk = malloc(ntk * sizeof(*tk))) == NULL) {
			rc = MX_ENOMEM;
			goto fail;
		}
		r5011_trusted(z, tk, ntk);
		val_rrset(&set, sigs, nsigs, z->owner, tk, ntk, now, &lim, &vo);
		if (vo.status != SEC_SECURE) {
			*why = vo.why ? vo.why : "not signed by a trusted key";
			rc = vo.status == SEC_INDETERMINATE ? MX_ENOMEM : MX_EVERIFY;
			goto fail;
		}
	} else if (have_seeds) {
		rc = verify_with_seeds(z, kp, nk, sigs, nsigs, now, &lim, &vo);
		if (rc != 0) {
			*why = vo.why ? vo.why : "DNSKEY RRset does not match the DS anchors";
			goto fail;
		}
		changed = true;
	} else {
		*why = changed ? "only key is revoked" : "no trusted key";
		rc = MX_EVERIFY;
		goto fail;
	}

	/* The RRset is authentic: RFC 5011 4 transitions. */
	z->last_success = now;
	schedule(z, sigs, nsigs, now);
	for (size_t i = z->n; i-- > 0;) {
		r5011_key *k = &z->keys[i];
		if (k->type != RR_DNSKEY)
			continue;
		bool present = in_set(&set, k);
		int64_t age = (int64_t)now - k->last_change;
		switch (k->state) {
		case R5011_VALID:
			if (!present) {   /* KeyRem: still trusted */
				k->state = R5011_MISSING;
				k->last_change = now;
				changed = true;
			}
			break;
		case R5011_MISSING:
			if (present) {    /* KeyPres */
				k->state = R5011_VALID;
				k->last_change = now;
				changed = true;
			}
			break;
		case R5011_ADDPEND: {
			/* RFC 5011 2.4.1: max(30 days, original TTL), and
			 * seen in every verified RRset meanwhile. */
			int64_t hold = k->ttl > R5011_ADD_HOLDDOWN ? k->ttl : R5011_ADD_HOLDDOWN;
			if (!present) {
				key_del(z, i);   /* back to Start */
				changed = true;
			} else if ((int64_t)now - k->first_seen >= hold) {
				k->state = R5011_VALID;
				k->last_change = now;
				changed = true;
			}
			break;
		}
		case R5011_REVOKED:
			if (age >= R5011_REMOVE_HOLDDOWN) {   /* RemTime */
				k->state = R5011_REMOVED;
				k->last_change = now;
				changed = true;
			}
			break;
		default:
			break;
		}
	}
	/* NewKey: SEP keys (zone key + SEP, not revoked) we do not know. */
	for (size_t j = 0; j < nk; j++) {
		const msg_rr *r = kp[j];
		uint16_t fl = flags_of(r->rdata, r->rdlen);
		if ((fl & (DNSKEY_ZONE | DNSKEY_SEP | DNSKEY_REVOKE)) != (DNSKEY_ZONE | DNSKEY_SEP) ||
		    r->rdata[2] != 3 || key_known(z, RR_DNSKEY, r->rdata, r->rdlen))
			continue;
		if (z->n >= R5011_MAX_KEYS)
			break;   /* a flood of new keys: ignore the excess */
		if ((rc = key_add(z, RR_DNSKEY, r->rdata, r->rdlen, r->ttl,
		    R5011_ADDPEND, now, now)) != 0)
			goto fail;
		changed = true;
	}
	free(kp);
	free(tk);
	return changed ? R5011_CHANGED : R5011_UNCHANGED;
fail:
	if (rc != MX_ENOMEM)
		r5011_probe_failed(z, now);
	free(kp);
	free(tk);
	/* Revocations stand even when nothing else verified: report them. */
	return changed && rc == MX_EVERIFY ? R5011_CHANGED : rc;
}

/* ---- state file ---------------------------------------------------- */

/* Decimal, digits only, at most 18 of them (fits int64_t). */
static bool
parse_num(const char *s, size_t len, int64_t *out)
{
	int64_t v = 0;

	if (len == 0 || len > 18)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

typedef struct file_meta {
	bool have_version;
	int64_t last_success, next_probe, query_interval, retry;
} file_meta;

/* ";;key: value" lines anywhere (the zone reader skips them as
 * comments). */
static int
parse_meta(const char *text, size_t len, file_meta *m, unsigned *errline,
    const char **why)
{
	size_t pos = 0;
	unsigned line = 1;

	memset(m, 0, sizeof(*m));
	m->query_interval = HOUR;
	m->retry = HOUR;
	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		if (end - pos >= 2 && text[pos] == ';' && text[pos + 1] == ';') {
			const char *s = text + pos + 2, *e = text + end;
			const char *colon = memchr(s, ':', (size_t)(e - s));
			int64_t v;
			*errline = line;
			if (colon == NULL) {
				*why = "metadata line without ':'";
				return MX_ESYNTAX;
			}
			size_t klen = (size_t)(colon - s);
			const char *vs = colon + 1;
			while (vs < e && (*vs == ' ' || *vs == '\t'))
				vs++;
			const char *ve = e;
			while (ve > vs && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r'))
				ve--;
			if (!parse_num(vs, (size_t)(ve - vs), &v)) {
				*why = "metadata value is not a decimal number";
				return MX_ESYNTAX;
			}
#define KEY(lit) (klen == sizeof(lit) - 1 && memcmp(s, lit, klen) == 0)
			if (KEY("r5011")) {
				if (v != 1) {
					*why = "unsupported state file version";
					return MX_EUNSUPP;
				}
				m->have_version = true;
			} else if (KEY("last_success")) {
				m->last_success = v;
			} else if (KEY("next_probe")) {
				m->next_probe = v;
			} else if (KEY("query_interval")) {
				if (v > UINT32_MAX) {
					*why = "query_interval out of range";
					return MX_ERANGE;
				}
				m->query_interval = v;
			} else if (KEY("retry")) {
				if (v > UINT32_MAX) {
					*why = "retry out of range";
					return MX_ERANGE;
				}
				m->retry = v;
			}
			/* Unknown keys: ignored, for later versions. */
#undef KEY
		}
		pos = end + 1;
		line++;
	}
	if (!m->have_version) {
		*errline = 1;
		*why = "not an RFC 5011 state file (no ';;r5011: 1' line)";
		return MX_EFORMAT;
	}
	return 0;
}

/* The record comment: "state=S first=T changed=T". */
static int
parse_comment(const char *c, size_t len, r5011_kstate *st, int64_t *first,
    int64_t *changed, const char **why)
{
	size_t pos = 0;
	bool have_state = false, have_first = false, have_changed = false;

	if (c == NULL) {
		*why = "record without a ';state=...' comment";
		return MX_ESYNTAX;
	}
	while (pos < len) {
		while (pos < len && (c[pos] == ' ' || c[pos] == '\t' || c[pos] == '\r'))
			pos++;
		if (pos == len)
			break;
		size_t ts = pos;
		while (pos < len && c[pos] != ' ' && c[pos] != '\t' && c[pos] != '\r')
			pos++;
		const char *t = c + ts, *eq = memchr(t, '=', pos - ts);
		if (eq == NULL) {
			*why = "comment word without '='";
			return MX_ESYNTAX;
		}
		size_t klen = (size_t)(eq - t), vlen = pos - ts - klen - 1;
		const char *v = eq + 1;
		if (klen == 5 && memcmp(t, "state", 5) == 0) {
			have_state = false;
			for (int s = R5011_ADDPEND; s <= R5011_SEED; s++)
				if (strlen(state_names[s]) == vlen &&
				    memcmp(state_names[s], v, vlen) == 0) {
					*st = (r5011_kstate)s;
					have_state = true;
				}
			if (!have_state) {
				*why = "unknown key state";
				return MX_ESYNTAX;
			}
		} else if (klen == 5 && memcmp(t, "first", 5) == 0) {
			if (!(have_first = parse_num(v, vlen, first))) {
				*why = "bad 'first' time";
				return MX_ESYNTAX;
			}
		} else if (klen == 7 && memcmp(t, "changed", 7) == 0) {
			if (!(have_changed = parse_num(v, vlen, changed))) {
				*why = "bad 'changed' time";
				return MX_ESYNTAX;
			}
		} else {
			*why = "unknown word in the state comment";
			return MX_ESYNTAX;
		}
	}
	if (!have_state || !have_first || !have_changed) {
		*why = "state comment needs state=, first= and changed=";
		return MX_ESYNTAX;
	}
	return 0;
}

int
r5011_load_text(r5011_zone *z, const char *text, size_t len,
    const char *name, char *err, size_t errlen)
{
	r5011_zone nz;
	zone_reader zr;
	zone_rr *rr = NULL;
	file_meta m;
	unsigned line = 0;
	const char *why = NULL;
	char whybuf[160];
	int rc;

	if (err && errlen)
		err[0] = 0;
	r5011_init(&nz, z->owner);
	if ((rc = parse_meta(text, len, &m, &line, &why)) != 0)
		goto fail;
	if ((rr = malloc(sizeof(*rr))) == NULL) {
		rc = MX_ENOMEM;
		why = mx_strerror(rc);
		goto fail;
	}
	zone_reader_init(&zr, text, len, name, z->owner, 0);
	while ((rc = zone_next(&zr, rr)) == 1) {
		r5011_kstate st = 0;
		int64_t first = 0, changed = 0;
		line = zr.line;
		rc = MX_EFORMAT;
		if (!name_eq(rr->owner, z->owner)) {
			why = "record for another zone";
			goto fail;
		}
		if (rr->rclass != CLASS_IN) {
			why = "record class must be IN";
			goto fail;
		}
		if (rr->type != RR_DNSKEY && rr->type != RR_DS) {
			why = "record type must be DNSKEY or DS";
			goto fail;
		}
		if ((rc = parse_comment(rr->comment, rr->comment_len, &st, &first,
		    &changed, &why)) != 0)
			goto fail;
		rc = MX_EFORMAT;
		if ((rr->type == RR_DS) != (st == R5011_SEED)) {
			why = "state 'seed' is for DS records only, and DS must be seeds";
			goto fail;
		}
		if (rr->type == RR_DNSKEY && (rr->rdlen < 4 ||
		    !(flags_of(rr->rdata, rr->rdlen) & DNSKEY_ZONE))) {
			why = "DNSKEY without the Zone Key flag";
			goto fail;
		}
		if (rr->type == RR_DNSKEY &&
		    ((flags_of(rr->rdata, rr->rdlen) & DNSKEY_REVOKE) != 0) !=
		    (st == R5011_REVOKED || st == R5011_REMOVED)) {
			why = "REVOKE bit does not agree with the key state";
			goto fail;
		}
		if (key_known(&nz, rr->type, rr->rdata, rr->rdlen)) {
			why = "duplicate key";
			goto fail;
		}
		if (nz.n >= R5011_MAX_ENTRIES) {
			why = "too many keys";
			goto fail;
		}
		if ((rc = key_add(&nz, rr->type, rr->rdata, rr->rdlen, rr->ttl, st,
		    first, changed)) != 0) {
			why = mx_strerror(rc);
			goto fail;
		}
	}
	if (rc < 0) {
		line = zr.line;
		snprintf(whybuf, sizeof(whybuf), "%s", zr.errmsg);
		why = whybuf;
		goto fail;
	}
	if (nz.n == 0) {
		rc = MX_EFORMAT;
		line = zr.line;
		why = "no keys in the state file";
		goto fail;
	}
	nz.last_success = m.last_success;
	nz.next_probe = m.next_probe;
	nz.query_interval = (uint32_t)m.query_interval;
	nz.retry = (uint32_t)m.retry;
	free(rr);
	r5011_free(z);
	*z = nz;
	return 0;
fail:
	if (err && errlen)
		snprintf(err, errlen, "%s:%u: %s", name, line, why ? why : mx_strerror(rc));
	free(rr);
	r5011_free(&nz);
	return rc < 0 ? rc : MX_EFORMAT;
}

int
r5011_load(r5011_zone *z, const char *path, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int rc;

	if ((rc = zone_slurp(path, R5011_FILE_MAX, &text, &len)) != 0) {
		if (rc == MX_EIO && errno == ENOENT) {
			if (err && errlen)
				snprintf(err, errlen, "%s: no state file", path);
			return MX_ENOTFOUND;
		}
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot read: %s", path, mx_strerror(rc));
		return rc;
	}
	rc = r5011_load_text(z, text, len, path, err, errlen);
	free(text);
	return rc;
}

/* A growing text buffer; sticky failure. */
typedef struct tbuf {
	char *p;
	size_t len, cap;
	bool fail;
} tbuf;

static void
tb_add(tbuf *b, const char *s, size_t n)
{
	if (b->fail)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 1024;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		char *np = realloc(b->p, ncap);
		if (np == NULL) {
			b->fail = true;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void
tb_printf(tbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
tb_printf(tbuf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->fail = true;
		return;
	}
	tb_add(b, tmp, (size_t)n);
}

int
r5011_format(const r5011_zone *z, char **text, size_t *len)
{
	tbuf b = { 0 };
	char owner[NAME_MAX_STR];
	char *rd = NULL;

	*text = NULL;
	*len = 0;
	if (name_to_str(z->owner, owner, sizeof(owner)) < 0)
		return MX_EINVAL;
	tb_printf(&b, "; mxsec RFC 5011 trust-anchor state; rewritten by mxsec\n"
	    ";;r5011: 1\n;;last_success: %lld\n;;next_probe: %lld\n"
	    ";;query_interval: %u\n;;retry: %u\n",
	    (long long)z->last_success, (long long)z->next_probe,
	    z->query_interval, z->retry);
	for (size_t i = 0; i < z->n; i++) {
		const r5011_key *k = &z->keys[i];
		size_t cap = (size_t)k->rdlen * 2 + 64;
		char *nrd = realloc(rd, cap);
		if (nrd == NULL) {
			b.fail = true;
			break;
		}
		rd = nrd;
		int n = rdata_to_str(k->type, k->rdata, k->rdlen, rd, cap);
		if (n < 0) {
			b.fail = true;
			break;
		}
		tb_printf(&b, "%s %u IN %s ", owner, k->ttl,
		    k->type == RR_DS ? "DS" : "DNSKEY");
		tb_add(&b, rd, (size_t)n);
		tb_printf(&b, " ;state=%s first=%lld changed=%lld\n",
		    r5011_state_str(k->state), (long long)k->first_seen,
		    (long long)k->last_change);
	}
	free(rd);
	if (b.fail) {
		free(b.p);
		return MX_ENOMEM;
	}
	*text = b.p;
	*len = b.len;
	return 0;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
r5011_save(const r5011_zone *z, const char *path, char *err, size_t errlen)
{
	char *text = NULL, *tmp = NULL, *dir = NULL;
	size_t len, plen = strlen(path);
	int fd = -1, rc;
	const char *step = NULL;

	if (err && errlen)
		err[0] = 0;
	if ((rc = r5011_format(z, &text, &len)) != 0) {
		step = "format";
		goto fail;
	}
	rc = MX_ENOMEM;
	if ((tmp = malloc(plen + 5)) == NULL || (dir = malloc(plen + 2)) == NULL) {
		step = "allocate";
		goto fail;
	}
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp", 5);
	memcpy(dir, path, plen + 1);
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;

	rc = MX_EIO;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		step = "create";
		goto fail;
	}
	if (write_all(fd, text, len) != 0) {
		step = "write";
		goto fail_unlink;
	}
	if (fsync(fd) != 0) {
		step = "fsync";
		goto fail_unlink;
	}
	if (close(fd) != 0) {
		fd = -1;
		step = "close";
		goto fail_unlink;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		step = "rename";
		goto fail_unlink;
	}
	/* The rename is durable only once the directory is synced. */
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(fd) != 0) {
		step = "fsync directory of";
		goto fail;
	}
	close(fd);
	free(text);
	free(tmp);
	free(dir);
	return 0;
fail_unlink:
	{
		int e = errno;
		unlink(tmp);
		errno = e;
	}
fail:
	if (err && errlen)
		snprintf(err, errlen, "%s: cannot %s %s: %s", path, step ? step : "write",
		    rc == MX_EIO && tmp ? tmp : path,
		    rc == MX_EIO ? strerror(errno) : mx_strerror(rc));
	if (fd >= 0)
		close(fd);
	free(text);
	free(tmp);
	free(dir);
	return rc;
}
