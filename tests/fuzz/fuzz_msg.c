/* fuzz_msg.c: DNS message parsing, with the round-trip checks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "roundtrip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[512];

	if (roundtrip_check(data, size, why, sizeof(why)) < 0) {
		fprintf(stderr, "fuzz_msg: %s\n", why);
		abort();
	}
	return 0;
}
