/*
 * Kernel entry: the arm64 Image header, the drop from EL2, and turning the MMU on.
 *
 * Both QEMU's -kernel and U-Boot's booti load a raw Image whose first 64 bytes follow
 * Linux's Documentation/arch/arm64/booting.rst: with text_offset = 0x200000 and flags bit 3
 * ("place anywhere") clear, the loader puts the image at 2 MiB-aligned DRAM base + 0x200000,
 * which is 0x40200000 on QEMU virt and on the BPI-R4 ([bpi-r4.md §1, §5]). The kernel is
 * linked at LINEAR_BASE + that address (arch/memlayout.h), so until the MMU is on, only
 * PC-relative addressing (adr/adrp) gives usable addresses here.
 *
 * Entry state [booting.rst]: MMU off, D-cache off, x0 = physical address of the DTB,
 * x1..x3 = 0, all of DAIF masked, running at EL2 (BPI-R4 via U-Boot, QEMU with
 * virtualization=on) or EL1 (QEMU default).
 */
#include "arch/memlayout.h"
#include "arch/sysreg_bits.h"

/* Block/table descriptor bits for the boot tables (Arm ARM D8.3; arch/aarch64/pgtable.h has them all). */
#define DESC_TABLE	0x3
#define DESC_BLOCK	0x1
#define DESC_AF		(1 << 10)
#define DESC_SH_INNER	(3 << 8)
#define DESC_UXN	(1 << 54)	/* never executable at EL0 */
#define DESC_NORMAL	(DESC_BLOCK | DESC_AF | DESC_SH_INNER | (MT_NORMAL << 2) | DESC_UXN)
#define DESC_DEVICE	(DESC_BLOCK | DESC_AF | (MT_DEVICE << 2))	/* + PXN/UXN below */

/*
 * Leave EL2 for EL1 at `target`, with EL1 set up as the kernel needs it (primary and secondary CPUs alike).
 */
.macro drop_to_el1 target
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
	adr	x1, \target
	msr	elr_el2, x1
	eret
.endm

/* With MAIR, TCR and both TTBRs written: drop stale translations and turn the MMU and caches on. Clobbers x0. */
.macro mmu_on
	isb
	tlbi	vmalle1
	dsb	nsh
	isb
	ldr	x0, =SCTLR_EL1_MMU_ON
	msr	sctlr_el1, x0
	isb
.endm

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
	.type	primary_entry, %function
primary_entry:
	mov	x19, x0				// keep the DTB address across the EL switch

	/*
	 * Every absolute address in the image assumes we were loaded at KERNEL_PHYS. If a
	 * loader put us elsewhere, stop here rather than run wild.
	 */
	adr	x1, _head
	ldr	x2, =KERNEL_PHYS
	cmp	x1, x2
	b.ne	park_phys

	mrs	x20, CurrentEL
	lsr	x20, x20, #2			// kept in x20 until .bss is cleared
	cmp	x20, #2
	b.eq	el2_entry
	cmp	x20, #1
	b.eq	el1_entry
	b	park_phys			// EL3 entry is not a supported boot mode

	.type	el2_entry, %function
el2_entry:
	drop_to_el1 el1_entry

	.type	el1_entry, %function
el1_entry:
	ldr	x1, =SCTLR_EL1_RESET		// MMU and caches off, alignment checks off
	msr	sctlr_el1, x1
	mov	x1, #CPACR_EL1_FPEN		// user programs may use FP/SIMD
	msr	cpacr_el1, x1
	isb

	/*
	 * Zero .bss (it holds the boot page tables), by physical address: 64 bytes an iteration while
	 * 64 remain, then 16 at a time (kernel.ld aligns both ends to 16). About a MiB, so the unrolled
	 * loop saves some 150,000 instructions of every boot. (DC ZVA would be faster, but with the MMU
	 * off data accesses are Device memory, where it faults.)
	 */
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
	sub	x3, x2, #64
