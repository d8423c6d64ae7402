/*
 * Program entry. The kernel enters with sp at argc (argv, envp and the auxiliary vector
 * above it), x0 = argc, x1 = argv and x2 = envp; .bss is already zero.
 *
 * Every program may use the C library (picolibc), so the entry does what it needs: point
 * TPIDR_EL0 at the TLS block (errno lives there; see user.ld), run the constructors, and
 * leave through exit(), which runs atexit handlers and destructors (stdio flushes its
 * buffers in one) before _exit. A program that uses none of this pays a few dozen
 * instructions; --gc-sections keeps the rest of the library out of it.
 *
 * picolibc's `environ` (getenv, setenv) is referenced weakly: a program that never looks at
 * its environment does not link it, and the store is skipped (its address is then 0).
 */
	.section .text.start, "ax"
	.globl	_start
_start:
	mov	x29, #0			// end of the frame-pointer chain for debuggers
	mov	x30, #0
	adrp	x9, __wren_tls_tp
	add	x9, x9, :lo12:__wren_tls_tp
	msr	tpidr_el0, x9
	ldr	x9, =environ
	cbz	x9, 2f
	str	x2, [x9]
2:	mov	x19, x0			// argc, argv and envp survive the constructors in callee-saved registers
	mov	x20, x1
	mov	x21, x2
	bl	__libc_init_array
	mov	x0, x19
	mov	x1, x20
	mov	x2, x21
	bl	main
	bl	exit			// exit(main's return value); does not return
1:	b	1b
	.weak	environ
	.ltorg
