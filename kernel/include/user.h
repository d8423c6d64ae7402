/*
 * The first user program. Until processes and address spaces exist (later issues), the
 * kernel runs exactly one EL0 program, /bin/init from the initrd, with the MMU off: it is
 * loaded at its physical link address inside a fixed window (USER_WINDOW_*), which the
 * caller has checked is free RAM. Its exit or fault ends the session.
 */
#ifndef WREN_USER_H
#define WREN_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/trap_frame.h"

#define USER_WINDOW_BASE 0x41000000ull /* must match userlib/user.ld */
#define USER_WINDOW_SIZE 0x00800000ull
#define USER_STACK_SIZE  0x00010000ull /* top of the window */

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
/* Is [addr, addr + len) inside the running program's memory? For checking user pointers. */
bool user_range_ok(uint64_t addr, uint64_t len);

#endif
