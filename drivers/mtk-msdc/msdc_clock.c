/* The guest's clock for msdc.c's timeouts (the host tests supply their own, tests/host/msdc_model.c). */
#include <time.h>

#include "msdc_io.h"

uint64_t msdc_now_ns(void)
{
    /* Should the clock ever fail, a count that still moves keeps every wait bounded. */
    static uint64_t fallback;
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return fallback += 1000;
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
