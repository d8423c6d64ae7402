/*
 * Futexes (interface/syscalls/proc.yaml: futex_wait, futex_wake): threads sleeping on a 32-bit user word, keyed by
 * address space and user address. Each waiter is a record on its own kernel stack, in one of a few hashed buckets, with
 * a wait queue of its own, so that a wake reaches exactly the waiters it picks and a signal or timeout ends one wait
 * through the ordinary wait-queue machinery (proc/waitq.h).
 */
#ifndef WREN_PROC_FUTEX_H
#define WREN_PROC_FUTEX_H

#include <stdint.h>

long futex_wait(uint64_t addr, uint32_t expected, uint64_t timeout_ns);
long futex_wake(uint64_t addr, uint32_t count);

#endif
