/*
 * fuzz_netstring.c: the netstring decoder as the socketmap server uses
 * it, over a buffer holding any number of netstrings.  Every decoded
 * payload must re-encode to the exact bytes consumed, and whatever parses
 * as a request or reply must encode back to the same payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "netstring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[NS_MAX_DEFAULT + 16];
	const uint8_t *d, *name, *key;
	size_t dl, used, nl, kl, ol;
	sockmap_status s;

	while (ns_decode(data, size, 4096, &d, &dl, &used) == 0) {
		if (ns_encode(d, dl, out, sizeof(out), &ol) != 0 || ol != used ||
		    memcmp(out, data, used) != 0)
			abort();
		if (sockmap_reply_parse(d, dl, &s, &name, &nl) == 0 &&
		    (sockmap_reply_encode(s, name, nl, out, sizeof(out), &ol) != 0 ||
		    ol != used || memcmp(out, data, used) != 0) &&
		    memchr(name, 0, nl) == NULL)
			abort();
		if (sockmap_request_parse(d, dl, &name, &nl, &key, &kl) == 0 &&
		    (name != d || nl == 0 || key != d + nl + 1 ||
		    nl + 1 + kl != dl))
			abort();
		data += used;
		size -= used;
	}
	return 0;
}
