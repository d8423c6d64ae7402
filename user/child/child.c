/*
 * child: a helper program for user/proctest. argv[1] says what to do:
 *   exit N      exit with status N
 *   fault       execute a breakpoint (killed by the kernel)
 *   spin MS     burn the CPU for MS milliseconds, then exit 0
 *   fp N        floating-point work that a lost FP/SIMD context would corrupt; exit 0 if right
 *   orphan      spawn "child spin 50" and exit at once, leaving it to be re-parented to init
 *   args        exit with argc * 10 + strlen(argv[2])
 */
#include <stdint.h>

#include <wren/print.h>
#include <wren/syscalls.h>

static int str_eq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static long to_long(const char *s)
{
    long v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return v;
}

static void spin_ms(long ms)
{
    long end = wren_get_time(WREN_CLOCK_MONOTONIC) + ms * 1000000;
    while (wren_get_time(WREN_CLOCK_MONOTONIC) < end)
        ;
}

/* Sum 1/k^2 for k = 1..n in double precision, long enough to be preempted many times. */
static int fp_work(long n)
{
    double sum = 0;
    for (long k = 1; k <= n; k++)
        sum += 1.0 / ((double)k * (double)k);
    /* pi^2/6 = 1.6449340668...; the tail after n terms is about 1/n. */
    double err = 1.6449340668482264 - sum - 1.0 / (double)n;
    return err < 1e-6 && err > -1e-6 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 100;
    if (str_eq(argv[1], "exit") && argc > 2)
        return (int)to_long(argv[2]);
    if (str_eq(argv[1], "fault"))
        __builtin_trap();
    if (str_eq(argv[1], "spin") && argc > 2) {
        spin_ms(to_long(argv[2]));
        return 0;
    }
    if (str_eq(argv[1], "fp") && argc > 2)
        return fp_work(to_long(argv[2]));
    if (str_eq(argv[1], "orphan")) {
        static const char args[] = "child\0spin\00050";
        return wren_spawn("/bin/child", 10, args, sizeof(args)) > 0 ? 0 : 1;
    }
    if (str_eq(argv[1], "args") && argc > 2)
        return argc * 10 + (int)wren_strlen(argv[2]);
    return 101;
}
