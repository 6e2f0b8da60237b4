/*
 * http.c: the HTTP/1.x response parser (http.h).
 *
 * Lines (status line, fields, chunk-size lines, trailers) are gathered
 * in p->line, within a budget per section, and parsed whole; body octets
 * go straight to the caller's buffer.  Every input byte is taken through
 * a wire_rd cursor.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "http.h"
#include "txt_int.h"
#include "wire.h"

enum {
	PH_STATUS,       /* status line */
	PH_FIELDS,       /* header fields up to the empty line */
	PH_BODY_LEN,     /* Content-Length octets */
	PH_BODY_CLOSE,   /* octets until the connection ends */
	PH_CHUNK_SIZE,   /* chunk-size [ chunk-ext ] CRLF */
	PH_CHUNK_DATA,   /* chunk-data */
	PH_CHUNK_END,    /* the CRLF after chunk-data */
	PH_TRAILER,      /* trailer fields up to the empty line */
	PH_DONE,
};

#define STATUS_PREFIX "HTTP/1."

_Static_assert(HTTP_TRAILER_MAX <= HTTP_HEAD_MAX &&
    HTTP_CHUNK_LINE_MAX <= HTTP_HEAD_MAX, "lines must fit in p->line");

static int
fail(http_parser *p, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(http_parser *p, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why.text, sizeof(p->why.text), fmt, ap);
	va_end(ap);
	p->err = err;
	return err;
}

void
http_init(http_parser *p, uint8_t *body, size_t cap)
{
	memset(p, 0, offsetof(http_parser, line));
	p->body = body;
	p->cap = body != NULL ? cap : 0;
	p->phase = PH_STATUS;
}

bool
http_head_done(const http_parser *p)
{
	return p->phase > PH_FIELDS;
}

bool
http_done(const http_parser *p)
{
	return p->err == 0 && p->phase == PH_DONE;
}

/* RFC 9110 5.6.2 */
static bool
is_tchar(uint8_t c)
{
	return txt_is_alnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c));
}

/* RFC 9110 5.5: field-vchar, SP and HTAB; obs-text allowed, kept opaque.
 * No NUL, no other control character, no DEL. */
