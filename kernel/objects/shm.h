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

#include "mm/pmm.h"
#include "obj/object.h"

#define SHM_MAX_SIZE (1ull << 30) /* 1 GiB: larger objects are refused with E_NOMEM */

/* A new object of `size` bytes rounded up to whole pages: 0 and *out (one reference), -E_INVAL (size 0) or -E_NOMEM. */
long shm_create(uint64_t size, struct kobject **out);

/*
 * dma_create's object (interface/syscalls/mem.yaml): as shm_create, but its pages are one physically contiguous
 * block, allocated, zeroed and charged at once (never on demand: the device may write them before any mapping
 * touches them), so the driver can give a device the address in *phys. At most SHM_DMA_MAX_SIZE: one buddy block.
 * 0, or -E_INVAL (size 0), -E_NOMEM (too large, no block that large is free, or over the creator's limit).
 */
#define SHM_DMA_MAX_SIZE (PMM_PAGE_SIZE << PMM_MAX_ORDER)
long shm_create_contiguous(uint64_t size, struct kobject **out, uint64_t *phys);
/* A new object of size 0 (the memory scheme's: its size is set later): 0 and *out, or -E_NOMEM. */
long shm_create_empty(struct kobject **out);

/*
 * Set its size to `size` bytes rounded up to whole pages (ftruncate's job, through the memory scheme): the pages
 * kept keep their bytes, new ones read as zeros, pages cut off go back (their bytes are gone: growing again gives
 * zero pages). 0, -E_NOMEM (over SHM_MAX_SIZE, the creator's limit or memory), or -E_BUSY: a page past the new end
 * is still mapped somewhere (unmap it first; nothing changed). Existing mappings keep their length: a page of one
 * that lies past the end faults (SIGSEGV) until the object grows again.
 */
long shm_resize(struct kobject *o, uint64_t size);

/* Its size in bytes (a multiple of the page size). */
uint64_t shm_size(const struct kobject *o);

#endif
