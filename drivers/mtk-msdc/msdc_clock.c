/* The guest's clock for msdc.c's timeouts (the host tests supply their own, tests/host/msdc_model.c). */
#include <wren/syscalls.h>

#include "msdc_io.h"

uint64_t msdc_now_ns(void)
{
    /* Should the clock ever fail, a count that still moves keeps every wait bounded. */
    static uint64_t fallback;
    long ns = wren_get_time(WREN_CLOCK_MONOTONIC);
    if (ns < 0)
        return fallback += 1000;
    return (uint64_t)ns;
}
