/*
 * rdata_str.c: RDATA presentation format (RFC 1035 5.1, RFC 3597 5 and the
 * per-type RFCs), printing and parsing, walking the descriptors of
 * rdata.c.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "err.h"
#include "name.h"
#include "rdata.h"
#include "rdata_int.h"
#include "rrtype.h"

static const char b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/* RFC 4648 7, "Extended Hex": RFC 5155 3.3 (erratum 3544). */
static const char b32_chars[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
static const char hex_chars[] = "0123456789ABCDEF";

static int
b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int
hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
b32_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'v')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'V')
		return c - 'A' + 10;
	return -1;
}

/* Output buffer for presentation text; keeps room for the NUL. */
struct sbuf {
	char *buf;
	size_t cap;
	size_t len;
	bool err;
};

static void
sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->err || b->cap == 0 || n > b->cap - 1 - b->len) {
		b->err = true;
		return;
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
}

static void
sb_putc(struct sbuf *b, char c)
{
	sb_put(b, &c, 1);
}

static void
sb_puts(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void
sb_uint(struct sbuf *b, unsigned long v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%lu", v);

	sb_put(b, tmp, (size_t)n);
}

static void
sb_hex(struct sbuf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sb_putc(b, hex_chars[p[i] >> 4]);
		sb_putc(b, hex_chars[p[i] & 15]);
	}
}

static void
sb_b64(struct sbuf *b, const uint8_t *p, size_t n)
{
	size_t i = 0;

	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		sb_putc(b, b64_chars[v >> 18]);
		sb_putc(b, b64_chars[(v >> 12) & 63]);
		sb_putc(b, b64_chars[(v >> 6) & 63]);
		sb_putc(b, b64_chars[v & 63]);
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		sb_putc(b, b64_chars[v >> 18]);
		sb_putc(b, b64_chars[(v >> 12) & 63]);
		sb_puts(b, "==");
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		sb_putc(b, b64_chars[v >> 18]);
		sb_putc(b, b64_chars[(v >> 12) & 63]);
		sb_putc(b, b64_chars[(v >> 6) & 63]);
		sb_putc(b, '=');
	}
}

static void
sb_b32(struct sbuf *b, const uint8_t *p, size_t n)
{
	uint32_t acc = 0;
	unsigned bits = 0;

	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | p[i];
		bits += 8;
		while (bits >= 5) {
			sb_putc(b, b32_chars[(acc >> (bits - 5)) & 31]);
			bits -= 5;
		}
	}
	if (bits > 0)
		sb_putc(b, b32_chars[(acc << (5 - bits)) & 31]);
}

/* Octets of a <character-string> or CAA tag: '"' and '\\' escaped with a
 * backslash, octets outside printable ASCII as \DDD.  Unquoted text (the
 * CAA tag) also escapes what would end the token: space as \032, and
 * ';', '(', ')' with a backslash. */
static void
sb_text(struct sbuf *b, const uint8_t *p, size_t n, bool quoted)
{
	if (quoted)
		sb_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c < 0x20 || c >= 0x7f || (!quoted && c == ' ')) {
			char tmp[8];
			snprintf(tmp, sizeof(tmp), "\\%03u", (unsigned)c);
			sb_puts(b, tmp);
			continue;
		}
		if (c == '"' || c == '\\' ||
		    (!quoted && (c == ';' || c == '(' || c == ')')))
			sb_putc(b, '\\');
		sb_putc(b, (char)c);
	}
	if (quoted)
		sb_putc(b, '"');
}

/* Time: seconds since the epoch (modulo 2^32, RFC 4034 3.1.5) and the
 * civil UTC date, without the C library's time_t. */
