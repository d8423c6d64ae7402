// sources: kernel/mm/pmm.c
// libFuzzer target for the buddy allocator: the input describes RAM and reserved ranges inside a 16 MiB window of
// fake RAM at 0x40000000, then a sequence of calls — allocations of any order, frees of live blocks, frees, gets and
// puts at arbitrary addresses with arbitrary orders, zeroed allocations, splits of blocks into pages. Traps if a block
// handed out is misaligned, leaves RAM, touches a reserved range or the metadata, overlaps a live block, or is not
// zeroed when it should be; if a call on something that is not a live block is accepted; if pmm_check finds the state
// inconsistent; or if freeing everything does not restore the free-page count of the start.
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <wren/abi.h>

#include "mm/pmm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PAGE      4096ull
#define WIN_BASE  0x40000000ull
#define WIN_SIZE  (16ull << 20)
#define WIN_PAGES (WIN_SIZE / PAGE)
#define MAX_LIVE  512

struct input {
    const uint8_t *p;
    size_t n;
};

static uint64_t take(struct input *in, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) {
        v = v << 8 | (in->n ? *in->p : 0);
        if (in->n) {
            in->p++;
            in->n--;
        }
    }
    return v;
}

static uint8_t *window;
static uint8_t owner[WIN_PAGES]; // 0: not handed out; 1: part of a live block

struct live {
    uint64_t pa;
    unsigned order;
};

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return alen && blen && a < b + blen && b < a + alen;
}

static void check_block(uint64_t pa, unsigned order, const struct pmm_range *ram, int nram, const struct pmm_range *res,
                        int nres, const struct pmm_stats *st)
{
    uint64_t len = PAGE << order;
    if (pa % len != 0 || pa < WIN_BASE || pa + len > WIN_BASE + WIN_SIZE)
        __builtin_trap();
    for (uint64_t p = pa; p < pa + len; p += PAGE) { // every page inside one RAM range (touching ranges merge)
        bool page_in = false;
        for (int i = 0; i < nram; i++)
            page_in |= p >= ram[i].base && p + PAGE <= ram[i].base + ram[i].size;
        if (!page_in)
            __builtin_trap();
    }
    for (int i = 0; i < nres; i++)
        if (res[i].size != 0 && overlaps(pa, len, res[i].base & ~(PAGE - 1), res[i].size + (res[i].base & (PAGE - 1))))
            __builtin_trap();
    if (overlaps(pa, len, st->metadata_base, st->metadata_pages * PAGE))
        __builtin_trap();
    for (uint64_t i = 0; i < (1ull << order); i++) {
        uint8_t *o = &owner[(pa - WIN_BASE) / PAGE + i];
        if (*o)
            __builtin_trap();
        *o = 1;
    }
}

static void release(uint64_t pa, unsigned order)
{
    memset(&owner[(pa - WIN_BASE) / PAGE], 0, (size_t)1 << order);
}

