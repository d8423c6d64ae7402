// sources: kernel/arch/aarch64/pgtable.c
// AArch64 stage-1 translation tables on a fake physical memory: exact descriptor bits for every kind of mapping,
// block selection, -E_EXIST / -E_NOMEM / -E_NOENT leaving memory byte-for-byte unchanged (allocation failure
// injected at every point), block splits on unmap and protect, break-before-make seen from the TLB callback,
// empty-table reclamation, and a seeded random map/unmap/protect sequence checked against a page-level shadow.
// The test walks the tables with its own walker and its own bit constants, written from the Arm ARM (D8.3).
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wren/abi.h>

#include "arch/aarch64/pgtable.h"
#include "unit.h"

// --- descriptor bits, independently of pgtable.c ---
#define D_VALID     (1ULL << 0)
#define D_TYPE      3ULL
#define D_BLOCK     1ULL
#define D_TABLE     3ULL
#define D_PAGE      3ULL
#define D_ATTR(i)   ((uint64_t)(i) << 2)
#define D_AP(v)     ((uint64_t)(v) << 6) // AP[2:1]
#define D_SH_IS     (3ULL << 8)
#define D_AF        (1ULL << 10)
#define D_NG        (1ULL << 11)
#define D_PXN       (1ULL << 53)
#define D_UXN       (1ULL << 54)
#define D_SW55      (1ULL << 55)
#define D_OA        0x0000fffffffff000ULL
#define D_GROUPS(g) ((uint64_t)(g) << 51) // table descriptors: bits 58:51, ignored by the walker
#define KB4         0x1000ULL
#define MB2         0x200000ULL
#define GB1         0x40000000ULL
#define GB512       0x8000000000ULL
#define KVA         0xffff000000000000ULL

// --- fake physical memory for tables ---
#define NPAGES    8192
#define PHYS_BASE 0x880000000ULL // where the fake memory "is"

static uint8_t *mem;            // NPAGES * 4 KiB, 4 KiB aligned
static bool used[NPAGES];       // allocated as a table
static int live;                // tables allocated and not freed
static long alloc_calls;        // every alloc_table call
static long fail_at = -1;       // the alloc_table call (0-based, counted by alloc_calls) that fails; -1 none
static bool free_must_be_empty; // tables freed now must hold only invalid entries (unmap, not destroy)
static int sync_calls;

struct tlbi_rec {
    uint64_t va;
    uint16_t asid;
    bool last;
    bool valid_then; // did va translate at the moment of the invalidation?
};
static struct tlbi_rec *tlbis;
static int ntlbi, tlbi_cap;
static struct pgtable *watched; // the table the TLB recorder walks

static void mem_reset(void)
{
    if (mem == NULL) {
        mem = aligned_alloc(4096, (size_t)NPAGES * 4096);
        if (mem == NULL)
            abort();
    }
    memset(mem, 0xdb, (size_t)NPAGES * 4096); // garbage: any read of a free page is a visible bug
    memset(used, 0, sizeof(used));
    live = 0;
    alloc_calls = 0;
    fail_at = -1;
    free_must_be_empty = false;
    sync_calls = 0;
    ntlbi = 0;
    watched = NULL;
}

static long page_of(uint64_t pa)
{
    if (pa < PHYS_BASE || pa >= PHYS_BASE + (uint64_t)NPAGES * 4096 || (pa & 0xfff) != 0)
        return -1;
    return (long)((pa - PHYS_BASE) / 4096);
}

static uint64_t t_alloc(void *ctx)
{
    (void)ctx;
    if (alloc_calls++ == fail_at)
        return 0;
    for (long i = 0; i < NPAGES; i++) {
        if (!used[i]) {
            used[i] = true;
            live++;
            memset(mem + i * 4096, 0, 4096);
            return PHYS_BASE + (uint64_t)i * 4096;
        }
    }
    return 0;
}

static void t_free(void *ctx, uint64_t pa)
{
    (void)ctx;
    long i = page_of(pa);
    if (i < 0 || !used[i]) {
        fprintf(stderr, "free_table(0x%llx): not an allocated table\n", (unsigned long long)pa);
        abort();
    }
    if (free_must_be_empty) {
        const uint64_t *t = (const uint64_t *)(mem + i * 4096);
        for (int k = 0; k < 512; k++)
            if (t[k] & D_VALID) {
                fprintf(stderr, "free_table(0x%llx): entry %d still valid\n", (unsigned long long)pa, k);
                abort();
            }
    }
    used[i] = false;
    live--;
    memset(mem + i * 4096, 0xdb, 4096);
}

static void *t_p2v(void *ctx, uint64_t pa)
{
    (void)ctx;
    long i = page_of(pa);
    if (i < 0 || !used[i]) {
        fprintf(stderr, "phys_to_virt(0x%llx): not an allocated table\n", (unsigned long long)pa);
        abort();
    }
    return mem + i * 4096;
}

static uint64_t *tab(uint64_t pa)
{
    return (uint64_t *)t_p2v(NULL, pa);
}

// The test's own walk: the descriptor that ends the walk for va (0 if invalid), its level, and its span.
static uint64_t twalk(const struct pgtable *pt, uint64_t va, int *level_out)
{
    uint64_t off = va & 0x0000ffffffffffffULL;
    uint64_t *t = tab(pt->root_pa);
    for (int level = 0; level < 4; level++) {
        uint64_t d = t[(off >> (39 - 9 * level)) & 511];
        if (level_out)
            *level_out = level;
        if (!(d & D_VALID))
            return 0;
        if (level < 3 && (d & D_TYPE) == D_TABLE) {
            t = tab(d & D_OA);
            continue;
        }
        return d;
    }
    return 0;
}

static void t_tlbi(void *ctx, uint64_t va, uint16_t asid, bool last)
{
    (void)ctx;
    if (ntlbi == tlbi_cap) {
        tlbi_cap = tlbi_cap ? tlbi_cap * 2 : 1024;
        tlbis = realloc(tlbis, (size_t)tlbi_cap * sizeof(*tlbis));
        if (tlbis == NULL)
            abort();
    }
    bool valid = watched != NULL && twalk(watched, va, NULL) != 0;
    tlbis[ntlbi++] = (struct tlbi_rec){va, asid, last, valid};
}

static void t_sync(void *ctx)
{
    (void)ctx;
    sync_calls++;
}

static const struct pgtable_ops ops = {t_alloc, t_free, t_p2v, t_tlbi, t_sync, NULL, NULL};

// Freed-page recorder.
struct freed_rec {
    uint64_t pa, size;
};
static struct freed_rec *freed;
static int nfreed, freed_cap;

static void on_freed(void *ctx, uint64_t pa, uint64_t size)
{
    (void)ctx;
    if (nfreed == freed_cap) {
        freed_cap = freed_cap ? freed_cap * 2 : 1024;
        freed = realloc(freed, (size_t)freed_cap * sizeof(*freed));
        if (freed == NULL)
            abort();
    }
    freed[nfreed++] = (struct freed_rec){pa, size};
}

static uint64_t freed_bytes(void)
{
    uint64_t n = 0;
    for (int i = 0; i < nfreed; i++)
        n += freed[i].size;
    return n;
}

// --- whole-memory snapshots: "changed nothing" means every allocated table byte and the allocator are the same ---
struct snap {
    uint8_t *mem;
    bool used[NPAGES];
    int live;
};

static struct snap *snap_take(void)
{
    struct snap *s = malloc(sizeof(*s));
    if (s == NULL || (s->mem = malloc((size_t)NPAGES * 4096)) == NULL)
        abort();
    memcpy(s->mem, mem, (size_t)NPAGES * 4096);
    memcpy(s->used, used, sizeof(used));
    s->live = live;
    return s;
}

static bool snap_same(const struct snap *s)
{
    if (s->live != live || memcmp(s->used, used, sizeof(used)) != 0)
        return false;
    for (long i = 0; i < NPAGES; i++)
        if (used[i] && memcmp(s->mem + i * 4096, mem + i * 4096, 4096) != 0)
            return false;
    return true;
}

static void snap_free(struct snap *s)
{
    free(s->mem);
    free(s);
}

// Tables reachable from the root; checks that every non-root table has a valid entry, that L0 holds only
// tables and L3 only pages, that every table pointer names an allocated page, and that the occupancy summary of
// each table (`groups`: from its descriptor, or the root's) covers every valid entry in it. Returns -1 on a
// violation.
static int count_tables(uint64_t pa, int level, unsigned groups)
{
    uint64_t *t = tab(pa);
    int n = 1;
    bool any = false;
    for (int i = 0; i < 512; i++) {
        uint64_t d = t[i];
        if (!(d & D_VALID))
            continue;
        any = true;
        if (!(groups & (1u << (i / 64)))) {
            fprintf(stderr, "L%d entry %d valid, its group not in the summary 0x%x\n", level, i, groups);
            return -1;
        }
        if (level < 3 && (d & D_TYPE) == D_TABLE) {
            if ((d >> 59) != 0) {
                fprintf(stderr, "table descriptor 0x%llx with upper attributes\n", (unsigned long long)d);
                return -1;
            }
            int c = count_tables(d & D_OA, level + 1, (unsigned)(d >> 51) & 0xff);
            if (c < 0)
                return -1;
            n += c;
        } else if (level == 0 || (level == 3 && (d & D_TYPE) != D_PAGE)) {
            fprintf(stderr, "bad descriptor 0x%llx at L%d\n", (unsigned long long)d, level);
            return -1;
        }
    }
    if (level > 0 && !any) {
        fprintf(stderr, "empty L%d table left behind\n", level);
        return -1;
    }
    return n;
}

// The tree is well formed and holds every allocated table (no leaks).
static bool tree_ok(const struct pgtable *pt)
{
    int n = count_tables(pt->root_pa, 0, pt->root_groups);
    if (n != live)
        fprintf(stderr, "reachable tables %d, live %d\n", n, live);
    return n == live;
}

static void new_table(struct pgtable *pt, bool user, uint16_t asid)
{
    mem_reset();
    nfreed = 0;
    if (pgtable_create(pt, &ops, asid, user) != 0)
        abort();
    watched = pt;
}

// --- creation, TTBR ---

TEST(create_and_ttbr)
{
    struct pgtable pt;
    new_table(&pt, true, 0x1234);
    EXPECT_EQ(live, 1);
    EXPECT_TRUE(page_of(pt.root_pa) >= 0);
    EXPECT_EQ(pgtable_ttbr(&pt), pt.root_pa | 0x1234ULL << 48);
    pgtable_destroy(&pt, NULL);
    EXPECT_EQ(live, 0);
    EXPECT_EQ(pt.root_pa, 0);

    mem_reset();
    fail_at = 0;
    EXPECT_EQ(pgtable_create(&pt, &ops, 1, true), -E_NOMEM);
    EXPECT_EQ(live, 0);

    struct pgtable_ops bad = ops;
    bad.tlb_invalidate = NULL;
    EXPECT_EQ(pgtable_create(&pt, &bad, 1, true), -E_INVAL);
    bad = ops;
    bad.sync = NULL; // optional
    EXPECT_EQ(pgtable_create(&pt, &bad, 1, true), 0);
    EXPECT_EQ(pgtable_map(&pt, 0x1000, 0x5000, 0x1000, PGT_READ | PGT_USER), 0);
    pgtable_destroy(&pt, NULL);
    EXPECT_EQ(live, 0);
    EXPECT_EQ(MAIR_EL1_VALUE, 0x4404ffULL);
}

// --- exact descriptor bits ---

struct bits_case {
    bool user;
    unsigned prot;
    uint64_t attrs; // expected descriptor without type and address
};

