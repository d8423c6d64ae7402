/*
 * Buddy allocator over physical RAM (see pmm.h for the contract).
 *
 * Layout of the state:
 * - RAM is kept as up to PMM_MAX_RAM "zones": the DTB's memory ranges rounded inward to pages, sorted and merged
 *   where they touch or overlap. A zone is one contiguous run of page frame numbers (pfn = pa >> 12).
 * - One struct page per RAM page, zone after zone, in an array carved out of RAM. Page index i of zone z is
 *   pfn z.base_pfn + (i - z.first). Indices are 32-bit, which is what keeps struct page at 16 bytes.
 * - A block of order k is 2^k pages with pfn % 2^k == 0, all in one zone. Its first page (the head) says what the
 *   block is (PG_FREE or PG_ALLOC) and its order; every other page of the block has state 0. Pages outside the
 *   buddy system — reserved ranges, page 0, the metadata itself — are PG_RESERVED, each on its own.
 * - The free blocks of each order form a doubly linked list through their heads (next/prev page indices), so a
 *   buddy can be unlinked from the middle of its list in O(1) when it merges.
 *
 * The buddy of the block at pfn of order k is the block at pfn ^ 2^k: the two halves of the aligned block of
 * order k+1. It merges only if it lies in the same zone and its head says "free block of order k".
 *
 * SMP: one spinlock will guard everything in `pmm` (lists, counters and the struct page array): taken on entry to
 * pmm_alloc*, pmm_free, pmm_split, pmm_get, pmm_put, pmm_refcount, pmm_get_stats and pmm_check, and around the commit
 * at the end of pmm_init. pmm_alloc_zeroed clears the block after dropping the lock; the report hook should be called
 * after dropping it too (or only record, and print later).
 */
#include <stddef.h>
#include <stdint.h>

#include <wren/abi.h>

#include "lib/string.h"
#include "mm/pmm.h"

#ifdef WREN_HOST_TEST
#include <assert.h>
#define PMM_ASSERT(c) assert(c)
#else
#include "panic.h"
#define PMM_ASSERT(c) KASSERT(c)
#endif

#define NONE      0xffffffffu                     /* no page: end of a list */
#define PFN_LIMIT (1ull << (64 - PMM_PAGE_SHIFT)) /* one past the highest pfn a 64-bit address can have */
#define PAGE_MASK (PMM_PAGE_SIZE - 1)
#define MAX_SPANS (PMM_MAX_RESERVED + 2) /* reserved ranges + page 0 + the metadata */

enum page_state {
    PG_NONE = 0,     /* inside a block (not its head) */
    PG_FREE = 1,     /* head of a free block, on free list `order` */
    PG_ALLOC = 2,    /* head of an allocated block of `order`, with `refcount` references */
    PG_RESERVED = 3, /* not RAM the allocator hands out: reserved range, page 0, metadata */
};

struct page {
    uint32_t next, prev; /* free-list links (page indices) while PG_FREE */
    uint32_t refcount;   /* references while PG_ALLOC (>= 1); 0 otherwise */
    uint8_t order;       /* block order while PG_FREE or PG_ALLOC */
    uint8_t state;       /* enum page_state */
    uint8_t zone;        /* index in pmm.zones */
    uint8_t unused;
};
_Static_assert(sizeof(struct page) == 16, "struct page is 16 bytes: 4 MiB of metadata per GiB");

struct zone {
    uint64_t base_pfn; /* first page frame */
    uint64_t npages;
    uint32_t first; /* index of its first struct page */
};

/* A run of page frames [start, end). */
struct span {
    uint64_t start, end;
};

static struct {
    bool ready;
    uintptr_t virt_offset;
    struct page *pages;
    struct zone zones[PMM_MAX_RAM];
    int nzones;
    uint32_t free_head[PMM_MAX_ORDER + 1];
    struct pmm_stats stats; /* allocated_pages is computed on demand */
} pmm;