2:	cmp	x1, x3
	b.hi	4f
	stp	xzr, xzr, [x1]
	stp	xzr, xzr, [x1, #16]
	stp	xzr, xzr, [x1, #32]
	stp	xzr, xzr, [x1, #48]
	add	x1, x1, #64
	b	2b
4:	cmp	x1, x2
	b.hs	3f
	stp	xzr, xzr, [x1], #16
	b	4b
3:
	bl	build_boot_tables
	bl	enable_mmu

	/* Jump from the identity-mapped physical address to the linked, high address. */
	ldr	x1, =virtual_entry
	br	x1

	.type	virtual_entry, %function
virtual_entry:
	ldr	x1, =boot_stack_top
	mov	sp, x1
	ldr	x1, =exception_vectors
	msr	vbar_el1, x1
	isb
	ldr	x1, =boot_entry_el
	str	w20, [x1]
	mov	x29, #0				// the end of the frame-record chain for backtraces
	mov	x30, #0
	mov	x0, x19
	bl	kernel_main
	/* kernel_main does not return; if it does, fall through and park. */


/*
 * A secondary CPU, started by PSCI CPU_ON at this physical address with the MMU off and x0 = the physical address of
 * its struct arch_boot_args (arch/smp_boot.h), cleaned to memory by the CPU that started it, since with the MMU off
 * this one reads memory uncached. It takes the boot CPU's MAIR and TCR, the kernel's live table in TTBR1 and the
 * boot identity table in TTBR0 for the jump up (boot.S keeps boot_l0_ident and boot_l1_ident as they were built: the
 * latter doubles as the boot stack's unmapped guard page, which nothing writes), then runs args->entry(args->cpu)
 * on args->stack with TPIDR_EL1 = args->cpu. Entry state as for the boot CPU, at EL2 or EL1 (DEN 0022 6.4.3).
 */
	.globl	secondary_entry
	.type	secondary_entry, %function
secondary_entry:
	mov	x19, x0
	mrs	x20, CurrentEL
	lsr	x20, x20, #2
	cmp	x20, #2
	b.eq	secondary_el2
	cmp	x20, #1
	b.eq	secondary_el1
	b	park_phys
secondary_el2:
	drop_to_el1 secondary_el1
secondary_el1:
	ldr	x1, =SCTLR_EL1_RESET
	msr	sctlr_el1, x1
	mov	x1, #CPACR_EL1_FPEN
	msr	cpacr_el1, x1
	isb
	ldp	x1, x2, [x19, #0]		// ttbr0, ttbr1
	ldp	x3, x4, [x19, #16]		// tcr, mair
	ldp	x21, x22, [x19, #32]		// stack, cpu
	ldr	x23, [x19, #48]			// entry
	msr	mair_el1, x4
	msr	tcr_el1, x3
	msr	ttbr0_el1, x1
	msr	ttbr1_el1, x2
	mmu_on
	ldr	x1, =secondary_virtual
	br	x1
secondary_virtual:
	mov	sp, x21
	msr	tpidr_el1, x22
	ldr	x1, =exception_vectors
	msr	vbar_el1, x1
	isb
	mov	x29, #0
	mov	x30, #0
	mov	x0, x22
	blr	x23
	b	park

	.globl	park
	.type	park, %function
park:
park_phys:
	msr	daifset, #0xf
1:	wfi
	b	1b

/*
 * The boot page tables, just enough to run at the linked address and reach the DTB and the
 * devices until kernel_main builds the real ones (mm/kernel_map.c):
 *   TTBR1: LINEAR_BASE + [0, 1 GiB) as Device memory (MMIO on QEMU virt and the MT7988A
 *          lies below DRAM at 0x40000000, [bpi-r4.md §2, §5]); the 1 GiB blocks holding the
 *          kernel and the DTB as normal memory.
 *   TTBR0: the kernel's 1 GiB block identity-mapped, only for the instructions between
 *          turning the MMU on and jumping high.
 * Every block is EL1-only; x19 = DTB physical address. Clobbers x0-x7.
 */
	.type	build_boot_tables, %function
build_boot_tables:
	adrp	x0, boot_l0_high
	adrp	x1, boot_l1_high
	orr	x2, x1, #DESC_TABLE
	str	x2, [x0]			// L0[0] -> L1: VAs LINEAR_BASE + [0, 512 GiB)

	ldr	x2, =(DESC_DEVICE)
	mov	x3, #3
	lsl	x3, x3, #53			// PXN | UXN: never execute device memory
	orr	x2, x2, x3
	str	x2, [x1]			// L1[0]: PA [0, 1 GiB), device

	ldr	x4, =KERNEL_PHYS
	lsr	x5, x4, #30			// L1 index of the kernel's gigabyte
	lsl	x6, x5, #30
	ldr	x2, =(DESC_NORMAL)
	orr	x6, x6, x2
	str	x6, [x1, x5, lsl #3]

	lsr	x5, x19, #30			// the DTB's gigabyte, if it is below 512 GiB
	cmp	x5, #512
	b.hs	1f
	cbz	x5, 1f				// inside the device gigabyte: leave it alone
	lsl	x6, x5, #30
	orr	x6, x6, x2
	str	x6, [x1, x5, lsl #3]
1:
	adrp	x0, boot_l0_ident
	adrp	x1, boot_l1_ident
	orr	x3, x1, #DESC_TABLE
	str	x3, [x0]
	lsr	x5, x4, #30
	lsl	x6, x5, #30
	orr	x6, x6, x2
	str	x6, [x1, x5, lsl #3]
	dsb	sy
	ret

/* Program MAIR/TCR/TTBRs and turn on the MMU and caches. */
	.type	enable_mmu, %function
enable_mmu:
	ldr	x0, =MAIR_VALUE
	msr	mair_el1, x0
	ldr	x0, =TCR_VALUE
	mrs	x1, id_aa64mmfr0_el1
	and	x2, x1, #0x7			// PARange -> IPS: the same encoding
	bfi	x0, x2, #TCR_IPS_SHIFT, #3
	ubfx	x2, x1, #4, #4			// ASIDBits: 0b0010 means 16-bit ASIDs
	cmp	x2, #2
	b.ne	1f
	mov	x2, #1
	orr	x0, x0, x2, lsl #36		// TCR_EL1.AS
1:
	msr	tcr_el1, x0
	adrp	x0, boot_l0_high
	msr	ttbr1_el1, x0
	adrp	x0, boot_l0_ident
	msr	ttbr0_el1, x0
	mmu_on
	ret

	.data
	.balign	4
	.globl	boot_entry_el
boot_entry_el:
	.long	0

	/*
	 * The boot stack, which the idle thread keeps, is laid out like every kernel stack (arch/memlayout.h): the
	 * upper half of a KSTACK_SLOT_SIZE-aligned block. The boot tables fill the lower half; the last of them,
	 * unused once the kernel table is live, is the unmapped guard page below the stack (kmap.c).
	 */
	.section .bss.boot, "aw", %nobits
	.balign	KSTACK_SLOT_SIZE
	.globl	boot_l0_high, boot_l1_high, boot_l0_ident
boot_l0_high:	.space	4096
boot_l1_high:	.space	4096
boot_l0_ident:	.space	4096
	.globl	boot_stack_guard
boot_stack_guard:
boot_l1_ident:	.space	4096
	.globl	boot_stack
boot_stack:
	.space	KSTACK_SIZE
	.globl	boot_stack_top
boot_stack_top:
