/*
 * Threads: clone, thread_exit, thread_join, thread_kill, and the ending of a process's other threads for exit and
 * exec (thread.h). Every thread is a process-table slot; its process is its leader's slot (proc.h).
 */
#include <wren/abi.h>

#include "arch/context.h"
#include "arch/sysreg_bits.h"
#include "lib/string.h"
#include "mm/vm.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/signal.h"
#include "proc/thread.h"
#include "proc/waitq.h"

/* Join and exec wait here for threads to end: every thread's end wakes all, and each checks what it waits for. */
static struct waitq thread_ended;
bool thread_reap_pending;

#define CLONE_THREAD (WREN_CLONE_VM | WREN_CLONE_FDS | WREN_CLONE_HANDLES)

long thread_clone(uint32_t flags, uint64_t stack, uint64_t entry, uint64_t arg, uint64_t tls, user_out_ptr tid_out)
{
    struct proc *self = proc_current();
    struct proc *l = self->leader;
    int err;

    /* Only threads: a process sharing a part of its parent (a handle table without an address space...) is not
     * something Wren has, and fork makes processes. */
    if (flags != CLONE_THREAD)
        return -E_INVAL;
    if (!stack || (stack & 15) || stack > VM_USER_TOP || entry >= VM_USER_TOP)
        return -E_INVAL;
    if (l->group_exiting)
        return -E_INTR; /* the caller is being ended too */
    struct proc *t = proc_new_slot(l, true, &err);
    if (!t)
        return err;
    int tid = proc_alloc_id();
    if (tid_out.addr && copy_to_user(tid_out, &tid, sizeof(tid))) {
        proc_free_slot(t);
        return -E_FAULT;
    }
    /* Joined to the group only now that nothing can fail: until here it was a slot of its own. */
    t->leader = l;
    t->nthreads = t->nslots = 0;
    l->nslots++;
    l->nthreads++;
    t->tid = tid;
    /* Copies of the process's identity, for the many places that read the running slot's pid and name. */
    t->pid = l->pid;
    t->ppid = l->ppid;
    t->pgid = l->pgid;
    t->sid = l->sid;
    t->privileged = l->privileged;
    memcpy(t->name, l->name, sizeof(t->name));
    memcpy(t->limits, l->limits, sizeof(t->limits));
    t->prio = self->prio;
    t->prio_limit = self->prio_limit;
    proc_set_affinity(t, self->affinity);
    t->cpu = self->cpu;
    t->sig.blocked = self->sig.blocked; /* POSIX: the creator's mask; nothing pending */

    /* Every register zero but pc, sp and x0; FP/SIMD zero (the slot was), the thread pointer as asked. */
    struct trap_frame *tf = proc_user_frame(t);
    memset(tf, 0, sizeof(*tf));
    tf->elr = entry;
    tf->spsr = SPSR_EL0T;
    tf->sp_el0 = stack;
    tf->x[0] = arg;
    t->fp.tpidr_el0 = tls;
    t->ctx.lr = (uint64_t)(uintptr_t)trap_return;
    t->ctx.sp = (uint64_t)(uintptr_t)tf;
    sched_make_ready(t);
    return tid;
}

/* The calling thread ends; others of its process go on (the caller checked there are some). */
static _Noreturn void end_thread(struct proc *self)
{
    struct proc *l = self->leader;

    KASSERT(l->nthreads > 1);
    l->nthreads--;
    self->thread_done = true;
    fpsimd_release(&self->fp);
    waitq_wake_all(&thread_ended);
    if (self == l) {
        /* The first thread's slot holds the process: it stays, blocked, and nothing wakes a thread that has ended
         * (signals skip it: signal_post_thread); its stack is freed with the process. */
        for (;;)
            sched_block(WAIT_NONE);
    }
    self->state = PROC_ZOMBIE;
    if (self->detached)
        thread_reap_pending = true;
    sched_exit_current();
}

_Noreturn void thread_exit(uint64_t value)
{
    struct proc *self = proc_current();

    self->thread_value = value;
    if (self->leader->nthreads > 1)
        end_thread(self);
    proc_exit(0); /* the last thread: the process ends as by exit(0) (or with the status an exit already chose) */
}

