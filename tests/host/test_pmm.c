// sources: kernel/mm/pmm.c
// The buddy allocator on fake RAM. Each test describes RAM and reserved ranges at realistic physical addresses and
// backs them with a sparse anonymous mapping (MAP_NORESERVE), reached through pmm_init's virt_offset: RAM is
// read-write, holes between RAM ranges and every reserved range are PROT_NONE, so the allocator touching memory it
// does not own crashes the test. A page-by-page model of the layout, built here from the ranges alone, is the
// oracle: exact counts after init (metadata placement included), every block handed out lies on free RAM of the
// model, aligned, overlapping nothing live (a shadow state per page), and the free lists after everything is freed
// are exactly the canonical buddy decomposition of the free pages.
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <wren/abi.h>

#include "mm/pmm.h"
#include "unit.h"

#define PAGE         4096ull
#define KiB          (1ull << 10)
#define MiB          (1ull << 20)
#define GiB          (1ull << 30)
#define PFN_TOP      (1ull << 52) // one past the last page frame of the 64-bit address space
#define MAXO         PMM_MAX_ORDER
#define N_ORDERS     (PMM_MAX_ORDER + 1)
#define ARRAY_LEN(a) ((int)(sizeof(a) / sizeof((a)[0])))

// --- the report hook ---

static int reports;
static const char *last_call;
static const char *last_reason;
static uint64_t last_pa;
static bool print_reports;

static void on_report(const char *call, const char *reason, uint64_t pa)
{
    reports++;
    last_call = call;
    last_reason = reason;
    last_pa = pa;
    if (print_reports)
        fprintf(stderr, "    report: %s: %s (%#llx)\n", call, reason, (unsigned long long)pa);
}

// --- deterministic randomness (xorshift64*) ---

static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_below(uint64_t n)
{
    return n ? rnd() % n : 0;
}

// --- page frames of a range, as pmm.h specifies them ---

static bool add_wraps(uint64_t a, uint64_t b)
{
    return a + b < a;
}

// RAM: whole pages inside [base, base + size); a range running past 2^64 ends there.
static void ram_frames(const struct pmm_range *r, uint64_t *s, uint64_t *e)
{
    *s = r->base / PAGE + (r->base % PAGE != 0);
    *e = add_wraps(r->base, r->size) ? PFN_TOP : (r->base + r->size) / PAGE;
    if (*e < *s)
        *e = *s;
}

// Reserved: every page [base, base + size) touches; nothing for size 0.
static void res_frames(const struct pmm_range *r, uint64_t *s, uint64_t *e)
{
    *s = r->base / PAGE;
    if (r->size == 0)
        *e = *s;
    else if (add_wraps(r->base, r->size))
        *e = PFN_TOP;
    else
        *e = (r->base + r->size - 1) / PAGE + 1;
}

// --- a world: fake RAM, the model, and the live allocations ---

enum { M_HOLE, M_RES, M_META, M_FREE, M_USED };

struct world {
    uint8_t *map; // fake physical memory for frames [lo, hi)
    size_t maplen;
    uint64_t lo, hi;
    uintptr_t off; // virt_offset
    uint8_t *st;   // model state of frames [lo, hi)
    bool tags;     // write a tag in the first and last word of each block handed out (small worlds only)
    uint64_t nfree;
    struct pmm_stats start; // stats right after pmm_init
};

static bool in_world(const struct world *w, uint64_t pfn)
{
    return pfn >= w->lo && pfn < w->hi;
}

static void *virt(const struct world *w, uint64_t pa)
{
    return (void *)((uintptr_t)pa + w->off);
}

static void protect(struct world *w, uint64_t s, uint64_t e, int prot)
{
    if (s < w->lo)
        s = w->lo;
    if (e > w->hi)
        e = w->hi;
    if (s < e && mprotect(w->map + (s - w->lo) * PAGE, (e - s) * PAGE, prot) != 0) {
        perror("mprotect");
        abort();
    }
}

