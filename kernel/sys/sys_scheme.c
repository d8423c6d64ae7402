/* Scheme syscalls (interface/syscalls/scheme.yaml): wait for the scheme work. */
#include "syscall_table.h"

long sys_scheme_open(user_in_ptr scheme, size_t scheme_len, user_in_ptr path, size_t path_len, uint32_t flags)
{
    (void)scheme, (void)scheme_len, (void)path, (void)path_len, (void)flags;
    return -E_NOSYS;
}
