/*
 * Exception vector table and the save/restore of struct trap_frame.
 *
 * VBAR_EL1 points at a 2 KiB-aligned table of 16 slots of 0x80 bytes each: {current EL
 * with SP_EL0, current EL with SP_ELx, lower EL AArch64, lower EL AArch32} x {sync, IRQ,
 * FIQ, SError} (ARM ARM D1.10.2). Each slot is too small for a full save, so it pushes
 * x0/x1, loads its slot number and branches to the common code.
 */
#include "arch/memlayout.h"
#include "arch/trap_frame.h"

/* From EL0 (slots 8-15) the stack is the process's own, empty: nothing to check. */
.macro vector_slot slot
	.balign	0x80
	sub	sp, sp, #TF_SIZE
	stp	x0, x1, [sp, #TF_X0]
	mov	x1, #\slot
	b	trap_entry
.endm

/*
 * From the kernel (slots 4-7, SP_EL1), the stack may have overflowed: the exception may be the fault of a store into
 * the guard below it, and pushing a frame there would only fault again, forever. So before storing anything, test
 * whether the frame, and KSTACK_ENTRY_MARGIN below it, would still be inside the stack: bit KSTACK_SHIFT of the
 * address set (arch/memlayout.h). No register is free yet, so x0 is freed by arithmetic: sp += x0; x0 = sp - x0 (the
 * address); and undone the same way. ADD and SUB on SP check no alignment (that is done only when SP is the base of
 * a load or store: Arm ARM D1.8.2, "SP alignment checking"), and taking the exception has masked every interrupt
 * (PSTATE.{D,A,I,F} set on exception entry: Arm ARM D1.3.5, "Exception entry"), so nothing can come in between.
 * The margin covers a faulting store with pre-index writeback (stp x29, x30, [sp, #-n]!, n <= 512), which leaves
 * sp above the guard whether or not the writeback happened: a frame would fit, the handler's first call not.
 *
 * On overflow: x0 and the failed address are parked in TPIDR_EL0 and TPIDRRO_EL0 (the thread pointer is lost, but
 * this ends in a panic), and the frame is built as usual on the overflow stack, its slot or'ed with
 * TRAP_KSTACK_OVERFLOW for trap_handle to report. (The overflow stack is mapped by kmap_init; the boot code before it
 * is far too shallow to overflow.)
 */
.macro vector_slot_el1 slot
	.balign	0x80
	sub	sp, sp, #(TF_SIZE + KSTACK_ENTRY_MARGIN)
	add	sp, sp, x0
	sub	x0, sp, x0			// x0 = the lowest address the handler may need
	tbz	x0, #KSTACK_SHIFT, 1f		// in a guard: the stack has overflowed
	sub	x0, sp, x0			// x0 back
	sub	sp, sp, x0			// sp back
	add	sp, sp, #KSTACK_ENTRY_MARGIN
	stp	x0, x1, [sp, #TF_X0]
	mov	x1, #\slot
	b	trap_entry
1:	msr	tpidrro_el0, x0
	sub	x0, sp, x0
	msr	tpidr_el0, x0
	ldr	x0, =(KSTACK_AREA + (KSTACK_OVERFLOW_SLOT + 1) * KSTACK_SLOT_SIZE)
	mov	sp, x0
	sub	sp, sp, #TF_SIZE
	mrs	x0, tpidr_el0
	stp	x0, x1, [sp, #TF_X0]
	mov	x1, #(\slot | TRAP_KSTACK_OVERFLOW)
	b	trap_entry
.endm

	.text
	.balign	0x800
	.globl	exception_vectors
exception_vectors:
	.irp	slot, 0,1,2,3
	vector_slot \slot
	.endr
	.irp	slot, 4,5,6,7
	vector_slot_el1 \slot
	.endr
	.irp	slot, 8,9,10,11, 12,13,14,15
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
	b	trap_exit
1:	bl	trap_handle			// (struct trap_frame *, slot)
	b	trap_exit

/*
 * A new thread's first return to user space (its context's lr, proc.c): the switch into it passed it the kernel lock
 * (proc/smp.h), which it gives up as every return to user space does, then pops its trap frame at sp.
 */
	.globl	trap_return
	.type	trap_return, %function
trap_return:
	bl	trap_first_return
	b	trap_exit

	.type	trap_exit, %function
trap_exit:
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
	b	trap_exit
