/*
 * Failures the tests provoke on purpose, from the kernel command line; debug builds only (kernel/main.c).
 */
#ifndef WREN_TEST_HOOKS_H
#define WREN_TEST_HOOKS_H

#include <stdbool.h>

#ifdef WREN_DEBUG
/* test=kstack-overflow: the next debug_write overflows the calling process's kernel stack (sys/sys_debug.c). */
extern bool test_kstack_overflow;
/* Recurse until the kernel stack runs out: the guard and the exception entry must catch it. */
void test_overflow_kernel_stack(void);
#endif

#endif
