/*
 * ta.h: the trust-anchor store: built-in root anchors and anchor files.
 *
 * An anchor is a DS or DNSKEY record for any name (DESIGN.md: files may
 * anchor any name, not only the root).  Files are read with the zone-file
 * reader, so unbound's root.key and auto-trust-anchor-file formats are
 * accepted as they are.  RFC 5011 updates of these anchors are in
 * rfc5011.h (seeded from this store); negative anchors come with the
 * validation work.
 *
 * Ownership: the store owns its entries; ta_store_free() releases them.
 */
#ifndef MXSEC_TA_H
#define MXSEC_TA_H

#include <stddef.h>
#include <stdint.h>

#include "name.h"

typedef struct ta_entry {
	uint8_t owner[NAME_MAX_WIRE];
	uint16_t type;          /* RR_DS or RR_DNSKEY */
	uint16_t rdlen;
	uint8_t *rdata;         /* malloc'ed */
	uint16_t keytag;        /* of the DS, or computed for a DNSKEY */
	uint8_t algorithm;
} ta_entry;

typedef struct ta_store {
	ta_entry *v;
	size_t n;
	size_t cap;
} ta_store;

void ta_store_init(ta_store *s);
void ta_store_free(ta_store *s);
/* The IANA root anchors: KSK-2017 (20326) and KSK-2024 (38696), as DS. */
int ta_store_add_builtin(ta_store *s);
/* Add every record of a zone-format text.  On error nothing is added and
 * err holds "NAME:LINE: reason". */
int ta_store_load_text(ta_store *s, const char *text, size_t len,
    const char *name, char *err, size_t errlen);
int ta_store_load_file(ta_store *s, const char *path, char *err,
    size_t errlen);

#endif
