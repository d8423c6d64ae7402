#ifndef WREN_SYSCALL_H
#define WREN_SYSCALL_H

#include <stdbool.h>

#include "arch/trap_frame.h"

/* Entry from the exception vector for an SVC from EL0. */
void syscall_handle(struct trap_frame *tf);

/* strace-like tracing of every syscall to the console; "trace=syscalls" on the command line. */
void syscall_trace_enable(bool on);

#endif
