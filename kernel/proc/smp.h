/*
 * More than one CPU: bring-up, the kernel lock, IPIs, cross-CPU calls and hotplug.
 *
 * The kernel lock. Wren's kernel is short and not preemptible, and each syscall's work is bounded (proc/sched.h), so
 * like seL4 on SMP it runs under one lock: every entry from user space (syscall, fault, interrupt) takes it and the
 * return to user space gives it up; the idle loop gives it up around WFI; a context switch passes it from the thread
 * that switches out to the one that switches in (xv6's ptable lock does the same). So kernel code stays logically
 * single-threaded, while user code runs on every CPU at once. It is a ticket lock (fair), and while a CPU waits for
 * it it answers cross-CPU calls (spin_wait_hook). With one CPU it is never taken (struct cpu's lock_used stays false),
 * so uniprocessor paths pay one load and branch per entry and exit.
 */
#ifndef WREN_PROC_SMP_H
#define WREN_PROC_SMP_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/platform.h"
#include "proc/cpu.h"
#include "spinlock.h"

/* The SGIs Wren uses (INTIDs 0-15 are software-generated: GIC architecture, "SGIs"). */
#define SGI_RESCHED 0 /* a better thread is queued on you: switch at your next safe point */
#define SGI_CALL    1 /* run the function in your cross-CPU call slot (smp_call) */
#define SGI_STOP    2 /* the kernel panicked on another CPU: stop */

extern struct spinlock kernel_lock;

/* Out of line, so the uniprocessor path is a load and a branch with no registers spent on the lock. */
void kernel_lock_take(void);
void kernel_lock_give(void);

static inline void kernel_enter(void)
{
    if (__builtin_expect(this_cpu()->lock_used, 0))
        kernel_lock_take();
}

static inline void kernel_exit(void)
{
    if (__builtin_expect(this_cpu()->lock_used, 0))
        kernel_lock_give();
}

/* Learn the CPUs from the DTB (`plat->cpus`) and start the secondaries (boot CPU, in kernel_main). */
void smp_init(const struct platform *plat);
/* How many CPUs are online. */
unsigned smp_online_count(void);
/* IPI CPU c to reschedule (sched_kick decides when). */
void smp_send_resched(struct cpu *c);
/*
 * Run fn(arg) on CPU `cpu` with its interrupts masked and wait until it has (the caller holds the kernel lock, which
 * fn must not take: it runs on a CPU that may be waiting for that lock). 0, -E_INVAL (no such CPU, or offline), or
 * -E_TIMEDOUT if it did not answer within a second. On the calling CPU itself fn just runs.
 */
int smp_call(unsigned cpu, void (*fn)(void *), void *arg);
/* Hotplug: take CPU `cpu` offline (PSCI CPU_OFF, after handing its threads to the others) or start it again. */
int smp_cpu_set_online(unsigned cpu, bool online);
/* The idle loop's check: this CPU was asked to go offline (does not return then). */
void smp_idle_check(void);
/* panic: stop every other CPU. */
void smp_stop_others(void);

#endif
