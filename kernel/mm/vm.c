/*
 * User address spaces (see vm.h).
 *
 * Pages are 4 KiB, except that the first touch of a 2 MiB-aligned stretch that one anonymous
 * region covers whole maps a 2 MiB block (one fault, one TLB entry and no L3 table instead of
 * 512 of each), when the allocator has such a block free. The block is allocated in one piece
 * and at once split in the allocator (pmm_split) into 512 pages with their own reference
 * counts, so everything after the fault (sharing, copying, freeing) works page by page.
 *
 * Blocks must never stop the region callbacks (which cannot fail) half-way, so two rules
 * hold: a block lies inside one region (it is made only inside one, and every change of the
 * region set first splits the blocks that straddle its edges, vm_unmap and vm_protect via
 * split_edges); and copy-on-write pages are always 4 KiB (vm_fork splits blocks first).
 *
 * Backed regions. A region may name a kernel object (region.obj: a shared-memory object, or an
 * open file mapped privately) whose map_page operation gives the page for a first touch. A space
 * holds one object reference for each distinct object its regions name, taken when the first
 * region naming it is made and dropped when the last one goes (vm_map, vm_unmap, vm_fork,
 * vm_destroy), so an object lives as long as any mapping of it. Shared pages (REGION_SHM*) are
 * never copy-on-write: fork maps the same pages writable in both spaces.
 *
 * Device regions (REGION_DEVICE*, objects/device.h) map a device's registers: physical pages that are
 * not RAM, so they carry no page reference, are mapped Device-nGnRE and never reach the page
 * allocator (unmap and destroy report them to nobody); fork maps them in the child as they are.
 */
#include <wren/abi.h>

#include "arch/memlayout.h"
#include "arch/mmu.h"
#include "arch/percpu.h"
#include "lib/string.h"
#include "mm/account.h"
#include "mm/asid.h"
#include "mm/kmap.h"
#include "mm/pmm.h"
#include "mm/vm.h"
#include "panic.h"

#define PAGE        PMM_PAGE_SIZE
#define BLOCK       PGT_BLOCK_2M
#define BLOCK_ORDER 9 /* 2 MiB = 2^9 pages */

static uint64_t page_down(uint64_t v)
{
    return v & ~(PAGE - 1);
}

/*
 * Page-table protection for a region's WREN_PROT_*: AArch64 has no write-only or exec-only at EL0 here. PROT_NONE is a
 * no-access entry (PGT_USER alone): touched pages keep their contents while nothing may reach them.
 */
static unsigned pgt_prot(uint32_t prot)
{
    /* A table (one load on the page-fault path), indexed by the three WREN_PROT_* bits. */
    static const uint8_t table[8] = {
        [0] = PGT_USER,
        [WREN_PROT_READ] = PGT_USER | PGT_READ,
        [WREN_PROT_WRITE] = PGT_USER | PGT_READ | PGT_WRITE,
        [WREN_PROT_READ | WREN_PROT_WRITE] = PGT_USER | PGT_READ | PGT_WRITE,
        [WREN_PROT_EXEC] = PGT_USER | PGT_READ | PGT_EXEC,
        [WREN_PROT_READ | WREN_PROT_EXEC] = PGT_USER | PGT_READ | PGT_EXEC,
        /* write and exec together never reach a region; if they did, pgtable_map would refuse them (W^X) */
        [WREN_PROT_WRITE | WREN_PROT_EXEC] = PGT_USER | PGT_READ | PGT_WRITE | PGT_EXEC,
        [WREN_PROT_ALL] = PGT_USER | PGT_READ | PGT_WRITE | PGT_EXEC,
    };
    _Static_assert(WREN_PROT_ALL == 7, "three protection bits");
    return table[prot & WREN_PROT_ALL];
}

static bool is_device(uint32_t kind)
{
    return kind == REGION_DEVICE || kind == REGION_DEVICE_RO;
}

/* The page-table protection of a page of region r (of its kind and prot). */
static unsigned region_pgt_prot(const struct region *r)
{
    return pgt_prot(r->prot) | (is_device(r->kind) ? PGT_DEVICE : 0);
}