// Maps the span of the RAM ranges (PROT_NONE), opens up the RAM, closes the reserved ranges again, and builds the
// model (before metadata). Returns false if no RAM page is described (nothing mapped).
static bool world_map(struct world *w, const struct pmm_range *ram, int nram, const struct pmm_range *res, int nres)
{
    memset(w, 0, sizeof(*w));
    w->lo = PFN_TOP;
    for (int i = 0; i < nram; i++) {
        uint64_t s, e;
        ram_frames(&ram[i], &s, &e);
        if (s < e) {
            w->lo = s < w->lo ? s : w->lo;
            w->hi = e > w->hi ? e : w->hi;
        }
    }
    if (w->hi == 0)
        return false;
    w->maplen = (size_t)((w->hi - w->lo) * PAGE);
    w->map = mmap(NULL, w->maplen, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (w->map == MAP_FAILED) {
        perror("mmap");
        abort();
    }
    w->off = (uintptr_t)w->map - (uintptr_t)(w->lo * PAGE);
    w->st = calloc((size_t)(w->hi - w->lo), 1);
    if (w->st == NULL)
        abort();
    for (int i = 0; i < nram; i++) {
        uint64_t s, e;
        ram_frames(&ram[i], &s, &e);
        protect(w, s, e, PROT_READ | PROT_WRITE);
        for (uint64_t p = s; p < e; p++)
            w->st[p - w->lo] = M_FREE;
    }
    for (int i = 0; i < nres; i++) {
        uint64_t s, e;
        res_frames(&res[i], &s, &e);
        protect(w, s, e, PROT_NONE);
        for (uint64_t p = s > w->lo ? s : w->lo; p < e && p < w->hi; p++)
            if (w->st[p - w->lo] == M_FREE)
                w->st[p - w->lo] = M_RES;
    }
    if (w->lo == 0 && w->st[0] == M_FREE)
        w->st[0] = M_RES; // page 0 is never handed out
    w->tags = w->hi - w->lo <= 65536;
    return true;
}

static void world_unmap(struct world *w)
{
    if (w->map != NULL)
        munmap(w->map, w->maplen);
    free(w->st);
    memset(w, 0, sizeof(*w));
}

static uint64_t count_state(const struct world *w, int state)
{
    uint64_t n = 0;
    for (uint64_t p = w->lo; p < w->hi; p++)
        n += w->st[p - w->lo] == state;
    return n;
}

// The lowest run of `need` consecutive free frames of the model; PFN_TOP if none.
static uint64_t first_fit(const struct world *w, uint64_t need)
{
    uint64_t run = 0;
    for (uint64_t p = w->lo; p < w->hi; p++) {
        run = w->st[p - w->lo] == M_FREE ? run + 1 : 0;
        if (run == need)
            return p + 1 - need;
    }
    return PFN_TOP;
}

// The canonical buddy decomposition of the model's free frames: an aligned block of order k counts when all its
// pages are free and (k is the largest order, or the aligned block of order k+1 holding it is not all free).
static void expected_blocks(const struct world *w, uint64_t out[N_ORDERS])
{
    uint64_t base = w->lo & ~((1ull << MAXO) - 1);
    uint64_t n = ((w->hi - base) + (1ull << MAXO) - 1) >> MAXO << MAXO;
    uint8_t *level[N_ORDERS];

    level[0] = calloc((size_t)n, 1);
    for (uint64_t p = w->lo; p < w->hi; p++)
        level[0][p - base] = w->st[p - w->lo] == M_FREE;
    for (int k = 1; k <= MAXO; k++) {
        uint64_t m = n >> k;
        level[k] = calloc((size_t)m, 1);
        for (uint64_t i = 0; i < m; i++)
            level[k][i] = level[k - 1][2 * i] && level[k - 1][2 * i + 1];
    }
    for (int k = 0; k <= MAXO; k++) {
        out[k] = 0;
        for (uint64_t i = 0; i < (n >> k); i++)
            out[k] += level[k][i] && (k == MAXO || !level[k + 1][i / 2]);
    }
    for (int k = 0; k <= MAXO; k++)
        free(level[k]);
}

static void expect_blocks_canonical(const struct world *w)
{
    uint64_t want[N_ORDERS];
    struct pmm_stats s;

    expected_blocks(w, want);
    pmm_get_stats(&s);
    for (int k = 0; k <= MAXO; k++)
        if (!EXPECT_EQ(s.free_blocks[k], want[k]))
            fprintf(stderr, "    (free_blocks[%d])\n", k);
}

// pmm_init on the world; on success checks the whole state after init against the model and marks the metadata.
static int world_init(struct world *w, const struct pmm_range *ram, int nram, const struct pmm_range *res, int nres)
{
    pmm_set_report(on_report);
    int rc = pmm_init(ram, nram, res, nres, w->off);
    if (rc != 0)
        return rc;

    struct pmm_stats s;
    pmm_get_stats(&s);
    uint64_t total = w->hi - w->lo - count_state(w, M_HOLE);
    EXPECT_EQ(s.total_pages, total);
    EXPECT_EQ(s.metadata_pages, (total * 16 + PAGE - 1) / PAGE);
    EXPECT_EQ(s.metadata_base % PAGE, 0);
    EXPECT_EQ(s.metadata_base / PAGE, first_fit(w, s.metadata_pages));
    for (uint64_t p = s.metadata_base / PAGE; p < s.metadata_base / PAGE + s.metadata_pages; p++) {
        if (!in_world(w, p) || w->st[p - w->lo] != M_FREE) {
            EXPECT_TRUE(!"metadata lies on free RAM");
            break;
        }
        w->st[p - w->lo] = M_META;
    }
    w->nfree = count_state(w, M_FREE);
    EXPECT_EQ(s.reserved_pages, count_state(w, M_RES));
    EXPECT_EQ(s.free_pages, w->nfree);
    EXPECT_EQ(s.allocated_pages, 0);
    EXPECT_EQ(s.rejected, 0);
    EXPECT_EQ(pmm_check(), 0);
    expect_blocks_canonical(w);
    w->start = s;
    return 0;
}

static bool world_setup(struct world *w, const struct pmm_range *ram, int nram, const struct pmm_range *res, int nres)
{
    if (!world_map(w, ram, nram, res, nres))
        return false;
    return EXPECT_EQ(world_init(w, ram, nram, res, nres), 0);
}

static uint64_t tag_of(uint64_t pa)
{
    return pa ^ 0x5ca1ab1e0ddba11ull;
}

// pmm_alloc, checked: aligned, on free RAM of the model, overlapping nothing live. Returns 0 when pmm_alloc does,
// after checking that no free block of this order or larger existed.
static uint64_t world_alloc(struct world *w, unsigned order)
{
    struct pmm_stats s;
    pmm_get_stats(&s);
    uint64_t pa = pmm_alloc(order);
    if (pa == 0) {
        for (unsigned k = order; k <= MAXO; k++)
            EXPECT_EQ(s.free_blocks[k], 0);
        return 0;
    }
    uint64_t n = 1ull << order;
    if (!EXPECT_EQ(pa % (PAGE * n), 0))
        return 0;
    for (uint64_t p = pa / PAGE; p < pa / PAGE + n; p++) {
        if (!in_world(w, p) || w->st[p - w->lo] != M_FREE) {
            fprintf(stderr, "    block %#llx order %u: page %#llx is %s\n", (unsigned long long)pa, order,
                    (unsigned long long)p,
                    !in_world(w, p)              ? "outside RAM"
                    : w->st[p - w->lo] == M_USED ? "already allocated"
                    : w->st[p - w->lo] == M_RES  ? "reserved"
                    : w->st[p - w->lo] == M_META ? "metadata"
                                                 : "not RAM");
            EXPECT_TRUE(!"block lies on free RAM");
            return 0;
        }
        w->st[p - w->lo] = M_USED;
    }
    w->nfree -= n;
    if (w->tags) {
        uint64_t *first = virt(w, pa);
        uint64_t *last = (uint64_t *)((uint8_t *)first + PAGE * n - 8);
        *first = *last = tag_of(pa);
    }
    EXPECT_EQ(pmm_refcount(pa), 1);
    return pa;
}

static void world_forget(struct world *w, uint64_t pa, unsigned order)
{
    uint64_t n = 1ull << order;
    if (w->tags) {
        uint64_t *first = virt(w, pa);
        uint64_t *last = (uint64_t *)((uint8_t *)first + PAGE * n - 8);
        EXPECT_EQ(*first, tag_of(pa));
        EXPECT_EQ(*last, tag_of(pa));
    }
    for (uint64_t p = pa / PAGE; p < pa / PAGE + n; p++) {
        EXPECT_EQ(w->st[p - w->lo], M_USED);
        w->st[p - w->lo] = M_FREE;
    }
    w->nfree += n;
}

static void world_free(struct world *w, uint64_t pa, unsigned order)
{
    world_forget(w, pa, order);
    EXPECT_EQ(pmm_free(pa, order), 0);
}

static void expect_free_matches(const struct world *w)
{
    struct pmm_stats s;
    pmm_get_stats(&s);
    EXPECT_EQ(s.free_pages, w->nfree);
    EXPECT_EQ(s.allocated_pages,
              w->hi - w->lo - count_state(w, M_HOLE) - count_state(w, M_RES) - count_state(w, M_META) - w->nfree);
}

// Everything pmm_get_stats says, except the misuse counter, equals the state right after init.
static void expect_back_to_start(const struct world *w)
{
    struct pmm_stats s;
    pmm_get_stats(&s);
    s.rejected = w->start.rejected;
    EXPECT_TRUE(memcmp(&s, &w->start, sizeof(s)) == 0);
    EXPECT_EQ(s.free_pages, w->start.free_pages);
    for (int k = 0; k <= MAXO; k++)
        EXPECT_EQ(s.free_blocks[k], w->start.free_blocks[k]);
    EXPECT_EQ(pmm_check(), 0);
}

struct live {
    uint64_t pa;
    unsigned order;
};

// Allocates until no order succeeds, largest orders first; returns the number of blocks (stored in out).
static int exhaust(struct world *w, struct live *out, int max)
{
    int n = 0;
    for (int k = MAXO; k >= 0; k--) {
        uint64_t pa;
        while (n < max && (pa = world_alloc(w, (unsigned)k)) != 0)
            out[n++] = (struct live){pa, (unsigned)k};
    }
    return n;
}

// --- the reference layout: 64 MiB of QEMU-like RAM ---
//
// RAM 0x40000000-0x44000000 (16384 pages). Reserved: the DTB at the base of RAM (0x1a3c bytes: 2 pages), the kernel
// at +2 MiB (600 KiB: 150 pages), an initrd at 0x42000000 (0x123456 bytes: 292 pages), a TF-A no-map region at
// 0x43000000 (0x50000: 80 pages). Metadata: 16384 * 16 bytes = 64 pages, in the first stretch that holds them:
// right after the DTB, 0x40002000-0x40042000. Free: 16384 - 524 - 64 = 15796 pages in the runs
// [0x40042, 0x40200) [0x40296, 0x42000) [0x42124, 0x43000) [0x43050, 0x44000) (page frames).

static const struct pmm_range ref_ram[] = {{0x40000000, 64 * MiB}};
static const struct pmm_range ref_res[] = {
    {0x40000000, 0x1a3c},    // DTB
    {0x40200000, 600 * KiB}, // kernel image
    {0x42000000, 0x123456},  // initrd
    {0x43000000, 0x50000},   // TF-A, no-map
};

#define REF_KERNEL 0x40200000ull
#define REF_INITRD 0x42000000ull
#define REF_TFA    0x43000000ull

static bool ref_setup(struct world *w)
{
    return world_setup(w, ref_ram, 1, ref_res, ARRAY_LEN(ref_res));
}

TEST(reference_layout_exact_counts)
{
    struct world w;
    ASSERT_TRUE(ref_setup(&w));
    struct pmm_stats s;
    pmm_get_stats(&s);
    EXPECT_EQ(s.total_pages, 16384);
    EXPECT_EQ(s.reserved_pages, 524);
    EXPECT_EQ(s.metadata_pages, 64);
    EXPECT_EQ(s.metadata_base, 0x40002000);
    EXPECT_EQ(s.free_pages, 15796);
    EXPECT_EQ(s.allocated_pages, 0);
    // Largest aligned blocks of the four runs (worked out by hand from the run boundaries above).
    static const uint64_t blocks[N_ORDERS] = {0, 2, 2, 3, 3, 3, 2, 3, 3, 2, 13};
    for (int k = 0; k <= MAXO; k++)
        EXPECT_EQ(s.free_blocks[k], blocks[k]);
    EXPECT_EQ(pmm_check(), 0);
    world_unmap(&w);
}

TEST(exhaust_then_recover)
{
    static struct live live[20000];
    struct world w;
    ASSERT_TRUE(ref_setup(&w));

    live[0] = (struct live){world_alloc(&w, 0), 0};
    int n = 1 + exhaust(&w, live + 1, ARRAY_LEN(live) - 1);
    struct pmm_stats s;
    pmm_get_stats(&s);
    EXPECT_EQ(s.free_pages, 0);
    EXPECT_EQ(w.nfree, 0);
    for (int k = 0; k <= MAXO; k++) {
        EXPECT_EQ(s.free_blocks[k], 0);
        EXPECT_EQ(pmm_alloc((unsigned)k), 0);
        EXPECT_EQ(pmm_alloc_zeroed((unsigned)k), 0);
    }
    EXPECT_EQ(s.allocated_pages, 15796);
    EXPECT_EQ(pmm_check(), 0);

    // Freeing one page makes exactly one page allocatable again.
    world_free(&w, live[0].pa, 0);
    EXPECT_EQ(pmm_alloc(1), 0);
    EXPECT_EQ(world_alloc(&w, 0), live[0].pa);
    EXPECT_EQ(pmm_alloc(0), 0);

    // Free in a shuffled order: everything merges back into the blocks of the start.
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rnd_below((uint64_t)i + 1);
        struct live t = live[i];
        live[i] = live[j];
        live[j] = t;
    }
    for (int i = 0; i < n; i++)
        world_free(&w, live[i].pa, live[i].order);
    expect_back_to_start(&w);
    expect_blocks_canonical(&w);
    world_unmap(&w);
}

TEST(random_cycles_10000)
{
    static struct live live[2048];
    struct world w;
    ASSERT_TRUE(ref_setup(&w));
    rng_state = 0x9e3779b97f4a7c15ull;

    int n = 0;
    int failures = 0;
    int shared = 0;
    for (int step = 0; step < 10000; step++) {
        uint64_t r = rnd_below(100);
        if (n < ARRAY_LEN(live) && (n == 0 || r < 55)) {
            // Mostly small blocks, sometimes large ones.
            uint64_t c = rnd_below(10);
            unsigned order = (unsigned)(c < 6 ? rnd_below(3) : c < 9 ? 3 + rnd_below(4) : 7 + rnd_below(4));
            uint64_t pa = world_alloc(&w, order);
            if (pa == 0) {
                failures++;
                continue;
            }
            live[n++] = (struct live){pa, order};
        } else {
            int i = (int)rnd_below((uint64_t)n);
            struct live b = live[i];
            live[i] = live[--n];
            if (r < 65) {
                // Shared: two more references, dropped one by one; the last put frees the block.
                EXPECT_EQ(pmm_get(b.pa), 0);
                EXPECT_EQ(pmm_get(b.pa), 0);
                EXPECT_EQ(pmm_refcount(b.pa), 3);
                EXPECT_EQ(pmm_put(b.pa), 0);
                EXPECT_EQ(pmm_put(b.pa), 0);
                world_forget(&w, b.pa, b.order);
                EXPECT_EQ(pmm_put(b.pa), 1);
                shared++;
            } else {
                world_free(&w, b.pa, b.order);
            }
        }
        if (step % 1000 == 999) {
            EXPECT_EQ(pmm_check(), 0);
            expect_free_matches(&w);
        }
    }
    expect_free_matches(&w);
    EXPECT_TRUE(failures > 0); // memory ran out at times: the failure path was exercised
    EXPECT_TRUE(shared > 0);
    while (n > 0) {
        n--;
        world_free(&w, live[n].pa, live[n].order);
    }
    expect_back_to_start(&w);
    struct pmm_stats s; // no misuse along the way
    pmm_get_stats(&s);
    EXPECT_EQ(s.rejected, 0);
    world_unmap(&w);
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

TEST(alloc_zeroed_after_dirty)
{
    static struct live live[20000];
    struct world w;
    ASSERT_TRUE(ref_setup(&w));
    w.tags = false; // the test writes whole blocks itself

    // Dirty every free page, free it all, then take everything back zeroed, in mixed orders.
    int n = exhaust(&w, live, ARRAY_LEN(live));
    for (int i = 0; i < n; i++)
        memset(virt(&w, live[i].pa), 0xa5, (size_t)(PAGE << live[i].order));
    for (int i = 0; i < n; i++)
        world_free(&w, live[i].pa, live[i].order);

    n = 0;
    for (int k = 0; k <= MAXO; k++) {
        uint64_t pa = pmm_alloc_zeroed((unsigned)k);
        ASSERT_TRUE(pa != 0);
        live[n++] = (struct live){pa, (unsigned)k};
    }
    for (int k = MAXO; k >= 0; k--) {
        uint64_t pa;
        while ((pa = pmm_alloc_zeroed((unsigned)k)) != 0)
            live[n++] = (struct live){pa, (unsigned)k};
    }
    uint64_t pages = 0;
    for (int i = 0; i < n; i++) {
        if (!EXPECT_TRUE(all_zero(virt(&w, live[i].pa), (size_t)(PAGE << live[i].order))))
            break;
        pages += 1ull << live[i].order;
    }
    EXPECT_EQ(pages, 15796);
    for (int i = 0; i < n; i++)
        EXPECT_EQ(pmm_free(live[i].pa, live[i].order), 0);
    expect_back_to_start(&w);

    // The same page, dirtied and freed, comes back zeroed.
    uint64_t pa = pmm_alloc(0);
    memset(virt(&w, pa), 0xff, PAGE);
    EXPECT_EQ(pmm_free(pa, 0), 0);
    EXPECT_EQ(pmm_alloc_zeroed(0), pa); // the free list is last-in, first-out
    EXPECT_TRUE(all_zero(virt(&w, pa), PAGE));
    EXPECT_EQ(pmm_free(pa, 0), 0);
    world_unmap(&w);
}

TEST(refcount_get_put)
{
    struct world w;
    ASSERT_TRUE(ref_setup(&w));

    uint64_t pa = world_alloc(&w, 0);
    ASSERT_TRUE(pa != 0);
    EXPECT_EQ(pmm_refcount(pa), 1);
    EXPECT_EQ(pmm_get(pa), 0);
    EXPECT_EQ(pmm_refcount(pa), 2);

    // A shared page cannot be freed outright.
    struct pmm_stats before, after;
    pmm_get_stats(&before);
    reports = 0;
    EXPECT_EQ(pmm_free(pa, 0), -E_BUSY);
    EXPECT_EQ(reports, 1);
    EXPECT_EQ(pmm_refcount(pa), 2);
    pmm_get_stats(&after);
    EXPECT_EQ(after.free_pages, before.free_pages);
    EXPECT_EQ(after.rejected, before.rejected + 1);

    EXPECT_EQ(pmm_put(pa), 0);
    EXPECT_EQ(pmm_refcount(pa), 1);
    world_forget(&w, pa, 0);
    EXPECT_EQ(pmm_put(pa), 1); // last reference: freed
    EXPECT_EQ(pmm_refcount(pa), 0);
    EXPECT_EQ(pmm_put(pa), -E_INVAL);
    EXPECT_EQ(pmm_get(pa), -E_INVAL);
    expect_back_to_start(&w);

    // A larger block: put frees it with its own order; only its first page carries the count.
    uint64_t big = world_alloc(&w, 4);
    ASSERT_TRUE(big != 0);
    EXPECT_EQ(pmm_get(big), 0);
    EXPECT_EQ(pmm_refcount(big + PAGE), 0);
    EXPECT_EQ(pmm_get(big + PAGE), -E_INVAL);
    EXPECT_EQ(pmm_put(big), 0);
    world_forget(&w, big, 4);
    EXPECT_EQ(pmm_put(big), 1);
    expect_back_to_start(&w);

    // Many references.
    uint64_t p = world_alloc(&w, 0);
    for (int i = 0; i < 1000; i++)
        EXPECT_EQ(pmm_get(p), 0);
    EXPECT_EQ(pmm_refcount(p), 1001);
    for (int i = 0; i < 1000; i++)
        EXPECT_EQ(pmm_put(p), 0);
    world_free(&w, p, 0);
    expect_back_to_start(&w);
    world_unmap(&w);
}

// pmm_split: a 2 MiB block becomes 512 single pages, each with its own count, freed one by one in any order and
// merged back into the block (and beyond) when the last one returns.
TEST(split_block_into_pages)
{
    struct world w;
    ASSERT_TRUE(ref_setup(&w));

    uint64_t big = world_alloc(&w, 9);
    ASSERT_TRUE(big != 0);
    struct pmm_stats before, after;
    pmm_get_stats(&before);
    EXPECT_EQ(pmm_split(big), 0);
    pmm_get_stats(&after);
    EXPECT_TRUE(memcmp(&before, &after, sizeof(before)) == 0); // no page changes hands
    EXPECT_EQ(pmm_check(), 0);
    for (uint64_t i = 0; i < 512; i++)
        if (!EXPECT_EQ(pmm_refcount(big + i * PAGE), 1))
            break;
    // Each page is a block of its own now: shared, busy, not freeable as the old block.
    EXPECT_EQ(pmm_get(big + 5 * PAGE), 0);
    EXPECT_EQ(pmm_refcount(big + 5 * PAGE), 2);
    reports = 0;
    EXPECT_EQ(pmm_free(big + 5 * PAGE, 0), -E_BUSY);
    EXPECT_EQ(pmm_free(big, 9), -E_INVAL); // wrong order for what is now a page
    EXPECT_EQ(reports, 2);
    world_forget(&w, big, 9);

    // Free in a scrambled order (i * 389 mod 512 visits every page once); each page counts as it goes.
    for (uint64_t k = 0; k < 512; k++) {
        uint64_t pa = big + (k * 389 % 512) * PAGE;
        pmm_get_stats(&before);
        int r = pmm_put(pa);
        if (pa == big + 5 * PAGE) {
            EXPECT_EQ(r, 0); // still held once
            r = pmm_put(pa);
        }
        pmm_get_stats(&after);
        if (!EXPECT_EQ(r, 1) || !EXPECT_EQ(after.free_pages, before.free_pages + 1))
            break;
        if (k == 200)
            EXPECT_EQ(pmm_check(), 0);
    }
    expect_back_to_start(&w);

    // An order-0 block: nothing to do. A shared block, a body page, a free page: refused, nothing changed.
    uint64_t one = world_alloc(&w, 0);
    EXPECT_EQ(pmm_split(one), 0);
    EXPECT_EQ(pmm_refcount(one), 1);
    world_free(&w, one, 0);
    uint64_t four = world_alloc(&w, 2);
    EXPECT_EQ(pmm_get(four), 0);
    pmm_get_stats(&before);
    reports = 0;
    EXPECT_EQ(pmm_split(four), -E_BUSY);
    EXPECT_EQ(pmm_split(four + PAGE), -E_INVAL);
    EXPECT_EQ(pmm_split(one), -E_INVAL);
    EXPECT_EQ(reports, 3);
    pmm_get_stats(&after);
    EXPECT_EQ(after.rejected, before.rejected + 3);
    EXPECT_EQ(pmm_refcount(four), 2);
    EXPECT_EQ(pmm_refcount(four + PAGE), 0);
    EXPECT_EQ(pmm_put(four), 0);
    world_free(&w, four, 2);
    expect_back_to_start(&w);
    world_unmap(&w);
}

// One refused call: the right error, one report naming the call, nothing else changed.
static void expect_refused(int rc, int want, const char *call, const struct pmm_stats *before, int line)
{
    struct pmm_stats now;
    pmm_get_stats(&now);
    if (!EXPECT_EQ(rc, want) || !EXPECT_EQ(now.rejected, before->rejected + 1) || !EXPECT_EQ(reports, 1) ||
        !EXPECT_STREQ(last_call, call))
        fprintf(stderr, "    (refusal at line %d)\n", line);
    now.rejected = before->rejected;
    if (!EXPECT_TRUE(memcmp(&now, before, sizeof(now)) == 0))
        fprintf(stderr, "    (refusal at line %d changed the stats)\n", line);
}

#define REFUSED(call_expr, want, name)                                                                                 \
    do {                                                                                                               \
        struct pmm_stats before_;                                                                                      \
        pmm_get_stats(&before_);                                                                                       \
        reports = 0;                                                                                                   \
        int rc_ = (call_expr);                                                                                         \
        expect_refused(rc_, want, name, &before_, __LINE__);                                                           \
    } while (0)

TEST(misuse_is_refused)
{
    struct world w;
    ASSERT_TRUE(ref_setup(&w));

    uint64_t a = world_alloc(&w, 0);
    uint64_t b = world_alloc(&w, 2);
    uint64_t c = world_alloc(&w, 0);
    uint64_t d = world_alloc(&w, 3);
    ASSERT_TRUE(a && b && c && d);
    world_free(&w, c, 0);
    struct pmm_stats s;
    pmm_get_stats(&s);

    REFUSED(pmm_free(c, 0), -E_INVAL, "pmm_free"); // double free
    REFUSED(pmm_free(b, 1), -E_INVAL, "pmm_free"); // wrong order (smaller)
    EXPECT_STREQ(last_reason, "wrong order for this block");
    REFUSED(pmm_free(b, 0), -E_INVAL, "pmm_free");
    REFUSED(pmm_free(d, 2), -E_INVAL, "pmm_free");
    REFUSED(pmm_free(d, 4), -E_INVAL, "pmm_free");        // larger: misaligned or wrong order, depending on d
    REFUSED(pmm_free(b + PAGE, 0), -E_INVAL, "pmm_free"); // a page inside a live block
    EXPECT_STREQ(last_reason, "not the start of a block");
    REFUSED(pmm_free(b + 2 * PAGE, 1), -E_INVAL, "pmm_free");
    REFUSED(pmm_free(a + 1, 0), -E_INVAL, "pmm_free"); // unaligned
    EXPECT_STREQ(last_reason, "address not page-aligned");
    REFUSED(pmm_free(a + 0x800, 0), -E_INVAL, "pmm_free");
    REFUSED(pmm_free(b + PAGE, 2), -E_INVAL, "pmm_free");
    EXPECT_STREQ(last_reason, "address not aligned to the order");
    REFUSED(pmm_free(0, 0), -E_INVAL, "pmm_free"); // outside RAM
    EXPECT_STREQ(last_reason, "address outside RAM");
    REFUSED(pmm_free(0x1000, 0), -E_INVAL, "pmm_free");
    REFUSED(pmm_free(0x3ffff000, 0), -E_INVAL, "pmm_free");
    REFUSED(pmm_free(0x44000000, 0), -E_INVAL, "pmm_free");
    REFUSED(pmm_free(0xfffffffffffff000ull, 0), -E_INVAL, "pmm_free");
    REFUSED(pmm_free(0x40000000, 0), -E_INVAL, "pmm_free"); // reserved: DTB, kernel, initrd, TF-A, metadata
    EXPECT_STREQ(last_reason, "reserved page");
    REFUSED(pmm_free(REF_KERNEL, 0), -E_INVAL, "pmm_free");
    REFUSED(pmm_free(REF_KERNEL + 0x10000, 4), -E_INVAL, "pmm_free");
    REFUSED(pmm_free(REF_INITRD, 0), -E_INVAL, "pmm_free");
    REFUSED(pmm_free(REF_TFA, 0), -E_INVAL, "pmm_free");
    REFUSED(pmm_free(s.metadata_base, 0), -E_INVAL, "pmm_free");
    REFUSED(pmm_free(s.metadata_base + 63 * PAGE, 0), -E_INVAL, "pmm_free");
    REFUSED(pmm_free(a, MAXO + 1), -E_INVAL, "pmm_free"); // order out of range
    EXPECT_STREQ(last_reason, "order too large");
    REFUSED(pmm_free(a, 64), -E_INVAL, "pmm_free");
    REFUSED(pmm_free(a, ~0u), -E_INVAL, "pmm_free");
    // The same addresses through get and put.
    const uint64_t bad[] = {c, b + PAGE, a + 1, 0, 0x44000000, REF_KERNEL, REF_TFA, s.metadata_base};
    for (int i = 0; i < ARRAY_LEN(bad); i++) {
        REFUSED(pmm_get(bad[i]), -E_INVAL, "pmm_get");
        REFUSED(pmm_put(bad[i]), -E_INVAL, "pmm_put");
        EXPECT_EQ(pmm_refcount(bad[i]), 0);
    }
    EXPECT_EQ(pmm_check(), 0);

    // The live blocks are untouched and still free normally.
    EXPECT_EQ(pmm_refcount(a), 1);
    EXPECT_EQ(pmm_refcount(b), 1);
    world_free(&w, a, 0);
    world_free(&w, b, 2);
    world_free(&w, d, 3);
    expect_back_to_start(&w);
    pmm_get_stats(&s);
    EXPECT_TRUE(s.rejected > 40);
    world_unmap(&w);
}

TEST(uninitialised_refuses_everything)
{
    pmm_set_report(on_report);
    EXPECT_EQ(pmm_init(ref_ram, 0, NULL, 0, 0), -E_INVAL); // leaves the allocator uninitialised
    EXPECT_EQ(pmm_alloc(0), 0);
    EXPECT_EQ(pmm_alloc_zeroed(3), 0);
    reports = 0;
    EXPECT_EQ(pmm_free(0x40100000, 0), -E_INVAL);
    EXPECT_STREQ(last_reason, "allocator not initialised");
    EXPECT_EQ(pmm_get(0x40100000), -E_INVAL);
    EXPECT_EQ(pmm_put(0x40100000), -E_INVAL);
    EXPECT_EQ(pmm_refcount(0x40100000), 0);
    EXPECT_EQ(pmm_check(), -E_INVAL);
    EXPECT_EQ(reports, 4);
}

TEST(init_bad_arguments)
{
    struct pmm_range many[PMM_MAX_RESERVED + 1];
    for (int i = 0; i < ARRAY_LEN(many); i++)
        many[i] = (struct pmm_range){0x40000000 + (uint64_t)i * MiB, PAGE};

    // The memory is never touched on these paths: virt_offset 0 maps the "RAM" to addresses nothing is mapped at.
    EXPECT_EQ(pmm_init(NULL, 1, NULL, 0, 0), -E_INVAL);
    EXPECT_EQ(pmm_init(ref_ram, 0, NULL, 0, 0), -E_INVAL);
    EXPECT_EQ(pmm_init(ref_ram, -1, NULL, 0, 0), -E_INVAL);
    EXPECT_EQ(pmm_init(many, PMM_MAX_RAM + 1, NULL, 0, 0), -E_INVAL);
    EXPECT_EQ(pmm_init(ref_ram, 1, NULL, 1, 0), -E_INVAL);
    EXPECT_EQ(pmm_init(ref_ram, 1, many, -1, 0), -E_INVAL);
    EXPECT_EQ(pmm_init(ref_ram, 1, many, PMM_MAX_RESERVED + 1, 0), -E_INVAL);

    // No whole page of RAM.
    static const struct pmm_range crumbs[] = {
        {0x40000800, 0x800}, {0x40001001, 0xffe}, {0x40005000, 0}, {0x40006fff, 0x1000}};
    EXPECT_EQ(pmm_init(crumbs, ARRAY_LEN(crumbs), NULL, 0, 0), -E_NOMEM);

    // More RAM than 32-bit page indices can describe.
    static const struct pmm_range huge[] = {{0, 1ull << 60}};
    EXPECT_EQ(pmm_init(huge, 1, NULL, 0, 0), -E_INVAL);
    static const struct pmm_range over[] = {{0x40000000, PMM_MAX_PAGES / 2 * PAGE},
                                            {0x40000000 + PMM_MAX_PAGES * PAGE, (PMM_MAX_PAGES / 2 + 1) * PAGE}};
    EXPECT_EQ(pmm_init(over, 2, NULL, 0, 0), -E_INVAL);
    // Exactly the limit is accepted as far as the count goes; here nothing is free, so there is no room for the
    // metadata.
    static const struct pmm_range limit[] = {{0x40000000, PMM_MAX_PAGES / 2 * PAGE},
                                             {0x40000000 + PMM_MAX_PAGES * PAGE, PMM_MAX_PAGES / 2 * PAGE}};
    static const struct pmm_range all[] = {{0, UINT64_MAX}};
    EXPECT_EQ(pmm_init(limit, 2, all, 1, 0), -E_NOMEM);

    // Exactly PMM_MAX_RESERVED reserved ranges is fine.
    struct world w;
    static const struct pmm_range ram[] = {{0x40000000, 128 * MiB}};
    ASSERT_TRUE(world_setup(&w, ram, 1, many, PMM_MAX_RESERVED));
    struct pmm_stats s;
    pmm_get_stats(&s);
    EXPECT_EQ(s.reserved_pages, PMM_MAX_RESERVED);
    world_unmap(&w);
}

TEST(ram_ranges_with_holes)
{
    // 16 MiB, an 8 MiB hole, 8 MiB, then 4 MiB + 12 KiB far away; given out of order.
    static const struct pmm_range ram[] = {
        {0x60000000, 4 * MiB + 12 * KiB},
        {0x40000000, 16 * MiB},
        {0x41800000, 8 * MiB},
    };
    struct world w;
    ASSERT_TRUE(world_setup(&w, ram, ARRAY_LEN(ram), NULL, 0));
    struct pmm_stats s;
    pmm_get_stats(&s);
    EXPECT_EQ(s.total_pages, 4096 + 2048 + 1027);
    EXPECT_EQ(s.metadata_pages, 29); // 7171 * 16 bytes
    EXPECT_EQ(s.metadata_base, 0x40000000);
    EXPECT_EQ(s.reserved_pages, 0);
    EXPECT_EQ(s.free_pages, 7171 - 29);
    // [0x4001d, 0x41000): orders 0 1 5 6 7 8 9 and three of 10; [0x41800, 0x42000): two of 10;
    // [0x60000, 0x60403): one of 10, then orders 1 and 0.
    static const uint64_t blocks[N_ORDERS] = {2, 2, 0, 0, 0, 1, 1, 1, 1, 1, 6};
    for (int k = 0; k <= MAXO; k++)
        EXPECT_EQ(s.free_blocks[k], blocks[k]);

    static struct live live[8000];
    int n = exhaust(&w, live, ARRAY_LEN(live));
    EXPECT_EQ(w.nfree, 0);
    for (int i = 0; i < n; i++)
        world_free(&w, live[i].pa, live[i].order);
    expect_back_to_start(&w);
    world_unmap(&w);
}

TEST(no_merge_across_a_hole)
{
    // A = [0x40000000, +2 MiB) is one order-9 block whose buddy would start at 0x40200000, which is a one-page
    // hole; B starts right after it. A small range far below holds the metadata. After allocating every page
    // singly and freeing them all, A must be an order-9 block again, never order 10.
    static const struct pmm_range ram[] = {
        {0x30000000, 16 * PAGE},
        {0x40000000, 2 * MiB},
        {0x40201000, 2 * MiB - PAGE},
    };
    struct world w;
    ASSERT_TRUE(world_setup(&w, ram, ARRAY_LEN(ram), NULL, 0));
    struct pmm_stats s;
    pmm_get_stats(&s);
    EXPECT_EQ(s.metadata_base, 0x30000000);
    EXPECT_EQ(s.metadata_pages, 5); // 1039 pages * 16 bytes
    EXPECT_EQ(s.free_blocks[10], 0);
    EXPECT_EQ(s.free_blocks[9], 1);

    static struct live live[1100];
    int n = 0;
    uint64_t pa;
    while ((pa = world_alloc(&w, 0)) != 0)
        live[n++] = (struct live){pa, 0};
    EXPECT_EQ(n, 1039 - 5);
    for (int i = 0; i < n; i++)
        world_free(&w, live[i].pa, 0);
    pmm_get_stats(&s);
    EXPECT_EQ(s.free_blocks[10], 0);
    EXPECT_EQ(s.free_blocks[9], 1);
    expect_back_to_start(&w);
    expect_blocks_canonical(&w);
    world_unmap(&w);

    // The same two ranges without the hole are one range: they merge into order 10.
    static const struct pmm_range joined[] = {{0x30000000, 16 * PAGE}, {0x40000000, 2 * MiB}, {0x40200000, 2 * MiB}};
    ASSERT_TRUE(world_setup(&w, joined, ARRAY_LEN(joined), NULL, 0));
    pmm_get_stats(&s);
    EXPECT_EQ(s.free_blocks[10], 1);
    world_unmap(&w);
}

TEST(odd_alignment)
{
    static const struct pmm_range ram[] = {
        {0x40000123, 0x12345}, // frames [0x40001, 0x40012): 17 pages
        {0x40100fff, 0x2002},  // frames [0x40101, 0x40103): 2 pages
        {0x40200010, 0x100},   // inside one page: nothing
        {0x40300000, 0},       // empty
        {0x40400fff, 0x1000},  // 4096 bytes straddling two pages: nothing
    };
    static const struct pmm_range res[] = {{0x40004001, 1}}; // one byte reserves its page
    struct world w;
    ASSERT_TRUE(world_setup(&w, ram, ARRAY_LEN(ram), res, ARRAY_LEN(res)));
    struct pmm_stats s;
    pmm_get_stats(&s);
    EXPECT_EQ(s.total_pages, 19);
    EXPECT_EQ(s.metadata_pages, 1);
    EXPECT_EQ(s.metadata_base, 0x40001000);
    EXPECT_EQ(s.reserved_pages, 1);
    EXPECT_EQ(s.free_pages, 17);
    // [0x40002, 0x40004): order 1; [0x40005, 0x40012): 0, 1, 3, 1; [0x40101, 0x40103): 0, 0.
    static const uint64_t blocks[N_ORDERS] = {3, 3, 0, 1};
    for (int k = 0; k <= MAXO; k++)
        EXPECT_EQ(s.free_blocks[k], blocks[k]);
    static struct live live[32];
    int n = exhaust(&w, live, ARRAY_LEN(live));
    EXPECT_EQ(w.nfree, 0);
    for (int i = 0; i < n; i++)
        world_free(&w, live[i].pa, live[i].order);
    expect_back_to_start(&w);
    world_unmap(&w);

    // Overlapping RAM ranges count once.
    static const struct pmm_range overlap[] = {{0x40800000, 8 * MiB}, {0x40000000, 10 * MiB}, {0x40100000, MiB}};
    ASSERT_TRUE(world_setup(&w, overlap, ARRAY_LEN(overlap), NULL, 0));
    pmm_get_stats(&s);
    EXPECT_EQ(s.total_pages, 4096);
    world_unmap(&w);
}

TEST(reserved_overlapping_and_outside)
{
    static const struct pmm_range ram[] = {{0x40000000, 16 * MiB}};
    static const struct pmm_range res[] = {
        {0x40100000, 2 * MiB}, // overlaps the next two
        {0x40200000, 2 * MiB},
        {0x40180000, 64 * KiB},
        {0x3ff00000, 2 * MiB},            // starts below RAM
        {0x50000000, MiB},                // outside RAM
        {0x40f00000, 16 * MiB},           // runs past the end of RAM
        {0x40500000, 0},                  // empty
        {0xffffffffffff0000ull, 0x20000}, // wraps past 2^64
        {0x40800000, 4 * KiB},
        {0x40800000, 4 * KiB}, // duplicates
    };
    struct world w;
    ASSERT_TRUE(world_setup(&w, ram, 1, res, ARRAY_LEN(res)));
    struct pmm_stats s;
    pmm_get_stats(&s);
    // Reserved in RAM: [0x40000, 0x40400) and [0x40f00, 0x41000) and one page at 0x40800.
    EXPECT_EQ(s.reserved_pages, 1024 + 256 + 1);
    EXPECT_EQ(s.metadata_pages, 16);
    EXPECT_EQ(s.metadata_base, 0x40400000);
    EXPECT_EQ(s.free_pages, 4096 - 1281 - 16);
    static struct live live[4096];
    int n = exhaust(&w, live, ARRAY_LEN(live));
    for (int i = 0; i < n; i++)
        world_free(&w, live[i].pa, live[i].order);
    expect_back_to_start(&w);
    world_unmap(&w);
}

TEST(reserved_covering_everything)
{
    static const struct pmm_range ram[] = {{0x40000000, 4 * MiB}};
    struct world w;

    // All of memory reserved: no room for the metadata, a clean -E_NOMEM, memory untouched (it is all PROT_NONE).
    static const struct pmm_range all[] = {{0, UINT64_MAX}};
    ASSERT_TRUE(world_map(&w, ram, 1, all, 1));
    EXPECT_EQ(pmm_init(ram, 1, all, 1, w.off), -E_NOMEM);
    EXPECT_EQ(pmm_alloc(0), 0);
    EXPECT_EQ(pmm_check(), -E_INVAL);
    world_unmap(&w);

    static const struct pmm_range exact[] = {{0x40000000, 4 * MiB}};
    ASSERT_TRUE(world_map(&w, ram, 1, exact, 1));
    EXPECT_EQ(pmm_init(ram, 1, exact, 1, w.off), -E_NOMEM);
    world_unmap(&w);

    // Free stretches of 3 pages only; the metadata needs 4 (1024 pages * 16 bytes).
    static const struct pmm_range holes[] = {{0x40000000, 1 * MiB}, {0x40103000, 1 * MiB}, {0x40206000, 2 * MiB}};
    ASSERT_TRUE(world_map(&w, ram, 1, holes, ARRAY_LEN(holes)));
    EXPECT_EQ(pmm_init(ram, 1, holes, ARRAY_LEN(holes), w.off), -E_NOMEM);
    world_unmap(&w);

    // Exactly 4 free pages: init succeeds with the metadata there and nothing to hand out.
    static const struct pmm_range fit[] = {{0x40000000, 1 * MiB}, {0x40104000, 3 * MiB}};
    ASSERT_TRUE(world_setup(&w, ram, 1, fit, ARRAY_LEN(fit)));
    struct pmm_stats s;
    pmm_get_stats(&s);
    EXPECT_EQ(s.metadata_base, 0x40100000);
    EXPECT_EQ(s.reserved_pages, 1020);
    EXPECT_EQ(s.free_pages, 0);
    for (int k = 0; k <= MAXO; k++)
        EXPECT_EQ(pmm_alloc((unsigned)k), 0);
    EXPECT_EQ(pmm_check(), 0);
    world_unmap(&w);
}

TEST(metadata_in_a_later_range)
{
    // The first range (2 pages) is too small for the metadata (1026 pages * 16 bytes = 5 pages).
    static const struct pmm_range ram[] = {{0x40000000, 2 * PAGE}, {0x50000000, 4 * MiB}};
    struct world w;
    ASSERT_TRUE(world_setup(&w, ram, 2, NULL, 0));
    struct pmm_stats s;
    pmm_get_stats(&s);
    EXPECT_EQ(s.metadata_base, 0x50000000);
    EXPECT_EQ(s.metadata_pages, 5);
    // [0x40000, 0x40002): order 1; [0x50005, 0x50400): orders 0, 1, 3, 4, 5, 6, 7, 8, 9.
    static const uint64_t blocks[N_ORDERS] = {1, 2, 0, 1, 1, 1, 1, 1, 1, 1, 0};
    for (int k = 0; k <= MAXO; k++)
        EXPECT_EQ(s.free_blocks[k], blocks[k]);
    uint64_t p1 = world_alloc(&w, 1), p2 = world_alloc(&w, 1);
    EXPECT_TRUE(p1 == 0x40000000 || p2 == 0x40000000);
    world_free(&w, p1, 1);
    world_free(&w, p2, 1);
    expect_back_to_start(&w);
    world_unmap(&w);
}

TEST(ram_at_address_zero)
{
    static const struct pmm_range ram[] = {{0, 4 * MiB}};
    struct world w;
    ASSERT_TRUE(world_setup(&w, ram, 1, NULL, 0));
    struct pmm_stats s;
    pmm_get_stats(&s);
    EXPECT_EQ(s.reserved_pages, 1); // page 0: its address is pmm_alloc's failure value
    EXPECT_EQ(s.metadata_base, PAGE);
    EXPECT_EQ(s.free_pages, 1024 - 1 - 4);
    static struct live live[1024];
    int n = exhaust(&w, live, ARRAY_LEN(live)); // world_alloc checks no block contains page 0
    EXPECT_EQ(w.nfree, 0);
    for (int i = 0; i < n; i++)
        world_free(&w, live[i].pa, live[i].order);
    expect_back_to_start(&w);
    EXPECT_EQ(pmm_free(0, 0), -E_INVAL);
    world_unmap(&w);
}

TEST(ram_at_the_top_of_the_address_space)
{
    // Ends exactly at 2^64 (base + size wraps to 0), and a size that overflows: both mean "to the top".
    static const struct pmm_range ram[] = {{0xffffffffff000000ull, 16 * MiB}};
    static const struct pmm_range wrap[] = {{0xffffffffff000000ull, UINT64_MAX}};
    const struct pmm_range *cases[] = {ram, wrap};
    for (int c = 0; c < 2; c++) {
        struct world w;
        ASSERT_TRUE(world_setup(&w, cases[c], 1, NULL, 0));
        struct pmm_stats s;
        pmm_get_stats(&s);
        EXPECT_EQ(s.total_pages, 4096);
        EXPECT_EQ(s.free_blocks[MAXO], 3);
        static struct live live[4096];
        int n = exhaust(&w, live, ARRAY_LEN(live));
        bool top = false;
        for (int i = 0; i < n; i++)
            top |= live[i].pa + (PAGE << live[i].order) == 0; // the block ending at 2^64
        EXPECT_TRUE(top);
        for (int i = 0; i < n; i++)
            world_free(&w, live[i].pa, live[i].order);
        expect_back_to_start(&w);
        world_unmap(&w);
    }
}

TEST(max_order)
{
    struct world w;
    ASSERT_TRUE(ref_setup(&w));
    EXPECT_EQ(pmm_alloc(MAXO + 1), 0);
    EXPECT_EQ(pmm_alloc(31), 0);
    EXPECT_EQ(pmm_alloc(~0u), 0);
    EXPECT_EQ(pmm_alloc_zeroed(MAXO + 1), 0);
    uint64_t pa = world_alloc(&w, MAXO);
    EXPECT_EQ(pa % (4 * MiB), 0);
    world_free(&w, pa, MAXO);
    // A 2 MiB block is 2 MiB-aligned.
    pa = world_alloc(&w, 9);
    EXPECT_EQ(pa % (2 * MiB), 0);
    world_free(&w, pa, 9);
    expect_back_to_start(&w);
    world_unmap(&w);
}

TEST(reinit_starts_over)
{
    struct world w;
    ASSERT_TRUE(ref_setup(&w));
    uint64_t pa = pmm_alloc(3);
    EXPECT_TRUE(pa != 0);
    EXPECT_EQ(pmm_free(pa + PAGE, 0), -E_INVAL);
    for (uint64_t p = w.lo; p < w.hi; p++) // the model as before the first init
        if (w.st[p - w.lo] == M_META || w.st[p - w.lo] == M_USED)
            w.st[p - w.lo] = M_FREE;
    EXPECT_EQ(world_init(&w, ref_ram, 1, ref_res, ARRAY_LEN(ref_res)), 0); // checks the state is fresh
    EXPECT_EQ(pmm_refcount(pa), 0);
    world_unmap(&w);
}

TEST(phys_virt_round_trip)
{
    struct world w;
    ASSERT_TRUE(ref_setup(&w));
    uint64_t pa = pmm_alloc(0);
    EXPECT_TRUE(pmm_phys_to_virt(pa) == virt(&w, pa));
    EXPECT_EQ(pmm_virt_to_phys(pmm_phys_to_virt(pa)), pa);
    EXPECT_TRUE(pmm_phys_to_virt(0x40000000) == (void *)w.map);
    EXPECT_EQ(pmm_virt_to_phys(w.map + 0x123456), 0x40123456);
    EXPECT_EQ(pmm_free(pa, 0), 0);
    world_unmap(&w);
}

// QEMU virt's default: 1 GiB with the DTB at the base of RAM and the kernel at +2 MiB. The metadata (1024 pages,
// 4 MiB) does not fit below the kernel, so it follows it.
TEST(one_gib_qemu)
{
    static const struct pmm_range ram[] = {{0x40000000, GiB}};
    static const struct pmm_range res[] = {{0x40000000, MiB}, {0x40200000, 600 * KiB}};
    struct world w;
    ASSERT_TRUE(world_setup(&w, ram, 1, res, 2));
    struct pmm_stats s;
    pmm_get_stats(&s);
    EXPECT_EQ(s.total_pages, 262144);
    EXPECT_EQ(s.metadata_pages, 1024);
    EXPECT_EQ(s.metadata_base, 0x40296000);
    EXPECT_EQ(s.reserved_pages, 256 + 150);
    EXPECT_EQ(s.free_pages, 262144 - 1024 - 406);
    world_unmap(&w);
}

// BPI-R4 class: 8 GiB from 0x40000000 (the sparse mapping only commits the pages touched: the 32 MiB of metadata
// and the few blocks written). The metadata (8192 pages) does not fit below the kernel, so it follows it.
TEST(eight_gib_sparse)
{
    static const struct pmm_range ram[] = {{0x40000000, 8 * GiB}};
    static const struct pmm_range res[] = {
        {0x40000000, 64 * KiB}, // DTB
        {0x40200000, 2 * MiB},  // kernel
        {0x43000000, 0x50000},  // TF-A
        {0x48000000, 0x800000}, // initrd
    };
    struct world w;
    ASSERT_TRUE(world_setup(&w, ram, 1, res, ARRAY_LEN(res)));
    w.tags = false;
    struct pmm_stats s;
    pmm_get_stats(&s);
    EXPECT_EQ(s.total_pages, 2097152);
    EXPECT_EQ(s.metadata_pages, 8192);
    EXPECT_EQ(s.metadata_base, 0x40400000);
    EXPECT_EQ(s.reserved_pages, 16 + 512 + 80 + 2048);
    EXPECT_EQ(s.free_pages, 2097152 - 8192 - 2656);

    // Take every 4 MiB block, then a few of everything else, and give them all back.
    static struct live live[2100];
    int n = 0;
    uint64_t pa;
    while (n < ARRAY_LEN(live) && (pa = world_alloc(&w, MAXO)) != 0)
        live[n++] = (struct live){pa, MAXO};
    pmm_get_stats(&s);
    EXPECT_EQ(s.free_blocks[MAXO], 0);
    EXPECT_EQ((uint64_t)n, w.start.free_blocks[MAXO]);
    for (int k = 0; k < MAXO && n < ARRAY_LEN(live); k++)
        if ((pa = world_alloc(&w, (unsigned)k)) != 0)
            live[n++] = (struct live){pa, (unsigned)k};
    EXPECT_EQ(pmm_check(), 0);
    expect_free_matches(&w);
    uint64_t z = pmm_alloc_zeroed(0);
    EXPECT_TRUE(z != 0 && all_zero(virt(&w, z), PAGE));
    EXPECT_EQ(pmm_free(z, 0), 0);
    while (n > 0) {
        n--;
        world_free(&w, live[n].pa, live[n].order);
    }
    expect_back_to_start(&w);
    world_unmap(&w);
}

// Random layouts against the model: init's counts, metadata placement and blocks, then allocation until memory
// runs out, then everything freed back to the canonical blocks.
TEST(random_layouts)
{
    static struct live live[20000];
    rng_state = 0x243f6a8885a308d3ull;
    int ok = 0, nomem = 0;
    for (int iter = 0; iter < 300; iter++) {
        struct pmm_range ram[PMM_MAX_RAM], res[PMM_MAX_RESERVED];
        int nram = 1 + (int)rnd_below(PMM_MAX_RAM);
        int nres = (int)rnd_below(iter % 3 == 0 ? PMM_MAX_RESERVED + 1 : 8);
        uint64_t span = (1 + rnd_below(64)) * MiB;
        for (int i = 0; i < nram; i++) {
            uint64_t base = 0x40000000 + rnd_below(span);
            uint64_t size = rnd_below(4) == 0 ? rnd_below(64 * KiB) : rnd_below(span / 2 + 1);
            if (rnd_below(8) == 0) // page-aligned sometimes
                base &= ~(PAGE - 1), size &= ~(PAGE - 1);
            ram[i] = (struct pmm_range){base, size};
        }
        for (int i = 0; i < nres; i++) {
            uint64_t c = rnd_below(20);
            uint64_t base = 0x40000000 - MiB + rnd_below(span + 2 * MiB);
            uint64_t size = c == 0   ? 0
                            : c == 1 ? UINT64_MAX - base + 1 + rnd_below(PAGE)
                                     : rnd_below(c < 15 ? 64 * KiB : 4 * MiB);
            res[i] = (struct pmm_range){base, size};
        }
        struct world w;
        if (!world_map(&w, ram, nram, res, nres)) {
            EXPECT_EQ(pmm_init(ram, nram, res, nres, 0), -E_NOMEM);
            nomem++;
            continue;
        }
        int failures_before = unit_failures_in_test;
        int rc = world_init(&w, ram, nram, res, nres);
        if (rc == -E_NOMEM) {
            // Only when no free stretch holds the metadata.
            uint64_t total = w.hi - w.lo - count_state(&w, M_HOLE);
            EXPECT_EQ(first_fit(&w, (total * 16 + PAGE - 1) / PAGE), PFN_TOP);
            nomem++;
        } else if (EXPECT_EQ(rc, 0)) {
            ok++;
            int n = 0;
            uint64_t pa;
            for (int tries = 0; tries < 40000 && n < ARRAY_LEN(live); tries++) {
                unsigned order = (unsigned)rnd_below(N_ORDERS);
                if ((pa = world_alloc(&w, order)) != 0)
                    live[n++] = (struct live){pa, order};
                else if (order == 0)
                    break;
            }
            n += exhaust(&w, live + n, ARRAY_LEN(live) - n);
            EXPECT_EQ(w.nfree, 0);
            EXPECT_EQ(pmm_check(), 0);
            for (int i = 0; i < n; i++)
                world_free(&w, live[i].pa, live[i].order);
            expect_back_to_start(&w);
            expect_blocks_canonical(&w);
        }
        world_unmap(&w);
        if (unit_failures_in_test != failures_before) {
            fprintf(stderr, "    layout %d: %d RAM, %d reserved ranges\n", iter, nram, nres);
            break;
        }
    }
    EXPECT_TRUE(ok > 200);
    EXPECT_TRUE(nomem > 0);
}
