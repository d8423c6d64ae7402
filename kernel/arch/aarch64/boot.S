/*
 * Kernel entry: the arm64 Image header and the first instructions.
 *
 * Both QEMU's -kernel and U-Boot's booti load a raw Image whose first 64 bytes follow
 * Linux's Documentation/arch/arm64/booting.rst: with text_offset = 0x200000 and flags bit 3
 * ("place anywhere") clear, the loader puts the image at 2 MiB-aligned DRAM base + 0x200000,
 * which is 0x40200000 on QEMU virt and on the BPI-R4 ([bpi-r4.md §1, §5]). We link there.
 *
 * Entry state [booting.rst]: MMU off, D-cache off, x0 = physical address of the DTB,
 * x1..x3 = 0, all of DAIF masked, running at EL2 (BPI-R4 via U-Boot, QEMU with
 * virtualization=on) or EL1 (QEMU default).
 */
#include "arch/sysreg_bits.h"

	.section .text.head, "ax"
	.globl	_head
_head:
	b	primary_entry			// code0
	.long	0				// code1
	.quad	0x200000			// text_offset
	.quad	_kernel_size			// image_size: bytes from _head to end of bss
	.quad	0x2				// flags: LE, 4 KiB pages, bit 3 clear (fixed offset)
	.quad	0				// res2
	.quad	0				// res3
	.quad	0				// res4
	.long	0x644d5241			// magic "ARM\x64"
	.long	0				// res5 (no PE header)

	.text
primary_entry:
	mov	x19, x0				// keep the DTB address across the EL switch

	/*
	 * We run with the MMU off at our link address. If a loader put us elsewhere every
	 * absolute address in the image would be wrong, so stop here rather than run wild.
	 */
	adr	x1, _head
	ldr	x2, =_head
	cmp	x1, x2
	b.ne	park

	mrs	x1, CurrentEL
	lsr	x1, x1, #2
	ldr	x2, =boot_entry_el		// in .data, which the bss clear leaves alone
	str	w1, [x2]
	cmp	x1, #2
	b.eq	el2_entry
	cmp	x1, #1
	b.eq	el1_entry
	b	park				// EL3 entry is not a supported boot mode

el2_entry:
	/* EL1 runs AArch64; no stage-2 translation, no traps of EL1 work to EL2. */
	mov	x1, #HCR_EL2_RW
	msr	hcr_el2, x1
	/* Let EL1 read the physical counter and program the timers directly. */
	mrs	x1, cnthctl_el2
	orr	x1, x1, #(CNTHCTL_EL1PCTEN | CNTHCTL_EL1PCEN)
	msr	cnthctl_el2, x1
	msr	cntvoff_el2, xzr
	/* Don't trap FP/SIMD (TFP) or anything else to EL2; RES1 bits as the ARM ARM requires. */
	mov	x1, #CPTR_EL2_RES1
	msr	cptr_el2, x1
	msr	hstr_el2, xzr
	/* EL1 sees the real CPU identity. */
	mrs	x1, midr_el1
	msr	vpidr_el2, x1
	mrs	x1, mpidr_el1
	msr	vmpidr_el2, x1
	/*
	 * With a GICv3 CPU interface, EL1 may only use the ICC_* system registers if EL2
	 * enables them (ICC_SRE_EL2.SRE) and lets EL1 set its own SRE (Enable)
	 * [booting.rst; bpi-r4.md §1 entry conditions]. ID_AA64PFR0_EL1.GIC (bits 27:24)
	 * says whether the system-register interface exists at all.
	 */
	mrs	x1, id_aa64pfr0_el1
	ubfx	x1, x1, #24, #4
	cbz	x1, 1f
	mrs	x1, ICC_SRE_EL2
	mov	x2, #(ICC_SRE_SRE | ICC_SRE_ENABLE)	// not a logical immediate: via a register
	orr	x1, x1, x2
	msr	ICC_SRE_EL2, x1
	isb
1:
	ldr	x1, =SCTLR_EL1_RESET
	msr	sctlr_el1, x1
	mov	x1, #SPSR_EL1H_DAIF
	msr	spsr_el2, x1
	adr	x1, el1_entry
	msr	elr_el2, x1
	eret

el1_entry:
	ldr	x1, =SCTLR_EL1_RESET		// MMU and caches off, alignment checks off
	msr	sctlr_el1, x1
	mov	x1, #CPACR_EL1_FPEN		// user programs may use FP/SIMD
	msr	cpacr_el1, x1
	isb

	ldr	x1, =boot_stack_top
	mov	sp, x1
	ldr	x1, =exception_vectors
	msr	vbar_el1, x1
	isb

	/* Zero .bss; the linker script keeps it 16-byte aligned and sized. */
	ldr	x1, =__bss_start
	ldr	x2, =__bss_end
2:	cmp	x1, x2
	b.hs	3f
	stp	xzr, xzr, [x1], #16
	b	2b
3:
	mov	x0, x19
	bl	kernel_main
	/* kernel_main does not return; if it does, fall through and park. */

	.globl	park
park:
	msr	daifset, #0xf
1:	wfi
	b	1b

	.data
	.balign	4
	.globl	boot_entry_el
boot_entry_el:
	.long	0

	.section .bss.boot_stack, "aw", %nobits
	.balign	16
boot_stack:
	.space	16384
	.globl	boot_stack_top
boot_stack_top:
