/*
 * Copies between kernel and user memory with a fault-fixup table.
 *
 * Every access to user memory is an unprivileged load or store (LDTR/STTR, Arm ARM C6.2):
 * the MMU checks it as if EL0 made it, so a kernel address, a read-only page or an unmapped
 * page faults exactly as it would for the program, and PAN does not get in the way. A fault
 * on one of the instructions listed in __ex_table is resolved by trap.c: demand-zero pages
 * are faulted in and the access retried; anything else resumes at the listed fixup, which
 * returns -E_FAULT. No other kernel instruction may touch user memory.
 *
 * long arch_copy_from_user(void *dst, const void *user_src, size_t len)
 * long arch_copy_to_user(void *user_dst, const void *src, size_t len)
 * Both return 0 or -E_FAULT (-14) and may have copied part of the range on failure.
 */
#define EFAULT 14

/* Record "if the instruction at label faults, continue at fixup". */
.macro extable insn, fixup
	.pushsection __ex_table, "a"
	.balign	8
	.quad	\insn, \fixup
	.popsection
.endm

	.text
	.globl	arch_copy_from_user
	.type	arch_copy_from_user, %function
arch_copy_from_user:
	cmp	x2, #8
	b.lo	2f
1:	ldtr	x3, [x1]			// 8 bytes at a time while at least 8 remain
	extable	1b, uaccess_fault
	str	x3, [x0], #8
	add	x1, x1, #8
	sub	x2, x2, #8
	cmp	x2, #8
	b.hs	1b
2:	cbz	x2, 4f
3:	ldtrb	w3, [x1]
	extable	3b, uaccess_fault
	strb	w3, [x0], #1
	add	x1, x1, #1
	subs	x2, x2, #1
	b.ne	3b
4:	mov	x0, #0
	ret
	.size	arch_copy_from_user, . - arch_copy_from_user

	.globl	arch_copy_to_user
	.type	arch_copy_to_user, %function
arch_copy_to_user:
	cmp	x2, #8
	b.lo	2f
1:	ldr	x3, [x1], #8
5:	sttr	x3, [x0]
	extable	5b, uaccess_fault
	add	x0, x0, #8
	sub	x2, x2, #8
	cmp	x2, #8
	b.hs	1b
2:	cbz	x2, 4f
3:	ldrb	w3, [x1], #1
6:	sttrb	w3, [x0]
	extable	6b, uaccess_fault
	add	x0, x0, #1
	subs	x2, x2, #1
	b.ne	3b
4:	mov	x0, #0
	ret
	.size	arch_copy_to_user, . - arch_copy_to_user

	.type	uaccess_fault, %function
uaccess_fault:
	mov	x0, #-EFAULT
	ret
