/*
 * Starting a secondary CPU (smp_boot.c, and boot.S's secondary_entry, which reads struct arch_boot_args by these
 * offsets with the MMU off).
 */
#ifndef WREN_ARCH_SMP_BOOT_H
#define WREN_ARCH_SMP_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "arch/percpu.h"

#define ARCH_MAX_CPUS 8 /* CPUs a boot-args slot exists for (proc/smp.c checks it covers CPU_MAX) */

struct arch_boot_args {
    uint64_t ttbr0, ttbr1; /* @0, @8: the boot identity table (for the jump up) and the kernel's live table */
    uint64_t tcr, mair;    /* @16, @24: the boot CPU's, so every CPU translates alike */
    uint64_t stack;        /* @32: initial sp (a kernel virtual address) */
    uint64_t cpu;          /* @40: TPIDR_EL1, the CPU's struct arch_cpu */
    uint64_t entry;        /* @48: void entry(struct arch_cpu *), called at the linked address */
    uint64_t pad;
};
_Static_assert(offsetof(struct arch_boot_args, entry) == 48, "boot.S reads these offsets");

/*
 * Ask the firmware (PSCI CPU_ON, function `psci_fn`) to start the CPU with MPIDR `mpidr`: it comes up in boot.S's
 * secondary_entry and calls entry(cpu) on the stack whose top is stack_top. Returns the PSCI result (0 = started).
 */
int64_t arch_cpu_start(uint32_t psci_fn, uint64_t mpidr, struct arch_cpu *cpu, uintptr_t stack_top,
                       void (*entry)(struct arch_cpu *));
/* What a secondary sets for itself that the boot CPU set in kernel_main and timer_init: PAN, EL0 counter access. */
void arch_cpu_secondary_init(void);

#endif
