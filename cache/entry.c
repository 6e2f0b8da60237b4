/*
 * entry.c: cache keys and values as bytes (see entry.h).  Everything read
 * back is checked as if it came off the network (STYLE.md rule 7).
 */
#include <string.h>

#include "buildcfg.h"
#include "cache.h"
#include "entry.h"
#include "err.h"
#include "name.h"
#include "rdata.h"
#include "rrtype.h"
#include "wire.h"

#define HDR_LEN 38
static const uint8_t magic[3] = { 'M', 'X', 'E' };

/* A value's checksum: catches a damaged page or a flipped bit, nothing
 * more (a cache file is only as trusted as its directory).  Eight octets
 * a step, each step a bijection, so any change to one word changes the
 * result before the final fold. */
uint32_t
ccsum(const uint8_t *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
	uint64_t w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h ^= w;
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 33;
		p += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, p, n);
	h ^= w;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)(h ^ (h >> 32));
}

int
ckey_name(const uint8_t *name, uint8_t *out, size_t cap)
{
	const uint8_t *lab[128];
	size_t nlab = 0, len = 0;

	for (const uint8_t *p = name; *p != 0; p += *p + 1) {
		if (nlab == 128)
			return MX_ELIMIT;
		lab[nlab++] = p;
	}
	while (nlab-- > 0) {
		const uint8_t *l = lab[nlab];
		for (unsigned i = 1; i <= l[0]; i++) {
			uint8_t ch = l[i];
			if (ch >= 'A' && ch <= 'Z')
				ch = (uint8_t)(ch + 32);
			if (ch <= 1) {
				if (len + 2 > cap)
					return MX_ELIMIT;
				out[len++] = 1;
				out[len++] = (uint8_t)(ch + 1);
			} else {
				if (len + 1 > cap)
					return MX_ELIMIT;
				out[len++] = ch;
			}
		}
		if (len + 1 > cap)
			return MX_ELIMIT;
		out[len++] = 0;
	}
	return (int)len;
}

int
ckey_answer(const uint8_t *qname, uint16_t qtype, uint8_t flags, uint8_t *out,
    size_t cap)
{
	int n;

	/* Room for the 00, type and flags first: the root's K() is empty. */
	if (cap < 4)
		return MX_ELIMIT;
	n = ckey_name(qname, out, cap - 4);
	if (n < 0)
		return n;
	out[n++] = 0;
	out[n++] = (uint8_t)(qtype >> 8);
	out[n++] = (uint8_t)qtype;
	out[n++] = flags;
	return n;
}

int
ckey_to_name(const uint8_t *key, size_t len, uint8_t out[NAME_MAX_WIRE],
    size_t *used)
{
	uint8_t lab[128][64];
	uint8_t llen[128];
	size_t nlab = 0, i = 0, wire = 1;

	while (i < len && key[i] != 0) {
		size_t n = 0;
		if (nlab == 128)
			return MX_EFORMAT;
		while (i < len && key[i] != 0) {
			uint8_t ch = key[i++];
			if (ch == 1) {
				if (i >= len || (key[i] != 1 && key[i] != 2))
					return MX_EFORMAT;
				ch = (uint8_t)(key[i++] - 1);
			}
			if (n == 63)
				return MX_EFORMAT;
			lab[nlab][n++] = ch;
		}
		if (i >= len)
			return MX_EFORMAT;   /* no terminator */
		i++;
		llen[nlab++] = (uint8_t)n;
		wire += n + 1;
		if (wire > NAME_MAX_WIRE)
			return MX_EFORMAT;
		if (i < len && key[i] == 0)
			break;              /* K(name) 00 ...: the name ends here */
	}
	/* Labels were written root first: reverse them. */
	size_t o = 0;
	while (nlab-- > 0) {
		out[o++] = llen[nlab];
		memcpy(out + o, lab[nlab], llen[nlab]);
		o += llen[nlab];
	}
	out[o] = 0;
	if (used)
		*used = i;
	return 0;
}

int
centry_encode(const centry *e, uint8_t *buf, size_t cap, size_t *len)
{
	wire_wr w;
	size_t rlen = e->reason ? strlen(e->reason) : 0;

	if (rlen > CENTRY_MAX_REASON)
		rlen = CENTRY_MAX_REASON;
	if ((size_t)e->count[0] + e->count[1] > CENTRY_MAX_RR)
		return MX_ELIMIT;
	wire_wr_init(&w, buf, cap);
	wire_put_bytes(&w, magic, sizeof(magic));
	wire_put_u8(&w, CACHE_FORMAT_VERSION);
	wire_put_u8(&w, e->kind);
	wire_put_u8(&w, (uint8_t)e->status);
	wire_put_u8(&w, (uint8_t)((e->has_ede ? 1 : 0) | (e->reason ? 2 : 0)));
	wire_put_u8(&w, 0);
	wire_put_u16(&w, (uint16_t)e->rcode);
	wire_put_u16(&w, e->ede);
	wire_put_u32(&w, (uint32_t)((uint64_t)e->stored >> 32));
	wire_put_u32(&w, (uint32_t)e->stored);
	wire_put_u32(&w, (uint32_t)((uint64_t)e->expires >> 32));
	wire_put_u32(&w, (uint32_t)e->expires);
	wire_put_u32(&w, e->hits);
	wire_put_u16(&w, e->count[0]);
	wire_put_u16(&w, e->count[1]);
	wire_put_u16(&w, (uint16_t)rlen);
	wire_put_bytes(&w, e->reason, rlen);
	for (int s = 0; s < 2; s++) {
		for (unsigned i = 0; i < e->count[s]; i++) {
			const msg_rr *rr = &e->rr[s][i];
			wire_put_bytes(&w, rr->owner, name_len(rr->owner));
			wire_put_u16(&w, rr->type);
			wire_put_u16(&w, rr->rclass);
			wire_put_u32(&w, rr->ttl);
			wire_put_u16(&w, rr->rdlen);
			wire_put_bytes(&w, rr->rdata, rr->rdlen);
		}
	}
	if (w.err)
		return w.err;
	uint32_t crc = ccsum(buf, w.len);
	wire_put_u32(&w, crc);
	if (w.err)
		return w.err;
	*len = w.len;
	return 0;
}

