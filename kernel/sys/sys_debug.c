/* Debugging syscalls (interface/syscalls/debug.yaml). */
#include "objects/console_file.h"
#include "proc/proc.h"
#include "proc/smp.h"
#include "syscall_table.h"
#include "test_hooks.h"

#ifdef WREN_DEBUG
bool test_kstack_overflow;

/* A volatile bound the compiler cannot see through, so it neither warns of endless recursion nor makes a loop. */
static volatile unsigned long overflow_depth_limit = ~0ul;

static __attribute__((noinline)) unsigned long overflow_frame(volatile unsigned long *caller, unsigned long depth)
{
    volatile unsigned long frame[32]; /* 256 bytes a level */
    frame[0] = depth;
    frame[31] = caller ? caller[0] : 0;
    if (depth >= overflow_depth_limit)
        return frame[31];
    return overflow_frame(frame, depth + 1) + frame[0];
}

void test_overflow_kernel_stack(void)
{
    overflow_frame(0, 0);
}
#endif

long sys_debug_write(user_in_buf buf)
{
#ifdef WREN_DEBUG
    if (test_kstack_overflow)
        test_overflow_kernel_stack();
#endif
    return console_write_user(buf.ptr, buf.len);
}

static void ipi_nothing(void *arg)
{
    (void)arg;
}

long sys_ipi_ping(uint32_t cpu, uint32_t count)
{
    if (!proc_current()->privileged)
        return -E_PERM;
    if (count == 0 || count > 100000 || cpu == cpu_index())
        return -E_INVAL;
    for (uint32_t i = 0; i < count; i++) {
        int err = smp_call(cpu, ipi_nothing, 0);
        if (err)
            return err;
    }
    return count;
}
