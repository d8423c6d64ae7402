/*
 * /bin/init: the first user program. For now it proves the path from a C program through
 * the generated userlib stubs, svc, the generated dispatcher and back: it greets, checks
 * its pid, sleeps (which needs the timer interrupt) and exits.
 */
#include <wren/print.h>
#include <wren/syscalls.h>

int main(void)
{
    wren_print("init: hello from EL0\n");
    if (wren_get_pid() != 1) {
        wren_print("init: wrong pid\n");
        return 1;
    }
    /* Sleeping needs the timer interrupt end to end: GIC, timer, scheduler. */
    long t0 = wren_get_time(WREN_CLOCK_MONOTONIC);
    wren_sleep(30000000);
    wren_print("init: slept ");
    wren_print_dec((wren_get_time(WREN_CLOCK_MONOTONIC) - t0) / 1000000);
    wren_print(" ms\n");
    return 0;
}