static void (*pmm_report)(const char *call, const char *reason, uint64_t pa);

static int refuse(const char *call, const char *reason, uint64_t pa)
{
    pmm.stats.rejected++;
    if (pmm_report != NULL)
        pmm_report(call, reason, pa);
    return -E_INVAL;
}

void pmm_set_report(void (*report)(const char *call, const char *reason, uint64_t pa))
{
    pmm_report = report;
}

void *pmm_phys_to_virt(uint64_t pa)
{
    return (void *)((uintptr_t)pa + pmm.virt_offset);
}

uint64_t pmm_virt_to_phys(const void *va)
{
    return (uint64_t)((uintptr_t)va - pmm.virt_offset);
}

/* --- pages, zones and free lists --- */

static uint64_t block_pages(unsigned order)
{
    return 1ull << order;
}

/* The zone holding pfn, or NULL. At most PMM_MAX_RAM comparisons. */
static const struct zone *zone_of(uint64_t pfn)
{
    for (int z = 0; z < pmm.nzones; z++)
        if (pfn >= pmm.zones[z].base_pfn && pfn - pmm.zones[z].base_pfn < pmm.zones[z].npages)
            return &pmm.zones[z];
    return NULL;
}

static uint32_t index_in(const struct zone *z, uint64_t pfn)
{
    return z->first + (uint32_t)(pfn - z->base_pfn);
}

static uint64_t pfn_of(uint32_t idx)
{
    const struct zone *z = &pmm.zones[pmm.pages[idx].zone];
    return z->base_pfn + (idx - z->first);
}

static void list_push(unsigned order, uint32_t idx)
{
    struct page *p = &pmm.pages[idx];

    p->state = PG_FREE;
    p->order = (uint8_t)order;
    p->refcount = 0;
    p->prev = NONE;
    p->next = pmm.free_head[order];
    if (p->next != NONE)
        pmm.pages[p->next].prev = idx;
    pmm.free_head[order] = idx;
    pmm.stats.free_blocks[order]++;
}

/* Unlinks a free block's head and leaves it as a plain page (state PG_NONE). */
static void list_remove(unsigned order, uint32_t idx)
{
    struct page *p = &pmm.pages[idx];

    PMM_ASSERT(p->state == PG_FREE && p->order == order);
    if (p->prev != NONE)
        pmm.pages[p->prev].next = p->next;
    else
        pmm.free_head[order] = p->next;
    if (p->next != NONE)
        pmm.pages[p->next].prev = p->prev;
    p->next = p->prev = NONE;
    p->state = PG_NONE;
    pmm.stats.free_blocks[order]--;
}

/* Frees the block of `order` whose head is page idx (pfn) in zone z, merging it with free buddies as far as they go. */
static void block_free(const struct zone *z, uint32_t idx, uint64_t pfn, unsigned order)
{
    unsigned k = order;

    pmm.pages[idx].state = PG_NONE;
    pmm.pages[idx].refcount = 0;
    while (k < PMM_MAX_ORDER) {
        uint64_t buddy = pfn ^ block_pages(k);
        if (buddy < z->base_pfn || buddy - z->base_pfn >= z->npages)
            break; /* the other half is not RAM of this zone */
        uint32_t bidx = index_in(z, buddy);
        if (pmm.pages[bidx].state != PG_FREE || pmm.pages[bidx].order != k)
            break; /* allocated, reserved, or free only in part */
        list_remove(k, bidx);
        if (buddy < pfn) {
            pfn = buddy;
            idx = bidx;
        }
        k++;
    }
    list_push(k, idx);
    pmm.stats.free_pages += block_pages(order);
}

