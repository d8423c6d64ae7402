/*
 * AArch64 stage-1 translation tables: building, changing and walking them in software (see pgtable.h for the
 * interface and its rules).
 *
 * Geometry with the 4 KiB granule and 48-bit VAs (DDI 0487 chapter D8, "Translation process"): each table is one 4 KiB
 * page of 512 eight-byte descriptors, and VA bits select one descriptor per level:
 *
 *     level  VA bits  one entry maps              can hold
 *       L0   47:39    512 GiB                     table
 *       L1   38:30    1 GiB                       table or 1 GiB block
 *       L2   29:21    2 MiB                       table or 2 MiB block
 *       L3   20:12    4 KiB                       page
 *
 * Every change is made in two passes over the same recursive walker (one call per translation level, so four deep at
 * most, whatever the range: tools/recursion.py lists its functions as bounded): a counting pass (`apply` false) that
 * reads the tables, detects every reason to refuse (-E_EXIST, -E_NOENT) and counts the tables the change needs, then,
 * once those tables are all allocated, the apply pass, which cannot fail. That is how a failed call changes nothing.
 * Where the counting pass descends into a table the apply pass would create, it has no table to read and walks a
 * NULL table instead: for pgtable_map that stands for a new, empty table; for unmap and protect, for a table made
 * by splitting a block, whose every entry is a valid leaf.
 *
 * Invariant: every table other than the root has at least one valid entry (unmap frees tables that become empty,
 * map never creates a table it does not fill). So a table entry always means "something is mapped below".
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wren/abi.h>

#include "arch/aarch64/pgtable.h"
#include "panic.h"

/*
 * ---- Descriptor fields (DDI 0487 D8.3 "Translation table descriptor formats", VMSAv8-64, 4 KiB granule) ----
 *
 * Bits 1:0 give the type. Bit 0 clear: invalid ("fault") descriptor, all other bits ignored by the hardware and
 * never cached in a TLB. At L0-L2, 0b11 is a table descriptor (bits 47:12 = next table's PA) and 0b01 a block
 * (only at L1 and L2 with this granule); at L3, 0b11 is a page and 0b01 is reserved (treated as invalid).
 */
#define DESC_VALID      (1ULL << 0) /* bit 0: valid */
#define DESC_TYPE_MASK  3ULL        /* bits 1:0 */
#define DESC_TYPE_BLOCK 1ULL        /* L1/L2 block */
#define DESC_TYPE_TABLE 3ULL        /* L0-L2 table (bit 1 set: "points to a table") */
#define DESC_TYPE_PAGE  3ULL        /* L3 page (bit 1 must be set at L3) */

/* Lower attributes of block and page descriptors (D8.3, and D8.4 "Memory access control" for AP and XN). */
#define DESC_ATTRINDX(i)   ((uint64_t)(i) << 2) /* bits 4:2: AttrIndx, which MAIR_EL1 byte gives the memory type */
#define DESC_ATTRINDX_MASK (7ULL << 2)
#define DESC_NS            (1ULL << 5)  /* bit 5: NS, Non-secure output address; only meaningful in Secure state: 0 */
#define DESC_AP_EL0        (1ULL << 6)  /* bit 6: AP[1]: EL0 may access (data); 0 = EL1 only */
#define DESC_AP_RO         (1ULL << 7)  /* bit 7: AP[2]: read-only at every EL; 0 = writable */
#define DESC_SH_INNER      (3ULL << 8)  /* bits 9:8: SH = 0b11 Inner Shareable (ignored for Device memory) */
#define DESC_AF            (1ULL << 10) /* bit 10: Access Flag; set, so there are no Access flag faults */
#define DESC_NG            (1ULL << 11) /* bit 11: not Global: the TLB entry is tagged with the current ASID */
/* bits 47:12: output address (a block's low bits 29:12 or 20:12 are RES0); bits 49:48 RES0 (52-bit PAs only) */
#define DESC_OA_MASK       0x0000fffffffff000ULL
/* bit 50: GP (BTI guarded page), bit 51: DBM (dirty bit modifier), bit 52: Contiguous hint: all left 0 */
#define DESC_PXN           (1ULL << 53) /* bit 53: PXN: EL1 may not execute */
#define DESC_UXN           (1ULL << 54) /* bit 54: UXN (XN): EL0 may not execute */
/* bits 58:55: reserved for software use, ignored by the hardware */
#define DESC_SW_COW        (1ULL << 55) /* PGT_COW */
/*
 * Upper attributes of table descriptors, bits 63:59 (NSTable, APTable[1:0], UXNTable, PXNTable), limit everything
 * below the table. Left 0: the leaf entries alone decide, so lookup and protect need look at nothing else.
 */

/*
 * Bits 58:51 of a table descriptor are IGNORED by the walker (D8.3): they hold the summary of the table below, one
 * bit per group of 64 entries, set when an entry of that group may be valid. Walks over a whole table (destroy,
 * fork, counting, the emptiness check) skip the groups whose bit is clear, so a sparse table costs a look at its few
 * occupied groups instead of 512 entries. The summary may over-report (unmap leaves bits of emptied groups set) but
 * never under-reports: every write of a valid entry into a table sets its group's bit in the parent's descriptor
 * (the root's summary is struct pgtable.root_groups).
 */
#define DESC_GROUPS_SHIFT 51
#define DESC_GROUPS_MASK  (0xffULL << DESC_GROUPS_SHIFT)
#define GROUP_ENTRIES     64
#define ALL_GROUPS        0xffu

/* Everything a split copies from a block to the entries that replace it: all but the type and the address. */
#define DESC_LEAF_ATTRS (~(DESC_OA_MASK | DESC_TYPE_MASK))
/* Bits that may change in a live entry without break-before-make (D8.16.1): permissions and software bits. */
#define DESC_PERM_BITS  (DESC_AP_EL0 | DESC_AP_RO | DESC_PXN | DESC_UXN | (0xfULL << 55))

#define ENTRIES   512
#define VA_MASK   (PGT_USER_VA_TOP - 1) /* the 48 bits a table translates */
#define PAGE_MASK (PGT_PAGE_SIZE - 1)

/* VA bits 47:39 index L0, 38:30 L1, 29:21 L2, 20:12 L3. */
static inline unsigned level_shift(int level)
{
    return 39 - 9 * (unsigned)level;
}

