/*
 * denial_nsec.c: proofs of non-existence with NSEC records (RFC 4035 5.4,
 * RFC 6840 4.1-4.4, RFC 4592, RFC 7129 3-5).
 *
 * Every NSEC record is a claim by the zone "owner exists with these
 * types, and no name lies strictly between owner and next in canonical
 * order".  The rules below decide which claims may be used for which
 * name; the dangerous mistakes are using a span for a name it does not
 * cover, or a parent's span for names inside a child zone.
 */
#include <stddef.h>

#include "denial_int.h"
#include "rdata.h"
#include "rrtype.h"
#include "status.h"
#include "wire.h"

/* An NSEC record taken apart; pointers into the record. */
typedef struct nsec_view {
	const uint8_t *owner;
	const uint8_t *next;
	const uint8_t *bm;
	size_t bmlen;
} nsec_view;

bool
nsec_covers(const uint8_t *owner, const uint8_t *next, const uint8_t *name)
{
	/* Owner equal to name proves name exists, never that it does not. */
	if (name_canon_cmp(owner, name) >= 0)
		return false;
	if (name_canon_cmp(owner, next) < 0)
		return name_canon_cmp(name, next) < 0;
	/* RFC 4034 4.1.1: the last NSEC of the zone names the apex as its
	 * next name, so its span runs from owner to the end of the zone.
	 * With owner == next the zone has a single name, the apex, and the
	 * span is everything below it.  Either way: names after owner that
	 * lie below the apex. */
	return name_is_below(name, next);
}

/*
 * Take an NSEC apart and decide whether it may be used for zone at all:
 * owner and next inside the zone, and a span that wraps only at the
 * apex (RFC 4034 4.1.1).  Malformed RDATA is ignored, not trusted.
 */
static bool
nsec_get(const msg_rr *rr, const uint8_t *zone, nsec_view *v)
{
	uint8_t tmp[NAME_MAX_WIRE];
	size_t nlen = 0;
	wire_rd r;

	if (rr->type != RR_NSEC || rr->owner == NULL || rr->rdata == NULL)
		return false;
	if (rdata_check(RR_NSEC, rr->rdata, rr->rdlen) != 0)
		return false;
	wire_rd_init(&r, rr->rdata, rr->rdlen);
	if (name_read_nocomp(&r, tmp, &nlen) != 0)
		return false;
	v->owner = rr->owner;
	v->next = rr->rdata;   /* uncompressed: the RDATA holds the name */
	v->bm = rr->rdata + nlen;
	v->bmlen = rr->rdlen - nlen;
	if (!name_is_subdomain(v->owner, zone) || !name_is_subdomain(v->next, zone))
		return false;
	if (name_canon_cmp(v->owner, v->next) >= 0 && !name_eq(v->next, zone))
		return false;
	return true;
}

static bool
has(const nsec_view *v, uint16_t type)
{
	return rdata_bitmap_has(v->bm, v->bmlen, type);
}

/* Is the owner a zone cut seen from the parent side (NS without SOA)? */
static bool
is_delegation(const nsec_view *v)
{
	return has(v, RR_NS) && !has(v, RR_SOA);
}

/*
 * Does v prove that name does not exist?  Three conditions:
 *  - the span covers name;
 *  - RFC 6840 4.1: if the owner is an ancestor of name, it must be
 *    neither a delegation (the parent's NSEC says nothing about the
 *    child zone) nor a DNAME (names below it are redirected);
 *  - the next name is not below name: then name is an empty
 *    non-terminal, which exists (RFC 4592 2.2.2, RFC 7129 3.2).
 */
static bool
proves_absent(const nsec_view *v, const uint8_t *name)
{
	if (!nsec_covers(v->owner, v->next, name))
		return false;
	if (name_is_below(name, v->owner) && (is_delegation(v) || has(v, RR_DNAME)))
		return false;
	return !name_is_below(v->next, name);
}

/*
 * The closest encloser that a covering NSEC implies (RFC 4035 5.4, RFC
 * 7129 5.5): owner and next exist, so their common suffixes with name
 * are existing ancestors; every longer ancestor of name sorts between
 * owner and name and is therefore inside the span, so does not exist.
 */
static unsigned
ce_labels(const nsec_view *v, const uint8_t *name)
{
	unsigned a = denial_common_labels(name, v->owner);
	unsigned b = denial_common_labels(name, v->next);

	return a > b ? a : b;
}

/*
 * The longest closest encloser implied by any NSEC that proves name
 * absent; -1 if none does.  Several covering NSECs can only disagree if
 * some are stale; the longest is the most cautious for the wildcard
 * check that follows.
 */
static int
best_ce(const denial_ctx *c, const msg_rr *nsec, size_t n, const uint8_t *name)
{
	int best = -1;
	nsec_view v;

	for (size_t i = 0; i < n; i++) {
		if (!nsec_get(&nsec[i], c->zone, &v) || !proves_absent(&v, name))
			continue;
		int k = (int)ce_labels(&v, name);
		if (k > best)
			best = k;
	}
	return best;
}

