/*
 * rdata_int.h: the RDATA descriptors shared by rdata.c (wire side) and
 * rdata_str.c (presentation side).  Internal to resolver/.
 */
#ifndef MXSEC_RDATA_INT_H
#define MXSEC_RDATA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "name.h"
#include "wire.h"

enum rdata_fkind {
	F_END = 0,
	F_U8,       /* 8-bit integer */
	F_U16,      /* 16-bit integer */
	F_U32,      /* 32-bit integer */
	F_TTL,      /* 32-bit integer; presentation also takes BIND units */
	F_TYPE,     /* 16-bit RR type, as a mnemonic */
	F_TIME,     /* 32-bit time, YYYYMMDDHHmmSS (RFC 4034 3.2) */
	F_A,        /* IPv4 address */
	F_AAAA,     /* IPv6 address */
	F_NAME_C,   /* name, compressible both ways (RFC 3597 4) */
	F_NAME_D,   /* name, decompressed on read, never compressed on write */
	F_NAME_N,   /* name that is never compressed: a pointer is an error */
	F_STR,      /* <character-string> */
	F_STRS,     /* one or more <character-string>s to the end */
	F_TAG,      /* CAA tag: non-empty <character-string>, unquoted */
	F_QREST,    /* rest of the RDATA as one quoted string (CAA value) */
	F_B64,      /* rest of the RDATA, base64 */
	F_HEX,      /* rest of the RDATA, hex */
	F_SALT,     /* length octet + salt, hex or "-" (RFC 5155 3.3) */
	F_B32,      /* length octet + hash, base32hex (RFC 5155 3.3) */
	F_BITMAP,   /* type bitmap to the end (RFC 4034 4.1.2) */
	F_OPAQUE,   /* rest of the RDATA, only "\#" in presentation */
};

struct rdesc {
	uint16_t type;
	/* Lower-case embedded names in canonical form (RFC 4034 6.2 item 3
	 * as corrected by RFC 6840 5.1). */
	uint8_t canon;
	uint8_t f[10];
};

/* The descriptor of a type, NULL for RFC 3597 unknown types. */
const struct rdesc *rdata_desc(uint16_t type);

static inline bool
rdata_kind_is_name(uint8_t kind)
{
	return kind == F_NAME_C || kind == F_NAME_D || kind == F_NAME_N;
}

struct rdata_field {
	size_t off;                  /* offset of the field in the cursor's buffer */
	size_t n;                    /* octets it takes there */
	uint8_t name[NAME_MAX_WIRE]; /* name fields: the decoded name */
	size_t namelen;
};

typedef int (*rdata_field_cb)(void *ctx, uint8_t kind, const struct rdata_field *f);

/* Walk all fields of d at the cursor, up to its limit; the fields must
 * fill it exactly (else MX_EFORMAT).  Each field is validated before cb
 * sees it.  from_msg: the cursor is over a message, so names may be
 * compressed where the field kind allows; otherwise the data is expanded
 * RDATA and a compression pointer is an error.  A nonzero callback value
 * stops the walk and is returned. */
int rdata_walk(const struct rdesc *d, wire_rd *r, bool from_msg,
    rdata_field_cb cb, void *ctx);

#endif