static bool user_range(uint64_t start, uint64_t len)
{
    return start >= VM_USER_BASE && len <= VM_USER_TOP - VM_USER_BASE &&
           start - VM_USER_BASE <= VM_USER_TOP - VM_USER_BASE - len;
}

/* Private pages leaving the table: their references go, and their charge to the space's account (ctx). */
static void page_released(void *ctx, uint64_t pa, uint64_t size)
{
    for (uint64_t off = 0; off < size; off += PAGE)
        pmm_put(pa + off);
    account_uncharge_pages(ctx, size / PAGE);
}

/* Shared-memory pages leaving the table: the object keeps them, and their charge (objects/shm.c). */
static void shared_released(void *ctx, uint64_t pa, uint64_t size)
{
    (void)ctx;
    for (uint64_t off = 0; off < size; off += PAGE)
        pmm_put(pa + off);
}

static bool is_shared(uint32_t kind)
{
    return kind == REGION_SHM || kind == REGION_SHM_RO || kind == REGION_GRANT || kind == REGION_GRANT_RO;
}

static bool is_grant(uint32_t kind)
{
    return kind == REGION_GRANT || kind == REGION_GRANT_RO;
}

static struct asid_allocator asids;

void vm_init(void)
{
    asid_init(&asids, arch_asid_bits());
}

int vm_create(struct vm_space *vs, struct mem_account *acct)
{
    /* The set is empty with its slots zero already (vm.h): resetting the count is enough; zeroing all of it again
     * would cost kilobytes of stores on every fork and spawn. */
    vs->regions.count = 0;
    vs->asid_ctx = 0;
    vs->blocks = false;
    vs->grants = false;
    vs->acct = acct;
    return pgtable_create(&vs->pt, &acct->pt_ops, 0, true);
}

/* Whether a region of vs names obj. */
static bool names(const struct vm_space *vs, const void *obj)
{
    for (int i = 0; i < vs->regions.count; i++) {
        if (vs->regions.r[i].obj == obj)
            return true;
    }
    return false;
}

/* Calls fn once for each distinct object the regions of vs name. */
static void for_each_object(const struct vm_space *vs, void (*fn)(void *))
{
    for (int i = 0; i < vs->regions.count; i++) {
        const void *obj = vs->regions.r[i].obj;
        bool first = obj != NULL;
        for (int j = 0; first && j < i; j++)
            first = vs->regions.r[j].obj != obj;
        if (first)
            fn((void *)obj);
    }
}

/* Set once at start-up (kobj_register_backing), before any region names an object. */
static const struct vm_backing_ops *backing;

void vm_set_backing(const struct vm_backing_ops *ops)
{
    backing = ops;
}

static void object_get(void *o)
{
    backing->get(o);
}

static void object_put(void *o)
{
    backing->put(o);
}

void vm_destroy(struct vm_space *vs)
{
    /*
     * Device registers first, reported to nobody: they are not the allocator's; and shared-memory pages, which are
     * their object's (and charged to it), not this space's. 4 KiB pages only, so no split. What is left is private.
     */
    for (int i = 0; i < vs->regions.count; i++) {
        const struct region *r = &vs->regions.r[i];
        if (is_device(r->kind) || is_shared(r->kind)) {
            int err = pgtable_unmap(&vs->pt, r->start, r->end - r->start, is_device(r->kind) ? NULL : shared_released);
            KASSERT(err == 0);
        }
    }
    pgtable_destroy(&vs->pt, page_released);
    for_each_object(vs, object_put);
    /* Its translations must be gone before the ASID or the pages are used again. */
    if (vs->asid_ctx) {
        arch_tlb_invalidate_asid(asid_of(&asids, vs->asid_ctx));
        asid_release(&asids, vs->asid_ctx);
    }
    vs->asid_ctx = 0;
    vs->blocks = false;
    vs->grants = false;
    /* Empty the set: only the used slots can be nonzero (region.h), so only they need clearing. */
    memset(vs->regions.r, 0, (size_t)vs->regions.count * sizeof(vs->regions.r[0]));
    vs->regions.count = 0;
}

