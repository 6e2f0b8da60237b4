/*
 * msg.c: parse and build DNS messages.
 */
#include <string.h>

#include "err.h"
#include "msg.h"
#include "name.h"
#include "rdata.h"
#include "rrtype.h"

/* Smallest possible RR: root owner (1) + type, class, ttl, rdlength (10). */
#define RR_MIN_LEN 11

int
msg_parse_header(const uint8_t *buf, size_t len, uint16_t *id, uint16_t *flags)
{
	if (len < MSG_HDR_LEN)
		return MX_ETRUNC;
	*id = wire_get_u16(buf);
	*flags = wire_get_u16(buf + 2);
	return 0;
}

static int
parse_edns_options(wire_rd *r, size_t rdlen, region *reg, msg_edns *e)
{
	size_t old = wire_rd_limit(r, rdlen);
	size_t start = r->pos;
	uint16_t n = 0;

	/* First pass counts, so the array is allocated once. */
	while (wire_left(r) > 0) {
		(void)wire_u16(r);
		wire_skip(r, wire_u16(r));
		n++;
	}
	if (r->err)
		return r->err;   /* RFC 9267 4: truncated option */
	r->pos = start;
	e->opts = n ? region_alloc(reg, n * sizeof(*e->opts)) : NULL;
	if (n && e->opts == NULL)
		return MX_ENOMEM;
	for (uint16_t i = 0; i < n; i++) {
		edns_opt *o = &e->opts[i];
		o->code = wire_u16(r);
		o->len = wire_u16(r);
		const uint8_t *d = wire_take(r, o->len);
		o->data = region_memdup(reg, d, o->len);
		if (o->data == NULL)
			return MX_ENOMEM;
		/* RFC 8914 2: INFO-CODE then optional UTF-8 EXTRA-TEXT.  A
		 * short EDE option is malformed; only the first one counts. */
		if (o->code == EDNS_OPT_EDE) {
			if (o->len < 2)
				return MX_EFORMAT;
			if (!e->has_ede) {
				e->has_ede = true;
				e->ede_code = wire_get_u16(o->data);
				e->ede_text = region_alloc(reg, o->len - 2u + 1);
				if (e->ede_text == NULL)
					return MX_ENOMEM;
				memcpy(e->ede_text, o->data + 2, o->len - 2u);
				e->ede_text[o->len - 2] = 0;
			}
		}
	}
	e->nopts = n;
	r->end = old;
	return r->err;
}

/* scratch: RDATA_MAX octets to expand RDATA into before copying it out. */
static int
parse_rr(wire_rd *r, region *reg, uint8_t *scratch, msg_rr *rr)
{
	uint8_t owner[NAME_MAX_WIRE];
	size_t olen;
	size_t rdlen;
	int err;

	if ((err = name_read(r, owner, &olen)) != 0)
		return err;
	rr->type = wire_u16(r);
	rr->rclass = wire_u16(r);
	rr->ttl = wire_u32(r);
	uint16_t wlen = wire_u16(r);
	if (r->err)
		return r->err;
	if (wlen > wire_left(r))
		return MX_ETRUNC;   /* RFC 9267 5: RDLENGTH overrun */
	rr->owner = region_memdup(reg, owner, olen);
	if (rr->owner == NULL)
		return MX_ENOMEM;
	if (rr->type == RR_OPT) {
		/* The caller handles OPT; leave the cursor on its RDATA. */
		rr->rdlen = wlen;
		rr->rdata = NULL;
		return 0;
	}
	/* Expanding compressed names may grow RDATA; past RDATA_MAX it
	 * could not be written again, so rdata_read rejects it. */
	if ((err = rdata_read(r, rr->type, wlen, scratch, RDATA_MAX, &rdlen)) != 0)
		return err;
	rr->rdlen = (uint16_t)rdlen;
	rr->rdata = region_memdup(reg, scratch, rdlen);
	return rr->rdata ? 0 : MX_ENOMEM;
}