static inline uint64_t level_span(int level)
{
    return 1ULL << level_shift(level);
}

static inline unsigned level_index(uint64_t va, int level)
{
    return (unsigned)(va >> level_shift(level)) & (ENTRIES - 1);
}

static inline bool is_table(uint64_t d, int level)
{
    return level < 3 && (d & DESC_TYPE_MASK) == DESC_TYPE_TABLE;
}

/* The occupancy summary of the table a table descriptor points to. */
static inline unsigned desc_groups(uint64_t d)
{
    return (unsigned)((d & DESC_GROUPS_MASK) >> DESC_GROUPS_SHIFT);
}

static inline uint64_t table_desc(uint64_t pa, unsigned groups)
{
    return pa | ((uint64_t)groups << DESC_GROUPS_SHIFT) | DESC_TYPE_TABLE;
}

static inline uint64_t leaf_desc(int level, uint64_t pa, uint64_t attrs)
{
    return pa | attrs | (level == 3 ? DESC_TYPE_PAGE : DESC_TYPE_BLOCK);
}

/*
 * Descriptors are read and written with single 64-bit accesses the compiler may neither split, merge nor drop:
 * the hardware walker reads them concurrently, and a torn descriptor would be a wrong translation
 * (D8.3: descriptor reads by the walker are single-copy atomic 64-bit accesses).
 */
static inline uint64_t desc_read(const uint64_t *e)
{
    return *(const volatile uint64_t *)e;
}

static inline void desc_write(uint64_t *e, uint64_t d)
{
    *(volatile uint64_t *)e = d;
}

/*
 * Records in *sum that entry idx of its table is now valid. sum is the table's descriptor in its parent (a live one:
 * the summary bits are ignored by the walker, so they change in place) or a word holding the summary the same way.
 */
static inline void mark_valid(uint64_t *sum, unsigned idx)
{
    uint64_t bit = 1ULL << (DESC_GROUPS_SHIFT + idx / GROUP_ENTRIES);
    uint64_t s = desc_read(sum);
    if (!(s & bit))
        desc_write(sum, s | bit);
}

static inline uint64_t *table_at(const struct pgtable *pt, uint64_t pa)
{
    return (uint64_t *)pt->ops->phys_to_virt(pt->ops->ctx, pa);
}

/* The canonical address of a 48-bit table offset: the kernel half has bits 63:48 set. */
static inline uint64_t full_va(const struct pgtable *pt, uint64_t va)
{
    return pt->user ? va : va | PGT_KERNEL_VA;
}

static bool in_half(const struct pgtable *pt, uint64_t va)
{
    return pt->user ? va < PGT_USER_VA_TOP : va >= PGT_KERNEL_VA;
}

/* Checks a page-aligned, non-empty range of the table's half; gives it as 48-bit offsets [*start, *end). */
static int check_range(const struct pgtable *pt, uint64_t va, uint64_t size, uint64_t *start, uint64_t *end)
{
    if (pt == NULL || pt->root_pa == 0)
        return -E_INVAL;
    if (size == 0 || ((va | size) & PAGE_MASK) != 0 || !in_half(pt, va))
        return -E_INVAL;
    uint64_t off = va & VA_MASK;
    if (size > PGT_USER_VA_TOP - off) /* runs past 2^48 (user) or past 2^64 (kernel) */
        return -E_INVAL;
    *start = off;
    *end = off + size;
    return 0;
}

/*
 * PGT_* flags to leaf attribute bits. AP (D8.4): AP[1] grants EL0 the same data access as EL1, AP[2] makes the page
 * read-only for both; so a user page is AP = 01 (RW) or 11 (RO), a kernel page 00 (RW) or 10 (RO). Execute: the
 * kernel never runs user code (PXN on every user page) and EL0 never runs kernel code (UXN on every kernel page).
 */
static int encode_prot(const struct pgtable *pt, unsigned prot, uint64_t *attrs)
{
    bool none = pt->user && !(prot & (PGT_READ | PGT_WRITE | PGT_EXEC)); /* a reserved, inaccessible user page */

    if ((prot & ~PGT_ALL) != 0 || (!(prot & PGT_READ) && !none))
        return -E_INVAL;
    if ((prot & PGT_WRITE) && (prot & PGT_EXEC)) /* W^X */
        return -E_INVAL;
    if ((prot & PGT_DEVICE) && (prot & (PGT_EXEC | PGT_NOCACHE)))
        return -E_INVAL;
    if ((prot & PGT_COW) && (prot & PGT_WRITE))
        return -E_INVAL;
    if (pt->user ? (prot & (PGT_USER | PGT_GLOBAL)) != PGT_USER : (prot & PGT_USER) != 0)
        return -E_INVAL;

    uint64_t a = DESC_AF | DESC_SH_INNER;
    if (prot & PGT_DEVICE)
        a |= DESC_ATTRINDX(PGT_ATTR_DEVICE);
    else if (prot & PGT_NOCACHE)
        a |= DESC_ATTRINDX(PGT_ATTR_NOCACHE);
    else
        a |= DESC_ATTRINDX(PGT_ATTR_NORMAL);
    if (!(prot & PGT_WRITE))
        a |= DESC_AP_RO;
    if (!(prot & PGT_GLOBAL))
        a |= DESC_NG;
    if (prot & PGT_COW)
        a |= DESC_SW_COW;
    if (pt->user) {
        /* No access: AP = 10 (EL1 read-only, EL0 nothing), so every EL0 access and every LDTR/STTR the kernel makes
         * on the program's behalf takes a permission fault, while the page itself (its contents) stays mapped. */
        if (!none)
            a |= DESC_AP_EL0;
        a |= DESC_PXN;
        if (!(prot & PGT_EXEC))
            a |= DESC_UXN;
    } else {
        a |= DESC_UXN;
        if (!(prot & PGT_EXEC))
            a |= DESC_PXN;
    }
    *attrs = a;
    return 0;
}