/* vm_activate when the space needs an ASID of a new generation, or this CPU owes a flush. */
static __attribute__((noinline)) void activate_slow(struct vm_space *vs, unsigned cpu)
{
    bool flush_all = false;
    vs->pt.asid = asid_activate(&asids, &vs->asid_ctx, cpu, &flush_all);
    if (flush_all)
        arch_tlb_invalidate_all(); /* a new ASID generation: no stale translation may survive */
    arch_set_user_table(pgtable_ttbr(&vs->pt));
}

void vm_activate_on(struct vm_space *vs, unsigned cpu)
{
    /* Usually the space's ASID is still its own (and pt.asid already holds it): no allocator call. */
    if (!asid_activate_current(&asids, vs->asid_ctx, cpu)) {
        activate_slow(vs, cpu);
        return;
    }
    arch_set_user_table(pgtable_ttbr(&vs->pt));
}

void vm_activate(struct vm_space *vs)
{
    vm_activate_on(vs, arch_cpu_index());
}

int vm_reserve(struct vm_space *vs, uint64_t start, uint64_t len, uint32_t prot, uint32_t kind)
{
    if (!user_range(start, len))
        return -E_INVAL;
    return region_insert(&vs->regions, start, start + len, prot, kind);
}

/*
 * Executable from now on: the instruction side must see the page's bytes, which may have been written through the data
 * side (by the program while the page was writable, or by the kernel filling it). Data and instruction caches need not
 * be coherent: the bytes are cleaned to the point of unification and the instruction cache invalidated for them before
 * the page may run (Arm ARM DDI 0487 K.a, B2.4.4 "Cache maintenance requirement for instruction modification").
 */
static void sync_for_exec(uint64_t pa, uint64_t size)
{
    arch_sync_icache(phys_to_virt(pa), size);
}

/*
 * A write to a copy-on-write page (always a 4 KiB page: vm_fork splits blocks): if nobody else
 * holds the page any more, simply make it writable again; otherwise copy it to a new page for
 * this space alone. The copy takes the old page's place in its entry (pgtable_replace), which
 * needs no table: either it all happens, or (no page for the copy) nothing does and the old
 * mapping is intact. *pa follows.
 */
static int cow_break(struct vm_space *vs, uint64_t va, unsigned have, uint64_t *pa)
{
    unsigned rw = (have & ~PGT_COW) | PGT_WRITE;

    if (pmm_refcount(*pa) == 1)
        return pgtable_protect(&vs->pt, va, PAGE, rw); /* a page: no split, cannot fail */
    uint64_t copy = pmm_alloc(0);
    if (!copy)
        return -E_NOMEM;
    memcpy(phys_to_virt(copy), phys_to_virt(*pa), PAGE);
    uint64_t old;
    int err = pgtable_replace(&vs->pt, va, copy, rw, &old);
    KASSERT(err == 0 && old == *pa);
    pmm_put(old); /* this space's reference; the other holders keep the original */
    *pa = copy;
    return 0;
}

/*
 * The first touch at va of region r, if it may be a 2 MiB block: r is anonymous memory that
 * covers the whole aligned 2 MiB around va, none of which is mapped yet, and the allocator
 * has a free 2 MiB block. Returns true with *pa (va's page) when the block is mapped; false
 * (nothing changed) to let the caller map a 4 KiB page.
 */
static bool block_for(struct vm_space *vs, const struct region *r, uint64_t va, uint64_t *pa)
{
    /* (Backed regions are never REGION_ANON.) */
    uint64_t base = va & ~(BLOCK - 1);

    if (r->kind != REGION_ANON || base < r->start || r->end - base < BLOCK ||
        pgtable_unmapped(&vs->pt, base, BLOCK) != 1)
        return false;
    /* Charged whole: a block near the limit falls back to a page, which may still fit. */
    if (account_charge_pages(vs->acct, BLOCK / PAGE) != 0)
        return false;
    uint64_t block = pmm_alloc_zeroed(BLOCK_ORDER);
    if (!block) {
        account_uncharge_pages(vs->acct, BLOCK / PAGE);
        return false;
    }
    pmm_split(block); /* a single owner, so it cannot fail: from now on 512 pages */
    if (r->prot & WREN_PROT_EXEC)
        sync_for_exec(block, BLOCK);
    if (pgtable_map(&vs->pt, base, block, BLOCK, pgt_prot(r->prot)) != 0) {
        page_released(vs->acct, block, BLOCK);
        return false;
    }
    vs->blocks = true;
    *pa = block + (va - base);
    return true;
}

