/* Scheme syscalls (interface/syscalls/scheme.yaml): wait for the scheme work. */
#include "syscall_table.h"

long sys_scheme_open(user_in_buf scheme, user_in_buf path, uint32_t flags)
{
    (void)scheme, (void)path, (void)flags;
    return -E_NOSYS;
}
