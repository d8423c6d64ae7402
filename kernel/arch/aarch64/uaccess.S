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
 *
 * long arch_copy_msg_from_user(void *dst, const void *user_src)
 * long arch_copy_msg_to_user(void *user_dst, const void *src)
 * The same for exactly ARCH_UACCESS_MSG_SIZE (96) bytes, an IPC message: straight-line code,
 * as every call/reply round trip makes four of these copies.
 */
#define EFAULT 14

/* Record "if the instruction at label faults, continue at fixup". */
.macro extable insn, fixup
	.pushsection __ex_table, "a"
	.balign	8
	.quad	\insn, \fixup
	.popsection
.endm

/* An unprivileged load or store of user memory, entered in the fixup table. */
.macro user insn, reg, addr:vararg
9999:	\insn	\reg, \addr
	extable	9999b, uaccess_fault
.endm

/*
 * 32 bytes per turn while 32 remain (an IPC message is 96: three turns), then 8, then 1.
 * LDTR/STTR have no pair form, hence four singles per turn beside one kernel-side pair.
 */
	.text
	.globl	arch_copy_from_user
	.type	arch_copy_from_user, %function
arch_copy_from_user:
	subs	x2, x2, #32
	b.lo	2f
1:	user	ldtr, x3, [x1]
	user	ldtr, x4, [x1, #8]
	user	ldtr, x5, [x1, #16]
	user	ldtr, x6, [x1, #24]
	stp	x3, x4, [x0]
	stp	x5, x6, [x0, #16]
	add	x0, x0, #32
	add	x1, x1, #32
	subs	x2, x2, #32
	b.hs	1b
2:	adds	x2, x2, #32 - 8
	b.lo	4f
3:	user	ldtr, x3, [x1]
	str	x3, [x0], #8
	add	x1, x1, #8
	subs	x2, x2, #8
	b.hs	3b
4:	adds	x2, x2, #8
	b.eq	6f
5:	user	ldtrb, w3, [x1]
	strb	w3, [x0], #1
	add	x1, x1, #1
	subs	x2, x2, #1
	b.ne	5b
6:	mov	x0, #0
	ret
	.size	arch_copy_from_user, . - arch_copy_from_user

	.globl	arch_copy_to_user
	.type	arch_copy_to_user, %function
arch_copy_to_user:
	subs	x2, x2, #32
	b.lo	2f
1:	ldp	x3, x4, [x1]
	ldp	x5, x6, [x1, #16]
	user	sttr, x3, [x0]
	user	sttr, x4, [x0, #8]
	user	sttr, x5, [x0, #16]
	user	sttr, x6, [x0, #24]
	add	x0, x0, #32
	add	x1, x1, #32
	subs	x2, x2, #32
	b.hs	1b
2:	adds	x2, x2, #32 - 8
	b.lo	4f
3:	ldr	x3, [x1], #8
	user	sttr, x3, [x0]
	add	x0, x0, #8
	subs	x2, x2, #8
	b.hs	3b
4:	adds	x2, x2, #8
	b.eq	6f
5:	ldrb	w3, [x1], #1
	user	sttrb, w3, [x0]
	add	x0, x0, #1
	subs	x2, x2, #1
	b.ne	5b
6:	mov	x0, #0
	ret
	.size	arch_copy_to_user, . - arch_copy_to_user

/* 96 bytes unrolled: twelve unprivileged 8-byte accesses, six kernel-side pairs. */
	.globl	arch_copy_msg_from_user
	.type	arch_copy_msg_from_user, %function
arch_copy_msg_from_user:
	.irp	off, 0, 32, 64
	user	ldtr, x2, [x1, #\off]
	user	ldtr, x3, [x1, #\off + 8]
	user	ldtr, x4, [x1, #\off + 16]
	user	ldtr, x5, [x1, #\off + 24]
	stp	x2, x3, [x0, #\off]
	stp	x4, x5, [x0, #\off + 16]
	.endr
	mov	x0, #0
	ret
	.size	arch_copy_msg_from_user, . - arch_copy_msg_from_user

	.globl	arch_copy_msg_to_user
	.type	arch_copy_msg_to_user, %function
arch_copy_msg_to_user:
	.irp	off, 0, 32, 64
	ldp	x2, x3, [x1, #\off]
	ldp	x4, x5, [x1, #\off + 16]
	user	sttr, x2, [x0, #\off]
	user	sttr, x3, [x0, #\off + 8]
	user	sttr, x4, [x0, #\off + 16]
	user	sttr, x5, [x0, #\off + 24]
	.endr
	mov	x0, #0
	ret
	.size	arch_copy_msg_to_user, . - arch_copy_msg_to_user

	.type	uaccess_fault, %function
uaccess_fault:
	mov	x0, #-EFAULT
	ret
