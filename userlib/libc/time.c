/* Clocks for time(), gettimeofday() and clock(), from get_time. */
#include <errno.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <wren/libc.h>
#include <wren/syscalls.h>

int gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz;
    long ns = wren_get_time(WREN_CLOCK_REALTIME);
    if (ns < 0)
        return (int)wren_posix_result(ns);
    tv->tv_sec = ns / 1000000000;
    tv->tv_usec = ns % 1000000000 / 1000;
    return 0;
}

/* A process's CPU time is not accounted yet: report time since boot as user time. */
clock_t times(struct tms *t)
{
    long ns = wren_get_time(WREN_CLOCK_MONOTONIC);
    if (ns < 0)
        return (clock_t)wren_posix_result(ns);
    clock_t ticks = (clock_t)(ns / (1000000000 / CLOCKS_PER_SEC));
    t->tms_utime = ticks;
    t->tms_stime = t->tms_cutime = t->tms_cstime = 0;
    return ticks;
}

int getentropy(void *buf, size_t len)
{
    (void)buf, (void)len;
    errno = ENOSYS; /* no entropy source yet */
    return -1;
}
