/*
 * fuzz_zone.c: the zone-file reader (anchor files, root hints).  Every
 * record it returns must pass rdata_check and survive printing and
 * reading back; errors must carry a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "rdata.h"
#include "zone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static zone_rr rr, back;
	static char text[RDATA_STR_MAX];
	static char line[RDATA_STR_MAX + NAME_MAX_STR + 64];
	zone_reader z, z2;
	int rc, guard = 0;

	zone_reader_init(&z, (const char *)data, size, "fuzz", NULL, 3600);
	while ((rc = zone_next(&z, &rr)) != 0 && guard++ < 10000) {
		if (rc < 0) {
			if (z.errmsg[0] == 0)
				abort();
			continue;
		}
		if (rdata_check(rr.type, rr.rdata, rr.rdlen) != 0)
			abort();
		char owner[NAME_MAX_STR];
		if (name_to_str(rr.owner, owner, sizeof(owner)) < 0 ||
		    rdata_to_str(rr.type, rr.rdata, rr.rdlen, text, sizeof(text)) < 0)
			abort();
		int n = snprintf(line, sizeof(line), "%s %u CLASS%u TYPE%u %s",
		    owner, rr.ttl, rr.rclass, rr.type, text);
		zone_reader_init(&z2, line, (size_t)n, "back", NULL, 0);
		if (zone_next(&z2, &back) != 1 || back.rdlen != rr.rdlen ||
		    memcmp(back.rdata, rr.rdata, rr.rdlen) != 0 ||
		    !name_eq(back.owner, rr.owner)) {
			fprintf(stderr, "fuzz_zone: does not read back: %s\n", line);
			abort();
		}
	}
	return 0;
}
