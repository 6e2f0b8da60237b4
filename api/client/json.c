/*
 * json.c: a strict recursive-descent JSON parser (RFC 8259) over a
 * bounded cursor.  See json.h for what "strict" means here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct jp {
	const unsigned char *start, *p, *end;
	unsigned depth, depth_max;
	size_t values, values_max;
	int rc;                   /* 0, JSON_EPARSE or JSON_ENOMEM: sticky */
	char *err;
	size_t errlen;
};

static void
jp_fail(struct jp *jp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
jp_fail(struct jp *jp, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (jp->rc != 0)
		return;
	jp->rc = JSON_EPARSE;
	if (jp->errlen == 0)
		return;
	n = snprintf(jp->err, jp->errlen, "offset %zu: ",
	    (size_t)(jp->p - jp->start));
	if (n < 0 || (size_t)n >= jp->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(jp->err + n, jp->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void
jp_nomem(struct jp *jp)
{
	if (jp->rc != 0)
		return;
	jp->rc = JSON_ENOMEM;
	if (jp->errlen > 0)
		snprintf(jp->err, jp->errlen, "out of memory");
}

static void
jp_ws(struct jp *jp)
{
	while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' ||
	    *jp->p == '\n' || *jp->p == '\r'))
		jp->p++;
}

/* The octet under the cursor, or -1 at the end. */
static int
jp_peek(const struct jp *jp)
{
	return jp->p < jp->end ? *jp->p : -1;
}

static void jp_value(struct jp *jp, struct json_value *v);

static void
jp_literal(struct jp *jp, const char *word, enum json_type t,
    struct json_value *v)
{
	size_t n = strlen(word);

	if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, word, n) != 0) {
		jp_fail(jp, "invalid literal");
		return;
	}
	jp->p += n;
	v->type = t;
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static void
jp_number(struct jp *jp, struct json_value *v)
{
	bool neg = false, integer = true, overflow = false;
	uint64_t mag = 0;
	/* |INT64_MIN| is one more than INT64_MAX. */
	uint64_t limit;

	v->type = JSON_NUMBER;
	if (jp_peek(jp) == '-') {
		neg = true;
		jp->p++;
	}
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (jp_peek(jp) == '0') {
		jp->p++;
		if (is_digit(jp_peek(jp))) {
			jp_fail(jp, "leading zero in number");
			return;
		}
	} else if (is_digit(jp_peek(jp))) {
		while (is_digit(jp_peek(jp))) {
			unsigned d = (unsigned)(*jp->p++ - '0');
			if (mag > (limit - d) / 10)
				overflow = true;
			else
				mag = mag * 10 + d;
		}
	} else {
		jp_fail(jp, "invalid number");
		return;
	}
	if (jp_peek(jp) == '.') {
		jp->p++;
		integer = false;
		if (!is_digit(jp_peek(jp))) {
			jp_fail(jp, "digit expected after '.'");
			return;
		}
		while (is_digit(jp_peek(jp)))
			jp->p++;
	}
	if (jp_peek(jp) == 'e' || jp_peek(jp) == 'E') {
		jp->p++;
		integer = false;
		if (jp_peek(jp) == '+' || jp_peek(jp) == '-')
			jp->p++;
		if (!is_digit(jp_peek(jp))) {
			jp_fail(jp, "digit expected in exponent");
			return;
		}
		while (is_digit(jp_peek(jp)))
			jp->p++;
	}
	if (integer && !overflow) {
		v->is_int = true;
		if (neg)
			v->i = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
			    -(int64_t)mag;
		else
			v->i = (int64_t)mag;
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits after "\u"; -1 on error. */
static long
jp_hex4(struct jp *jp)
{
	long v = 0;

	if (jp->end - jp->p < 4) {
		jp_fail(jp, "truncated \\u escape");
		return -1;
	}
	for (int k = 0; k < 4; k++) {
		int h = hexval(jp->p[k]);
		if (h < 0) {
			jp_fail(jp, "bad hex digit in \\u escape");
			return -1;
		}
		v = v * 16 + h;
	}
	jp->p += 4;
	return v;
}

static size_t
put_utf8(unsigned char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629 4), or 0. */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	/* No overlong forms, no surrogates, nothing above U+10FFFF. */
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t k = 2; k < n; k++)
		if (p[k] < 0x80 || p[k] > 0xBF)
			return 0;
	return n;
}

/*
 * A string, the cursor on its opening quote.  The decoded form is never
 * longer than the text (an escape of 2, 6 or 12 octets yields at most 1, 3
 * or 4), so one allocation of the quoted span is enough.
 */
static char *
jp_string(struct jp *jp, size_t *lenp)
{
	const unsigned char *q;
	unsigned char *buf, *o;

	jp->p++;
	for (q = jp->p; q < jp->end && *q != '"'; q++)
		if (*q == '\\' && q + 1 < jp->end)
			q++;
	if (q >= jp->end) {
		jp_fail(jp, "unterminated string");
		return NULL;
	}
	buf = malloc((size_t)(q - jp->p) + 1);
	if (buf == NULL) {
		jp_nomem(jp);
		return NULL;
	}
	o = buf;
	while (*jp->p != '"') {
		unsigned char c = *jp->p;
		if (c < 0x20) {
			jp_fail(jp, "control character in string");
			goto fail;
		}
		if (c != '\\') {
			size_t n = utf8_len(jp->p, jp->end);
			if (n == 0) {
				jp_fail(jp, "invalid UTF-8 in string");
				goto fail;
			}
			memcpy(o, jp->p, n);
			o += n;
			jp->p += n;
			continue;
		}
		jp->p++;
		c = *jp->p++;
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			long cp = jp_hex4(jp), lo;
			if (cp < 0)
				goto fail;
			if (cp >= 0xDC00 && cp <= 0xDFFF) {
				jp_fail(jp, "lone low surrogate");
				goto fail;
			}
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				/* RFC 8259 7: a pair, or nothing. */
				if (jp->end - jp->p < 2 || jp->p[0] != '\\' ||
				    jp->p[1] != 'u') {
					jp_fail(jp, "lone high surrogate");
					goto fail;
				}
				jp->p += 2;
				lo = jp_hex4(jp);
				if (lo < 0)
					goto fail;
				if (lo < 0xDC00 || lo > 0xDFFF) {
					jp_fail(jp, "lone high surrogate");
					goto fail;
				}
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			}
			o += put_utf8(o, (unsigned long)cp);
			break;
		}
		default:
			jp->p--;
			jp_fail(jp, "invalid escape");
			goto fail;
		}
	}
	jp->p++;
	*o = 0;
	*lenp = (size_t)(o - buf);
	return (char *)buf;