uint64_t pmm_alloc(unsigned order)
{
    if (!pmm.ready || order > PMM_MAX_ORDER)
        return 0;
    unsigned k = order;
    while (k <= PMM_MAX_ORDER && pmm.free_head[k] == NONE)
        k++;
    if (k > PMM_MAX_ORDER)
        return 0;

    uint32_t idx = pmm.free_head[k];
    list_remove(k, idx);
    /*
     * Split: keep the lower half, free the upper half, until the block is the size asked for. The halves stay in
     * the block's zone, where page indices run parallel to page frames.
     */
    while (k > order) {
        k--;
        list_push(k, idx + (uint32_t)block_pages(k));
    }
    struct page *p = &pmm.pages[idx];
    p->state = PG_ALLOC;
    p->order = (uint8_t)order;
    p->refcount = 1;
    pmm.stats.free_pages -= block_pages(order);
    return pfn_of(idx) << PMM_PAGE_SHIFT;
}

/*
 * Zeroes whole pages: page-aligned and a multiple of 128 bytes, so none of memset's alignment and tail handling is
 * needed, and 16 stores per iteration (paired by the compiler) keep the loop overhead small. Every demand-zero page
 * fault runs this.
 */
static void zero_pages(void *va, uint64_t bytes)
{
    for (uint64_t *w = va, *end = w + bytes / 8; w < end; w += 16)
        for (int i = 0; i < 16; i++)
            w[i] = 0;
}

uint64_t pmm_alloc_zeroed(unsigned order)
{
    uint64_t pa = pmm_alloc(order);

    if (pa != 0)
        zero_pages(pmm_phys_to_virt(pa), PMM_PAGE_SIZE << order);
    return pa;
}

/* Finds the head of the live block starting at pa. Returns its page index, or NONE after reporting why not. */
static uint32_t live_block(const char *call, uint64_t pa, const struct zone **zp)
{
    if (!pmm.ready)
        return refuse(call, "allocator not initialised", pa), NONE;
    if ((pa & PAGE_MASK) != 0)
        return refuse(call, "address not page-aligned", pa), NONE;
    const struct zone *z = zone_of(pa >> PMM_PAGE_SHIFT);
    if (z == NULL)
        return refuse(call, "address outside RAM", pa), NONE;
    uint32_t idx = index_in(z, pa >> PMM_PAGE_SHIFT);
    switch (pmm.pages[idx].state) {
    case PG_ALLOC: *zp = z; return idx;
    case PG_FREE: return refuse(call, "block is free (double free?)", pa), NONE;
    case PG_RESERVED: return refuse(call, "reserved page", pa), NONE;
    default: return refuse(call, "not the start of a block", pa), NONE;
    }
}

int pmm_free(uint64_t pa, unsigned order)
{
    const struct zone *z = NULL;

    if (order > PMM_MAX_ORDER)
        return refuse("pmm_free", "order too large", pa);
    if (((pa >> PMM_PAGE_SHIFT) & (block_pages(order) - 1)) != 0)
        return refuse("pmm_free", "address not aligned to the order", pa);
    uint32_t idx = live_block("pmm_free", pa, &z);
    if (idx == NONE)
        return -E_INVAL;
    struct page *p = &pmm.pages[idx];
    if (p->order != order)
        return refuse("pmm_free", "wrong order for this block", pa);
    if (p->refcount > 1) {
        refuse("pmm_free", "block is shared (drop references with pmm_put)", pa);
        return -E_BUSY;
    }
    block_free(z, idx, pa >> PMM_PAGE_SHIFT, order);
    return 0;
}

int pmm_get(uint64_t pa)
{
    const struct zone *z = NULL;
    uint32_t idx = live_block("pmm_get", pa, &z);

    if (idx == NONE)
        return -E_INVAL;
    if (pmm.pages[idx].refcount == UINT32_MAX) {
        refuse("pmm_get", "reference count would overflow", pa);
        return -E_OVERFLOW;
    }
    pmm.pages[idx].refcount++;
    return 0;
}

