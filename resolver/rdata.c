/*
 * rdata.c: typed RDATA, driven by one descriptor per known type: the
 * table and the wire side.
 *
 * Every entry point walks the same field list: take() consumes one field
 * from a bounds-checked cursor and validates it, and each function does
 * its own thing with the field (copy, compress, lower-case, print).  The
 * presentation side (rdata_str.c) walks the same list over tokens.
 * Adding a type is one line in the table below.
 */
#include <string.h>

#include "err.h"
#include "name.h"
#include "rdata.h"
#include "rdata_int.h"
#include "rrtype.h"

#define NAME_C F_NAME_C
#define NAME_D F_NAME_D
#define NAME_N F_NAME_N

/*
 * RFC 3597 4: names in the RFC 1035 types (NS, MD, MF, CNAME, SOA, MB, MG,
 * MR, PTR, MINFO, MX) may be compressed; in RP, AFSDB, RT, SIG, PX, NXT,
 * NAPTR and SRV receivers decompress but senders do not compress.  KX is
 * in neither list; RFC 2230 does not compress it, we decompress it on
 * receipt like SRV.  RRSIG signer and NSEC next name (RFC 4034 3.1.7,
 * 4.1.1) and the DNAME target (RFC 6672 2.5) must not be compressed.
 *
 * Canonical form: RFC 4034 6.2 lists NS, MD, MF, CNAME, SOA, MB, MG, MR,
 * PTR, HINFO, MINFO, MX, RP, AFSDB, RT, SIG, PX, NXT, NAPTR, KX, SRV,
 * DNAME, A6, RRSIG and NSEC.  RFC 6840 5.1: "DNS names in the RDATA
 * section of NSEC resource records are not converted to lowercase.  DNS
 * names in the RDATA section of RRSIG resource records are converted to
 * lowercase."  So NSEC has canon 0.  HINFO holds no names.
 */
static const struct rdesc descs[] = {
	{ RR_A, 0, { F_A } },
	{ RR_NS, 1, { NAME_C } },
	{ RR_MD, 1, { NAME_C } },
	{ RR_MF, 1, { NAME_C } },
	{ RR_CNAME, 1, { NAME_C } },
	{ RR_SOA, 1, { NAME_C, NAME_C, F_U32, F_TTL, F_TTL, F_TTL, F_TTL } },
	{ RR_MB, 1, { NAME_C } },
	{ RR_MG, 1, { NAME_C } },
	{ RR_MR, 1, { NAME_C } },
	{ RR_PTR, 1, { NAME_C } },
	{ RR_HINFO, 0, { F_STR, F_STR } },
	{ RR_MINFO, 1, { NAME_C, NAME_C } },
	{ RR_MX, 1, { F_U16, NAME_C } },
	{ RR_TXT, 0, { F_STRS } },
	{ RR_RP, 1, { NAME_D, NAME_D } },
	{ RR_AFSDB, 1, { F_U16, NAME_D } },
	{ RR_RT, 1, { F_U16, NAME_D } },
	{ RR_AAAA, 0, { F_AAAA } },
	{ RR_SRV, 1, { F_U16, F_U16, F_U16, NAME_D } },
	{ RR_NAPTR, 1, { F_U16, F_U16, F_STR, F_STR, F_STR, NAME_D } },
	{ RR_KX, 1, { F_U16, NAME_D } },
	{ RR_DNAME, 1, { NAME_N } },
	{ RR_OPT, 0, { F_OPAQUE } },
	{ RR_DS, 0, { F_U16, F_U8, F_U8, F_HEX } },
	{ RR_SSHFP, 0, { F_U8, F_U8, F_HEX } },
	{ RR_RRSIG, 1, { F_TYPE, F_U8, F_U8, F_TTL, F_TIME, F_TIME, F_U16,
	    NAME_N, F_B64 } },
	{ RR_NSEC, 0, { NAME_N, F_BITMAP } },
	{ RR_DNSKEY, 0, { F_U16, F_U8, F_U8, F_B64 } },
	{ RR_NSEC3, 0, { F_U8, F_U8, F_U16, F_SALT, F_B32, F_BITMAP } },
	{ RR_NSEC3PARAM, 0, { F_U8, F_U8, F_U16, F_SALT } },
	{ RR_TLSA, 0, { F_U8, F_U8, F_U8, F_HEX } },
	{ RR_CDS, 0, { F_U16, F_U8, F_U8, F_HEX } },
	{ RR_CDNSKEY, 0, { F_U16, F_U8, F_U8, F_B64 } },
	{ RR_CAA, 0, { F_U8, F_TAG, F_QREST } },
};

const struct rdesc *
rdata_desc(uint16_t type)
{
	for (size_t i = 0; i < sizeof(descs) / sizeof(descs[0]); i++)
		if (descs[i].type == type)
			return &descs[i];
	return NULL;
}

