/*
 * name.c: domain names in wire and presentation form.
 */
#include <string.h>

#include "err.h"
#include "name.h"

static inline uint8_t
lower(uint8_t c)
{
	/* RFC 4343 2: only ASCII letters fold; other octets compare exactly. */
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static int
read_name(wire_rd *r, uint8_t out[NAME_MAX_WIRE], size_t *outlen, bool comp)
{
	size_t olen = 0;
	size_t pos;          /* where we read the next label length */
	size_t run_start;    /* start of the current label run: pointers must go before it */
	bool jumped = false;
	unsigned hops = 0;
	int err = 0;

	out[0] = 0;
	if (outlen)
		*outlen = 1;
	if (r->err)
		return r->err;
	pos = r->pos;
	run_start = pos;
	for (;;) {
		/* Before a jump the label must lie inside the cursor's limit;
		 * after it, anywhere in the message (RFC 9267 2). */
		size_t lim = jumped ? r->msg_len : r->end;
		if (pos >= lim) {
			err = MX_ETRUNC;
			goto fail;
		}
		uint8_t len = r->msg[pos];
		switch (len & 0xc0) {
		case 0xc0: {
			if (!comp) {
				err = MX_EFORMAT;
				goto fail;
			}
			if (pos + 1 >= lim) {
				err = MX_ETRUNC;
				goto fail;
			}
			size_t target = (size_t)(len & 0x3f) << 8 | r->msg[pos + 1];
			/* RFC 9267 2, 3: a pointer must point strictly backwards,
			 * before the labels it follows; each hop then moves to a
			 * smaller offset, so no loop can exist.  The hop count is
			 * a second, redundant bound. */
			if (target >= run_start || ++hops > 127) {
				err = MX_ELOOP;
				goto fail;
			}
			if (!jumped)
				r->pos = pos + 2;
			jumped = true;
			pos = target;
			run_start = target;
			continue;
		}
		case 0x00:
			break;
		default:
			/* 0x40 and 0x80: extended and reserved label types
			 * (RFC 6891 5 deprecated 0x40), not accepted. */
			err = MX_EFORMAT;
			goto fail;
		}
		if (pos + 1 + len > lim) {
			err = MX_ETRUNC;
			goto fail;
		}
		if (olen + 1 + len > NAME_MAX_WIRE) {
			err = MX_ENAME;
			goto fail;
		}
		memcpy(out + olen, r->msg + pos, 1 + (size_t)len);
		olen += 1 + (size_t)len;
		pos += 1 + (size_t)len;
		if (len == 0)
			break;
	}
	if (!jumped)
		r->pos = pos;
	if (outlen)
		*outlen = olen;
	return 0;
fail:
	out[0] = 0;
	wire_rd_set_error(r, err);
	return err;
}

int
name_read(wire_rd *r, uint8_t out[NAME_MAX_WIRE], size_t *outlen)
{
	return read_name(r, out, outlen, true);
}

int
name_read_nocomp(wire_rd *r, uint8_t out[NAME_MAX_WIRE], size_t *outlen)
{
	return read_name(r, out, outlen, false);
}

size_t
name_len(const uint8_t *name)
{
	const uint8_t *p = name;

	while (*p)
		p += 1 + *p;
	return (size_t)(p - name) + 1;
}

unsigned
name_labels(const uint8_t *name)
{
	unsigned n = 0;

	for (; *name; name += 1 + *name)
		n++;
	return n;
}

bool
name_is_wildcard(const uint8_t *name)
{
	return name[0] == 1 && name[1] == '*';
}

bool
name_is_root(const uint8_t *name)
{
	return name[0] == 0;
}

const uint8_t *
name_parent(const uint8_t *name)
{
	return name[0] ? name + 1 + name[0] : NULL;
}

const uint8_t *
name_suffix(const uint8_t *name, unsigned keep)
{
	unsigned n = name_labels(name);

	while (n > keep) {
		name += 1 + name[0];
		n--;
	}
	return name;
}

bool
name_eq(const uint8_t *a, const uint8_t *b)
{
	for (;;) {
		if (*a != *b)
			return false;
		uint8_t len = *a;
		if (len == 0)
			return true;
		for (unsigned i = 1; i <= len; i++)
			if (lower(a[i]) != lower(b[i]))
				return false;
		a += 1 + len;
		b += 1 + len;
	}
}

bool
name_is_subdomain(const uint8_t *a, const uint8_t *b)
{
	unsigned la = name_labels(a), lb = name_labels(b);

	if (la < lb)
		return false;
	return name_eq(name_suffix(a, lb), b);
}

bool
name_is_below(const uint8_t *a, const uint8_t *b)
{
	return name_labels(a) > name_labels(b) && name_is_subdomain(a, b);
}

int
name_canon_cmp(const uint8_t *a, const uint8_t *b)
{
	/* RFC 4034 6.1: compare label by label from the root, each label as
	 * a lower-cased octet string; a missing label sorts first. */
	const uint8_t *la[128], *lb[128];
	unsigned na = 0, nb = 0;

	for (; *a; a += 1 + *a)
		la[na++] = a;
	for (; *b; b += 1 + *b)
		lb[nb++] = b;
	while (na > 0 && nb > 0) {
		const uint8_t *x = la[--na], *y = lb[--nb];
		unsigned lx = x[0], ly = y[0], n = lx < ly ? lx : ly;
		for (unsigned i = 1; i <= n; i++) {
			uint8_t cx = lower(x[i]), cy = lower(y[i]);
			if (cx != cy)
				return cx < cy ? -1 : 1;
		}
		if (lx != ly)
			return lx < ly ? -1 : 1;
	}
	if (na == nb)
		return 0;
	return na < nb ? -1 : 1;
}

void
name_lower(uint8_t *name)
{
	while (*name) {
		uint8_t len = *name;
		for (unsigned i = 1; i <= len; i++)
			name[i] = lower(name[i]);
		name += 1 + len;
	}
}

size_t
name_copy(uint8_t out[NAME_MAX_WIRE], const uint8_t *name)
{
	size_t n = name_len(name);

	memmove(out, name, n);
	return n;
}

uint32_t
name_hash(const uint8_t *name, uint32_t seed)
{
	/* FNV-1a over the lower-cased name; the seed is random per process
	 * so tables are not predictable to an attacker. */
	uint32_t h = 2166136261u ^ seed;
	size_t n = name_len(name);

	for (size_t i = 0; i < n; i++) {
		h ^= lower(name[i]);
		h *= 16777619u;
	}
	return h;
}

/*
 * Compression for writing: the writer remembers offsets of names it has
 * written.  For each suffix of the new name, longest first, look for an
 * earlier written suffix that is identical; then emit the labels before it
 * and a pointer.
 */
static bool
buf_name_eq(const wire_wr *w, size_t off, const uint8_t *name)
{
	unsigned hops = 0;

	for (;;) {
		if (off >= w->len)
			return false;
		uint8_t len = w->buf[off];
		if ((len & 0xc0) == 0xc0) {
			if (off + 1 >= w->len || ++hops > 127)
				return false;
			size_t t = (size_t)(len & 0x3f) << 8 | w->buf[off + 1];
			if (t >= off)
				return false;
			off = t;
			continue;
		}
		/* Exact, case-sensitive match: a pointer must not change the
		 * case of the name it stands for (RFC 4343 4.1: case is
		 * preserved; 0x20 clients compare it). */
		if (len != *name || off + 1 + len > w->len ||
		    memcmp(w->buf + off + 1, name + 1, len) != 0)
			return false;
		if (len == 0)
			return true;
		off += 1 + len;
		name += 1 + len;
	}
}

void
name_write(wire_wr *w, const uint8_t *name, bool compress)
{
	const uint8_t *suffix = name;
	size_t ptr = 0;
	bool found = false;

	if (w->err)
		return;
	if (compress) {
		for (; *suffix; suffix += 1 + *suffix) {
			for (unsigned i = 0; i < w->ncomp; i++) {
				if (buf_name_eq(w, w->comp[i], suffix)) {
					ptr = w->comp[i];
					found = true;
					break;
				}
			}
			if (found)
				break;
		}
	} else {
		suffix = name + name_len(name) - 1;
	}
	/* Labels before the shared suffix are written in full; each label
	 * start that a pointer can reach (offset < 0x4000) is remembered. */
	for (const uint8_t *p = name; p != suffix; p += 1 + *p) {
		if (compress && w->len < 0x4000 && w->ncomp < WIRE_COMP_MAX)
			w->comp[w->ncomp++] = (uint16_t)w->len;
		wire_put_bytes(w, p, 1 + (size_t)*p);
	}
	if (found)
		wire_put_u16(w, (uint16_t)(0xc000 | ptr));
	else
		wire_put_u8(w, 0);
	if (w->err) {
		/* Do not leave offsets of a partly written name behind. */
		while (w->ncomp > 0 && w->comp[w->ncomp - 1] >= w->len)
			w->ncomp--;
	}
}

/* Presentation format. */

static int
parse_name(const char *s, size_t len, const uint8_t *origin,
    uint8_t out[NAME_MAX_WIRE], size_t *outlen)
{
	size_t olen = 0, lab = 0;   /* lab: offset of current label length */
	size_t i = 0;
	bool absolute = false;

	out[0] = 0;
	if (outlen)
		*outlen = 1;
	if (len == 0)
		return MX_ESYNTAX;
	if (len == 1 && s[0] == '@') {
		if (origin == NULL)
			return MX_ESYNTAX;
		size_t n = name_copy(out, origin);
		if (outlen)
			*outlen = n;
		return 0;
	}
	if (len == 1 && s[0] == '.') {
		return 0;
	}
	out[0] = 0;
	lab = 0;
	olen = 1;
	while (i < len) {
		uint8_t c = (uint8_t)s[i++];
		if (c == '.') {
			if (out[lab] == 0)
				return MX_ESYNTAX;  /* empty label */
			if (i == len) {
				absolute = true;
				break;
			}
			lab = olen;
			if (olen >= NAME_MAX_WIRE)
				return MX_ENAME;
			out[olen++] = 0;
			continue;
		}
		if (c == '\\') {
			if (i >= len)
				return MX_ESYNTAX;
			if (s[i] >= '0' && s[i] <= '9') {
				if (i + 3 > len)
					return MX_ESYNTAX;
				unsigned v = 0;
				for (int k = 0; k < 3; k++, i++) {
					if (s[i] < '0' || s[i] > '9')
						return MX_ESYNTAX;
					v = v * 10 + (unsigned)(s[i] - '0');
				}
				if (v > 255)
					return MX_ESYNTAX;
				c = (uint8_t)v;
			} else {
				c = (uint8_t)s[i++];
			}
		}
		if (out[lab] >= LABEL_MAX)
			return MX_ELABEL;
		if (olen >= NAME_MAX_WIRE)
			return MX_ENAME;
		out[olen++] = c;
		out[lab]++;
	}
	/* Terminate: the root label, or the origin for a relative name. */
	if (absolute || origin == NULL) {
		if (olen + 1 > NAME_MAX_WIRE)
			return MX_ENAME;
		out[olen++] = 0;
	} else {
		size_t on = name_len(origin);
		if (olen + on > NAME_MAX_WIRE)
			return MX_ENAME;
		memcpy(out + olen, origin, on);
		olen += on;
	}
	if (outlen)
		*outlen = olen;
	return 0;
}

int
name_from_str(const char *s, size_t len, const uint8_t *origin,
    uint8_t out[NAME_MAX_WIRE], size_t *outlen)
{
	int err = parse_name(s, len, origin, out, outlen);

	if (err) {
		out[0] = 0;
		if (outlen)
			*outlen = 1;
	}
	return err;
}

int
name_from_cstr(const char *s, uint8_t out[NAME_MAX_WIRE])
{
	return name_from_str(s, strlen(s), NULL, out, NULL);
}

int
name_to_str(const uint8_t *name, char *buf, size_t cap)
{
	size_t o = 0;

#define PUT(ch) do { if (o + 1 >= cap) goto space; buf[o++] = (char)(ch); } while (0)
	if (cap == 0)
		return MX_ESPACE;
	if (*name == 0) {
		PUT('.');
		buf[o] = 0;
		return (int)o;
	}
	while (*name) {
		uint8_t len = *name;
		for (unsigned i = 1; i <= len; i++) {
			uint8_t c = name[i];
			switch (c) {
			case '.': case '\\': case '"': case '(': case ')':
			case ';': case '@': case '$':
				PUT('\\');
				PUT(c);
				break;
			default:
				if (c > 0x20 && c < 0x7f) {
					PUT(c);
				} else {
					PUT('\\');
					PUT('0' + c / 100);
					PUT('0' + c / 10 % 10);
					PUT('0' + c % 10);
				}
			}
		}
		PUT('.');
		name += 1 + len;
	}
	buf[o] = 0;
	return (int)o;
space:
	buf[0] = 0;
	return MX_ESPACE;
#undef PUT
}