int
msg_parse(const uint8_t *buf, size_t len, region *reg, msg *m)
{
	wire_rd r;
	uint8_t qname[NAME_MAX_WIRE];
	uint8_t scratch[RDATA_MAX];
	size_t qlen;
	int err = 0;

	memset(m, 0, sizeof(*m));
	if (len < MSG_HDR_LEN)
		return MX_ETRUNC;
	wire_rd_init(&r, buf, len);
	m->id = wire_u16(&r);
	m->flags = wire_u16(&r);
	m->qdcount = wire_u16(&r);
	for (int s = 0; s < SEC_COUNT; s++)
		m->count[s] = wire_u16(&r);
	m->rcode = FLAG_RCODE(m->flags);

	/* We handle one question at most; RFC 9619 makes QDCOUNT > 1 an
	 * error for standard queries. */
	if (m->qdcount > 1)
		return MX_EFORMAT;
	/* RFC 9267 6: counts must fit in the remaining octets; each record
	 * is at least RR_MIN_LEN octets. */
	size_t total = (size_t)m->count[0] + m->count[1] + m->count[2];
	if (total * RR_MIN_LEN + (m->qdcount ? 5 : 0) > len - MSG_HDR_LEN)
		return MX_ECOUNT;
	if (m->qdcount) {
		if ((err = name_read(&r, qname, &qlen)) != 0)
			return err;
		m->qtype = wire_u16(&r);
		m->qclass = wire_u16(&r);
		if (r.err)
			return r.err;
		m->qname = region_memdup(reg, qname, qlen);
		if (m->qname == NULL)
			return MX_ENOMEM;
	}
	for (int s = 0; s < SEC_COUNT; s++) {
		uint16_t n = m->count[s], kept = 0;
		m->rr[s] = n ? region_alloc(reg, n * sizeof(msg_rr)) : NULL;
		if (n && m->rr[s] == NULL)
			return MX_ENOMEM;
		for (uint16_t i = 0; i < n; i++) {
			msg_rr *rr = &m->rr[s][kept];
			if ((err = parse_rr(&r, reg, scratch, rr)) != 0)
				return err;
			if (rr->type != RR_OPT) {
				kept++;
				continue;
			}
			/* RFC 6891 6.1.1: one OPT, in the additional section,
			 * owned by the root. */
			if (s != SEC_ADDITIONAL || m->edns.present || rr->owner[0] != 0)
				return MX_EFORMAT;
			m->edns.present = true;
			m->edns.udp_size = rr->rclass;
			m->edns.ext_rcode = (uint8_t)(rr->ttl >> 24);
			m->edns.version = (uint8_t)(rr->ttl >> 16);
			m->edns.flags = (uint16_t)rr->ttl;
			if ((err = parse_edns_options(&r, rr->rdlen, reg, &m->edns)) != 0)
				return err;
		}
		m->count[s] = kept;
	}
	if (m->edns.present)
		m->rcode |= (unsigned)m->edns.ext_rcode << 4;
	return 0;
}

/* Building. */

void
mb_init(msg_builder *b, uint8_t *buf, size_t cap, uint16_t id, uint16_t flags)
{
	memset(b, 0, sizeof(*b));
	wire_wr_init(&b->w, buf, cap);
	b->section = -1;
	wire_put_u16(&b->w, id);
	wire_put_u16(&b->w, flags);
	for (int i = 0; i < 4; i++)
		wire_put_u16(&b->w, 0);
}

void
mb_set_flags(msg_builder *b, uint16_t flags)
{
	wire_patch_u16(&b->w, 2, flags);
}

int
mb_question(msg_builder *b, const uint8_t *qname, uint16_t qtype,
    uint16_t qclass)
{
	if (b->w.len != MSG_HDR_LEN)
		return MX_EINVAL;
	name_write(&b->w, qname, true);
	wire_put_u16(&b->w, qtype);
	wire_put_u16(&b->w, qclass);
	if (b->w.err)
		return b->w.err;
	wire_patch_u16(&b->w, 4, 1);
	return 0;
}

void
mb_reserve(msg_builder *b, size_t n)
{
	b->reserved = n;
}

