/* fuzz_config.c: the mxsecd configuration parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mxsec_config cfg;
	char err[512];

	if (config_init_defaults(&cfg) != 0)
		return 0;
	err[0] = 0;
	if (config_parse_string(&cfg, (const char *)data, size, "fuzz", err,
	    sizeof(err)) != 0 && err[0] == 0)
		abort();   /* a rejection always says why */
	config_free(&cfg);
	return 0;
}
