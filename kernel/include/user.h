/*
 * The first user program. Until processes exist (a later issue), the kernel runs exactly one
 * EL0 program, /bin/init from the initrd, in its own address space. Its exit or fatal
 * fault ends the session.
 */
#ifndef WREN_USER_H
#define WREN_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/trap_frame.h"

/* Load `path` from the initrd and enter it at EL0. Returns only on failure (negative E_*). */
int user_start(const void *initrd, size_t initrd_size, const char *path);

int user_current_pid(void);
/* sys_exit lands here: report the status and stop (power off). */
_Noreturn void user_exit(int32_t code);
/*
 * A synchronous exception from EL0 other than SVC: one-line report (with the faulting
 * address when the exception has one), then end the program.
 */
_Noreturn void user_fault(struct trap_frame *tf, const char *reason, bool far_valid);
/* The running program's address space, or NULL when none runs. */
struct vm_space *user_vm(void);

#endif
