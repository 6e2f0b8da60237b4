/*
 * fuzz_rfc5011.c: the RFC 5011 state-file reader.  A file that loads must
 * print and load back to the same text; an error must say file:line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "rfc5011.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t owner[] = "\007example";   /* wire form */
	r5011_zone z, y;
	char err[256], *t1 = NULL, *t2 = NULL;
	size_t l1, l2;

	r5011_init(&z, owner);
	r5011_init(&y, owner);
	if (r5011_load_text(&z, (const char *)data, size, "fuzz", err, sizeof(err)) != 0) {
		if (strncmp(err, "fuzz:", 5) != 0)
			abort();
		goto done;
	}
	if (r5011_format(&z, &t1, &l1) != 0 ||
	    r5011_load_text(&y, t1, l1, "back", err, sizeof(err)) != 0 ||
	    r5011_format(&y, &t2, &l2) != 0 || l1 != l2 || memcmp(t1, t2, l1) != 0)
		abort();
done:
	free(t1);
	free(t2);
	r5011_free(&z);
	r5011_free(&y);
	return 0;
}