TEST(descriptor_bits)
{
    const uint64_t common = D_AF | D_SH_IS;
    const struct bits_case cases[] = {
        // user RO data: AP=11 (EL0 RO), UXN, PXN, nG
        {true, PGT_READ | PGT_USER, common | D_AP(3) | D_UXN | D_PXN | D_NG | D_ATTR(0)},
        // user RW data: AP=01
        {true, PGT_READ | PGT_WRITE | PGT_USER, common | D_AP(1) | D_UXN | D_PXN | D_NG | D_ATTR(0)},
        // user RX text: AP=11, executable at EL0 (no UXN), never at EL1 (PXN)
        {true, PGT_READ | PGT_EXEC | PGT_USER, common | D_AP(3) | D_PXN | D_NG | D_ATTR(0)},
        // user device (e.g. a driver's MMIO)
        {true, PGT_READ | PGT_WRITE | PGT_USER | PGT_DEVICE, common | D_AP(1) | D_UXN | D_PXN | D_NG | D_ATTR(1)},
        // user non-cacheable (DMA buffer)
        {true, PGT_READ | PGT_WRITE | PGT_USER | PGT_NOCACHE, common | D_AP(1) | D_UXN | D_PXN | D_NG | D_ATTR(2)},
        // user copy-on-write: read-only plus software bit 55
        {true, PGT_READ | PGT_USER | PGT_COW, common | D_AP(3) | D_UXN | D_PXN | D_NG | D_SW55},
        // user no-access (PROT_NONE): AP=10 (EL1 read-only, nothing at EL0), never executable
        {true, PGT_USER, common | D_AP(2) | D_UXN | D_PXN | D_NG | D_ATTR(0)},
        {true, PGT_USER | PGT_COW, common | D_AP(2) | D_UXN | D_PXN | D_NG | D_SW55},
        // kernel text RX: AP=10, UXN, no PXN, global
        {false, PGT_READ | PGT_EXEC | PGT_GLOBAL, common | D_AP(2) | D_UXN},
        // kernel data RW: AP=00, XN both
        {false, PGT_READ | PGT_WRITE | PGT_GLOBAL, common | D_AP(0) | D_UXN | D_PXN},
        // kernel rodata
        {false, PGT_READ | PGT_GLOBAL, common | D_AP(2) | D_UXN | D_PXN},
        // kernel device: AttrIndx 1, XN both
        {false, PGT_READ | PGT_WRITE | PGT_GLOBAL | PGT_DEVICE, common | D_AP(0) | D_UXN | D_PXN | D_ATTR(1)},
        // kernel non-global (per-ASID) data
        {false, PGT_READ | PGT_WRITE, common | D_AP(0) | D_UXN | D_PXN | D_NG},
        {false, PGT_READ | PGT_WRITE | PGT_GLOBAL | PGT_NOCACHE, common | D_AP(0) | D_UXN | D_PXN | D_ATTR(2)},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct bits_case *c = &cases[i];
        struct pgtable pt;
        new_table(&pt, c->user, 7);
        uint64_t base = c->user ? 0x40000000 : KVA + 0x40000000;
        // a page, a 2 MiB block and a 1 GiB block with the same protection
        ASSERT_EQ(pgtable_map(&pt, base + 0x3000, 0x12345000, KB4, c->prot), 0);
        ASSERT_EQ(pgtable_map(&pt, base + 0x40000000, 0x80000000, MB2, c->prot), 0);
        ASSERT_EQ(pgtable_map(&pt, base + 0x80000000, 0x100000000, GB1, c->prot), 0);
        int level;
        EXPECT_EQ(twalk(&pt, base + 0x3000, &level), c->attrs | 0x12345000 | D_PAGE);
        EXPECT_EQ(level, 3);
        EXPECT_EQ(twalk(&pt, base + 0x40000000 + 0x1000, &level), c->attrs | 0x80000000 | D_BLOCK);
        EXPECT_EQ(level, 2);
        EXPECT_EQ(twalk(&pt, base + 0x80000000 + 0x12345000, &level), c->attrs | 0x100000000 | D_BLOCK);
        EXPECT_EQ(level, 1);
        // lookup gives the flags back
        uint64_t pa = 0, bs = 0;
        unsigned prot = 0;
        EXPECT_EQ(pgtable_lookup(&pt, base + 0x3abc, &pa, &prot, &bs), 0);
        EXPECT_EQ(pa, 0x12345abc);
        EXPECT_EQ(prot, c->prot);
        EXPECT_EQ(bs, KB4);
        EXPECT_EQ(pgtable_lookup(&pt, base + 0x40000000 + 0x1fffff, &pa, &prot, &bs), 0);
        EXPECT_EQ(pa, 0x801fffff);
        EXPECT_EQ(bs, MB2);
        EXPECT_EQ(pgtable_lookup(&pt, base + 0x80000000 + 0x3fffffff, &pa, &prot, &bs), 0);
        EXPECT_EQ(pa, 0x13fffffff);
        EXPECT_EQ(bs, GB1);
        EXPECT_EQ(prot, c->prot);
        EXPECT_EQ(ntlbi, 0); // invalid -> valid needs no invalidation
        EXPECT_TRUE(tree_ok(&pt));
        pgtable_destroy(&pt, NULL);
        EXPECT_EQ(live, 0);
    }
}

TEST(table_descriptors)
{
    struct pgtable pt;
    new_table(&pt, true, 1);
    ASSERT_EQ(pgtable_map(&pt, 0x1000, 0x2000, KB4, PGT_READ | PGT_USER), 0);
    // root[0] -> L1 -> L2 -> L3: each table descriptor is exactly PA | 0b11, upper attributes (63:59) 0, and in
    // the bits the walker ignores (58:51) the summary of the table below: group 0 (entries 0..63) occupied
    uint64_t d0 = tab(pt.root_pa)[0];
    EXPECT_EQ(d0 & ~D_OA, D_TABLE | D_GROUPS(1));
    uint64_t d1 = tab(d0 & D_OA)[0];
    EXPECT_EQ(d1 & ~D_OA, D_TABLE | D_GROUPS(1));
    uint64_t d2 = tab(d1 & D_OA)[0];
    EXPECT_EQ(d2 & ~D_OA, D_TABLE | D_GROUPS(1));
    EXPECT_EQ(tab(d2 & D_OA)[1] & D_OA, 0x2000);
    EXPECT_EQ(pt.root_groups, 1);
    // a page at L3 index 0x1c0 (group 7) and a 2 MiB block at L2 index 0x40 (group 1) add their groups
    ASSERT_EQ(pgtable_map(&pt, 0x1c0000, 0x3000, KB4, PGT_READ | PGT_USER), 0);
    ASSERT_EQ(pgtable_map(&pt, 0x40 * MB2, 0, MB2, PGT_READ | PGT_USER), 0);
    EXPECT_EQ(tab(pt.root_pa)[0] & ~D_OA, D_TABLE | D_GROUPS(1));   // the L1 table: entry 0 only
    EXPECT_EQ(tab(d0 & D_OA)[0] & ~D_OA, D_TABLE | D_GROUPS(0x03)); // the L2 table: entries 0 and 0x40
    EXPECT_EQ(tab(d1 & D_OA)[0] & ~D_OA, D_TABLE | D_GROUPS(0x81)); // the L3 table: entries 1 and 0x1c0
    EXPECT_EQ(tab(d1 & D_OA)[0x40] & (D_TYPE | D_OA), D_BLOCK);     // a block, no summary bits of its own
    EXPECT_EQ(pt.root_groups, 1);
    EXPECT_EQ(live, 4);
    EXPECT_TRUE(sync_calls >= 3); // three new tables each made visible before being linked, and the end
    pgtable_destroy(&pt, NULL);
}

// --- argument checks ---

TEST(rejects_bad_arguments)
{
    struct pgtable pt;
    new_table(&pt, true, 3);
    const unsigned u = PGT_READ | PGT_USER;
    struct snap *s = snap_take();

    EXPECT_EQ(pgtable_map(&pt, 0x1000, 0x1000, KB4, u | PGT_WRITE | PGT_EXEC), -E_INVAL); // W^X
    EXPECT_EQ(pgtable_map(&pt, 0x1000, 0x1000, KB4, PGT_USER | PGT_WRITE), -E_INVAL);     // write-only
    EXPECT_EQ(pgtable_map(&pt, 0x1000, 0x1000, KB4, PGT_USER | PGT_EXEC), -E_INVAL);      // exec-only
    EXPECT_EQ(pgtable_map(&pt, 0x1000, 0x1000, KB4, 0), -E_INVAL);                        // no USER, no READ
    EXPECT_EQ(pgtable_map(&pt, 0x1000, 0x1000, KB4, PGT_READ), -E_INVAL);                 // user table, no USER
    EXPECT_EQ(pgtable_map(&pt, 0x1000, 0x1000, KB4, u | PGT_GLOBAL), -E_INVAL);           // global user page
    EXPECT_EQ(pgtable_map(&pt, 0x1000, 0x1000, KB4, u | PGT_DEVICE | PGT_EXEC), -E_INVAL);
    EXPECT_EQ(pgtable_map(&pt, 0x1000, 0x1000, KB4, u | PGT_DEVICE | PGT_NOCACHE), -E_INVAL);
    EXPECT_EQ(pgtable_map(&pt, 0x1000, 0x1000, KB4, u | PGT_WRITE | PGT_COW), -E_INVAL);
    EXPECT_EQ(pgtable_map(&pt, 0x1000, 0x1000, KB4, u | 0x100), -E_INVAL); // unknown bit
    EXPECT_EQ(pgtable_map(&pt, 0x1800, 0x1000, KB4, u), -E_INVAL);         // unaligned va
    EXPECT_EQ(pgtable_map(&pt, 0x1000, 0x1001, KB4, u), -E_INVAL);         // unaligned pa
    EXPECT_EQ(pgtable_map(&pt, 0x1000, 0x1000, 0x1800, u), -E_INVAL);      // unaligned size
    EXPECT_EQ(pgtable_map(&pt, 0x1000, 0x1000, 0, u), -E_INVAL);           // empty
    EXPECT_EQ(pgtable_map(&pt, 1ULL << 48, 0x1000, KB4, u), -E_INVAL);     // past the user half
    EXPECT_EQ(pgtable_map(&pt, (1ULL << 48) - KB4, 0x1000, 2 * KB4, u), -E_INVAL);
    EXPECT_EQ(pgtable_map(&pt, KVA, 0x1000, KB4, u), -E_INVAL);                    // kernel address in a user table
    EXPECT_EQ(pgtable_map(&pt, 0x1000, 1ULL << 48, KB4, u), -E_INVAL);             // PA too wide
    EXPECT_EQ(pgtable_map(&pt, 0x1000, (1ULL << 48) - KB4, 2 * KB4, u), -E_INVAL); // PA range too wide
    EXPECT_EQ(pgtable_map(&pt, 0x1000, 0x1000, ~0ULL << 12, u), -E_INVAL);         // size overflows
    EXPECT_EQ(pgtable_unmap(&pt, 0x1800, KB4, NULL), -E_INVAL);
    EXPECT_EQ(pgtable_unmap(&pt, 0x1000, 0, NULL), -E_INVAL);
    EXPECT_EQ(pgtable_unmap(&pt, 1ULL << 48, KB4, NULL), -E_INVAL);
    EXPECT_EQ(pgtable_protect(&pt, 0x1000, KB4, u | PGT_WRITE | PGT_EXEC), -E_INVAL);
    EXPECT_EQ(pgtable_protect(&pt, 0x1000, 0x800, u), -E_INVAL);
    EXPECT_EQ(pgtable_lookup(&pt, KVA, NULL, NULL, NULL), -E_INVAL);
    EXPECT_EQ(pgtable_lookup(&pt, 0x1000, NULL, NULL, NULL), -E_NOENT);
    EXPECT_EQ(pgtable_split(&pt, 0x1800), -E_INVAL);
    EXPECT_EQ(pgtable_split(&pt, 1ULL << 48), -E_INVAL);
    EXPECT_EQ(pgtable_replace(&pt, 0x1000, 0x2000, u, NULL), -E_NOENT);
    EXPECT_EQ(pgtable_replace(&pt, 0x1800, 0x2000, u, NULL), -E_INVAL);
    EXPECT_EQ(pgtable_replace(&pt, 0x1000, 0x2000, u | PGT_WRITE | PGT_EXEC, NULL), -E_INVAL);
    EXPECT_EQ(pgtable_unmapped(&pt, 0x1000, 0), -E_INVAL);
    EXPECT_EQ(pgtable_unmapped(&pt, KVA, KB4), -E_INVAL);
    EXPECT_TRUE(snap_same(s));
    EXPECT_EQ(ntlbi, 0);
    snap_free(s);
    // the last user page works
    EXPECT_EQ(pgtable_map(&pt, (1ULL << 48) - KB4, 0x1000, KB4, u), 0);
    EXPECT_EQ(pgtable_lookup(&pt, (1ULL << 48) - 1, NULL, NULL, NULL), 0);
    pgtable_destroy(&pt, NULL);

    // kernel table: only canonical upper addresses; no USER
    new_table(&pt, false, 0);
    const unsigned k = PGT_READ | PGT_GLOBAL;
    EXPECT_EQ(pgtable_map(&pt, 0x1000, 0x1000, KB4, k), -E_INVAL);                  // lower half
    EXPECT_EQ(pgtable_map(&pt, 0x0001000000000000, 0x1000, KB4, k), -E_INVAL);      // non-canonical
    EXPECT_EQ(pgtable_map(&pt, 0xfffe000000000000, 0x1000, KB4, k), -E_INVAL);      // non-canonical
    EXPECT_EQ(pgtable_map(&pt, 0xfffffffffffff000, 0x1000, 2 * KB4, k), -E_INVAL);  // wraps past 2^64
    EXPECT_EQ(pgtable_map(&pt, KVA + 0x1000, 0x1000, KB4, k | PGT_USER), -E_INVAL); // EL0 access to the kernel
    EXPECT_EQ(pgtable_map(&pt, KVA + 0x1000, 0x1000, KB4, k | PGT_WRITE | PGT_EXEC), -E_INVAL);
    EXPECT_EQ(pgtable_map(&pt, KVA + 0x1000, 0x1000, KB4, PGT_GLOBAL), -E_INVAL); // no-access: user tables only
    EXPECT_EQ(pgtable_lookup(&pt, 0x1000, NULL, NULL, NULL), -E_INVAL);
    EXPECT_EQ(live, 1);
    // first and last pages of the half
    EXPECT_EQ(pgtable_map(&pt, KVA, 0x1000, KB4, k), 0);
    EXPECT_EQ(pgtable_map(&pt, 0xfffffffffffff000, 0x2000, KB4, k), 0);
    uint64_t pa = 0;
    EXPECT_EQ(pgtable_lookup(&pt, 0xffffffffffffffff, &pa, NULL, NULL), 0);
    EXPECT_EQ(pa, 0x2fff);
    EXPECT_EQ(pgtable_lookup(&pt, KVA + 0x10, &pa, NULL, NULL), 0);
    EXPECT_EQ(pa, 0x1010);
    EXPECT_EQ(pgtable_unmap(&pt, 0xfffffffffffff000, KB4, NULL), 0);
    EXPECT_EQ(ntlbi, 4); // the page and its three tables
    EXPECT_EQ(tlbis[0].va, 0xfffffffffffff000);
    pgtable_destroy(&pt, NULL);
}

// --- block selection ---

// Block size used at va (0 if unmapped).
static uint64_t bsize(const struct pgtable *pt, uint64_t va)
{
    uint64_t bs = 0;
    if (pgtable_lookup(pt, va, NULL, NULL, &bs) != 0)
        return 0;
    return bs;
}