static bool
is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
month_days(unsigned y, unsigned m)
{
	static const uint8_t md[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : md[m - 1];
}

static void
sb_time(struct sbuf *b, uint32_t t)
{
	uint32_t days = t / 86400, rem = t % 86400;
	unsigned y = 1970, m = 1;
	char tmp[24];

	while (days >= (is_leap(y) ? 366u : 365u)) {
		days -= is_leap(y) ? 366 : 365;
		y++;
	}
	while (days >= month_days(y, m)) {
		days -= month_days(y, m);
		m++;
	}
	snprintf(tmp, sizeof(tmp), "%04u%02u%02u%02u%02u%02u", y, m,
	    (unsigned)days + 1, (unsigned)(rem / 3600),
	    (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
	sb_puts(b, tmp);
}

static void
sb_generic(struct sbuf *b, const uint8_t *rd, size_t len)
{
	/* RFC 3597 5. */
	sb_puts(b, "\\# ");
	sb_uint(b, len);
	if (len > 0) {
		sb_putc(b, ' ');
		sb_hex(b, rd, len);
	}
}

#define NEED_GENERIC 1

static int
str_cb(void *ctx, uint8_t kind, const struct rdata_field *f)
{
	struct { struct sbuf *b; const uint8_t *rd; bool first; } *c = ctx;
	struct sbuf *b = c->b;
	const uint8_t *p = c->rd + f->off;
	size_t n = f->n;
	char tmp[NAME_MAX_STR > INET6_ADDRSTRLEN ? NAME_MAX_STR : INET6_ADDRSTRLEN];

	if ((kind == F_B64 || kind == F_HEX) && n == 0)
		return NEED_GENERIC;   /* no presentation form for nothing */
	if (kind == F_OPAQUE)
		return NEED_GENERIC;
	if (kind == F_BITMAP && n == 0)
		return 0;              /* empty list: no token, no space */
	if (!c->first)
		sb_putc(b, ' ');
	c->first = false;
	switch (kind) {
	case F_U8:
		sb_uint(b, p[0]);
		break;
	case F_U16:
		sb_uint(b, wire_get_u16(p));
		break;
	case F_U32:
	case F_TTL:
		sb_uint(b, wire_get_u32(p));
		break;
	case F_TYPE:
		if (rrtype_to_str(wire_get_u16(p), tmp, sizeof(tmp)) < 0)
			return MX_ESPACE;
		sb_puts(b, tmp);
		break;
	case F_TIME:
		sb_time(b, wire_get_u32(p));
		break;
	case F_A:
		snprintf(tmp, sizeof(tmp), "%u.%u.%u.%u", (unsigned)p[0],
		    (unsigned)p[1], (unsigned)p[2], (unsigned)p[3]);
		sb_puts(b, tmp);
		break;
	case F_AAAA:
		if (inet_ntop(AF_INET6, p, tmp, sizeof(tmp)) == NULL)
			return MX_EFORMAT;
		sb_puts(b, tmp);
		break;
	case F_NAME_C:
	case F_NAME_D:
	case F_NAME_N:
		if (name_to_str(p, tmp, sizeof(tmp)) < 0)
			return MX_EFORMAT;
		sb_puts(b, tmp);
		break;
	case F_STR:
		sb_text(b, p + 1, p[0], true);
		break;
	case F_STRS:
		for (size_t i = 0; i < n; i += 1 + (size_t)p[i]) {
			if (i > 0)
				sb_putc(b, ' ');
			sb_text(b, p + i + 1, p[i], true);
		}
		break;
	case F_TAG:
		sb_text(b, p + 1, p[0], false);
		break;
	case F_QREST:
		sb_text(b, p, n, true);
		break;
	case F_B64:
		sb_b64(b, p, n);
		break;
	case F_HEX:
		sb_hex(b, p, n);
		break;
	case F_SALT:
		if (p[0] == 0)
			sb_putc(b, '-');
		else
			sb_hex(b, p + 1, p[0]);
		break;
	case F_B32:
		sb_b32(b, p + 1, p[0]);
		break;
	case F_BITMAP: {
		bool any = false;
		for (size_t i = 0; i + 2 <= n; i += 2 + (size_t)p[i + 1]) {
			for (unsigned j = 0; j < p[i + 1] * 8u; j++) {
				if (!(p[i + 2 + j / 8] & (0x80 >> (j % 8))))
					continue;
				uint16_t t = (uint16_t)(p[i] << 8 | j);
				if (rrtype_to_str(t, tmp, sizeof(tmp)) < 0)
					return MX_ESPACE;
				if (any)
					sb_putc(b, ' ');
				sb_puts(b, tmp);
				any = true;
			}
		}
		break;
	}
	default:
		return MX_EFORMAT;
	}
	return 0;
}

int
rdata_to_str(uint16_t type, const uint8_t *rd, size_t len,
    char *buf, size_t cap)
{
	const struct rdesc *d = rdata_desc(type);
	struct sbuf b = { buf, cap, 0, false };
	int rc = NEED_GENERIC;

	if (cap == 0)
		return MX_ESPACE;
	buf[0] = 0;
	if (len > RDATA_MAX)
		return MX_EFORMAT;
	if (d != NULL) {
		if (rdata_check(type, rd, len) != 0)
			return MX_EFORMAT;
		struct { struct sbuf *b; const uint8_t *rd; bool first; } c = { &b, rd, true };
		wire_rd r;
		wire_rd_init(&r, rd, len);
		rc = rdata_walk(d, &r, false, str_cb, &c);
		if (rc < 0)
			return rc;
	}
	if (rc == NEED_GENERIC) {
		b.len = 0;
		b.err = false;
		sb_generic(&b, rd, len);
	}
	if (b.err) {
		buf[0] = 0;
		return MX_ESPACE;
	}
	buf[b.len] = 0;
	return (int)b.len;
}

/*
 * Presentation side: parsing tokens.
 */

struct pstate {
	const rdata_tok *tok;
	size_t ntok;
	size_t i;                /* next token */
	const uint8_t *origin;
	wire_wr w;
	rdata_perr *pe;
};

static int perr(struct pstate *ps, size_t tok, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
perr(struct pstate *ps, size_t tok, int code, const char *fmt, ...)
{
	va_list ap;

	ps->pe->tok = tok;
	va_start(ap, fmt);
	vsnprintf(ps->pe->msg, sizeof(ps->pe->msg), fmt, ap);
	va_end(ap);
	return code;
}

/* "bad <what> '<token>'" for the token at i. */
static int
bad_tok(struct pstate *ps, size_t i, const char *what)
{
	const rdata_tok *t = &ps->tok[i];
	int n = t->len > 60 ? 60 : (int)t->len;

	return perr(ps, i, MX_ESYNTAX, "bad %s '%.*s%s'", what, n, t->s,
	    t->len > 60 ? "..." : "");
}

static const rdata_tok *
next_tok(struct pstate *ps, const char *what)
{
	if (ps->i >= ps->ntok) {
		perr(ps, ps->ntok, MX_ESYNTAX, "missing %s", what);
		return NULL;
	}
	return &ps->tok[ps->i++];
}

static int
parse_uint(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return MX_ESYNTAX;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return MX_ESYNTAX;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > max)
			return MX_ERANGE;
	}
	*out = (uint32_t)v;
	return 0;
}

int
rdata_ttl_from_str(const char *s, size_t len, uint32_t *ttl)
{
	uint64_t total = 0, num = 0;
	bool digits = false, units = false;

	*ttl = 0;
	if (len == 0)
		return MX_ESYNTAX;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		uint64_t mult;
		if (c >= '0' && c <= '9') {
			num = num * 10 + (uint64_t)(c - '0');
			if (num > UINT32_MAX)
				return MX_ERANGE;
			digits = true;
			continue;
		}
		switch (c) {
		case 's': case 'S': mult = 1; break;
		case 'm': case 'M': mult = 60; break;
		case 'h': case 'H': mult = 3600; break;
		case 'd': case 'D': mult = 86400; break;
		case 'w': case 'W': mult = 604800; break;
		default: return MX_ESYNTAX;
		}
		if (!digits)
			return MX_ESYNTAX;
		total += num * mult;
		if (total > UINT32_MAX)
			return MX_ERANGE;
		num = 0;
		digits = false;
		units = true;
	}
	if (digits) {
		/* BIND: a trailing number after units counts seconds. */
		total += num;
		if (total > UINT32_MAX)
			return MX_ERANGE;
	} else if (!units) {
		return MX_ESYNTAX;
	}
	*ttl = (uint32_t)total;
	return 0;
}

/* RFC 4034 3.2: YYYYMMDDHHmmSS (UTC), or plain seconds. */
static int
parse_time(const char *s, size_t len, uint32_t *out)
{
	unsigned v[6] = { 0 };
	static const uint8_t width[6] = { 4, 2, 2, 2, 2, 2 };
	size_t pos = 0;
	uint64_t days = 0, secs;

	if (len != 14)
		return parse_uint(s, len, UINT32_MAX, out);
	for (int k = 0; k < 6; k++) {
		for (int j = 0; j < width[k]; j++, pos++) {
			if (s[pos] < '0' || s[pos] > '9')
				return MX_ESYNTAX;
			v[k] = v[k] * 10 + (unsigned)(s[pos] - '0');
		}
	}
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 ||
	    v[2] > month_days(v[0], v[1]) || v[3] > 23 || v[4] > 59 || v[5] > 59)
		return MX_ERANGE;
	for (unsigned y = 1970; y < v[0]; y++)
		days += is_leap(y) ? 366 : 365;
	for (unsigned m = 1; m < v[1]; m++)
		days += month_days(v[0], m);
	days += v[2] - 1;
	secs = days * 86400 + v[3] * 3600u + v[4] * 60u + v[5];
	/* Serial number arithmetic (RFC 4034 3.1.5): keep 32 bits. */
	*out = (uint32_t)secs;
	return 0;
}