/* page_for's way out when the page could not be had: its charge goes back (a noinline slow path). */
static __attribute__((noinline)) int page_failed(struct vm_space *vs, int err, bool private)
{
    if (private)
        account_uncharge_pages(vs->acct, 1);
    return err;
}

/* The page at va (page aligned): its physical address, allocating it if the region allows `access`. */
static int page_for(struct vm_space *vs, uint64_t va, enum vm_access access, bool ignore_prot, uint64_t *pa)
{
    unsigned have;
    if (pgtable_lookup(&vs->pt, va, pa, &have, 0) == 0) {
        if (ignore_prot)
            return 0;
        if (!(have & PGT_READ))
            return -E_FAULT; /* PROT_NONE */
        if ((access & VM_WRITE) && (have & PGT_COW)) {
            const struct region *r = region_find(&vs->regions, va);
            if (r && (r->prot & WREN_PROT_WRITE))
                return cow_break(vs, va, have, pa);
        }
        if (((access & VM_WRITE) && !(have & PGT_WRITE)) || ((access & VM_EXEC) && !(have & PGT_EXEC)))
            return -E_FAULT;
        return 0;
    }
    const struct region *r = region_find(&vs->regions, va);
    if (!r || r->prot == 0)
        return -E_FAULT;
    if (!ignore_prot &&
        (((access & VM_WRITE) && !(r->prot & WREN_PROT_WRITE)) || ((access & VM_EXEC) && !(r->prot & WREN_PROT_EXEC))))
        return -E_FAULT;
    if (block_for(vs, r, va, pa))
        return 0;
    /* A private page is this space's to pay for; a shared one its object's (map_page); registers nobody's. */
    bool private = !r->obj || (!is_shared(r->kind) && !is_device(r->kind));
    if (private && account_charge_pages(vs->acct, 1) != 0)
        return ACCOUNT_E_LIMIT;
    uint64_t page;
    int err;
    if (!r->obj) {
        page = pmm_alloc_zeroed(0);
        err = page ? 0 : -E_NOMEM;
    } else {
        err = backing->map_page(r->obj, r->off + (va - r->start), &page); /* with a reference for this entry */
    }
    if (err)
        return page_failed(vs, err, private);
    /* A page that appears in an executable region runs what was written to it through the data side (vm_load, which
     * comes here with ignore_prot, syncs after it writes). */
    if (!ignore_prot && (r->prot & WREN_PROT_EXEC))
        sync_for_exec(page, PAGE);
    err = pgtable_map(&vs->pt, va, page, PAGE, region_pgt_prot(r));
    if (err) {
        if (!is_device(r->kind))
            pmm_put(page);
        if (err == -E_NOMEM && vs->acct->table_refused)
            err = ACCOUNT_E_LIMIT; /* a table the limit refused, not one RAM had none for */
        return page_failed(vs, err, private);
    }
    *pa = page;
    return 0;
}

int vm_fault(struct vm_space *vs, uint64_t va, enum vm_access access)
{
    uint64_t pa;
    if (va >= VM_USER_TOP)
        return -E_FAULT;
    return page_for(vs, page_down(va), access, false, &pa);
}

int vm_check(struct vm_space *vs, uint64_t va, size_t len, enum vm_access access)
{
    uint64_t pa;
    if (len == 0)
        return 0;
    if (va >= VM_USER_TOP || len > VM_USER_TOP - va)
        return -E_FAULT;
    for (uint64_t page = page_down(va); page < va + len; page += PAGE) {
        int err = page_for(vs, page, access, false, &pa);
        if (err)
            return err == -E_NOMEM || err == ACCOUNT_E_LIMIT ? -E_NOMEM : -E_FAULT;
    }
    return 0;
}

