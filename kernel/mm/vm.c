/*
 * User address spaces (see vm.h). User mappings are 4 KiB pages only, so changing part of
 * a mapping never needs a block split, and the page-table calls made from the region
 * callbacks cannot fail.
 */
#include <wren/abi.h>

#include "arch/memlayout.h"
#include "arch/mmu.h"
#include "lib/string.h"
#include "mm/asid.h"
#include "mm/kmap.h"
#include "mm/pmm.h"
#include "mm/vm.h"

#define PAGE PMM_PAGE_SIZE

static uint64_t page_down(uint64_t v)
{
    return v & ~(PAGE - 1);
}

/* Page-table protection for a region's WREN_PROT_*: AArch64 has no write-only or exec-only at EL0 here. */
static unsigned pgt_prot(uint32_t prot)
{
    unsigned p = PGT_USER | PGT_READ;
    if (prot & WREN_PROT_WRITE)
        p |= PGT_WRITE;
    if (prot & WREN_PROT_EXEC)
        p |= PGT_EXEC;
    return p;
}

static bool user_range(uint64_t start, uint64_t len)
{
    return start >= VM_USER_BASE && len <= VM_USER_TOP - VM_USER_BASE &&
           start - VM_USER_BASE <= VM_USER_TOP - VM_USER_BASE - len;
}

static void page_released(void *ctx, uint64_t pa, uint64_t size)
{
    (void)ctx;
    for (uint64_t off = 0; off < size; off += PAGE)
        pmm_put(pa + off);
}

static struct asid_allocator asids;

void vm_init(void)
{
    asid_init(&asids, arch_asid_bits());
}

int vm_create(struct vm_space *vs)
{
    region_set_init(&vs->regions);
    vs->asid_ctx = 0;
    return pgtable_create(&vs->pt, &kmap_user_pgtable_ops, 0, true);
}

void vm_destroy(struct vm_space *vs)
{
    pgtable_destroy(&vs->pt, page_released);
    /* Its translations must be gone before the ASID or the pages are used again. */
    if (vs->asid_ctx) {
        arch_tlb_invalidate_asid(asid_of(&asids, vs->asid_ctx));
        asid_release(&asids, vs->asid_ctx);
    }
    vs->asid_ctx = 0;
    region_set_init(&vs->regions);
}

void vm_activate(struct vm_space *vs)
{
    bool flush_all = false;
    vs->pt.asid = asid_activate(&asids, &vs->asid_ctx, 0 /* one CPU for now */, &flush_all);
    if (flush_all)
        arch_tlb_invalidate_all(); /* a new ASID generation: no stale translation may survive */
    arch_set_user_table(pgtable_ttbr(&vs->pt));
}

int vm_reserve(struct vm_space *vs, uint64_t start, uint64_t len, uint32_t prot, uint32_t kind)
{
    if (!user_range(start, len))
        return -E_INVAL;
    return region_insert(&vs->regions, start, start + len, prot, kind);
}

/*
 * A write to a copy-on-write page: if nobody else holds the page any more, simply make it
 * writable again; otherwise copy it to a new page for this space alone. *pa follows.
 */
static int cow_break(struct vm_space *vs, uint64_t va, unsigned have, uint64_t *pa)
{
    unsigned rw = (have & ~PGT_COW) | PGT_WRITE;

    if (pmm_refcount(*pa) == 1)
        return pgtable_protect(&vs->pt, va, PAGE, rw);
    uint64_t copy = pmm_alloc(0);
    if (!copy)
        return -E_NOMEM;
    memcpy(phys_to_virt(copy), phys_to_virt(*pa), PAGE);
    /* Unmapping drops this space's reference; the other holders keep the original. */
    pgtable_unmap(&vs->pt, va, PAGE, page_released);
    int err = pgtable_map(&vs->pt, va, copy, PAGE, rw);
    if (err) {
        pmm_free(copy, 0);
        return err;
    }
    *pa = copy;
    return 0;
}

