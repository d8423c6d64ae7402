/*
 * Physical memory manager: a buddy allocator over all the RAM the device tree describes.
 *
 * Memory is handed out in blocks of 2^order pages of 4 KiB, order 0..PMM_MAX_ORDER (4 KiB .. 4 MiB). A block of
 * order k is naturally aligned in physical memory (a 2 MiB block starts on a 2 MiB boundary), so it can be mapped
 * with one block descriptor. Freeing a block merges it with its buddy (the other half of the block of order k+1)
 * whenever that buddy is entirely free, so after everything is freed the free lists hold the largest aligned
 * blocks again. A buddy is only ever a page of the same merged RAM range: memory is never merged across a hole,
 * nor with a reserved page.
 *
 * Bookkeeping: one 16-byte `struct page` per RAM page (free-list links, a reference count, order and state),
 * carved out of RAM itself by pmm_init — from the lowest free stretch of RAM large enough — and accounted as used
 * (stats.metadata_pages): 4 MiB per GiB of RAM (1024 pages for 1 GiB, 8192 pages = 32 MiB for 8 GiB).
 *
 * The allocator touches memory only through a linear map, virt = phys + virt_offset: the metadata array and the
 * pages pmm_alloc_zeroed clears. It never reads or writes a reserved range or a hole between RAM ranges.
 *
 * Physical page 0 is never handed out (0 is pmm_alloc's failure value); if RAM starts at 0 it counts as reserved.
 *
 * Misuse — freeing a block twice, with the wrong order, at an address that is not the start of a live block,
 * outside RAM, in a reserved range — is refused with -E_INVAL, changes nothing, and is reported to the hook set with
 * pmm_set_report (the kernel prints it). The allocator state cannot be corrupted through this interface.
 *
 * Costs: pmm_alloc and pmm_free are O(PMM_MAX_ORDER) (plus a scan of at most PMM_MAX_RAM ranges to find a page's
 * range); pmm_init and pmm_check are O(RAM pages).
 *
 * Single CPU for now: no function here may run concurrently with another (see the SMP note in pmm.c).
 */
#ifndef WREN_MM_PMM_H
#define WREN_MM_PMM_H

#include <stdbool.h>
#include <stdint.h>

#define PMM_PAGE_SHIFT 12
#define PMM_PAGE_SIZE  (1ull << PMM_PAGE_SHIFT)
#define PMM_MAX_ORDER  10 /* largest block: 2^10 pages = 4 MiB */

#define PMM_MAX_RAM      8             /* RAM ranges pmm_init accepts (the DTB decoder keeps at most 8 too) */
#define PMM_MAX_RESERVED 64            /* reserved ranges pmm_init accepts */
#define PMM_MAX_PAGES    0x80000000ull /* 8 TiB of RAM: page indices are 32-bit */

struct pmm_range {
    uint64_t base;
    uint64_t size; /* bytes; base + size may be anything up to 2^64 (a range that wraps is cut at the top) */
};

struct pmm_stats {
    uint64_t total_pages;     /* RAM pages (ranges rounded inward to pages, overlaps merged) */
    uint64_t free_pages;      /* pages in the free lists now */
    uint64_t reserved_pages;  /* RAM pages covered by reserved ranges (rounded outward to pages), page 0 included */
    uint64_t metadata_pages;  /* the struct page array */
    uint64_t allocated_pages; /* handed out now: total - free - reserved - metadata */
    uint64_t metadata_base;   /* physical address of the struct page array */
    uint64_t rejected;        /* calls refused as misuse since pmm_init (pmm_get overflow and pmm_free of a shared block
                                 included) */
    uint64_t free_blocks[PMM_MAX_ORDER + 1]; /* free blocks of each order */
};

/*
 * Takes over RAM: the union of `ram` (up to PMM_MAX_RAM ranges, any order, overlaps allowed, each rounded inward to
 * whole pages) minus the union of `reserved` (up to PMM_MAX_RESERVED ranges — kernel image, DTB, initrd,
 * /memreserve/, /reserved-memory — each rounded outward to whole pages; they may overlap each other or extend
 * beyond RAM; size 0 reserves nothing). Places the metadata in the lowest free stretch of RAM large enough, then
 * puts every other free page in the free lists. May be called again to start over (tests do).
 * Returns 0; -E_INVAL for a bad count, a NULL array with a nonzero count, or more than PMM_MAX_PAGES of RAM;
 * -E_NOMEM if no RAM page is described or no free stretch can hold the metadata. On error the allocator is left
 * uninitialised (every call below refuses) and memory has not been touched.
 */
int pmm_init(const struct pmm_range *ram, int nram, const struct pmm_range *reserved, int nreserved,
             uintptr_t virt_offset);

/*
 * Physical address of a free block of 2^order pages (aligned to its size, contents undefined), or 0 if there is
 * none or order > PMM_MAX_ORDER. Never panics. The block starts with a reference count of 1.
 */
uint64_t pmm_alloc(unsigned order);

/* As pmm_alloc, with the block's contents zeroed (through the linear map). */
uint64_t pmm_alloc_zeroed(unsigned order);

/*
 * Returns a block to the free lists. `pa` and `order` must be what pmm_alloc returned and was asked for, and the
 * block must have a single owner. Returns 0; -E_INVAL (reported, nothing changed) if the allocator is not
 * initialised, order > PMM_MAX_ORDER, pa is not aligned to the block size, lies outside RAM, or is not the start of
 * a live block of exactly this order (double free, reserved or metadata page, a page inside a block); -E_BUSY if
 * the block is shared (reference count > 1: drop references with pmm_put).
 */
int pmm_free(uint64_t pa, unsigned order);

/*
 * Turns the live block at pa, of order k with a single reference, into 2^k blocks of order 0, each with one
 * reference: memory that was allocated in one piece (to be mapped as a 2 MiB page) can then be shared, copied on
 * write, and freed page by page (pmm_put), and merges back into larger free blocks as its pages come back.
 * Returns 0 (also for an order-0 block); -E_INVAL as for pmm_get; -E_BUSY (reported) if the block is shared.
 */
int pmm_split(uint64_t pa);

/*
 * Reference counting for shared and copy-on-write blocks (of any order; normally single pages). `pa` is the start
 * of a live block. pmm_get adds a reference: 0, -E_INVAL (as for pmm_free), -E_OVERFLOW (2^32 - 1 references).
 * pmm_put drops one and frees the block when none is left: 1 if it freed the block, 0 if references remain,
 * -E_INVAL as for pmm_get. Test `pmm_put(pa) > 0`, not its truth value.
 */
int pmm_get(uint64_t pa);
int pmm_put(uint64_t pa);

/* References to the live block starting at pa; 0 if pa is not the start of a live block. */
uint32_t pmm_refcount(uint64_t pa);

void pmm_get_stats(struct pmm_stats *out);

/* The linear map pmm_init was given. Valid for RAM addresses (and their virtual images) only. */
void *pmm_phys_to_virt(uint64_t pa);
uint64_t pmm_virt_to_phys(const void *va);

/*
 * Walks every free list and every struct page and checks the allocator's invariants: list links, alignment,
 * blocks inside one RAM range, no free buddies left unmerged, page states, and the counters. O(RAM pages): for tests
 * and debug self-checks. Returns 0, or -E_INVAL (reported to the hook) at the first inconsistency.
 */
int pmm_check(void);

/*
 * Hook told about each refused call ("pmm_free", "block is free (double free?)", the address it was given) and
 * each inconsistency pmm_check finds ("pmm_check", what, the page concerned). NULL (the default) to stay silent.
 * Kept across pmm_init. It runs inside the allocator: it must not call back into it.
 */
void pmm_set_report(void (*report)(const char *call, const char *reason, uint64_t pa));

#endif /* WREN_MM_PMM_H */
