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

long waitq_wait(struct waitq *q, uint64_t deadline)
{
    struct proc *self = proc_current();
    struct proc **link = &q->head;

    if (signal_interrupted(self))
        return -E_INTR;
    while (*link) /* FIFO: the longest waiter is woken first */
        link = &(*link)->wq_next;
    *link = self;
    self->wq_next = 0;
    self->wq = q;
    sched_block_until(WAIT_QUEUE, deadline);
    if (signal_interrupted(self)) { /* signal_post woke us, or one came while we were woken */
        waitq_remove(self);
        return -E_INTR;
    }
    if (self->wq) { /* nobody woke us: the deadline did */
        waitq_remove(self);
        return -E_TIMEDOUT;
    }
    return 0;
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