static unsigned decode_prot(const struct pgtable *pt, uint64_t d)
{
    unsigned prot = 0;

    /* A user-table leaf is always PGT_USER; without EL0 access it is a no-access page (see encode_prot). */
    if (pt->user)
        prot |= PGT_USER;
    if (!pt->user || (d & DESC_AP_EL0))
        prot |= PGT_READ;
    if (!(d & DESC_AP_RO))
        prot |= PGT_WRITE;
    if (!(d & (pt->user ? DESC_UXN : DESC_PXN)))
        prot |= PGT_EXEC;
    if ((d & DESC_ATTRINDX_MASK) == DESC_ATTRINDX(PGT_ATTR_DEVICE))
        prot |= PGT_DEVICE;
    else if ((d & DESC_ATTRINDX_MASK) == DESC_ATTRINDX(PGT_ATTR_NOCACHE))
        prot |= PGT_NOCACHE;
    if (!(d & DESC_NG))
        prot |= PGT_GLOBAL;
    if (d & DESC_SW_COW)
        prot |= PGT_COW;
    return prot;
}

/* ---- One change in progress ---- */

/*
 * The invalidations an unmap or a permission change owes, gathered so that one ASID-wide invalidation pays for many
 * entries, and the frees that must wait for it: a table or page is handed back only once no TLB can still reach it
 * (another CPU may be running a thread of this address space). GATHER_FREES bounds the wait (and the stack used).
 */
#define GATHER_FREES 32

struct tlb_gather {
    unsigned owed;     /* entries changed since the last invalidation */
    uint64_t first_va; /* the first of them: one alone is invalidated by address */
    bool first_last;   /* ... and whether it was a leaf */
    unsigned nfree;
    struct {
        uint64_t pa;
        uint64_t size; /* 0: a table page (free_table); else a range for the freed function */
    } frees[GATHER_FREES];
};

struct walk {
    struct pgtable *pt;
    bool apply;                /* false: the counting pass; true: the apply pass */
    unsigned need;             /* counting pass: tables the apply pass will take from the pool */
    uint64_t pool;             /* apply pass: PA of the first preallocated table, 0 when empty */
    uint64_t attrs;            /* map, protect: attribute bits of the leaf entries written */
    pgtable_freed_fn freed;    /* unmap: told about every physical range unmapped (may be NULL) */
    struct tlb_gather *gather; /* unmap, protect, reprotect with ops->tlb_invalidate_asid: owed work; else NULL */
};

static void sync(const struct walk *w)
{
    if (w->pt->ops->sync != NULL)
        w->pt->ops->sync(w->pt->ops->ctx);
}

static void tlb_invalidate(const struct walk *w, uint64_t va, bool last_level)
{
    w->pt->ops->tlb_invalidate(w->pt->ops->ctx, full_va(w->pt, va), w->pt->asid, last_level);
}

/*
 * The apply pass of a walk over [start, end) that may gather: g, when the table's ops can invalidate a whole ASID and
 * the range is more than a page (one page owes one invalidation by address: nothing to gather).
 */
static void gather_begin(struct walk *w, struct tlb_gather *g, uint64_t start, uint64_t end)
{
    if (w->pt->ops->tlb_invalidate_asid == NULL || end - start <= PGT_PAGE_SIZE)
        return;
    g->owed = 0;
    g->nfree = 0;
    w->gather = g;
}

/* Pays what the walk owes: the invalidation (by address for one entry, by ASID for more), then the frees. */
static void gather_settle(struct walk *w)
{
    struct tlb_gather *g = w->gather;
    const struct pgtable_ops *ops = w->pt->ops;

    if (g == NULL)
        return;
    if (g->owed == 1)
        tlb_invalidate(w, g->first_va, g->first_last);
    else if (g->owed > 1)
        ops->tlb_invalidate_asid(ops->ctx, w->pt->asid);
    g->owed = 0;
    for (unsigned i = 0; i < g->nfree; i++) {
        if (g->frees[i].size == 0)
            ops->free_table(ops->ctx, g->frees[i].pa);
        else
            w->freed(ops->ctx, g->frees[i].pa, g->frees[i].size);
    }
    g->nfree = 0;
}

/* An entry translating va changed (in place, or to invalid): its translations must go before the walk ends. */
static void tlb_owe(struct walk *w, uint64_t va, bool last_level)
{
    struct tlb_gather *g = w->gather;

    if (g == NULL) {
        tlb_invalidate(w, va, last_level);
        return;
    }
    if (g->owed++ == 0) {
        g->first_va = va;
        g->first_last = last_level;
    }
}

/* Hand back a table page (size 0) or an unmapped range once nothing can reach it through a TLB. */
static void free_after_invalidate(struct walk *w, uint64_t pa, uint64_t size)
{
    struct tlb_gather *g = w->gather;

    if (g == NULL) {
        if (size == 0)
            w->pt->ops->free_table(w->pt->ops->ctx, pa);
        else
            w->freed(w->pt->ops->ctx, pa, size);
        return;
    }
    g->frees[g->nfree].pa = pa;
    g->frees[g->nfree].size = size;
    if (++g->nfree == GATHER_FREES)
        gather_settle(w);
}

/* Takes a preallocated table; it is all zeroes again (its first word held the pool link). */
static uint64_t pool_take(struct walk *w)
{
    uint64_t pa = w->pool;
    KASSERT(pa != 0);
    uint64_t *t = table_at(w->pt, pa);
    w->pool = desc_read(&t[0]);
    desc_write(&t[0], 0);
    return pa;
}

static void pool_release(struct walk *w)
{
    while (w->pool != 0)
        w->pt->ops->free_table(w->pt->ops->ctx, pool_take(w));
}

/*
 * Allocates the `need` tables counted, chained through their first word. A table page address has bits 1:0 clear,
 * so even a link word would read as an invalid descriptor. On failure returns every one of them.
 */
static int pool_fill(struct walk *w)
{
    for (unsigned i = 0; i < w->need; i++) {
        uint64_t pa = w->pt->ops->alloc_table(w->pt->ops->ctx);
        if (pa == 0) {
            pool_release(w);
            return -E_NOMEM;
        }
        KASSERT((pa & PAGE_MASK) == 0 && pa < PGT_USER_VA_TOP);
        desc_write(&table_at(w->pt, pa)[0], w->pool);
        w->pool = pa;
    }
    return 0;
}

/* End of a successful apply pass: the counting was exact, and the last writes go out to the walker. */
static void walk_finish(struct walk *w)
{
    KASSERT(w->pool == 0);
    pool_release(w);
    sync(w);
}

/* End of the entry at `level` that contains va, clipped to end. */
static inline uint64_t entry_end(uint64_t va, uint64_t end, int level)
{
    uint64_t next = (va | (level_span(level) - 1)) + 1;
    return next < end ? next : end;
}

