/* GENERATED from interface/errors.yaml, interface/types.yaml, interface/rights.yaml, interface/ipc.yaml, interface/events.yaml, interface/schemes.yaml, interface/syscalls/channel.yaml, interface/syscalls/fd.yaml, interface/syscalls/proc.yaml by gen/wrengen.py; do not edit — edit the YAML. */
/* Interface version: c7d338cfbc6f03e7 */

/*
 * System call stubs.  A C call already leaves its arguments in x0-x5
 * (AAPCS64), exactly where the kernel expects them, so each stub only puts
 * the syscall number in x8, traps with svc #0 and returns x0: a result >= 0
 * or -E_<NAME>.  One section per stub lets the linker drop unused ones.
 */

	.section .text.wren_exit, "ax", %progbits
	.global wren_exit
	.type wren_exit, %function
	.balign 4
wren_exit: // SYS_EXIT
	mov x8, #0x100
	svc #0
	brk #0x1 // exit never returns; trap if the kernel ever does
	.size wren_exit, . - wren_exit

	.section .text.wren_get_pid, "ax", %progbits
	.global wren_get_pid
	.type wren_get_pid, %function
	.balign 4
wren_get_pid: // SYS_GET_PID
	mov x8, #0x101
	svc #0
	ret
	.size wren_get_pid, . - wren_get_pid

	.section .text.wren_read, "ax", %progbits
	.global wren_read
	.type wren_read, %function
	.balign 4
wren_read: // SYS_READ
	mov x8, #0x602
	svc #0
	ret
	.size wren_read, . - wren_read

	.section .text.wren_lseek, "ax", %progbits
	.global wren_lseek
	.type wren_lseek, %function
	.balign 4
wren_lseek: // SYS_LSEEK
	mov x8, #0x606
	svc #0
	ret
	.size wren_lseek, . - wren_lseek

	.section .text.wren_fstat, "ax", %progbits
	.global wren_fstat
	.type wren_fstat, %function
	.balign 4
wren_fstat: // SYS_FSTAT
	mov x8, #0x607
	svc #0
	ret
	.size wren_fstat, . - wren_fstat

	.section .text.wren_send, "ax", %progbits
	.global wren_send
	.type wren_send, %function
	.balign 4
wren_send: // SYS_SEND
	movz x8, #0x2345
	movk x8, #0x1, lsl #16
	svc #0
	ret
	.size wren_send, . - wren_send
