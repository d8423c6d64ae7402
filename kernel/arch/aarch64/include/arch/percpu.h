/*
 * Per-CPU data, the architecture's half. TPIDR_EL1, a register only EL1 can read or write, holds each CPU's own
 * `struct cpu` (proc/cpu.h), whose first member is this struct: so `this_cpu()` is one MRS, the way Linux's arm64
 * per-CPU offset works (Arm ARM D19.2.155, TPIDR_EL1: "provides a location where software executing at EL1 can
 * store thread identifying information").
 */
#ifndef WREN_ARCH_PERCPU_H
#define WREN_ARCH_PERCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu.h"

struct fpsimd_state;

struct arch_cpu {
    unsigned index;                    /* 0 = the boot CPU; cpus[index] (proc/cpu.h) */
    struct fpsimd_state *fpsimd_owner; /* whose values this CPU's FP/SIMD registers hold (fpsimd.c), or NULL */
    bool fpsimd_enabled;               /* CPACR_EL1.FPEN as last written on this CPU */
    uintptr_t gicr;                    /* GICv3: this CPU's redistributor (gic_v3.c); 0 on GICv2 */
    uint8_t gic_target;                /* GICv2: this CPU's bit in GICD_ITARGETSR and GICD_SGIR (gic_v2.c) */
};

static inline struct arch_cpu *arch_this_cpu(void)
{
    return (struct arch_cpu *)read_sysreg(tpidr_el1);
}

/* This CPU's index, for layers below proc (the ASID allocator's per-CPU slots, the IRQ layer's IPI targets). */
static inline unsigned arch_cpu_index(void)
{
    return arch_this_cpu()->index;
}

static inline void arch_set_this_cpu(struct arch_cpu *c)
{
    write_sysreg(tpidr_el1, (uintptr_t)c);
}

#endif