// An address to misuse: a live block's start, a page or a byte inside or next to one, or anything in the window.
static uint64_t pick_address(struct input *in, const struct live *live, int n)
{
    uint64_t how = take(in, 1);
    if (n == 0 || how % 4 == 3)
        return WIN_BASE - 65536 + take(in, 3) * 2;
    uint64_t pa = live[take(in, 1) % (uint64_t)n].pa;
    switch (how % 4) {
    case 0: return pa;
    case 1: return pa + (take(in, 1) - 128) * PAGE;
    default: return pa + take(in, 1) - 128;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    struct pmm_range ram[4], res[8];
    static struct live live[MAX_LIVE];

    if (window == NULL) {
        window = mmap(NULL, WIN_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (window == MAP_FAILED)
            __builtin_trap();
    }
    memset(owner, 0, sizeof(owner));

    int nram = 1 + (int)(take(&in, 1) % 4);
    for (int i = 0; i < nram; i++) {
        uint64_t off = take(&in, 2) * 256 % WIN_SIZE;
        uint64_t len = take(&in, 2) * 256;
        ram[i] = (struct pmm_range){WIN_BASE + off, len < WIN_SIZE - off ? len : WIN_SIZE - off};
    }
    int nres = (int)(take(&in, 1) % 9);
    for (int i = 0; i < nres; i++) {
        uint64_t off = take(&in, 2) * 256;
        res[i] = (struct pmm_range){WIN_BASE - 65536 + off, take(&in, 2) * 64};
    }
    if (pmm_init(ram, nram, res, nres, (uintptr_t)window - WIN_BASE) != 0)
        return 0;
    struct pmm_stats start;
    pmm_get_stats(&start);

    int n = 0;
    while (in.n > 0) {
        uint64_t op = take(&in, 1);
        unsigned order = (unsigned)(take(&in, 1) % (PMM_MAX_ORDER + 3));
        switch (op % 7) {
        case 0:
        case 1: { // allocate, sometimes zeroed
            uint64_t pa = op % 7 ? pmm_alloc_zeroed(order) : pmm_alloc(order);
            if (pa == 0)
                break;
            if (order > PMM_MAX_ORDER || n == MAX_LIVE)
                __builtin_trap();
            check_block(pa, order, ram, nram, res, nres, &start);
            uint8_t *va = pmm_phys_to_virt(pa);
            for (uint64_t i = 0; op % 7 && i < (PAGE << order); i++)
                if (va[i] != 0)
                    __builtin_trap();
            memset(va, 0xa5, (size_t)(PAGE << order)); // dirty it for the next zeroed allocation
            live[n++] = (struct live){pa, order};
            if (n == MAX_LIVE) { // keep room: drop the oldest
                release(live[0].pa, live[0].order);
                if (pmm_free(live[0].pa, live[0].order) != 0)
                    __builtin_trap();
                live[0] = live[--n];
            }
            break;
        }
        case 2: // free a live block
            if (n > 0) {
                int i = (int)(take(&in, 1) % (uint64_t)n);
                release(live[i].pa, live[i].order);
                if (pmm_free(live[i].pa, live[i].order) != 0)
                    __builtin_trap();
                live[i] = live[--n];
            }
            break;
        case 3: { // free anything: accepted only for a live block with its own order
            uint64_t pa = pick_address(&in, live, n);
            int rc = pmm_free(pa, order);
            int found = -1;
            for (int i = 0; i < n; i++)
                if (live[i].pa == pa)
                    found = i;
            bool ok = found >= 0 && live[found].order == order;
            if ((rc == 0) != ok || (rc != 0 && rc != -E_INVAL))
                __builtin_trap();
            if (ok) {
                release(pa, order);
                live[found] = live[--n];
            }
            break;
        }
        case 4:
        case 5: { // get then put, or put alone (frees a live block at its last reference)
            uint64_t pa = pick_address(&in, live, n);
            int found = -1;
            for (int i = 0; i < n; i++)
                if (live[i].pa == pa)
                    found = i;
            if (op % 7 == 4) {
                if ((pmm_get(pa) == 0) != (found >= 0))
                    __builtin_trap();
                if (found >= 0 && (pmm_refcount(pa) != 2 || pmm_put(pa) != 0))
                    __builtin_trap();
            } else {
                int rc = pmm_put(pa);
                if (rc != (found >= 0 ? 1 : -E_INVAL))
                    __builtin_trap();
                if (found >= 0) {
                    release(pa, live[found].order);
                    live[found] = live[--n];
                }
            }
            break;
        }
        case 6: { // split anything: accepted only for a live block; its pages are then live blocks of order 0
            uint64_t pa = pick_address(&in, live, n);
            int found = -1;
            for (int i = 0; i < n; i++)
                if (live[i].pa == pa)
                    found = i;
            if (found >= 0 && n - 1 + (1 << live[found].order) >= MAX_LIVE)
                break; // no room to track the pages (an allocation needs one free slot)
            int rc = pmm_split(pa);
            if (rc != (found >= 0 ? 0 : -E_INVAL))
                __builtin_trap();
            if (found >= 0) {
                unsigned o = live[found].order;
                live[found].order = 0;
                for (uint64_t i = 1; i < (1ull << o); i++)
                    live[n++] = (struct live){pa + i * PAGE, 0};
            }
            break;
        }
        }
    }
    if (pmm_check() != 0)
        __builtin_trap();
    while (n > 0) {
        n--;
        if (pmm_free(live[n].pa, live[n].order) != 0)
            __builtin_trap();
    }
    struct pmm_stats end;
    pmm_get_stats(&end);
    if (end.free_pages != start.free_pages || pmm_check() != 0 ||
        memcmp(end.free_blocks, start.free_blocks, sizeof(end.free_blocks)) != 0)
        __builtin_trap();
    return 0;
}
