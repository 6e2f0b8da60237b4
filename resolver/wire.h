/*
 * wire.h: the one bounds-checked read cursor and the one write buffer used
 * by all wire-format code (STYLE.md rule 1).
 *
 * A failed read sets a sticky error, zero-fills its output and moves the
 * cursor to its limit, so a caller may read a whole record and check
 * wire_rd.err once.  Checks are real code, never assert().
 */
#ifndef MXSEC_WIRE_H
#define MXSEC_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wire_rd {
	const uint8_t *msg;  /* start of the whole message: compression targets */
	size_t msg_len;      /* length of the whole message */
	size_t pos;          /* offset of the next byte to read */
	size_t end;          /* reads stop here (<= msg_len) */
	int err;             /* 0 or a negative MX_E* code; sticky */
} wire_rd;

/* A cursor over p[0..len); the buffer must outlive the cursor. */
void wire_rd_init(wire_rd *r, const uint8_t *p, size_t len);
/* Set the read limit to pos + n (for RDATA); fails with MX_ETRUNC when
 * that passes the current limit.  Returns the old limit for restoring. */
size_t wire_rd_limit(wire_rd *r, size_t n);
void wire_rd_set_error(wire_rd *r, int err);

static inline size_t wire_left(const wire_rd *r) { return r->err ? 0 : r->end - r->pos; }

uint8_t wire_u8(wire_rd *r);
uint16_t wire_u16(wire_rd *r);
uint32_t wire_u32(wire_rd *r);
void wire_bytes(wire_rd *r, void *out, size_t n);
/* Pointer to the next n bytes (into the message) and advance; NULL on error. */
const uint8_t *wire_take(wire_rd *r, size_t n);
void wire_skip(wire_rd *r, size_t n);

/* Maximum compression targets remembered by a writer. */
#define WIRE_COMP_MAX 96

typedef struct wire_wr {
	uint8_t *buf;        /* caller's buffer */
	size_t cap;          /* its size (at most 65535 is meaningful for DNS) */
	size_t len;          /* bytes written */
	int err;             /* 0 or MX_ESPACE; sticky */
	unsigned ncomp;      /* compression targets: offsets of written names */
	uint16_t comp[WIRE_COMP_MAX];
} wire_wr;

void wire_wr_init(wire_wr *w, uint8_t *buf, size_t cap);
void wire_put_u8(wire_wr *w, uint8_t v);
void wire_put_u16(wire_wr *w, uint16_t v);
void wire_put_u32(wire_wr *w, uint32_t v);
void wire_put_bytes(wire_wr *w, const void *p, size_t n);
/* Overwrite a 16-bit value at an earlier offset (counts, RDLENGTH). */
void wire_patch_u16(wire_wr *w, size_t off, uint16_t v);
/* Roll back to an earlier length, forgetting later compression targets
 * and clearing the error.  Used to drop a record that did not fit. */
void wire_wr_rewind(wire_wr *w, size_t len);

static inline uint16_t wire_get_u16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t wire_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif
