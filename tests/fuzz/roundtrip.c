/*
 * roundtrip.c: what parses must print and read back to the same records
 * (presentation format through the zone-file reader), and must write
 * and parse back to the same message, with writing stable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "name.h"
#include "rdata.h"
#include "region.h"
#include "roundtrip.h"
#include "zone.h"

static int
check_rr(const msg_rr *rr, char *why, size_t whylen)
{
	static char line[NAME_MAX_STR + RDATA_STR_MAX + 64];
	static zone_rr zr;
	zone_reader z;
	int rc;

	if (rr_to_str(rr, line, sizeof(line)) < 0) {
		snprintf(why, whylen, "record does not print");
		return -1;
	}
	zone_reader_init(&z, line, strlen(line), "roundtrip", NULL, 0);
	if ((rc = zone_next(&z, &zr)) != 1) {
		snprintf(why, whylen, "printed record does not read back (%s): %.200s",
		    z.errmsg, line);
		return -1;
	}
	if (zr.type != rr->type || zr.rclass != rr->rclass || zr.ttl != rr->ttl ||
	    zr.rdlen != rr->rdlen || memcmp(zr.rdata, rr->rdata, rr->rdlen) != 0 ||
	    !name_eq(zr.owner, rr->owner)) {
		snprintf(why, whylen, "record changed through presentation: %.200s", line);
		return -1;
	}
	return 0;
}

static bool
same_msg(const msg *a, const msg *b)
{
	if (a->id != b->id || a->flags != b->flags || a->rcode != b->rcode ||
	    a->qdcount != b->qdcount || a->qtype != b->qtype ||
	    a->qclass != b->qclass || a->edns.present != b->edns.present ||
	    a->edns.nopts != b->edns.nopts || a->edns.flags != b->edns.flags)
		return false;
	if (a->qname && !name_eq(a->qname, b->qname))
		return false;
	for (int s = 0; s < SEC_COUNT; s++) {
		if (a->count[s] != b->count[s])
			return false;
		for (uint16_t i = 0; i < a->count[s]; i++) {
			const msg_rr *x = &a->rr[s][i], *y = &b->rr[s][i];
			if (x->type != y->type || x->rclass != y->rclass ||
			    x->ttl != y->ttl || x->rdlen != y->rdlen ||
			    memcmp(x->rdata, y->rdata, x->rdlen) != 0 ||
			    !name_eq(x->owner, y->owner))
				return false;
		}
	}
	return true;
}

int
roundtrip_check(const uint8_t *data, size_t size, char *why, size_t whylen)
{
	static uint8_t out1[65535], out2[65535];
	region reg;
	msg m, m2;
	size_t len1, len2;
	int rc = 0;

	region_init(&reg, 0);
	if (msg_parse(data, size, &reg, &m) != 0) {
		rc = 1;
		goto done;
	}
	for (int s = 0; s < SEC_COUNT && rc == 0; s++)
		for (uint16_t i = 0; i < m.count[s] && rc == 0; i++)
			rc = check_rr(&m.rr[s][i], why, whylen);
	if (rc != 0)
		goto done;
	/* Expanded names can make a message too big to write again. */
	if (msg_write(&m, out1, sizeof(out1), &len1) != 0)
		goto done;
	if (msg_parse(out1, len1, &reg, &m2) != 0 || !same_msg(&m, &m2)) {
		snprintf(why, whylen, "message changed when written and parsed again");
		rc = -1;
		goto done;
	}
	if (msg_write(&m2, out2, sizeof(out2), &len2) != 0 || len1 != len2 ||
	    memcmp(out1, out2, len1) != 0) {
		snprintf(why, whylen, "writing the message is not stable");
		rc = -1;
	}
done:
	region_free(&reg);
	return rc;
}