/*
 * The index of the first valid entry of t in [i, end), or end. Eight entries per test (one OR of eight loads
 * instead of a test and branch each): a group is mostly empty. Plain loads are enough: the caller serialises every
 * writer, and the hardware walker only reads.
 */
static unsigned scan_entries(const uint64_t *t, unsigned i, unsigned end)
{
    for (; i < end && (i & 7) != 0; i++) /* up to a multiple of eight one by one */
        if (t[i] & DESC_VALID)
            return i;
    for (; i < end; i += 8) {
        const uint64_t *g = &t[i];
        if ((g[0] | g[1] | g[2] | g[3] | g[4] | g[5] | g[6] | g[7]) & DESC_VALID)
            break;
    }
    for (; i < end; i++) /* somewhere in these eight */
        if (t[i] & DESC_VALID)
            return i;
    return end;
}

/*
 * The index of the first valid entry of t at or after i, or ENTRIES. `groups` is t's occupancy summary: groups
 * whose bit is clear hold no valid entry and are not read at all.
 */
static unsigned next_valid(const uint64_t *t, unsigned groups, unsigned i)
{
    while (i < ENTRIES) {
        unsigned later = groups & (ALL_GROUPS << (i / GROUP_ENTRIES));
        if (later == 0)
            return ENTRIES;
        unsigned g = (unsigned)__builtin_ctz(later);
        if (g > i / GROUP_ENTRIES)
            i = g * GROUP_ENTRIES;
        unsigned end = (g + 1) * GROUP_ENTRIES;
        i = scan_entries(t, i, end);
        if (i < end)
            return i;
    }
    return ENTRIES;
}

static bool table_empty(const uint64_t *t, unsigned groups)
{
    return next_valid(t, groups, 0) == ENTRIES;
}

/*
 * Replaces the live block *e (at `level`, mapping from va_block) by a table of the next level with the same
 * translation in 512 smaller entries. Break-before-make (D8.16.1): changing the block size of a live translation
 * must go through an invalid entry and a TLB invalidation, or the TLB could hold the old block and a new entry for
 * the same address at once (a TLB conflict abort, or either translation being used). The new table is filled and
 * made visible first, so the window without a translation is as short as it can be.
 */
static uint64_t *split_block(struct walk *w, int level, uint64_t *e, uint64_t d, uint64_t va_block)
{
    uint64_t tpa = pool_take(w);
    uint64_t *t = table_at(w->pt, tpa);
    uint64_t span = level_span(level + 1);
    uint64_t oa = d & DESC_OA_MASK;

    for (unsigned i = 0; i < ENTRIES; i++)
        desc_write(&t[i], leaf_desc(level + 1, oa + i * span, d & DESC_LEAF_ATTRS));
    sync(w);
    desc_write(e, 0);
    tlb_invalidate(w, va_block, true);
    desc_write(e, table_desc(tpa, ALL_GROUPS));
    return t;
}

/*
 * The table below entry d (at *e) for an operation on part of that entry's range. A block is split (apply pass) or
 * counted as a split (counting pass, which then walks the NULL "all valid leaves" table).
 */
static uint64_t *descend(struct walk *w, int level, uint64_t *e, uint64_t d, uint64_t va)
{
    if (is_table(d, level))
        return table_at(w->pt, d & DESC_OA_MASK);
    if (!w->apply) {
        w->need++;
        return NULL;
    }
    return split_block(w, level, e, d, va & ~(level_span(level) - 1));
}

/* ---- map ---- */

/*
 * Maps [va, end) to pa.. at `level` in `table` (NULL in the counting pass: a table that does not exist yet), whose
 * summary is in *sum (apply pass). The counting pass returns -E_EXIST on the first mapped page; the apply pass
 * always succeeds.
 */
static int map_level(struct walk *w, int level, uint64_t *table, uint64_t *sum, uint64_t va, uint64_t end, uint64_t pa)
{
    uint64_t span = level_span(level);

    while (va < end) {
        uint64_t next = entry_end(va, end, level);
        uint64_t *e = table != NULL ? &table[level_index(va, level)] : NULL;
        uint64_t d = e != NULL ? desc_read(e) : 0;
        int r = 0;

        if (level == 3 || ((level == 1 || level == 2) && ((va | pa) & (span - 1)) == 0 && next - va == span)) {
            /* A page, or a block: va and pa aligned to the block and the whole block in the range. */
            if (d & DESC_VALID)
                return -E_EXIST; /* a page, a block, or a (never empty) table below */
            if (w->apply) {
                desc_write(e, leaf_desc(level, pa, w->attrs));
                mark_valid(sum, level_index(va, level));
            }
        } else if (is_table(d, level)) {
            r = map_level(w, level + 1, table_at(w->pt, d & DESC_OA_MASK), e, va, next, pa);
        } else if (d & DESC_VALID) {
            return -E_EXIST; /* a block covers part of the range */
        } else if (!w->apply) {
            w->need++;
            r = map_level(w, level + 1, NULL, NULL, va, next, pa);
        } else {
            /* A new table: filled completely and made visible before it is linked, so the walker never sees a
             * half-built subtree. The entry was invalid (never cached), so no TLB maintenance. */
            uint64_t tpa = pool_take(w), below = 0;
            map_level(w, level + 1, table_at(w->pt, tpa), &below, va, next, pa);
            sync(w);
            desc_write(e, table_desc(tpa, desc_groups(below)));
            mark_valid(sum, level_index(va, level));
        }
        if (r != 0)
            return r;
        pa += next - va;
        va = next;
    }
    return 0;
}

int pgtable_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned prot)
{
    struct walk w = {.pt = pt};
    uint64_t start, end;
    int r = check_range(pt, va, size, &start, &end);

    if (r == 0)
        r = encode_prot(pt, prot, &w.attrs);
    if (r != 0)
        return r;
    if ((pa & PAGE_MASK) != 0 || pa >= PGT_USER_VA_TOP || size > PGT_USER_VA_TOP - pa)
        return -E_INVAL;

    uint64_t *root = table_at(pt, pt->root_pa);
    r = map_level(&w, 0, root, NULL, start, end, pa);
    if (r == 0)
        r = pool_fill(&w);
    if (r != 0)
        return r;
    w.apply = true;
    uint64_t root_sum = (uint64_t)pt->root_groups << DESC_GROUPS_SHIFT; /* the root has no descriptor of its own */
    map_level(&w, 0, root, &root_sum, start, end, pa);
    pt->root_groups = (uint8_t)desc_groups(root_sum);
    walk_finish(&w);
    return 0;
}

