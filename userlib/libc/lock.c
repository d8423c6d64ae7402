/*
 * picolibc's retargetable locks (<sys/lock.h>), which Debian's picolibc is built to call (_RETARGETABLE_LOCKING):
 * malloc, the environment, time zones and atexit take the recursive __lock___libc_recursive_mutex; each tiny-stdio
 * FILE over a descriptor ("bufio") has a lock of its own, taken around every buffer operation. libc.a's own versions
 * do nothing; these are futex locks (thread_lock.h), so the C library is safe with threads, and a program with one
 * thread pays an atomic instruction per lock. Every lock here is recursive, which a non-recursive user cannot tell.
 * A NULL lock (a FILE made without __lock_init) is no lock: stdio.c gives the standard streams theirs.
 */
#include <stdlib.h>
#include <sys/lock.h>

#include "thread_lock.h"
#include "libc_lock.h"

struct __lock __lock___libc_recursive_mutex;

static void acquire(struct __lock *l)
{
    uintptr_t self = thread_lock_self();
    if (l->state && l->owner == self) {
        l->count++;
        return;
    }
    thread_lock(&l->state);
    l->owner = self;
    l->count = 1;
}

static int try_acquire(struct __lock *l)
{
    uintptr_t self = thread_lock_self();
    if (l->state && l->owner == self) {
        l->count++;
        return 1;
    }
    if (!thread_trylock(&l->state))
        return 0;
    l->owner = self;
    l->count = 1;
    return 1;
}

static void release(struct __lock *l)
{
    if (--l->count)
        return;
    l->owner = 0;
    thread_unlock(&l->state);
}

void __retarget_lock_init(_LOCK_T *lock)
{
    *lock = calloc(1, sizeof(struct __lock)); /* without memory: no lock, as before threads */
}

void __retarget_lock_init_recursive(_LOCK_T *lock)
{
    __retarget_lock_init(lock);
}

void __retarget_lock_close(_LOCK_T lock)
{
    if (lock != &__lock___libc_recursive_mutex)
        free(lock);
}

void __retarget_lock_close_recursive(_LOCK_T lock)
{
    __retarget_lock_close(lock);
}

void __retarget_lock_acquire(_LOCK_T lock)
{
    if (lock)
        acquire(lock);
}

void __retarget_lock_acquire_recursive(_LOCK_T lock)
{
    if (lock)
        acquire(lock);
}

int __retarget_lock_try_acquire(_LOCK_T lock)
{
    return lock ? try_acquire(lock) : 1;
}

int __retarget_lock_try_acquire_recursive(_LOCK_T lock)
{
    return lock ? try_acquire(lock) : 1;
}

void __retarget_lock_release(_LOCK_T lock)
{
    if (lock)
        release(lock);
}

void __retarget_lock_release_recursive(_LOCK_T lock)
{
    if (lock)
        release(lock);
}
