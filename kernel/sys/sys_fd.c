/* File-descriptor syscalls (interface/syscalls/fd.yaml): wait for the file-descriptor work. */
#include "syscall_table.h"

long sys_open(user_in_ptr path, size_t path_len, uint32_t flags)
{
    (void)path, (void)path_len, (void)flags;
    return -E_NOSYS;
}

long sys_close(wren_fd_t fd)
{
    (void)fd;
    return -E_NOSYS;
}

long sys_read(wren_fd_t fd, user_out_ptr buf, size_t count)
{
    (void)fd, (void)buf, (void)count;
    return -E_NOSYS;
}

long sys_write(wren_fd_t fd, user_in_ptr buf, size_t count)
{
    (void)fd, (void)buf, (void)count;
    return -E_NOSYS;
}

long sys_dup(wren_fd_t fd)
{
    (void)fd;
    return -E_NOSYS;
}

long sys_dup2(wren_fd_t old_fd, wren_fd_t new_fd)
{
    (void)old_fd, (void)new_fd;
    return -E_NOSYS;
}

long sys_lseek(wren_fd_t fd, int64_t offset, uint32_t whence)
{
    (void)fd, (void)offset, (void)whence;
    return -E_NOSYS;
}

long sys_fstat(wren_fd_t fd, user_out_ptr st)
{
    (void)fd, (void)st;
    return -E_NOSYS;
}

long sys_ioctl(wren_fd_t fd, uint32_t cmd, uint64_t arg)
{
    (void)fd, (void)cmd, (void)arg;
    return -E_NOSYS;
}
