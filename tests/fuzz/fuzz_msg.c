/*
 * fuzz_msg.c: DNS message parsing.  Besides "no crash", checks that what
 * parses can be written again, that writing is stable, and that every
 * record survives presentation format and back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "rdata.h"
#include "region.h"
#include "zone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_presentation(const msg_rr *rr)
{
	static char line[NAME_MAX_STR + 4 * RDATA_MAX + 64];
	static zone_rr zr;
	zone_reader z;

	if (rr_to_str(rr, line, sizeof(line)) < 0)
		abort();
	zone_reader_init(&z, line, strlen(line), "fuzz", NULL, 0);
	if (zone_next(&z, &zr) != 1)
		abort();
	if (zr.type != rr->type || zr.rdlen != rr->rdlen ||
	    memcmp(zr.rdata, rr->rdata, rr->rdlen) != 0 ||
	    !name_eq(zr.owner, rr->owner))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out1[65535], out2[65535];
	region reg;
	msg m, m2;
	size_t len1, len2;

	region_init(&reg, 0);
	if (msg_parse(data, size, &reg, &m) == 0) {
		for (int s = 0; s < SEC_COUNT; s++)
			for (uint16_t i = 0; i < m.count[s]; i++)
				check_presentation(&m.rr[s][i]);
		if (msg_write(&m, out1, sizeof(out1), &len1) == 0) {
			if (msg_parse(out1, len1, &reg, &m2) != 0)
				abort();
			if (msg_write(&m2, out2, sizeof(out2), &len2) != 0 ||
			    len1 != len2 || memcmp(out1, out2, len1) != 0)
				abort();
		}
	}
	region_free(&reg);
	return 0;
}
