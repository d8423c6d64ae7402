/*
 * Starting secondary CPUs through PSCI CPU_ON (Arm DEN 0022 5.1.4, 6.4): the firmware starts the CPU at a physical
 * address with the MMU and caches off and one register of context, which here is the physical address of that CPU's
 * struct arch_boot_args. The CPU reads it with its MMU off, that is uncached: so it is cleaned from this CPU's caches
 * to the point of coherency first, or on hardware with caches the new CPU could read stale memory (QEMU has none to
 * model; the BPI-R4 does).
 */
#include "arch/cpu.h"
#include "arch/memlayout.h"
#include "arch/mmu.h"
#include "arch/psci.h"
#include "arch/smp_boot.h"

extern char secondary_entry[], boot_l0_ident[]; /* boot.S */

static struct arch_boot_args boot_args[ARCH_MAX_CPUS] __attribute__((aligned(64)));

int64_t arch_cpu_start(uint32_t psci_fn, uint64_t mpidr, struct arch_cpu *cpu, uintptr_t stack_top,
                       void (*entry)(struct arch_cpu *))
{
    if (cpu->index >= ARCH_MAX_CPUS)
        return PSCI_RET_INVALID;
    struct arch_boot_args *a = &boot_args[cpu->index];

    a->ttbr0 = virt_to_phys(boot_l0_ident);
    a->ttbr1 = read_sysreg(ttbr1_el1);
    a->tcr = read_sysreg(tcr_el1);
    a->mair = read_sysreg(mair_el1);
    a->stack = stack_top;
    a->cpu = (uint64_t)(uintptr_t)cpu;
    a->entry = (uint64_t)(uintptr_t)entry;
    arch_clean_dcache_poc(a, sizeof(*a));
    return psci_cpu_on(psci_fn, mpidr, virt_to_phys(secondary_entry), virt_to_phys(a));
}

void arch_cpu_secondary_init(void)
{
    arch_enable_pan();
    /* EL0 may read the virtual counter, as on the boot CPU (timer_init). */
    write_sysreg(cntkctl_el1, read_sysreg(cntkctl_el1) | (1u << 1));
    isb();
}
