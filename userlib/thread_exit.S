/*
 * _Noreturn void wren_thread_exit_marked(volatile uint32_t *exited, uint64_t value): store 1 to *exited (release),
 * then thread_exit(value), touching no memory in between, above all not the stack. Once *exited is 1 another thread
 * may unmap this thread's stack (userlib/libc/pthread.c reclaims detached threads' stacks so); C could not promise
 * that the compiler puts nothing on the stack between the store and the svc.
 */
	.section .text.wren_thread_exit_marked, "ax"
	.globl	wren_thread_exit_marked
	.type	wren_thread_exit_marked, %function
wren_thread_exit_marked:
	mov	w9, #1
	stlr	w9, [x0]
	mov	x0, x1
	mov	x8, #0x119		// thread_exit (interface/syscalls/proc.yaml)
	svc	#0
1:	b	1b
	.size	wren_thread_exit_marked, . - wren_thread_exit_marked
