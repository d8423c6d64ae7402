/*
 * The syscall layer between the exception vector and the generated dispatcher
 * (build/gen/kernel/syscall_dispatch.c): fetch number and arguments from the trap frame,
 * optionally trace the call, dispatch, store the result.
 */
#include <stdint.h>

#include "console.h"
#include "proc/signal.h"
#include "syscall.h"
#include "syscall_table.h"
#include "user.h"

bool syscall_trace_on;

void syscall_trace_enable(bool on)
{
    syscall_trace_on = on;
}

/* Print one argument the way its interface type says to read it. */
static void trace_arg(const struct syscall_arg_desc *d, uint64_t v)
{
    switch (d->kind) {
    case SYSARG_INT:
    case SYSARG_FD:
    case SYSARG_HANDLE: kprintf("%s=%ld", d->name, (long)v); break;
    case SYSARG_UINT:
    case SYSARG_SIZE: kprintf("%s=%lu", d->name, (unsigned long)v); break;
    default: /* pointers, flags, anything else: hex is always readable */
        kprintf("%s=%#lx", d->name, (unsigned long)v);
        break;
    }
}

static void trace_call(const struct syscall_desc *d, uint64_t nr, const uint64_t *a)
{
    kprintf("[trace] pid %d ", user_current_pid());
    if (!d) {
        kprintf("syscall_%#lx(?)", (unsigned long)nr);
        return;
    }
    kprintf("%s(", d->name);
    for (unsigned i = 0; i < d->nargs; i++) {
        if (i)
            kprintf(", ");
        trace_arg(&d->args[i], a[i]);
    }
    kprintf(")");
}

/*
 * The trace line is printed after the call, so the call's own output (debug_write) does not
 * land inside it; a call that never returns (exit) is printed before it instead. The
 * arguments are copied first because the result overwrites x0.
 */
long syscall_dispatch_traced(uint64_t nr, const uint64_t *args)
{
    const struct syscall_desc *d = syscall_desc_lookup(nr);
    uint64_t saved[6];

    for (int i = 0; i < 6; i++)
        saved[i] = args[i];
    if (d && d->noreturn) {
        trace_call(d, nr, saved);
        kprintf("\n");
    }
    long ret = syscall_dispatch(nr, args);
    trace_call(d, nr, saved);
    if (ret < 0)
        kprintf(" = %ld (%s)\n", ret, syscall_error_name(ret));
    else
        kprintf(" = %ld\n", ret);
    return ret;
}

/*
 * Every failure is counted per syscall (the generated syscall_count_error). Of the ones that
 * failed with E_INTR, only the calls the interface marks `restartable: true` (syscall_restartable, generated) are
 * made again after a handler with WREN_SIGACTION_RESTART (or a stop and SIGCONT): an interrupted
 * one has done nothing yet. sleep is not among them (POSIX never restarts it), nor are the IPC
 * calls.
 */
long syscall_failed(uint64_t nr, uint64_t x0, long r)
{
    syscall_count_error(nr);
    if (r == -E_INTR && syscall_restartable(nr))
        signal_syscall_interrupted(x0);
    return r;
}
