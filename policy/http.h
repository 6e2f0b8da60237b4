/*
 * http.h: an incremental HTTP/1.x response parser (RFC 9112) for the
 * MTA-STS policy fetch (RFC 8461 3.3).  Pure code: no I/O, no clock, no
 * allocation; the caller owns the parser struct and the body buffer and
 * feeds whatever bytes arrive, split anywhere.
 *
 * It reads one response to a GET: the status line (HTTP/1.0 or 1.1),
 * header fields (interim 1xx responses skipped), then the body framed by
 * Transfer-Encoding: chunked, by Content-Length, or by the end of the
 * connection.  Every byte is untrusted (STYLE.md rule 1): the header
 * section is bounded in octets and fields, obs-fold, bare CR, NUL and
 * other control characters are refused, and the body never grows past
 * the caller's buffer: the first octet (or the announced length) that
 * would not fit fails with MX_ELIMIT at once.
 */
#ifndef MXSEC_POLICY_HTTP_H
#define MXSEC_POLICY_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

#define HTTP_HEAD_MAX 16384     /* status lines and fields, all of them */
#define HTTP_FIELDS_MAX 100     /* header fields (interim responses too) */
#define HTTP_INTERIM_MAX 8      /* 1xx responses before the final one */
#define HTTP_CHUNK_LINE_MAX 1024  /* chunk-size line with extensions */
#define HTTP_TRAILER_MAX 16384  /* trailer section, octets */
#define HTTP_CTYPE_MAX 127      /* a longer Content-Type is kept cut */

typedef enum http_framing {
	HTTP_BODY_NONE,     /* 204, 304: no body whatever the fields say */
	HTTP_BODY_LENGTH,   /* Content-Length */
	HTTP_BODY_CHUNKED,  /* Transfer-Encoding: chunked */
	HTTP_BODY_CLOSE,    /* neither: the body ends with the connection */
} http_framing;

/* Opaque in spirit: the fields under "results" are for reading once
 * http_head_done() is true; the rest is the parser's. */
typedef struct http_parser {
	/* results */
	int status;               /* 100..599 of the final response */
	int minor;                /* HTTP/1.<minor>: 0 or 1 */
	http_framing framing;
	uint64_t content_length;  /* HTTP_BODY_LENGTH */
	bool has_ctype;
	bool ctype_cut;           /* longer than HTTP_CTYPE_MAX */
	char ctype[HTTP_CTYPE_MAX + 1];  /* trimmed, NUL-terminated, no
	                             control characters; the peer's bytes:
	                             never put them in a reason */
	uint8_t *body;            /* the caller's buffer */
	size_t cap;
	size_t len;               /* body octets so far */
	pol_why why;              /* set on error; fixed text and numbers */

	/* state */
	int phase;
	int err;                  /* sticky: every later call returns it */
	size_t head_bytes;        /* of the header section so far */
	size_t chunk_line_bytes;  /* of the chunk-size line so far */
	size_t trailer_bytes;     /* of the trailer section so far */
	unsigned nfields;
	unsigned ninterim;
	bool has_te, has_cl;
	bool cr;                  /* the line so far ends with CR */
	uint64_t left;            /* of the Content-Length body or chunk */
	size_t linelen;
	uint8_t line[HTTP_HEAD_MAX];
} http_parser;

/* Start a parse; the body goes to body[0..cap) (body may be NULL when
 * cap is 0).  The buffer must outlive the parser. */
void http_init(http_parser *p, uint8_t *body, size_t cap);

/*
 * Feed the next bytes of the response.  Consumes data[0..len) up to the
 * end of the header section (so the caller can look at the status and
 * fields before any body octet is taken or the body limit is checked),
 * then, on the next calls, up to the end of the message.  *used says how
 * much was consumed; call again with the rest.  Bytes after the end of
 * the message are not consumed.
 *
 * Returns 0 (progress; see http_head_done(), http_done()), MX_EFORMAT
 * (not HTTP/1.x, bad syntax or framing, a transfer coding other than
 * chunked, Content-Length and Transfer-Encoding together), MX_ELIMIT
 * (the header section or trailer is too large, too many fields, the body
 * does not fit in cap).  An error is sticky; p->why says what it was.
 * A call after the header section with announced Content-Length over cap
 * fails with MX_ELIMIT even when len is 0.
 */
int http_feed(http_parser *p, const uint8_t *data, size_t len, size_t *used);

/* The peer closed the connection.  Returns 0 when the message is whole
 * (a close-delimited body ends here), MX_ETRUNC when it is cut short, or
 * the sticky error. */
int http_eof(http_parser *p);

/* The final response's status line and fields have arrived. */
bool http_head_done(const http_parser *p);
/* The whole message has arrived: p->body[0..p->len) is the body. */
bool http_done(const http_parser *p);

/* Is the Content-Type media type (type "/" subtype, ASCII
 * case-insensitive) equal to type?  Parameters after ";" are ignored
 * (RFC 9110 8.3.1).  False when there is no Content-Type. */
bool http_media_type_is(const http_parser *p, const char *type);

#endif
