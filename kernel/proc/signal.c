/*
 * Signals (signal.h): posting, the decision what a pending signal does, and the sigaction and
 * sigprocmask calls. The user-stack frame of a handler is signal_frame.c's business.
 */
#include "console.h"
#include "lib/string.h"
#include "proc/cpu.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/signal.h"
#include "proc/signal_frame.h"
#include "proc/waitq.h"
#include "syscall_table.h"

/* Would p drop `sig` at once? Ignored signals are discarded when sent, not when delivered. Actions are the
 * process's: its leader's slot holds them for every thread. */
static bool discarded(const struct proc *p, int sig)
{
    uint64_t h = p->leader->sig.act[sig].handler;
    if (SIG_BIT(sig) & SIG_UNCATCHABLE)
        return false;
    return h == WREN_SIGNAL_HANDLER_IGNORE ||
           (h == WREN_SIGNAL_HANDLER_USE_DEFAULT && (sig == WREN_SIGNAL_SIGCHLD || sig == WREN_SIGNAL_SIGCONT));
}

/*
 * SIGCONT sent to p: a stopped p runs again, whatever it does with SIGCONT itself. A leader whose own thread has ended
 * may hold its process's stop (for wait to report) without waiting itself: only a thread stopped in stop_current
 * (WAIT_STOPPED) is woken.
 */
static void continue_thread(struct proc *p)
{
    p->sig.pending &= ~SIG_STOPS;
    if (!p->stop_sig)
        return;
    p->stop_sig = 0;
    p->stop_report = false;
    if (p->state == PROC_BLOCKED && p->waiting == WAIT_STOPPED)
        sched_wake(p);
}

static void continue_proc(struct proc *p)
{
    struct proc *l = p->leader;
    if (l->nslots == 1) {
        continue_thread(p);
        return;
    }
    for (struct proc *t = proc_group_next(l, 0); t; t = proc_group_next(l, t))
        continue_thread(t);
}

/*
 * Which thread of a process takes a signal sent to the process (POSIX): the current thread if it is one of them and
 * does not block it, else the first of the process's live threads (its first thread before the others) that does
 * not; if all block it, the first live thread, where it stays pending until that thread unblocks it.
 */
static struct proc *pick_thread(struct proc *l, int sig)
{
    struct proc *self = proc_current(), *first = 0;
    uint64_t bit = SIG_BIT(sig);

    if (self && self->leader == l && !self->thread_done && !(self->sig.blocked & bit))
        return self;
    if (!l->thread_done && !(l->sig.blocked & bit))
        return l;
    for (struct proc *t = proc_group_next(l, 0); t; t = proc_group_next(l, t)) {
        if (t->thread_done || t->state == PROC_ZOMBIE)
            continue;
        if (!first)
            first = t;
        if (!(t->sig.blocked & bit))
            return t;
    }
    return first;
}

/* A signal sent to a process of more than one slot: SIGKILL and stops reach every thread, the rest one thread. */
static void post_group(struct proc *l, int sig)
{
    if (l->state == PROC_ZOMBIE || sig <= 0 || sig >= SIG_COUNT)
        return;
    bool stops = (SIG_BIT(sig) & SIG_STOPS) &&
                 (sig == WREN_SIGNAL_SIGSTOP || l->sig.act[sig].handler == WREN_SIGNAL_HANDLER_USE_DEFAULT);
    if (sig == WREN_SIGNAL_SIGKILL || stops) {
        for (struct proc *t = proc_group_next(l, 0); t; t = proc_group_next(l, t))
            signal_post_thread(t, sig);
        return;
    }
    if (sig == WREN_SIGNAL_SIGCONT)
        continue_proc(l); /* every thread, before one of them takes the signal itself */
    signal_post_thread(pick_thread(l, sig), sig);
}

void signal_post(struct proc *p, int sig)
{
    if (p && p->nslots > 1 && !proc_is_thread(p))
        post_group(p, sig); /* sent to a process that has (or had) more threads */
    else
        signal_post_thread(p, sig);
}

void signal_post_thread(struct proc *p, int sig)
{
    if (!p || p->state == PROC_FREE || p->state == PROC_ZOMBIE || p->thread_done || sig <= 0 || sig >= SIG_COUNT)
        return;
    if (sig == WREN_SIGNAL_SIGCONT)
        continue_proc(p);
    else if (SIG_BIT(sig) & SIG_STOPS)
        p->sig.pending &= ~SIG_BIT(WREN_SIGNAL_SIGCONT);
    if (discarded(p, sig))
        return;
    p->sig.pending |= SIG_BIT(sig);
    proc_event_hooks->signal_posted(p, sig); /* a subscribed event queue reports it if p blocks it */
    /* Running in user space on another CPU (a thread of this process, say): an IPI brings it in to act on it now,
     * not at its next syscall or slice end. */
    if (p->state == PROC_RUNNING && p != proc_current() && p->cpu >= 0 && p->cpu < CPU_MAX)
        sched_kick(&cpus[p->cpu]);
    if (p->state != PROC_BLOCKED)
        return;
    /* Stopped, it acts on nothing but SIGKILL (and SIGCONT, above) until continued. */
    if (p->waiting == WAIT_STOPPED) {
        if (sig == WREN_SIGNAL_SIGKILL)
            sched_wake(p);
        return;
    }
    /* A blocked call gives up (-E_INTR) so that the signal is acted on without waiting for it. */
    if (p->waiting != WAIT_NONE && signal_interrupted(p)) {
        waitq_remove(p);
        sched_wake(p);
    }
}

void signal_send(struct proc *p, int sig)
{
    /* Like Linux, init gets only the signals it asked for: nothing can kill or stop it by accident. */
    if (p->pid == 1 &&
        ((SIG_BIT(sig) & SIG_UNCATCHABLE) || p->leader->sig.act[sig].handler == WREN_SIGNAL_HANDLER_USE_DEFAULT))
        return;
    signal_post(p, sig);
}

