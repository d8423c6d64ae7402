/*
 * POSIX-style signals (interface/types.yaml `signal`, syscalls in interface/syscalls/proc.yaml).
 *
 * A signal is posted to a process (a bit in `pending`) and acted on only on the way back to
 * user space, in the context of the process itself (signal_deliver, called from the trap
 * path after every syscall, interrupt and fault): either the default action (end the
 * process, or nothing for SIGCHLD) or a user handler entered with a saved frame on the user
 * stack, which sigreturn restores. Posting a signal that is not blocked to a process blocked
 * in the kernel wakes it; the interrupted call returns -E_INTR (see signal_interrupted),
 * unless it is a restartable call (`restartable: true` in interface/syscalls/) and the handler has
 * WREN_SIGACTION_RESTART, or no handler runs at all (a stop and a SIGCONT): then the call is
 * made again (signal_syscall_interrupted, signal_deliver).
 *
 * Stopping (SIGSTOP, SIGTSTP by default) happens in signal_deliver too: the process blocks
 * there, on its way out to user space, until SIGCONT (signal_post) or SIGKILL wakes it.
 */
#ifndef WREN_PROC_SIGNAL_H
#define WREN_PROC_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/trap_frame.h"
#include "syscall_table.h"
#include "user_ptr.h"

#define SIG_COUNT       32 /* signal numbers are below this; a set is a u64 with bit n for signal n */
#define SIG_BIT(n)      (1ull << (n))
#define SIG_VALID       0x1efffeull /* the interface's signals: 1-15 and 17-20 (SIGCHLD ... SIGTSTP) */
#define SIG_UNCATCHABLE (SIG_BIT(WREN_SIGNAL_SIGKILL) | SIG_BIT(WREN_SIGNAL_SIGSTOP))
#define SIG_BLOCKABLE   (SIG_VALID & ~SIG_UNCATCHABLE)
#define SIG_STOPS       (SIG_BIT(WREN_SIGNAL_SIGSTOP) | SIG_BIT(WREN_SIGNAL_SIGTSTP))

struct sig_action {
    uint64_t handler; /* WREN_SIGNAL_HANDLER_* or a user address */
    uint64_t restorer;
    uint64_t mask;
    uint32_t flags;
};

struct proc_signals {
    uint64_t pending;
    uint64_t blocked;
    struct sig_action act[SIG_COUNT];
    bool restartable;    /* the syscall just made returned -E_INTR and may be made again */
    uint64_t restart_x0; /* its first argument, which the result overwrote */
};

struct proc;

/*
 * Post `sig` to p (any context, IRQ included); woken if blocked in the kernel and the signal is not blocked. p a
 * process (its leader's slot): sent to the process, so SIGKILL and stops reach every thread and any other signal one
 * thread that does not block it; p another thread's slot: to that thread.
 */
void signal_post(struct proc *p, int sig);
/* Post `sig` to thread p alone, even its process's first thread (a fault, SIGPIPE, thread_kill). */
void signal_post_thread(struct proc *p, int sig);
/* As signal_post, for a signal one process sends another (kill, the console): init is spared unless it has a handler.
 */
void signal_send(struct proc *p, int sig);
/* signal_interrupted(p), in proc.h: is a signal pending that p does not block? */
/* Act on the pending signals of the current process before it returns to user space via tf. */
void signal_deliver(struct trap_frame *tf);
/*
 * A fatal fault in the current program: with a SIGSEGV handler it may run (returns, the
 * handler is entered on the way out); otherwise the one-line report and the end.
 */
void signal_fault(const struct trap_frame *tf, const char *reason, bool far_valid);
/*
 * The current process's restartable syscall (syscall_restartable) returns -E_INTR; x0 was its
 * first argument. signal_deliver decides whether it is made again.
 */
void signal_syscall_interrupted(uint64_t x0);
/*
 * fork keeps actions and the blocked set, drops pending; exec also resets handlers to the
 * default (ignored signals stay ignored); spawn gives the child the parent's ignored signals,
 * every other action the default, and nothing blocked or pending.
 */
void signal_fork(struct proc_signals *child, const struct proc_signals *parent);
void signal_exec(struct proc_signals *s);
void signal_spawn(struct proc_signals *child, const struct proc_signals *parent);
/* sigaction and sigprocmask of the current process (interface/syscalls/proc.yaml). */
long signal_action(int sig, user_in_ptr act, user_out_ptr old);
long signal_mask(uint32_t how, uint64_t set, user_out_ptr old);

#endif
