/*
 * Signals (signal.h): posting, the decision what a pending signal does, and the sigaction and
 * sigprocmask calls. The user-stack frame of a handler is signal_frame.c's business.
 */
#include "console.h"
#include "lib/string.h"
#include "obj/event_queue.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/signal.h"
#include "proc/signal_frame.h"
#include "proc/waitq.h"
#include "syscall_table.h"

bool signal_interrupted(const struct proc *p)
{
    return (p->sig.pending & (~p->sig.blocked | SIG_BIT(WREN_SIGNAL_SIGKILL))) != 0;
}

/* Would p drop `sig` at once? Ignored signals are discarded when sent, not when delivered. */
static bool discarded(const struct proc *p, int sig)
{
    uint64_t h = p->sig.act[sig].handler;
    if (sig == WREN_SIGNAL_SIGKILL)
        return false;
    return h == WREN_SIGNAL_HANDLER_IGNORE || (h == WREN_SIGNAL_HANDLER_USE_DEFAULT && sig == WREN_SIGNAL_SIGCHLD);
}

void signal_post(struct proc *p, int sig)
{
    if (!p || p->state == PROC_FREE || p->state == PROC_ZOMBIE || sig <= 0 || sig >= SIG_COUNT || discarded(p, sig))
        return;
    p->sig.pending |= SIG_BIT(sig);
    event_signal_posted(p, sig); /* a subscribed event queue reports it if p blocks it */
    /* A blocked call gives up (-E_INTR) so that the signal is acted on without waiting for it. */
    if (p->state == PROC_BLOCKED && p->waiting != WAIT_NONE && signal_interrupted(p)) {
        waitq_remove(p);
        sched_wake(p);
    }
}

void signal_send(struct proc *p, int sig)
{
    /* Like Linux, init gets only the signals it asked for: nothing can kill it by accident. */
    if (p->pid == 1 && (sig == WREN_SIGNAL_SIGKILL || p->sig.act[sig].handler == WREN_SIGNAL_HANDLER_USE_DEFAULT))
        return;
    signal_post(p, sig);
}

void signal_deliver(struct trap_frame *tf)
{
    struct proc *p = proc_current();

    for (;;) {
        uint64_t ready = p->sig.pending & (~p->sig.blocked | SIG_BIT(WREN_SIGNAL_SIGKILL));
        if (!ready)
            return;
        int sig = (ready & SIG_BIT(WREN_SIGNAL_SIGKILL)) ? WREN_SIGNAL_SIGKILL : __builtin_ctzll(ready);
        struct sig_action *a = &p->sig.act[sig];
        p->sig.pending &= ~SIG_BIT(sig);
        if (sig == WREN_SIGNAL_SIGKILL || a->handler == WREN_SIGNAL_HANDLER_USE_DEFAULT) {
            if (sig == WREN_SIGNAL_SIGCHLD)
                continue;
            proc_exit_signal(sig);
        }
        if (a->handler == WREN_SIGNAL_HANDLER_IGNORE)
            continue;
        /* One handler at a time: the rest are taken after its sigreturn, which is a syscall. */
        signal_frame_push(p, tf, sig, a);
        p->sig.blocked |= a->mask | (a->flags & WREN_SIGACTION_NODEFER ? 0 : SIG_BIT(sig));
        p->sig.blocked &= SIG_BLOCKABLE;
        if (a->flags & WREN_SIGACTION_RESET_HANDLER)
            a->handler = WREN_SIGNAL_HANDLER_USE_DEFAULT;
        return;
    }
}

void signal_fault(const struct trap_frame *tf, const char *reason, bool far_valid)
{
    struct proc *p = proc_current();
    uint64_t h = p->sig.act[WREN_SIGNAL_SIGSEGV].handler;

    /* A handler that is blocked or ignored cannot run: the fault would only repeat. */
    if (h == WREN_SIGNAL_HANDLER_USE_DEFAULT || h == WREN_SIGNAL_HANDLER_IGNORE ||
        (p->sig.blocked & SIG_BIT(WREN_SIGNAL_SIGSEGV)))
        proc_kill_current(tf, reason, far_valid);
    p->sig.pending |= SIG_BIT(WREN_SIGNAL_SIGSEGV);
}

void signal_fork(struct proc_signals *child, const struct proc_signals *parent)
{
    *child = *parent;
    child->pending = 0;
}

void signal_exec(struct proc_signals *s)
{
    for (int i = 0; i < SIG_COUNT; i++) {
        struct sig_action *a = &s->act[i];
        if (a->handler != WREN_SIGNAL_HANDLER_IGNORE)
            memset(a, 0, sizeof(*a)); /* the handler's code is gone with the old image */
    }
}

long signal_action(int sig, user_in_ptr act, user_out_ptr old)
{
    struct proc *p = proc_current();
    struct wren_sigaction n, o;

    if (sig <= 0 || sig >= SIG_COUNT)
        return -E_INVAL;
    if (act.addr && copy_from_user(&n, act, sizeof(n)))
        return -E_FAULT;
    if (act.addr && (sig == WREN_SIGNAL_SIGKILL || (n.flags & ~(uint32_t)WREN_SIGACTION_ALL)))
        return -E_INVAL;
    struct sig_action *a = &p->sig.act[sig];
    memset(&o, 0, sizeof(o));
    o.handler = a->handler;
    o.restorer = a->restorer;
    o.mask = a->mask;
    o.flags = a->flags;
    if (old.addr && copy_to_user(old, &o, sizeof(o)))
        return -E_FAULT;
    if (act.addr) {
        a->handler = n.handler;
        a->restorer = n.restorer;
        a->mask = n.mask & SIG_BLOCKABLE;
        a->flags = n.flags;
        if (discarded(p, sig))
            p->sig.pending &= ~SIG_BIT(sig);
    }
    return 0;
}

long signal_mask(uint32_t how, uint64_t set, user_out_ptr old)
{
    struct proc *p = proc_current();
    uint64_t prev = p->sig.blocked;

    if (old.addr && copy_to_user(old, &prev, sizeof(prev)))
        return -E_FAULT;
    switch (how) {
    case WREN_SIGMASK_HOW_BLOCK: p->sig.blocked |= set; break;
    case WREN_SIGMASK_HOW_UNBLOCK: p->sig.blocked &= ~set; break;
    case WREN_SIGMASK_HOW_SETMASK: p->sig.blocked = set; break;
    default: return -E_INVAL;
    }
    p->sig.blocked &= SIG_BLOCKABLE; /* what was just unblocked is delivered on the way out */
    return 0;
}