TEST(blocks_exactly_when_aligned)
{
    struct pgtable pt;
    const unsigned u = PGT_READ | PGT_WRITE | PGT_USER;

    // 2 MiB-aligned va and pa, 4 MiB: two blocks, tables root + L1 + L2
    new_table(&pt, true, 1);
    ASSERT_EQ(pgtable_map(&pt, 0x40000000 + MB2, 0x80000000 + MB2 * 3, 2 * MB2, u), 0);
    EXPECT_EQ(bsize(&pt, 0x40000000 + MB2), MB2);
    EXPECT_EQ(bsize(&pt, 0x40000000 + 3 * MB2 - 1), MB2);
    EXPECT_EQ(live, 3);
    pgtable_destroy(&pt, NULL);

    // va aligned, pa only 4 KiB aligned: pages only
    new_table(&pt, true, 1);
    ASSERT_EQ(pgtable_map(&pt, 0x40000000, 0x80001000, 2 * MB2, u), 0);
    for (uint64_t off = 0; off < 2 * MB2; off += KB4)
        EXPECT_EQ(bsize(&pt, 0x40000000 + off), KB4);
    EXPECT_EQ(live, 5); // root, L1, L2, two L3
    pgtable_destroy(&pt, NULL);

    // 1 GiB aligned: one L1 block, no L2 table
    new_table(&pt, true, 1);
    ASSERT_EQ(pgtable_map(&pt, 3 * GB1, GB1, GB1, u), 0);
    EXPECT_EQ(bsize(&pt, 3 * GB1), GB1);
    EXPECT_EQ(live, 2);
    pgtable_destroy(&pt, NULL);

    // 1 GiB aligned va, pa only 2 MiB aligned: 512 L2 blocks
    new_table(&pt, true, 1);
    ASSERT_EQ(pgtable_map(&pt, 3 * GB1, GB1 + MB2, GB1, u), 0);
    for (uint64_t off = 0; off < GB1; off += MB2)
        EXPECT_EQ(bsize(&pt, 3 * GB1 + off), MB2);
    EXPECT_EQ(live, 3);
    pgtable_destroy(&pt, NULL);

    // A mixed range: 4 KiB pages up to the first 2 MiB boundary, 2 MiB blocks up to the 1 GiB boundary, a 1 GiB
    // block, 2 MiB blocks, then pages. va - pa is a multiple of 1 GiB so every level can be used.
    new_table(&pt, true, 1);
    uint64_t va = GB1 - MB2 - 5 * KB4, pa = 7 * GB1 - MB2 - 5 * KB4;
    uint64_t size = 5 * KB4 + MB2 + GB1 + 2 * MB2 + 3 * KB4;
    ASSERT_EQ(pgtable_map(&pt, va, pa, size, u), 0);
    for (uint64_t off = 0; off < size; off += KB4) {
        uint64_t a = va + off, want;
        if (a < GB1 - MB2)
            want = KB4;
        else if (a < GB1)
            want = MB2;
        else if (a < 2 * GB1)
            want = GB1;
        else if (a < 2 * GB1 + 2 * MB2)
            want = MB2;
        else
            want = KB4;
        uint64_t got_pa = 0, bs = 0;
        if (!EXPECT_EQ(pgtable_lookup(&pt, a, &got_pa, NULL, &bs), 0))
            break;
        if (!EXPECT_EQ(bs, want) || !EXPECT_EQ(got_pa, pa + off))
            break;
    }
    EXPECT_EQ(bsize(&pt, va - KB4), 0);
    EXPECT_EQ(bsize(&pt, va + size), 0);
    EXPECT_TRUE(tree_ok(&pt));
    pgtable_destroy(&pt, on_freed);
    EXPECT_EQ(freed_bytes(), size);
    EXPECT_EQ(live, 0);

    // The kernel linear map: 2 GiB of RAM at PA 1 GiB as two 1 GiB blocks, global
    new_table(&pt, false, 0);
    ASSERT_EQ(pgtable_map(&pt, KVA + GB1, GB1, 2 * GB1, PGT_READ | PGT_WRITE | PGT_GLOBAL), 0);
    EXPECT_EQ(bsize(&pt, KVA + GB1), GB1);
    EXPECT_EQ(bsize(&pt, KVA + 3 * GB1 - 1), GB1);
    EXPECT_EQ(live, 2);
    // a range crossing the 512 GiB (L0) boundary
    ASSERT_EQ(pgtable_map(&pt, KVA + GB512 - MB2, 0x200000000, 2 * MB2, PGT_READ | PGT_GLOBAL), 0);
    EXPECT_EQ(bsize(&pt, KVA + GB512 - 1), MB2);
    EXPECT_EQ(bsize(&pt, KVA + GB512), MB2);
    EXPECT_EQ(live, 5); // + an L2 below the first L1, an L1 and an L2 for the second L0 entry
    EXPECT_TRUE(tree_ok(&pt));
    pgtable_destroy(&pt, NULL);
}

// --- -E_EXIST ---

TEST(map_over_mapping_changes_nothing)
{
    struct pgtable pt;
    const unsigned u = PGT_READ | PGT_USER;
    new_table(&pt, true, 1);
    // pages at [2 MiB + 8 KiB, +16 KiB), a 2 MiB block at 4 MiB, a 1 GiB block at 1 GiB
    ASSERT_EQ(pgtable_map(&pt, MB2 + 2 * KB4, 0x10000000, 4 * KB4, u), 0);
    ASSERT_EQ(pgtable_map(&pt, 2 * MB2, 0x20000000, MB2, u), 0);
    ASSERT_EQ(pgtable_map(&pt, GB1, 0x40000000, GB1, u), 0);
    struct snap *s = snap_take();
    int t0 = ntlbi;
    struct {
        uint64_t va, size;
    } overlaps[] = {
        {MB2 + 2 * KB4, 4 * KB4},   // identical
        {MB2, 3 * KB4},             // ends in the first page
        {MB2 + 5 * KB4, 10 * KB4},  // starts in the last page
        {0, 3 * MB2},               // contains everything (would be blocks where aligned)
        {MB2, MB2},                 // a 2 MiB block over a table with pages
        {2 * MB2 + 5 * KB4, KB4},   // a page inside the 2 MiB block
        {2 * MB2, MB2},             // the block itself
        {GB1 + 0x12345000, MB2},    // inside the 1 GiB block
        {GB1 - MB2, 2 * MB2},       // straddles into the 1 GiB block
        {0, 4 * GB1},               // everything, with 1 GiB blocks where free
        {GB1 + GB1 - KB4, 2 * KB4}, // straddles out of the 1 GiB block
    };
    for (size_t i = 0; i < sizeof(overlaps) / sizeof(overlaps[0]); i++) {
        EXPECT_EQ(pgtable_map(&pt, overlaps[i].va, 0x80000000, overlaps[i].size, u), -E_EXIST);
        EXPECT_TRUE(snap_same(s));
    }
    EXPECT_EQ(ntlbi, t0);
    snap_free(s);
    // neighbours still fit exactly
    EXPECT_EQ(pgtable_map(&pt, MB2 + KB4, 0x1000, KB4, u), 0);
    EXPECT_EQ(pgtable_map(&pt, MB2 + 6 * KB4, 0x1000, MB2 - 6 * KB4, u), 0);
    EXPECT_EQ(pgtable_map(&pt, 3 * MB2, 0x1000, GB1 - 3 * MB2, u), 0);
    EXPECT_EQ(pgtable_map(&pt, 2 * GB1, 0x1000, KB4, u), 0);
    EXPECT_TRUE(tree_ok(&pt));
    pgtable_destroy(&pt, NULL);
}

// --- -E_NOMEM at every allocation ---

// Runs op with allocation k failing, for k = 0, 1, ...: each failure must return -E_NOMEM having changed nothing;
// returns the number of allocations the op made when it finally succeeded (-1 on a failure).
typedef int (*op_fn)(struct pgtable *pt);

static int fail_every_point(struct pgtable *pt, op_fn op)
{
    for (long k = 0;; k++) {
        struct snap *s = snap_take();
        int t0 = ntlbi, f0 = nfreed, live0 = live;
        alloc_calls = 0;
        fail_at = k;
        int r = op(pt);
        fail_at = -1;
        if (r == 0) {
            snap_free(s);
            return (int)(live - live0);
        }
        bool ok = EXPECT_EQ(r, -E_NOMEM) && EXPECT_TRUE(snap_same(s)) && EXPECT_EQ(ntlbi, t0) &&
                  EXPECT_EQ(nfreed, f0) && EXPECT_EQ(alloc_calls, k + 1);
        snap_free(s);
        if (!ok || k > 100)
            return -1;
    }
}

static int op_map_wide(struct pgtable *pt)
{
    // a page, a 2 MiB block | L0 boundary | a 2 MiB block, a page. Below the first L0 entry's existing L1 it needs
    // an L2 and an L3; below the second L0 entry an L1, an L2 and an L3.
    return pgtable_map(pt, GB512 - MB2 - KB4, 0x10000000 - KB4, 2 * MB2 + 2 * KB4, PGT_READ | PGT_USER);
}

static int op_unmap_mid_1g(struct pgtable *pt)
{
    return pgtable_unmap(pt, 5 * GB1 + 7 * MB2 + 3 * KB4, KB4, on_freed);
}

static int op_unmap_two_ends(struct pgtable *pt)
{
    // starts inside one 1 GiB block, ends inside the next: up to two tables at each end
    return pgtable_unmap(pt, 6 * GB1 + GB1 - MB2 - KB4, 2 * MB2 + 2 * KB4, on_freed);
}

static int op_protect_mid(struct pgtable *pt)
{
    return pgtable_protect(pt, 8 * GB1 + 3 * MB2 + KB4, 2 * KB4, PGT_READ | PGT_USER | PGT_COW);
}

TEST(nomem_at_every_point)
{
    struct pgtable pt;
    const unsigned u = PGT_READ | PGT_USER;
    new_table(&pt, true, 9);
    ASSERT_EQ(pgtable_map(&pt, 0x1000, 0x1000, KB4, u), 0); // the first L1, L2, L3
    EXPECT_EQ(fail_every_point(&pt, op_map_wide), 5);
    EXPECT_EQ(bsize(&pt, GB512 - MB2 - KB4), KB4);
    EXPECT_EQ(bsize(&pt, GB512 - MB2), MB2);
    EXPECT_EQ(bsize(&pt, GB512), MB2);
    EXPECT_EQ(bsize(&pt, GB512 + MB2), KB4);
    EXPECT_EQ(bsize(&pt, GB512 + MB2 + KB4), 0);
    EXPECT_TRUE(tree_ok(&pt));

    // splitting a 1 GiB block down to one page: an L2 and an L3 table
    ASSERT_EQ(pgtable_map(&pt, 5 * GB1, 3 * GB1, GB1, u), 0);
    nfreed = 0;
    EXPECT_EQ(fail_every_point(&pt, op_unmap_mid_1g), 2);
    EXPECT_EQ(nfreed, 1);
    EXPECT_EQ(freed[0].pa, 3 * GB1 + 7 * MB2 + 3 * KB4);
    EXPECT_EQ(freed[0].size, KB4);
    EXPECT_EQ(bsize(&pt, 5 * GB1), MB2);
    EXPECT_EQ(bsize(&pt, 5 * GB1 + 7 * MB2), KB4);
    EXPECT_EQ(bsize(&pt, 5 * GB1 + 7 * MB2 + 3 * KB4), 0);
    EXPECT_TRUE(tree_ok(&pt));

    // two partial 1 GiB blocks: four tables
    ASSERT_EQ(pgtable_map(&pt, 6 * GB1, 0, 2 * GB1, u), 0);
    nfreed = 0;
    EXPECT_EQ(fail_every_point(&pt, op_unmap_two_ends), 4);
    EXPECT_EQ(freed_bytes(), 2 * MB2 + 2 * KB4);
    EXPECT_TRUE(tree_ok(&pt));

    // protect inside a 1 GiB block
    ASSERT_EQ(pgtable_map(&pt, 8 * GB1, 0, GB1, u), 0);
    EXPECT_EQ(fail_every_point(&pt, op_protect_mid), 2);
    unsigned prot = 0;
    EXPECT_EQ(pgtable_lookup(&pt, 8 * GB1 + 3 * MB2 + 2 * KB4, NULL, &prot, NULL), 0);
    EXPECT_EQ(prot, u | PGT_COW);
    EXPECT_EQ(pgtable_lookup(&pt, 8 * GB1 + 3 * MB2 + 3 * KB4, NULL, &prot, NULL), 0);
    EXPECT_EQ(prot, u);
    EXPECT_TRUE(tree_ok(&pt));
    pgtable_destroy(&pt, NULL);
    EXPECT_EQ(live, 0);

    // map into an empty table: every allocation of a four-level path
    new_table(&pt, true, 9);
    EXPECT_EQ(fail_every_point(&pt, op_map_wide), 6);
    pgtable_destroy(&pt, NULL);
}

// --- unmap ---

TEST(mapped_pages_counts_leaves_of_every_size)
{
    struct pgtable pt;
    const unsigned u = PGT_READ | PGT_WRITE | PGT_USER;

    new_table(&pt, true, 1);
    EXPECT_EQ(pgtable_mapped_pages(&pt), 0);
    ASSERT_EQ(pgtable_map(&pt, 0x400000, 0x80000000, 3 * KB4, u), 0);
    EXPECT_EQ(pgtable_mapped_pages(&pt), 3);
    ASSERT_EQ(pgtable_map(&pt, 0x40000000 + MB2, 0x80000000 + MB2, MB2, u), 0); // one 2 MiB block
    EXPECT_EQ(pgtable_mapped_pages(&pt), 3 + 512);
    ASSERT_EQ(pgtable_map(&pt, 3 * GB1, GB1, GB1, u), 0); // one 1 GiB block
    EXPECT_EQ(pgtable_mapped_pages(&pt), 3 + 512 + 512 * 512);
    ASSERT_EQ(pgtable_unmap(&pt, 0x400000 + KB4, KB4, NULL), 0);
    EXPECT_EQ(pgtable_mapped_pages(&pt), 2 + 512 + 512 * 512);
    ASSERT_EQ(pgtable_unmap(&pt, 0x40000000 + MB2 + 5 * KB4, KB4, NULL), 0); // splits the block: 511 pages left
    EXPECT_EQ(pgtable_mapped_pages(&pt), 2 + 511 + 512 * 512);
    pgtable_destroy(&pt, NULL);
    EXPECT_EQ(pgtable_mapped_pages(&pt), 0);
}

