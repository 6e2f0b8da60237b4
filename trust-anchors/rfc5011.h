/*
 * rfc5011.h: automated updates of DNSSEC trust anchors (RFC 5011).
 *
 * One r5011_zone holds the state of one anchored zone: its keys, each in
 * a state of RFC 5011 4 (Start is "not in the list"), and the probe
 * schedule of RFC 5011 2.3.  The module is pure: the caller fetches the
 * zone's DNSKEY RRset (with its RRSIGs), passes it in with the current
 * time, and reads back the trusted keys and the next probe time.  The
 * only I/O is r5011_load()/r5011_save() on the module's own state file.
 *
 * Engine hook: after seeding or loading, call r5011_update() with every
 * DNSKEY answer for the anchored zone (from a periodic probe at
 * r5011_next_probe(), or from ordinary resolution), then, if it returns
 * R5011_CHANGED, r5011_save() and hand r5011_trusted() to the validator
 * as the zone's anchors.  On a failed probe (timeout, SERVFAIL, or any
 * r5011_update() error) call r5011_probe_failed() so the retry time of
 * RFC 5011 2.3 applies.
 *
 * Rules (RFC 5011 2.4, 4):
 *  - An RRset is used only if a currently trusted key (Valid or Missing,
 *    unrevoked form) verifies it; otherwise nothing changes (MX_EVERIFY).
 *    While only DS seeds are known, the RRset is checked against them
 *    (RFC 4035 5.2) and the DNSKEYs they match become Valid at once.
 *  - A new SEP key (flags 257: zone key + SEP, no REVOKE) enters AddPend
 *    and becomes Valid once it has been present in every verified RRset
 *    for the add hold-down: max(30 days, original TTL) (2.4.1).  Missing
 *    from one verified RRset sends it back to Start (it is forgotten).
 *  - A key with the REVOKE bit whose unrevoked form we hold, and whose
 *    revoked form self-signs the RRset, is Revoked at once (2.1): no
 *    longer trusted.  This needs no other signature.  Revoked keys go to
 *    Removed after the remove hold-down (30 days, 2.4.2).
 *  - A Valid key absent from a verified RRset goes to Missing (still
 *    trusted, 4: KeyRem); present again it goes back to Valid.  Nothing
 *    but revocation takes a key out of the trusted set.
 *
 * State file (text, one zone; read as untrusted input):
 *
 *   ; mxsec RFC 5011 state
 *   ;;r5011: 1
 *   ;;last_success: 1893456000
 *   ;;next_probe: 1893459600
 *   ;;query_interval: 3600
 *   ;;retry: 3600
 *   example. 3600 IN DNSKEY 257 3 13 mkY3...== ;state=valid first=1893456000 changed=1893456000
 *   example. 0 IN DS 34781 13 2 637B... ;state=seed first=0 changed=0
 *
 * Lines starting with ";;" before the first record are "key: decimal"
 * metadata; ";;r5011: 1" (the version) is required.  Records are zone-
 * file lines read with the zone reader; each carries one trailing
 * comment "state=S first=T changed=T" with S one of addpend, valid,
 * missing, revoked, removed (DNSKEY) or seed (DS), times in seconds since
 * the epoch.  All records must have one owner, the anchored zone.  A
 * revoked key is stored in its revoked form (REVOKE bit set).  Errors
 * come back as "FILE:LINE: reason".
 *
 * Ownership: the zone owns its keys (malloc'ed rdata); r5011_free()
 * releases them.  Pointers from r5011_trusted() live until the next
 * r5011_update(), r5011_load(), r5011_seed() or r5011_free().
 */
#ifndef MXSEC_RFC5011_H
#define MXSEC_RFC5011_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "msg.h"
#include "name.h"
#include "ta.h"

#define R5011_ADD_HOLDDOWN    (30 * 86400)   /* RFC 5011 2.4.1 */
#define R5011_REMOVE_HOLDDOWN (30 * 86400)   /* RFC 5011 2.4.2 */
#define R5011_MAX_KEYS        64             /* per zone, against floods */

/* RFC 5011 4; Start is "not in the list".  SEED is not a key state: a
 * configured DS waiting for its DNSKEY. */
