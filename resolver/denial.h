/*
 * denial.h: proofs of non-existence with NSEC (RFC 4035 5.4, RFC 6840
 * 4.1-4.4) and NSEC3 (RFC 5155 8, RFC 9276).  Pure functions over NSEC or
 * NSEC3 records whose signatures the caller has already verified, all from
 * one zone.  No I/O, no clock.
 *
 * Each function answers one question about qname in zone and returns:
 *   DENIAL_PROVEN    the records prove it;
 *   DENIAL_INSECURE  an NSEC3 opt-out span covers the next closer
 *                    name (RFC 5155 9.2: no AD; the name may lie in an
 *                    unsigned delegation), or the NSEC3 iterations are
 *                    above the limit (RFC 9276 3.2, EDE 27): the answer
 *                    is insecure, not bogus;
 *   DENIAL_BOGUS     they do not prove it (missing, wrong range, wrong
 *                    bitmap, a wildcard that should have matched, ...).
 * and sets out->why to a one-line reason and out->ede to the RFC 8914
 * code that fits (12 NSEC Missing, 27 Unsupported NSEC3 Iterations Value,
 * 6 DNSSEC Bogus, 0 with a reason when the hash budget ran out).
 *
 * What the caller must do first:
 *  - verify the RRSIGs of every NSEC/NSEC3 RRset, signed by c->zone;
 *  - drop every NSEC/NSEC3 whose RRSIG says it was synthesized from a
 *    wildcard (denial_rr_expanded() below).  Its owner name is the
 *    attacker's choice, so its span is too: that is CVE-2017-15105
 *    (Unbound) and CVE-2017-15107 (dnsmasq).  Nothing here can tell,
 *    since the records come without their RRSIGs.
 * Records of other types, records outside c->zone, NSEC records whose
 * span leaves the zone and NSEC3 records whose owner is not
 * <base32hex hash>.<zone> are ignored.  The functions read the records
 * and qname only; nothing is kept after they return.
 */
#ifndef MXSEC_DENIAL_H
#define MXSEC_DENIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"

typedef enum denial_result {
	DENIAL_PROVEN = 0,
	DENIAL_INSECURE,
	DENIAL_BOGUS,
} denial_result;

typedef struct denial_ctx {
	const uint8_t *zone;        /* the zone the records come from */
	unsigned max_iterations;    /* nsec3-max-iterations (default 150) */
	unsigned *hash_budget;      /* NSEC3 hashes left for this client
	                               query; each hash takes one; at 0 the
	                               proof fails (KeyTrap, CVE-2023-50868).
	                               Required: NULL counts as used up. */
} denial_ctx;

typedef struct denial_out {
	const char *why;            /* static text */
	uint16_t ede;
	/* For an NXDOMAIN, wildcard or wildcard-NODATA proof (NSEC or
	 * NSEC3) that did not fail: the closest encloser found (points
	 * into the caller's qname).  NULL otherwise. */
	const uint8_t *closest_encloser;
} denial_out;

/* Was an NSEC or NSEC3 with this owner synthesized from a wildcard?
 * rrsig_labels is the Labels field of the RRSIG that verified it (see
 * val_out.labels).  True: the record must not be given to the functions
 * below (RFC 4035 5.3.4 needs the NSEC's own name; CVE-2017-15105,
 * CVE-2017-15107). */
bool denial_rr_expanded(const uint8_t *owner, unsigned rrsig_labels);

/* Does the NSEC (owner, next) span cover name: owner < name < next in
 * canonical order, with the last NSEC's next name wrapping to the apex
 * (RFC 4034 4.1.1, 6.1)?  Owner equal to name does not cover it. */
bool nsec_covers(const uint8_t *owner, const uint8_t *next,
    const uint8_t *name);

/* NSEC: name does not exist and no wildcard could have produced it
 * (RFC 4035 5.4: an NSEC covering qname and one covering the wildcard at
 * the closest encloser; RFC 6840 4.1 the closest encloser must not be a
 * delegation or DNAME). */
denial_result nsec_nxdomain(const denial_ctx *c, const msg_rr *nsec,
    size_t n, const uint8_t *qname, denial_out *out);
/* NSEC: qname exists but has no qtype (and no CNAME), or qname is an empty
 * non-terminal, or qname is covered and the wildcard at its closest
 * encloser exists without qtype (wildcard NODATA, RFC 4035 3.1.3.4).
 * For DS at a delegation the NSEC must be the parent-side one (NS set,
 * SOA clear, RFC 6840 4.4); the child's apex NSEC (SOA set) cannot deny
 * a DS, except at the root.  For other types a parent-side NSEC (NS set,
 * SOA clear) is not authoritative: bogus. */
denial_result nsec_nodata(const denial_ctx *c, const msg_rr *nsec,
    size_t n, const uint8_t *qname, uint16_t qtype, denial_out *out);
/* NSEC: a wildcard answer for qname (RRSIG labels < labels of qname) is
 * legitimate: an NSEC covers qname, so no closer match exists (RFC 4035
 * 5.3.4).  rrsig_labels is the Labels field of the answer's RRSIG. */
denial_result nsec_wildcard(const denial_ctx *c, const msg_rr *nsec,
    size_t n, const uint8_t *qname, unsigned rrsig_labels, denial_out *out);
/* NSEC: the delegation at name has no DS: an NSEC owned by name with NS
 * set and DS and SOA clear (RFC 4035 5.2). */
denial_result nsec_no_ds(const denial_ctx *c, const msg_rr *nsec,
    size_t n, const uint8_t *name, denial_out *out);

/* NSEC3 versions (RFC 5155 8.3-8.9): closest encloser proof, opt-out
 * (9.2: an opt-out NSEC3 covering the next closer name makes the proof
 * insecure: NXDOMAIN, wildcard, wildcard NODATA, a missing DS (8.6), an
 * empty non-terminal above an unsigned delegation (errata 3441)),
 * iteration limit and hash budget.  All usable NSEC3 records must share
 * salt and iterations (8.2; bogus otherwise); records with a hash
 * algorithm other than 1 or flags other than opt-out are ignored (8.1,
 * 8.2).  The DS and delegation rules are those of the NSEC versions. */
denial_result nsec3_nxdomain(const denial_ctx *c, const msg_rr *nsec3,
    size_t n, const uint8_t *qname, denial_out *out);
denial_result nsec3_nodata(const denial_ctx *c, const msg_rr *nsec3,
    size_t n, const uint8_t *qname, uint16_t qtype, denial_out *out);
denial_result nsec3_wildcard(const denial_ctx *c, const msg_rr *nsec3,
    size_t n, const uint8_t *qname, unsigned rrsig_labels, denial_out *out);
denial_result nsec3_no_ds(const denial_ctx *c, const msg_rr *nsec3,
    size_t n, const uint8_t *name, denial_out *out);

#endif
