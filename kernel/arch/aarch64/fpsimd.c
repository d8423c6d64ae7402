/*
 * Lazy FP/SIMD switching (arch/context.h).
 *
 * Saving and loading 32 128-bit registers on every context switch costs about 90
 * instructions a round trip, and most switches are between threads that never touch them
 * (IPC servers, the shell, most of the kernel's own users). So the registers stay loaded
 * with their owner's values, and FP access (CPACR_EL1.FPEN, Arm ARM D19.2.30) is allowed
 * only while the owner runs. Any other thread's first FP instruction traps (ESR EC 0x07),
 * and only then are the owner's values saved and the new thread's loaded.
 *
 * The owner is per CPU; with one CPU so far it is a single variable. A state that is about
 * to be read or rewritten in memory (fork, signal frames, exec) goes through fpsimd_sync
 * or fpsimd_reload first, and one whose thread ends is released, so the registers are
 * never saved over a process table slot that someone else has since taken.
 */
#include <stdbool.h>

#include "arch/context.h"
#include "arch/cpu.h"
#include "arch/sysreg_bits.h"

static struct fpsimd_state *owner; /* whose values the FP/SIMD registers hold, or NULL */
static bool enabled = true;        /* CPACR_EL1.FPEN as boot.S left it: no traps */

static void set_access(bool on)
{
    if (on == enabled)
        return;
    enabled = on;
    /* Takes effect by the next context synchronization: the eret to EL0, or the isb below. */
    write_sysreg(cpacr_el1, on ? CPACR_EL1_FPEN : 0);
}

void fpsimd_switch(struct fpsimd_state *prev, struct fpsimd_state *next)
{
    if (prev)
        prev->tpidr_el0 = read_sysreg(tpidr_el0);
    if (next) {
        write_sysreg(tpidr_el0, next->tpidr_el0);
        set_access(next == owner);
    }
}

/* Enable FP access for the kernel's own save and load, now. */
static void access_now(void)
{
    set_access(true);
    isb();
}

/* Give the registers to s: the owner's values go to memory first, then s's are loaded. */
static void load_for(struct fpsimd_state *s)
{
    access_now();
    if (owner && owner != s)
        arch_fpsimd_save(owner);
    arch_fpsimd_load(s);
    owner = s;
}

void fpsimd_take(struct fpsimd_state *s)
{
    if (owner == s)
        access_now(); /* its values are loaded already */
    else
        load_for(s);
}

void fpsimd_sync(struct fpsimd_state *s)
{
    s->tpidr_el0 = read_sysreg(tpidr_el0);
    if (owner == s) {
        access_now();
        arch_fpsimd_save(s);
    }
}

void fpsimd_reload(struct fpsimd_state *s)
{
    write_sysreg(tpidr_el0, s->tpidr_el0);
    load_for(s);
}

void fpsimd_release(struct fpsimd_state *s)
{
    if (owner == s)
        owner = 0;
}
