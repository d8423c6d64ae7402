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
/*
 * test=lock-order: take two test locks in one order, then in the other (reported, the boot goes on); test=lock-
 * recursive: take one twice (reported, panic); test=lock-unheld: release one nobody holds (reported, panic).
 * proc/lock_debug.c.
 */
void test_lock_order(void);
void test_lock_recursive(void);
void test_lock_unheld(void);
#endif

#endif
