/*
 * Wait queues: where threads sleep until something they wait for happens (pipe data, a
 * message, a connection). A waiter sleeps on one queue, optionally with a deadline; a wake
 * makes every waiter on the queue ready, and each re-checks its condition when it runs (so a
 * wake is never lost and a spurious one is harmless).
 *
 *     while (!condition) {
 *         long err = waitq_wait(&obj->readers, deadline);
 *         if (err) return err;        // -E_TIMEDOUT, -E_INTR
 *     }
 */
#ifndef WREN_PROC_WAITQ_H
#define WREN_PROC_WAITQ_H

#include <stdint.h>

struct proc;

struct waitq {
    struct proc *head; /* linked through proc->wq_next */
};

#define WAITQ_FOREVER 0 /* deadline meaning "no deadline" */

/*
 * Sleep on q until woken or until the monotonic time `deadline` (ns; WAITQ_FOREVER for none).
 * 0 when woken, -E_TIMEDOUT when the deadline passed first, -E_INTR when a signal the
 * caller does not block is pending (then it does not sleep at all).
 */
long waitq_wait(struct waitq *q, uint64_t deadline);
/* waitq_wait, running `to` (taken off its queue with waitq_take_first) at once in our place. */
long waitq_wait_handoff(struct waitq *q, uint64_t deadline, struct proc *to);
/*
 * waitq_wait_handoff(q, WAITQ_FOREVER, waitq_take_first(from)) when the caller has checked that `from` has a waiter,
 * no signal interrupts the current thread and sched_can_handoff(from's first waiter): the IPC fast path, which checks
 * before it changes anything, so it never has to undo anything.
 */
long waitq_pass_first(struct waitq *from, struct waitq *q);
/* Make every waiter on q ready. */
void waitq_wake_all(struct waitq *q);
/*
 * Take the longest waiter off q without waking it, or NULL: the caller hands it the CPU
 * itself (sched_block_handoff).
 */
struct proc *waitq_take_first(struct waitq *q);
/* Take p off whatever queue it sleeps on (its sleep ended another way). */
void waitq_remove(struct proc *p);

#endif