int pmm_put(uint64_t pa)
{
    const struct zone *z = NULL;
    uint32_t idx = live_block("pmm_put", pa, &z);

    if (idx == NONE)
        return -E_INVAL;
    struct page *p = &pmm.pages[idx];
    PMM_ASSERT(p->refcount >= 1);
    if (--p->refcount > 0)
        return 0;
    block_free(z, idx, pa >> PMM_PAGE_SHIFT, p->order);
    return 1;
}

int pmm_split(uint64_t pa)
{
    const struct zone *z = NULL;
    uint32_t idx = live_block("pmm_split", pa, &z);

    if (idx == NONE)
        return -E_INVAL;
    struct page *p = &pmm.pages[idx];
    if (p->refcount > 1) {
        refuse("pmm_split", "block is shared", pa);
        return -E_BUSY;
    }
    /* The body pages (PG_NONE, refcount 0) become heads of their own: the free counters do not change. */
    uint64_t n = block_pages(p->order);
    for (uint64_t i = 1; i < n; i++) {
        struct page *q = &pmm.pages[idx + i];
        q->state = PG_ALLOC;
        q->order = 0;
        q->refcount = 1;
    }
    p->order = 0;
    return 0;
}

uint32_t pmm_refcount(uint64_t pa)
{
    if (!pmm.ready || (pa & PAGE_MASK) != 0)
        return 0;
    const struct zone *z = zone_of(pa >> PMM_PAGE_SHIFT);
    if (z == NULL)
        return 0;
    const struct page *p = &pmm.pages[index_in(z, pa >> PMM_PAGE_SHIFT)];
    return p->state == PG_ALLOC ? p->refcount : 0;
}

void pmm_get_stats(struct pmm_stats *out)
{
    *out = pmm.stats;
    out->allocated_pages =
        pmm.stats.total_pages - pmm.stats.free_pages - pmm.stats.reserved_pages - pmm.stats.metadata_pages;
}

/* --- pmm_init --- */

/*
 * [base, base + size) rounded inward (RAM) or outward (reserved) to page frames; a range that wraps past 2^64 ends
 * there.
 */
static struct span span_inward(const struct pmm_range *r)
{
    uint64_t end_pfn = r->size > UINT64_MAX - r->base ? PFN_LIMIT : (r->base + r->size) >> PMM_PAGE_SHIFT;
    struct span s = {(r->base >> PMM_PAGE_SHIFT) + ((r->base & PAGE_MASK) != 0), end_pfn};
    if (s.start > s.end)
        s.end = s.start; /* a range inside one page */
    return s;
}

static struct span span_outward(const struct pmm_range *r)
{
    struct span s = {r->base >> PMM_PAGE_SHIFT, PFN_LIMIT};
    if (r->size == 0)
        s.end = s.start;
    else if (r->size <= UINT64_MAX - r->base)
        s.end = ((r->base + r->size) >> PMM_PAGE_SHIFT) + (((r->base + r->size) & PAGE_MASK) != 0);
    return s;
}

/* Sorts spans by start, drops empty ones and merges those that overlap or touch. Returns the new count. */
static int spans_normalise(struct span *s, int n)
{
    int m = 0;

    for (int i = 0; i < n; i++) { /* insertion sort of the non-empty spans: n is small */
        if (s[i].start >= s[i].end)
            continue;
        struct span v = s[i];
        int j = m++;
        while (j > 0 && s[j - 1].start > v.start) {
            s[j] = s[j - 1];
            j--;
        }
        s[j] = v;
    }
    int out = 0;
    for (int i = 0; i < m; i++) {
        if (out > 0 && s[i].start <= s[out - 1].end) {
            if (s[i].end > s[out - 1].end)
                s[out - 1].end = s[i].end;
        } else {
            s[out++] = s[i];
        }
    }
    return out;
}

/*
 * Calls fn for each free gap of zone [zs, ze) between the sorted, merged spans `res`; stops early when fn returns
 * true and then returns true.
 */
static bool for_each_gap(uint64_t zs, uint64_t ze, const struct span *res, int nres,
                         bool (*fn)(uint64_t start, uint64_t end, void *arg), void *arg)
{
    uint64_t cur = zs;

    for (int i = 0; i < nres && cur < ze; i++) {
        if (res[i].end <= cur)
            continue;
        if (res[i].start >= ze)
            break;
        if (res[i].start > cur && fn(cur, res[i].start, arg))
            return true;
        cur = res[i].end;
    }
    return cur < ze && fn(cur, ze, arg);
}

struct fit {
    uint64_t need;
    uint64_t found;
};

static bool gap_fits(uint64_t start, uint64_t end, void *arg)
{
    struct fit *f = arg;
    if (end - start < f->need)
        return false;
    f->found = start;
    return true;
}

/*
 * Puts a free run of pages into the buddy system as the largest aligned blocks it holds, each through the ordinary
 * free path (block_free), so the lists come out exactly as frees would leave them.
 */
static bool gap_release(uint64_t start, uint64_t end, void *arg)
{
    const struct zone *z = arg;

    while (start < end) {
        unsigned k = 0;
        while (k < PMM_MAX_ORDER && (start & block_pages(k)) == 0 && block_pages(k + 1) <= end - start)
            k++;
        uint32_t idx = index_in(z, start);
        for (uint64_t i = 0; i < block_pages(k); i++)
            pmm.pages[idx + i].state = PG_NONE;
        block_free(z, idx, start, k);
        start += block_pages(k);
    }
    return false;
}

int pmm_init(const struct pmm_range *ram, int nram, const struct pmm_range *reserved, int nreserved,
             uintptr_t virt_offset)
{
    struct span zs[PMM_MAX_RAM];
    struct span res[MAX_SPANS];

    memset(&pmm, 0, sizeof(pmm)); /* uninitialised until the commit below */
    if (nram < 1 || nram > PMM_MAX_RAM || ram == NULL || nreserved < 0 || nreserved > PMM_MAX_RESERVED ||
        (nreserved > 0 && reserved == NULL))
        return -E_INVAL;

    /* RAM: page frames rounded inward, sorted, merged. */
    for (int i = 0; i < nram; i++)
        zs[i] = span_inward(&ram[i]);
    int nz = spans_normalise(zs, nram);
    if (nz == 0)
        return -E_NOMEM;
    uint64_t total = 0;
    for (int i = 0; i < nz; i++) {
        if (zs[i].end - zs[i].start > PMM_MAX_PAGES - total)
            return -E_INVAL;
        total += zs[i].end - zs[i].start;
    }

    /* Everything not to hand out: reserved ranges rounded outward, and page 0. */
    for (int i = 0; i < nreserved; i++)
        res[i] = span_outward(&reserved[i]);
    res[nreserved] = (struct span){0, 1};
    int nres = spans_normalise(res, nreserved + 1);

    /* The metadata goes in the lowest free stretch that holds it. */
    uint64_t meta_pages = (total * sizeof(struct page) + PAGE_MASK) >> PMM_PAGE_SHIFT;
    struct fit fit = {meta_pages, 0};
    bool placed = false;
    for (int i = 0; i < nz && !placed; i++)
        placed = for_each_gap(zs[i].start, zs[i].end, res, nres, gap_fits, &fit);
    if (!placed)
        return -E_NOMEM;
    res[nres] = (struct span){fit.found, fit.found + meta_pages};
    nres = spans_normalise(res, nres + 1);

    /* Commit. */
    pmm.virt_offset = virt_offset;
    pmm.pages = pmm_phys_to_virt(fit.found << PMM_PAGE_SHIFT);
    pmm.nzones = nz;
    for (unsigned k = 0; k <= PMM_MAX_ORDER; k++)
        pmm.free_head[k] = NONE;
    uint32_t first = 0;
    for (int i = 0; i < nz; i++) {
        pmm.zones[i] = (struct zone){zs[i].start, zs[i].end - zs[i].start, first};
        for (uint64_t j = 0; j < pmm.zones[i].npages; j++)
            pmm.pages[first + j] = (struct page){NONE, NONE, 0, 0, PG_RESERVED, (uint8_t)i, 0};
        first += (uint32_t)pmm.zones[i].npages;
    }
    pmm.stats.total_pages = total;
    pmm.stats.metadata_pages = meta_pages;
    pmm.stats.metadata_base = fit.found << PMM_PAGE_SHIFT;
    for (int i = 0; i < nz; i++)
        for_each_gap(zs[i].start, zs[i].end, res, nres, gap_release, &pmm.zones[i]);
    pmm.stats.reserved_pages = total - meta_pages - pmm.stats.free_pages;
    pmm.ready = true;
    return 0;
}

