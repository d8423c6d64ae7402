/*
 * What a context switch saves: the callee-saved registers of the kernel code that called
 * arch_switch_context (AAPCS64: x19-x29, the link register and sp; everything else the
 * caller has already saved), and each thread's FP/SIMD registers, which user programs may
 * use and the kernel (built with -mgeneral-regs-only) never touches.
 */
#ifndef WREN_ARCH_CONTEXT_H
#define WREN_ARCH_CONTEXT_H

#include <stdint.h>

struct cpu_context {
    uint64_t x19_x29[11];
    uint64_t lr; /* where arch_switch_context returns to in the resumed thread */
    uint64_t sp;
};

/*
 * The user register state the trap frame does not hold, switched with each thread: FP/SIMD
 * and TPIDR_EL0, the EL0 thread pointer (the C library's TLS, where errno lives). Every
 * point that saves, loads or clears FP/SIMD (switch, fork, exec) must do the same to it.
 */
struct fpsimd_state {
    uint64_t q[64]; /* q0-q31, 128 bits each */
    uint64_t fpsr, fpcr;
    uint64_t tpidr_el0;
    uint64_t pad; /* keeps the struct a multiple of 16 bytes, like the q registers */
};

_Static_assert(sizeof(struct cpu_context) == 13 * 8, "switch.S layout");
_Static_assert(sizeof(struct fpsimd_state) == 68 * 8, "switch.S layout");

/* Save the caller's context into *save and continue in *load; returns when *save is resumed. */
void arch_switch_context(struct cpu_context *save, const struct cpu_context *load);
void arch_fpsimd_save(struct fpsimd_state *s);
void arch_fpsimd_load(const struct fpsimd_state *s);
/* The first return of a new user thread: pops the trap frame at sp and erets (vectors.S). */
void trap_return(void);

#endif