int vm_pin(struct vm_space *vs, uint64_t va, enum vm_access access, uint64_t *pa)
{
    if (va < VM_USER_BASE || va >= VM_USER_TOP)
        return -E_FAULT;
    const struct region *r = region_find(&vs->regions, va);
    if (!r || is_device(r->kind))
        return -E_FAULT; /* registers are nobody's pages: they have no reference to take */
    uint64_t page;
    int err = page_for(vs, page_down(va), access, false, &page);
    if (err)
        return err == -E_NOMEM || err == ACCOUNT_E_LIMIT ? -E_NOMEM : -E_FAULT;
    page = page_down(page);
    if (pmm_get(page) != 0)
        return -E_FAULT;
    *pa = page;
    return 0;
}

uint64_t vm_resident_pages(const struct vm_space *vs)
{
    return pgtable_mapped_pages(&vs->pt);
}

int vm_load(struct vm_space *vs, uint64_t va, const void *src, size_t len)
{
    const uint8_t *s = src;
    while (len) {
        uint64_t pa;
        size_t off = va & (PAGE - 1), n = PAGE - off < len ? PAGE - off : len;
        int err = page_for(vs, page_down(va), VM_READ, true, &pa);
        if (err)
            return err;
        void *dst = (uint8_t *)phys_to_virt(pa) + off;
        memcpy(dst, s, n);
        arch_sync_icache(dst, n); /* it may be code: make the instruction side see it */
        va += n, s += n, len -= n;
    }
    return 0;
}

/*
 * Before the region set changes at start and end: no block may straddle either address, so
 * the page-table work of the change splits nothing and cannot fail. Splitting changes no
 * translation, so a failure here (out of memory for a table) leaves everything as it was.
 */
static int split_edges(struct vm_space *vs, uint64_t start, uint64_t end)
{
    if (!vs->blocks)
        return 0; /* only 4 KiB pages were ever mapped here (most processes): nothing to walk for */
    int err = pgtable_split(&vs->pt, start);
    if (!err && end < VM_USER_TOP)
        err = pgtable_split(&vs->pt, end);
    return err;
}

struct unmap_ctx {
    struct vm_space *vs;
    int nobjs;
    void *objs[REGION_MAX]; /* distinct objects the removed pieces named (one piece per region at most) */
};

static void unmap_piece(void *ctx, const struct region *piece)
{
    struct unmap_ctx *uc = ctx;
    struct vm_space *vs = uc->vs;
    if (piece->obj) {
        bool seen = false;
        for (int i = 0; i < uc->nobjs && !seen; i++)
            seen = uc->objs[i] == piece->obj;
        if (!seen && uc->nobjs < REGION_MAX)
            uc->objs[uc->nobjs++] = piece->obj;
    }
    /* Its edges cut no block (split_edges, and blocks lie inside one region): no split, so this cannot fail. */
    pgtable_freed_fn released = is_device(piece->kind)   ? NULL
                                : is_shared(piece->kind) ? shared_released
                                                         : page_released;
    int err = pgtable_unmap(&vs->pt, piece->start, piece->end - piece->start, released);
    KASSERT(err == 0);
}

static bool prot_valid(uint32_t prot)
{
    return !(prot & ~WREN_PROT_ALL) &&
           (prot & (WREN_PROT_WRITE | WREN_PROT_EXEC)) != (WREN_PROT_WRITE | WREN_PROT_EXEC);
}

long vm_mmap_anon(struct vm_space *vs, uint64_t addr, uint64_t len, uint32_t prot, bool fixed)
{
    return vm_map(vs, addr, len, prot, fixed, REGION_ANON, NULL, 0);
}

