/*
 * POSIX threads over Wren's clone (<pthread.h>). A thread's memory is one anonymous mapping, from the bottom: a
 * guard page (no access, so an overflow faults instead of running into other memory), the stack, the thread's
 * descriptor (struct wren_pthread) just above the stack's top, and its TLS block with the 16-byte TCB below it, as
 * the AArch64 TLS ABI has it (TPIDR_EL0 points at the TCB). The TLS block starts as the program's .tdata image,
 * copied before main runs (so later changes the first thread makes are not inherited), and zeros for .tbss: errno
 * is per thread. The mapping is unmapped by pthread_join, or for a detached thread by a later pthread_create or
 * pthread_detach once the thread has marked itself gone (wren_thread_exit_marked, thread_exit.S).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/lock.h>
#include <string.h>
#include <wren/libc.h>
#include <wren/syscalls.h>

#include "libc_lock.h"
#include "thread_lock.h"

#define PAGE          4096ul
#define GUARD         PAGE
#define DEFAULT_STACK (128ul << 10)
#define CLONE_THREAD  (WREN_CLONE_VM | WREN_CLONE_FDS | WREN_CLONE_HANDLES)

struct wren_pthread {
    int32_t tid; /* clone stores it before the thread runs */
    void *(*start)(void *);
    void *arg;
    void *map; /* the mapping holding stack, descriptor and TLS; NULL for the first thread */
    size_t map_len;
    volatile uint32_t exited; /* set by the thread as its very last store (wren_thread_exit_marked) */
    int detached;
    struct wren_pthread *next; /* on the list of detached threads whose memory is still to unmap */
};

_Noreturn void wren_thread_exit_marked(volatile uint32_t *exited, uint64_t value);

/* From user.ld. */
extern char __wren_tls_tp[], __wren_tls_image[], __wren_tls_image_end[], __wren_tls_block_end[];

static size_t tls_image_size(void)
{
    return (size_t)(__wren_tls_image_end - __wren_tls_image);
}

static __thread struct wren_pthread *self_thread; /* NULL in the first thread */
static struct wren_pthread first_thread;
static void *tls_image;                 /* .tdata as the program started */
static uint32_t live_threads = 1;       /* for pthread_exit: the last one ends the process with exit(0) */
static volatile uint32_t detached_lock; /* thread_lock.h */
static struct wren_pthread *detached_list;

/*
 * Keep a copy of the .tdata image before main can change the first thread's values. Most programs' .tdata is empty
 * (errno is .tbss): then nothing is copied. Referencing lock.c's mutex links picolibc's real locks into every
 * threaded program, whatever order a linker takes the archives in.
 */
__attribute__((constructor)) static void save_tls_image(void)
{
    size_t n = tls_image_size();
    if (n && (tls_image = malloc(n)))
        memcpy(tls_image, __wren_tls_image, n);
    (void)__lock___libc_recursive_mutex.state;
}

