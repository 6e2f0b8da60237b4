/*
 * fuzz_name.c: domain names on their own.  The input is read twice: as a
 * message (two octets give the offset of the first name, the rest is the
 * message that compression pointers point into) and as presentation text.
 * Every name accepted must print, parse back to the same wire name and
 * survive being written compressed and read again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const uint8_t *name, size_t len)
{
	char s[NAME_MAX_STR];
	uint8_t back[NAME_MAX_WIRE], msg[2 * NAME_MAX_WIRE + 8];
	size_t blen;
	wire_wr w;
	wire_rd r;

	if (len != name_len(name) || len > NAME_MAX_WIRE ||
	    name_to_str(name, s, sizeof(s)) < 0 ||
	    name_from_str(s, strlen(s), NULL, back, &blen) != 0 ||
	    blen != len || memcmp(back, name, len) != 0) {
		fprintf(stderr, "fuzz_name: does not read back: %s\n", s);
		abort();
	}
	/* Written twice with compression: the second copy is a pointer. */
	wire_wr_init(&w, msg, sizeof(msg));
	name_write(&w, name, true);
	name_write(&w, name, true);
	wire_rd_init(&r, msg, w.len);
	for (int i = 0; i < 2; i++)
		if (w.err || name_read(&r, back, &blen) != 0 || blen != len ||
		    memcmp(back, name, len) != 0)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t origin[] = "\007example";
	uint8_t out[NAME_MAX_WIRE], nc[NAME_MAX_WIRE];
	size_t len, nclen;
	wire_rd r;

	if (size >= 2) {
		wire_rd_init(&r, data + 2, size - 2);
		r.pos = (size_t)(data[0] << 8 | data[1]) % (size - 1);
		while (wire_left(&r) > 0) {
			wire_rd r2 = r;
			if (name_read(&r, out, &len) != 0)
				break;
			check(out, len);
			/* Without compression: the same name, or an error. */
			if (name_read_nocomp(&r2, nc, &nclen) == 0 &&
			    (nclen != len || memcmp(nc, out, len) != 0 ||
			    r2.pos != r.pos))
				abort();
		}
	}
	if (name_from_str((const char *)data, size, NULL, out, &len) == 0)
		check(out, len);
	if (name_from_str((const char *)data, size, origin, out, &len) == 0)
		check(out, len);
	return 0;
}
