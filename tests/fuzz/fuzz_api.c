/* fuzz_api.c: API request lines.  A rejection always says why. */
#include <stdint.h>
#include <stdlib.h>

#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	api_request req;
	char err[256];

	if (api_parse_request((const char *)data, size, &req, err, sizeof(err)) != 0 &&
	    err[0] == 0)
		abort();
	return 0;
}