static bool
is_field_char(uint8_t c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int
hex_value(int c)
{
	if (txt_is_digit(c))
		return c - '0';
	c = txt_lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool
bytes_are(const uint8_t *s, size_t n, const char *lit)
{
	if (strlen(lit) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (txt_lower(s[i]) != txt_lower((unsigned char)lit[i]))
			return false;
	return true;
}

/*
 * Gather one line into p->line, without its CRLF (or bare LF, RFC 9112
 * 2.2).  *left is the octet budget of the section, line ends included.
 * Returns 1 with a whole line, 0 when r ran out first, or an error.
 */
static int
line_take(http_parser *p, wire_rd *r, size_t *left, int limit,
    const char *what)
{
	while (wire_left(r) > 0) {
		if (*left == 0)
			return fail(p, MX_ELIMIT, "%s over %d octets", what,
			    limit);
		(*left)--;
		uint8_t c = wire_u8(r);
		if (p->cr) {
			p->cr = false;
			if (c != '\n')
				return fail(p, MX_EFORMAT, "CR without LF");
			return 1;
		}
		if (c == '\n')
			return 1;
		if (c == '\r') {
			p->cr = true;
			continue;
		}
		/* Garbage fails on its first byte, not after 16 KiB. */
		if (p->phase == PH_STATUS && p->linelen < strlen(STATUS_PREFIX) &&
		    c != (uint8_t)STATUS_PREFIX[p->linelen])
			return fail(p, MX_EFORMAT, "not an HTTP/1.x response");
		p->line[p->linelen++] = c;
	}
	return 0;
}

/* RFC 9112 4: HTTP-version SP 3DIGIT SP [ reason-phrase ] */
static int
parse_status(http_parser *p)
{
	wire_rd r;
	const uint8_t *v;
	int code = 0;

	wire_rd_init(&r, p->line, p->linelen);
	v = wire_take(&r, strlen(STATUS_PREFIX) + 1);
	if (v == NULL || (v[7] != '0' && v[7] != '1'))
		return fail(p, MX_EFORMAT, "not an HTTP/1.0 or 1.1 status line");
	if (wire_u8(&r) != ' ')
		return fail(p, MX_EFORMAT, "bad status line");
	for (int i = 0; i < 3; i++) {
		uint8_t c = wire_u8(&r);
		if (!txt_is_digit(c))
			return fail(p, MX_EFORMAT, "bad status code");
		code = code * 10 + (c - '0');
	}
	/* RFC 9112 4: a missing SP before an empty reason is tolerated. */
	if (wire_left(&r) > 0 && wire_u8(&r) != ' ')
		return fail(p, MX_EFORMAT, "bad status code");
	while (wire_left(&r) > 0)
		if (!is_field_char(wire_u8(&r)))
			return fail(p, MX_EFORMAT,
			    "control character in the reason phrase");
	if (code < 100 || code > 599)
		return fail(p, MX_EFORMAT, "status code %d out of range", code);
	p->status = code;
	p->minor = v[7] - '0';
	return 0;
}

/*
 * field-line = field-name ":" OWS field-value OWS (RFC 9112 5).  The
 * name and the trimmed value are returned pointing into p->line.
 */
static int
split_field(http_parser *p, const char *section, const uint8_t **name,
    size_t *nlen, const uint8_t **val, size_t *vlen)
{
	wire_rd r;
	size_t n = 0, start, end;

	wire_rd_init(&r, p->line, p->linelen);
	/* RFC 9112 5.2: obs-fold is refused, not unfolded. */
	if (txt_is_wsp(txt_peek(&r)))
		return fail(p, MX_EFORMAT, "line folding in the %s", section);
	while (wire_left(&r) > 0 && is_tchar((uint8_t)txt_peek(&r))) {
		wire_skip(&r, 1);
		n++;
	}
	/* RFC 9112 5.1: no whitespace between the name and the colon. */
	if (n == 0 || wire_u8(&r) != ':')
		return fail(p, MX_EFORMAT, "bad field name in the %s", section);
	start = r.pos;
	while (wire_left(&r) > 0)
		if (!is_field_char(wire_u8(&r)))
			return fail(p, MX_EFORMAT,
			    "control character in the %s", section);
	end = p->linelen;
	while (start < end && txt_is_wsp(p->line[start]))
		start++;
	while (end > start && txt_is_wsp(p->line[end - 1]))
		end--;
	*name = p->line;
	*nlen = n;
	*val = p->line + start;
	*vlen = end - start;
	return 0;
}

/* RFC 9110 8.6: 1*DIGIT.  Several fields must agree. */
static int
field_content_length(http_parser *p, const uint8_t *v, size_t vlen)
{
	uint64_t n = 0;

	if (vlen == 0)
		return fail(p, MX_EFORMAT, "empty Content-Length");
	for (size_t i = 0; i < vlen; i++) {
		if (!txt_is_digit(v[i]))
			return fail(p, MX_EFORMAT, "Content-Length not a number");
		unsigned d = (unsigned)(v[i] - '0');
		if (n > (UINT64_MAX - d) / 10)
			return fail(p, MX_EFORMAT, "Content-Length out of range");
		n = n * 10 + d;
	}
	if (p->has_cl && n != p->content_length)
		return fail(p, MX_EFORMAT, "Content-Length fields differ");
	p->has_cl = true;
	p->content_length = n;
	return 0;
}

static int
field_line(http_parser *p)
{
	const uint8_t *name, *v;
	size_t nlen, vlen;
	int rc;

	if ((rc = split_field(p, "header", &name, &nlen, &v, &vlen)) != 0)
		return rc;
	if (++p->nfields > HTTP_FIELDS_MAX)
		return fail(p, MX_ELIMIT, "more than %d header fields",
		    HTTP_FIELDS_MAX);
	if (bytes_are(name, nlen, "content-length"))
		return field_content_length(p, v, vlen);
	if (bytes_are(name, nlen, "transfer-encoding")) {
		/* Only "chunked": anything else (gzip, a list, twice) is a
		 * framing we do not do, and a request smuggler's tool. */
		if (p->has_te)
			return fail(p, MX_EFORMAT,
			    "Transfer-Encoding appears twice");
		if (!bytes_are(v, vlen, "chunked"))
			return fail(p, MX_EFORMAT,
			    "transfer coding other than chunked");
		p->has_te = true;
		return 0;
	}
	if (bytes_are(name, nlen, "content-type")) {
		/* RFC 9110 8.3: one media type. */
		if (p->has_ctype)
			return fail(p, MX_EFORMAT, "Content-Type appears twice");
		p->has_ctype = true;
		p->ctype_cut = vlen > HTTP_CTYPE_MAX;
		if (p->ctype_cut)
			vlen = HTTP_CTYPE_MAX;
		memcpy(p->ctype, v, vlen);
		p->ctype[vlen] = '\0';
	}
	return 0;
}

/* The empty line after the fields.  Returns 1 at the end of the final
 * response's head, 0 after an interim response, or an error. */
static int
head_end(http_parser *p)
{
	if (p->status < 200) {
		/* RFC 9110 15.2: any number of 1xx before the response; we
		 * asked for no protocol switch. */
		if (p->status == 101)
			return fail(p, MX_EFORMAT,
			    "101 without an upgrade request");
		if (++p->ninterim > HTTP_INTERIM_MAX)
			return fail(p, MX_ELIMIT, "more than %d 1xx responses",
			    HTTP_INTERIM_MAX);
		p->status = 0;
		p->has_cl = p->has_te = p->has_ctype = p->ctype_cut = false;
		p->content_length = 0;
		p->ctype[0] = '\0';
		p->phase = PH_STATUS;
		return 0;
	}
	/* RFC 9112 6.3 item 1: no body, whatever the fields say. */
	if (p->status == 204 || p->status == 304) {
		p->framing = HTTP_BODY_NONE;
		p->phase = PH_DONE;
		return 1;
	}
	if (p->has_te) {
		/* RFC 9112 6.1: Transfer-Encoding in 1.0 is faulty framing;
		 * 6.3 item 3: with Content-Length "ought to be handled as an
		 * error". */
		if (p->minor == 0)
			return fail(p, MX_EFORMAT,
			    "Transfer-Encoding in an HTTP/1.0 response");
		if (p->has_cl)
			return fail(p, MX_EFORMAT,
			    "both Content-Length and Transfer-Encoding");
		p->framing = HTTP_BODY_CHUNKED;
		p->phase = PH_CHUNK_SIZE;
	} else if (p->has_cl) {
		p->framing = HTTP_BODY_LENGTH;
		p->left = p->content_length;
		p->phase = p->left > 0 ? PH_BODY_LEN : PH_DONE;
	} else {
		p->framing = HTTP_BODY_CLOSE;
		p->phase = PH_BODY_CLOSE;
	}
	return 1;
}

/* RFC 9112 7.1: chunk-size [ chunk-ext ], chunk-ext ignored. */
static int
chunk_size_line(http_parser *p)
{
	wire_rd r;
	uint64_t n = 0;
	size_t digits = 0;
	int c;

	wire_rd_init(&r, p->line, p->linelen);
	while ((c = hex_value(txt_peek(&r))) >= 0) {
		size_t room = p->cap - p->len;
		wire_skip(&r, 1);
		digits++;
		/* Bounded by the room left, so n never overflows, and a chunk
		 * too large fails before any of it arrives. */
		if ((size_t)c > room || n > (room - (size_t)c) / 16)
			return fail(p, MX_ELIMIT, "body over %zu octets", p->cap);
		n = n * 16 + (size_t)c;
	}
	if (digits == 0)
		return fail(p, MX_EFORMAT, "bad chunk size");
	/* chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ) */
	while (txt_is_wsp(txt_peek(&r)))
		wire_skip(&r, 1);
	if (wire_left(&r) > 0 && wire_u8(&r) != ';')
		return fail(p, MX_EFORMAT, "bad chunk size");
	while (wire_left(&r) > 0)
		if (!is_field_char(wire_u8(&r)))
			return fail(p, MX_EFORMAT,
			    "control character in a chunk extension");
	if (n == 0) {
		p->phase = PH_TRAILER;
	} else {
		p->left = n;
		p->phase = PH_CHUNK_DATA;
	}
	return 0;
}

static void
body_copy(http_parser *p, wire_rd *r, size_t n)
{
	const uint8_t *src = wire_take(r, n);

	if (src != NULL && n > 0) {
		memcpy(p->body + p->len, src, n);
		p->len += n;
	}
}

/* One step of the body.  Returns 0 or an error. */
static int
body_step(http_parser *p, wire_rd *r)
{
	size_t n = wire_left(r);
	int rc;

	switch (p->phase) {
	case PH_BODY_LEN:
	case PH_CHUNK_DATA:
		/* p->left fits in the buffer: checked when announced. */
		if (n > p->left)
			n = (size_t)p->left;
		body_copy(p, r, n);
		p->left -= n;
		if (p->left == 0)
			p->phase = p->phase == PH_BODY_LEN ? PH_DONE :
			    PH_CHUNK_END;
		return 0;
	case PH_BODY_CLOSE:
		if (n > p->cap - p->len)
			return fail(p, MX_ELIMIT, "body over %zu octets", p->cap);
		body_copy(p, r, n);
		return 0;
	case PH_CHUNK_END: {
		uint8_t c = wire_u8(r);
		if (c == '\r' && !p->cr) {
			p->cr = true;
			return 0;
		}
		p->cr = false;
		if (c != '\n')
			return fail(p, MX_EFORMAT, "chunk data without CRLF");
		p->phase = PH_CHUNK_SIZE;
		return 0;
	}
	case PH_CHUNK_SIZE: {
		size_t left = HTTP_CHUNK_LINE_MAX - p->chunk_line_bytes;
		rc = line_take(p, r, &left, HTTP_CHUNK_LINE_MAX,
		    "chunk-size line");
		p->chunk_line_bytes = HTTP_CHUNK_LINE_MAX - left;
		if (rc <= 0)
			return rc;
		rc = chunk_size_line(p);
		p->linelen = 0;
		p->chunk_line_bytes = 0;
		return rc;
	}
	case PH_TRAILER: {
		size_t left = HTTP_TRAILER_MAX - p->trailer_bytes;
		const uint8_t *name, *v;
		size_t nlen, vlen;
		rc = line_take(p, r, &left, HTTP_TRAILER_MAX, "trailer section");
		p->trailer_bytes = HTTP_TRAILER_MAX - left;
		if (rc <= 0)
			return rc;
		/* RFC 9112 7.1.2: trailer fields are checked, then dropped. */
		rc = 0;
		if (p->linelen == 0)
			p->phase = PH_DONE;
		else
			rc = split_field(p, "trailer", &name, &nlen, &v, &vlen);
		p->linelen = 0;
		return rc;
	}
	default:
		return fail(p, MX_EINVAL, "parser state");
	}
}

/* One step of the head.  Returns 0, 1 at the end of the head, or an
 * error. */
static int
head_step(http_parser *p, wire_rd *r)
{
	size_t left = HTTP_HEAD_MAX - p->head_bytes;
	int rc;

	rc = line_take(p, r, &left, HTTP_HEAD_MAX, "header section");
	p->head_bytes = HTTP_HEAD_MAX - left;
	if (rc <= 0)
		return rc;
	if (p->phase == PH_STATUS) {
		rc = parse_status(p);
		p->phase = PH_FIELDS;
	} else if (p->linelen == 0) {
		rc = head_end(p);
	} else {
		rc = field_line(p);
	}
	p->linelen = 0;
	return rc;
}

int
http_feed(http_parser *p, const uint8_t *data, size_t len, size_t *used)
{
	wire_rd r;
	int rc = 0;

	*used = 0;
	if (p->err != 0)
		return p->err;
	if (p->phase == PH_BODY_LEN && p->content_length > p->cap)
		return fail(p, MX_ELIMIT, "Content-Length over %zu octets",
		    p->cap);
	wire_rd_init(&r, data, len);
	while (wire_left(&r) > 0 && p->phase != PH_DONE) {
		if (p->phase <= PH_FIELDS) {
			rc = head_step(p, &r);
			if (rc == 1) {
				rc = 0;
				break;
			}
		} else {
			rc = body_step(p, &r);
		}
		if (rc < 0)
			break;
	}
	*used = r.pos;
	return rc;
}

int
http_eof(http_parser *p)
{
	if (p->err != 0)
		return p->err;
	switch (p->phase) {
	case PH_DONE:
		return 0;
	case PH_BODY_CLOSE:
		p->phase = PH_DONE;
		return 0;
	case PH_STATUS:
		if (p->head_bytes == 0)
			return fail(p, MX_ETRUNC,
			    "connection closed before a response");
		/* FALLTHROUGH */
	case PH_FIELDS:
		return fail(p, MX_ETRUNC,
		    "connection closed in the header section");
	default:
		return fail(p, MX_ETRUNC,
		    "connection closed after %zu body octets", p->len);
	}
}

bool
http_media_type_is(const http_parser *p, const char *type)
{
	size_t n = strlen(type), i;

	if (!p->has_ctype || strlen(p->ctype) < n)
		return false;
	for (i = 0; i < n; i++)
		if (txt_lower((unsigned char)p->ctype[i]) !=
		    txt_lower((unsigned char)type[i]))
			return false;
	/* RFC 9110 8.3.1: media-type = type "/" subtype parameters, and
	 * parameters = *( OWS ";" OWS [ parameter ] ). */
	while (txt_is_wsp(p->ctype[i]))
		i++;
	return p->ctype[i] == '\0' || p->ctype[i] == ';';
}
