/*
 * syscheck: run as /bin/init by tests/test_syscalls.py. Exercises the implemented syscalls
 * through the generated stubs, including the refusals: bad user pointers, unknown clocks
 * and unknown syscall numbers must come back as errors, never crash the kernel. Prints one
 * line per check and a summary the test parses.
 */
#include <stddef.h>
#include <stdint.h>

#include <wren/check.h>
#include <wren/raw.h>
#include <wren/syscalls.h>

int main(void)
{
    static const char msg[] = "syscheck: debug_write works\n";

    wren_check_begin("syscheck");

    wren_check("debug_write(msg)", wren_debug_write(msg, sizeof(msg) - 1), (long)(sizeof(msg) - 1));
    wren_check("debug_write(len 0)", wren_debug_write(msg, 0), 0);
    wren_check("debug_write(NULL, 8)", wren_debug_write(NULL, 8), -E_FAULT);
    wren_check("debug_write(kernel image)", wren_debug_write((const void *)0xffff000040200000ull, 16), -E_FAULT);
    wren_check("debug_write(msg, huge len)", wren_debug_write(msg, (size_t)-1), -E_FAULT);
    wren_check("debug_write(top of address space)", wren_debug_write((const void *)~0ul, 2), -E_FAULT);
    wren_check("get_pid()", wren_get_pid(), 1);
    wren_check("yield()", wren_yield(), 0);

    long t1 = wren_get_time(WREN_CLOCK_MONOTONIC);
    for (volatile int i = 0; i < 100000; i++)
        ;
    long t2 = wren_get_time(WREN_CLOCK_MONOTONIC);
    wren_check("get_time(MONOTONIC) > 0", t1 > 0, 1);
    wren_check("monotonic time advances", t2 > t1, 1);
    wren_check("get_time(unknown clock)", wren_get_time(77), -E_INVAL);
    wren_check("get_time(REALTIME) without an RTC", wren_get_time(WREN_CLOCK_REALTIME), -E_NOTSUP);
    wren_check("unknown syscall 0xfff", wren_syscall6(0xfff, 1, 2, 3, 4, 5, 6), -E_NOSYS);
    wren_check("unknown syscall ~0", wren_syscall6(~0ull, 0, 0, 0, 0, 0, 0), -E_NOSYS);
    wren_check("syscall in a family gap 0x1ff", wren_syscall6(0x1ff, 0, 0, 0, 0, 0, 0), -E_NOSYS);
    /* The dispatcher truncates to the declared width: high bits of a 32-bit clock id are ignored. */
    wren_check("get_time(MONOTONIC | 1<<32) > 0", wren_syscall6(SYS_GET_TIME, 1ull << 32, 0, 0, 0, 0, 0) > 0, 1);

    return wren_check_end();
}
