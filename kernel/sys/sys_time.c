/* Clock syscalls (interface/syscalls/time.yaml). */
#include "syscall_table.h"
#include "proc/sched.h"
#include "proc/signal.h"
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
    uint64_t deadline = timer_deadline_after(duration_ns);

    if (duration_ns == 0) {
        sched_yield();
        return 0;
    }
    /* A signal that is not blocked ends the sleep early (signal_post wakes the sleeper). */
    if (signal_interrupted(proc_current()))
        return -E_INTR;
    sched_sleep_until(deadline);
    return signal_interrupted(proc_current()) && timer_now_ns() < deadline ? -E_INTR : 0;
}
