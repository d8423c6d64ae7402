/*
 * The futex lock under pthread mutexes and picolibc's retargetable locks (pthread_sync.c, lock.c): Drepper's
 * three-state mutex ("Futexes Are Tricky", 2011). The state is 0 unlocked, 1 locked, 2 locked with waiters
 * perhaps sleeping in futex_wait; an uncontended lock and unlock are one atomic instruction each and no syscall.
 */
#ifndef WREN_LIBC_THREAD_LOCK_H
#define WREN_LIBC_THREAD_LOCK_H

#include <stdint.h>
#include <wren/syscalls.h>

static inline uint32_t thread_lock_cas(volatile uint32_t *s, uint32_t expect, uint32_t to)
{
    __atomic_compare_exchange_n(s, &expect, to, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
    return expect; /* the value found */
}

/* The contended case, out of line (pthread_sync.c). */
void thread_lock_slow(volatile uint32_t *s, uint32_t seen);

static inline void thread_lock(volatile uint32_t *s)
{
    uint32_t c = thread_lock_cas(s, 0, 1);
    if (c != 0)
        thread_lock_slow(s, c);
}

static inline int thread_trylock(volatile uint32_t *s)
{
    return thread_lock_cas(s, 0, 1) == 0;
}

static inline void thread_unlock(volatile uint32_t *s)
{
    if (__atomic_exchange_n(s, 0, __ATOMIC_RELEASE) == 2)
        wren_futex_wake((void *)(uintptr_t)s, 1);
}

/* The calling thread's identity for recursive locks: its thread pointer, unique while it runs. */
static inline uintptr_t thread_lock_self(void)
{
    return (uintptr_t)__builtin_thread_pointer();
}

#endif
