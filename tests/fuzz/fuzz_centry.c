/*
 * fuzz_centry.c: cache values (answers, and MTA-STS policies) and keys
 * read back from the cache file.  A
 * value that decodes must encode to the same bytes and decode again; a
 * key that reads as a name must make a key again.  The input is decoded
 * as it is, and once more with its CRC made right, or mutations would
 * rarely get past the CRC to the parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache_int.h"
#include "name.h"
#include "entry.h"
#include "region.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
value(const uint8_t *data, size_t size, uint8_t *buf)
{
	region reg;
	centry e, f;
	size_t len;

	region_init(&reg, 0);
	if (centry_decode(data, size, &reg, &e) == 0 &&
	    (centry_encode(&e, buf, size, &len) != 0 || len != size ||
	    memcmp(buf, data, size) != 0 || centry_decode(buf, len, &reg, &f) != 0 ||
	    f.count[0] != e.count[0] || f.count[1] != e.count[1]))
		abort();
	region_free(&reg);
	/* The same bytes as a stored MTA-STS policy. */
	cache_sts p;
	if (cache_sts_decode(data, size, &p) == 0 &&
	    (p.len > CACHE_STS_BODY_MAX || p.expires < p.fetched ||
	    strlen(p.id) < 1 || strlen(p.id) > 32 ||
	    strlen(p.error) > CACHE_STS_ERR_MAX ||
	    (p.len > 0 && (p.body < data || p.body + p.len > data + size))))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t name[NAME_MAX_WIRE], key[CKEY_MAX];
	uint8_t *buf = malloc(size + 1), *sealed = malloc(size ? size : 1);
	size_t used;

	if (buf != NULL && sealed != NULL) {
		value(data, size, buf);
		if (size >= 4) {
			uint32_t c = ccsum(data, size - 4);
			memcpy(sealed, data, size - 4);
			for (int i = 0; i < 4; i++)
				sealed[size - 4 + i] = (uint8_t)(c >> (24 - 8 * i));
			value(sealed, size, buf);
		}
	}
	if (ckey_to_name(data, size, name, &used) == 0 &&
	    (used > size || ckey_name(name, key, sizeof(key)) < 0))
		abort();
	free(buf);
	free(sealed);
	return 0;
}
