/*
 * fuzz_sts.c: the MTA-STS and TLS-RPT parsers.  The first byte picks the
 * parser; for the TXT parsers the rest is split into records at '\n'.
 * Every accepted result must be internally consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sts.h"
#include "tlsrpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sts_policy p;
	static tlsrpt_record t;
	pol_txt recs[8];
	sts_record r;
	pol_why why = { "" };
	char h[STS_PATTERN_MAX + 1];
	size_t n = 0;

	if (size == 0)
		return 0;
	for (size_t s = 1, i = 1; i <= size && n < 8; i++)
		if (i == size || data[i] == '\n') {
			recs[n++] = (pol_txt){ data + s, i - s };
			s = i + 1;
		}
	switch (data[0] % 4) {
	case 0:
		if (sts_policy_parse(data + 1, size - 1, &p, &why) != 0)
			break;
		for (unsigned i = 0; i < p.nmx; i++) {
			/* A pattern matches itself with its "*" replaced. */
			memcpy(h, p.mx[i], sizeof(h));
			h[0] = h[0] == '*' ? 'x' : h[0];
			if (!sts_mx_match(p.mx[i], h) || !sts_policy_match(&p, h))
				abort();
		}
		break;
	case 1:
		if (sts_record_parse(recs, n, &r, &why) == 0 && r.id[0] == '\0')
			abort();
		break;
	case 2:
		if (tlsrpt_record_parse(recs, n, &t, &why) == 0 && t.nrua == 0)
			abort();
		break;
	case 3:
		if (size > 1 && memchr(data + 1, 0, size - 1) == NULL) {
			char *a = strndup((const char *)data + 1, size - 1);
			char *b = a ? strchr(a, ' ') : NULL;
			if (b != NULL) {
				*b++ = '\0';
				(void)sts_mx_match(a, b);
			}
			free(a);
		}
		break;
	}
	if (strlen(why.text) >= sizeof(why.text) || strchr(why.text, '\n'))
		abort();
	return 0;
}
