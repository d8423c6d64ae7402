/*
 * The user-stack frame of a signal handler (`struct wren_sigframe`, interface/types.yaml):
 * built when a handler is entered, restored by sigreturn.
 */
#ifndef WREN_PROC_SIGNAL_FRAME_H
#define WREN_PROC_SIGNAL_FRAME_H

#include <stdint.h>

#include "arch/trap_frame.h"
#include "proc/signal.h"

struct proc;

/* Save what tf and the FP/SIMD registers hold below the user sp and enter a's handler; ends p if there is no room. */
void signal_frame_push(struct proc *p, struct trap_frame *tf, int sig, const struct sig_action *a);
/* sigreturn: restore the frame at user address `frame`; the restored x0, or p ends with SIGSEGV. */
long signal_frame_return(uintptr_t frame);

#endif
