/*
 * MMU maintenance instructions. TLBI operations use the inner-shareable forms (…IS) so they
 * stay correct once more than one CPU runs; every sequence ends with DSB ISH (wait for the
 * invalidation to finish everywhere) and ISB (refetch with the new translations).
 */
#include "arch/cpu.h"
#include "arch/mmu.h"

void arch_set_kernel_table(uint64_t ttbr1)
{
    __asm__ volatile("dsb ishst" ::: "memory"); /* the new tables are visible to the walker */
    write_sysreg(ttbr1_el1, ttbr1);
    isb();
    __asm__ volatile("tlbi vmalle1is\n\tdsb ish\n\tisb" ::: "memory");
}

void arch_tlb_invalidate_page(uint64_t va, uint16_t asid, bool user, bool last_level)
{
    /* Operand: VA[55:12] in bits 43:0, ASID in bits 63:48 (Arm ARM C5.5, TLBI VAE1IS). */
    uint64_t op = ((va >> 12) & 0xfffffffffffull) | ((uint64_t)asid << 48);

    __asm__ volatile("dsb ishst" ::: "memory");
    if (!user)
        __asm__ volatile("tlbi vaae1is, %0" ::"r"(op & 0xfffffffffffull) : "memory"); /* any ASID */
    else if (last_level)
        __asm__ volatile("tlbi vale1is, %0" ::"r"(op) : "memory");
    else
        __asm__ volatile("tlbi vae1is, %0" ::"r"(op) : "memory");
    __asm__ volatile("dsb ish\n\tisb" ::: "memory");
}

void arch_tlb_invalidate_asid(uint16_t asid)
{
    __asm__ volatile("dsb ishst\n\ttlbi aside1is, %0\n\tdsb ish\n\tisb" ::"r"((uint64_t)asid << 48) : "memory");
}

void arch_sync_icache(const void *va, size_t len)
{
    /* CTR_EL0.DminLine / IminLine (bits 19:16, 3:0): log2 of the line size in words. */
    uint64_t ctr = read_sysreg(ctr_el0);
    uintptr_t dline = 4u << ((ctr >> 16) & 0xf);
    uintptr_t iline = 4u << (ctr & 0xf);
    uintptr_t start = (uintptr_t)va, end = start + len;

    for (uintptr_t p = start & ~(dline - 1); p < end; p += dline)
        __asm__ volatile("dc cvau, %0" ::"r"(p) : "memory"); /* clean to the point of unification */
    __asm__ volatile("dsb ish" ::: "memory");
    for (uintptr_t p = start & ~(iline - 1); p < end; p += iline)
        __asm__ volatile("ic ivau, %0" ::"r"(p) : "memory");
    __asm__ volatile("dsb ish\n\tisb" ::: "memory");
}

void arch_mmu_sync(void)
{
    __asm__ volatile("dsb ishst\n\tisb" ::: "memory");
}

bool arch_enable_pan(void)
{
    /* ID_AA64MMFR1_EL1.PAN, bits 23:20: nonzero when FEAT_PAN is implemented (Arm ARM D19.2.65). */
    if (((read_sysreg(id_aa64mmfr1_el1) >> 20) & 0xf) == 0)
        return false;
    /* PSTATE.PAN through its register form (S3_0_C4_C2_3), which assemblers accept for any -march. */
    write_sysreg(S3_0_C4_C2_3, 1ull << 22);
    isb();
    return true;
}

void arch_tlb_invalidate_all(void)
{
    __asm__ volatile("dsb ishst\n\ttlbi vmalle1is\n\tdsb ish\n\tisb" ::: "memory");
}

unsigned arch_asid_bits(void)
{
    /* ID_AA64MMFR0_EL1.ASIDBits, bits 7:4: 0b0010 = 16 bits (boot.S sets TCR_EL1.AS), else 8 (Arm ARM D19.2.64). */
    return ((read_sysreg(id_aa64mmfr0_el1) >> 4) & 0xf) == 2 ? 16 : 8;
}

void arch_clean_dcache_poc(const void *va, size_t len)
{
    uintptr_t line = 4u << ((read_sysreg(ctr_el0) >> 16) & 0xf); /* CTR_EL0.DminLine */
    uintptr_t start = (uintptr_t)va, end = start + len;

    for (uintptr_t p = start & ~(line - 1); p < end; p += line)
        __asm__ volatile("dc cvac, %0" ::"r"(p) : "memory"); /* clean to the point of coherency */
    __asm__ volatile("dsb sy" ::: "memory");
}
