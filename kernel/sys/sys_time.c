/* Clock syscalls (interface/syscalls/time.yaml). */
#include "syscall_table.h"
#include "proc/sched.h"
#include "timer.h"

long sys_get_time(uint32_t clock)
{
    switch (clock) {
    case WREN_CLOCK_MONOTONIC: return (long)timer_now_ns();
    case WREN_CLOCK_REALTIME:
        /* No real-time clock is driven yet (QEMU's PL031, the BPI-R4's RTC over I2C). */
        return -E_NOTSUP;
    default: return -E_INVAL;
    }
}

long sys_sleep(uint64_t duration_ns)
{
    uint64_t now = timer_now_ns();
    if (duration_ns == 0)
        sched_yield();
    else
        sched_sleep_until(duration_ns > UINT64_MAX - now ? UINT64_MAX : now + duration_ns);
    return 0;
}