fail:
	free(buf);
	return NULL;
}

static bool
jp_count(struct jp *jp)
{
	if (++jp->values > jp->values_max) {
		jp_fail(jp, "more than %zu values", jp->values_max);
		return false;
	}
	return true;
}

/* Room for one more element in an array of *cap elements of size sz. */
static void *
jp_grow(struct jp *jp, void *arr, size_t n, size_t *cap, size_t sz)
{
	void *na;
	size_t ncap;

	if (n < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : 4;
	na = realloc(arr, ncap * sz);
	if (na == NULL) {
		jp_nomem(jp);
		return NULL;
	}
	*cap = ncap;
	return na;
}

static void
jp_array(struct jp *jp, struct json_value *v)
{
	size_t cap = 0;
	struct json_value *na;

	v->type = JSON_ARRAY;
	jp->p++;
	jp_ws(jp);
	if (jp_peek(jp) == ']') {
		jp->p++;
		return;
	}
	for (;;) {
		na = jp_grow(jp, v->items, v->n, &cap, sizeof(*v->items));
		if (na == NULL)
			return;
		v->items = na;
		memset(&v->items[v->n], 0, sizeof(*v->items));
		v->n++;
		jp_value(jp, &v->items[v->n - 1]);
		if (jp->rc != 0)
			return;
		jp_ws(jp);
		if (jp_peek(jp) == ',') {
			jp->p++;
			continue;
		}
		if (jp_peek(jp) == ']') {
			jp->p++;
			return;
		}
		jp_fail(jp, "',' or ']' expected");
		return;
	}
}

static int
member_cmp(const void *a, const void *b)
{
	const struct json_member *x = *(const struct json_member *const *)a;
	const struct json_member *y = *(const struct json_member *const *)b;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	return x->keylen < y->keylen ? -1 : x->keylen > y->keylen;
}

/* Duplicate keys make an object mean different things to different
 * parsers; refuse them.  Sorting keeps a hostile object from costing
 * quadratic time. */
static void
jp_no_duplicates(struct jp *jp, const struct json_value *v)
{
	const struct json_member **idx;

	if (v->n < 2)
		return;
	idx = malloc(v->n * sizeof(*idx));
	if (idx == NULL) {
		jp_nomem(jp);
		return;
	}
	for (size_t k = 0; k < v->n; k++)
		idx[k] = &v->members[k];
	qsort(idx, v->n, sizeof(*idx), member_cmp);
	for (size_t k = 1; k < v->n; k++)
		if (member_cmp(&idx[k - 1], &idx[k]) == 0) {
			jp_fail(jp, "duplicate key \"%.40s\"", idx[k]->key);
			break;
		}
	free(idx);
}

static void
jp_object(struct jp *jp, struct json_value *v)
{
	size_t cap = 0;
	struct json_member *nm, *m;

	v->type = JSON_OBJECT;
	jp->p++;
	jp_ws(jp);
	if (jp_peek(jp) == '}') {
		jp->p++;
		return;
	}
	for (;;) {
		if (jp_peek(jp) != '"') {
			jp_fail(jp, "string key expected");
			return;
		}
		nm = jp_grow(jp, v->members, v->n, &cap, sizeof(*v->members));
		if (nm == NULL)
			return;
		v->members = nm;
		m = &v->members[v->n];
		memset(m, 0, sizeof(*m));
		m->key = jp_string(jp, &m->keylen);
		if (m->key == NULL)
			return;
		v->n++;
		jp_ws(jp);
		if (jp_peek(jp) != ':') {
			jp_fail(jp, "':' expected");
			return;
		}
		jp->p++;
		jp_value(jp, &m->value);
		if (jp->rc != 0)
			return;
		jp_ws(jp);
		if (jp_peek(jp) == ',') {
			jp->p++;
			jp_ws(jp);
			continue;
		}
		if (jp_peek(jp) == '}') {
			jp->p++;
			jp_no_duplicates(jp, v);
			return;
		}
		jp_fail(jp, "',' or '}' expected");
		return;
	}
}

static void
jp_value(struct jp *jp, struct json_value *v)
{
	int c;

	jp_ws(jp);
	if (!jp_count(jp))
		return;
	c = jp_peek(jp);
	switch (c) {
	case '{':
	case '[':
		if (jp->depth >= jp->depth_max) {
			jp_fail(jp, "nested deeper than %u", jp->depth_max);
			return;
		}
		jp->depth++;
		if (c == '{')
			jp_object(jp, v);
		else
			jp_array(jp, v);
		jp->depth--;
		return;
	case '"':
		v->type = JSON_STRING;
		v->s = jp_string(jp, &v->len);
		return;
	case 't':
		jp_literal(jp, "true", JSON_TRUE, v);
		return;
	case 'f':
		jp_literal(jp, "false", JSON_FALSE, v);
		return;
	case 'n':
		jp_literal(jp, "null", JSON_NULL, v);
		return;
	case -1:
		jp_fail(jp, "value expected, end of text found");
		return;
	default:
		if (c == '-' || is_digit(c)) {
			jp_number(jp, v);
			return;
		}
		jp_fail(jp, "unexpected character 0x%02x", (unsigned)c);
		return;
	}
}

static void
json_clear(struct json_value *v)
{
	switch (v->type) {
	case JSON_STRING:
		free(v->s);
		break;
	case JSON_ARRAY:
		for (size_t k = 0; k < v->n; k++)
			json_clear(&v->items[k]);
		free(v->items);
		break;
	case JSON_OBJECT:
		for (size_t k = 0; k < v->n; k++) {
			free(v->members[k].key);
			json_clear(&v->members[k].value);
		}
		free(v->members);
		break;
	default:
		break;
	}
}

void
json_free(struct json_value *v)
{
	if (v == NULL)
		return;
	json_clear(v);
	free(v);
}

int
json_parse(const char *text, size_t len, const struct json_limits *lim,
    struct json_value **out, char *err, size_t errlen)
{
	struct jp jp;
	struct json_value *v;

	*out = NULL;
	if (errlen > 0)
		err[0] = 0;
	memset(&jp, 0, sizeof(jp));
	jp.start = jp.p = (const unsigned char *)text;
	jp.end = jp.p + len;
	jp.depth_max = lim != NULL ? lim->depth : JSON_DEPTH_DEFAULT;
	jp.values_max = lim != NULL ? lim->values : JSON_VALUES_DEFAULT;
	jp.err = err;
	jp.errlen = errlen;
	v = calloc(1, sizeof(*v));
	if (v == NULL) {
		jp_nomem(&jp);
		return jp.rc;
	}
	/* A NUL octet is never valid JSON text (inside a string it is a
	 * control character); refusing it here also keeps C-string callers
	 * from seeing less than was parsed. */
	if (memchr(text, 0, len) != NULL) {
		jp.p = memchr(text, 0, len);
		jp_fail(&jp, "NUL octet in text");
		goto fail;
	}
	jp_value(&jp, v);
	if (jp.rc != 0)
		goto fail;
	jp_ws(&jp);
	if (jp.p != jp.end) {
		jp_fail(&jp, "trailing characters after the value");
		goto fail;
	}
	*out = v;
	return 0;
fail:
	json_free(v);
	return jp.rc;
}

const struct json_value *
json_get(const struct json_value *v, const char *key)
{
	size_t kl;

	if (v == NULL || v->type != JSON_OBJECT)
		return NULL;
	kl = strlen(key);
	for (size_t k = 0; k < v->n; k++)
		if (v->members[k].keylen == kl &&
		    memcmp(v->members[k].key, key, kl) == 0)
			return &v->members[k].value;
	return NULL;
}

const char *
json_type_name(enum json_type t)
{
	switch (t) {
	case JSON_NULL: return "null";
	case JSON_FALSE:
	case JSON_TRUE: return "boolean";
	case JSON_NUMBER: return "number";
	case JSON_STRING: return "string";
	case JSON_ARRAY: return "array";
	case JSON_OBJECT: return "object";
	}
	return "?";
}