TEST(unmap_splits_block)
{
    struct pgtable pt;
    const unsigned u = PGT_READ | PGT_WRITE | PGT_USER;
    const uint64_t va = 0x7f0000000000 + 5 * MB2, pa = 0x90000000, mid = va + 17 * KB4;
    new_table(&pt, true, 42);
    ASSERT_EQ(pgtable_map(&pt, va, pa, MB2, u), 0);
    EXPECT_EQ(live, 3);
    free_must_be_empty = true;
    nfreed = 0;
    ntlbi = 0;
    ASSERT_EQ(pgtable_unmap(&pt, mid, KB4, on_freed), 0);
    EXPECT_EQ(live, 4); // the new L3 table
    EXPECT_EQ(nfreed, 1);
    EXPECT_EQ(freed[0].pa, pa + 17 * KB4);
    EXPECT_EQ(freed[0].size, KB4);
    // the 511 other pages translate as before, with the same attributes, as pages
    int level;
    uint64_t block_attrs = D_AF | D_SH_IS | D_AP(1) | D_UXN | D_PXN | D_NG;
    for (unsigned i = 0; i < 512; i++) {
        uint64_t d = twalk(&pt, va + i * KB4, &level);
        if (i == 17) {
            EXPECT_EQ(d, 0);
            continue;
        }
        if (!EXPECT_EQ(d, block_attrs | (pa + i * KB4) | D_PAGE) || !EXPECT_EQ(level, 3))
            break;
    }
    // break-before-make: the block was invalid when it was invalidated, then the page
    ASSERT_EQ(ntlbi, 2);
    EXPECT_EQ(tlbis[0].va, va);
    EXPECT_TRUE(tlbis[0].last);
    EXPECT_FALSE(tlbis[0].valid_then);
    EXPECT_EQ(tlbis[1].va, mid);
    EXPECT_TRUE(tlbis[1].last);
    EXPECT_FALSE(tlbis[1].valid_then);
    for (int i = 0; i < ntlbi; i++)
        EXPECT_EQ(tlbis[i].asid, 42);

    // the rest, in two pieces: the last one empties L3, L2, L1
    ntlbi = 0;
    nfreed = 0;
    ASSERT_EQ(pgtable_unmap(&pt, va, 17 * KB4, on_freed), 0);
    EXPECT_EQ(ntlbi, 17);
    EXPECT_EQ(live, 4);
    EXPECT_EQ(nfreed, 17);
    ntlbi = 0;
    nfreed = 0;
    ASSERT_EQ(pgtable_unmap(&pt, va + 18 * KB4, MB2 - 18 * KB4, on_freed), 0);
    EXPECT_EQ(ntlbi, 494 + 3); // 494 pages, then the three emptied tables
    EXPECT_EQ(nfreed, 494);
    EXPECT_EQ(freed_bytes(), 494 * KB4);
    for (int i = 0; i < 494; i++)
        EXPECT_TRUE(tlbis[i].last);
    for (int i = 494; i < ntlbi; i++) {
        EXPECT_FALSE(tlbis[i].last);
        EXPECT_FALSE(tlbis[i].valid_then);
    }
    EXPECT_EQ(live, 1);
    EXPECT_TRUE(tree_ok(&pt));
    pgtable_destroy(&pt, NULL);
    EXPECT_EQ(live, 0);
}

TEST(unmap_reports_each_page_once)
{
    struct pgtable pt;
    const unsigned u = PGT_READ | PGT_USER;
    new_table(&pt, true, 5);
    // a 1 GiB block, 2 MiB blocks, pages: PA = VA + 16 GiB
    const uint64_t va = GB1 - 3 * MB2 - 7 * KB4, size = 7 * KB4 + 3 * MB2 + GB1 + MB2 + 9 * KB4, off = 16 * GB1;
    ASSERT_EQ(pgtable_map(&pt, va, va + off, size, u), 0);
    // unmap with holes on both sides and in pieces that cut blocks: [va-1M, va+10K) [.., +1.5 GiB) [.., end+5M)
    free_must_be_empty = true;
    nfreed = 0;
    uint64_t cuts[] = {va - 256 * KB4, va + 10 * KB4, va + 10 * KB4 + 3 * MB2 + 0x12345000, va + size + 5 * MB2};
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(pgtable_unmap(&pt, cuts[i], cuts[i + 1] - cuts[i], on_freed), 0);
    EXPECT_EQ(live, 1);
    EXPECT_EQ(freed_bytes(), size);
    // every page of [va, va+size) exactly once: sort-free check by marking
    uint64_t npages = size / KB4;
    uint8_t *seen = calloc(npages, 1);
    ASSERT_TRUE(seen != NULL);
    for (int i = 0; i < nfreed; i++) {
        uint64_t p = freed[i].pa - off;
        EXPECT_EQ(freed[i].pa & (freed[i].size - 1), 0);
        for (uint64_t q = 0; q < freed[i].size; q += KB4) {
            uint64_t idx = (p + q - va) / KB4;
            if (!EXPECT_TRUE(p + q >= va && idx < npages && !seen[idx]))
                break;
            seen[idx] = 1;
        }
    }
    free(seen);
    // the 1 GiB block was split on the second cut; some pieces came back as 2 MiB blocks
    bool any_2m = false;
    for (int i = 0; i < nfreed; i++)
        any_2m |= freed[i].size == MB2;
    EXPECT_TRUE(any_2m);
    for (int i = 0; i < ntlbi; i++)
        EXPECT_EQ(tlbis[i].asid, 5);
    // unmapping a hole is fine and changes nothing
    struct snap *s = snap_take();
    int t0 = ntlbi;
    EXPECT_EQ(pgtable_unmap(&pt, 0, 4 * GB1, on_freed), 0);
    EXPECT_TRUE(snap_same(s));
    EXPECT_EQ(ntlbi, t0);
    snap_free(s);
    pgtable_destroy(&pt, NULL);
}

TEST(empty_tables_freed_and_destroy)
{
    struct pgtable pt;
    const unsigned u = PGT_READ | PGT_USER;
    new_table(&pt, true, 2);
    // scattered pages in different L0, L1, L2 slots
    const uint64_t vas[] = {0x1000, 0x40000000, 0x8000200000, 0x8000201000, 0x7ffffffff000, 0x123456789000};
    for (size_t i = 0; i < 6; i++)
        ASSERT_EQ(pgtable_map(&pt, vas[i], 0x5000 + i * KB4, KB4, u), 0);
    EXPECT_TRUE(tree_ok(&pt));
    int peak = live;
    free_must_be_empty = true;
    for (size_t i = 0; i < 6; i++) {
        ASSERT_EQ(pgtable_unmap(&pt, vas[i], KB4, NULL), 0);
        EXPECT_TRUE(tree_ok(&pt));
    }
    EXPECT_EQ(live, 1);
    EXPECT_TRUE(peak > 10);
    // every table removal is a non-last-level invalidation, every page a last-level one
    int last = 0, nonlast = 0;
    for (int i = 0; i < ntlbi; i++)
        tlbis[i].last ? last++ : nonlast++;
    EXPECT_EQ(last, 6);
    EXPECT_EQ(nonlast, peak - 1);

    // destroy reports every mapping and frees everything, without TLB maintenance
    free_must_be_empty = false;
    for (size_t i = 0; i < 6; i++)
        ASSERT_EQ(pgtable_map(&pt, vas[i], 0x5000 + i * KB4, KB4, u), 0);
    ASSERT_EQ(pgtable_map(&pt, 4 * GB1, 0, GB1 + MB2, u), 0);
    nfreed = 0;
    int t0 = ntlbi;
    pgtable_destroy(&pt, on_freed);
    EXPECT_EQ(live, 0);
    EXPECT_EQ(ntlbi, t0);
    EXPECT_EQ(nfreed, 8);
    EXPECT_EQ(freed_bytes(), 6 * KB4 + GB1 + MB2);
    pgtable_destroy(&pt, on_freed); // twice is harmless
    EXPECT_EQ(nfreed, 8);
}

// --- gathered invalidation: ops with tlb_invalidate_asid ---

static int nasid_flush;
static uint64_t gather_va0;     // the test's pages: gather_va0 + i * 4 KiB maps GATHER_PA0 + i * 4 KiB
static bool gone_at_flush[200]; // page i no longer translated at the latest ASID invalidation
static int freed_early, tables_freed_unflushed;
#define GATHER_PA0 0x40000000ULL

static void t_asid(void *ctx, uint16_t asid)
{
    (void)ctx;
    EXPECT_EQ(asid, 9);
    nasid_flush++;
    for (int i = 0; i < 200; i++)
        gone_at_flush[i] = twalk(watched, gather_va0 + (uint64_t)i * KB4, NULL) == 0;
}

// A page may go back only once an invalidation made after its entry was cleared has run.
static void on_freed_gathered(void *ctx, uint64_t pa, uint64_t size)
{
    long i = (long)((pa - GATHER_PA0) / KB4);
    if (size != KB4 || i < 0 || i >= 200 || !gone_at_flush[i])
        freed_early++;
    on_freed(ctx, pa, size);
}

static void t_free_gathered(void *ctx, uint64_t pa)
{
    if (nasid_flush == 0)
        tables_freed_unflushed++;
    t_free(ctx, pa);
}

TEST(gathered_unmap_and_protect)
{
    struct pgtable pt;
    struct pgtable_ops gops = ops;
    gops.tlb_invalidate_asid = t_asid;
    gops.free_table = t_free_gathered;
    const unsigned ro = PGT_READ | PGT_USER, rw = ro | PGT_WRITE;
    mem_reset();
    nfreed = 0;
    ASSERT_EQ(pgtable_create(&pt, &gops, 9, true), 0);
    watched = &pt;
    // 200 pages from the end of one L2 table into the next (a table empties and goes), mapped one by one so that
    // no block forms.
    gather_va0 = 0x200000 - 8 * KB4;
    for (int i = 0; i < 200; i++)
        ASSERT_EQ(pgtable_map(&pt, gather_va0 + (uint64_t)i * KB4, GATHER_PA0 + (uint64_t)i * KB4, KB4, rw), 0);

    // mprotect of all 200: in place, one ASID invalidation and none by address
    nasid_flush = 0;
    ntlbi = 0;
    ASSERT_EQ(pgtable_protect(&pt, gather_va0, 200 * KB4, ro), 0);
    EXPECT_EQ(nasid_flush, 1);
    EXPECT_EQ(ntlbi, 0);
    EXPECT_TRUE((twalk(&pt, gather_va0 + 100 * KB4, NULL) & (1ULL << 7)) != 0); // AP[2]: read-only
    // one page alone: invalidated by its address, not the whole ASID
    ASSERT_EQ(pgtable_protect(&pt, gather_va0, KB4, rw), 0);
    EXPECT_EQ(nasid_flush, 1);
    EXPECT_EQ(ntlbi, 1);
    EXPECT_TRUE(ntlbi == 1 && tlbis[0].last && tlbis[0].va == gather_va0 && tlbis[0].valid_then);

    // unmap of all 200: every page freed only after an invalidation that saw it gone, in batches (so at least
    // 200 / 32 invalidations, and far fewer than one per page), and the emptied L3 tables too
    nasid_flush = 0;
    ntlbi = 0;
    freed_early = tables_freed_unflushed = 0;
    int tables = live;
    ASSERT_EQ(pgtable_unmap(&pt, gather_va0, 200 * KB4, on_freed_gathered), 0);
    EXPECT_EQ(nfreed, 200);
    EXPECT_EQ(freed_early, 0);
    EXPECT_EQ(tables_freed_unflushed, 0);
    EXPECT_TRUE(nasid_flush >= 200 / 32 && nasid_flush <= 200 / 32 + 2);
    EXPECT_EQ(ntlbi, 0);
    EXPECT_TRUE(live < tables); // the L3 tables went
    EXPECT_TRUE(tree_ok(&pt));
    pgtable_destroy(&pt, on_freed);
    EXPECT_EQ(live, 0);
}

// --- protect ---

