/* fuzz_json.c: daemon reply lines, through the JSON parser and libmxsec's
 * reply readers.  A rejection always says why. */
#include <stdint.h>
#include <stdlib.h>

#include "json.h"
#include "mxsec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_value *v;
	struct mxsec_answer *a;
	struct mxsec_dane *d;
	char err[160];

	if (json_parse((const char *)data, size, NULL, &v, err, sizeof(err)) != 0 &&
	    err[0] == 0)
		abort();
	json_free(v);
	if (mxsec_parse_answer(NULL, (const char *)data, size, &a) == 0)
		mxsec_answer_free(a);
	if (mxsec_parse_dane(NULL, (const char *)data, size, &d) == 0)
		mxsec_dane_free(d);
	mxsec_parse_ping(NULL, (const char *)data, size, NULL);
	return 0;
}
