/* kmalloc's page source in the kernel: buddy blocks reached through the linear map. */
#include "arch/memlayout.h"
#include "mm/kmalloc.h"
#include "mm/pmm.h"

void *kmalloc_pages_alloc(unsigned order)
{
    uint64_t pa = pmm_alloc(order);
    return pa ? phys_to_virt(pa) : NULL;
}

void kmalloc_pages_free(void *p, unsigned order)
{
    pmm_free(virt_to_phys(p), order);
}