/* Decode <character-string> text (RFC 1035 5.1: \X and \DDD) into the
 * writer, at most max octets.  Returns octets written or <0. */
static int
text_decode(const rdata_tok *t, wire_wr *w, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->len; i++) {
		uint8_t c = (uint8_t)t->s[i];
		if (c == '\\') {
			if (++i >= t->len)
				return MX_ESYNTAX;
			if (t->s[i] >= '0' && t->s[i] <= '9') {
				unsigned v = 0;
				if (i + 3 > t->len)
					return MX_ESYNTAX;
				for (int k = 0; k < 3; k++, i++) {
					if (t->s[i] < '0' || t->s[i] > '9')
						return MX_ESYNTAX;
					v = v * 10 + (unsigned)(t->s[i] - '0');
				}
				i--;
				if (v > 255)
					return MX_ESYNTAX;
				c = (uint8_t)v;
			} else {
				c = (uint8_t)t->s[i];
			}
		}
		if (n >= max)
			return MX_ERANGE;
		wire_put_u8(w, c);
		n++;
	}
	return (int)n;
}

/* One <character-string>: length octet, then the text. */
static int
parse_str(struct pstate *ps, const char *what, bool nonempty)
{
	size_t i = ps->i;
	const rdata_tok *t = next_tok(ps, what);
	size_t at = ps->w.len;
	int n;

	if (t == NULL)
		return MX_ESYNTAX;
	wire_put_u8(&ps->w, 0);
	n = text_decode(t, &ps->w, 255);
	if (n < 0 || (nonempty && n == 0))
		return bad_tok(ps, i, what);
	if (ps->w.err == 0)
		ps->w.buf[at] = (uint8_t)n;
	return 0;
}

