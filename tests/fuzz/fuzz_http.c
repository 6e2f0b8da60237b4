/*
 * fuzz_http.c: the HTTP/1.x response parser (policy/http.h).  The first
 * octet seeds the split of the rest into pieces, the second picks the
 * body buffer size.  Fed whole and fed in pieces, a response must give
 * the same outcome (the same body when it succeeds); the body never
 * passes the buffer, and a reason is always printable text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static http_parser whole, split;

/* Feed data[0..n) in pieces (one piece when seed is 0) the way a socket
 * reader does; then the end of the connection. */
static int
run(http_parser *p, const uint8_t *d, size_t n, uint32_t seed)
{
	size_t off = 0;
	int rc;

	while (off < n) {
		size_t piece = n - off;
		if (seed != 0) {
			seed = seed * 1103515245u + 12345u;
			piece = 1 + (seed >> 16) % (piece < 64 ? piece : 64);
		}
		const uint8_t *q = d + off;
		size_t left = piece, used;
		off += piece;
		for (;;) {
			bool head = http_head_done(p);
			rc = http_feed(p, q, left, &used);
			if (used > left)
				abort();
			q += used;
			left -= used;
			if (rc != 0 || http_done(p))
				return rc;
			/* Once more after the head, even with nothing left. */
			if (left == 0 && head == http_head_done(p))
				break;
		}
	}
	return http_eof(p);
}

static void
check_why(const http_parser *p, int rc)
{
	const char *w = p->why.text;

	if ((rc != 0) != (w[0] != '\0'))
		abort();
	for (; *w != '\0'; w++)
		if (*w < 0x20 || *w > 0x7e)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint32_t seed = data[0] | 0x100u;
	size_t cap = (size_t)data[1] * 8;
	uint8_t *b1 = cap ? malloc(cap) : NULL, *b2 = cap ? malloc(cap) : NULL;
	if (cap && (b1 == NULL || b2 == NULL))
		abort();

	http_init(&whole, b1, cap);
	http_init(&split, b2, cap);
	int r1 = run(&whole, data + 2, size - 2, 0);
	int r2 = run(&split, data + 2, size - 2, seed);
	check_why(&whole, r1);
	check_why(&split, r2);
	/* How much body came before an error depends on the split. */
	if (r1 != r2 || whole.len > cap || split.len > cap ||
	    http_done(&whole) != http_done(&split) ||
	    http_head_done(&whole) != http_head_done(&split) ||
	    whole.status != split.status ||
	    strcmp(whole.why.text, split.why.text) != 0)
		abort();
	if (r1 == 0 && (whole.len != split.len ||
	    (whole.len > 0 && memcmp(b1, b2, whole.len) != 0)))
		abort();
	if (r1 == 0 && (!http_done(&whole) || whole.status < 200 ||
	    whole.status > 599))
		abort();
	(void)http_media_type_is(&whole, "text/plain");
	free(b1);
	free(b2);
	return 0;
}
