/*
 * The CPUs: one `struct cpu` each, found through TPIDR_EL1 (arch/percpu.h). Fields are touched only by their own CPU
 * except where a comment says otherwise; everything else a CPU shares is under the kernel lock (proc/smp.h).
 */
#ifndef WREN_PROC_CPU_H
#define WREN_PROC_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/percpu.h"
#include "dev/platform.h"

#define CPU_MAX         PLATFORM_MAX_CPUS /* 8: every CPU the DTB decoder keeps */
#define CPU_SCHED_PRIOS 32                /* SCHED_PRIOS (proc/sched.h) */

struct proc;
struct callout;

/* What /scheme/sys/cpu shows of each CPU (scheme/sys_files.c). Written by the CPU itself. */
struct cpu_stats {
    uint64_t idle_ns;    /* time spent waiting for an interrupt in the idle loop */
    uint64_t switches;   /* context switches onto this CPU */
    uint64_t irqs;       /* interrupts taken (IPIs included) */
    uint64_t ipis;       /* IPIs received */
    uint64_t migrations; /* threads this CPU took from another CPU's queue */
};

struct cpu_queue {
    struct proc *head, *tail;
};

struct cpu {
    struct arch_cpu arch; /* first: TPIDR_EL1 points at it */
    uint64_t mpidr;       /* MPIDR_EL1 affinity, from the DTB's /cpus */
    bool online;          /* taking work; written under the kernel lock */

    /* The scheduler's (sched.c); other CPUs change them under the kernel lock. */
    struct proc *current;
    struct proc *idle;
    /* Read together on the way back to user space (entry/trap.c): nonzero means there is more to do than return. */
    union {
        struct {
            bool need_resched;
            bool lock_used; /* the kernel lock is in use (proc/smp.h): a copy per CPU, read with need_resched */
        };
        uint16_t exit_work;
    };
    bool no_round_robin; /* sched_yield must not requeue here: going offline, or current's affinity excludes c */
    uint32_t ready_mask; /* bit p: ready[p] is not empty */
    struct cpu_queue ready[CPU_SCHED_PRIOS];
    struct proc *sleepers;    /* blocked with a deadline, earliest first */
    struct callout *callouts; /* pending callouts, earliest first */
    const uint64_t *wake_next;
    uint64_t armed;      /* the deadline this CPU's timer is set for; UINT64_MAX = off */
    uint64_t idle_since; /* when it last went into WFI (stats) */

    struct cpu_stats stats;
};

extern struct cpu cpus[CPU_MAX];
extern unsigned cpu_count;                /* CPUs the kernel knows (started or not) */
extern volatile uint32_t cpu_online_mask; /* bit i: cpus[i] is online */

/* Bits set in a CPU mask (without __builtin_popcount: GCC turns it into a libgcc call under -mgeneral-regs-only). */
static inline unsigned cpu_mask_count(uint32_t m)
{
    m = m - ((m >> 1) & 0x55555555u);
    m = (m & 0x33333333u) + ((m >> 2) & 0x33333333u);
    return (((m + (m >> 4)) & 0x0f0f0f0fu) * 0x01010101u) >> 24;
}

static inline struct cpu *this_cpu(void)
{
    return (struct cpu *)arch_this_cpu();
}

static inline unsigned cpu_index(void)
{
    return this_cpu()->arch.index;
}

#endif
