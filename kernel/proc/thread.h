/*
 * Threads (interface/syscalls/proc.yaml: clone, thread_exit, thread_join, thread_kill). A thread is a process-table
 * slot of its own — kernel stack, registers, FP/SIMD state and TPIDR_EL0, signal mask and pending set, scheduling —
 * whose `leader` is the slot of its process's first thread, where everything the threads share lives (proc/proc.h).
 * A process with one thread is a slot that leads itself, so the single-threaded paths are what they were.
 *
 * Life cycle: a thread ends with thread_exit, or with its process (exit, a fatal signal: exit_group's semantics,
 * thread_group_exit). The last thread to end finishes the process (proc.c's finish), so the address space and the
 * handle table outlive every thread. A first thread that ends early keeps its slot, blocked for good, holding the
 * process; the others' slots stay as zombies until thread_join, a detach, or the reaping of the process frees them.
 */
#ifndef WREN_PROC_THREAD_H
#define WREN_PROC_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "proc/proc.h"
#include "user_ptr.h"

long thread_clone(uint32_t flags, uint64_t stack, uint64_t entry, uint64_t arg, uint64_t tls, user_out_ptr tid_out);
_Noreturn void thread_exit(uint64_t value);
long thread_join(int tid, user_out_ptr value, uint32_t flags);
long thread_kill(int tid, int sig);

/*
 * finish() (proc.c) in a process whose other threads still run: the first call marks the process as ending with
 * `status` and sends SIGKILL to the other threads; then the calling thread ends. The last thread to end finishes
 * the process with that status.
 */
_Noreturn void thread_group_exit(struct proc *self, int status);
/*
 * exec in a process of several threads: end every other thread and wait until they have; their slots are freed.
 * 0, or -E_INTR if the caller itself is being killed (or another exit or exec is already ending the threads).
 */
long thread_end_others(struct proc *self);
/* Free the slots of leader's ended threads: its process is being reaped (proc_free_slot). */
void thread_free_group(struct proc *leader);
/* An ended detached thread may still hold its slot; thread_reap_detached frees such slots (from contexts other than
 * theirs: a new slot's allocation, the idle loop). */
extern bool thread_reap_pending;
void thread_reap_detached(void);

#endif
