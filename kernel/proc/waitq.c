/*
 * Wait queues (waitq.h). A waiter is on at most one queue (proc->wq); with a deadline it is
 * also on the scheduler's sleeper list, and whichever ends the wait first takes it off the
 * other: a wake clears proc->wq, so a waiter that finds itself still queued timed out. A
 * signal that is not blocked ends the wait too (signal_post wakes the waiter): -E_INTR.
 */
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/waitq.h"
#include "syscall_table.h"

void waitq_remove(struct proc *p)
{
    struct waitq *q = p->wq;
    if (!q)
        return;
    for (struct proc **link = &q->head; *link; link = &(*link)->wq_next) {
        if (*link == p) {
            *link = p->wq_next;
            break;
        }
    }
    p->wq = 0;
    p->wq_next = 0;
}

static inline struct proc *take_first(struct waitq *q)
{
    struct proc *p = q->head;
    if (p) {
        q->head = p->wq_next;
        p->wq = 0;
        p->wq_next = 0;
    }
    return p;
}

static void enqueue_self(struct waitq *q, struct proc *self)
{
    struct proc **link = &q->head;

    while (*link) /* FIFO: the longest waiter is woken first */
        link = &(*link)->wq_next;
    *link = self;
    self->wq_next = 0;
    self->wq = q;
}

/* After the sleep: 0 if a wake took us off the queue, -E_INTR for a signal, -E_TIMEDOUT if the deadline did. */
static long wait_result(struct proc *self)
{
    if (signal_interrupted(self)) { /* signal_post woke us, or one came while we were woken */
        waitq_remove(self);
        return -E_INTR;
    }
    if (self->wq) {
        waitq_remove(self);
        return -E_TIMEDOUT;
    }
    return 0;
}

long waitq_wait(struct waitq *q, uint64_t deadline)
{
    struct proc *self = proc_current();

    if (signal_interrupted(self))
        return -E_INTR;
    enqueue_self(q, self);
    sched_block_until(WAIT_QUEUE, deadline);
    return wait_result(self);
}

long waitq_wait_handoff(struct waitq *q, uint64_t deadline, struct proc *to)
{
    struct proc *self = proc_current();

    if (signal_interrupted(self)) {
        sched_wake(to); /* it was taken off its queue for us: let it run the ordinary way */
        return -E_INTR;
    }
    enqueue_self(q, self);
    sched_block_handoff(WAIT_QUEUE, deadline, to);
    return wait_result(self);
}

long waitq_pass_first(struct waitq *from, struct waitq *q)
{
    struct proc *self = proc_current();
    struct proc *to = take_first(from);

    enqueue_self(q, self);
    sched_handoff(WAIT_QUEUE, to);
    return wait_result(self);
}

void waitq_wake_all(struct waitq *q)
{
    while (q->head) {
        struct proc *p = q->head;
        q->head = p->wq_next;
        p->wq = 0;
        p->wq_next = 0;
        sched_wake(p);
    }
}

struct proc *waitq_take_first(struct waitq *q)
{
    return take_first(q);
}