void signal_syscall_interrupted(uint64_t x0)
{
    struct proc *p = proc_current();
    p->sig.restartable = true;
    p->sig.restart_x0 = x0;
}

/* Make the interrupted syscall again: back to its svc, with its first argument in x0 again. */
static void rewind_syscall(struct proc *p, struct trap_frame *tf)
{
    tf->x[0] = p->sig.restart_x0;
    tf->elr -= 4;
}

/*
 * The default action of a stop signal: the current process stops here, on its way to user
 * space, and its parent hears of it (a wake in wait, SIGCHLD). It stays until SIGCONT clears
 * stop_sig, or SIGKILL arrives.
 */
static void stop_current(struct proc *p, int sig)
{
    struct proc *l = p->leader; /* wait reports the process's stop from its leader's slot */
    p->stop_sig = (uint8_t)sig;
    l->stop_sig = (uint8_t)sig;
    l->stop_report = true;
    struct proc *parent = proc_find(l->ppid);
    proc_wake_child_waiters(parent);
    signal_post(parent, WREN_SIGNAL_SIGCHLD);
    while (p->stop_sig && !(p->sig.pending & SIG_BIT(WREN_SIGNAL_SIGKILL)))
        sched_block(WAIT_STOPPED);
    p->stop_sig = 0;
}

/* signal_deliver when there is something to do: kept out of line, so the common case stays a few instructions. */
static __attribute__((noinline)) void deliver(struct proc *p, struct trap_frame *tf)
{
    bool restart = p->sig.restartable;

    p->sig.restartable = false;
    for (;;) {
        uint64_t ready = p->sig.pending & (~p->sig.blocked | SIG_UNCATCHABLE);
        if (!ready)
            break;
        int sig = (ready & SIG_BIT(WREN_SIGNAL_SIGKILL)) ? WREN_SIGNAL_SIGKILL : __builtin_ctzll(ready);
        struct sig_action *a = &p->leader->sig.act[sig];
        p->sig.pending &= ~SIG_BIT(sig);
        if ((SIG_BIT(sig) & SIG_UNCATCHABLE) || a->handler == WREN_SIGNAL_HANDLER_USE_DEFAULT) {
            if (sig == WREN_SIGNAL_SIGCHLD || sig == WREN_SIGNAL_SIGCONT)
                continue;
            if (SIG_BIT(sig) & SIG_STOPS) {
                stop_current(p, sig);
                continue;
            }
            proc_exit_signal(sig);
        }
        if (a->handler == WREN_SIGNAL_HANDLER_IGNORE)
            continue;
        /* The frame saves the state the handler returns to: the svc again, or the -E_INTR result. */
        if (restart && (a->flags & WREN_SIGACTION_RESTART))
            rewind_syscall(p, tf);
        /* One handler at a time: the rest are taken after its sigreturn, which is a syscall. */
        signal_frame_push(p, tf, sig, a);
        p->sig.blocked |= a->mask | (a->flags & WREN_SIGACTION_NODEFER ? 0 : SIG_BIT(sig));
        p->sig.blocked &= SIG_BLOCKABLE;
        if (a->flags & WREN_SIGACTION_RESET_HANDLER)
            a->handler = WREN_SIGNAL_HANDLER_USE_DEFAULT;
        return;
    }
    /* No handler ran (the call was interrupted by a stop, or by a signal since ignored): make it again. */
    if (restart)
        rewind_syscall(p, tf);
}

void signal_deliver(struct trap_frame *tf)
{
    struct proc *p = proc_current();

    if (p->sig.restartable || signal_interrupted(p))
        deliver(p, tf);
}

void signal_fault(const struct trap_frame *tf, const char *reason, bool far_valid)
{
    struct proc *p = proc_current();
    uint64_t h = p->leader->sig.act[WREN_SIGNAL_SIGSEGV].handler;

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
    child->restartable = false;
}

void signal_exec(struct proc_signals *s)
{
    for (int i = 0; i < SIG_COUNT; i++) {
        struct sig_action *a = &s->act[i];
        if (a->handler != WREN_SIGNAL_HANDLER_IGNORE)
            memset(a, 0, sizeof(*a)); /* the handler's code is gone with the old image */
    }
}

void signal_spawn(struct proc_signals *child, const struct proc_signals *parent)
{
    memset(child, 0, sizeof(*child));
    for (int i = 0; i < SIG_COUNT; i++)
        if (parent->act[i].handler == WREN_SIGNAL_HANDLER_IGNORE)
            child->act[i].handler = WREN_SIGNAL_HANDLER_IGNORE;
}

/* Take `bits` off what every thread of process l has pending. */
static void clear_pending(struct proc *l, uint64_t bits)
{
    if (l->nslots == 1) {
        l->sig.pending &= ~bits;
        return;
    }
    for (struct proc *t = proc_group_next(l, 0); t; t = proc_group_next(l, t))
        t->sig.pending &= ~bits;
}

long signal_action(int sig, user_in_ptr act, user_out_ptr old)
{
    struct proc *p = proc_current();
    struct wren_sigaction n, o;

    if (sig <= 0 || sig >= SIG_COUNT)
        return -E_INVAL;
    if (act.addr && copy_from_user(&n, act, sizeof(n)))
        return -E_FAULT;
    if (act.addr && ((SIG_BIT(sig) & SIG_UNCATCHABLE) || (n.flags & ~(uint32_t)WREN_SIGACTION_ALL)))
        return -E_INVAL;
    struct sig_action *a = &p->leader->sig.act[sig];
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
            clear_pending(p->leader, SIG_BIT(sig));
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