typedef enum r5011_kstate {
	R5011_ADDPEND = 1,
	R5011_VALID,
	R5011_MISSING,
	R5011_REVOKED,
	R5011_REMOVED,
	R5011_SEED,
} r5011_kstate;

typedef struct r5011_key {
	uint16_t type;          /* RR_DNSKEY, or RR_DS for a seed */
	uint16_t rdlen;
	uint8_t *rdata;         /* malloc'ed; a revoked key in revoked form */
	uint16_t keytag;        /* of rdata as held (RFC 5011 2.1: changes
	                           when the REVOKE bit is set) */
	r5011_kstate state;
	uint32_t ttl;
	int64_t first_seen;     /* entered the current state's "life" */
	int64_t last_change;    /* last state change: hold-downs count from it */
} r5011_key;

typedef struct r5011_zone {
	uint8_t owner[NAME_MAX_WIRE];
	r5011_key *keys;
	size_t n, cap;
	int64_t last_success;   /* last verified RRset */
	int64_t next_probe;     /* when to fetch the DNSKEY RRset again */
	uint32_t query_interval;  /* RFC 5011 2.3 */
	uint32_t retry;
} r5011_zone;

/* r5011_update() results besides errors. */
enum { R5011_UNCHANGED = 0, R5011_CHANGED = 1 };

void r5011_init(r5011_zone *z, const uint8_t *owner);
void r5011_free(r5011_zone *z);

/* Seed from the configured anchors for z->owner (others are skipped):
 * DNSKEYs become Valid, DS become seeds.  MX_ENOTFOUND if the store has
 * none for this zone. */
int r5011_seed(r5011_zone *z, const ta_store *s, time_t now);

/*
 * Process a DNSKEY answer for the zone: keys (the DNSKEY records; others
 * are ignored), sigs (its RRSIGs).  budget: signature verifications
 * allowed (KeyTrap, val_sig.h; 16 is plenty).  Returns R5011_CHANGED,
 * R5011_UNCHANGED, MX_EVERIFY (not signed by a trusted key: ignored, no
 * state change), MX_ENOMEM.  A self-signed revocation is applied even
 * when no other trusted key signs the RRset; then the result is
 * R5011_CHANGED although the rest of the RRset was ignored.  why (may be NULL) gets a
 * static reason on MX_EVERIFY.  Schedules the next probe either way.
 */
int r5011_update(r5011_zone *z, const msg_rr *keys, size_t nkeys,
    const msg_rr *sigs, size_t nsigs, time_t now, unsigned budget,
    const char **why);

/* A probe failed: next probe after the retry time (RFC 5011 2.3). */
void r5011_probe_failed(r5011_zone *z, time_t now);
int64_t r5011_next_probe(const r5011_zone *z);

/* The trusted DNSKEYs (Valid and Missing): up to max records written to
 * out (owner points into z, rdata into z's keys).  Returns the count of
 * trusted keys, which may exceed max. */
size_t r5011_trusted(const r5011_zone *z, msg_rr *out, size_t max);

/* Find a key by key tag (as held) and type; NULL if absent. */
const r5011_key *r5011_find(const r5011_zone *z, uint16_t type,
    uint16_t keytag);

const char *r5011_state_str(r5011_kstate s);

/*
 * State file.  r5011_load_text/r5011_load replace z's keys on success
 * only; on error z is unchanged and err has "NAME:LINE: reason".
 * r5011_load gives MX_ENOTFOUND when the file does not exist (seed
 * then).  r5011_save writes PATH.tmp (mode 0644), fsyncs it, renames it
 * over PATH and fsyncs the directory; if any step up to the rename
 * fails, PATH is untouched and PATH.tmp removed.  MX_EIO with a reason
 * in err (a failed directory fsync after the rename is reported too: the
 * new file is in place but may not survive a crash).
 */
int r5011_load_text(r5011_zone *z, const char *text, size_t len,
    const char *name, char *err, size_t errlen);
int r5011_load(r5011_zone *z, const char *path, char *err, size_t errlen);
/* The state file text, malloc'ed and NUL-terminated; caller frees. */
int r5011_format(const r5011_zone *z, char **text, size_t *len);
int r5011_save(const r5011_zone *z, const char *path, char *err,
    size_t errlen);

#endif
