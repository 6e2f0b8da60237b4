/*
 * name.h: domain names.
 *
 * Inside mxsec a name is its uncompressed wire form (RFC 1035 3.1): length-
 * prefixed labels ending with the root label, at most NAME_MAX_WIRE octets.
 * Functions that take a "const uint8_t *name" expect a name that has already
 * been checked by name_read() or name_from_str(); the untrusted entry points
 * are those two.
 */
#ifndef MXSEC_NAME_H
#define MXSEC_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define NAME_MAX_WIRE 255   /* RFC 1035 2.3.4 */
#define LABEL_MAX 63        /* RFC 1035 2.3.4 */
/* Longest presentation form: every octet as \DDD, plus dots and NUL. */
#define NAME_MAX_STR (NAME_MAX_WIRE * 4 + 2)

/* Read a possibly compressed name at the cursor into out (RFC 1035 4.1.4).
 * Rejects, per RFC 9267: pointer loops and pointers that do not point
 * strictly backwards, pointers past the message, labels over 63 octets,
 * names over 255 octets, reserved label types.  On error sets r->err and
 * returns it; out then holds the root name.  *outlen may be NULL. */
int name_read(wire_rd *r, uint8_t out[NAME_MAX_WIRE], size_t *outlen);
/* As name_read but a compression pointer is an error (RRSIG signer, NSEC
 * next name: RFC 4034 3.1.7, 4.1.1). */
int name_read_nocomp(wire_rd *r, uint8_t out[NAME_MAX_WIRE], size_t *outlen);
/* Write a name, compressed against earlier names written with compress
 * true.  With compress false the name is written in full and not
 * remembered. */
void name_write(wire_wr *w, const uint8_t *name, bool compress);

/* Length in octets of a checked name, root label included. */
size_t name_len(const uint8_t *name);
/* Labels, not counting the root label. */
unsigned name_labels(const uint8_t *name);
/* True if the first label is "*". */
bool name_is_wildcard(const uint8_t *name);
bool name_is_root(const uint8_t *name);
/* Pointer to the parent name (inside name); the root has no parent: NULL. */
const uint8_t *name_parent(const uint8_t *name);
/* Strip labels until 'keep' labels remain; pointer into name. */
const uint8_t *name_suffix(const uint8_t *name, unsigned keep);

/* Case-insensitive (ASCII only, RFC 4343) equality. */
bool name_eq(const uint8_t *a, const uint8_t *b);
/* True if a equals b or is below it. */
bool name_is_subdomain(const uint8_t *a, const uint8_t *b);
/* True if a is strictly below b. */
bool name_is_below(const uint8_t *a, const uint8_t *b);
/* Canonical DNS name order (RFC 4034 6.1): <0, 0, >0. */
int name_canon_cmp(const uint8_t *a, const uint8_t *b);
/* Lower-case in place (RFC 4034 6.2). */
void name_lower(uint8_t *name);
/* Copy a checked name; returns its length. */
size_t name_copy(uint8_t out[NAME_MAX_WIRE], const uint8_t *name);
/* Fold a name into a hash value (case-insensitive). */
uint32_t name_hash(const uint8_t *name, uint32_t seed);

/*
 * Presentation format (RFC 1035 5.1, RFC 4343 2.1).
 * name_from_str parses s[0..len): "\DDD" and "\X" escapes, "@" for the
 * origin, and relative names completed with origin.  With origin NULL
 * every name is taken as absolute and "@" is an error.  "." is the root.
 * On error out holds the root name.
 */
int name_from_str(const char *s, size_t len, const uint8_t *origin,
    uint8_t out[NAME_MAX_WIRE], size_t *outlen);
/* Convenience for NUL-terminated absolute names ("example.com" and
 * "example.com." both mean the same). */
int name_from_cstr(const char *s, uint8_t out[NAME_MAX_WIRE]);
/* Absolute presentation form with trailing dot; escapes '.', '\\', '"',
 * '(', ')', ';', '@', '$' and non-printables as \DDD.  Returns length or
 * MX_ESPACE. */
int name_to_str(const uint8_t *name, char *buf, size_t cap);

#endif