/*
 * Wire side.
 */

/* RFC 4034 4.1.2: window numbers strictly increasing, bitmap lengths
 * 1..32, blocks without types omitted and trailing zero octets omitted. */
static bool
bitmap_ok(const uint8_t *p, size_t len)
{
	int last = -1;
	size_t i = 0;

	while (i < len) {
		if (len - i < 2)
			return false;
		unsigned win = p[i], blen = p[i + 1];
		if ((int)win <= last || blen < 1 || blen > 32 || len - i - 2 < blen)
			return false;
		if (p[i + 1 + blen] == 0)
			return false;
		last = (int)win;
		i += 2 + blen;
	}
	return true;
}

static void
bad(wire_rd *r)
{
	wire_rd_set_error(r, MX_EFORMAT);
}

/* Consume one field at the cursor.  from_msg: the cursor is over a
 * message, so names may be compressed where the kind allows; otherwise
 * the data is expanded RDATA and no name may be compressed. */
static int
take(wire_rd *r, uint8_t kind, bool from_msg, struct rdata_field *f)
{
	size_t start = r->pos;
	size_t n;

	f->namelen = 0;
	switch (kind) {
	case F_U8:
		wire_skip(r, 1);
		break;
	case F_U16:
	case F_TYPE:
		wire_skip(r, 2);
		break;
	case F_U32:
	case F_TTL:
	case F_TIME:
	case F_A:
		wire_skip(r, 4);
		break;
	case F_AAAA:
		wire_skip(r, 16);
		break;
	case F_NAME_C:
	case F_NAME_D:
		if (from_msg)
			name_read(r, f->name, &f->namelen);
		else
			name_read_nocomp(r, f->name, &f->namelen);
		break;
	case F_NAME_N:
		name_read_nocomp(r, f->name, &f->namelen);
		break;
	case F_STR:
	case F_SALT:
		n = wire_u8(r);
		wire_skip(r, n);
		break;
	case F_TAG:
	case F_B32:
		/* RFC 8659 4.1: tag length is not zero; RFC 5155 3.1: the
		 * hash length is at least 1. */
		n = wire_u8(r);
		if (r->err == 0 && n == 0)
			bad(r);
		wire_skip(r, n);
		break;
	case F_STRS:
		/* RFC 1035 3.3.14: one or more <character-string>s. */
		do {
			n = wire_u8(r);
			wire_skip(r, n);
		} while (wire_left(r) > 0);
		break;
	case F_QREST:
	case F_B64:
	case F_HEX:
	case F_OPAQUE:
		wire_skip(r, wire_left(r));
		break;
	case F_BITMAP: {
		size_t left = wire_left(r);
		const uint8_t *p = wire_take(r, left);
		if (p != NULL && !bitmap_ok(p, left))
			bad(r);
		break;
	}
	default:
		bad(r);
		break;
	}
	f->off = start;
	f->n = r->err ? 0 : r->pos - start;
	return r->err;
}

int
rdata_walk(const struct rdesc *d, wire_rd *r, bool from_msg,
    rdata_field_cb cb, void *ctx)
{
	for (const uint8_t *k = d->f; *k != F_END; k++) {
		struct rdata_field f;
		if (take(r, *k, from_msg, &f) != 0)
			return r->err;
		if (cb != NULL) {
			int rc = cb(ctx, *k, &f);
			if (rc != 0)
				return rc;
		}
	}
	if (r->err == 0 && r->pos != r->end)
		bad(r);   /* trailing octets */
	return r->err;
}

static int
read_cb(void *ctx, uint8_t kind, const struct rdata_field *f)
{
	struct { wire_rd *r; wire_wr *w; } *c = ctx;

	if (rdata_kind_is_name(kind))
		name_write(c->w, f->name, false);
	else
		wire_put_bytes(c->w, c->r->msg + f->off, f->n);
	return 0;
}

int
rdata_read(wire_rd *r, uint16_t type, uint16_t rdlen,
    uint8_t *out, size_t cap, size_t *outlen)
{
	const struct rdesc *d = rdata_desc(type);
	wire_wr w;
	size_t old;
	int err;

	if (outlen)
		*outlen = 0;
	if (r->err)
		return r->err;
	old = wire_rd_limit(r, rdlen);
	if (r->err)
		return r->err;   /* RDLENGTH runs past the input: MX_ETRUNC */
	wire_wr_init(&w, out, cap);
	if (d == NULL) {
		const uint8_t *p = wire_take(r, rdlen);
		if (p != NULL)
			wire_put_bytes(&w, p, rdlen);
	} else {
		struct { wire_rd *r; wire_wr *w; } c = { r, &w };
		rdata_walk(d, r, true, read_cb, &c);
		/* Inside RDLENGTH a short field is malformed RDATA, not a
		 * truncated message. */
		if (r->err == MX_ETRUNC)
			r->err = MX_EFORMAT;
	}
	if (r->err == 0 && w.err != 0)
		wire_rd_set_error(r, w.err);
	err = r->err;
	r->end = old;
	if (err == 0 && outlen)
		*outlen = w.len;
	return err;
}

