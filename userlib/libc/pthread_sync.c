/* pthread mutexes, condition variables and pthread_once over futexes (<pthread.h>, thread_lock.h). */
#include <errno.h>
#include <pthread.h>
#include <wren/libc.h>
#include <wren/syscalls.h>

#include "thread_lock.h"

void thread_lock_slow(volatile uint32_t *s, uint32_t c)
{
    /* Mark the lock contended (2) and sleep while it stays so; whoever takes it from here on takes it as 2, since
     * other sleepers may remain and the unlock must wake one. */
    do {
        if (c == 2 || thread_lock_cas(s, 1, 2) != 0)
            wren_futex_wait((void *)(uintptr_t)s, 2, 0);
    } while ((c = thread_lock_cas(s, 0, 2)) != 0);
}

int pthread_mutexattr_init(pthread_mutexattr_t *a)
{
    a->type = PTHREAD_MUTEX_DEFAULT;
    return 0;
}

int pthread_mutexattr_destroy(pthread_mutexattr_t *a)
{
    (void)a;
    return 0;
}

int pthread_mutexattr_settype(pthread_mutexattr_t *a, int type)
{
    if (type != PTHREAD_MUTEX_NORMAL && type != PTHREAD_MUTEX_ERRORCHECK && type != PTHREAD_MUTEX_RECURSIVE)
        return EINVAL;
    a->type = type;
    return 0;
}

int pthread_mutexattr_gettype(const pthread_mutexattr_t *a, int *type)
{
    *type = a->type;
    return 0;
}

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a)
{
    m->state = 0;
    m->type = a ? a->type : PTHREAD_MUTEX_DEFAULT;
    m->owner = 0;
    m->count = 0;
    return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *m)
{
    return m->state ? EBUSY : 0;
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
    uintptr_t self = thread_lock_self();
    if (m->type != PTHREAD_MUTEX_NORMAL && m->state && m->owner == self) {
        if (m->type == PTHREAD_MUTEX_ERRORCHECK)
            return EDEADLK;
        m->count++;
        return 0;
    }
    thread_lock(&m->state);
    m->owner = self;
    m->count = 1;
    return 0;
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
    uintptr_t self = thread_lock_self();
    if (m->type == PTHREAD_MUTEX_RECURSIVE && m->state && m->owner == self) {
        m->count++;
        return 0;
    }
    if (!thread_trylock(&m->state))
        return EBUSY;
    m->owner = self;
    m->count = 1;
    return 0;
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
    if (m->type != PTHREAD_MUTEX_NORMAL) {
        if (!m->state || m->owner != thread_lock_self())
            return EPERM;
        if (--m->count)
            return 0;
    }
    m->owner = 0;
    thread_unlock(&m->state);
    return 0;
}

int pthread_condattr_init(pthread_condattr_t *a)
{
    a->clock = CLOCK_REALTIME;
    return 0;
}

int pthread_condattr_destroy(pthread_condattr_t *a)
{
    (void)a;
    return 0;
}

int pthread_condattr_setclock(pthread_condattr_t *a, clockid_t clock)
{
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
        return EINVAL;
    a->clock = clock;
    return 0;
}

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a)
{
    c->seq = 0;
    c->clock = a ? a->clock : CLOCK_REALTIME;
    return 0;
}

int pthread_cond_destroy(pthread_cond_t *c)
{
    (void)c;
    return 0;
}

/*
 * Wait for the sequence number to move from what it was while the caller held the mutex: a signal or broadcast
 * after the unlock changes it, so futex_wait either sleeps before the wake or sees the change and returns at once;
 * no wake is lost. Wakes may be spurious, as POSIX allows. The mutex is taken back as contended (2): other waiters
 * that the broadcast woke may be queued behind it.
 */
static int cond_wait(pthread_cond_t *c, pthread_mutex_t *m, uint64_t timeout_ns, int timed)
{
    uint32_t seq = __atomic_load_n(&c->seq, __ATOMIC_RELAXED);
    uintptr_t owner = m->owner;
    unsigned count = m->count;
    m->owner = 0;
    m->count = 0;
    thread_unlock(&m->state);
    long r = timed && timeout_ns == 0 ? -E_TIMEDOUT : wren_futex_wait((void *)(uintptr_t)&c->seq, seq, timeout_ns);
    if (__atomic_exchange_n(&m->state, 2, __ATOMIC_ACQUIRE) != 0)
        thread_lock_slow(&m->state, 2);
    m->owner = owner;
    m->count = count;
    return r == -E_TIMEDOUT ? ETIMEDOUT : 0;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    return cond_wait(c, m, 0, 0);
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abstime)
{
    if (abstime->tv_nsec < 0 || abstime->tv_nsec >= 1000000000)
        return EINVAL;
    long now = wren_get_time(c->clock == CLOCK_MONOTONIC ? WREN_CLOCK_MONOTONIC : WREN_CLOCK_REALTIME);
    if (now < 0) /* no real-time clock (the kernel has none yet): the deadline is read on the monotonic one */
        now = wren_get_time(WREN_CLOCK_MONOTONIC);
    int64_t deadline = (int64_t)abstime->tv_sec * 1000000000 + abstime->tv_nsec;
    uint64_t left = now >= 0 && deadline > now ? (uint64_t)(deadline - now) : 0;
    return cond_wait(c, m, left, 1);
}

int pthread_cond_signal(pthread_cond_t *c)
{
    __atomic_fetch_add(&c->seq, 1, __ATOMIC_RELEASE);
    wren_futex_wake((void *)(uintptr_t)&c->seq, 1);
    return 0;
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
    __atomic_fetch_add(&c->seq, 1, __ATOMIC_RELEASE);
    wren_futex_wake((void *)(uintptr_t)&c->seq, UINT32_MAX);
    return 0;
}

int pthread_once(pthread_once_t *once, void (*fn)(void))
{
    if (__atomic_load_n(&once->state, __ATOMIC_ACQUIRE) == 2)
        return 0;
    if (thread_lock_cas(&once->state, 0, 1) == 0) {
        fn();
        __atomic_store_n(&once->state, 2, __ATOMIC_RELEASE);
        wren_futex_wake((void *)(uintptr_t)&once->state, UINT32_MAX);
        return 0;
    }
    while (__atomic_load_n(&once->state, __ATOMIC_ACQUIRE) != 2)
        wren_futex_wait((void *)(uintptr_t)&once->state, 1, 0);
    return 0;
}
