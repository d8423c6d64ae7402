/*
 * sigtest: faults meet SIGSEGV handlers, and sigreturn meets forged frames. A frame asking for
 * EL1 (or masked interrupts) must come back as plain EL0: the landing function proves it by
 * making a syscall (an svc from EL1 would be an unexpected exception in the kernel) and exiting.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <wren/syscalls.h>

#include "sigtest.h"

static void segv_exit(int sig)
{
    _exit(sig == SIGSEGV ? 42 : 43);
}

static volatile int *volatile near_null = (int *)8; /* volatile: no compiler may see the bad access coming */

static int touch_null(void)
{
    signal(SIGSEGV, segv_exit);
    *near_null = 1;
    return 1;
}

static int touch_null_unhandled(void)
{
    *near_null = 1;
    return 1;
}

static char landing_stack[8192] __attribute__((aligned(16)));

static void landing(long x0, long x1)
{
    _exit(x0 == 7 && x1 == 9 ? 42 : 1);
}

static struct wren_sigframe forged;

static int forge(uint64_t pc, uint64_t pstate)
{
    memset(&forged, 0, sizeof(forged));
    forged.x[0] = 7;
    forged.x[1] = 9;
    forged.pc = pc;
    forged.sp = (uint64_t)(uintptr_t)(landing_stack + sizeof(landing_stack));
    forged.pstate = pstate;
    forged.fpcr = ~0ull; /* reserved bits must be dropped, not written */
    wren_sigreturn(&forged);
    return 2; /* sigreturn does not come back */
}

static int forge_el1(void)
{
    return forge((uint64_t)(uintptr_t)landing, 0x3c5); /* EL1h, D/A/I/F masked */
}

static int forge_kernel_pc(void)
{
    return forge(0xffff000040200000ull, 0);
}

static int bad_frame_pointer(void)
{
    wren_sigreturn((void *)0xffff000040200000ull);
    return 2;
}

void test_faults(void)
{
    wren_check("a SIGSEGV handler runs on a bad access and picks the exit status",
               exit_code(status_of(run_in_child(touch_null))), 42);
    wren_check("without one the fault kills with SIGSEGV", term_sig(status_of(run_in_child(touch_null_unhandled))),
               SIGSEGV);
    wren_check("a forged frame asking for EL1 resumes at EL0", exit_code(status_of(run_in_child(forge_el1))), 42);
    wren_check("a forged frame with a kernel pc is refused", term_sig(status_of(run_in_child(forge_kernel_pc))),
               SIGSEGV);
    wren_check("a frame pointer into the kernel is refused", term_sig(status_of(run_in_child(bad_frame_pointer))),
               SIGSEGV);
}
