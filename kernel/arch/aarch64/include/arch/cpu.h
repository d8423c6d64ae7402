/*
 * CPU primitives for the portable kernel: system-register access, interrupt masking,
 * barriers, the generic-timer counter and waiting for interrupts. This header and the
 * files beside it are the only places in the kernel with inline assembly.
 */
#ifndef WREN_ARCH_CPU_H
#define WREN_ARCH_CPU_H

#include <stdint.h>

/* Two levels so that a register named by a macro (e.g. ICC_SRE_EL1) expands first. */
#define read_sysreg(reg) read_sysreg_(reg)
#define read_sysreg_(reg)                                                                                              \
    ({                                                                                                                 \
        uint64_t v__;                                                                                                  \
        __asm__ volatile("mrs %0, " #reg : "=r"(v__));                                                                 \
        v__;                                                                                                           \
    })

#define write_sysreg(reg, val) write_sysreg_(reg, val)
#define write_sysreg_(reg, val)                                                                                        \
    do {                                                                                                               \
        uint64_t v__ = (uint64_t)(val);                                                                                \
        __asm__ volatile("msr " #reg ", %0" : : "r"(v__));                                                             \
    } while (0)

static inline void isb(void)
{
    __asm__ volatile("isb" ::: "memory");
}
static inline void dsb_sy(void)
{
    __asm__ volatile("dsb sy" ::: "memory");
}
static inline void wfi(void)
{
    __asm__ volatile("wfi" ::: "memory");
}

static inline void arch_irq_enable(void)
{
    __asm__ volatile("msr daifclr, #2" ::: "memory");
}
static inline void arch_irq_disable(void)
{
    __asm__ volatile("msr daifset, #2" ::: "memory");
}

/* The EL we run the kernel at (1 after boot.S drops from EL2). */
static inline unsigned arch_current_el(void)
{
    return (unsigned)(read_sysreg(CurrentEL) >> 2) & 3;
}

/* Generic timer: CNTFRQ_EL0 is set by firmware (or QEMU); never hard-code it [bpi-r4.md §2]. */
static inline uint64_t arch_counter_freq(void)
{
    return read_sysreg(cntfrq_el0);
}
static inline uint64_t arch_counter(void)
{
    isb(); /* keep the read from being hoisted above earlier instructions */
    return read_sysreg(cntvct_el0);
}

static inline uint64_t arch_cpu_id(void)
{
    return read_sysreg(mpidr_el1) & 0xff00ffffffull;
}
static inline uint64_t arch_midr(void)
{
    return read_sysreg(midr_el1);
}

_Noreturn void park(void);
_Noreturn void arch_enter_user(void *trap_frame);

#endif
