/*
 * Program entry. The kernel enters with sp at the top of the user stack, x0 = argc and
 * x1 = argv (0 and NULL until processes get arguments); .bss is already zero.
 */
	.section .text.start, "ax"
	.globl	_start
_start:
	mov	x29, #0			// end of the frame-pointer chain for debuggers
	mov	x30, #0
	bl	main
	bl	wren_exit		// exit(main's return value); does not return
1:	b	1b
