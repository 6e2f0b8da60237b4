/*
 * zone.h: zone-file reader (RFC 1035 5), enough for root hints, trust-
 * anchor files (including unbound's root.key and auto-trust-anchor-file
 * formats) and test data: $ORIGIN, $TTL, comments, parentheses, quoted
 * strings, relative names, "@", omitted owner/TTL/class.  $INCLUDE and
 * $GENERATE are rejected.
 */
#ifndef MXSEC_ZONE_H
#define MXSEC_ZONE_H

#include <stddef.h>
#include <stdint.h>

#include "name.h"
#include "rdata.h"

/* Most tokens in one record (all lines of a parenthesised record): room
 * for a full NSEC type bitmap or a TXT of 65535 empty strings. */
#define ZONE_MAX_TOKENS 65600

typedef struct zone_rr {
	uint8_t owner[NAME_MAX_WIRE];
	size_t owner_len;
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	size_t rdlen;
	uint8_t rdata[RDATA_MAX];
	/* The last comment inside the record or on the line that ends it,
	 * without its ';' (NULL, 0 if none).  Points into the reader's text.
	 * Unbound's auto-trust-anchor-file keeps key state there:
	 * "{id = 20326 (ksk), size = 2048b} ;;state=2 [  VALID  ] ...". */
	const char *comment;
	size_t comment_len;
} zone_rr;

typedef struct zone_reader {
	const char *text;          /* input, not owned */
	size_t len;
	size_t pos;
	const char *filename;      /* for messages; not owned */
	unsigned line;             /* line of the last record or error */
	unsigned next_line;        /* internal: line at pos */
	uint8_t origin[NAME_MAX_WIRE];
	uint32_t default_ttl;
	int have_ttl;
	uint8_t last_owner[NAME_MAX_WIRE];
	int have_owner;
	uint16_t last_class;
	char errmsg[160];          /* reason of the last error */
} zone_reader;

/* text need not be NUL-terminated and must outlive the reader.  origin may
 * be NULL (root). */
void zone_reader_init(zone_reader *z, const char *text, size_t len,
    const char *filename, const uint8_t *origin, uint32_t default_ttl);
/* 1: a record in *rr; 0: end of input; <0: error, with z->line and
 * z->errmsg set.  After an error the reader skips to the next line, so a
 * caller may go on to collect more errors.
 *
 * An omitted class is the previous record's (IN for the first).  An
 * omitted TTL is the $TTL value (RFC 2308 4); before any $TTL it is the
 * last TTL given explicitly (RFC 1035 5.1), and before that default_ttl.
 * TTLs accept BIND units (1h30m), up to 2^32-1: whatever a message holds
 * reads back (capping per RFC 2181 8 is the cache's business).  Any class
 * and type are accepted, so callers check what they allow.  Relative
 * names are completed with $ORIGIN (initially origin). */
int zone_next(zone_reader *z, zone_rr *rr);

/* Read a whole file into a malloc'ed NUL-terminated buffer (max size
 * bytes; larger files fail with MX_ELIMIT).  Caller frees.  MX_EIO leaves
 * errno set. */
int zone_slurp(const char *path, size_t max, char **text, size_t *len);

#endif