/* Hex or base64 over the rest of the tokens, at least one. */
static int
parse_rest(struct pstate *ps, uint8_t kind)
{
	const char *what = kind == F_B64 ? "base64" : "hex";
	uint32_t acc = 0;
	unsigned nacc = 0;     /* characters in the current group */
	unsigned pad = 0;      /* '=' seen in the current group */
	bool done = false;     /* a padded group ended the data */

	if (ps->i >= ps->ntok)
		return perr(ps, ps->ntok, MX_ESYNTAX, "missing %s data", what);
	for (; ps->i < ps->ntok; ps->i++) {
		const rdata_tok *t = &ps->tok[ps->i];
		if (t->quoted)
			return bad_tok(ps, ps->i, what);
		for (size_t j = 0; j < t->len; j++) {
			char c = t->s[j];
			if (kind == F_HEX) {
				int v = hex_val(c);
				if (v < 0)
					return bad_tok(ps, ps->i, what);
				acc = acc << 4 | (uint32_t)v;
				if (++nacc == 2) {
					wire_put_u8(&ps->w, (uint8_t)acc);
					acc = 0;
					nacc = 0;
				}
				continue;
			}
			int v = b64_val(c);
			if (done || (c == '=' && nacc < 2) || (v < 0 && c != '=') ||
			    (v >= 0 && pad > 0))
				return bad_tok(ps, ps->i, what);
			if (c == '=') {
				pad++;
				v = 0;
			}
			acc = acc << 6 | (uint32_t)v;
			if (++nacc == 4) {
				wire_put_u8(&ps->w, (uint8_t)(acc >> 16));
				if (pad < 2)
					wire_put_u8(&ps->w, (uint8_t)(acc >> 8));
				if (pad < 1)
					wire_put_u8(&ps->w, (uint8_t)acc);
				done = pad > 0;
				acc = 0;
				nacc = 0;
				pad = 0;
			}
		}
	}
	if (nacc != 0)
		return bad_tok(ps, ps->ntok - 1, what);
	return 0;
}