/* ---- unmap ---- */

/*
 * Unmaps [va, end) at `level`. In the counting pass `table` may be NULL: a table made by a split, every entry a
 * valid leaf (a block at L2 or a page at L3).
 */
static void unmap_level(struct walk *w, int level, uint64_t *table, uint64_t va, uint64_t end)
{
    uint64_t span = level_span(level);

    while (va < end) {
        uint64_t next = entry_end(va, end, level);
        uint64_t *e = table != NULL ? &table[level_index(va, level)] : NULL;
        uint64_t d = e != NULL ? desc_read(e) : DESC_TYPE_BLOCK;

        if (!(d & DESC_VALID)) {
            /* a hole */
        } else if (!is_table(d, level) && next - va == span) {
            /* A page or a whole block inside the range. */
            if (w->apply) {
                desc_write(e, 0);
                tlb_owe(w, va, true);
                if (w->freed != NULL)
                    free_after_invalidate(w, d & DESC_OA_MASK, span);
            }
        } else {
            uint64_t *child = descend(w, level, e, d, va);
            unmap_level(w, level + 1, child, va, next);
            if (w->apply && table_empty(child, desc_groups(desc_read(e)))) {
                /* Nothing left below: unlink the table, then drop any cached walk through it (a non-last-level
                 * invalidation) before the page can be reused. */
                desc_write(e, 0);
                tlb_owe(w, va, false);
                free_after_invalidate(w, d & DESC_OA_MASK, 0);
            }
        }
        va = next;
    }
}

int pgtable_unmap(struct pgtable *pt, uint64_t va, uint64_t size, pgtable_freed_fn page_freed)
{
    struct walk w = {.pt = pt, .freed = page_freed};
    struct tlb_gather g;
    uint64_t start, end;
    int r = check_range(pt, va, size, &start, &end);

    if (r != 0)
        return r;
    uint64_t *root = table_at(pt, pt->root_pa);
    unmap_level(&w, 0, root, start, end);
    r = pool_fill(&w);
    if (r != 0)
        return r;
    w.apply = true;
    gather_begin(&w, &g, start, end);
    unmap_level(&w, 0, root, start, end);
    gather_settle(&w);
    walk_finish(&w);
    return 0;
}

/* ---- protect ---- */

/* Replaces the live leaf d at *e (translating va) by nd, a leaf of the same size. */
static void rewrite_leaf(struct walk *w, uint64_t *e, uint64_t d, uint64_t nd, uint64_t va)
{
    if (nd == d)
        return;
    if ((nd ^ d) & ~DESC_PERM_BITS) {
        /* Output address, memory type, cacheability or nG changes: break-before-make (D8.16.1), so no CPU ever
         * holds the old and the new translation for the same address at once. */
        desc_write(e, 0);
        tlb_invalidate(w, va, true);
        desc_write(e, nd);
    } else {
        /* Permissions alone may change in place; the invalidation (before the walk ends) makes the new ones
         * effective everywhere. */
        desc_write(e, nd);
        tlb_owe(w, va, true);
    }
}

/* As unmap_level; the counting pass returns -E_NOENT at the first hole. */
static int protect_level(struct walk *w, int level, uint64_t *table, uint64_t va, uint64_t end)
{
    uint64_t span = level_span(level);

    while (va < end) {
        uint64_t next = entry_end(va, end, level);
        uint64_t *e = table != NULL ? &table[level_index(va, level)] : NULL;
        uint64_t d = e != NULL ? desc_read(e) : DESC_TYPE_BLOCK;

        if (!(d & DESC_VALID))
            return -E_NOENT;
        if (!is_table(d, level) && next - va == span) {
            if (w->apply)
                rewrite_leaf(w, e, d, (d & (DESC_OA_MASK | DESC_TYPE_MASK)) | w->attrs, va);
        } else {
            int r = protect_level(w, level + 1, descend(w, level, e, d, va), va, next);
            if (r != 0)
                return r;
        }
        va = next;
    }
    return 0;
}

int pgtable_protect(struct pgtable *pt, uint64_t va, uint64_t size, unsigned prot)
{
    struct walk w = {.pt = pt};
    uint64_t start, end;
    int r = check_range(pt, va, size, &start, &end);

    if (r == 0)
        r = encode_prot(pt, prot, &w.attrs);
    if (r != 0)
        return r;
    uint64_t *root = table_at(pt, pt->root_pa);
    r = protect_level(&w, 0, root, start, end);
    if (r == 0)
        r = pool_fill(&w);
    if (r != 0)
        return r;
    w.apply = true;
    struct tlb_gather g;
    gather_begin(&w, &g, start, end);
    protect_level(&w, 0, root, start, end);
    gather_settle(&w);
    walk_finish(&w);
    return 0;
}

/* ---- reprotect: the mapped leaves of a range, each as the caller decides ---- */

struct reprot {
    pgtable_reprot_fn fn;
    void *ctx;
};

/*
 * Reprotects the mapped leaves of [va, end) in `table` (at `level`, occupancy summary `groups`), one call per level
 * below (four at most, tools/recursion.py). Only valid entries are visited (next_valid skips empty groups without
 * reading them), so a range that is mostly holes costs a few loads per table that exists, whatever its size. The
 * checking pass (!w->apply) returns -E_INVAL for a leaf that straddles an edge of the range or for a protection fn
 * chooses that pgtable_map would refuse; the apply pass then cannot fail.
 */
static int reprotect_level(struct walk *w, const struct reprot *rp, int level, uint64_t *table, unsigned groups,
                           uint64_t va, uint64_t end)
{
    uint64_t span = level_span(level);
    uint64_t base = va & ~(span * ENTRIES - 1); /* where this table's range starts */

    for (unsigned i = next_valid(table, groups, level_index(va, level)); i < ENTRIES;
         i = next_valid(table, groups, i + 1)) {
        uint64_t eva = base + (uint64_t)i * span;
        if (eva >= end)
            break;
        uint64_t lo = eva < va ? va : eva, next = entry_end(lo, end, level);
        uint64_t *e = &table[i];
        uint64_t d = desc_read(e);

        if (is_table(d, level)) {
            int r = reprotect_level(w, rp, level + 1, table_at(w->pt, d & DESC_OA_MASK), desc_groups(d), lo, next);
            if (r != 0)
                return r;
            continue;
        }
        if (lo != eva || next - eva != span)
            return -E_INVAL; /* a block the range cuts: the caller splits first (pgtable_split) */
        unsigned prot = rp->fn(rp->ctx, full_va(w->pt, eva), d & DESC_OA_MASK, span, decode_prot(w->pt, d), w->apply);
        uint64_t attrs;
        if (encode_prot(w->pt, prot, &attrs) != 0)
            return -E_INVAL;
        if (w->apply)
            rewrite_leaf(w, e, d, (d & (DESC_OA_MASK | DESC_TYPE_MASK)) | attrs, eva);
    }
    return 0;
}

