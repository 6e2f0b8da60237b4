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

typedef struct zone_rr {
	uint8_t owner[NAME_MAX_WIRE];
	size_t owner_len;
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	size_t rdlen;
	uint8_t rdata[RDATA_MAX];
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
 * caller may go on to collect more errors. */
int zone_next(zone_reader *z, zone_rr *rr);

/* Read a whole file into a malloc'ed NUL-terminated buffer (max size
 * bytes).  Caller frees. */
int zone_slurp(const char *path, size_t max, char **text, size_t *len);

#endif
