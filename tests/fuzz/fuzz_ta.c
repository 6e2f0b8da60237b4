/*
 * fuzz_ta.c: trust-anchor files (ta_store_load_text: the zone reader plus
 * the anchor checks).  A file loads all or nothing; an error says
 * file:line; every anchor kept is a DS or a zone-key DNSKEY.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rrtype.h"
#include "ta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ta_store s;
	char err[256];

	ta_store_init(&s);
	if (ta_store_load_text(&s, (const char *)data, size, "fuzz", err,
	    sizeof(err)) != 0) {
		if (s.n != 0 || strncmp(err, "fuzz", 4) != 0)
			abort();
	}
	for (size_t i = 0; i < s.n; i++)
		if (s.v[i].type != RR_DS &&
		    (s.v[i].type != RR_DNSKEY || !(s.v[i].rdata[0] & 1)))
			abort();
	ta_store_free(&s);
	return 0;
}
