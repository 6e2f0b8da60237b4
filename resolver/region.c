#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "region.h"

#define CHUNK_DEFAULT 8192
#define ALIGN 16

struct region_chunk {
	struct region_chunk *next;
	size_t size;
	size_t used;
	_Alignas(ALIGN) unsigned char data[];
};

void
region_init(region *r, size_t limit)
{
	r->head = NULL;
	r->total = 0;
	r->limit = limit;
}

void *
region_alloc(region *r, size_t n)
{
	struct region_chunk *c = r->head;
	size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);

	if (need < n)
		return NULL;
	if (r->limit && (need > r->limit || r->total > r->limit - need))
		return NULL;
	if (c == NULL || c->size - c->used < need) {
		size_t sz = need > CHUNK_DEFAULT ? need : CHUNK_DEFAULT;
		c = malloc(sizeof(*c) + sz);
		if (c == NULL)
			return NULL;
		c->size = sz;
		c->used = 0;
		/* A big one-off chunk goes behind the current one so the
		 * remaining space of the current chunk is not wasted. */
		if (r->head != NULL && sz > CHUNK_DEFAULT) {
			c->next = r->head->next;
			r->head->next = c;
		} else {
			c->next = r->head;
			r->head = c;
		}
	}
	void *p = c->data + c->used;
	c->used += need;
	r->total += need;
	return p;
}

void *
region_zalloc(region *r, size_t n)
{
	void *p = region_alloc(r, n);
	if (p != NULL)
		memset(p, 0, n);
	return p;
}

void *
region_memdup(region *r, const void *src, size_t n)
{
	void *p = region_alloc(r, n ? n : 1);
	if (p != NULL && n)
		memcpy(p, src, n);
	return p;
}

void
region_reset(region *r)
{
	struct region_chunk *c = r->head, *next;

	if (c == NULL)
		return;
	for (struct region_chunk *d = c->next; d != NULL; d = next) {
		next = d->next;
		free(d);
	}
	c->next = NULL;
	c->used = 0;
	r->total = 0;
}

void
region_free(region *r)
{
	struct region_chunk *c, *next;

	for (c = r->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	r->head = NULL;
	r->total = 0;
}