static int
parse_salt(struct pstate *ps)
{
	size_t i = ps->i;
	const rdata_tok *t = next_tok(ps, "NSEC3 salt");

	if (t == NULL)
		return MX_ESYNTAX;
	if (t->len == 1 && t->s[0] == '-' && !t->quoted) {
		wire_put_u8(&ps->w, 0);   /* RFC 5155 3.3: "-" is no salt */
		return 0;
	}
	if (t->quoted || t->len == 0 || t->len % 2 != 0 || t->len / 2 > 255)
		return bad_tok(ps, i, "NSEC3 salt");
	wire_put_u8(&ps->w, (uint8_t)(t->len / 2));
	for (size_t j = 0; j < t->len; j += 2) {
		int hi = hex_val(t->s[j]), lo = hex_val(t->s[j + 1]);
		if (hi < 0 || lo < 0)
			return bad_tok(ps, i, "NSEC3 salt");
		wire_put_u8(&ps->w, (uint8_t)(hi << 4 | lo));
	}
	return 0;
}

static int
parse_b32(struct pstate *ps)
{
	size_t i = ps->i;
	const rdata_tok *t = next_tok(ps, "NSEC3 next hashed owner");
	size_t at = ps->w.len, n = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	if (t == NULL)
		return MX_ESYNTAX;
	if (t->quoted || t->len == 0)
		return bad_tok(ps, i, "NSEC3 next hashed owner");
	wire_put_u8(&ps->w, 0);
	for (size_t j = 0; j < t->len; j++) {
		int v = b32_val(t->s[j]);
		if (v < 0)
			return bad_tok(ps, i, "NSEC3 next hashed owner");
		acc = (acc << 5 | (uint32_t)v) & 0xffff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			wire_put_u8(&ps->w, (uint8_t)(acc >> bits));
			n++;
		}
	}
	/* Unpadded base32hex: fewer than 5 bits left over, all zero. */
	if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0 || n == 0 || n > 255)
		return bad_tok(ps, i, "NSEC3 next hashed owner");
	if (ps->w.err == 0)
		ps->w.buf[at] = (uint8_t)n;
	return 0;
}

static int
parse_bitmap(struct pstate *ps)
{
	uint8_t bits[8192];    /* one bit per type */
	int maxwin = -1;

	memset(bits, 0, sizeof(bits));
	for (; ps->i < ps->ntok; ps->i++) {
		const rdata_tok *t = &ps->tok[ps->i];
		uint16_t type;
		if (t->quoted || rrtype_from_str(t->s, t->len, &type) != 0)
			return bad_tok(ps, ps->i, "type in bitmap");
		bits[type / 8] |= (uint8_t)(0x80 >> (type % 8));
		if (type >> 8 > maxwin)
			maxwin = type >> 8;
	}
	for (int win = 0; win <= maxwin; win++) {
		const uint8_t *blk = bits + win * 32;
		int blen = 32;
		while (blen > 0 && blk[blen - 1] == 0)
			blen--;
		if (blen == 0)
			continue;
		wire_put_u8(&ps->w, (uint8_t)win);
		wire_put_u8(&ps->w, (uint8_t)blen);
		wire_put_bytes(&ps->w, blk, (size_t)blen);
	}
	return 0;
}

