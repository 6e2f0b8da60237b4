/*
 * hotcache.c: finished UDP responses kept for a moment (hotcache.h).
 */
#include <stdlib.h>
#include <string.h>

#include "hotcache.h"
#include "msg.h"
#include "rrtype.h"
#include "wire.h"

#define HC_SLOTS 4096
#define HC_MAX_TTLS 64

typedef struct hc_entry {
	bool used;
	hc_key key;
	uint64_t stored_ms, expires_ms;
	uint16_t len;
	uint16_t qname_off, qname_len;
	uint8_t nttl;
	uint16_t ttl_off[HC_MAX_TTLS];
	uint32_t ttl[HC_MAX_TTLS];
	uint8_t resp[HC_MAX_RESP];
} hc_entry;

struct hotcache {
	hc_entry *slot;
};

hotcache *
hc_new(void)
{
	hotcache *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	/* Calloc'd pages are touched only when used: a quiet daemon pays
	 * for the entries it fills. */
	if ((h->slot = calloc(HC_SLOTS, sizeof(*h->slot))) == NULL) {
		free(h);
		return NULL;
	}
	return h;
}

void
hc_free(hotcache *h)
{
	if (h == NULL)
		return;
	free(h->slot);
	free(h);
}

void
hc_clear(hotcache *h)
{
	for (size_t i = 0; i < HC_SLOTS; i++)
		h->slot[i].used = false;
}

static uint32_t
key_hash(const hc_key *k)
{
	uint32_t x = 2166136261u;
	size_t n = name_len(k->qname);

	for (size_t i = 0; i < n; i++)
		x = (x ^ k->qname[i]) * 16777619u;
	x = (x ^ k->qtype) * 16777619u;
	x = (x ^ k->udp_size) * 16777619u;
	x = (x ^ k->bits) * 16777619u;
	return x;
}

static bool
key_eq(const hc_key *a, const hc_key *b)
{
	return a->qtype == b->qtype && a->udp_size == b->udp_size &&
	    a->bits == b->bits && name_len(a->qname) == name_len(b->qname) &&
	    memcmp(a->qname, b->qname, name_len(a->qname)) == 0;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

size_t
hc_get(hotcache *h, const hc_key *k, uint64_t now_ms, uint16_t id,
    uint16_t qflags, const uint8_t *client_qname, uint8_t *out, size_t cap)
{
	hc_entry *e = &h->slot[key_hash(k) % HC_SLOTS];

	if (!e->used || now_ms >= e->expires_ms || !key_eq(&e->key, k) ||
	    e->len > cap || name_len(client_qname) != e->qname_len)
		return 0;
	memcpy(out, e->resp, e->len);
	out[0] = (uint8_t)(id >> 8);
	out[1] = (uint8_t)id;
	/* RD is the client's (RFC 1035 4.1.1); the rest is the answer's. */
	out[2] = (uint8_t)((out[2] & ~(FLAG_RD >> 8)) | ((qflags & FLAG_RD) >> 8));
	memcpy(out + e->qname_off, client_qname, e->qname_len);
	uint32_t elapsed = (uint32_t)((now_ms - e->stored_ms) / 1000);
	if (elapsed > 0)
		for (unsigned i = 0; i < e->nttl; i++)
			put32(out + e->ttl_off[i], e->ttl[i] > elapsed ? e->ttl[i] - elapsed : 0);
	return e->len;
}

void
hc_put(hotcache *h, const hc_key *k, uint64_t now_ms, uint32_t life_ms,
    const uint8_t *resp, size_t len)
{
	hc_entry *e = &h->slot[key_hash(k) % HC_SLOTS];
	uint8_t nm[NAME_MAX_WIRE];
	size_t nl;
	wire_rd r;

	if (len > HC_MAX_RESP || len < MSG_HDR_LEN || life_ms == 0)
		return;
	/* Find the question and every TTL (not the OPT's, whose TTL field
	 * holds EDNS flags, RFC 6891 6.1.3). */
	wire_rd_init(&r, resp, len);
	wire_skip(&r, 4);
	unsigned qd = wire_u16(&r);
	unsigned n = wire_u16(&r);
	n += wire_u16(&r);
	n += wire_u16(&r);
	if (qd != 1)
		return;
	e->used = false;
	e->qname_off = (uint16_t)r.pos;
	if (name_read(&r, nm, &nl) != 0)
		return;
	e->qname_len = (uint16_t)(r.pos - e->qname_off);
	if (e->qname_len != name_len(k->qname))
		return;   /* compressed: not what we write */
	wire_skip(&r, 4);
	e->nttl = 0;
	for (unsigned i = 0; i < n; i++) {
		if (name_read(&r, nm, &nl) != 0)
			return;
		uint16_t type = wire_u16(&r);
		wire_skip(&r, 2);
		size_t at = r.pos;
		uint32_t ttl = wire_u32(&r);
		uint16_t rdlen = wire_u16(&r);
		wire_skip(&r, rdlen);
		if (r.err)
			return;
		if (type == RR_OPT)
			continue;
		if (e->nttl == HC_MAX_TTLS)
			return;
		e->ttl_off[e->nttl] = (uint16_t)at;
		e->ttl[e->nttl++] = ttl;
		/* No record outlives its TTL in here either. */
		if ((uint64_t)ttl * 1000 < life_ms)
			life_ms = ttl * 1000;
	}
	if (life_ms == 0)
		return;
	e->key = *k;
	e->stored_ms = now_ms;
	e->expires_ms = now_ms + life_ms;
	e->len = (uint16_t)len;
	memcpy(e->resp, resp, len);
	e->used = true;
}
