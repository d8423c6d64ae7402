/*
 * long wren_syscall6(uint64_t nr, a0, a1, a2, a3, a4, a5): issue any syscall number with
 * any arguments. The generated stubs are the normal way in; this one exists for tests and
 * the syscall fuzzer, which must also reach numbers the interface does not define.
 * Calling convention: docs/abi.md (number in x8, arguments in x0-x5, result in x0).
 */
	.section .text.wren_syscall6, "ax"
	.globl	wren_syscall6
	.type	wren_syscall6, %function
wren_syscall6:
	mov	x8, x0
	mov	x0, x1
	mov	x1, x2
	mov	x2, x3
	mov	x3, x4
	mov	x4, x5
	mov	x5, x6
	svc	#0
	ret
	.size	wren_syscall6, . - wren_syscall6
