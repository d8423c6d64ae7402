/* Thread and futex syscalls (interface/syscalls/proc.yaml): proc/thread.c and proc/futex.c do the work. */
#include "proc/futex.h"
#include "proc/thread.h"
#include "syscall_table.h"

long sys_clone(uint32_t flags, uintptr_t stack, uintptr_t entry, uint64_t arg, uint64_t tls, user_out_ptr tid)
{
    return thread_clone(flags, stack, entry, arg, tls, tid);
}

_Noreturn void sys_thread_exit(uint64_t value)
{
    thread_exit(value);
}

long sys_thread_join(int32_t tid, user_out_ptr value, uint32_t flags)
{
    return thread_join(tid, value, flags);
}

long sys_thread_kill(int32_t tid, uint32_t sig)
{
    return thread_kill(tid, (int)sig);
}

long sys_futex_wait(uintptr_t addr, uint32_t expected, uint64_t timeout_ns)
{
    return futex_wait(addr, expected, timeout_ns);
}

long sys_futex_wake(uintptr_t addr, uint32_t count)
{
    return futex_wake(addr, count);
}