int pgtable_reprotect(struct pgtable *pt, uint64_t va, uint64_t size, pgtable_reprot_fn fn, void *ctx)
{
    struct walk w = {.pt = pt};
    struct reprot rp = {fn, ctx};
    uint64_t start, end;
    int r = check_range(pt, va, size, &start, &end);

    if (r == 0 && fn == NULL)
        r = -E_INVAL;
    if (r != 0)
        return r;
    uint64_t *root = table_at(pt, pt->root_pa);
    r = reprotect_level(&w, &rp, 0, root, pt->root_groups, start, end);
    if (r != 0)
        return r;
    w.apply = true;
    struct tlb_gather g;
    gather_begin(&w, &g, start, end);
    reprotect_level(&w, &rp, 0, root, pt->root_groups, start, end);
    gather_settle(&w);
    walk_finish(&w);
    return 0;
}

/* ---- split, replace, unmapped ---- */

/*
 * Makes va a leaf boundary: from `level` down, the block containing va (not at its start) is split, and so on in
 * the table that replaces it. In the counting pass `table` may be NULL: a table a split will make, every entry a
 * valid leaf.
 */
static void split_level(struct walk *w, int level, uint64_t *table, uint64_t va)
{
    for (; level < 3; level++) {
        uint64_t *e = table != NULL ? &table[level_index(va, level)] : NULL;
        uint64_t d = e != NULL ? desc_read(e) : DESC_TYPE_BLOCK;

        /* A hole, or an entry starting at va: nothing below straddles va either. */
        if (!(d & DESC_VALID) || (va & (level_span(level) - 1)) == 0)
            return;
        table = descend(w, level, e, d, va);
    }
}

int pgtable_split(struct pgtable *pt, uint64_t va)
{
    struct walk w = {.pt = pt};
    uint64_t start, end;
    int r = check_range(pt, va, PGT_PAGE_SIZE, &start, &end);

    if (r != 0)
        return r;
    uint64_t *root = table_at(pt, pt->root_pa);
    split_level(&w, 0, root, start);
    if (w.need == 0)
        return 0; /* already a boundary: nothing to write, nothing to make visible */
    r = pool_fill(&w);
    if (r != 0)
        return r;
    w.apply = true;
    split_level(&w, 0, root, start);
    walk_finish(&w);
    return 0;
}

int pgtable_replace(struct pgtable *pt, uint64_t va, uint64_t pa, unsigned prot, uint64_t *old_pa)
{
    struct walk w = {.pt = pt};
    uint64_t start, end;
    int r = check_range(pt, va, PGT_PAGE_SIZE, &start, &end);

    if (r == 0)
        r = encode_prot(pt, prot, &w.attrs);
    if (r != 0)
        return r;
    uint64_t *table = table_at(pt, pt->root_pa);
    for (int level = 0; level < 4; level++) {
        uint64_t *e = &table[level_index(start, level)];
        uint64_t d = desc_read(e);
        if (!(d & DESC_VALID))
            return -E_NOENT;
        if (is_table(d, level)) {
            table = table_at(pt, d & DESC_OA_MASK);
            continue;
        }
        /* The leaf keeps its size: va must be its first page and pa fit it exactly. */
        uint64_t span = level_span(level);
        if (((start | pa) & (span - 1)) != 0 || pa >= PGT_USER_VA_TOP || span > PGT_USER_VA_TOP - pa)
            return -E_INVAL;
        rewrite_leaf(&w, e, d, leaf_desc(level, pa, w.attrs), start);
        sync(&w);
        if (old_pa != NULL)
            *old_pa = d & DESC_OA_MASK;
        return 0;
    }
    return -E_NOENT; /* not reached: an L3 entry is a page or invalid */
}

/* Is anything mapped in [va, end) at `level` of `table`? A table entry always is (tables are never empty). */
static bool mapped_level(const struct pgtable *pt, int level, const uint64_t *table, uint64_t va, uint64_t end)
{
    while (va < end) {
        uint64_t next = entry_end(va, end, level);
        uint64_t d = desc_read(&table[level_index(va, level)]);

        if (d & DESC_VALID) {
            if (!is_table(d, level) || next - va == level_span(level))
                return true;
            if (mapped_level(pt, level + 1, table_at(pt, d & DESC_OA_MASK), va, next))
                return true;
        }
        va = next;
    }
    return false;
}

int pgtable_unmapped(const struct pgtable *pt, uint64_t va, uint64_t size)
{
    uint64_t start, end;
    int r = check_range(pt, va, size, &start, &end);

    if (r != 0)
        return r;
    return !mapped_level(pt, 0, table_at(pt, pt->root_pa), start, end);
}

/* ---- fork ---- */

/*
 * pgtable_fork walks the parent's tree once, visiting only valid entries (next_valid), and builds the child's tree
 * as a mirror of it: one child table for every parent table, the same leaves. Like every change it counts first and
 * allocates every table up front, so the apply pass cannot fail: a fork that runs out of memory changes neither
 * table. The child is not live anywhere yet, so its new tables are linked without a sync each (one at the end).
 */

/* Tables needed to split a block at `level` all the way down to 4 KiB pages: a 2 MiB block needs one L3 table, a
 * 1 GiB block an L2 table and 512 L3 tables. */
static unsigned tables_to_pages(int level)
{
    return level == 2 ? 1 : 1 + ENTRIES;
}

/*
 * Counting pass: the child (cw) needs one table per parent table, and a copy-on-write block is split in both. The
 * child's tables come from the child's ops and the parent's split tables from the parent's (w), so each table is
 * allocated (and charged, mm/account.h) by the table that will hold it.
 */