static int
parse_field(struct pstate *ps, uint8_t kind)
{
	size_t i = ps->i;
	const rdata_tok *t;
	uint32_t v;
	char tmp[64];
	uint8_t addr[16];
	uint8_t name[NAME_MAX_WIRE];
	size_t nl;
	uint16_t type;

	switch (kind) {
	case F_U8:
	case F_U16:
	case F_U32: {
		static const char *const what[] = { "8-bit integer", "16-bit integer", "32-bit integer" };
		static const uint32_t max[] = { 0xff, 0xffff, 0xffffffff };
		unsigned k = kind == F_U8 ? 0 : kind == F_U16 ? 1 : 2;
		if ((t = next_tok(ps, what[k])) == NULL)
			return MX_ESYNTAX;
		if (t->quoted || parse_uint(t->s, t->len, max[k], &v) != 0)
			return bad_tok(ps, i, what[k]);
		if (k == 0)
			wire_put_u8(&ps->w, (uint8_t)v);
		else if (k == 1)
			wire_put_u16(&ps->w, (uint16_t)v);
		else
			wire_put_u32(&ps->w, v);
		return 0;
	}
	case F_TTL:
		if ((t = next_tok(ps, "TTL")) == NULL)
			return MX_ESYNTAX;
		if (t->quoted || rdata_ttl_from_str(t->s, t->len, &v) != 0)
			return bad_tok(ps, i, "TTL");
		wire_put_u32(&ps->w, v);
		return 0;
	case F_TIME:
		if ((t = next_tok(ps, "time")) == NULL)
			return MX_ESYNTAX;
		if (t->quoted || parse_time(t->s, t->len, &v) != 0)
			return bad_tok(ps, i, "time");
		wire_put_u32(&ps->w, v);
		return 0;
	case F_TYPE:
		if ((t = next_tok(ps, "type")) == NULL)
			return MX_ESYNTAX;
		if (t->quoted || rrtype_from_str(t->s, t->len, &type) != 0)
			return bad_tok(ps, i, "type");
		wire_put_u16(&ps->w, type);
		return 0;
	case F_A:
	case F_AAAA: {
		const char *what = kind == F_A ? "IPv4 address" : "IPv6 address";
		if ((t = next_tok(ps, what)) == NULL)
			return MX_ESYNTAX;
		if (t->quoted || t->len >= sizeof(tmp))
			return bad_tok(ps, i, what);
		memcpy(tmp, t->s, t->len);
		tmp[t->len] = 0;
		if (inet_pton(kind == F_A ? AF_INET : AF_INET6, tmp, addr) != 1)
			return bad_tok(ps, i, what);
		wire_put_bytes(&ps->w, addr, kind == F_A ? 4 : 16);
		return 0;
	}
	case F_NAME_C:
	case F_NAME_D:
	case F_NAME_N:
		if ((t = next_tok(ps, "domain name")) == NULL)
			return MX_ESYNTAX;
		if (t->quoted || name_from_str(t->s, t->len, ps->origin, name, &nl) != 0)
			return bad_tok(ps, i, "domain name");
		name_write(&ps->w, name, false);
		return 0;
	case F_STR:
		return parse_str(ps, "character-string", false);
	case F_TAG:
		return parse_str(ps, "CAA tag", true);
	case F_STRS:
		if (ps->i >= ps->ntok)
			return perr(ps, ps->ntok, MX_ESYNTAX, "missing character-string");
		while (ps->i < ps->ntok)
			if (parse_str(ps, "character-string", false) != 0)
				return MX_ESYNTAX;
		return 0;
	case F_QREST:
		if ((t = next_tok(ps, "CAA value")) == NULL)
			return MX_ESYNTAX;
		if (text_decode(t, &ps->w, RDATA_MAX) < 0)
			return bad_tok(ps, i, "CAA value");
		return 0;
	case F_B64:
	case F_HEX:
		return parse_rest(ps, kind);
	case F_SALT:
		return parse_salt(ps);
	case F_B32:
		return parse_b32(ps);
	case F_BITMAP:
		return parse_bitmap(ps);
	default:
		return perr(ps, i, MX_EUNSUPP,
		    "this type has no presentation format: use \\# (RFC 3597)");
	}
}