int
mb_rr(msg_builder *b, int section, const uint8_t *owner, uint16_t type,
    uint16_t rclass, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	size_t start = b->w.len;
	size_t cap = b->w.cap;

	if (section < b->section || section >= SEC_COUNT)
		return MX_EINVAL;
	if (b->truncated)
		return MX_ESPACE;
	/* Pretend the buffer ends before the reserved space. */
	if (b->reserved >= cap)
		return MX_ESPACE;
	b->w.cap = cap - b->reserved;
	name_write(&b->w, owner, true);
	wire_put_u16(&b->w, type);
	wire_put_u16(&b->w, rclass);
	wire_put_u32(&b->w, ttl);
	size_t rdl_off = b->w.len;
	wire_put_u16(&b->w, 0);
	size_t rd_start = b->w.len;
	rdata_write(&b->w, type, rdata, rdlen, true);
	wire_patch_u16(&b->w, rdl_off, (uint16_t)(b->w.len - rd_start));
	b->w.cap = cap;
	if (b->w.err) {
		wire_wr_rewind(&b->w, start);
		b->truncated = true;
		return MX_ESPACE;
	}
	b->section = section;
	b->count[section]++;
	return 0;
}

size_t
mb_opt_size(const edns_opt *opts, size_t nopts)
{
	size_t n = RR_MIN_LEN;

	for (size_t i = 0; i < nopts; i++)
		n += 4 + opts[i].len;
	return n;
}

int
mb_opt(msg_builder *b, uint16_t udp_size, unsigned rcode, uint8_t version,
    uint16_t flags, const edns_opt *opts, size_t nopts)
{
	size_t start = b->w.len;
	size_t rdlen = mb_opt_size(opts, nopts) - RR_MIN_LEN;

	if (rdlen > 65535)
		return MX_EINVAL;
	b->reserved = 0;
	wire_put_u8(&b->w, 0);                 /* root owner */
	wire_put_u16(&b->w, RR_OPT);
	wire_put_u16(&b->w, udp_size);
	wire_put_u8(&b->w, (uint8_t)(rcode >> 4));
	wire_put_u8(&b->w, version);
	wire_put_u16(&b->w, flags);
	wire_put_u16(&b->w, (uint16_t)rdlen);
	for (size_t i = 0; i < nopts; i++) {
		wire_put_u16(&b->w, opts[i].code);
		wire_put_u16(&b->w, opts[i].len);
		wire_put_bytes(&b->w, opts[i].data, opts[i].len);
	}
	if (b->w.err) {
		wire_wr_rewind(&b->w, start);
		return MX_ESPACE;
	}
	b->section = SEC_ADDITIONAL;
	b->count[SEC_ADDITIONAL]++;
	/* The low four rcode bits live in the header (RFC 6891 6.1.3). */
	uint16_t f = wire_get_u16(b->w.buf + 2);
	wire_patch_u16(&b->w, 2, (uint16_t)((f & ~0xfu) | (rcode & 0xf)));
	return 0;
}

int
mb_finish(msg_builder *b)
{
	if (b->w.err)
		return b->w.err;
	for (int s = 0; s < SEC_COUNT; s++)
		wire_patch_u16(&b->w, 6 + 2 * (size_t)s, b->count[s]);
	return (int)b->w.len;
}

int
msg_write(const msg *m, uint8_t *buf, size_t cap, size_t *len)
{
	msg_builder b;
	int err;

	*len = 0;
	mb_init(&b, buf, cap, m->id, m->flags);
	if (m->qname && (err = mb_question(&b, m->qname, m->qtype, m->qclass)) != 0)
		return err;
	if (m->edns.present)
		mb_reserve(&b, mb_opt_size(m->edns.opts, m->edns.nopts));
	for (int s = 0; s < SEC_COUNT; s++) {
		for (uint16_t i = 0; i < m->count[s]; i++) {
			const msg_rr *rr = &m->rr[s][i];
			err = mb_rr(&b, s, rr->owner, rr->type, rr->rclass,
			    rr->ttl, rr->rdata, rr->rdlen);
			if (err)
				return err;
		}
	}
	if (m->edns.present) {
		err = mb_opt(&b, m->edns.udp_size, m->rcode, m->edns.version,
		    m->edns.flags, m->edns.opts, m->edns.nopts);
		if (err)
			return err;
	}
	if ((err = mb_finish(&b)) < 0)
		return err;
	*len = (size_t)err;
	return 0;
}

/* Text output. */

int
rr_to_str(const msg_rr *rr, char *buf, size_t cap)
{
	char tbuf[16], cbuf[16];
	int n, o;

	if ((n = name_to_str(rr->owner, buf, cap)) < 0)
		return n;
	o = n;
	rrtype_to_str(rr->type, tbuf, sizeof(tbuf));
	rrclass_to_str(rr->rclass, cbuf, sizeof(cbuf));
	n = snprintf(buf + o, cap - (size_t)o, "\t%u\t%s\t%s\t", rr->ttl, cbuf, tbuf);
	if (n < 0 || (size_t)n >= cap - (size_t)o)
		return MX_ESPACE;
	o += n;
	n = rdata_to_str(rr->type, rr->rdata, rr->rdlen, buf + o, cap - (size_t)o);
	if (n < 0)
		return n;
	return o + n;
}

void
msg_print(const msg *m, FILE *f)
{
	static const char *secname[] = { "ANSWER", "AUTHORITY", "ADDITIONAL" };
	static char line[NAME_MAX_STR + RDATA_STR_MAX + 64];
	uint16_t fl = m->flags;

	fprintf(f, ";; opcode: %u, status: %s, id: %u\n", FLAG_OPCODE(fl),
	    rcode_name(m->rcode), m->id);
	fprintf(f, ";; flags:%s%s%s%s%s%s%s; QUERY: %u, ANSWER: %u, AUTHORITY: %u, ADDITIONAL: %u\n",
	    fl & FLAG_QR ? " qr" : "", fl & FLAG_AA ? " aa" : "",
	    fl & FLAG_TC ? " tc" : "", fl & FLAG_RD ? " rd" : "",
	    fl & FLAG_RA ? " ra" : "", fl & FLAG_AD ? " ad" : "",
	    fl & FLAG_CD ? " cd" : "", m->qdcount, m->count[0], m->count[1],
	    m->count[2] + (m->edns.present ? 1 : 0));
	if (m->edns.present) {
		fprintf(f, ";; EDNS: version %u, flags:%s; udp: %u\n",
		    m->edns.version, m->edns.flags & EDNS_DO ? " do" : "",
		    m->edns.udp_size);
		if (m->edns.has_ede)
			fprintf(f, ";; EDE: %u (%s)\n", m->edns.ede_code, m->edns.ede_text);
	}
	if (m->qname) {
		char tbuf[16], cbuf[16];
		name_to_str(m->qname, line, sizeof(line));
		rrtype_to_str(m->qtype, tbuf, sizeof(tbuf));
		rrclass_to_str(m->qclass, cbuf, sizeof(cbuf));
		fprintf(f, ";; QUESTION SECTION:\n;%s\t%s\t%s\n", line, cbuf, tbuf);
	}
	for (int s = 0; s < SEC_COUNT; s++) {
		if (m->count[s] == 0)
			continue;
		fprintf(f, ";; %s SECTION:\n", secname[s]);
		for (uint16_t i = 0; i < m->count[s]; i++) {
			if (rr_to_str(&m->rr[s][i], line, sizeof(line)) < 0)
				fprintf(f, "; (unprintable record)\n");
			else
				fprintf(f, "%s\n", line);
		}
	}
}

bool
msg_negative_ttl(const msg_rr *rrs, size_t n, uint32_t *ttl)
{
	for (size_t i = 0; i < n; i++) {
		const msg_rr *rr = &rrs[i];
		if (rr->type != RR_SOA || rr->rdlen < 20)
			continue;
		const uint8_t *m = rr->rdata + rr->rdlen - 4;
		uint32_t min = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 |
		    (uint32_t)m[2] << 8 | m[3];
		*ttl = rr->ttl < min ? rr->ttl : min;
		return true;
	}
	return false;
}