TEST(protect)
{
    struct pgtable pt;
    const unsigned ro = PGT_READ | PGT_USER, rw = ro | PGT_WRITE, rx = ro | PGT_EXEC;
    new_table(&pt, true, 77);
    ASSERT_EQ(pgtable_map(&pt, 0x10000, 0x20000, 4 * KB4, rw), 0);
    int level;

    // permissions only: in place, then invalidated (so the new entry is already there when invalidating)
    ntlbi = 0;
    ASSERT_EQ(pgtable_protect(&pt, 0x10000, 4 * KB4, ro), 0);
    ASSERT_EQ(ntlbi, 4);
    for (int i = 0; i < 4; i++) {
        EXPECT_EQ(tlbis[i].va, 0x10000 + i * KB4);
        EXPECT_EQ(tlbis[i].asid, 77);
        EXPECT_TRUE(tlbis[i].last);
        EXPECT_TRUE(tlbis[i].valid_then);
        EXPECT_EQ(twalk(&pt, 0x10000 + i * KB4, &level),
                  D_AF | D_SH_IS | D_AP(3) | D_UXN | D_PXN | D_NG | (0x20000 + i * KB4) | D_PAGE);
    }
    // the same protection again: nothing to invalidate
    ASSERT_EQ(pgtable_protect(&pt, 0x10000, 4 * KB4, ro), 0);
    EXPECT_EQ(ntlbi, 4);
    // to RX: UXN goes
    ASSERT_EQ(pgtable_protect(&pt, 0x11000, KB4, rx), 0);
    EXPECT_EQ(twalk(&pt, 0x11000, &level), D_AF | D_SH_IS | D_AP(3) | D_PXN | D_NG | 0x21000 | D_PAGE);
    EXPECT_EQ(ntlbi, 5);
    // memory type change: break-before-make (invalid at the time of the invalidation)
    ASSERT_EQ(pgtable_protect(&pt, 0x12000, KB4, rw | PGT_DEVICE), 0);
    EXPECT_EQ(ntlbi, 6);
    EXPECT_FALSE(tlbis[5].valid_then);
    EXPECT_EQ(twalk(&pt, 0x12000, &level), D_AF | D_SH_IS | D_AP(1) | D_UXN | D_PXN | D_NG | D_ATTR(1) | 0x22000 | 3);
    // COW bit is software-only: in place
    ASSERT_EQ(pgtable_protect(&pt, 0x13000, KB4, ro | PGT_COW), 0);
    EXPECT_TRUE(tlbis[6].valid_then);
    unsigned prot;
    EXPECT_EQ(pgtable_lookup(&pt, 0x13000, NULL, &prot, NULL), 0);
    EXPECT_EQ(prot, ro | PGT_COW);

    // holes: -E_NOENT, nothing changed
    struct snap *s = snap_take();
    int t0 = ntlbi;
    EXPECT_EQ(pgtable_protect(&pt, 0xf000, 2 * KB4, ro), -E_NOENT);
    EXPECT_EQ(pgtable_protect(&pt, 0x13000, 2 * KB4, rw), -E_NOENT);
    EXPECT_EQ(pgtable_protect(&pt, 0x40000000, KB4, rw), -E_NOENT);
    EXPECT_EQ(pgtable_protect(&pt, 0x10000, 4 * KB4, rw | PGT_EXEC), -E_INVAL);
    EXPECT_TRUE(snap_same(s));
    EXPECT_EQ(ntlbi, t0);
    snap_free(s);

    // part of a 2 MiB block: split (BBM), then only the covered pages change
    ASSERT_EQ(pgtable_map(&pt, 0x40000000, 0x60000000, MB2, rw), 0);
    ntlbi = 0;
    ASSERT_EQ(pgtable_protect(&pt, 0x40000000 + 100 * KB4, 3 * KB4, ro), 0);
    ASSERT_EQ(ntlbi, 4);
    EXPECT_FALSE(tlbis[0].valid_then); // the block
    EXPECT_EQ(tlbis[0].va, 0x40000000);
    for (unsigned i = 0; i < 512; i++) {
        unsigned p = 0;
        uint64_t pa = 0, bs = 0;
        EXPECT_EQ(pgtable_lookup(&pt, 0x40000000 + i * KB4, &pa, &p, &bs), 0);
        EXPECT_EQ(pa, 0x60000000 + i * KB4);
        EXPECT_EQ(bs, KB4);
        if (!EXPECT_EQ(p, i >= 100 && i < 103 ? ro : rw))
            break;
    }
    // a whole 2 MiB block stays a block
    ASSERT_EQ(pgtable_map(&pt, 0x40000000 + MB2, 0x60000000 + MB2, MB2, rw), 0);
    ASSERT_EQ(pgtable_protect(&pt, 0x40000000 + MB2, MB2, ro), 0);
    EXPECT_EQ(bsize(&pt, 0x40000000 + MB2), MB2);
    EXPECT_TRUE(tree_ok(&pt));
    pgtable_destroy(&pt, NULL);

    // kernel table: GLOBAL -> non-global is a BBM change; the invalidated address is canonical
    new_table(&pt, false, 0);
    ASSERT_EQ(pgtable_map(&pt, KVA + 0x40000000, 0x40000000, KB4, PGT_READ | PGT_WRITE | PGT_GLOBAL), 0);
    ASSERT_EQ(pgtable_protect(&pt, KVA + 0x40000000, KB4, PGT_READ | PGT_WRITE), 0);
    ASSERT_EQ(ntlbi, 1);
    EXPECT_EQ(tlbis[0].va, KVA + 0x40000000);
    EXPECT_FALSE(tlbis[0].valid_then);
    EXPECT_EQ(twalk(&pt, KVA + 0x40000000, &level) & D_NG, D_NG);
    ASSERT_EQ(pgtable_protect(&pt, KVA + 0x40000000, KB4, PGT_READ | PGT_EXEC), 0); // text: in place
    EXPECT_TRUE(tlbis[1].valid_then);
    EXPECT_EQ(twalk(&pt, KVA + 0x40000000, &level), D_AF | D_SH_IS | D_AP(2) | D_UXN | D_NG | 0x40000000 | 3);
    pgtable_destroy(&pt, NULL);
}

// --- no-access pages ---

// --- reprotect: only the mapped leaves of a range, each as the callback decides ---

struct reprot_log {
    int calls, commits;
    uint64_t va[64], pa[64], size[64];
    unsigned old[64];
    unsigned give; // what the callback answers (PGT_COW is kept from `old`)
};

static unsigned reprot_cb(void *ctx, uint64_t va, uint64_t pa, uint64_t size, unsigned old, bool commit)
{
    struct reprot_log *l = ctx;
    if (commit) {
        if (l->commits < 64) {
            l->va[l->commits] = va, l->pa[l->commits] = pa, l->size[l->commits] = size, l->old[l->commits] = old;
        }
        l->commits++;
    }
    l->calls++;
    return l->give | (old & PGT_COW);
}

TEST(reprotect_visits_only_mapped_leaves)
{
    struct pgtable pt;
    const unsigned ro = PGT_READ | PGT_USER, rw = ro | PGT_WRITE, rx = ro | PGT_EXEC;
    new_table(&pt, true, 5);
    // a page at the bottom, a 2 MiB block, a COW page 700 GiB up, and a page near the top of the half
    ASSERT_EQ(pgtable_map(&pt, 0x10000, 0x20000, KB4, rw), 0);
    ASSERT_EQ(pgtable_map(&pt, 0x40000000, 0x60000000, MB2, rw), 0);
    ASSERT_EQ(pgtable_map(&pt, 700 * GB1, 0x30000, KB4, ro | PGT_COW), 0);
    ASSERT_EQ(pgtable_map(&pt, PGT_USER_VA_TOP - KB4, 0x40000, KB4, rw), 0);
    struct reprot_log l = {.give = ro};
    ntlbi = 0;
    // the whole 256 TiB half: four leaves, each asked once to check and once to commit, in address order
    ASSERT_EQ(pgtable_reprotect(&pt, 0, PGT_USER_VA_TOP, reprot_cb, &l), 0);
    EXPECT_EQ(l.calls, 8);
    ASSERT_EQ(l.commits, 4);
    EXPECT_EQ(l.va[0], 0x10000);
    EXPECT_EQ(l.pa[0], 0x20000);
    EXPECT_EQ(l.size[0], KB4);
    EXPECT_EQ(l.old[0], rw);
    EXPECT_EQ(l.va[1], 0x40000000);
    EXPECT_EQ(l.size[1], MB2);
    EXPECT_EQ(l.va[2], 700 * GB1);
    EXPECT_EQ(l.old[2], ro | PGT_COW);
    EXPECT_EQ(l.va[3], PGT_USER_VA_TOP - KB4);
    EXPECT_EQ(ntlbi, 3); // the COW page was already read-only: unchanged, not invalidated
    unsigned prot = 0;
    EXPECT_EQ(pgtable_lookup(&pt, 0x40000000 + 5 * KB4, NULL, &prot, NULL), 0);
    EXPECT_EQ(prot, ro);
    EXPECT_EQ(bsize(&pt, 0x40000000), MB2); // a whole block stays a block
    EXPECT_EQ(pgtable_lookup(&pt, 700 * GB1, NULL, &prot, NULL), 0);
    EXPECT_EQ(prot, ro | PGT_COW);

    // a range that starts and ends inside holes and covers one page only
    l = (struct reprot_log){.give = rx};
    ASSERT_EQ(pgtable_reprotect(&pt, 0x8000, 0x40000000 - 0x8000, reprot_cb, &l), 0);
    ASSERT_EQ(l.commits, 1);
    EXPECT_EQ(l.va[0], 0x10000);
    EXPECT_EQ(pgtable_lookup(&pt, 0x10000, NULL, &prot, NULL), 0);
    EXPECT_EQ(prot, rx);
    // nothing mapped in range: no call at all
    l = (struct reprot_log){.give = rw};
    ASSERT_EQ(pgtable_reprotect(&pt, 2 * GB1, 600 * GB1, reprot_cb, &l), 0);
    EXPECT_EQ(l.calls, 0);

    // refusals change nothing and commit nothing: a block the range cuts, a W+X answer, bad ranges
    struct snap *s = snap_take();
    int t0 = ntlbi;
    l = (struct reprot_log){.give = rw};
    EXPECT_EQ(pgtable_reprotect(&pt, 0x40000000 + KB4, KB4, reprot_cb, &l), -E_INVAL);
    EXPECT_EQ(pgtable_reprotect(&pt, 0x3ff00000, MB2, reprot_cb, &l), -E_INVAL);
    l.give = rw | PGT_EXEC;
    EXPECT_EQ(pgtable_reprotect(&pt, 0, GB1 * 2, reprot_cb, &l), -E_INVAL);
    EXPECT_EQ(l.commits, 0);
    EXPECT_EQ(pgtable_reprotect(&pt, 0x10000, 0x800, reprot_cb, &l), -E_INVAL);
    EXPECT_EQ(pgtable_reprotect(&pt, 0x10000, KB4, NULL, &l), -E_INVAL);
    EXPECT_EQ(pgtable_reprotect(&pt, PGT_USER_VA_TOP - KB4, 2 * KB4, reprot_cb, &l), -E_INVAL);
    EXPECT_TRUE(snap_same(s));
    EXPECT_EQ(ntlbi, t0);
    snap_free(s);
    EXPECT_TRUE(tree_ok(&pt));
    pgtable_destroy(&pt, NULL);
}

TEST(no_access_pages)
{
    struct pgtable pt;
    const unsigned none = PGT_USER, rw = PGT_READ | PGT_WRITE | PGT_USER;
    new_table(&pt, true, 12);
    ASSERT_EQ(pgtable_map(&pt, 0x10000, 0x20000, 2 * KB4, rw), 0);
    ASSERT_EQ(pgtable_map(&pt, 0x40000000, 0x60000000, MB2, rw), 0);
    int level;
    // rw -> none: permissions only, so in place; the page keeps its output address
    ntlbi = 0;
    ASSERT_EQ(pgtable_protect(&pt, 0x10000, KB4, none), 0);
    ASSERT_EQ(ntlbi, 1);
    EXPECT_TRUE(tlbis[0].valid_then);
    EXPECT_EQ(twalk(&pt, 0x10000, &level), D_AF | D_SH_IS | D_AP(2) | D_UXN | D_PXN | D_NG | 0x20000 | D_PAGE);
    unsigned prot = 0;
    uint64_t pa = 0, bs = 0;
    EXPECT_EQ(pgtable_lookup(&pt, 0x10010, &pa, &prot, &bs), 0);
    EXPECT_EQ(pa, 0x20010);
    EXPECT_EQ(prot, none);
    // a whole block stays a block
    ASSERT_EQ(pgtable_protect(&pt, 0x40000000, MB2, none | PGT_COW), 0);
    EXPECT_EQ(pgtable_lookup(&pt, 0x40000000 + 5 * KB4, &pa, &prot, &bs), 0);
    EXPECT_EQ(prot, none | PGT_COW);
    EXPECT_EQ(bs, MB2);
    EXPECT_EQ(pa, 0x60000000 + 5 * KB4);
    // and back: everything as it was
    ASSERT_EQ(pgtable_protect(&pt, 0x10000, KB4, rw), 0);
    ASSERT_EQ(pgtable_protect(&pt, 0x40000000, MB2, rw), 0);
    EXPECT_EQ(twalk(&pt, 0x10000, &level), D_AF | D_SH_IS | D_AP(1) | D_UXN | D_PXN | D_NG | 0x20000 | D_PAGE);
    EXPECT_EQ(twalk(&pt, 0x40000000, &level), D_AF | D_SH_IS | D_AP(1) | D_UXN | D_PXN | D_NG | 0x60000000 | D_BLOCK);
    // unmap and destroy report no-access pages like any other
    ASSERT_EQ(pgtable_map(&pt, 0x80000000, 0x30000, KB4, none), 0);
    nfreed = 0;
    ASSERT_EQ(pgtable_unmap(&pt, 0x80000000, KB4, on_freed), 0);
    EXPECT_EQ(nfreed, 1);
    EXPECT_EQ(freed[0].pa, 0x30000);
    EXPECT_TRUE(tree_ok(&pt));
    pgtable_destroy(&pt, NULL);
}

// --- split: a leaf boundary at an address, every translation kept ---

// Every page of [va, va+size) translates to pa + offset with prot (via the library's lookup and the test's walk).
static bool same_translation(const struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned prot)
{
    for (uint64_t off = 0; off < size; off += KB4) {
        uint64_t got = 0;
        unsigned p = 0;
        if (!EXPECT_EQ(pgtable_lookup(pt, va + off + 0x18, &got, &p, NULL), 0) || !EXPECT_EQ(got, pa + off + 0x18) ||
            !EXPECT_EQ(p, prot) ||
            !EXPECT_EQ(twalk(pt, va + off, NULL) & D_OA, (pa + off) & ~(bsize(pt, va + off) - 1)))
            return false;
    }
    return true;
}

static int op_split_1g_page(struct pgtable *pt)
{
    return pgtable_split(pt, 3 * GB1 + 5 * MB2 + 9 * KB4);
}

