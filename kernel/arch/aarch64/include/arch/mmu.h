/*
 * MMU control for the portable memory-management code: switching translation tables,
 * TLB maintenance and instruction-cache synchronisation (Arm ARM D8.13, "TLB maintenance",
 * and B2.4, "Caches and memory hierarchy").
 */
#ifndef WREN_ARCH_MMU_H
#define WREN_ARCH_MMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/cpu.h"

/* Install a user table (root PA | ASID << 48, from pgtable_ttbr). Inline: every context switch does it. */
static inline void arch_set_user_table(uint64_t ttbr0)
{
    __asm__ volatile("dsb ishst" ::: "memory"); /* the table's contents are visible to the walker */
    write_sysreg(ttbr0_el1, ttbr0);
    isb();
}
/* Replace the kernel's table (TTBR1) and drop every cached kernel translation. */
void arch_set_kernel_table(uint64_t ttbr1);
/* Invalidate one page's translation on every CPU: for asid (user) or all ASIDs (kernel). */
void arch_tlb_invalidate_page(uint64_t va, uint16_t asid, bool user, bool last_level);
/* Drop every translation tagged with asid (when an address space dies or an ASID is reused). */
void arch_tlb_invalidate_asid(uint16_t asid);
/* Drop every non-global translation (an ASID generation rollover). */
void arch_tlb_invalidate_all(void);
/* ASID width the CPU implements: 8 or 16 (ID_AA64MMFR0_EL1.ASIDBits; TCR_EL1.AS = 1 enables 16). */
unsigned arch_asid_bits(void);
/* Make earlier table writes visible to the hardware walker (DSB ISHST; ISB). */
void arch_mmu_sync(void);
/* Turn on Privileged Access Never where the CPU has it (FEAT_PAN, Armv8.1); false if it has not. */
bool arch_enable_pan(void);
/* Write [va, va + len) back to memory, for an observer that reads it uncached (a CPU with its MMU off). */
void arch_clean_dcache_poc(const void *va, size_t len);
/* Make instructions just written through the data side (at kernel address va) fetchable. */
void arch_sync_icache(const void *va, size_t len);

#endif
