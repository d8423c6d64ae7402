/* The EL0 thread pointer, for checking that the kernel keeps it per process. */
	.text
	.globl	tp_get
tp_get:
	mrs	x0, tpidr_el0
	ret
	.globl	tp_set
tp_set:
	msr	tpidr_el0, x0
	ret
