/*
 * Shared-memory objects (shm.h): a page table of their own, one 32-bit page frame number per
 * page (0: not touched yet), so a 1 GiB object's table is 1 MiB of kernel heap.
 */
#include <wren/abi.h>

#include "mm/kmalloc.h"
#include "mm/pmm.h"
#include "obj/shm.h"
#include "panic.h"

struct shm {
    struct kobject obj; /* first: the kobject pointer is the shm pointer */
    uint64_t npages;
    uint32_t *pfn; /* npages entries: physical address >> PMM_PAGE_SHIFT, 0 until first touched */
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
        uint64_t page = pmm_alloc_zeroed(0);
        if (!page)
            return -E_NOMEM;
        KASSERT((page >> PMM_PAGE_SHIFT) <= UINT32_MAX);
        s->pfn[i] = (uint32_t)(page >> PMM_PAGE_SHIFT);
    }
    *pa = (uint64_t)s->pfn[i] << PMM_PAGE_SHIFT;
    pmm_get(*pa); /* the mapping's reference */
    return 0;
}

static const struct kobject_ops shm_ops = {
    .destroy = shm_destroy,
    .map_page = shm_map_page,
};

long shm_create(uint64_t size, struct kobject **out)
{
    if (size == 0)
        return -E_INVAL;
    if (size > SHM_MAX_SIZE)
        return -E_NOMEM;
    struct shm *s = kzalloc(sizeof(*s));
    if (!s)
        return -E_NOMEM;
    s->npages = (size + PMM_PAGE_SIZE - 1) >> PMM_PAGE_SHIFT;
    s->pfn = kzalloc(s->npages * sizeof(s->pfn[0]));
    if (!s->pfn) {
        kfree(s);
        return -E_NOMEM;
    }
    kobj_init(&s->obj, &shm_ops, WREN_OBJECT_SHM, 0);
    *out = &s->obj;
    return 0;
}

uint64_t shm_size(const struct kobject *o)
{
    return shm_of(o)->npages << PMM_PAGE_SHIFT;
}