TEST(split)
{
    struct pgtable pt;
    const unsigned rw = PGT_READ | PGT_WRITE | PGT_USER;
    const uint64_t va = 0x7f0000000000 + 5 * MB2, pa = 0x90000000;
    new_table(&pt, true, 21);
    ASSERT_EQ(pgtable_map(&pt, va, pa, MB2, rw), 0);
    EXPECT_EQ(bsize(&pt, va), MB2);

    // at the block's start, or in a hole: nothing to do, nothing allocated, written or invalidated
    struct snap *s = snap_take();
    ntlbi = 0;
    alloc_calls = 0;
    EXPECT_EQ(pgtable_split(&pt, va), 0);
    EXPECT_EQ(pgtable_split(&pt, va + MB2), 0);
    EXPECT_EQ(pgtable_split(&pt, va + 7 * MB2 + 3 * KB4), 0);
    EXPECT_EQ(pgtable_split(&pt, 0x1000), 0);
    EXPECT_TRUE(snap_same(s));
    EXPECT_EQ(ntlbi, 0);
    EXPECT_EQ(alloc_calls, 0);
    snap_free(s);

    // inside: 512 pages with the block's translation and attributes; break-before-make on the block
    int live0 = live;
    nfreed = 0;
    ASSERT_EQ(pgtable_split(&pt, va + 77 * KB4), 0);
    EXPECT_EQ(live, live0 + 1);
    EXPECT_EQ(nfreed, 0);
    ASSERT_EQ(ntlbi, 1);
    EXPECT_EQ(tlbis[0].va, va);
    EXPECT_TRUE(tlbis[0].last);
    EXPECT_FALSE(tlbis[0].valid_then);
    EXPECT_EQ(bsize(&pt, va + 77 * KB4), KB4);
    EXPECT_EQ(bsize(&pt, va), KB4);
    EXPECT_TRUE(same_translation(&pt, va, pa, MB2, rw));
    // a second split there: already a boundary
    EXPECT_EQ(pgtable_split(&pt, va + 78 * KB4), 0);
    EXPECT_EQ(live, live0 + 1);
    EXPECT_EQ(ntlbi, 1);
    // now unmapping one page needs no table: it succeeds even with allocation failing
    fail_at = 0;
    alloc_calls = 0;
    EXPECT_EQ(pgtable_unmap(&pt, va + 77 * KB4, KB4, on_freed), 0);
    fail_at = -1;
    EXPECT_EQ(nfreed, 1);

    // a 1 GiB block: at a 2 MiB boundary one table (2 MiB blocks), inside a 2 MiB block two (down to pages)
    ASSERT_EQ(pgtable_map(&pt, 2 * GB1, 4 * GB1, GB1, PGT_READ | PGT_USER | PGT_COW), 0);
    live0 = live;
    ASSERT_EQ(pgtable_split(&pt, 2 * GB1 + 9 * MB2), 0);
    EXPECT_EQ(live, live0 + 1);
    EXPECT_EQ(bsize(&pt, 2 * GB1 + 8 * MB2), MB2);
    EXPECT_EQ(bsize(&pt, 2 * GB1 + 9 * MB2), MB2);
    ASSERT_EQ(pgtable_split(&pt, 2 * GB1 + 9 * MB2 + 5 * KB4), 0);
    EXPECT_EQ(live, live0 + 2);
    EXPECT_EQ(bsize(&pt, 2 * GB1 + 9 * MB2 + 4 * KB4), KB4);
    EXPECT_EQ(bsize(&pt, 2 * GB1 + 10 * MB2), MB2);
    EXPECT_TRUE(same_translation(&pt, 2 * GB1 + 8 * MB2, 4 * GB1 + 8 * MB2, 3 * MB2, PGT_READ | PGT_USER | PGT_COW));
    EXPECT_TRUE(tree_ok(&pt));

    // out of memory at every allocation: -E_NOMEM, nothing changed; then both tables
    ASSERT_EQ(pgtable_map(&pt, 3 * GB1, 0x40000000, GB1, rw), 0);
    EXPECT_EQ(fail_every_point(&pt, op_split_1g_page), 2);
    EXPECT_TRUE(same_translation(&pt, 3 * GB1 + 4 * MB2, 0x40000000 + 4 * MB2, 3 * MB2, rw));
    EXPECT_EQ(bsize(&pt, 3 * GB1 + 5 * MB2 + 9 * KB4), KB4);
    EXPECT_TRUE(tree_ok(&pt));
    pgtable_destroy(&pt, NULL);
    EXPECT_EQ(live, 0);
}

// --- replace: a leaf's output address and permissions swapped in place, no allocation ---

TEST(replace)
{
    struct pgtable pt;
    const unsigned ro_cow = PGT_READ | PGT_USER | PGT_COW, rw = PGT_READ | PGT_WRITE | PGT_USER;
    new_table(&pt, true, 33);
    // the only page in its L3 table: unmap + map would free and need that table again
    ASSERT_EQ(pgtable_map(&pt, 0x5000, 0x70000, KB4, ro_cow), 0);
    ASSERT_EQ(pgtable_map(&pt, 0x6000, 0x71000, KB4, ro_cow), 0);
    int live0 = live;
    ntlbi = 0;
    fail_at = 0; // any allocation would fail
    alloc_calls = 0;
    uint64_t old = 0;
    EXPECT_EQ(pgtable_replace(&pt, 0x5000, 0x99000, rw, &old), 0);
    fail_at = -1;
    EXPECT_EQ(alloc_calls, 0);
    EXPECT_EQ(live, live0);
    EXPECT_EQ(old, 0x70000);
    int level;
    EXPECT_EQ(twalk(&pt, 0x5000, &level), D_AF | D_SH_IS | D_AP(1) | D_UXN | D_PXN | D_NG | 0x99000 | D_PAGE);
    EXPECT_EQ(level, 3);
    // a new output address: break-before-make (the entry was invalid when invalidated)
    ASSERT_EQ(ntlbi, 1);
    EXPECT_EQ(tlbis[0].va, 0x5000);
    EXPECT_EQ(tlbis[0].asid, 33);
    EXPECT_TRUE(tlbis[0].last);
    EXPECT_FALSE(tlbis[0].valid_then);
    // the neighbour is untouched
    EXPECT_TRUE(same_translation(&pt, 0x6000, 0x71000, KB4, ro_cow));
    // same address, permissions only: in place
    EXPECT_EQ(pgtable_replace(&pt, 0x6000, 0x71000, rw, NULL), 0);
    ASSERT_EQ(ntlbi, 2);
    EXPECT_TRUE(tlbis[1].valid_then);
    EXPECT_TRUE(same_translation(&pt, 0x6000, 0x71000, KB4, rw));
    // identical: nothing to do
    EXPECT_EQ(pgtable_replace(&pt, 0x6000, 0x71000, rw, NULL), 0);
    EXPECT_EQ(ntlbi, 2);

    // a 2 MiB block: replaced whole, with a 2 MiB-aligned address; anything else is refused, nothing changed
    ASSERT_EQ(pgtable_map(&pt, 0x40000000, 0x60000000, MB2, rw), 0);
    struct snap *s = snap_take();
    int t0 = ntlbi;
    EXPECT_EQ(pgtable_replace(&pt, 0x40000000 + KB4, 0x80000000, rw, NULL), -E_INVAL); // not the block's start
    EXPECT_EQ(pgtable_replace(&pt, 0x40000000, 0x80001000, rw, NULL), -E_INVAL);       // pa not aligned to 2 MiB
    EXPECT_EQ(pgtable_replace(&pt, 0x40000000 + MB2, 0x80000000, rw, NULL), -E_NOENT);
    EXPECT_EQ(pgtable_replace(&pt, 0x40000000, 0x80000000, PGT_READ, NULL), -E_INVAL); // no USER in a user table
    EXPECT_TRUE(snap_same(s));
    EXPECT_EQ(ntlbi, t0);
    snap_free(s);
    EXPECT_EQ(pgtable_replace(&pt, 0x40000000, 0x80000000, PGT_USER, &old), 0);
    EXPECT_EQ(old, 0x60000000);
    EXPECT_EQ(bsize(&pt, 0x40000000), MB2);
    EXPECT_TRUE(same_translation(&pt, 0x40000000, 0x80000000, MB2, PGT_USER));
    EXPECT_TRUE(tree_ok(&pt));
    pgtable_destroy(&pt, NULL);
}

// --- unmapped: is anything in a range mapped? ---

TEST(unmapped)
{
    struct pgtable pt;
    const unsigned u = PGT_READ | PGT_USER;
    new_table(&pt, true, 1);
    EXPECT_EQ(pgtable_unmapped(&pt, 0, PGT_USER_VA_TOP), 1);
    ASSERT_EQ(pgtable_map(&pt, GB1 + 3 * MB2 + 7 * KB4, 0x5000, KB4, u), 0);
    ASSERT_EQ(pgtable_map(&pt, 4 * GB1, 0, MB2, u), 0);
    EXPECT_EQ(pgtable_unmapped(&pt, GB1 + 3 * MB2, MB2), 0);
    EXPECT_EQ(pgtable_unmapped(&pt, GB1 + 3 * MB2, 7 * KB4), 1);             // the same L3 table, before the page
    EXPECT_EQ(pgtable_unmapped(&pt, GB1 + 3 * MB2 + 8 * KB4, 100 * KB4), 1); // and after it
    EXPECT_EQ(pgtable_unmapped(&pt, GB1 + 3 * MB2 + 7 * KB4, KB4), 0);
    EXPECT_EQ(pgtable_unmapped(&pt, GB1 + 2 * MB2, MB2), 1);
    EXPECT_EQ(pgtable_unmapped(&pt, GB1 + 4 * MB2, 2 * GB1), 1);
    EXPECT_EQ(pgtable_unmapped(&pt, 0, 2 * GB1), 0);
    EXPECT_EQ(pgtable_unmapped(&pt, 4 * GB1 + MB2 - KB4, KB4), 0); // the last page of the block
    EXPECT_EQ(pgtable_unmapped(&pt, 4 * GB1 + MB2, GB1), 1);
    EXPECT_EQ(pgtable_unmapped(&pt, 4 * GB1 - KB4, KB4), 1);
    pgtable_destroy(&pt, NULL);
}

// --- fork ---

// The cow question of the tests: copy-on-write everywhere but [fork_share_lo, fork_share_hi), shared there. Every
// question is recorded, so the tests can see that the answer for a block covers all of it.
static uint64_t fork_share_lo, fork_share_hi;
static int cow_questions;

static bool t_cow(void *ctx, uint64_t va)
{
    (void)ctx;
    cow_questions++;
    return !(va >= fork_share_lo && va < fork_share_hi);
}

// shared() reports go to the freed recorder: fail_every_point then also checks that a failed fork reports none.
static const struct pgtable_fork_ops fork_ops = {t_cow, on_freed, NULL};

// Both trees well formed, holding every allocated table between them.
static bool trees_ok(const struct pgtable *a, const struct pgtable *b)
{
    int na = count_tables(a->root_pa, 0, a->root_groups), nb = count_tables(b->root_pa, 0, b->root_groups);
    if (na < 0 || nb < 0 || na + nb != live)
        fprintf(stderr, "reachable tables %d + %d, live %d\n", na, nb, live);
    return na >= 0 && nb >= 0 && na + nb == live;
}

// What a page of the parent is after the fork, in both tables: its old mapping, read-only and marked if cow.
static unsigned forked_prot(unsigned prot, bool cow)
{
    return cow ? (prot & ~PGT_WRITE) | PGT_COW : prot;
}

// va translates the same in parent and child, with `prot` and leaf size `size` in both.
static bool same_in_both(const struct pgtable *parent, const struct pgtable *child, uint64_t va, unsigned prot,
                         uint64_t size)
{
    uint64_t pa1 = 0, pa2 = 1, s1 = 0, s2 = 0;
    unsigned p1 = 0, p2 = 0;
    return EXPECT_EQ(pgtable_lookup(parent, va, &pa1, &p1, &s1), 0) &&
           EXPECT_EQ(pgtable_lookup(child, va, &pa2, &p2, &s2), 0) && EXPECT_EQ(pa1, pa2) && EXPECT_EQ(p1, prot) &&
           EXPECT_EQ(p2, prot) && EXPECT_EQ(s1, size) && EXPECT_EQ(s2, size);
}

static struct pgtable fork_child;

static int op_fork(struct pgtable *pt)
{
    return pgtable_fork(&fork_child, pt, &fork_ops);
}

// A parent with a bit of everything: pages, a page already copy-on-write, a no-access page, a 2 MiB block and a
// 1 GiB block to be made copy-on-write (split), a 2 MiB block and pages to be shared, a page under the last L0 entry.
// --- fixed slots (the kernel stack area) ---

