/*
 * Exception vector table and the save/restore of struct trap_frame.
 *
 * VBAR_EL1 points at a 2 KiB-aligned table of 16 slots of 0x80 bytes each: {current EL
 * with SP_EL0, current EL with SP_ELx, lower EL AArch64, lower EL AArch32} x {sync, IRQ,
 * FIQ, SError} (ARM ARM D1.10.2). Each slot is too small for a full save, so it pushes
 * x0/x1, loads its slot number and branches to the common code.
 */
#include "arch/trap_frame.h"

.macro vector_slot slot
	.balign	0x80
	sub	sp, sp, #TF_SIZE
	stp	x0, x1, [sp, #TF_X0]
	mov	x1, #\slot
	b	trap_entry
.endm

	.text
	.balign	0x800
	.globl	exception_vectors
exception_vectors:
	.irp	slot, 0,1,2,3, 4,5,6,7, 8,9,10,11, 12,13,14,15
	vector_slot \slot
	.endr

	.type	trap_entry, %function
trap_entry:
	stp	x2, x3, [sp, #16 * 1]
	stp	x4, x5, [sp, #16 * 2]
	stp	x6, x7, [sp, #16 * 3]
	stp	x8, x9, [sp, #16 * 4]
	stp	x10, x11, [sp, #16 * 5]
	stp	x12, x13, [sp, #16 * 6]
	stp	x14, x15, [sp, #16 * 7]
	stp	x16, x17, [sp, #16 * 8]
	stp	x18, x19, [sp, #16 * 9]
	stp	x20, x21, [sp, #16 * 10]
	stp	x22, x23, [sp, #16 * 11]
	stp	x24, x25, [sp, #16 * 12]
	stp	x26, x27, [sp, #16 * 13]
	stp	x28, x29, [sp, #16 * 14]
	mrs	x2, sp_el0
	stp	x30, x2, [sp, #16 * 15]		// x30 and sp_el0
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x2, x3, [sp, #TF_ELR]
	mrs	x2, esr_el1
	mrs	x3, far_el1
	stp	x2, x3, [sp, #TF_ESR]

	mov	x0, sp
	/* The common case goes straight to the syscall layer: an SVC (ESR EC 0x15) from EL0 (slot 8). */
	lsr	x4, x2, #26
	cmp	x4, #0x15
	ccmp	x1, #8, #0, eq
	b.ne	1f
	bl	trap_syscall			// (struct trap_frame *)
	b	trap_return
1:	bl	trap_handle			// (struct trap_frame *, slot)

	.globl	trap_return
	.type	trap_return, %function
trap_return:
	ldp	x2, x3, [sp, #TF_ELR]
	msr	elr_el1, x2
	msr	spsr_el1, x3
	ldp	x30, x2, [sp, #16 * 15]
	msr	sp_el0, x2
	ldp	x0, x1, [sp, #16 * 0]
	ldp	x2, x3, [sp, #16 * 1]
	ldp	x4, x5, [sp, #16 * 2]
	ldp	x6, x7, [sp, #16 * 3]
	ldp	x8, x9, [sp, #16 * 4]
	ldp	x10, x11, [sp, #16 * 5]
	ldp	x12, x13, [sp, #16 * 6]
	ldp	x14, x15, [sp, #16 * 7]
	ldp	x16, x17, [sp, #16 * 8]
	ldp	x18, x19, [sp, #16 * 9]
	ldp	x20, x21, [sp, #16 * 10]
	ldp	x22, x23, [sp, #16 * 11]
	ldp	x24, x25, [sp, #16 * 12]
	ldp	x26, x27, [sp, #16 * 13]
	ldp	x28, x29, [sp, #16 * 14]
	add	sp, sp, #TF_SIZE
	eret

/*
 * void arch_enter_user(struct trap_frame *tf): start user code described by a trap frame
 * placed at the top of the current kernel stack; never returns here.
 */
	.globl	arch_enter_user
	.type	arch_enter_user, %function
arch_enter_user:
	mov	sp, x0
	b	trap_return
