/* Memory syscalls (interface/syscalls/mem.yaml). */
#include "mm/pmm.h"
#include "mm/vm.h"
#include "syscall_table.h"
#include "user.h"

long sys_mmap(uintptr_t addr, size_t len, uint32_t prot, uint32_t flags, wren_fd_t fd, uint64_t offset)
{
    (void)fd, (void)offset;
    /* Exactly one of private and shared (the dispatcher has rejected unknown bits). */
    if (!(flags & WREN_MAP_PRIVATE) == !(flags & WREN_MAP_SHARED))
        return -E_INVAL;
    /* File and shared mappings need file descriptors and memory objects: later work. */
    if (!(flags & WREN_MAP_ANONYMOUS))
        return -E_BADF;
    if (flags & WREN_MAP_SHARED)
        return -E_NOTSUP;
    return vm_mmap_anon(user_vm(), addr, len, prot, flags & WREN_MAP_FIXED);
}

long sys_munmap(uintptr_t addr, size_t len)
{
    return vm_unmap(user_vm(), addr, len);
}

long sys_mprotect(uintptr_t addr, size_t len, uint32_t prot)
{
    return vm_protect(user_vm(), addr, len, prot);
}

long sys_mem_info(user_out_ptr info)
{
    struct pmm_stats st;
    pmm_get_stats(&st);
    struct wren_meminfo mi = {
        .total = st.total_pages * PMM_PAGE_SIZE,
        .free = st.free_pages * PMM_PAGE_SIZE,
        .kernel = (st.reserved_pages + st.metadata_pages) * PMM_PAGE_SIZE,
        .page_size = (uint32_t)PMM_PAGE_SIZE,
    };
    return copy_to_user(info, &mi, sizeof(mi)) ? -E_FAULT : 0;
}
