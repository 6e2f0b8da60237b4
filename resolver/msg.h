/*
 * msg.h: DNS messages (RFC 1035 4.1) with EDNS0 (RFC 6891) and Extended
 * DNS Errors (RFC 8914): parse into a struct, build incrementally.
 *
 * Ownership: everything a parsed msg points to (names, RDATA, options)
 * lives in the region passed to msg_parse(), and is expanded (no
 * compression), so it stays valid after the packet buffer is gone.
 */
#ifndef MXSEC_MSG_H
#define MXSEC_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "region.h"
#include "wire.h"

#define MSG_HDR_LEN 12
#define EDNS_BUFSIZE 1232   /* DNS flag day 2020; DESIGN.md */

/* Header flag bits (RFC 1035 4.1.1, RFC 4035 3.2 for AD and CD). */
#define FLAG_QR 0x8000
#define FLAG_AA 0x0400
#define FLAG_TC 0x0200
#define FLAG_RD 0x0100
#define FLAG_RA 0x0080
#define FLAG_Z  0x0040
#define FLAG_AD 0x0020
#define FLAG_CD 0x0010
#define FLAG_OPCODE(f) (((f) >> 11) & 0xf)
#define FLAG_RCODE(f) ((f) & 0xf)

#define EDNS_DO 0x8000      /* RFC 3225 */
#define EDNS_OPT_EDE 15     /* RFC 8914 */
#define EDNS_OPT_COOKIE 10  /* RFC 7873 */
#define EDNS_OPT_PADDING 12 /* RFC 7830 */

enum { SEC_ANSWER = 0, SEC_AUTHORITY = 1, SEC_ADDITIONAL = 2, SEC_COUNT = 3 };

typedef struct msg_rr {
	uint8_t *owner;     /* expanded wire name */
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t *rdata;     /* expanded RDATA (rdata.h) */
} msg_rr;

typedef struct edns_opt {
	uint16_t code;
	uint16_t len;
	uint8_t *data;
} edns_opt;

typedef struct msg_edns {
	bool present;
	uint16_t udp_size;
	uint8_t ext_rcode;  /* upper 8 bits of the 12-bit rcode */
	uint8_t version;
	uint16_t flags;     /* DO = EDNS_DO */
	uint16_t nopts;
	edns_opt *opts;     /* in message order; unknown options kept */
	/* The first Extended DNS Error option (RFC 8914 2), if any. */
	bool has_ede;
	uint16_t ede_code;
	char *ede_text;     /* NUL-terminated copy; may be "" */
} msg_edns;

typedef struct msg {
	uint16_t id;
	uint16_t flags;
	unsigned rcode;     /* 12 bits: header rcode | ext_rcode << 4 */
	uint16_t qdcount;   /* 0 or 1 */
	uint8_t *qname;     /* NULL when qdcount is 0 */
	uint16_t qtype;
	uint16_t qclass;
	uint16_t count[SEC_COUNT];
	msg_rr *rr[SEC_COUNT];  /* the OPT record is not among them */
	msg_edns edns;
} msg;

/*
 * Parse a whole message.  Rejects (MX_EFORMAT and friends): short header,
 * more than one question, counts larger than the message can hold, any
 * malformed name or RDATA, OPT outside the additional section, more than
 * one OPT or an OPT not owned by the root (RFC 6891 6.1.1), truncated
 * EDNS options.  Octets after the last record are ignored.
 */
int msg_parse(const uint8_t *buf, size_t len, region *reg, msg *m);
/* Header only, for deciding on TC or a mismatched ID before parsing. */
int msg_parse_header(const uint8_t *buf, size_t len, uint16_t *id,
    uint16_t *flags);

/*
 * Incremental builder.  Records go in section order.  When a record does
 * not fit, mb_rr() rewinds it, sets 'truncated' and returns MX_ESPACE; the
 * caller decides whether that means TC=1 (RFC 2181 9).  Space for the OPT
 * record is held back by mb_reserve() so that it always fits.
 */
typedef struct msg_builder {
	wire_wr w;
	int section;            /* last section written, -1 before answers */
	uint16_t count[SEC_COUNT];
	size_t reserved;        /* octets held back for OPT */
	bool truncated;
} msg_builder;

void mb_init(msg_builder *b, uint8_t *buf, size_t cap, uint16_t id,
    uint16_t flags);
void mb_set_flags(msg_builder *b, uint16_t flags);
int mb_question(msg_builder *b, const uint8_t *qname, uint16_t qtype,
    uint16_t qclass);
void mb_reserve(msg_builder *b, size_t n);
int mb_rr(msg_builder *b, int section, const uint8_t *owner, uint16_t type,
    uint16_t rclass, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);
/* Size an OPT record with these options takes. */
size_t mb_opt_size(const edns_opt *opts, size_t nopts);
/* Write the OPT record (RFC 6891 6.1.2) with the upper rcode bits; uses the
 * reserved space. */
int mb_opt(msg_builder *b, uint16_t udp_size, unsigned rcode,
    uint8_t version, uint16_t flags, const edns_opt *opts, size_t nopts);
/* Patch counts; returns the message length or a negative error. */
int mb_finish(msg_builder *b);

/* Serialise a parsed message again (names compressed). */
int msg_write(const msg *m, uint8_t *buf, size_t cap, size_t *len);

/* RFC 2308 5: the lifetime of a negative answer, min(SOA TTL, SOA
 * MINIMUM), from the first SOA among rrs[0..n).  False without one. */
bool msg_negative_ttl(const msg_rr *rrs, size_t n, uint32_t *ttl);

/* One RR in zone-file form: "owner ttl class type rdata". */
int rr_to_str(const msg_rr *rr, char *buf, size_t cap);
/* dig-like dump, for tools and debugging. */
void msg_print(const msg *m, FILE *f);

#endif
