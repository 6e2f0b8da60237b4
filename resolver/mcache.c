/*
 * mcache.c: a small hash table with an LRU list.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mcache.h"

typedef struct mc_entry {
	struct mc_entry *hnext;         /* hash chain */
	struct mc_entry *lprev, *lnext; /* LRU list, most recent first */
	uint32_t hash;
	uint16_t type;
	uint16_t count;
	enum mc_rank rank;
	uint32_t aux;
	time_t expires;
	uint8_t name[NAME_MAX_WIRE];    /* lower-cased */
	size_t datalen;
	uint8_t *data;                  /* count x (u16 len, rdata) */
} mc_entry;

struct mcache {
	mc_entry **buckets;
	size_t nbuckets;
	size_t count;
	size_t max;
	mc_entry *head, *tail;
	uint32_t seed;
};

int
mcache_new(size_t max_entries, mcache **out)
{
	mcache *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (m == NULL)
		return MX_ENOMEM;
	m->max = max_entries ? max_entries : 1;
	m->nbuckets = 1024;
	while (m->nbuckets < m->max && m->nbuckets < (1u << 20))
		m->nbuckets <<= 1;
	m->buckets = calloc(m->nbuckets, sizeof(*m->buckets));
	if (m->buckets == NULL) {
		free(m);
		return MX_ENOMEM;
	}
	m->seed = (uint32_t)(uintptr_t)m ^ 0x9e3779b9u;
	*out = m;
	return 0;
}

void
mcache_free(mcache *m)
{
	mc_entry *e, *next;

	if (m == NULL)
		return;
	for (e = m->head; e != NULL; e = next) {
		next = e->lnext;
		free(e->data);
		free(e);
	}
	free(m->buckets);
	free(m);
}

static void
lru_unlink(mcache *m, mc_entry *e)
{
	if (e->lprev)
		e->lprev->lnext = e->lnext;
	else
		m->head = e->lnext;
	if (e->lnext)
		e->lnext->lprev = e->lprev;
	else
		m->tail = e->lprev;
	e->lprev = e->lnext = NULL;
}

static void
lru_push(mcache *m, mc_entry *e)
{
	e->lprev = NULL;
	e->lnext = m->head;
	if (m->head)
		m->head->lprev = e;
	m->head = e;
	if (m->tail == NULL)
		m->tail = e;
}

static mc_entry **
find(mcache *m, const uint8_t *lname, uint16_t type, uint32_t h)
{
	mc_entry **pp = &m->buckets[h & (m->nbuckets - 1)];

	for (; *pp != NULL; pp = &(*pp)->hnext)
		if ((*pp)->hash == h && (*pp)->type == type && name_eq((*pp)->name, lname))
			return pp;
	return pp;
}

static void
remove_entry(mcache *m, mc_entry *e)
{
	mc_entry **pp = find(m, e->name, e->type, e->hash);

	if (*pp == e)
		*pp = e->hnext;
	lru_unlink(m, e);
	free(e->data);
	free(e);
	m->count--;
}

int
mcache_put(mcache *m, const uint8_t *name, uint16_t type,
    const uint8_t *const *rdata, const uint16_t *len, size_t n,
    uint32_t ttl, enum mc_rank rank, time_t now)
{
	return mcache_put_aux(m, name, type, rdata, len, n, ttl, rank, 0, now);
}

int
mcache_put_aux(mcache *m, const uint8_t *name, uint16_t type,
    const uint8_t *const *rdata, const uint16_t *len, size_t n,
    uint32_t ttl, enum mc_rank rank, uint32_t aux, time_t now)
{
	uint8_t lname[NAME_MAX_WIRE];
	size_t datalen = 0, keep = 0;
	uint8_t *data;

	name_copy(lname, name);
	name_lower(lname);
	uint32_t h = name_hash(lname, m->seed) ^ type;
	mc_entry **pp = find(m, lname, type, h), *e = *pp;

	if (e != NULL && e->expires > now && e->rank > rank)
		return 0;
	for (size_t i = 0; i < n && i < MC_MAX_RR; i++) {
		if (datalen + 2 + len[i] > sizeof(((mc_rrset *)0)->buf))
			break;
		datalen += 2 + len[i];
		keep++;
	}
	if ((data = malloc(datalen ? datalen : 1)) == NULL)
		return MX_ENOMEM;
	for (size_t i = 0, o = 0; i < keep; i++) {
		data[o] = (uint8_t)(len[i] >> 8);
		data[o + 1] = (uint8_t)len[i];
		memcpy(data + o + 2, rdata[i], len[i]);
		o += 2 + len[i];
	}
	if (e == NULL) {
		if (m->count >= m->max && m->tail != NULL) {
			remove_entry(m, m->tail);
			pp = find(m, lname, type, h);
		}
		if ((e = calloc(1, sizeof(*e))) == NULL) {
			free(data);
			return MX_ENOMEM;
		}
		name_copy(e->name, lname);
		e->type = type;
		e->hash = h;
		e->hnext = NULL;
		*pp = e;
		m->count++;
	} else {
		lru_unlink(m, e);
		free(e->data);
	}
	lru_push(m, e);
	e->data = data;
	e->datalen = datalen;
	e->count = (uint16_t)keep;
	e->rank = rank;
	e->aux = aux;
	e->expires = now + (time_t)ttl;
	return 0;
}

int
mcache_get(mcache *m, const uint8_t *name, uint16_t type, time_t now,
    mc_rrset *out)
{
	uint8_t lname[NAME_MAX_WIRE];

	out->count = 0;
	name_copy(lname, name);
	name_lower(lname);
	uint32_t h = name_hash(lname, m->seed) ^ type;
	mc_entry *e = *find(m, lname, type, h);
	if (e == NULL)
		return MX_ENOTFOUND;
	if (e->expires <= now) {
		remove_entry(m, e);
		return MX_ENOTFOUND;
	}
	lru_unlink(m, e);
	lru_push(m, e);
	memcpy(out->buf, e->data, e->datalen);
	for (size_t o = 0; out->count < e->count; out->count++) {
		out->len[out->count] = (uint16_t)(out->buf[o] << 8 | out->buf[o + 1]);
		out->rdata[out->count] = out->buf + o + 2;
		o += 2 + out->len[out->count];
	}
	out->ttl = (uint32_t)(e->expires - now);
	out->rank = e->rank;
	out->aux = e->aux;
	return 0;
}

size_t
mcache_count(const mcache *m)
{
	return m->count;
}