int
rdata_check(uint16_t type, const uint8_t *rd, size_t len)
{
	const struct rdesc *d = rdata_desc(type);
	wire_rd r;

	if (len > RDATA_MAX)
		return MX_EFORMAT;
	if (d == NULL)
		return 0;
	wire_rd_init(&r, rd, len);
	return rdata_walk(d, &r, false, NULL, NULL) ? MX_EFORMAT : 0;
}

static int
write_cb(void *ctx, uint8_t kind, const struct rdata_field *f)
{
	struct { wire_wr *w; const uint8_t *rd; bool compress; } *c = ctx;

	if (rdata_kind_is_name(kind))
		name_write(c->w, c->rd + f->off, c->compress && kind == F_NAME_C);
	else
		wire_put_bytes(c->w, c->rd + f->off, f->n);
	return 0;
}

void
rdata_write(wire_wr *w, uint16_t type, const uint8_t *rd, size_t len,
    bool compress)
{
	const struct rdesc *d = rdata_desc(type);

	/* Unknown types and RDATA that does not parse go out unchanged:
	 * expanded RDATA is self-contained, so that is always correct. */
	if (d == NULL || rdata_check(type, rd, len) != 0) {
		wire_put_bytes(w, rd, len);
		return;
	}
	struct { wire_wr *w; const uint8_t *rd; bool compress; } c = { w, rd, compress };
	wire_rd r;
	wire_rd_init(&r, rd, len);
	rdata_walk(d, &r, false, write_cb, &c);
}

static int
canon_cb(void *ctx, uint8_t kind, const struct rdata_field *f)
{
	if (rdata_kind_is_name(kind))
		name_lower((uint8_t *)ctx + f->off);
	return 0;
}

void
rdata_canonicalize(uint16_t type, uint8_t *rd, size_t len)
{
	const struct rdesc *d = rdata_desc(type);
	wire_rd r;

	if (d == NULL || !d->canon || rdata_check(type, rd, len) != 0)
		return;
	wire_rd_init(&r, rd, len);
	rdata_walk(d, &r, false, canon_cb, rd);
}

static int
names_cb(void *ctx, uint8_t kind, const struct rdata_field *f)
{
	struct { const uint8_t *rd; int (*fn)(const uint8_t *, void *); void *arg; } *c = ctx;

	if (rdata_kind_is_name(kind))
		return c->fn(c->rd + f->off, c->arg);
	return 0;
}

int
rdata_foreach_name(uint16_t type, const uint8_t *rd, size_t len,
    int (*fn)(const uint8_t *name, void *arg), void *arg)
{
	const struct rdesc *d = rdata_desc(type);
	wire_rd r;

	if (d == NULL)
		return 0;
	if (rdata_check(type, rd, len) != 0)
		return MX_EFORMAT;
	struct { const uint8_t *rd; int (*fn)(const uint8_t *, void *); void *arg; } c = { rd, fn, arg };
	wire_rd_init(&r, rd, len);
	return rdata_walk(d, &r, false, names_cb, &c);
}

bool
rdata_bitmap_has(const uint8_t *bm, size_t len, uint16_t type)
{
	unsigned want = type >> 8, bit = type & 0xff;
	size_t i = 0;

	while (i + 2 <= len) {
		unsigned win = bm[i], blen = bm[i + 1];
		if (blen > len - i - 2)
			return false;
		if (win == want)
			return bit / 8 < blen && (bm[i + 2 + bit / 8] & (0x80 >> (bit % 8))) != 0;
		i += 2 + blen;
	}
	return false;
}

uint16_t
rdata_keytag(const uint8_t *rd, size_t len)
{
	uint32_t ac = 0;

	if (len < 4)
		return 0;
	if (rd[3] == 1) {
		/* RFC 4034 B.1: RSA/MD5 uses the most significant 16 of the
		 * least significant 24 bits of the modulus, which ends the
		 * RDATA (RFC 3110 2). */
		if (len < 4 + 3)
			return 0;
		return (uint16_t)(rd[len - 3] << 8 | rd[len - 2]);
	}
	/* RFC 4034 Appendix B: sum of 16-bit words; at most 65535 octets,
	 * so 32 bits cannot overflow. */
	for (size_t i = 0; i < len; i++)
		ac += (i & 1) ? rd[i] : (uint32_t)rd[i] << 8;
	ac += (ac >> 16) & 0xffff;
	return (uint16_t)(ac & 0xffff);
}