/* RFC 3597 5: "\# <length> <hex>..." for any type. */
static int
parse_generic(struct pstate *ps, uint16_t type)
{
	uint32_t len;
	char tname[24];

	ps->i = 1;
	if (ps->ntok < 2)
		return perr(ps, 1, MX_ESYNTAX, "missing RDATA length after \\#");
	if (ps->tok[1].quoted || parse_uint(ps->tok[1].s, ps->tok[1].len, RDATA_MAX, &len) != 0)
		return bad_tok(ps, 1, "RDATA length");
	ps->i = 2;
	if (len == 0) {
		if (ps->ntok > 2)
			return perr(ps, 2, MX_ESYNTAX, "\\# 0 takes no data");
	} else {
		int err = parse_rest(ps, F_HEX);
		if (err)
			return err;
	}
	if (ps->w.err)
		return perr(ps, 0, MX_ESPACE, "RDATA too long");
	if (ps->w.len != len)
		return perr(ps, 1, MX_ESYNTAX,
		    "\\# length %u does not match the data (%zu octets)",
		    (unsigned)len, ps->w.len);
	if (rdata_check(type, ps->w.buf, ps->w.len) != 0) {
		rrtype_to_str(type, tname, sizeof(tname));
		return perr(ps, 0, MX_EFORMAT, "malformed %s RDATA in \\# form", tname);
	}
	return 0;
}

int
rdata_parse_tokens(uint16_t type, const rdata_tok *tok, size_t ntok,
    const uint8_t *origin, uint8_t *out, size_t cap, size_t *outlen,
    rdata_perr *pe)
{
	const struct rdesc *d = rdata_desc(type);
	rdata_perr local;
	struct pstate ps;
	int err = 0;

	if (pe == NULL)
		pe = &local;
	pe->tok = 0;
	pe->msg[0] = 0;
	if (outlen)
		*outlen = 0;
	ps.tok = tok;
	ps.ntok = ntok;
	ps.i = 0;
	ps.origin = origin;
	ps.pe = pe;
	wire_wr_init(&ps.w, out, cap > RDATA_MAX ? RDATA_MAX : cap);

	if (ntok > 0 && !tok[0].quoted && tok[0].len == 2 &&
	    tok[0].s[0] == '\\' && tok[0].s[1] == '#') {
		err = parse_generic(&ps, type);
		goto out;
	}
	if (d == NULL) {
		char tname[24];
		rrtype_to_str(type, tname, sizeof(tname));
		err = perr(&ps, 0, MX_EUNSUPP,
		    "type %s has no known format: use \\# (RFC 3597)", tname);
		goto out;
	}
	for (const uint8_t *k = d->f; *k != F_END; k++) {
		err = parse_field(&ps, *k);
		if (err)
			goto out;
	}
	if (ps.i < ntok) {
		const rdata_tok *t = &tok[ps.i];
		int n = t->len > 60 ? 60 : (int)t->len;
		err = perr(&ps, ps.i, MX_ESYNTAX, "unexpected '%.*s' after the RDATA", n, t->s);
		goto out;
	}
	if (ps.w.err) {
		err = perr(&ps, 0, MX_ESPACE, "RDATA too long");
		goto out;
	}
	/* The parsers check each field; this catches what only the whole
	 * shows, and keeps one definition of valid RDATA. */
	if (rdata_check(type, out, ps.w.len) != 0) {
		err = perr(&ps, 0, MX_EFORMAT, "malformed RDATA");
		goto out;
	}
out:
	if (err == 0 && ps.w.err)
		err = perr(&ps, 0, MX_ESPACE, "RDATA too long");
	if (err)
		return err;
	if (outlen)
		*outlen = ps.w.len;
	return 0;
}

int
rdata_from_tokens(uint16_t type, const rdata_tok *tok, size_t ntok,
    const uint8_t *origin, uint8_t *out, size_t cap, size_t *outlen,
    size_t *errtok)
{
	rdata_perr pe;
	int err = rdata_parse_tokens(type, tok, ntok, origin, out, cap, outlen, &pe);

	if (err && errtok)
		*errtok = pe.tok;
	return err;
}