static void kill_others(struct proc *l, struct proc *self)
{
    for (struct proc *t = proc_group_next(l, 0); t; t = proc_group_next(l, t))
        if (t != self)
            signal_post_thread(t, WREN_SIGNAL_SIGKILL); /* skips those that have ended */
}

_Noreturn void thread_group_exit(struct proc *self, int status)
{
    struct proc *l = self->leader;

    if (!l->group_exiting) {
        l->group_exiting = true;
        l->group_status = status;
        kill_others(l, self);
    }
    end_thread(self);
}

long thread_end_others(struct proc *self)
{
    struct proc *l = self->leader;

    if (l->group_exiting)
        return -E_INTR; /* an exit or another thread's exec is ending this thread */
    l->group_exiting = true;
    l->group_status = WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGKILL; /* if the caller is killed while it waits */
    kill_others(l, self);
    while (l->nthreads > 1) {
        if (self->sig.pending & SIG_BIT(WREN_SIGNAL_SIGKILL))
            return -E_INTR; /* killed itself: group_exiting stays, and its end finishes the process */
        /* Not waitq_wait: another pending signal must not end this wait, which is over as soon as the killed
         * threads have run to their end. */
        waitq_enqueue_self(&thread_ended, self);
        sched_block(WAIT_QUEUE);
        waitq_remove(self);
    }
    l->group_exiting = false;
    for (struct proc *t = proc_group_next(l, 0); t; t = proc_group_next(l, t))
        if (t != self && t != l)
            proc_free_slot(t);
    return 0;
}

long thread_join(int tid, user_out_ptr value, uint32_t flags)
{
    struct proc *self = proc_current();
    struct proc *l = self->leader;
    struct proc *t = proc_find_thread(tid);

    if (!t || t->leader != l)
        return -E_SRCH;
    if (t == self)
        return -E_DEADLK;
    if (t == l || t->detached || t->joined)
        return -E_INVAL;
    if (flags & WREN_THREAD_JOIN_DETACH) {
        if (t->thread_done)
            proc_free_slot(t);
        else
            t->detached = true;
        return 0;
    }
    t->joined = true;
    while (!t->thread_done) {
        long err = waitq_wait(&thread_ended, WAITQ_FOREVER);
        if (err) {
            t->joined = false;
            return err;
        }
    }
    t->joined = false;
    if (value.addr && copy_to_user(value, &t->thread_value, sizeof(t->thread_value)))
        return -E_FAULT;
    proc_free_slot(t);
    return 0;
}

long thread_kill(int tid, int sig)
{
    struct proc *self = proc_current();
    struct proc *t = tid == 0 ? self : proc_find_thread(tid);

    if (!t || t->leader != self->leader || t->thread_done || t->state == PROC_ZOMBIE)
        return -E_SRCH;
    if (sig == 0)
        return 0;
    uint64_t bit = SIG_BIT(sig);
    bool stops = (bit & SIG_STOPS) &&
                 (sig == WREN_SIGNAL_SIGSTOP || t->leader->sig.act[sig].handler == WREN_SIGNAL_HANDLER_USE_DEFAULT);
    if (sig == WREN_SIGNAL_SIGKILL || sig == WREN_SIGNAL_SIGCONT || stops)
        signal_post(t->leader, sig); /* these act on the whole process */
    else
        signal_post_thread(t, sig);
    return 0;
}

void thread_free_group(struct proc *leader)
{
    for (struct proc *t = proc_group_next(leader, 0); t; t = proc_group_next(leader, t))
        if (t != leader)
            proc_free_slot(t);
}

void thread_reap_detached(void)
{
    struct proc *self = proc_current();

    thread_reap_pending = false;
    for (int i = 0; i < PROC_MAX; i++) {
        struct proc *t = proc_slot(i);
        if (t != self && t->state == PROC_ZOMBIE && t->detached && proc_is_thread(t))
            proc_free_slot(t);
    }
}
