/*
 * Shared-memory objects (shm.h): a page table of their own, one 32-bit page frame number per
 * page (0: not touched yet), so a 1 GiB object's table is 1 MiB of kernel heap (a 2 MiB block).
 *
 * Charged to the creator's account (mm/account.h): the object and its table when it is made
 * (kobj_charge_*), each page when it is first touched (whoever touches it: the object keeps the
 * page until it goes, so it is the object's cost, not the mapping's), all given back with it.
 */
#include <wren/abi.h>

#include "mm/account.h"
#include "mm/kmalloc.h"
#include "mm/pmm.h"
#include "objects/shm.h"
#include "panic.h"

struct shm {
    struct kobject obj; /* first: the kobject pointer is the shm pointer */
    uint64_t npages;
    uint64_t touched; /* pages allocated (charged to obj.acct) */
    uint32_t *pfn;    /* npages entries: physical address >> PMM_PAGE_SHIFT, 0 until first touched */
};

static struct shm *shm_of(const struct kobject *o)
{
    return (struct shm *)o;
}

static void shm_destroy(struct kobject *o)
{
    struct shm *s = shm_of(o);
    for (uint64_t i = 0; i < s->npages; i++) {
        if (s->pfn[i])
            pmm_put((uint64_t)s->pfn[i] << PMM_PAGE_SHIFT); /* freed now unless a mapping still holds it */
    }
    account_uncharge(s->obj.acct, s->touched * PMM_PAGE_SIZE);
    kfree(s->pfn);
    kfree(s);
}

static int shm_map_page(struct kobject *o, uint64_t offset, uint64_t *pa)
{
    struct shm *s = shm_of(o);
    uint64_t i = offset >> PMM_PAGE_SHIFT;

    if (i >= s->npages)
        return -E_FAULT; /* mmap keeps mappings inside the object; never reached */
    if (!s->pfn[i]) {
        if (account_charge(s->obj.acct, PMM_PAGE_SIZE) != 0)
            return ACCOUNT_E_LIMIT; /* the creator's limit: the fault ends the toucher (vm.h) */
        uint64_t page = pmm_alloc_zeroed(0);
        if (!page) {
            account_uncharge(s->obj.acct, PMM_PAGE_SIZE);
            return -E_NOMEM;
        }
        KASSERT((page >> PMM_PAGE_SHIFT) <= UINT32_MAX);
        s->pfn[i] = (uint32_t)(page >> PMM_PAGE_SHIFT);
        s->touched++;
    }
    *pa = (uint64_t)s->pfn[i] << PMM_PAGE_SHIFT;
    pmm_get(*pa); /* the mapping's reference */
    return 0;
}

static long shm_fstat(struct kobject *o, struct wren_stat *st)
{
    st->size = shm_of(o)->npages << PMM_PAGE_SHIFT;
    return 0;
}

static const struct kobject_ops shm_ops = {
    .destroy = shm_destroy,
    .fstat = shm_fstat,
    .truncate = shm_resize,
    .map_page = shm_map_page,
};

/* What the page table of an object of npages pages takes from the heap (none for an empty object). */
static uint64_t table_cost(uint64_t npages)
{
    return npages ? kmalloc_size(npages * sizeof(uint32_t)) : 0;
}

/* A new object of `size` bytes (0 allowed: shm_create_empty). */
static long shm_new(uint64_t size, struct kobject **out)
{
    if (size > SHM_MAX_SIZE)
        return -E_NOMEM;
    uint64_t npages = (size + PMM_PAGE_SIZE - 1) >> PMM_PAGE_SHIFT;
    uint64_t cost = kmalloc_size(sizeof(struct shm)) + table_cost(npages);
    if (kobj_charge_begin(cost) != 0)
        return -E_NOMEM; /* over the creator's limit: nothing allocated */
    struct shm *s = kzalloc(sizeof(*s));
    uint32_t *pfn = npages ? kzalloc(npages * sizeof(uint32_t)) : 0;
    if (!s || (npages && !pfn)) {
        kfree(s);
        kfree(pfn);
        kobj_charge_cancel(cost);
        return -E_NOMEM;
    }
    s->npages = npages;
    s->pfn = pfn;
    kobj_init(&s->obj, &shm_ops, WREN_OBJECT_SHM, 0);
    kobj_charge_end(&s->obj, cost);
    *out = &s->obj;
    return 0;
}

