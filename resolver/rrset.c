/*
 * rrset.c: RRset grouping and canonical ordering.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "name.h"
#include "rdata.h"
#include "rrset.h"
#include "rrtype.h"

uint16_t
rrsig_type_covered(const msg_rr *rr)
{
	return rr->rdlen >= 2 ? wire_get_u16(rr->rdata) : 0;
}

static bool
same_set(const rrset *s, const msg_rr *rr)
{
	if (s->type != rr->type || s->rclass != rr->rclass)
		return false;
	if (rr->type == RR_RRSIG &&
	    rrsig_type_covered(s->rrs[0]) != rrsig_type_covered(rr))
		return false;
	return name_eq(s->owner, rr->owner);
}

int
rrset_group(region *reg, msg_rr *rrs, size_t n, rrset **out, size_t *nout)
{
	rrset *sets;
	size_t ns = 0;

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return 0;
	/* At most n sets; members are at most n pointers in all. */
	sets = region_alloc(reg, n * sizeof(*sets));
	msg_rr **slots = region_alloc(reg, n * sizeof(*slots));
	size_t *idx = malloc(n * sizeof(*idx));
	if (sets == NULL || slots == NULL || idx == NULL) {
		free(idx);
		return MX_ENOMEM;
	}
	/* First pass: find each record's set and count members.  Messages
	 * are small; the quadratic scan is bounded by the message size. */
	for (size_t i = 0; i < n; i++) {
		size_t j;
		for (j = 0; j < ns; j++)
			if (same_set(&sets[j], &rrs[i]))
				break;
		if (j == ns) {
			/* same_set() looks at rrs[0] during this pass. */
			sets[ns] = (rrset){ .owner = rrs[i].owner, .type = rrs[i].type,
			    .rclass = rrs[i].rclass, .ttl = rrs[i].ttl, .count = 0,
			    .rrs = &slots[i] };
			slots[i] = &rrs[i];
			ns++;
		}
		idx[i] = j;
		sets[j].count++;
		if (rrs[i].ttl < sets[j].ttl)
			sets[j].ttl = rrs[i].ttl;
	}
	/* Second pass: lay members out contiguously in slots. */
	size_t off = 0;
	for (size_t j = 0; j < ns; j++) {
		sets[j].rrs = &slots[off];
		off += sets[j].count;
		sets[j].count = 0;
	}
	for (size_t i = 0; i < n; i++) {
		rrset *s = &sets[idx[i]];
		s->rrs[s->count++] = &rrs[i];
	}
	free(idx);
	*out = sets;
	*nout = ns;
	return 0;
}

int
rdata_canon_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c < 0 ? -1 : 1;
	if (alen == blen)
		return 0;
	return alen < blen ? -1 : 1;
}

static int
cmp_rr(const void *x, const void *y)
{
	const msg_rr *a = x, *b = y;
	return rdata_canon_cmp(a->rdata, a->rdlen, b->rdata, b->rdlen);
}

int
rrset_canonical(region *reg, const rrset *set, msg_rr **out, size_t *nout)
{
	msg_rr *v;
	size_t n = 0;

	*out = NULL;
	*nout = 0;
	v = region_alloc(reg, (set->count ? set->count : 1) * sizeof(*v));
	if (v == NULL)
		return MX_ENOMEM;
	for (uint16_t i = 0; i < set->count; i++) {
		const msg_rr *rr = set->rrs[i];
		v[i] = *rr;
		v[i].owner = region_memdup(reg, rr->owner, name_len(rr->owner));
		v[i].rdata = region_memdup(reg, rr->rdata, rr->rdlen);
		if (v[i].owner == NULL || v[i].rdata == NULL)
			return MX_ENOMEM;
		name_lower(v[i].owner);
		rdata_canonicalize(rr->type, v[i].rdata, rr->rdlen);
	}
	qsort(v, set->count, sizeof(*v), cmp_rr);
	/* RFC 4034 6.3: duplicate RRs are dropped from the canonical form. */
	for (uint16_t i = 0; i < set->count; i++) {
		if (n > 0 && cmp_rr(&v[n - 1], &v[i]) == 0)
			continue;
		v[n++] = v[i];
	}
	*out = v;
	*nout = n;
	return 0;
}