/* Is there a usable NSEC owned by name?  If so, fills *v with the first. */
static bool
find_owned(const denial_ctx *c, const msg_rr *nsec, size_t n,
    const uint8_t *name, size_t *from, nsec_view *v)
{
	for (size_t i = *from; i < n; i++) {
		if (nsec_get(&nsec[i], c->zone, v) && name_eq(v->owner, name)) {
			*from = i + 1;
			return true;
		}
	}
	*from = n;
	return false;
}

denial_result
nsec_nxdomain(const denial_ctx *c, const msg_rr *nsec, size_t n,
    const uint8_t *qname, denial_out *out)
{
	uint8_t wc[NAME_MAX_WIRE];
	nsec_view v;
	size_t it = 0;
	denial_result r;

	denial_clear(out);
	if ((r = denial_check_args(c, qname, out)) != DENIAL_PROVEN)
		return r;
	if (find_owned(c, nsec, n, qname, &it, &v))
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "an NSEC shows that the name exists");
	int ce = best_ce(c, nsec, n, qname);
	if (ce < 0)
		return denial_set(out, DENIAL_BOGUS, EDE_NSEC_MISSING,
		    "no NSEC proves the name absent");
	const uint8_t *cen = name_suffix(qname, (unsigned)ce);
	/* RFC 6840 4.1: a closest encloser that is a delegation or a DNAME
	 * cannot deny names below it.  proves_absent() already refused
	 * such an owner as the coverer; an NSEC of the encloser itself
	 * saying so is just as telling. */
	it = 0;
	while (find_owned(c, nsec, n, cen, &it, &v))
		if (is_delegation(&v) || has(&v, RR_DNAME))
			return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
			    "the closest encloser is a delegation or a DNAME");
	/* RFC 4035 5.4 / RFC 4592 4.5: no wildcard at the closest encloser
	 * could have matched.  The NSEC for it must cover "*.<ce>" itself,
	 * not merely some name near it (dnsmasq CVE-2017-15107). */
	if (!denial_wildcard_of(cen, wc))
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "wildcard name too long");
	it = 0;
	if (find_owned(c, nsec, n, wc, &it, &v))
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "the wildcard at the closest encloser exists");
	for (size_t i = 0; i < n; i++) {
		if (nsec_get(&nsec[i], c->zone, &v) && proves_absent(&v, wc)) {
			out->closest_encloser = cen;
			return denial_set(out, DENIAL_PROVEN, 0,
			    "NSEC proves the name and the wildcard absent");
		}
	}
	return denial_set(out, DENIAL_BOGUS, EDE_NSEC_MISSING,
	    "no NSEC proves the wildcard at the closest encloser absent");
}

/* Shared by the exact-match and wildcard cases of nsec_nodata(). */
static denial_result
check_bitmap(const nsec_view *v, const uint8_t *name, uint16_t qtype,
    denial_out *out)
{
	if (has(v, qtype))
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "the NSEC shows the type exists");
	/* RFC 4035 3.1.3.1: a name with a CNAME answers with the CNAME. */
	if (has(v, RR_CNAME))
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "the NSEC shows a CNAME at the name");
	if (qtype == RR_DS) {
		/* A DS lives in the parent.  The child's apex NSEC (SOA
		 * set) says nothing about it, except at the root, which has
		 * no parent (RFC 4035 3.1.4.1, RFC 6840 4.4). */
		if (has(v, RR_SOA) && !name_is_root(name))
			return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
			    "the child zone's apex NSEC cannot deny a DS");
	} else if (is_delegation(v)) {
		/* RFC 6840 4.4, RFC 4035 2.3: at a delegation the parent
		 * holds only NS, DS and glue; its NSEC is not authoritative
		 * for any other type at the child's apex. */
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "the NSEC is from the parent side of a delegation");
	}
	return DENIAL_PROVEN;
}

