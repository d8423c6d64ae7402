/*
 * Wait queues (waitq.h). A waiter is on at most one queue (proc->wq); with a deadline it is
 * also on the scheduler's sleeper list, and whichever ends the wait first takes it off the
 * other, at once: a wake takes it off the sleeper list (sched_wake), the deadline off its queue
 * (waitq_timed_out, which leaves proc->wq_timed_out set for the result). A signal that is not
 * blocked ends the wait too (signal_post takes it off its queue and wakes it): -E_INTR. So a
 * queue holds only blocked threads, which the IPC fast path relies on when it switches
 * straight to a queue's first waiter.
 * The steps every wait is made of, and the IPC fast path's waitq_pass_first, are inline in
 * waitq.h.
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

void waitq_timed_out(struct proc *p)
{
    if (!p->wq)
        return; /* a plain sleep, or a wait that is not on a queue */
    waitq_remove(p);
    p->wq_timed_out = true;
}

long waitq_wait(struct waitq *q, uint64_t deadline)
{
    struct proc *self = proc_current();

    if (signal_interrupted(self))
        return -E_INTR;
    waitq_enqueue_self(q, self);
    sched_block_until(WAIT_QUEUE, deadline);
    return waitq_wait_result(self);
}

long waitq_wait_handoff(struct waitq *q, uint64_t deadline, struct proc *to)
{
    struct proc *self = proc_current();

    if (signal_interrupted(self)) {
        sched_wake(to); /* it was taken off its queue for us: let it run the ordinary way */
        return -E_INTR;
    }
    waitq_enqueue_self(q, self);
    sched_block_handoff(WAIT_QUEUE, deadline, to);
    return waitq_wait_result(self);
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
