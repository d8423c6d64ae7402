/*
 * Process syscalls (interface/syscalls/proc.yaml). One user program runs at a time until
 * the process work lands; the calls that need more than that report E_NOSYS.
 */
#include "syscall_table.h"
#include "user.h"

_Noreturn void sys_exit(int32_t code)
{
    user_exit(code);
}

long sys_yield(void)
{
    return 0; /* the only runnable program is the caller */
}

long sys_get_pid(void)
{
    return user_current_pid();
}

long sys_spawn(user_in_ptr path, size_t path_len, user_in_ptr argv, size_t argv_len)
{
    (void)path, (void)path_len, (void)argv, (void)argv_len;
    return -E_NOSYS;
}

long sys_wait(int32_t pid, user_out_ptr status, uint32_t options)
{
    (void)pid, (void)status, (void)options;
    return -E_NOSYS;
}

long sys_exec(user_in_ptr path, size_t path_len, user_in_ptr argv, size_t argv_len)
{
    (void)path, (void)path_len, (void)argv, (void)argv_len;
    return -E_NOSYS;
}

long sys_fork(void)
{
    return -E_NOSYS;
}

long sys_clone(uint32_t flags, uintptr_t stack, uintptr_t entry, uint64_t arg)
{
    (void)flags, (void)stack, (void)entry, (void)arg;
    return -E_NOSYS;
}