long shm_create(uint64_t size, struct kobject **out)
{
    return size ? shm_new(size, out) : -E_INVAL;
}

long shm_create_empty(struct kobject **out)
{
    return shm_new(0, out);
}

long shm_resize(struct kobject *o, uint64_t size)
{
    struct shm *s = shm_of(o);

    if (size > SHM_MAX_SIZE)
        return -E_NOMEM;
    uint64_t npages = (size + PMM_PAGE_SIZE - 1) >> PMM_PAGE_SHIFT;
    if (npages == s->npages)
        return 0;
    /*
     * A page past the new end that a mapping still holds cannot go: the mapping would keep it, uncharged, and a
     * later growth would hand out a second page for the same offset. Pages nobody maps (only the object's
     * reference) go back at once.
     */
    for (uint64_t i = npages; i < s->npages; i++) {
        if (s->pfn[i] && pmm_refcount((uint64_t)s->pfn[i] << PMM_PAGE_SHIFT) > 1)
            return -E_BUSY;
    }
    uint64_t old_cost = table_cost(s->npages), new_cost = table_cost(npages);
    if (new_cost > old_cost && o->acct && account_charge(o->acct, new_cost - old_cost) != 0)
        return -E_NOMEM;
    uint32_t *pfn = npages ? kzalloc(npages * sizeof(uint32_t)) : 0;
    if (npages && !pfn) {
        if (new_cost > old_cost && o->acct)
            account_uncharge(o->acct, new_cost - old_cost);
        return -E_NOMEM;
    }
    uint64_t keep = npages < s->npages ? npages : s->npages;
    for (uint64_t i = 0; i < keep; i++)
        pfn[i] = s->pfn[i];
    for (uint64_t i = npages; i < s->npages; i++) {
        if (s->pfn[i]) {
            pmm_put((uint64_t)s->pfn[i] << PMM_PAGE_SHIFT);
            s->touched--;
            if (o->acct)
                account_uncharge(o->acct, PMM_PAGE_SIZE);
        }
    }
    kfree(s->pfn);
    s->pfn = pfn;
    s->npages = npages;
    if (new_cost < old_cost && o->acct)
        account_uncharge(o->acct, old_cost - new_cost);
    o->charged = (uint32_t)(o->charged + new_cost - old_cost);
    return 0;
}

uint64_t shm_size(const struct kobject *o)
{
    return shm_of(o)->npages << PMM_PAGE_SHIFT;
}

long shm_create_contiguous(uint64_t size, struct kobject **out, uint64_t *phys)
{
    if (size == 0)
        return -E_INVAL;
    if (size > SHM_DMA_MAX_SIZE)
        return -E_NOMEM;
    struct kobject *o;
    long err = shm_create(size, &o);
    if (err)
        return err;
    struct shm *s = shm_of(o);
    unsigned order = 0;
    while ((1ull << order) < s->npages)
        order++;
    uint64_t bytes = s->npages * PMM_PAGE_SIZE;
    if (account_charge(s->obj.acct, bytes) != 0) {
        kobj_put(o);
        return -E_NOMEM;
    }
    uint64_t block = pmm_alloc_zeroed(order);
    if (!block) {
        account_uncharge(s->obj.acct, bytes);
        kobj_put(o);
        return -E_NOMEM;
    }
    /* One reference per page, so the object and each mapping's entries count pages as they do for any shm; the
     * pages of the block past the object's end go straight back to the allocator. */
    int split = pmm_split(block);
    KASSERT(split == 0);
    for (uint64_t i = 0; i < (1ull << order); i++) {
        uint64_t page = block + i * PMM_PAGE_SIZE;
        if (i < s->npages) {
            KASSERT((page >> PMM_PAGE_SHIFT) <= UINT32_MAX);
            s->pfn[i] = (uint32_t)(page >> PMM_PAGE_SHIFT);
        } else {
            pmm_put(page);
        }
    }
    s->touched = s->npages;
    *phys = block;
    *out = o;
    return 0;
}
