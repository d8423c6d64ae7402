/* Memory syscalls (interface/syscalls/mem.yaml): wait for the memory-management work. */
#include "syscall_table.h"

long sys_mmap(uintptr_t addr, size_t len, uint32_t prot, uint32_t flags, wren_fd_t fd, uint64_t offset)
{
    (void)addr, (void)len, (void)prot, (void)flags, (void)fd, (void)offset;
    return -E_NOSYS;
}

long sys_munmap(uintptr_t addr, size_t len)
{
    (void)addr, (void)len;
    return -E_NOSYS;
}