static void fork_count(struct walk *w, struct walk *cw, const struct pgtable_fork_ops *f, int level,
                       const uint64_t *src, unsigned groups, uint64_t va)
{
    for (unsigned i = next_valid(src, groups, 0); i < ENTRIES; i = next_valid(src, groups, i + 1)) {
        uint64_t d = src[i];
        uint64_t eva = va + (uint64_t)i * level_span(level);
        if (is_table(d, level)) {
            cw->need++;
            fork_count(w, cw, f, level + 1, table_at(w->pt, d & DESC_OA_MASK), desc_groups(d), eva);
        } else if (level < 3 && f->cow(f->ctx, full_va(w->pt, eva))) {
            w->need += tables_to_pages(level);
            cw->need += tables_to_pages(level);
        }
    }
}

/*
 * Copies the leaf d at *e (parent) to *ce (child). Copy-on-write makes it read-only and marks it in both; that is a
 * permission change of a live parent entry (in place, then invalidated). The caller learns about the new mapping.
 */
static void fork_leaf(struct walk *w, const struct pgtable_fork_ops *f, int level, uint64_t *e, uint64_t *ce,
                      uint64_t va, bool cow)
{
    uint64_t d = desc_read(e);
    uint64_t nd = cow ? d | DESC_AP_RO | DESC_SW_COW : d;

    rewrite_leaf(w, e, d, nd, va);
    desc_write(ce, nd);
    f->shared(f->ctx, d & DESC_OA_MASK, level_span(level));
}

/*
 * Apply pass: copies every valid entry of the parent's `src` (at `level`, mapping from va) into the child's empty
 * `dst`. all_cow: this table was made by splitting a copy-on-write block, so every leaf in it is copy-on-write
 * without asking again (the answer was given for the whole block).
 */
static void fork_level(struct walk *w, struct walk *cw, const struct pgtable_fork_ops *f, int level, uint64_t *src,
                       unsigned groups, uint64_t *dst, uint64_t va, bool all_cow)
{
    for (unsigned i = next_valid(src, groups, 0); i < ENTRIES; i = next_valid(src, groups, i + 1)) {
        uint64_t *e = &src[i];
        uint64_t d = desc_read(e);
        uint64_t eva = va + (uint64_t)i * level_span(level);
        bool cow = all_cow;
        uint64_t *below;

        if (is_table(d, level)) {
            below = table_at(w->pt, d & DESC_OA_MASK);
        } else {
            cow = cow || f->cow(f->ctx, full_va(w->pt, eva));
            if (level == 3 || !cow) {
                fork_leaf(w, f, level, e, &dst[i], eva, cow);
                continue;
            }
            /* Copy-on-write is page by page (a write copies 4 KiB, not a whole block): split, then copy the table. */
            below = split_block(w, level, e, d, eva);
            d = desc_read(e);
        }
        /* The child's table holds valid entries exactly where the parent's does: the same summary. */
        uint64_t tpa = pool_take(cw);
        fork_level(w, cw, f, level + 1, below, desc_groups(d), table_at(w->pt, tpa), eva, cow);
        desc_write(&dst[i], table_desc(tpa, desc_groups(d)));
    }
}

int pgtable_fork(struct pgtable *child, struct pgtable *parent, const struct pgtable_fork_ops *f)
{
    /* The two may have ops of their own (each its own account), but must reach tables the same way. */
    if (child == NULL || parent == NULL || child == parent || child->root_pa == 0 || parent->root_pa == 0 ||
        child->ops->phys_to_virt != parent->ops->phys_to_virt || child->user != parent->user || f == NULL ||
        f->cow == NULL || f->shared == NULL)
        return -E_INVAL;

    struct walk w = {.pt = parent}, cw = {.pt = child};
    uint64_t *root = table_at(parent, parent->root_pa);
    fork_count(&w, &cw, f, 0, root, parent->root_groups, 0);
    int r = pool_fill(&w);
    if (r != 0)
        return r;
    r = pool_fill(&cw);
    if (r != 0) {
        pool_release(&w);
        return r;
    }
    w.apply = cw.apply = true;
    fork_level(&w, &cw, f, 0, root, parent->root_groups, table_at(child, child->root_pa), 0, false);
    child->root_groups = parent->root_groups;
    walk_finish(&cw);
    walk_finish(&w);
    return 0;
}

/* ---- fixed slots ---- */

/* The L3 table that translates va, with *sum its descriptor in the L2 table (where its summary is); NULL if none. */
static uint64_t *leaf_table(const struct pgtable *pt, uint64_t va, uint64_t **sum)
{
    uint64_t *t = table_at(pt, pt->root_pa), *e = NULL;

    for (int level = 0; level < 3; level++) {
        e = &t[level_index(va, level)];
        uint64_t d = desc_read(e);
        if (!is_table(d, level))
            return NULL;
        t = table_at(pt, d & DESC_OA_MASK);
    }
    *sum = e;
    return t;
}

/* Creates whatever is missing of the tables down to the L3 one that translates va. */
static int reserve_leaf_table(struct pgtable *pt, uint64_t va)
{
    uint64_t *t = table_at(pt, pt->root_pa);
    uint64_t root_sum = (uint64_t)pt->root_groups << DESC_GROUPS_SHIFT; /* the root has no descriptor of its own */
    uint64_t *sum = &root_sum;
    int r = 0;

    for (int level = 0; level < 3; level++) {
        unsigned idx = level_index(va, level);
        uint64_t *e = &t[idx];
        uint64_t d = desc_read(e);
        if (!(d & DESC_VALID)) {
            uint64_t tpa = pt->ops->alloc_table(pt->ops->ctx);
            if (tpa == 0) {
                r = -E_NOMEM;
                break;
            }
            if (pt->ops->sync != NULL)
                pt->ops->sync(pt->ops->ctx); /* the zeroed table reaches the walker before the link to it */
            d = table_desc(tpa, 0);
            desc_write(e, d);
            mark_valid(sum, idx);
        } else if (!is_table(d, level)) {
            r = -E_EXIST; /* a block */
            break;
        }
        sum = e;
        t = table_at(pt, d & DESC_OA_MASK);
    }
    pt->root_groups = (uint8_t)desc_groups(root_sum);
    return r;
}