static bool
reason_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
	return true;
}

int
centry_decode(const uint8_t *buf, size_t len, region *reg, centry *out)
{
	wire_rd r;
	uint8_t tmp[NAME_MAX_WIRE];
	size_t nl;

	memset(out, 0, sizeof(*out));
	if (len < HDR_LEN + 4)
		return MX_EFORMAT;
	uint32_t crc = (uint32_t)buf[len - 4] << 24 | (uint32_t)buf[len - 3] << 16 |
	    (uint32_t)buf[len - 2] << 8 | buf[len - 1];
	if (ccsum(buf, len - 4) != crc)
		return MX_EFORMAT;
	wire_rd_init(&r, buf, len - 4);
	const uint8_t *m = wire_take(&r, 3);
	if (m == NULL || memcmp(m, magic, 3) != 0)
		return MX_EFORMAT;
	if (wire_u8(&r) != CACHE_FORMAT_VERSION)
		return MX_EFORMAT;
	out->kind = wire_u8(&r);
	if (out->kind < CE_ANSWER || out->kind > CE_SOA)
		return MX_EFORMAT;
	unsigned st = wire_u8(&r);
	if (st != SEC_SECURE && st != SEC_INSECURE && st != SEC_BOGUS &&
	    st != SEC_INDETERMINATE)
		return MX_EFORMAT;
	out->status = (sec_status)st;
	unsigned fl = wire_u8(&r);
	if ((fl & ~3u) != 0 || wire_u8(&r) != 0)
		return MX_EFORMAT;
	out->has_ede = fl & 1;
	out->rcode = wire_u16(&r);
	if (out->rcode > 4095)
		return MX_EFORMAT;
	out->ede = wire_u16(&r);
	uint64_t hi = wire_u32(&r), lo = wire_u32(&r);
	out->stored = (int64_t)(hi << 32 | lo);
	hi = wire_u32(&r);
	lo = wire_u32(&r);
	out->expires = (int64_t)(hi << 32 | lo);
	if (out->stored < 0 || out->expires < out->stored ||
	    out->expires - out->stored > (int64_t)1 << 31)
		return MX_EFORMAT;
	out->hits = wire_u32(&r);
	out->count[0] = wire_u16(&r);
	out->count[1] = wire_u16(&r);
	if ((size_t)out->count[0] + out->count[1] > CENTRY_MAX_RR)
		return MX_EFORMAT;
	size_t rlen = wire_u16(&r);
	if (r.err || rlen > CENTRY_MAX_REASON)
		return MX_EFORMAT;
	const uint8_t *rs = wire_take(&r, rlen);
	if (rs == NULL || !reason_ok(rs, rlen))
		return MX_EFORMAT;
	if (fl & 2) {
		char *s = region_alloc(reg, rlen + 1);
		if (s == NULL)
			return MX_ENOMEM;
		memcpy(s, rs, rlen);
		s[rlen] = 0;
		out->reason = s;
	} else if (rlen != 0) {
		return MX_EFORMAT;
	}
	for (int s = 0; s < 2; s++) {
		if (out->count[s] == 0)
			continue;
		out->rr[s] = region_alloc(reg, sizeof(msg_rr) * out->count[s]);
		if (out->rr[s] == NULL)
			return MX_ENOMEM;
		for (unsigned i = 0; i < out->count[s]; i++) {
			msg_rr *rr = &out->rr[s][i];
			size_t at = r.pos;
			if (name_read_nocomp(&r, tmp, &nl) != 0)
				return MX_EFORMAT;
			rr->owner = (uint8_t *)(buf + at);
			rr->type = wire_u16(&r);
			rr->rclass = wire_u16(&r);
			rr->ttl = wire_u32(&r);
			rr->rdlen = wire_u16(&r);
			const uint8_t *rd = wire_take(&r, rr->rdlen);
			if (rd == NULL || r.err)
				return MX_EFORMAT;
			/* RFC 2181 8: a TTL above 2^31-1 is not valid. */
			if (rr->ttl > 0x7fffffffu || rr->type == 0 ||
			    rr->type == RR_OPT ||
			    rdata_check(rr->type, rd, rr->rdlen) != 0)
				return MX_EFORMAT;
			rr->rdata = (uint8_t *)rd;
		}
	}
	if (r.err || wire_left(&r) != 0)
		return MX_EFORMAT;
	return 0;
}

int
centry_times(const uint8_t *buf, size_t len, int64_t *stored,
    int64_t *expires)
{
	if (len < HDR_LEN + 4 || memcmp(buf, magic, 3) != 0)
		return MX_EFORMAT;
	uint64_t s = 0, x = 0;
	for (int i = 0; i < 8; i++) {
		s = s << 8 | buf[12 + i];
		x = x << 8 | buf[20 + i];
	}
	*stored = (int64_t)s;
	*expires = (int64_t)x;
	return 0;
}
