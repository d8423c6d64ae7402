/*
 * Wait queues: where threads sleep until something they wait for happens (pipe data, a
 * message, a connection). A waiter sleeps on one queue, optionally with a deadline; a wake
 * makes every waiter on the queue ready, and each re-checks its condition when it runs (so a
 * wake is never lost and a spurious one is harmless).
 *
 *     while (!condition) {
 *         long err = waitq_wait(&obj->readers, deadline);
 *         if (err) return err;
 *     }
 *
 * (err is -E_TIMEDOUT or -E_INTR.)
 */
#ifndef WREN_PROC_WAITQ_H
#define WREN_PROC_WAITQ_H

#include <stdint.h>

#include "panic.h"
#include "timer.h"

struct proc;

struct waitq {
    struct proc *head; /* linked through proc->wq_next */
};

#define WAITQ_FOREVER 0 /* deadline meaning "no deadline" */

/* The deadline for a syscall's `timeout_ns` argument, where 0 means no limit (send, receive, call, connect...). */
static inline uint64_t waitq_deadline_after(uint64_t timeout_ns)
{
    return timeout_ns ? timer_deadline_after(timeout_ns) : WAITQ_FOREVER;
}

/*
 * Sleep on q until woken or until the monotonic time `deadline` (ns; WAITQ_FOREVER for none).
 * 0 when woken, -E_TIMEDOUT when the deadline passed first, -E_INTR when a signal the
 * caller does not block is pending (then it does not sleep at all).
 */
long waitq_wait(struct waitq *q, uint64_t deadline);
/* waitq_wait, running `to` (taken off its queue with waitq_take_first) at once in our place. */
long waitq_wait_handoff(struct waitq *q, uint64_t deadline, struct proc *to);
/* Make every waiter on q ready. */
void waitq_wake_all(struct waitq *q);
/* Take p off whatever queue it sleeps on (its sleep ended another way). */
void waitq_remove(struct proc *p);
/*
 * p's deadline passed (the scheduler's timer, sched_timer_expired): if it sleeps on a queue, take it off now and
 * remember why, so that a queue only ever holds blocked waiters. The IPC fast path hands the CPU to a queue's first
 * waiter on the strength of that (sched_handoff); a ready thread left behind on its queue would be switched to as
 * if it were blocked, and then run a second time from the ready queue.
 */
void waitq_timed_out(struct proc *p);

/* Inline below: the steps of a wait, which the IPC fast path takes without a call per step. */
#include "proc/sched.h"

/*
 * Take the longest waiter off q without waking it, or NULL: the caller hands it the CPU
 * itself (sched_block_handoff). Every waiter on a queue is blocked: whatever else ends a wait (a timeout, a
 * signal, and so a kill or a stop) takes the waiter off its queue first.
 */
static inline struct proc *waitq_take_first(struct waitq *q)
{
    struct proc *p = q->head;
    if (p) {
        KASSERT(p->state == PROC_BLOCKED);
        q->head = p->wq_next;
        p->wq = 0;
        p->wq_next = 0;
    }
    return p;
}

/* A wait's first step: the current thread `self` joins the tail of q (FIFO: the longest waiter is woken first). */
static inline void waitq_enqueue_self(struct waitq *q, struct proc *self)
{
    struct proc **link = &q->head;

    while (*link)
        link = &(*link)->wq_next;
    *link = self;
    self->wq_next = 0;
    self->wq = q;
}

/*
 * A wait's last step, once `self` runs again (off its queue, whoever ended the wait): 0 if a wake did, -E_INTR for
 * a signal (signal_post woke us, or one came while we were ready), else -E_TIMEDOUT if the deadline did.
 */
static inline long waitq_wait_result(struct proc *self)
{
    KASSERT(!self->wq);
    if (signal_interrupted(self)) {
        self->wq_timed_out = false; /* it may have timed out as well: the next wait starts afresh */
        return -E_INTR;
    }
    if (self->wq_timed_out) { /* cleared only when set, so the common case (woken) stores nothing */
        self->wq_timed_out = false;
        return -E_TIMEDOUT;
    }
    return 0;
}

/*
 * waitq_wait_handoff(q, WAITQ_FOREVER, waitq_take_first(from)) when the caller has checked that `from` has a waiter,
 * no signal interrupts the current thread and sched_can_handoff(from's first waiter): the IPC fast path, which checks
 * before it changes anything, so it never has to undo anything. Inline, so the path makes one call: the switch.
 */
static inline __attribute__((always_inline)) long waitq_pass_first(struct waitq *from, struct waitq *q)
{
    struct proc *self = proc_current();
    struct proc *to = waitq_take_first(from);

    waitq_enqueue_self(q, self);
    sched_handoff(WAIT_QUEUE, to);
    return waitq_wait_result(self);
}

#endif
