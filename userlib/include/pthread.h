/*
 * POSIX threads for Wren programs (userlib/libc/pthread.c, pthread_sync.c). Threads are the kernel's (clone,
 * interface/syscalls/proc.yaml); mutexes, condition variables and pthread_once are built on futex_wait and
 * futex_wake and cost one atomic instruction when uncontended. Every thread gets its own TLS block, so errno is per
 * thread. Not here: thread cancellation, thread-specific data keys, barriers, read-write locks, process-shared
 * objects (futexes are private to an address space), scheduling attributes.
 */
#ifndef WREN_PTHREAD_H
#define WREN_PTHREAD_H

#include <signal.h>
#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* picolibc's <time.h> defines it only under some configurations; its value there. */
#ifndef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC ((clockid_t)4)
#endif

struct wren_pthread;
typedef struct wren_pthread *pthread_t;

typedef struct {
    int detachstate;
    size_t stacksize;
} pthread_attr_t;
#define PTHREAD_CREATE_JOINABLE 0
#define PTHREAD_CREATE_DETACHED 1
#define PTHREAD_STACK_MIN       16384

/* A mutex: state 0 unlocked, 1 locked, 2 locked with (maybe) waiters in futex_wait on it. */
typedef struct {
    volatile uint32_t state;
    int type;
    uintptr_t owner; /* the owner's thread pointer (recursive and error-checking mutexes) */
    unsigned count;  /* a recursive mutex's depth */
} pthread_mutex_t;
typedef struct {
    int type;
} pthread_mutexattr_t;
#define PTHREAD_MUTEX_NORMAL     0
#define PTHREAD_MUTEX_ERRORCHECK 1
#define PTHREAD_MUTEX_RECURSIVE  2
#define PTHREAD_MUTEX_DEFAULT    PTHREAD_MUTEX_NORMAL
#define PTHREAD_MUTEX_INITIALIZER                                                                                      \
    {                                                                                                                  \
        0, PTHREAD_MUTEX_NORMAL, 0, 0                                                                                  \
    }

/* A condition variable: a sequence number that each signal and broadcast moves on; waiters sleep on it. */
typedef struct {
    volatile uint32_t seq;
    clockid_t clock; /* what pthread_cond_timedwait's deadline is on: CLOCK_REALTIME unless the attribute says */
} pthread_cond_t;
typedef struct {
    clockid_t clock;
} pthread_condattr_t;
#define PTHREAD_COND_INITIALIZER                                                                                       \
    {                                                                                                                  \
        0, CLOCK_REALTIME                                                                                              \
    }

typedef struct {
    volatile uint32_t state; /* 0 not run, 1 running, 2 done */
} pthread_once_t;
#define PTHREAD_ONCE_INIT                                                                                              \
    {                                                                                                                  \
        0                                                                                                              \
    }

int pthread_attr_init(pthread_attr_t *a);
int pthread_attr_destroy(pthread_attr_t *a);
int pthread_attr_setdetachstate(pthread_attr_t *a, int state);
int pthread_attr_getdetachstate(const pthread_attr_t *a, int *state);
int pthread_attr_setstacksize(pthread_attr_t *a, size_t size);
int pthread_attr_getstacksize(const pthread_attr_t *a, size_t *size);

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg);
int pthread_join(pthread_t thread, void **result);
int pthread_detach(pthread_t thread);
pthread_t pthread_self(void);
int pthread_equal(pthread_t a, pthread_t b);
_Noreturn void pthread_exit(void *result);
int pthread_kill(pthread_t thread, int sig);
int pthread_sigmask(int how, const sigset_t *set, sigset_t *old);
/* Wren's: the kernel's thread id (clone's result; the pid for a process's first thread). */
int pthread_gettid_np(pthread_t thread);

int pthread_mutexattr_init(pthread_mutexattr_t *a);
int pthread_mutexattr_destroy(pthread_mutexattr_t *a);
int pthread_mutexattr_settype(pthread_mutexattr_t *a, int type);
int pthread_mutexattr_gettype(const pthread_mutexattr_t *a, int *type);
int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a);
int pthread_mutex_destroy(pthread_mutex_t *m);
int pthread_mutex_lock(pthread_mutex_t *m);
int pthread_mutex_trylock(pthread_mutex_t *m);
int pthread_mutex_unlock(pthread_mutex_t *m);

int pthread_condattr_init(pthread_condattr_t *a);
int pthread_condattr_destroy(pthread_condattr_t *a);
int pthread_condattr_setclock(pthread_condattr_t *a, clockid_t clock);
int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a);
int pthread_cond_destroy(pthread_cond_t *c);
int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abstime);
int pthread_cond_signal(pthread_cond_t *c);
int pthread_cond_broadcast(pthread_cond_t *c);

int pthread_once(pthread_once_t *once, void (*fn)(void));

#endif