TEST(fixed_slots)
{
    struct pgtable pt;
    const unsigned rw = PGT_READ | PGT_WRITE | PGT_GLOBAL;
    const uint64_t area = 0xffffff8000000000ULL;
    new_table(&pt, false, 0);

    // Reserving 4 MiB makes L1, L2 and two L3 tables, once.
    ASSERT_EQ(pgtable_fixed_reserve(&pt, area, 2 * MB2), 0);
    EXPECT_EQ(live, 5);
    EXPECT_EQ(pgtable_fixed_reserve(&pt, area, 2 * MB2), 0);
    EXPECT_EQ(live, 5);
    long calls = alloc_calls;

    // Pages set in place: the right descriptors, found by lookup, summaries kept, nothing allocated.
    ASSERT_EQ(pgtable_fixed_set(&pt, area + 0x4000, 0x40000000, 4, rw), 0);
    ASSERT_EQ(pgtable_fixed_set(&pt, area + MB2 + 0x1fc000, 0x40010000, 4, rw), 0);
    EXPECT_EQ(alloc_calls, calls);
    EXPECT_TRUE(tree_ok(&pt));
    for (int i = 0; i < 4; i++) {
        uint64_t pa = 0;
        int level = -1;
        EXPECT_EQ(twalk(&pt, area + 0x4000 + i * KB4, &level) & D_OA, 0x40000000 + i * KB4);
        EXPECT_EQ(level, 3);
        EXPECT_EQ(pgtable_lookup(&pt, area + 0x4000 + i * KB4 + 8, &pa, NULL, NULL), 0);
        EXPECT_EQ(pa, 0x40000000 + i * KB4 + 8);
    }
    EXPECT_EQ(twalk(&pt, area + 0x3000, NULL), 0); // the guard below stays unmapped
    EXPECT_EQ(pgtable_mapped_pages(&pt), 8);

    // Refusals change nothing: a mapped page, a range across two L3 tables, outside the reserve, bad prot.
    struct snap *before = snap_take();
    EXPECT_EQ(pgtable_fixed_set(&pt, area + 0x2000, 0x50000000, 4, rw), -E_EXIST);
    EXPECT_EQ(pgtable_fixed_set(&pt, area + MB2 - 0x2000, 0x50000000, 4, rw), -E_INVAL);
    EXPECT_EQ(pgtable_fixed_set(&pt, area + 2 * MB2, 0x50000000, 1, rw), -E_INVAL);
    EXPECT_EQ(pgtable_fixed_set(&pt, area + 0x10000, 0x50000000, 1, PGT_READ | PGT_WRITE | PGT_EXEC), -E_INVAL);
    EXPECT_EQ(pgtable_fixed_set(&pt, area + 0x10000, 0x50000000, 0, rw), -E_INVAL);
    EXPECT_EQ(pgtable_fixed_clear(&pt, area + 2 * MB2, 1), -E_INVAL);
    EXPECT_TRUE(snap_same(before));
    snap_free(before);

    // Clearing invalidates each page (last level) and keeps every table, even one left empty.
    int t0 = ntlbi;
    free_must_be_empty = true;
    ASSERT_EQ(pgtable_fixed_clear(&pt, area + 0x4000, 4), 0);
    EXPECT_EQ(ntlbi - t0, 4);
    for (int i = t0; i < ntlbi; i++)
        EXPECT_TRUE(tlbis[i].last && !tlbis[i].valid_then && tlbis[i].va == area + 0x4000 + (uint64_t)(i - t0) * KB4);
    EXPECT_EQ(live, 5);
    EXPECT_EQ(twalk(&pt, area + 0x4000, NULL), 0);
    EXPECT_EQ(pgtable_mapped_pages(&pt), 4);
    ASSERT_EQ(pgtable_fixed_set(&pt, area + 0x4000, 0x60000000, 4, rw), 0); // the slot again, other memory
    EXPECT_EQ(twalk(&pt, area + 0x4000, NULL) & D_OA, 0x60000000);

    // Kernel tables only; a failed allocation is -E_NOMEM.
    struct pgtable user;
    new_table(&user, true, 1);
    EXPECT_EQ(pgtable_fixed_reserve(&user, 0x1000, KB4), -E_INVAL);
    new_table(&pt, false, 0);
    fail_at = alloc_calls + 2;
    EXPECT_EQ(pgtable_fixed_reserve(&pt, area, MB2), -E_NOMEM);
    fail_at = -1;
    EXPECT_EQ(pgtable_fixed_reserve(&pt, area, MB2), 0);
    EXPECT_EQ(live, 4);
}

static void fork_parent(struct pgtable *pt)
{
    const unsigned rw = PGT_READ | PGT_WRITE | PGT_USER, rx = PGT_READ | PGT_EXEC | PGT_USER;
    new_table(pt, true, 5);
    ASSERT_EQ(pgtable_map(pt, 0x400000, 0x10000000, 3 * KB4, rx), 0);
    ASSERT_EQ(pgtable_map(pt, 0x403000, 0x10003000, KB4, PGT_READ | PGT_USER | PGT_COW), 0);
    ASSERT_EQ(pgtable_map(pt, 0x404000, 0x10004000, KB4, PGT_USER), 0);
    ASSERT_EQ(pgtable_map(pt, 0x600000, 0x10200000, 2 * KB4, rw), 0);
    ASSERT_EQ(pgtable_map(pt, GB1, 0x20000000, MB2, rw), 0);               // cow block
    ASSERT_EQ(pgtable_map(pt, 2 * GB1, 0x20200000, MB2, rw), 0);           // shared block
    ASSERT_EQ(pgtable_map(pt, 2 * GB1 + MB2, 0x30000000, 2 * KB4, rw), 0); // shared pages
    ASSERT_EQ(pgtable_map(pt, 2 * GB1 + 2 * MB2, 0x30002000, KB4, PGT_USER), 0);
    ASSERT_EQ(pgtable_map(pt, 4 * GB1, 3 * GB1, GB1, rw), 0);              // cow 1 GiB block
    ASSERT_EQ(pgtable_map(pt, 0xfffffffff000ULL, 0x10005000, KB4, rw), 0); // L0 entry 511
    fork_share_lo = 2 * GB1;
    fork_share_hi = 3 * GB1;
}

TEST(fork_copies_and_shares)
{
    const unsigned rw = PGT_READ | PGT_WRITE | PGT_USER, rx = PGT_READ | PGT_EXEC | PGT_USER;
    struct pgtable parent, child;
    fork_parent(&parent);
    ASSERT_EQ(pgtable_create(&child, &ops, 6, true), 0);
    uint64_t pages = pgtable_mapped_pages(&parent);
    int live0 = live, parent_tables = count_tables(parent.root_pa, 0, parent.root_groups);
    nfreed = 0;
    ntlbi = 0;
    cow_questions = 0;

    ASSERT_EQ(pgtable_fork(&child, &parent, &fork_ops), 0);
    // the child mirrors the parent's tables; the two cow blocks were split in both: 2 x (1 + (1 + 512)) tables
    EXPECT_EQ(live - live0, (parent_tables - 1) + 2 * (1 + 1 + 512));
    EXPECT_TRUE(trees_ok(&parent, &child));
    EXPECT_EQ(pgtable_mapped_pages(&child), pages);
    EXPECT_EQ(pgtable_mapped_pages(&parent), pages);

    // translations: same page in both; cow ones read-only and marked, shared ones as they were, blocks kept
    EXPECT_TRUE(same_in_both(&parent, &child, 0x401000, forked_prot(rx, true), KB4));
    EXPECT_TRUE(same_in_both(&parent, &child, 0x403000, PGT_READ | PGT_USER | PGT_COW, KB4));
    EXPECT_TRUE(same_in_both(&parent, &child, 0x404000, PGT_USER | PGT_COW, KB4));
    EXPECT_TRUE(same_in_both(&parent, &child, 0x601000, forked_prot(rw, true), KB4));
    EXPECT_TRUE(same_in_both(&parent, &child, GB1 + 0x5000, forked_prot(rw, true), KB4));
    EXPECT_TRUE(same_in_both(&parent, &child, 2 * GB1 + 0x5000, rw, MB2));
    EXPECT_TRUE(same_in_both(&parent, &child, 2 * GB1 + MB2 + KB4, rw, KB4));
    EXPECT_TRUE(same_in_both(&parent, &child, 2 * GB1 + 2 * MB2, PGT_USER, KB4));
    EXPECT_TRUE(same_in_both(&parent, &child, 4 * GB1 + 77 * MB2 + 0x3000, forked_prot(rw, true), KB4));
    EXPECT_TRUE(same_in_both(&parent, &child, 0xfffffffff000ULL, forked_prot(rw, true), KB4));
    EXPECT_EQ(pgtable_lookup(&child, 0x405000, NULL, NULL, NULL), -E_NOENT);
    EXPECT_EQ(pgtable_lookup(&child, GB1 + MB2, NULL, NULL, NULL), -E_NOENT);

    // every leaf of the child reported once, as a page, but the shared block whole
    EXPECT_EQ(freed_bytes(), pages * KB4);
    int blocks = 0;
    for (int i = 0; i < nfreed; i++)
        blocks += freed[i].size != KB4;
    EXPECT_EQ(blocks, 1);
    // asked about: the 11 pages and the shared block while copying, the two cow blocks once as a whole (never
    // their pages), and the three blocks while counting the tables needed
    EXPECT_EQ(cow_questions, 11 + 1 + 2 + 3);

    // invalidations: the parent's ASID, one per parent entry that changed (a split block, or a page that became
    // copy-on-write); no shared page and not the page that was copy-on-write already
    int pages_changed = 3 + 1 + 2 + 512 + 512 * 512 + 1, splits = 1 + 1 + 512;
    EXPECT_EQ(ntlbi, pages_changed + splits);
    for (int i = 0; i < ntlbi; i++) {
        if (!EXPECT_EQ(tlbis[i].asid, 5) || !EXPECT_TRUE(tlbis[i].last) ||
            !EXPECT_TRUE(tlbis[i].va < 2 * GB1 || tlbis[i].va >= 3 * GB1) || !EXPECT_TRUE(tlbis[i].va != 0x403000))
            break;
    }

    // both go their own way: unmapping in the child leaves the parent alone, and destroying reports every page
    nfreed = 0;
    ASSERT_EQ(pgtable_unmap(&child, 0x400000, 2 * KB4, on_freed), 0);
    EXPECT_TRUE(same_in_both(&parent, &parent, 0x400000, forked_prot(rx, true), KB4));
    nfreed = 0;
    pgtable_destroy(&child, on_freed);
    EXPECT_EQ(freed_bytes(), (pages - 2) * KB4);
    EXPECT_TRUE(tree_ok(&parent));
    pgtable_destroy(&parent, NULL);
    EXPECT_EQ(live, 0);
}

TEST(fork_refuses_bad_arguments)
{
    struct pgtable parent, kernel;
    new_table(&parent, true, 1);
    ASSERT_EQ(pgtable_create(&fork_child, &ops, 2, true), 0);
    ASSERT_EQ(pgtable_create(&kernel, &ops, 0, false), 0);
    struct pgtable_fork_ops no_cow = {NULL, on_freed, NULL}, no_shared = {t_cow, NULL, NULL};
    struct pgtable gone = parent;
    gone.root_pa = 0;
    EXPECT_EQ(pgtable_fork(NULL, &parent, &fork_ops), -E_INVAL);
    EXPECT_EQ(pgtable_fork(&fork_child, NULL, &fork_ops), -E_INVAL);
    EXPECT_EQ(pgtable_fork(&parent, &parent, &fork_ops), -E_INVAL);
    EXPECT_EQ(pgtable_fork(&fork_child, &gone, &fork_ops), -E_INVAL);
    EXPECT_EQ(pgtable_fork(&kernel, &parent, &fork_ops), -E_INVAL);
    EXPECT_EQ(pgtable_fork(&fork_child, &parent, NULL), -E_INVAL);
    EXPECT_EQ(pgtable_fork(&fork_child, &parent, &no_cow), -E_INVAL);
    EXPECT_EQ(pgtable_fork(&fork_child, &parent, &no_shared), -E_INVAL);
    // an empty parent: nothing to copy, nothing allocated
    int live0 = live;
    EXPECT_EQ(pgtable_fork(&fork_child, &parent, &fork_ops), 0);
    EXPECT_EQ(live, live0);
    pgtable_destroy(&kernel, NULL);
    pgtable_destroy(&fork_child, NULL);
    pgtable_destroy(&parent, NULL);
    EXPECT_EQ(live, 0);
}

TEST(fork_nomem_at_every_point)
{
    // without the 1 GiB block (513 tables a side) the failure points stay few
    struct pgtable parent;
    fork_parent(&parent);
    ASSERT_EQ(pgtable_unmap(&parent, 4 * GB1, GB1, NULL), 0);
    ASSERT_EQ(pgtable_create(&fork_child, &ops, 6, true), 0);
    int parent_tables = count_tables(parent.root_pa, 0, parent.root_groups);
    nfreed = 0;
    // every failure changes neither table (byte for byte), reports nothing, invalidates nothing
    EXPECT_EQ(fail_every_point(&parent, op_fork), (parent_tables - 1) + 2);
    EXPECT_TRUE(trees_ok(&parent, &fork_child));
    EXPECT_EQ(pgtable_mapped_pages(&fork_child), pgtable_mapped_pages(&parent));
    EXPECT_TRUE(same_in_both(&parent, &fork_child, GB1 + 0x7000, PGT_READ | PGT_USER | PGT_COW, KB4));
    pgtable_destroy(&fork_child, NULL);
    pgtable_destroy(&parent, NULL);
    EXPECT_EQ(live, 0);
}

// --- a random sequence against a page-level shadow ---

#define WIN_BASE  (GB512 - 2 * GB1) // the window straddles an L0 boundary
#define WIN_SIZE  (4 * GB1)
#define WIN_PAGES (WIN_SIZE / KB4)
#define NOPS      6 // map, unmap, protect, split, replace, unmapped

struct shadow_page {
    uint64_t pa; // 0: unmapped (pa 0 is never used below)
    uint8_t prot;
};
static struct shadow_page *shadow;

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

// A random page count: mostly small, sometimes 2 MiB multiples, sometimes around 1 GiB.
static uint64_t rnd_pages(void)
{
    switch (rnd() % 10) {
    case 0: return 512 * (1 + rnd() % 4);
    case 1: return 512 * (1 + rnd() % 4) + rnd() % 3;
    case 2: return (rnd() % 50 == 0) ? 262144 + rnd() % 600 : 1 + rnd() % 1100;
    default: return 1 + rnd() % 40;
    }
}

// A random start page: sometimes 2 MiB or 1 GiB aligned, sometimes just before such a boundary.
static uint64_t rnd_start(uint64_t npages)
{
    uint64_t p = rnd() % WIN_PAGES;
    switch (rnd() % 6) {
    case 0: p &= ~511ULL; break;
    case 1: p &= ~262143ULL; break;
    case 2: p = (p & ~511ULL) - rnd() % 3; break;
    default: break;
    }
    if (p >= WIN_PAGES)
        p = 0;
    if (p + npages > WIN_PAGES)
        p = WIN_PAGES - npages;
    return p;
}

