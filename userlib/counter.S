/*
 * uint64_t wren_counter(void): the generic timer's virtual count (CNTVCT_EL0), readable at
 * EL0 because the kernel sets CNTKCTL_EL1.EL0VCTEN; uint64_t wren_counter_hz(void): its
 * frequency (CNTFRQ_EL0). The ISB keeps the read from moving before earlier instructions,
 * so a benchmark's start and end stamps bracket exactly the work between them.
 */
	.section .text.wren_counter, "ax"
	.globl	wren_counter
	.type	wren_counter, %function
wren_counter:
	isb
	mrs	x0, cntvct_el0
	ret
	.size	wren_counter, . - wren_counter

	.globl	wren_counter_hz
	.type	wren_counter_hz, %function
wren_counter_hz:
	mrs	x0, cntfrq_el0
	ret
	.size	wren_counter_hz, . - wren_counter_hz