/* The page at va (page aligned): its physical address, allocating it if the region allows `access`. */
static int page_for(struct vm_space *vs, uint64_t va, enum vm_access access, bool ignore_prot, uint64_t *pa)
{
    unsigned have;
    if (pgtable_lookup(&vs->pt, va, pa, &have, 0) == 0) {
        if (ignore_prot)
            return 0;
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
    uint64_t page = pmm_alloc_zeroed(0);
    if (!page)
        return -E_NOMEM;
    int err = pgtable_map(&vs->pt, va, page, PAGE, pgt_prot(r->prot));
    if (err) {
        pmm_free(page, 0);
        return err;
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
            return err == -E_NOMEM ? err : -E_FAULT;
    }
    return 0;
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

static void unmap_piece(void *ctx, const struct region *piece)
{
    struct vm_space *vs = ctx;
    /* 4 KiB pages only: no block to split, so this cannot fail. */
    pgtable_unmap(&vs->pt, piece->start, piece->end - piece->start, page_released);
}

static bool prot_valid(uint32_t prot)
{
    return !(prot & ~WREN_PROT_ALL) &&
           (prot & (WREN_PROT_WRITE | WREN_PROT_EXEC)) != (WREN_PROT_WRITE | WREN_PROT_EXEC);
}

long vm_mmap_anon(struct vm_space *vs, uint64_t addr, uint64_t len, uint32_t prot, bool fixed)
{
    if (len == 0 || len > VM_USER_TOP || !prot_valid(prot))
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
    int err = region_insert(&vs->regions, start, start + len, prot, REGION_ANON);
    return err ? (err == -E_EXIST ? -E_NOMEM : err) : (long)start;
}

int vm_unmap(struct vm_space *vs, uint64_t addr, uint64_t len)
{
    if (len == 0 || (addr & (PAGE - 1)) || len > VM_USER_TOP)
        return -E_INVAL;
    len = (len + PAGE - 1) & ~(PAGE - 1);
    if (!user_range(addr, len))
        return -E_INVAL;
    return region_remove(&vs->regions, addr, addr + len, unmap_piece, vs);
}

struct protect_ctx {
    struct vm_space *vs;
    uint32_t prot;
};

static void protect_piece(void *ctx, const struct region *piece)
{
    struct protect_ctx *pc = ctx;
    /* Only the pages already touched are in the table; the rest follow the region when faulted in. */
    for (uint64_t va = piece->start; va < piece->end; va += PAGE) {
        unsigned have, prot = pgt_prot(pc->prot);
        if (pgtable_lookup(&pc->vs->pt, va, 0, &have, 0) != 0)
            continue;
        /* A shared copy-on-write page stays read-only until written: the fault copies it. */
        if (have & PGT_COW)
            prot = (prot & ~PGT_WRITE) | PGT_COW;
        pgtable_protect(&pc->vs->pt, va, PAGE, prot);
    }
}

int vm_protect(struct vm_space *vs, uint64_t addr, uint64_t len, uint32_t prot)
{
    /* PROT_NONE would need somewhere to keep the pages while they are unmapped: not yet. */
    if (len == 0 || (addr & (PAGE - 1)) || len > VM_USER_TOP || !prot_valid(prot) || prot == 0)
        return -E_INVAL;
    len = (len + PAGE - 1) & ~(PAGE - 1);
    if (!user_range(addr, len))
        return -E_INVAL;
    struct protect_ctx pc = {vs, prot};
    return region_protect(&vs->regions, addr, addr + len, prot, protect_piece, &pc);
}

/*
 * Copy-on-write duplicate of `parent` into the empty space `child`: same regions; every
 * page the parent has is mapped in both, read-only, with its reference count raised; a
 * write by either side copies it then (cow_break). Read-only pages are simply shared.
 */
int vm_fork(struct vm_space *parent, struct vm_space *child)
{
    child->regions = parent->regions;
    for (int i = 0; i < parent->regions.count; i++) {
        const struct region *r = &parent->regions.r[i];
        for (uint64_t va = r->start; va < r->end; va += PAGE) {
            uint64_t pa;
            unsigned have;
            if (pgtable_lookup(&parent->pt, va, &pa, &have, 0) != 0)
                continue; /* never touched: stays demand-zero in both */
            unsigned shared = have;
            if (have & (PGT_WRITE | PGT_COW))
                shared = (have & ~PGT_WRITE) | PGT_COW;
            int err = pgtable_map(&child->pt, va, pa, PAGE, shared);
            if (err)
                return err; /* the caller destroys the child, which drops what was shared */
            pmm_get(pa);
            if (shared != have)
                pgtable_protect(&parent->pt, va, PAGE, shared);
        }
    }
    return 0;
}
