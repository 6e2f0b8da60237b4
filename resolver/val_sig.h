/*
 * val_sig.h: checking RRSIGs (RFC 4035 5.3) and DNSKEY RRsets against DS
 * records (RFC 4035 5.2).  Pure functions: the records, the time and the
 * limits come in, a verdict and its reason go out.  The key chain and the
 * fetching of keys are the validator's (val.c) business.
 *
 * KeyTrap (CVE-2023-50387): every signature verification takes one unit
 * of *budget (shared by everything one client query causes), at most
 * max_sigs RRSIGs are tried per RRset and at most max_key_tries DNSKEYs
 * per RRSIG (key-tag collisions).  Past a limit the answer is bogus, and
 * no more CPU is spent on it.
 */
#ifndef MXSEC_VAL_SIG_H
#define MXSEC_VAL_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "msg.h"
#include "rrset.h"
#include "status.h"

typedef struct val_limits {
	unsigned *budget;          /* signature verifications left */
	unsigned max_sigs;         /* RRSIGs tried per RRset (8) */
	unsigned max_key_tries;    /* DNSKEYs tried per RRSIG (4) */
	uint32_t skew;             /* seconds of clock skew allowed (0) */
} val_limits;

typedef struct val_out {
	sec_status status;         /* SECURE or BOGUS; INSECURE from the DS
	                              check when no DS is usable */
	uint16_t ede;              /* RFC 8914 code when not secure */
	const char *why;           /* static reason */
	uint16_t keytag;           /* key that verified, or that failed */
	unsigned labels;           /* Labels field of the RRSIG that verified */
	uint32_t ttl;              /* TTL the RRset may be kept: capped by the
	                              RRSIG's original TTL and expiration */
} val_out;

/*
 * Verify an RRset with the DNSKEYs of zone.  sigs: all RRSIG records of
 * the message section (only those over this RRset are looked at).  keys:
 * the zone's DNSKEY RRset (already trusted).  The RRset must be in zone,
 * the RRSIG's signer must be zone (RFC 4035 5.3.1), and its Labels field
 * decides whether the answer came from a wildcard (out->labels <
 * name_labels(owner)); proving that no closer name exists is the
 * caller's job (RFC 4035 5.3.4).
 */
void val_rrset(const rrset *set, const msg_rr *sigs, size_t nsigs,
    const uint8_t *zone, const msg_rr *keys, size_t nkeys, time_t now,
    const val_limits *lim, val_out *out);

/*
 * A zone's DNSKEY RRset against its DS RRset (RFC 4035 5.2): some DS with
 * a supported algorithm and digest matches a DNSKEY (zone key, protocol
 * 3, not revoked), and that key signs the DNSKEY RRset.  A SHA-1 DS is
 * not used when a SHA-256 or SHA-384 DS exists for the same key (RFC 4509
 * 3).  No DS with a supported algorithm and digest: INSECURE (RFC 4035
 * 5.2, RFC 6840 5.2).  keys and sigs are the records of the DNSKEY
 * answer.
 */
void val_dnskey_ds(const msg_rr *keys, size_t nkeys, const msg_rr *sigs,
    size_t nsigs, const msg_rr *ds, size_t nds, const uint8_t *zone,
    time_t now, const val_limits *lim, val_out *out);

/* Does this DS match this DNSKEY (key tag, algorithm, digest)? */
bool val_ds_matches(const msg_rr *ds, const msg_rr *dnskey);

#endif