long vm_map(struct vm_space *vs, uint64_t addr, uint64_t len, uint32_t prot, bool fixed, uint32_t kind, void *obj,
            uint64_t off)
{
    if (len == 0 || len > VM_USER_TOP || !prot_valid(prot) || (off & (PAGE - 1)))
        return -E_INVAL;
    len = (len + PAGE - 1) & ~(PAGE - 1);
    uint64_t start = addr;
    if (fixed) {
        if ((addr & (PAGE - 1)) || !user_range(addr, len))
            return -E_INVAL;
        int err = vm_unmap(vs, addr, len); /* MAP_FIXED replaces what was there */
        if (err)
            return err;
    } else {
        uint64_t hint = (addr >= VM_MMAP_BASE && addr < VM_MMAP_TOP) ? page_down(addr) : 0;
        if (region_find_free(&vs->regions, VM_MMAP_BASE, VM_MMAP_TOP, len, hint, &start) != 0)
            return -E_NOMEM;
    }
    bool named = obj && names(vs, obj);
    int err = region_insert_backed(&vs->regions, start, start + len, prot, kind, obj, off);
    if (err)
        return err == -E_EXIST ? -E_NOMEM : err;
    if (obj && !named)
        backing->get(obj); /* this space's reference, for all its regions of obj */
    if (is_grant(kind))
        vs->grants = true;
    return (long)start;
}

int vm_unmap(struct vm_space *vs, uint64_t addr, uint64_t len)
{
    if (len == 0 || (addr & (PAGE - 1)) || len > VM_USER_TOP)
        return -E_INVAL;
    len = (len + PAGE - 1) & ~(PAGE - 1);
    if (!user_range(addr, len))
        return -E_INVAL;
    int err = split_edges(vs, addr, addr + len);
    if (err)
        return err;
    struct unmap_ctx uc;
    uc.vs = vs;
    uc.nobjs = 0; /* (objs[] is filled as far as nobjs: not zeroed, munmap is a hot path) */
    err = region_remove(&vs->regions, addr, addr + len, unmap_piece, &uc);
    /* The space's reference to an object goes with its last region (after its pages: they hold their own). */
    for (int i = 0; i < uc.nobjs; i++) {
        if (!names(vs, uc.objs[i]))
            backing->put(uc.objs[i]);
    }
    return err;
}

struct protect_ctx {
    struct vm_space *vs;
    uint32_t prot;      /* the WREN_PROT_* mprotect gives */
    unsigned leaf_prot; /* what that is in the table for the piece at hand (its kind decides the memory type) */
};

/* pgtable_reprotect's question for mprotect: the piece's new protection, with copy-on-write kept (see below). */
static unsigned protect_leaf(void *ctx, uint64_t va, uint64_t pa, uint64_t size, unsigned old, bool commit)
{
    const struct protect_ctx *pc = ctx;
    unsigned prot = pc->leaf_prot;
    (void)va;

    /* A shared copy-on-write page stays read-only until written: the fault copies it. */
    if (old & PGT_COW)
        prot = (prot & ~PGT_WRITE) | PGT_COW;
    /* Only pages that become executable need the maintenance: an mprotect that keeps or drops exec costs nothing. */
    if (commit && (prot & PGT_EXEC) && !(old & PGT_EXEC))
        sync_for_exec(pa, size);
    return prot;
}

/*
 * Only the pages already touched are in the table; the rest follow the region when faulted in. The walk visits the
 * mapped entries alone (pgtable_reprotect), so an mprotect of a vast untouched reservation costs what is mapped in
 * it, not its size.
 */
static void protect_piece(void *ctx, const struct region *piece)
{
    struct protect_ctx *pc = ctx;
    struct region changed = *piece; /* reported with the protection it had */
    changed.prot = pc->prot;
    pc->leaf_prot = region_pgt_prot(&changed); /* once per piece, not per leaf */
    /* Its edges cut no block (split_edges, and blocks lie inside one region), and the protection is one W^X allows
     * (prot_valid): this cannot fail. */
    int err = pgtable_reprotect(&pc->vs->pt, piece->start, piece->end - piece->start, protect_leaf, pc);
    KASSERT(err == 0);
}

struct refuse_ctx {
    uint32_t prot;
    bool refused;
};

/* Write to a mapping made through a handle without the write right, or execute device registers. */
static void note_refused(void *ctx, const struct region *piece)
{
    struct refuse_ctx *rc = ctx;
    if (((rc->prot & WREN_PROT_WRITE) &&
         (piece->kind == REGION_SHM_RO || piece->kind == REGION_DEVICE_RO || piece->kind == REGION_GRANT_RO)) ||
        ((rc->prot & WREN_PROT_EXEC) && is_device(piece->kind)))
        rc->refused = true;
}

