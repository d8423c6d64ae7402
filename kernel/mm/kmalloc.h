/*
 * Small kernel objects: kmalloc/kfree over whole pages from the physical allocator.
 *
 * Requests up to KMALLOC_MAX_SMALL bytes come from size classes (16, 32, ... 1024 bytes), each
 * served from 4 KiB slabs: a page whose first bytes are a header and whose rest is cut into
 * equal objects on a free list. A slab goes back to the page allocator as soon as its last
 * object is freed, so memory returns to the system and a leak check sees exact page counts.
 * Larger requests get a block of 2^n pages of their own, with the same header in front.
 *
 * Every object is 16-byte aligned. kmalloc never panics: it returns NULL when memory runs out.
 * kfree(NULL) does nothing; kfree of anything that is not a live object is a kernel bug and
 * panics (in the host tests: aborts), because carrying on would corrupt the free lists.
 *
 * Single CPU for now, like the page allocator.
 */
#ifndef WREN_MM_KMALLOC_H
#define WREN_MM_KMALLOC_H

#include <stddef.h>
#include <stdint.h>

#define KMALLOC_MAX_SMALL 1024
#define KMALLOC_CLASSES   7  /* 16 << 0 .. 16 << 6 */
#define KMALLOC_MIN_SHIFT 4  /* the smallest class: 16 bytes */
#define KMALLOC_LARGE_HDR 16 /* the header in front of a large object, inside its block */
#define KMALLOC_PAGE      4096u

struct kmalloc_stats {
    uint64_t live_objects; /* kmalloc'd and not yet freed */
    uint64_t pages;        /* pages held: slabs plus large blocks */
    uint64_t failed;       /* requests refused for lack of memory or size */
    uint64_t class_live[KMALLOC_CLASSES];
};

void *kmalloc(size_t size);
/* kmalloc, with the object's bytes zeroed. */
void *kzalloc(size_t size);
void kfree(void *p);
/*
 * The bytes a kmalloc(size) holds: its size class, or its whole block of pages (what memory accounts charge). Inline,
 * so that for a constant size (an object's struct) it is a constant.
 */
static inline uint64_t kmalloc_size(size_t size)
{
    uint64_t held = 1u << KMALLOC_MIN_SHIFT; /* the smallest class; the classes and blocks double from there */
    uint64_t need = size <= KMALLOC_MAX_SMALL ? size : (uint64_t)size + KMALLOC_LARGE_HDR;
    if (need > KMALLOC_MAX_SMALL)
        held = KMALLOC_PAGE; /* a block of pages of its own */
    while (held < need)
        held <<= 1;
    return held;
}
void kmalloc_get_stats(struct kmalloc_stats *out);

/*
 * Where the pages come from: kernel/mm/kmalloc_pages.c (the physical allocator through the
 * linear map) in the kernel, the test harness on the host. A block of 2^order pages, aligned
 * to its size, or NULL.
 */
void *kmalloc_pages_alloc(unsigned order);
void kmalloc_pages_free(void *p, unsigned order);

#endif
