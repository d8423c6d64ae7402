/*
 * The scheduler: strict priorities, round-robin within a priority, a time slice of
 * SCHED_SLICE_NS. There is no periodic tick: the timer is armed for the end of the running
 * thread's slice or the earliest sleeper, whichever comes first, and not at all when idle. The kernel itself is not
 * preemptible: a switch happens when a thread blocks, yields or exits, and when an interrupt or syscall returns to user
 * space with a reschedule pending. IRQs are masked throughout the kernel, except in idle.
 *
 * Each CPU has its own ready queues, sleepers, callouts and timer (struct cpu, proc/cpu.h). A thread made ready goes
 * to the CPU it last ran on if that one is idle, else to an idle CPU it may use, else to the least loaded one; a CPU
 * that runs out of work takes a ready thread from the busiest other queue; a CPU that gets a thread better than the
 * one it runs is sent a reschedule IPI. Everything here runs under the kernel lock (proc/smp.h).
 */
#ifndef WREN_PROC_SCHED_H
#define WREN_PROC_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "proc/cpu.h"
#include "proc/proc.h"

#define SCHED_PRIOS       32
#define SCHED_PRIO_IDLE   0
#define SCHED_PRIO_NORMAL 8           /* default for programs */
#define SCHED_PRIO_RT_MIN 16          /* 16..31: the real-time class, above every normal priority */
#define SCHED_SLICE_NS    10000000ull /* 10 ms */

void sched_init(struct proc *idle);
void sched_make_ready(struct proc *p);
/* Give the CPU to the best ready thread (the current one goes to the back of its queue). */
void sched_yield(void);
/* Block the current thread until sched_wake; returns when it runs again. */
void sched_block(enum proc_wait_on why);
void sched_wake(struct proc *p);
/*
 * sched_wake from a thread about to block or exit: p runs on this CPU, which is about to be free, if it may run here
 * and nothing else waits here (no IPI, no other CPU woken), else wherever sched_wake would put it.
 */
void sched_wake_sync(struct proc *p);
/* Change p's priority, requeueing it if it is ready; a switch follows if it now outranks current. */
void sched_set_priority(struct proc *p, uint8_t prio);
/*
 * Restrict p to the CPUs in `mask` (bit i = cpus[i]); bits of CPUs that do not exist are ignored. 0, or -E_INVAL if
 * no CPU of the mask exists. A thread running or queued on a CPU it may no longer use moves at its next switch.
 */
int sched_set_affinity(struct proc *p, uint32_t mask);
/* The current thread has exited: run something else, never return. */
_Noreturn void sched_exit_current(void);
void sched_sleep_until(uint64_t ns);
/* Block as sched_block, but also wake at monotonic time `deadline` (ns) unless it is 0. */
void sched_block_until(enum proc_wait_on why, uint64_t deadline);
/*
 * Block as sched_block_until and run `to`, a blocked thread, in its place at once: the IPC
 * fast path, where a client hands the CPU straight to the server it is calling. Falls back
 * to an ordinary wake and switch if a thread of higher priority than `to` is ready, and to
 * plain sched_block_until if `to` is not blocked after all (it runs from the ready queue).
 */
void sched_block_handoff(enum proc_wait_on why, uint64_t deadline, struct proc *to);
/*
 * sched_block_handoff's common case, for the IPC fast path: may the current thread, about to block with no deadline,
 * hand the CPU to `to` (the first waiter of a wait queue) with nothing else to do? Only if `to` is blocked (a queue
 * holds nothing else, but the switch would run a ready thread a second time, so it is checked where it is relied
 * on), is not on the sleeper list (it waits with no deadline) and no ready thread outranks it. Inline, so the fast
 * path can check before it changes anything.
 */
static inline __attribute__((always_inline)) bool sched_can_handoff(const struct proc *to)
{
    struct cpu *c = this_cpu();
    return to->state == PROC_BLOCKED && (c->ready_mask >> to->prio) <= 1 && /* no bit above */
           (to->sleeping_or_pinned == 0 || /* the common case: not sleeping, may run anywhere */
            (!to->sleeping && ((to->affinity >> c->arch.index) & 1)));
}
/* sched_block_handoff(why, WAITQ_FOREVER, to) where sched_can_handoff(to) holds: block and switch straight to `to`. */
void sched_handoff(enum proc_wait_on why, struct proc *to);
/*
 * Callouts: a function the timer interrupt runs once a monotonic deadline has passed, for an object that must act
 * when time passes while nobody waits on it (a timer descriptor that an event queue watches: scheme/time_scheme.c).
 * fn runs in interrupt context, with the callout already off the list: it may wake threads, notify watchers and add
 * the callout again, never block. The owner cancels it before freeing it. The timer is armed for the earliest of the
 * running slice's end, the first sleeper and the first callout; a switch finds the earlier of the last two through
 * one pointer (kept up to date when either list changes), at the cost it paid for the sleeper list alone.
 */
struct callout {
    uint64_t deadline; /* monotonic ns */
    void (*fn)(struct callout *c);
    struct callout *next;
    bool pending; /* on the list */
    uint8_t cpu;  /* whose list: the CPU that added it last */
};
/* Run c->fn at `deadline` (a pending callout moves to the new deadline); a deadline already past runs it at the
 * next timer interrupt, which is armed for it at once. */
void callout_add(struct callout *c, uint64_t deadline);
/* Take c off the list if it is on it. */
void callout_cancel(struct callout *c);
/* The armed deadline passed (IRQ context): wake sleepers, end the slice, re-arm. */
void sched_timer_expired(void);
/* At a safe point (returning to user space, idle): switch if a switch is pending. */
static inline void sched_preempt_point(void)
{
    if (this_cpu()->need_resched)
        sched_yield();
}
/* Ask CPU c to reschedule (a better thread is on its queue): it switches at its next safe point. */
void sched_kick(struct cpu *c);
/*
 * A preemption point inside a long syscall (a loop whose length the caller chooses, with nothing half-done at this
 * point): open a window for a pending interrupt — the kernel otherwise runs with interrupts masked, so a timer that
 * came due could not be taken — and switch if one is due, as on the way back to user space. Returns when this thread
 * runs again.
 */
void sched_cond_resched(void);
/*
 * The idle loop: what each CPU runs once it is started; work() (if not NULL) runs each time round. The caller holds
 * the kernel lock; the loop gives it up while it waits for an interrupt.
 */
_Noreturn void sched_idle_loop(void (*work)(void));
/* A CPU about to enter the idle loop for the first time (after being started): `idle` is its idle thread. */
void sched_cpu_init(struct proc *idle);
/*
 * CPU c is going offline (proc/smp.c, running on c, in its idle thread): hand every thread queued or sleeping on it,
 * and every callout, to the online CPUs. Nothing new is placed on c once c->online is false.
 */
void sched_cpu_evacuate(struct cpu *c);

#endif
