#include <string.h>

#include "err.h"
#include "wire.h"

void
wire_rd_init(wire_rd *r, const uint8_t *p, size_t len)
{
	r->msg = p;
	r->msg_len = len;
	r->pos = 0;
	r->end = len;
	r->err = 0;
}

void
wire_rd_set_error(wire_rd *r, int err)
{
	if (r->err == 0)
		r->err = err;
	r->pos = r->end;
}

size_t
wire_rd_limit(wire_rd *r, size_t n)
{
	size_t old = r->end;

	if (r->err)
		return old;
	if (n > r->end - r->pos) {
		wire_rd_set_error(r, MX_ETRUNC);
		return old;
	}
	r->end = r->pos + n;
	return old;
}

const uint8_t *
wire_take(wire_rd *r, size_t n)
{
	if (r->err)
		return NULL;
	if (n > r->end - r->pos) {
		wire_rd_set_error(r, MX_ETRUNC);
		return NULL;
	}
	const uint8_t *p = r->msg + r->pos;
	r->pos += n;
	return p;
}

void
wire_bytes(wire_rd *r, void *out, size_t n)
{
	const uint8_t *p = wire_take(r, n);

	if (p == NULL)
		memset(out, 0, n);
	else
		memcpy(out, p, n);
}

void
wire_skip(wire_rd *r, size_t n)
{
	(void)wire_take(r, n);
}

uint8_t
wire_u8(wire_rd *r)
{
	const uint8_t *p = wire_take(r, 1);
	return p ? p[0] : 0;
}

uint16_t
wire_u16(wire_rd *r)
{
	const uint8_t *p = wire_take(r, 2);
	return p ? wire_get_u16(p) : 0;
}

uint32_t
wire_u32(wire_rd *r)
{
	const uint8_t *p = wire_take(r, 4);
	return p ? wire_get_u32(p) : 0;
}

void
wire_wr_init(wire_wr *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap > 65535 ? 65535 : cap;
	w->len = 0;
	w->err = 0;
	w->ncomp = 0;
}

void
wire_put_bytes(wire_wr *w, const void *p, size_t n)
{
	if (w->err)
		return;
	if (n > w->cap - w->len) {
		w->err = MX_ESPACE;
		return;
	}
	if (n)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

void
wire_put_u8(wire_wr *w, uint8_t v)
{
	wire_put_bytes(w, &v, 1);
}

void
wire_put_u16(wire_wr *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	wire_put_bytes(w, b, 2);
}

void
wire_put_u32(wire_wr *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	wire_put_bytes(w, b, 4);
}

void
wire_patch_u16(wire_wr *w, size_t off, uint16_t v)
{
	if (off + 2 > w->len)
		return;
	w->buf[off] = (uint8_t)(v >> 8);
	w->buf[off + 1] = (uint8_t)v;
}

void
wire_wr_rewind(wire_wr *w, size_t len)
{
	if (len > w->len)
		return;
	w->len = len;
	w->err = 0;
	while (w->ncomp > 0 && w->comp[w->ncomp - 1] >= len)
		w->ncomp--;
}
