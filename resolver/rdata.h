/*
 * rdata.h: typed RDATA in both directions, wire and presentation.
 *
 * Each known type has a descriptor of its fields (names, integers,
 * strings, base64, hex, type bitmaps ...); all functions below walk that
 * descriptor, so adding a type is one table entry.  Types without a
 * descriptor are RFC 3597 unknown types: opaque on the wire, "\# len hex"
 * in presentation.
 *
 * RDATA held inside mxsec is "expanded": names are uncompressed, so a
 * byte string is self-contained and can be compared, hashed, stored.
 */
#ifndef MXSEC_RDATA_H
#define MXSEC_RDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* RDATA can be at most 65535 octets (RFC 1035 3.2.1, RDLENGTH is 16 bits). */
#define RDATA_MAX 65535
/* Longest text rdata_to_str can produce, NUL included: the worst case is
 * a type bitmap with every type set, 65536 mnemonics of at most nine
 * characters ("TYPE65535") plus a space each; the other fields of an
 * NSEC or NSEC3 add under 2 KiB.  (A TXT of escaped octets is about 4
 * characters per octet, 262 KiB.) */
#define RDATA_STR_MAX (65536 * 10 + 2048)

/* Read rdlen octets of RDATA of the given type at the cursor, check the
 * field structure, and write the expanded RDATA to out.  Names are
 * decompressed where RFC 3597 4 allows compression; elsewhere a pointer is
 * an error.  Errors are also set on r: MX_ETRUNC when rdlen runs past the
 * cursor's limit, MX_EFORMAT for RDATA that does not fit its type (short,
 * trailing octets, bad bitmap ...), a name_read() error, or MX_ESPACE when
 * cap is too small.  The cursor ends exactly rdlen octets further on
 * success; *outlen is 0 on failure. */
int rdata_read(wire_rd *r, uint16_t type, uint16_t rdlen,
    uint8_t *out, size_t cap, size_t *outlen);
/* Check expanded RDATA (from a zone file, a cache value) against the
 * descriptor.  0 or MX_EFORMAT. */
int rdata_check(uint16_t type, const uint8_t *rd, size_t len);
/* Write expanded RDATA; names are compressed only for the RFC 1035 types
 * that allow it (RFC 3597 4) and only when compress is true.  The caller
 * writes RDLENGTH (the result length may be shorter than len).  RDATA
 * that fails rdata_check goes out unchanged. */
void rdata_write(wire_wr *w, uint16_t type, const uint8_t *rd, size_t len,
    bool compress);
/* Canonical RDATA in place (RFC 4034 6.2, as corrected by RFC 6840 5.1):
 * lower-case embedded names of the listed types.  Same length. */
void rdata_canonicalize(uint16_t type, uint8_t *rd, size_t len);
/* Call fn for each domain name embedded in expanded RDATA (for glue and
 * bailiwick checks); stops and returns fn's value when nonzero.  The name
 * points into rd.  MX_EFORMAT if rd fails rdata_check. */
int rdata_foreach_name(uint16_t type, const uint8_t *rd, size_t len,
    int (*fn)(const uint8_t *name, void *arg), void *arg);

/* Presentation form of expanded RDATA (no owner/ttl/class/type), one line;
 * returns the length written (NUL excluded) or MX_ESPACE / MX_EFORMAT.
 * Hex is upper case, base64 unbroken, names absolute, strings quoted.
 * Unknown types, OPT and an empty key or digest print as "\# len hex"
 * (RFC 3597 5), which rdata_from_tokens reads back. */
int rdata_to_str(uint16_t type, const uint8_t *rd, size_t len,
    char *buf, size_t cap);

/* A token of a zone-file line; quoted tokens keep their escapes.  For a
 * quoted token s/len is the text between the quotes. */
typedef struct rdata_tok {
	const char *s;
	size_t len;
	bool quoted;
} rdata_tok;

/* Parse presentation RDATA from tokens.  Relative names are completed
 * with origin.  "\# len hex" is accepted for every type (RFC 3597 5).
 * On error returns a negative code and points *errtok at the offending
 * token index when it can (may be NULL). */
int rdata_from_tokens(uint16_t type, const rdata_tok *tok, size_t ntok,
    const uint8_t *origin, uint8_t *out, size_t cap, size_t *outlen,
    size_t *errtok);

/* Why rdata_parse_tokens failed, for messages such as "bad IPv4 address
 * '1.2.3'" or "missing domain name".  tok is the offending token index
 * (ntok when tokens ran out). */
typedef struct rdata_perr {
	size_t tok;
	char msg[120];
} rdata_perr;

/* rdata_from_tokens with a readable reason; pe may be NULL. */
int rdata_parse_tokens(uint16_t type, const rdata_tok *tok, size_t ntok,
    const uint8_t *origin, uint8_t *out, size_t cap, size_t *outlen,
    rdata_perr *pe);

/* A TTL: decimal seconds, or BIND units ("1h30m", "2d", "1w"; s m h d w,
 * any case).  At most 2^32-1; MX_ESYNTAX or MX_ERANGE otherwise. */
int rdata_ttl_from_str(const char *s, size_t len, uint32_t *ttl);

/* Type bitmaps (RFC 4034 4.1.2): is 'type' set in the bitmap field? */
bool rdata_bitmap_has(const uint8_t *bm, size_t len, uint16_t type);

/* DNSKEY key tag (RFC 4034 Appendix B; algorithm 1 per B.1). */
uint16_t rdata_keytag(const uint8_t *dnskey_rdata, size_t len);

#endif
