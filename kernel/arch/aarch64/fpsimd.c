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
 * The owner is per CPU (struct arch_cpu); with several CPUs running, an owner's values are saved when it is switched
 * out (arch/context.h says why), so a CPU's owner is then either nobody or the thread it runs. A state that is about
 * to be read or rewritten in memory (fork, signal frames, exec) goes through fpsimd_sync
 * or fpsimd_reload first, and one whose thread ends is released, so the registers are
 * never saved over a process table slot that someone else has since taken.
 */
#include <stdbool.h>

#include "arch/context.h"
#include "arch/cpu.h"
#include "arch/sysreg_bits.h"

bool fpsimd_eager; /* more than one CPU has run: save at switch-out (arch/context.h) */

/* fpsimd_switch and fpsimd_set_access are inline in arch/context.h: they run on every context switch. */

/* Enable FP access for the kernel's own save and load, now. */
static void access_now(void)
{
    fpsimd_set_access(true);
    isb();
}

/* Give the registers to s: the owner's values go to memory first, then s's are loaded. */
static void load_for(struct fpsimd_state *s)
{
    struct arch_cpu *c = arch_this_cpu();
    access_now();
    if (c->fpsimd_owner && c->fpsimd_owner != s)
        arch_fpsimd_save(c->fpsimd_owner);
    arch_fpsimd_load(s);
    c->fpsimd_owner = s;
}

void fpsimd_save_owner(struct arch_cpu *c)
{
    access_now();
    arch_fpsimd_save(c->fpsimd_owner);
    c->fpsimd_owner = 0;
}

void fpsimd_take(struct fpsimd_state *s)
{
    if (arch_this_cpu()->fpsimd_owner == s)
        access_now(); /* its values are loaded already */
    else
        load_for(s);
}

void fpsimd_sync(struct fpsimd_state *s)
{
    s->tpidr_el0 = read_sysreg(tpidr_el0);
    if (arch_this_cpu()->fpsimd_owner == s) {
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
    if (arch_this_cpu()->fpsimd_owner == s)
        arch_this_cpu()->fpsimd_owner = 0;
}
