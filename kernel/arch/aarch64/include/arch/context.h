/*
 * What a context switch saves: the callee-saved registers of the kernel code that called
 * arch_switch_context (AAPCS64: x19-x29, the link register and sp; everything else the
 * caller has already saved), and each thread's FP/SIMD registers, which user programs may
 * use and the kernel (built with -mgeneral-regs-only) never touches. Those are switched
 * lazily (fpsimd.c): the portable kernel goes through the fpsimd_* calls below, never
 * through arch_fpsimd_save/load.
 */
#ifndef WREN_ARCH_CONTEXT_H
#define WREN_ARCH_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu.h"
#include "arch/percpu.h"
#include "arch/sysreg_bits.h"

struct cpu_context {
    uint64_t x19_x29[11];
    uint64_t lr; /* where arch_switch_context returns to in the resumed thread */
    uint64_t sp;
};

/*
 * The user register state the trap frame does not hold: FP/SIMD, switched lazily, and
 * TPIDR_EL0, the EL0 thread pointer (the C library's TLS, where errno lives), switched on
 * every context switch.
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
/* The FP/SIMD registers (not tpidr_el0) to and from memory; FP access must be enabled. */
void arch_fpsimd_save(struct fpsimd_state *s);
void arch_fpsimd_load(const struct fpsimd_state *s);

/*
 * Lazy FP/SIMD switching. The registers keep their owner's values until another thread
 * executes an FP instruction; a context switch only enables or disables FP access. `s` is
 * always the state of the thread concerned, NULL for the idle thread.
 */
/*
 * fpsimd.c's state is per CPU (struct arch_cpu: the owner whose values the registers hold, CPACR_EL1.FPEN as set).
 * With more than one CPU running (fpsimd_eager, set when the second starts), a thread that leaves a CPU may next run
 * on another, which cannot read these registers: so the owner's values are saved as it is switched out, and only
 * the loading stays lazy (its next FP instruction on whatever CPU traps and loads them).
 */
extern bool fpsimd_eager;
/* Save the owner's registers to memory and forget it (this CPU's FP access is left on). */
void fpsimd_save_owner(struct arch_cpu *c);

/* Allow or trap FP access at EL0 and EL1 (CPACR_EL1.FPEN) on CPU c (this one), writing the register only on a change.
 */
static inline void fpsimd_set_access_on(struct arch_cpu *c, bool on)
{
    if (on == c->fpsimd_enabled)
        return;
    c->fpsimd_enabled = on;
    /* Takes effect by the next context synchronization: the eret to EL0, or an isb. */
    write_sysreg(cpacr_el1, on ? CPACR_EL1_FPEN : 0);
}

static inline void fpsimd_set_access(bool on)
{
    fpsimd_set_access_on(arch_this_cpu(), on);
}

/*
 * At a context switch on CPU c (this one) from prev to next: switch tpidr_el0, and allow FP only to its owner.
 * Inline: every switch. c is passed in because the scheduler has it at hand (TPIDR_EL1 reads are not combined).
 */
static inline void fpsimd_switch(struct arch_cpu *c, struct fpsimd_state *prev, struct fpsimd_state *next)
{
    struct fpsimd_state *owner = c->fpsimd_owner;
    if (prev) {
        prev->tpidr_el0 = read_sysreg(tpidr_el0);
        if (owner == prev && fpsimd_eager) {
            fpsimd_save_owner(c);
            owner = 0;
        }
    }
    if (next) {
        write_sysreg(tpidr_el0, next->tpidr_el0);
        fpsimd_set_access_on(c, next == owner);
    }
}
/* The running thread (state s) used FP while it was disabled: give it the registers. */
void fpsimd_take(struct fpsimd_state *s);
/* Make the running thread's *s complete in memory (before fork or a signal frame reads it). */
void fpsimd_sync(struct fpsimd_state *s);
/* The running thread's *s was rewritten in memory (exec, sigreturn): load it. */
void fpsimd_reload(struct fpsimd_state *s);
/* The thread of *s is ending: the registers must never be saved into it again. */
void fpsimd_release(struct fpsimd_state *s);
/* The first return of a new user thread: pops the trap frame at sp and erets (vectors.S). */
void trap_return(void);

#endif