/* --- pmm_check --- */

static int broken(const char *reason, uint64_t pfn)
{
    if (pmm_report != NULL)
        pmm_report("pmm_check", reason, pfn << PMM_PAGE_SHIFT);
    return -E_INVAL;
}

int pmm_check(void)
{
    if (!pmm.ready)
        return broken("not initialised", 0);

    /* Free lists: every node a free head of that order, links consistent, counts match. */
    uint64_t free_pages = 0;
    for (unsigned k = 0; k <= PMM_MAX_ORDER; k++) {
        uint64_t n = 0;
        uint32_t prev = NONE;
        for (uint32_t i = pmm.free_head[k]; i != NONE; prev = i, i = pmm.pages[i].next) {
            if (i >= pmm.stats.total_pages || ++n > pmm.stats.total_pages)
                return broken("free list corrupt", k);
            const struct page *p = &pmm.pages[i];
            if (p->state != PG_FREE || p->order != k || p->prev != prev)
                return broken("free list entry is not a free head of its order", pfn_of(i));
        }
        if (n != pmm.stats.free_blocks[k])
            return broken("free_blocks count wrong", k);
        free_pages += n << k;
    }
    if (free_pages != pmm.stats.free_pages)
        return broken("free_pages count wrong", 0);

    /* Every page: blocks aligned, inside their zone, bodies clear; free buddies merged; reserved count right. */
    uint64_t reserved = 0;
    for (int zi = 0; zi < pmm.nzones; zi++) {
        const struct zone *z = &pmm.zones[zi];
        for (uint64_t off = 0; off < z->npages;) {
            uint64_t pfn = z->base_pfn + off;
            const struct page *p = &pmm.pages[z->first + off];
            if (p->zone != zi)
                return broken("page has the wrong zone", pfn);
            if (p->state == PG_RESERVED) {
                reserved++;
                off++;
                continue;
            }
            if ((p->state != PG_FREE && p->state != PG_ALLOC) || p->order > PMM_MAX_ORDER)
                return broken("page is not the head of a block", pfn);
            uint64_t n = block_pages(p->order);
            if ((pfn & (n - 1)) != 0 || n > z->npages - off)
                return broken("block misaligned or outside its range", pfn);
            if ((p->state == PG_ALLOC) != (p->refcount > 0))
                return broken("reference count does not match the state", pfn);
            for (uint64_t j = 1; j < n; j++)
                if (pmm.pages[z->first + off + j].state != PG_NONE)
                    return broken("page inside a block is marked", pfn + j);
            if (p->state == PG_FREE && p->order < PMM_MAX_ORDER) {
                uint64_t buddy = pfn ^ n;
                if (buddy >= z->base_pfn && buddy - z->base_pfn < z->npages) {
                    const struct page *b = &pmm.pages[index_in(z, buddy)];
                    if (b->state == PG_FREE && b->order == p->order)
                        return broken("free buddies not merged", pfn);
                }
            }
            off += n;
        }
    }
    if (reserved != pmm.stats.reserved_pages + pmm.stats.metadata_pages)
        return broken("reserved page count wrong", 0);
    return 0;
}
