/*
 * region.h: bump allocator for per-query and per-message memory
 * (STYLE.md rule 5).  Everything allocated from a region lives until
 * region_free() or region_reset(); nothing is freed one by one.
 */
#ifndef MXSEC_REGION_H
#define MXSEC_REGION_H

#include <stddef.h>

struct region_chunk;

typedef struct region {
	struct region_chunk *head;  /* newest chunk first */
	size_t total;               /* bytes handed out, for limits */
	size_t limit;               /* 0 = unlimited; else alloc fails past it */
} region;

void region_init(region *r, size_t limit);
/* Aligned to 16.  NULL when out of memory or past the limit. */
void *region_alloc(region *r, size_t n);
void *region_zalloc(region *r, size_t n);
void *region_memdup(region *r, const void *p, size_t n);
/* Frees all chunks but the first, keeps the region usable. */
void region_reset(region *r);
void region_free(region *r);

#endif