static unsigned rnd_prot(void)
{
    static const unsigned choices[] = {
        PGT_READ | PGT_USER,
        PGT_READ | PGT_WRITE | PGT_USER,
        PGT_READ | PGT_EXEC | PGT_USER,
        PGT_READ | PGT_USER | PGT_COW,
        PGT_READ | PGT_WRITE | PGT_USER | PGT_DEVICE,
        PGT_READ | PGT_WRITE | PGT_USER | PGT_NOCACHE,
        PGT_USER,
        PGT_USER | PGT_COW,
    };
    return choices[rnd() % 8];
}

static bool check_page(const struct pgtable *pt, uint64_t p)
{
    uint64_t pa = 0;
    unsigned prot = 0;
    int r = pgtable_lookup(pt, WIN_BASE + p * KB4 + 0x123, &pa, &prot, NULL);
    if (shadow[p].pa == 0)
        return EXPECT_EQ(r, -E_NOENT);
    return EXPECT_EQ(r, 0) && EXPECT_EQ(pa, shadow[p].pa + 0x123) && EXPECT_EQ(prot, shadow[p].prot);
}

static bool check_range_pages(const struct pgtable *pt, uint64_t p, uint64_t n)
{
    for (uint64_t i = p; i < p + n && i < WIN_PAGES; i++)
        if (!check_page(pt, i))
            return false;
    return true;
}

// A fork of the random table now and then: first with an allocation failure injected (nothing may change), then
// for real. The share range is a random 1 GiB-aligned stretch, so every leaf lies wholly inside or outside it and
// the shadow can say what each page becomes: cow pages read-only and marked in both, the rest as they were.
static int forks_failed, forks_cow, forks_shared; // outcomes seen, so the test knows it tried each

static void fork_against_shadow(struct pgtable *pt)
{
    struct pgtable child;
    ASSERT_EQ(pgtable_create(&child, &ops, 0x3fe, true), 0);
    fork_share_lo = WIN_BASE + GB1 * (rnd() % 4);
    fork_share_hi = fork_share_lo + GB1 * (rnd() % 3);
    uint64_t mapped = 0;
    for (uint64_t i = 0; i < WIN_PAGES; i++)
        mapped += shadow[i].pa != 0;

    struct snap *s = snap_take();
    nfreed = 0;
    ntlbi = 0;
    alloc_calls = 0;
    fail_at = (long)(rnd() % 8);
    int r = pgtable_fork(&child, pt, &fork_ops);
    fail_at = -1;
    if (r != 0) {
        forks_failed++;
        EXPECT_EQ(r, -E_NOMEM);
        EXPECT_TRUE(snap_same(s));
        EXPECT_EQ(nfreed + ntlbi, 0);
        r = pgtable_fork(&child, pt, &fork_ops);
    }
    snap_free(s);
    ASSERT_EQ(r, 0);
    EXPECT_EQ(freed_bytes(), mapped * KB4);
    EXPECT_TRUE(trees_ok(pt, &child));
    EXPECT_EQ(pgtable_mapped_pages(&child), mapped);
    for (uint64_t i = 0; i < WIN_PAGES; i++) {
        uint64_t va = WIN_BASE + i * KB4;
        bool cow = !(va >= fork_share_lo && va < fork_share_hi);
        if (shadow[i].pa != 0) {
            shadow[i].prot = (uint8_t)forked_prot(shadow[i].prot, cow);
            forks_cow += cow;
            forks_shared += !cow;
        }
    }
    // everything in both, the first few times (slow under the sanitizers), then the neighbourhood of random pages
    static int full_checks = 4;
    bool ok = full_checks-- <= 0 || (check_range_pages(pt, 0, WIN_PAGES) && check_range_pages(&child, 0, WIN_PAGES));
    for (int k = 0; ok && k < 64; k++) {
        uint64_t i = rnd() % WIN_PAGES;
        uint64_t s1 = 0, s2 = 0;
        if (shadow[i].pa != 0)
            ok = check_range_pages(pt, i, 64) && check_range_pages(&child, i, 64) &&
                 EXPECT_EQ(pgtable_lookup(pt, WIN_BASE + i * KB4, NULL, NULL, &s1), 0) &&
                 EXPECT_EQ(pgtable_lookup(&child, WIN_BASE + i * KB4, NULL, NULL, &s2), 0) && EXPECT_EQ(s1, s2);
    }
    free_must_be_empty = false;
    nfreed = 0;
    pgtable_destroy(&child, on_freed);
    free_must_be_empty = true;
    EXPECT_EQ(freed_bytes(), mapped * KB4);
    EXPECT_TRUE(tree_ok(pt));
}

TEST(random_against_shadow)
{
    struct pgtable pt;
    new_table(&pt, true, 0x3ff);
    shadow = calloc(WIN_PAGES, sizeof(*shadow));
    ASSERT_TRUE(shadow != NULL);
    free_must_be_empty = true;
    int counts[NOPS][4] = {{0}}; // op x {ok, exist/noent, nomem, other}

    for (int step = 0; step < 8000; step++) {
        if (step % 500 == 250)
            fork_against_shadow(&pt);
        uint64_t n = rnd_pages();
        uint64_t p = rnd_start(n);
        int op = (int)(rnd() % NOPS);
        if (op == 2 && rnd() % 4 != 0) {
            // protect mostly inside a mapped run, so that it succeeds and splits blocks
            for (int tries = 0; tries < 32 && shadow[p].pa == 0; tries++)
                p = rnd() % WIN_PAGES;
            uint64_t run = 0;
            while (p + run < WIN_PAGES && run < n && shadow[p + run].pa != 0)
                run++;
            if (run > 0)
                n = run;
        } else if (op == 3 && rnd() % 2 == 0) {
            // split mostly inside a block, so that it has work to do (and can run out of memory)
            for (int tries = 0; tries < 64; tries++) {
                uint64_t q = rnd() % WIN_PAGES, bs = bsize(&pt, WIN_BASE + q * KB4);
                if (bs > KB4) {
                    p = ((WIN_BASE + q * KB4) & ~(bs - 1)) / KB4 - WIN_BASE / KB4 + 1 + rnd() % (bs / KB4 - 1);
                    n = n < WIN_PAGES - p ? n : WIN_PAGES - p;
                    break;
                }
            }
        }
        uint64_t va = WIN_BASE + p * KB4;
        bool inject = rnd() % 8 == 0;
        alloc_calls = 0;
        fail_at = inject ? (long)(rnd() % 3) : -1;
        int t0 = ntlbi;
        nfreed = 0;

        bool any_mapped = false, all_mapped = true;
        uint64_t mapped_pages = 0;
        for (uint64_t i = p; i < p + n; i++) {
            any_mapped |= shadow[i].pa != 0;
            all_mapped &= shadow[i].pa != 0;
            mapped_pages += shadow[i].pa != 0;
        }

        int r;
        if (op == 0) {
            // pa: congruent with va modulo 1 GiB or 2 MiB sometimes, so blocks happen
            uint64_t pa;
            switch (rnd() % 3) {
            case 0: pa = (va & (GB1 - 1)) + GB1 * (1 + rnd() % 64); break;
            case 1: pa = (va & (MB2 - 1)) + MB2 * (1 + rnd() % 4096); break;
            default: pa = KB4 * (1 + rnd() % 0x1000000); break;
            }
            unsigned prot = rnd_prot();
            r = pgtable_map(&pt, va, pa, n * KB4, prot);
            if (any_mapped) {
                EXPECT_EQ(r, -E_EXIST);
            } else if (r == 0) {
                for (uint64_t i = 0; i < n; i++)
                    shadow[p + i] = (struct shadow_page){pa + i * KB4, (uint8_t)prot};
                // blocks exactly where aligned: sample pages
                for (int k = 0; k < 8; k++) {
                    uint64_t i = rnd() % n, a = va + i * KB4, want = KB4;
                    for (uint64_t b = GB1; b >= MB2; b >>= 9) {
                        uint64_t s = a & ~(b - 1);
                        if (((s - va + pa) & (b - 1)) == 0 && s >= va && s + b <= va + n * KB4) {
                            want = b;
                            break;
                        }
                    }
                    EXPECT_EQ(bsize(&pt, a), want);
                }
            } else {
                EXPECT_TRUE(inject);
                EXPECT_EQ(r, -E_NOMEM);
            }
            EXPECT_EQ(ntlbi, t0); // mapping never invalidates
        } else if (op == 1) {
            r = pgtable_unmap(&pt, va, n * KB4, on_freed);
            if (r == 0) {
                // the walk goes up the addresses, so the reported ranges, page by page, are exactly the PAs of the
                // mapped pages of the range in VA order
                uint64_t reported = 0;
                for (int i = 0; i < nfreed; i++)
                    reported += freed[i].size / KB4;
                EXPECT_EQ(reported, mapped_pages);
                int fi = 0;
                uint64_t fo = 0;
                for (uint64_t i = p; i < p + n && fi < nfreed; i++) {
                    if (shadow[i].pa == 0)
                        continue;
                    if (!EXPECT_EQ(freed[fi].pa + fo, shadow[i].pa))
                        break;
                    fo += KB4;
                    if (fo == freed[fi].size) {
                        fi++;
                        fo = 0;
                    }
                }
                for (uint64_t i = p; i < p + n; i++)
                    shadow[i].pa = 0;
                EXPECT_TRUE(ntlbi - t0 >= (int)(nfreed > 0));
            } else {
                EXPECT_TRUE(inject);
                EXPECT_EQ(r, -E_NOMEM);
                EXPECT_EQ(nfreed, 0);
            }
        } else if (op == 2) {
            unsigned prot = rnd_prot();
            r = pgtable_protect(&pt, va, n * KB4, prot);
            if (!all_mapped) {
                EXPECT_EQ(r, -E_NOENT);
            } else if (r == 0) {
                for (uint64_t i = p; i < p + n; i++)
                    shadow[i].prot = (uint8_t)prot;
            } else {
                EXPECT_TRUE(inject);
                EXPECT_EQ(r, -E_NOMEM);
            }
        } else if (op == 3) {
            // split at va: the shadow does not change; afterwards va starts a leaf (or is a hole)
            r = pgtable_split(&pt, va);
            if (r == 0) {
                uint64_t bs = bsize(&pt, va);
                EXPECT_EQ(va & (bs ? bs - 1 : 0), 0);
                EXPECT_EQ(bs == 0, shadow[p].pa == 0);
            } else {
                EXPECT_TRUE(inject);
                EXPECT_EQ(r, -E_NOMEM);
            }
            EXPECT_EQ(nfreed, 0);
        } else if (op == 4) {
            // replace the leaf at va where va starts one (a page, or a block given an aligned pa); never allocates
            uint64_t bs = bsize(&pt, va);
            uint64_t npa = (bs ? bs : KB4) * (1 + rnd() % 4096);
            unsigned prot = rnd_prot();
            r = pgtable_replace(&pt, va, npa, prot, NULL);
            if (bs == 0) {
                EXPECT_EQ(r, -E_NOENT);
            } else if ((va & (bs - 1)) != 0) {
                EXPECT_EQ(r, -E_INVAL);
            } else if (EXPECT_EQ(r, 0)) {
                for (uint64_t i = 0; i < bs / KB4; i++)
                    shadow[p + i] = (struct shadow_page){npa + i * KB4, (uint8_t)prot};
                if (bs / KB4 > n)
                    n = bs / KB4; // check all of it below
            }
            EXPECT_EQ(alloc_calls, 0);
            EXPECT_EQ(nfreed, 0);
        } else {
            // unmapped agrees with the shadow
            r = pgtable_unmapped(&pt, va, n * KB4);
            EXPECT_EQ(r, !any_mapped);
            r = 0;
        }
        fail_at = -1;
        counts[op][r == 0 ? 0 : r == -E_NOMEM ? 2 : (r == -E_EXIST || r == -E_NOENT) ? 1 : 3]++;
        for (int i = t0; i < ntlbi; i++)
            if (!EXPECT_EQ(tlbis[i].asid, 0x3ff) || !EXPECT_TRUE(tlbis[i].va >= WIN_BASE - GB1) ||
                !EXPECT_TRUE(tlbis[i].va < WIN_BASE + WIN_SIZE))
                break;
        ntlbi = 0;

        // the touched range and its neighbours, plus random pages; everything now and then
        bool ok = check_range_pages(&pt, p >= 2 ? p - 2 : 0, n + 4);
        for (int k = 0; ok && k < 16; k++)
            ok = check_page(&pt, rnd() % WIN_PAGES);
        if (ok && step % 1000 == 999)
            ok = check_range_pages(&pt, 0, WIN_PAGES) && EXPECT_TRUE(tree_ok(&pt));
        if (!ok) {
            fprintf(stderr, "random sequence diverged at step %d (op %d, va 0x%llx, %llu pages)\n", step, op,
                    (unsigned long long)va, (unsigned long long)n);
            break;
        }
    }
    EXPECT_TRUE(tree_ok(&pt));
    // every kind of outcome happened
    for (int op = 0; op < NOPS; op++) {
        EXPECT_TRUE(counts[op][0] > 100);
        EXPECT_TRUE(counts[op][2] > 0 || op == 1 || op >= 4);
        if (op != 4)
            EXPECT_EQ(counts[op][3], 0);
    }
    EXPECT_TRUE(counts[4][3] > 0); // replace inside a block: -E_INVAL
    EXPECT_TRUE(forks_failed > 0 && forks_cow > 0 && forks_shared > 0);
    EXPECT_TRUE(counts[0][1] > 0 && counts[2][1] > 0 && counts[4][1] > 0);

    // unmap everything: back to the root alone; all mapped pages reported
    uint64_t still = 0;
    for (uint64_t i = 0; i < WIN_PAGES; i++)
        still += shadow[i].pa != 0;
    nfreed = 0;
    ASSERT_EQ(pgtable_unmap(&pt, WIN_BASE, WIN_SIZE, on_freed), 0);
    EXPECT_EQ(freed_bytes(), still * KB4);
    EXPECT_EQ(live, 1);
    pgtable_destroy(&pt, NULL);
    EXPECT_EQ(live, 0);
    free(shadow);
}