denial_result
nsec_nodata(const denial_ctx *c, const msg_rr *nsec, size_t n,
    const uint8_t *qname, uint16_t qtype, denial_out *out)
{
	uint8_t wc[NAME_MAX_WIRE];
	nsec_view v;
	size_t it = 0;
	bool found = false;
	denial_result r;

	denial_clear(out);
	if ((r = denial_check_args(c, qname, out)) != DENIAL_PROVEN)
		return r;
	/* RFC 4035 3.1.3.1, 5.4: an NSEC owned by qname.  Every such NSEC
	 * must agree (a stale one showing the type wins). */
	while (find_owned(c, nsec, n, qname, &it, &v)) {
		found = true;
		if ((r = check_bitmap(&v, qname, qtype, out)) != DENIAL_PROVEN)
			return r;
	}
	if (found)
		return denial_set(out, DENIAL_PROVEN, 0, "NSEC shows no such type");

	/* Empty non-terminal (RFC 4035 3.1.3.2 as explained in RFC 7129
	 * 3.2): qname has no NSEC of its own, but the NSEC covering it has
	 * a next name below qname, so qname exists without data.  This
	 * holds for every type, DS included. */
	for (size_t i = 0; i < n; i++) {
		if (!nsec_get(&nsec[i], c->zone, &v) ||
		    !nsec_covers(v.owner, v.next, qname) ||
		    !name_is_below(v.next, qname))
			continue;
		if (name_is_below(qname, v.owner) && (is_delegation(&v) || has(&v, RR_DNAME)))
			continue;
		return denial_set(out, DENIAL_PROVEN, 0,
		    "NSEC proves an empty non-terminal");
	}

	/* Wildcard NODATA (RFC 4035 3.1.3.4, 5.4): qname does not exist,
	 * and the wildcard at its closest encloser has no such type. */
	int ce = best_ce(c, nsec, n, qname);
	if (ce < 0)
		return denial_set(out, DENIAL_BOGUS, EDE_NSEC_MISSING,
		    "no NSEC matches or covers the name");
	const uint8_t *cen = name_suffix(qname, (unsigned)ce);
	if (!denial_wildcard_of(cen, wc))
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "wildcard name too long");
	it = 0;
	while (find_owned(c, nsec, n, wc, &it, &v)) {
		found = true;
		if ((r = check_bitmap(&v, wc, qtype, out)) != DENIAL_PROVEN)
			return r;
	}
	if (!found)
		return denial_set(out, DENIAL_BOGUS, EDE_NSEC_MISSING,
		    "no NSEC for the name nor for the wildcard at its closest encloser");
	out->closest_encloser = cen;
	return denial_set(out, DENIAL_PROVEN, 0,
	    "NSEC proves a wildcard without the type");
}

denial_result
nsec_wildcard(const denial_ctx *c, const msg_rr *nsec, size_t n,
    const uint8_t *qname, unsigned rrsig_labels, denial_out *out)
{
	nsec_view v;
	size_t it = 0;
	denial_result r;

	denial_clear(out);
	if ((r = denial_check_args(c, qname, out)) != DENIAL_PROVEN)
		return r;
	unsigned ql = name_labels(qname);
	if (name_is_wildcard(qname))
		ql--;
	if (rrsig_labels >= ql)
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "the answer is not a wildcard expansion");
	/* The wildcard "*.<source>" must be in the zone. */
	if (rrsig_labels < name_labels(c->zone))
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "the wildcard is outside the zone");
	if (find_owned(c, nsec, n, qname, &it, &v))
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "an NSEC shows that the name exists");
	/*
	 * RFC 4035 5.3.4: an NSEC must prove that no closer match exists.
	 * Covering qname alone is not enough: if the next closer name
	 * existed (say as an empty non-terminal) the wildcard would not
	 * apply.  So the closest encloser the covering NSEC implies must be
	 * exactly the wildcard's parent, <suffix of qname with Labels
	 * labels> (RFC 4592 4.3, RFC 7129 5.6).
	 */
	for (size_t i = 0; i < n; i++) {
		if (!nsec_get(&nsec[i], c->zone, &v) || !proves_absent(&v, qname))
			continue;
		if (ce_labels(&v, qname) == rrsig_labels) {
			out->closest_encloser = name_suffix(qname, rrsig_labels);
			return denial_set(out, DENIAL_PROVEN, 0,
			    "NSEC proves no closer match for the wildcard");
		}
	}
	return denial_set(out, DENIAL_BOGUS, EDE_NSEC_MISSING,
	    "no NSEC proves that no closer match than the wildcard exists");
}

denial_result
nsec_no_ds(const denial_ctx *c, const msg_rr *nsec, size_t n,
    const uint8_t *name, denial_out *out)
{
	nsec_view v;
	size_t it = 0;
	bool found = false;
	denial_result r;

	denial_clear(out);
	if ((r = denial_check_args(c, name, out)) != DENIAL_PROVEN)
		return r;
	if (name_eq(name, c->zone))
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "the zone apex is not a delegation of that zone");
	/* RFC 4035 5.2 with RFC 6840 4.4: the NSEC at the cut must show NS
	 * (it is a delegation at all) and neither DS nor SOA (the parent's
	 * side, without a DS). */
	while (find_owned(c, nsec, n, name, &it, &v)) {
		found = true;
		if (!has(&v, RR_NS))
			return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
			    "the NSEC shows no delegation (NS clear)");
		if (has(&v, RR_DS))
			return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
			    "the NSEC shows a DS at the delegation");
		if (has(&v, RR_SOA))
			return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
			    "the NSEC is the child zone's, not the parent's");
	}
	if (!found)
		return denial_set(out, DENIAL_BOGUS, EDE_NSEC_MISSING,
		    "no NSEC owned by the delegation");
	return denial_set(out, DENIAL_PROVEN, 0,
	    "NSEC proves an unsigned delegation");
}