int pgtable_fixed_reserve(struct pgtable *pt, uint64_t va, uint64_t size)
{
    uint64_t start, end;
    int r = check_range(pt, va, size, &start, &end);

    if (r == 0 && pt->user)
        r = -E_INVAL;
    for (uint64_t at = start; r == 0 && at < end; at = entry_end(at, end, 2))
        r = reserve_leaf_table(pt, at);
    return r;
}

/* The L3 entries of [va, va + n pages) of a reserved range, all in one table: a pointer to the first, or NULL. */
static uint64_t *fixed_entries(const struct pgtable *pt, uint64_t va, unsigned n, uint64_t **sum)
{
    uint64_t start, end;

    if (n == 0 || check_range(pt, va, (uint64_t)n * PGT_PAGE_SIZE, &start, &end) != 0 || pt->user)
        return NULL;
    uint64_t *t = leaf_table(pt, start, sum);
    unsigned i = level_index(start, 3);
    return t != NULL && i + n <= ENTRIES ? &t[i] : NULL;
}

int pgtable_fixed_set(struct pgtable *pt, uint64_t va, uint64_t pa, unsigned n, unsigned prot)
{
    uint64_t attrs, *sum;
    uint64_t *e = fixed_entries(pt, va, n, &sum);

    if (e == NULL)
        return -E_INVAL;
    int r = encode_prot(pt, prot, &attrs);
    if (r != 0)
        return r;
    if ((pa & PAGE_MASK) != 0 || pa >= PGT_USER_VA_TOP || (uint64_t)n * PGT_PAGE_SIZE > PGT_USER_VA_TOP - pa)
        return -E_INVAL;
    for (unsigned k = 0; k < n; k++)
        if (desc_read(&e[k]) & DESC_VALID)
            return -E_EXIST;
    unsigned first = level_index(va, 3);
    for (unsigned k = 0; k < n; k++) {
        /* The entries were invalid (never cached): no break-before-make, no TLB maintenance. */
        desc_write(&e[k], leaf_desc(3, pa + k * PGT_PAGE_SIZE, attrs));
        mark_valid(sum, first + k);
    }
    if (pt->ops->sync != NULL)
        pt->ops->sync(pt->ops->ctx);
    return 0;
}

int pgtable_fixed_clear(struct pgtable *pt, uint64_t va, unsigned n)
{
    uint64_t *sum;
    uint64_t *e = fixed_entries(pt, va, n, &sum);

    if (e == NULL)
        return -E_INVAL;
    for (unsigned k = 0; k < n; k++) {
        if (!(desc_read(&e[k]) & DESC_VALID))
            continue;
        desc_write(&e[k], 0);
        pt->ops->tlb_invalidate(pt->ops->ctx, full_va(pt, va + k * PGT_PAGE_SIZE), pt->asid, true);
    }
    return 0;
}

/* ---- lookup, create, destroy ---- */

int pgtable_lookup(const struct pgtable *pt, uint64_t va, uint64_t *pa, unsigned *prot, uint64_t *block_size)
{
    if (pt == NULL || pt->root_pa == 0 || !in_half(pt, va))
        return -E_INVAL;

    uint64_t off = va & VA_MASK;
    const uint64_t *table = table_at(pt, pt->root_pa);
    for (int level = 0; level < 4; level++) {
        uint64_t d = desc_read(&table[level_index(off, level)]);
        if (!(d & DESC_VALID))
            return -E_NOENT;
        if (is_table(d, level)) {
            table = table_at(pt, d & DESC_OA_MASK);
            continue;
        }
        uint64_t span = level_span(level);
        if (pa != NULL)
            *pa = (d & DESC_OA_MASK) + (off & (span - 1));
        if (prot != NULL)
            *prot = decode_prot(pt, d);
        if (block_size != NULL)
            *block_size = span;
        return 0;
    }
    return -E_NOENT; /* not reached: an L3 entry is a page or invalid */
}

int pgtable_create(struct pgtable *pt, const struct pgtable_ops *ops, uint16_t asid, bool user)
{
    if (pt == NULL || ops == NULL || ops->alloc_table == NULL || ops->free_table == NULL || ops->phys_to_virt == NULL ||
        ops->tlb_invalidate == NULL)
        return -E_INVAL;
    uint64_t root = ops->alloc_table(ops->ctx);
    if (root == 0)
        return -E_NOMEM;
    KASSERT((root & PAGE_MASK) == 0 && root < PGT_USER_VA_TOP);
    pt->root_pa = root;
    pt->root_groups = 0;
    pt->asid = asid;
    pt->user = user;
    pt->ops = ops;
    return 0;
}

/* Frees everything below `table` (at `level`), visiting only its valid entries. */
static void destroy_level(const struct pgtable *pt, int level, uint64_t *table, unsigned groups, pgtable_freed_fn freed)
{
    for (unsigned i = next_valid(table, groups, 0); i < ENTRIES; i = next_valid(table, groups, i + 1)) {
        uint64_t d = table[i];
        if (is_table(d, level)) {
            destroy_level(pt, level + 1, table_at(pt, d & DESC_OA_MASK), desc_groups(d), freed);
            pt->ops->free_table(pt->ops->ctx, d & DESC_OA_MASK);
        } else if (freed != NULL) {
            freed(pt->ops->ctx, d & DESC_OA_MASK, level_span(level));
        }
    }
}

static uint64_t count_level(const struct pgtable *pt, int level, const uint64_t *table, unsigned groups)
{
    uint64_t pages = 0;
    for (unsigned i = next_valid(table, groups, 0); i < ENTRIES; i = next_valid(table, groups, i + 1)) {
        uint64_t d = table[i];
        if (is_table(d, level))
            pages += count_level(pt, level + 1, table_at(pt, d & DESC_OA_MASK), desc_groups(d));
        else
            pages += level_span(level) / PGT_PAGE_SIZE;
    }
    return pages;
}

uint64_t pgtable_mapped_pages(const struct pgtable *pt)
{
    if (pt == NULL || pt->root_pa == 0)
        return 0;
    return count_level(pt, 0, table_at(pt, pt->root_pa), pt->root_groups);
}

void pgtable_destroy(struct pgtable *pt, pgtable_freed_fn page_freed)
{
    if (pt == NULL || pt->root_pa == 0)
        return;
    destroy_level(pt, 0, table_at(pt, pt->root_pa), pt->root_groups, page_freed);
    pt->ops->free_table(pt->ops->ctx, pt->root_pa);
    pt->root_pa = 0;
}
