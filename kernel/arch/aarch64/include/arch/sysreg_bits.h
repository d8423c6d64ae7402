/*
 * System-register bit definitions shared by assembly and C.
 * Values from the Arm Architecture Reference Manual for A-profile (DDI 0487), register
 * descriptions of the same names.
 */
#ifndef WREN_ARCH_SYSREG_BITS_H
#define WREN_ARCH_SYSREG_BITS_H

#define HCR_EL2_RW (1 << 31) /* EL1 is AArch64 */

#define CNTHCTL_EL1PCTEN (1 << 0) /* EL1/EL0 may read CNTPCT_EL0 */
#define CNTHCTL_EL1PCEN  (1 << 1) /* EL1/EL0 may use the EL1 physical timer */

/* CPTR_EL2 with E2H=0: bits 13:12, 9 and 7:0 are RES1; TFP (bit 10) clear = no FP trap. */
#define CPTR_EL2_RES1 0x33ff

/* SCTLR_EL1 RES1 bits (29, 28, 23, 22, 20, 11); everything else off: MMU, caches, checks. */
#define SCTLR_EL1_RESET 0x30d00800

/* SCTLR_EL1 bits we turn on with the MMU: M (MMU), C (data cache), SA/SA0 (SP alignment
 * checks at EL1/EL0), I (instruction cache); and SPAN (bit 23) cleared, so that on CPUs with
 * PAN every exception entry sets PSTATE.PAN and the kernel never touches user mappings. */
#define SCTLR_EL1_MMU_ON ((SCTLR_EL1_RESET | (1 << 0) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 12)) & ~(1 << 23))

/*
 * TCR_EL1: 48-bit VAs in both halves (T0SZ = T1SZ = 16), 4 KiB granules (TG0 = 0b00,
 * TG1 = 0b10), table walks inner-shareable and write-back cacheable, 16-bit ASIDs taken
 * from TTBR0 (AS = 1, A1 = 0). IPS (bits 34:32) is filled in at boot from
 * ID_AA64MMFR0_EL1.PARange. Arm ARM D17.2.139. Assembly only: the shifts exceed an int.
 */
#ifdef __ASSEMBLER__
#define TCR_T0SZ       (16 << 0)
#define TCR_IRGN0_WBWA (1 << 8)
#define TCR_ORGN0_WBWA (1 << 10)
#define TCR_SH0_INNER  (3 << 12)
#define TCR_T1SZ       (16 << 16)
#define TCR_IRGN1_WBWA (1 << 24)
#define TCR_ORGN1_WBWA (1 << 26)
#define TCR_SH1_INNER  (3 << 28)
#define TCR_TG1_4K     (2 << 30)
#define TCR_IPS_SHIFT  32
#define TCR_AS         (1 << 36)
#define TCR_VALUE                                                                                                      \
    (TCR_T0SZ | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA | TCR_SH0_INNER | TCR_T1SZ | TCR_IRGN1_WBWA | TCR_ORGN1_WBWA |         \
     TCR_SH1_INNER | TCR_TG1_4K) /* + TCR_AS when the CPU has 16-bit ASIDs */
#endif

#define SPSR_EL1H_DAIF 0x3c5 /* EL1 using SP_EL1, D/A/I/F masked */
#define SPSR_EL0T      0x000 /* EL0, interrupts unmasked */

#define CPACR_EL1_FPEN (3 << 20) /* no FP/SIMD traps at EL0 or EL1 */

/* GICv3 system-register interface enable bits (ICC_SRE_EL1/EL2). */
#define ICC_SRE_SRE    (1 << 0)
#define ICC_SRE_ENABLE (1 << 3) /* EL2 only: EL1 may write its own SRE */

/* ICC registers by encoding, so any assembler accepts them. */
#define ICC_SRE_EL2 S3_4_C12_C9_5

/* ESR_ELx exception classes we handle by name. */
#define ESR_EC_SHIFT     26
#define ESR_EC_UNKNOWN   0x00
#define ESR_EC_FP_ACCESS 0x07 /* FP/SIMD used while CPACR_EL1.FPEN traps it */
#define ESR_EC_SVC64     0x15
#define ESR_EC_IABT_LOW  0x20
#define ESR_EC_IABT_CUR  0x21
#define ESR_EC_PC_ALIGN  0x22
#define ESR_EC_DABT_LOW  0x24
#define ESR_EC_DABT_CUR  0x25
#define ESR_EC_SP_ALIGN  0x26
#define ESR_ISS_WNR      (1 << 6) /* data abort caused by a write */
#define ESR_EC_BRK64     0x3c

#endif
