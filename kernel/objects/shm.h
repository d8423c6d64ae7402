/*
 * Shared-memory objects (WREN_OBJECT_SHM): a fixed number of pages that every mapping of the
 * object shares (mmap with WREN_MAP_SHARED and the object's handle as fd).
 *
 * Pages are allocated on demand, zero-filled, the first time any mapping touches them, and then
 * stay with the object until it is destroyed (unmapping does not give them back: another
 * mapping, now or later, must see the same bytes). The object holds one page reference (pmm) per
 * page and every page-table entry mapping it one more, so a page goes back to the allocator only
 * when the object is gone and no mapping is left. The object itself lives while a handle or a
 * mapping (each address space holding a region of it: one reference) names it.
 */
#ifndef WREN_OBJECTS_SHM_H
#define WREN_OBJECTS_SHM_H

#include <stdint.h>

#include "obj/object.h"

#define SHM_MAX_SIZE (1ull << 30) /* 1 GiB: larger objects are refused with E_NOMEM */

/* A new object of `size` bytes rounded up to whole pages: 0 and *out (one reference), -E_INVAL (size 0) or -E_NOMEM. */
long shm_create(uint64_t size, struct kobject **out);

/* Its size in bytes (a multiple of the page size). */
uint64_t shm_size(const struct kobject *o);

#endif
