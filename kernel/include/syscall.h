#ifndef WREN_SYSCALL_H
#define WREN_SYSCALL_H

#include <stdbool.h>

#include "arch/trap_frame.h"
#include "syscall_table.h"

extern bool syscall_trace_on;
/* syscall_dispatch with a trace line (syscall_trace_enable). */
long syscall_dispatch_traced(uint64_t nr, const uint64_t *args);
/*
 * A syscall returned r < 0: count the error (syscall_count_error, for /scheme/sys/syscalls) and, for -E_INTR, have
 * it made again after the signal if it may be (SA_RESTART). x0 is the call's first argument. Returns r, so the
 * caller need not keep it across the call.
 */
long syscall_failed(uint64_t nr, uint64_t x0, long r);

/*
 * Entry from the exception vector for an SVC from EL0: number and arguments from the frame,
 * dispatch, result into x0. Inline, as it is on every syscall's path; the rare cases are calls.
 */
static inline void syscall_handle(struct trap_frame *tf)
{
    uint64_t nr = trap_syscall_nr(tf);
    const uint64_t *args = trap_syscall_args(tf);

    long r = __builtin_expect(syscall_trace_on, 0) ? syscall_dispatch_traced(nr, args) : syscall_dispatch(nr, args);
    /* x0 still holds the first argument until the result replaces it: what a restart needs. One test of the sign
     * bit sends every failure, E_INTR among them, to the slow path. */
    if (__builtin_expect(r < 0, 0))
        r = syscall_failed(nr, args[0], r);
    trap_set_result(tf, r);
}

/* strace-like tracing of every syscall to the console; "trace=syscalls" on the command line. */
void syscall_trace_enable(bool on);

#endif
