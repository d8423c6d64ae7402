/* Clock syscalls (interface/syscalls/time.yaml). */
#include "syscall_table.h"
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