int vm_protect(struct vm_space *vs, uint64_t addr, uint64_t len, uint32_t prot)
{
    if (len == 0 || (addr & (PAGE - 1)) || len > VM_USER_TOP || !prot_valid(prot))
        return -E_INVAL;
    len = (len + PAGE - 1) & ~(PAGE - 1);
    if (!user_range(addr, len))
        return -E_INVAL;
    int err = split_edges(vs, addr, addr + len);
    if (err)
        return err;
    /* A shared mapping made through a handle without the write right never becomes writable; registers never run. */
    struct refuse_ctx rc = {prot, false};
    if (prot & (WREN_PROT_WRITE | WREN_PROT_EXEC))
        region_for_each(&vs->regions, addr, addr + len, note_refused, &rc);
    if (rc.refused)
        return -E_ACCES;
    struct protect_ctx pc = {vs, prot, 0};
    return region_protect(&vs->regions, addr, addr + len, prot, protect_piece, &pc);
}

/* pgtable_fork's question: shared memory (REGION_SHM*) stays the same pages in both; all else is copy-on-write. */
static bool fork_cow(void *ctx, uint64_t va)
{
    const struct region *r = region_find(ctx, va);
    return !r || (!is_shared(r->kind) && !is_device(r->kind));
}

/*
 * The child maps these pages too: one more reference on each page of RAM (a 2 MiB block was
 * split into pages at its fault). Device registers are no pages of the allocator's: the
 * child shares the mapping, and the device object its region holds keeps the device open.
 */
static void fork_shared(void *ctx, uint64_t pa, uint64_t size)
{
    (void)ctx;
    for (uint64_t off = 0; off < size; off += PAGE)
        if (pmm_refcount(pa + off))
            pmm_get(pa + off);
}

/*
 * Copy-on-write duplicate of `parent` into the empty space `child`: same regions; every
 * page the parent has is mapped in both, without write access and marked copy-on-write,
 * with its reference count raised; a write by either side copies it then (cow_break), or
 * just takes it back if the other side has let go. Read-only and PROT_NONE pages are marked
 * too, so that a later mprotect to writable cannot hand either side a page the other sees.
 * Shared-memory pages are mapped as they are in both.
 *
 * One walk over the parent's page table does it (pgtable_fork), visiting only the pages
 * that are there: a region's untouched pages cost nothing. It allocates every table first,
 * so running out of memory leaves the parent exactly as it was.
 *
 * A 2 MiB block is split into pages in the parent. Sharing it whole would make every
 * copy-on-write break copy 2 MiB — 512 pages for a one-byte write, and a fault that fails
 * whenever no free 2 MiB block is left — or split it then anyway; splitting here keeps
 * cow_break one page.
 */
int vm_fork(struct vm_space *parent, struct vm_space *child)
{
    /* The used slots only: the child's set is empty (vm_create), so the rest are zero already. */
    child->regions.count = parent->regions.count;
    memcpy(child->regions.r, parent->regions.r, (size_t)parent->regions.count * sizeof(parent->regions.r[0]));
    for_each_object(child, object_get); /* before anything can fail: vm_destroy(child) drops them */
    /* A shared block (none today: blocks are anonymous memory, which is copy-on-write) would stay one in both. */
    child->blocks = parent->blocks;
    struct pgtable_fork_ops f = {fork_cow, fork_shared, &parent->regions};
    int err = pgtable_fork(&child->pt, &parent->pt, &f); /* on failure the caller destroys the child */
    if (err)
        return err;
    /*
     * The child maps every private page the parent does (copy-on-write): the same count, charged at once rather than
     * page by page in the walk, then held against the child's limit (its tables were, as they were allocated).
     */
    account_force_pages(child->acct, parent->acct->user_pages);
    /* Pages lent for one request stay the borrower's alone: the child of a scheme server gets none of them. */
    if (parent->grants) {
        for (int i = child->regions.count - 1; i >= 0; i--) {
            const struct region *r = &child->regions.r[i];
            if (is_grant(r->kind))
                vm_unmap(child, r->start, r->end - r->start); /* (cannot fail: 4 KiB pages, no split) */
        }
    }
    return account_fits(child->acct, 0) ? 0 : -E_NOMEM;
}
