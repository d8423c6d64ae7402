/* Signal and process-group syscalls (interface/syscalls/proc.yaml); the work is in proc/signal*.c and proc/pgroup.c. */
#include "proc/pgroup.h"
#include "proc/signal.h"
#include "proc/signal_frame.h"
#include "syscall_table.h"

long sys_kill(int32_t pid, uint32_t sig)
{
    return pgroup_kill(pid, (int)sig);
}

long sys_sigaction(uint32_t sig, user_in_ptr act, user_out_ptr old)
{
    return signal_action((int)sig, act, old);
}

long sys_sigprocmask(uint32_t how, uint64_t set, user_out_ptr old)
{
    return signal_mask(how, set, old);
}

long sys_sigreturn(uintptr_t frame)
{
    return signal_frame_return(frame);
}

long sys_setpgid(int32_t pid, int32_t pgid)
{
    return pgroup_setpgid(pid, pgid);
}

long sys_getpgid(int32_t pid)
{
    return pgroup_getpgid(pid);
}

long sys_setsid(void)
{
    return pgroup_setsid();
}