static uintptr_t align_up(uintptr_t v, uintptr_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* Unmap the memory of detached threads that have ended. */
static void reclaim(void)
{
    thread_lock(&detached_lock);
    for (struct wren_pthread **link = &detached_list; *link;) {
        struct wren_pthread *t = *link;
        if (__atomic_load_n(&t->exited, __ATOMIC_ACQUIRE)) {
            *link = t->next;
            wren_munmap(t->map, t->map_len);
        } else {
            link = &t->next;
        }
    }
    thread_unlock(&detached_lock);
}

static void add_detached(struct wren_pthread *t)
{
    t->detached = 1;
    thread_lock(&detached_lock);
    t->next = detached_list;
    detached_list = t;
    thread_unlock(&detached_lock);
}

static int error_of(long r)
{
    return wren_errno_from(-r);
}

int pthread_attr_init(pthread_attr_t *a)
{
    a->detachstate = PTHREAD_CREATE_JOINABLE;
    a->stacksize = DEFAULT_STACK;
    return 0;
}

int pthread_attr_destroy(pthread_attr_t *a)
{
    (void)a;
    return 0;
}

int pthread_attr_setdetachstate(pthread_attr_t *a, int state)
{
    if (state != PTHREAD_CREATE_JOINABLE && state != PTHREAD_CREATE_DETACHED)
        return EINVAL;
    a->detachstate = state;
    return 0;
}

int pthread_attr_getdetachstate(const pthread_attr_t *a, int *state)
{
    *state = a->detachstate;
    return 0;
}

int pthread_attr_setstacksize(pthread_attr_t *a, size_t size)
{
    if (size < PTHREAD_STACK_MIN)
        return EINVAL;
    a->stacksize = size;
    return 0;
}

int pthread_attr_getstacksize(const pthread_attr_t *a, size_t *size)
{
    *size = a->stacksize;
    return 0;
}

/* Where a new thread starts (clone's entry, with its descriptor in x0): it never returns. */
static _Noreturn void thread_start(struct wren_pthread *t)
{
    pthread_exit(t->start(t->arg));
}

int pthread_create(pthread_t *out, const pthread_attr_t *attr, void *(*start)(void *), void *arg)
{
    size_t stack = align_up(attr && attr->stacksize ? attr->stacksize : DEFAULT_STACK, PAGE);
    /* The thread pointer's alignment and the TCB-and-padding below the block: the first thread's, from user.ld. */
    uintptr_t tls_offset = (uintptr_t)__wren_tls_image - (uintptr_t)__wren_tls_tp;
    size_t block = (size_t)(__wren_tls_block_end - __wren_tls_image);
    size_t top = align_up(sizeof(struct wren_pthread) + 2 * tls_offset + block, PAGE);
    size_t len = GUARD + stack + top;

    reclaim();
    long base = wren_mmap(0, len, WREN_PROT_READ | WREN_PROT_WRITE, WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS, -1, 0);
    if (base < 0)
        return EAGAIN;
    wren_mprotect((void *)base, GUARD, 0);
    uintptr_t stack_top = (uintptr_t)base + GUARD + stack;
    struct wren_pthread *t = (struct wren_pthread *)stack_top;
    t->start = start;
    t->arg = arg;
    t->map = (void *)base;
    t->map_len = len;
    uintptr_t tp = align_up(stack_top + sizeof(*t), tls_offset);
    if (tls_image)
        memcpy((void *)(tp + tls_offset), tls_image, tls_image_size());
    /* The new block's self_thread: at the offset from the thread pointer that this thread's own has. */
    uintptr_t self_off = (uintptr_t)&self_thread - (uintptr_t)__builtin_thread_pointer();
    *(struct wren_pthread **)(tp + self_off) = t;

    __atomic_fetch_add(&live_threads, 1, __ATOMIC_RELAXED);
    long tid = wren_clone(CLONE_THREAD, (void *)stack_top, (void *)thread_start, (uint64_t)(uintptr_t)t, tp, &t->tid);
    if (tid < 0) {
        __atomic_fetch_sub(&live_threads, 1, __ATOMIC_RELAXED);
        wren_munmap((void *)base, len);
        return tid == -E_INVAL ? EINVAL : EAGAIN;
    }
    if (attr && attr->detachstate == PTHREAD_CREATE_DETACHED) {
        wren_thread_join((int32_t)tid, 0, WREN_THREAD_JOIN_DETACH);
        add_detached(t);
    }
    *out = t;
    return 0;
}

pthread_t pthread_self(void)
{
    struct wren_pthread *t = self_thread;
    if (!t) {
        t = &first_thread;
        if (!t->tid)
            t->tid = (int32_t)wren_get_pid(); /* the first thread's tid is the pid */
    }
    return t;
}

int pthread_equal(pthread_t a, pthread_t b)
{
    return a == b;
}

int pthread_gettid_np(pthread_t t)
{
    return t == &first_thread ? pthread_self()->tid : t->tid;
}

_Noreturn void pthread_exit(void *result)
{
    struct wren_pthread *t = pthread_self();
    /* POSIX: after the last thread, the process exits as by exit(0), atexit handlers and stdio flushing included. */
    if (__atomic_sub_fetch(&live_threads, 1, __ATOMIC_ACQ_REL) == 0)
        exit(0);
    if (t == &first_thread)
        wren_thread_exit((uint64_t)(uintptr_t)result); /* its stack is the process's: nothing to unmap */
    wren_thread_exit_marked(&t->exited, (uint64_t)(uintptr_t)result);
}

int pthread_join(pthread_t t, void **result)
{
    uint64_t value;
    long r;

    if (t == pthread_self())
        return EDEADLK;
    if (t == &first_thread || t->detached)
        return EINVAL;
    do
        r = wren_thread_join(t->tid, &value, 0);
    while (r == -E_INTR);
    if (r < 0)
        return error_of(r);
    if (result)
        *result = (void *)(uintptr_t)value;
    wren_munmap(t->map, t->map_len);
    return 0;
}

int pthread_detach(pthread_t t)
{
    if (t == &first_thread || t->detached)
        return EINVAL;
    long r = wren_thread_join(t->tid, 0, WREN_THREAD_JOIN_DETACH);
    if (r < 0)
        return error_of(r);
    add_detached(t);
    reclaim();
    return 0;
}

int pthread_kill(pthread_t t, int sig)
{
    int wsig = sig ? wren_signal_from_posix(sig) : 0;
    if (sig && !wsig)
        return EINVAL;
    int32_t tid = t == pthread_self() ? 0 : pthread_gettid_np(t);
    long r = wren_thread_kill(tid, (uint32_t)wsig);
    return r < 0 ? error_of(r) : 0;
}

int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
    /* The kernel's signal mask is the calling thread's: sigprocmask is pthread_sigmask already. */
    return sigprocmask(how, set, old) < 0 ? errno : 0;
}
