/*
 * child: a helper program for tests/guest/proctest. argv[1] says what to do:
 *   exit N      exit with status N
 *   fault       execute a breakpoint (killed by the kernel)
 *   spin MS     burn the CPU for MS milliseconds, then exit 0
 *   fp N        floating-point work that a lost FP/SIMD context would corrupt; exit 0 if right
 *   orphan      spawn "child spin 50" and exit at once, leaving it to be re-parented to init
 *   args        exit with argc * 10 + strlen(argv[2])
 *   exec PATH ARGS...  exec PATH with argument block ARGS; if exec fails, exit 120 + the error
 *               number once the old image is shown to be intact (119 if it is not)
 *   execpid     exec "child pid P" with our own pid P
 *   pid P       exit 77 if get_pid() is P, 78 if not
 *   loop N      exec "child loop N-1" until N is 0, then exit 55
 *   kidexec     spawn "child exit 9", then exec "child reap"
 *   reap        wait for any child: exit 100 + its status (99 if there is none)
 *   fpexec      dirty FPCR, FPSR and d8-d15, then exec "child fpclean"
 *   fpclean     exit 60 if FPCR, FPSR and d8-d15 are all zero (a fresh image), 61 if not
 */
#include <stddef.h>
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

/* Lives in .data: a failed exec must leave the old image's memory as it was. */
static volatile long data_canary = 0x5eed;

/* Append s and its NUL to the argument block buf (of `cap` bytes); false if it does not fit. */
static int put_arg(char *buf, size_t cap, size_t *len, const char *s)
{
    size_t n = wren_strlen(s) + 1;
    if (*len + n > cap)
        return 0;
    for (size_t i = 0; i < n; i++)
        buf[*len + i] = s[i];
    *len += n;
    return 1;
}

static void put_dec(char *buf, long v)
{
    char tmp[24];
    int n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) > 0);
    while (n)
        *buf++ = tmp[--n];
    *buf = 0;
}

/*
 * exec `path` with the arguments args[0..n). Returns only if exec failed: 120 + the error
 * number (an exit code keeps 8 bits; exec's errors are all below 100), or 119 if the old
 * image (its stack, its data, its syscalls) did not survive it.
 */
static int exec_with(const char *path, char **args, int n)
{
    volatile long stack_canary = 0xca11ab1e;
    char block[512];
    size_t len = 0;

    for (int i = 0; i < n; i++)
        if (!put_arg(block, sizeof(block), &len, args[i]))
            return 98;
    long r = wren_exec(path, wren_strlen(path), block, len, 0, 0);
    if (stack_canary != 0xca11ab1e || data_canary != 0x5eed || wren_get_pid() <= 0)
        return 119;
    return (int)(120 - r);
}

/* FP/SIMD state that exec must not hand on: the asm and the exec in one function, so nothing restores it. */
__attribute__((noinline)) static int exec_fp_dirty(void)
{
    static char *args[] = {"child", "fpclean"};
    __asm__ volatile("fmov d8, #1.0\n fmov d9, #2.0\n fmov d10, #3.0\n fmov d11, #4.0\n"
                     "fmov d12, #5.0\n fmov d13, #6.0\n fmov d14, #7.0\n fmov d15, #8.0\n"
                     "msr fpcr, %0\n msr fpsr, %1" ::"r"(0x00c00000ul), /* round towards zero */
                     "r"(0x1ful)                                        /* every cumulative exception flag */
                     : "d8", "d9", "d10", "d11", "d12", "d13", "d14", "d15");
    return exec_with("/bin/child", args, 2);
}

__attribute__((noinline)) static int fp_clean(void)
{
    uint64_t fpcr, fpsr, d[8];
    __asm__ volatile("mrs %0, fpcr\n mrs %1, fpsr" : "=r"(fpcr), "=r"(fpsr));
    __asm__ volatile("fmov %0, d8\n fmov %1, d9\n fmov %2, d10\n fmov %3, d11\n"
                     "fmov %4, d12\n fmov %5, d13\n fmov %6, d14\n fmov %7, d15"
                     : "=r"(d[0]), "=r"(d[1]), "=r"(d[2]), "=r"(d[3]), "=r"(d[4]), "=r"(d[5]), "=r"(d[6]), "=r"(d[7]));
    uint64_t any = fpcr | fpsr;
    for (int i = 0; i < 8; i++)
        any |= d[i];
    return any ? 61 : 60;
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
    /* First, before main's own code can have touched an FP register. */
    if (argc == 2 && str_eq(argv[1], "fpclean"))
        return fp_clean();
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
    if (str_eq(argv[1], "tryrt")) /* run by an unprivileged parent at 8: never above 8, down and back is fine */
        return wren_set_priority(0, 20) == -E_PERM && wren_set_priority(0, 9) == -E_PERM &&
                       wren_set_priority(0, 4) == 8 && wren_set_priority(0, 8) == 4 &&
                       wren_set_priority(0, 9) == -E_PERM
                   ? 0
                   : 1;
    if (str_eq(argv[1], "rtgrand")) { /* spawn "tryrt" and pass its status on */
        static const char args[] = "child\0tryrt";
        int32_t status = -1;
        long pid = wren_spawn("/bin/child", 10, args, sizeof(args), 0);
        return pid > 0 && wren_wait((int32_t)pid, &status, 0) == pid ? status : 2;
    }
    if (str_eq(argv[1], "orphan")) {
        static const char args[] = "child\0spin\00050";
        return wren_spawn("/bin/child", 10, args, sizeof(args), 0) > 0 ? 0 : 1;
    }
    if (str_eq(argv[1], "args") && argc > 2)
        return argc * 10 + (int)wren_strlen(argv[2]);
    if (str_eq(argv[1], "exec") && argc > 2)
        return exec_with(argv[2], argv + 3, argc - 3);
    if (str_eq(argv[1], "execpid")) {
        char pid[24];
        char *args[] = {"child", "pid", pid};
        put_dec(pid, wren_get_pid());
        return exec_with("/bin/child", args, 3);
    }
    if (str_eq(argv[1], "pid") && argc > 2)
        return wren_get_pid() == to_long(argv[2]) ? 77 : 78;
    if (str_eq(argv[1], "loop") && argc > 2) {
        long n = to_long(argv[2]);
        char left[24];
        char *args[] = {"child", "loop", left};
        if (n == 0)
            return 55;
        put_dec(left, n - 1);
        return exec_with("/bin/child", args, 3);
    }
    if (str_eq(argv[1], "kidexec")) {
        static const char exit9[] = "child\0exit\09";
        static char *args[] = {"child", "reap"};
        if (wren_spawn("/bin/child", 10, exit9, sizeof(exit9), 0) <= 0)
            return 97;
        return exec_with("/bin/child", args, 2);
    }
    if (str_eq(argv[1], "reap")) {
        int32_t status = -1;
        return wren_wait(-1, &status, 0) > 0 ? 100 + status : 99;
    }
    if (str_eq(argv[1], "fpexec"))
        return exec_fp_dirty();
    return 101;
}
