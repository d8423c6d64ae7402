/* Creating, joining and detaching threads; what they share and what each has of its own. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wren/syscalls.h>

#include "threadtest.h"

static volatile uint32_t shared_sum;

static void *add_and_double(void *arg)
{
    __atomic_fetch_add(&shared_sum, (uint32_t)(uintptr_t)arg, __ATOMIC_RELAXED);
    return (void *)((uintptr_t)arg * 2);
}

/* Many threads at once, many rounds: results come back through join, and they all wrote the same memory. */
static void many_threads(void)
{
    enum { PER_ROUND = 20, ROUNDS = 10 };
    long bad = 0, failed = 0;
    uint32_t want = 0;
    shared_sum = 0;
    for (int r = 0; r < ROUNDS; r++) {
        pthread_t t[PER_ROUND];
        for (int i = 0; i < PER_ROUND; i++) {
            uintptr_t v = (uintptr_t)(r * PER_ROUND + i + 1);
            want += (uint32_t)v;
            if (pthread_create(&t[i], 0, add_and_double, (void *)v) != 0)
                failed++;
        }
        for (int i = 0; i < PER_ROUND; i++) {
            void *res = 0;
            if (pthread_join(t[i], &res) != 0 || (uintptr_t)res != 2 * (uintptr_t)(r * PER_ROUND + i + 1))
                bad++;
        }
    }
    wren_check("200 threads created (20 at a time)", failed, 0);
    wren_check("each join returns its thread's result", bad, 0);
    wren_check("every thread wrote the shared sum", shared_sum, want);
}

/* More threads one after another than the table has slots: join (and detach) give slots back. */
static volatile uint32_t detached_done;

static void *note_done(void *arg)
{
    (void)arg;
    __atomic_fetch_add(&detached_done, 1, __ATOMIC_RELEASE);
    wren_futex_wake((void *)&detached_done, 1);
    return 0;
}

static volatile uint32_t detach_gate;

static void *wait_at_gate(void *arg)
{
    (void)arg;
    while (__atomic_load_n(&detach_gate, __ATOMIC_ACQUIRE) == 0)
        wren_futex_wait((void *)&detach_gate, 0, 0);
    return 0;
}

static void slots_come_back(void)
{
    long failed = 0;
    for (int i = 0; i < 100; i++) {
        pthread_t t;
        if (pthread_create(&t, 0, add_and_double, 0) != 0 || pthread_join(t, 0) != 0)
            failed++;
    }
    wren_check("100 create+join in turn (table has 64 slots)", failed, 0);

    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    failed = 0;
    detached_done = 0;
    for (uint32_t i = 0; i < 100; i++) {
        pthread_t t;
        if (pthread_create(&t, &a, note_done, 0) != 0)
            failed++;
        while (__atomic_load_n(&detached_done, __ATOMIC_ACQUIRE) == i)
            wren_futex_wait((void *)&detached_done, i, 0);
    }
    wren_check("100 detached threads in turn: their slots are reaped", failed, 0);
    /* The thread waits at a gate until the join has been refused: a detached thread that has ended is gone, and
     * joining it then would read freed memory (on another CPU it may end at once). */
    pthread_t t;
    detach_gate = 0;
    pthread_create(&t, 0, wait_at_gate, 0);
    wren_check("pthread_detach of a live thread", pthread_detach(t), 0);
    wren_check("join after detach: EINVAL", pthread_join(t, 0), EINVAL);
    __atomic_store_n(&detach_gate, 1, __ATOMIC_RELEASE);
    wren_futex_wake((void *)&detach_gate, 1);
    wren_check("join of oneself: EDEADLK", pthread_join(pthread_self(), 0), EDEADLK);
}

struct ids {
    long pid;
    int tid;
    pthread_t self;
};

static void *report_ids(void *arg)
{
    struct ids *ids = arg;
    ids->pid = wren_get_pid();
    ids->self = pthread_self();
    ids->tid = pthread_gettid_np(pthread_self());
    return 0;
}

static void identities(void)
{
    struct ids a = {0}, b = {0};
    pthread_t ta, tb;
    pthread_create(&ta, 0, report_ids, &a);
    pthread_create(&tb, 0, report_ids, &b);
    pthread_join(ta, 0);
    pthread_join(tb, 0);
    long pid = wren_get_pid();
    wren_check("get_pid in a thread is the process's", a.pid == pid && b.pid == pid, 1);
    wren_check("pthread_self in the thread is what create returned", a.self == ta && b.self == tb, 1);
    wren_check("tids differ from each other and from the pid", a.tid != b.tid && a.tid != pid && b.tid != pid, 1);
    wren_check("the first thread's tid is the pid", pthread_gettid_np(pthread_self()), pid);
}

/* errno is thread-local: set it in two threads in turn, each still sees its own. */
static volatile uint32_t errno_step;

static void step_to(uint32_t v)
{
    __atomic_store_n(&errno_step, v, __ATOMIC_RELEASE);
    wren_futex_wake((void *)&errno_step, 1);
}

static void wait_step(uint32_t v)
{
    uint32_t s;
    while ((s = __atomic_load_n(&errno_step, __ATOMIC_ACQUIRE)) != v)
        wren_futex_wait((void *)&errno_step, s, 0);
}

static void *errno_thread(void *arg)
{
    (void)arg;
    errno = 0;
    close(-1); /* EBADF here */
    int mine = errno;
    step_to(1);
    wait_step(2); /* the first thread sets its errno meanwhile */
    return (void *)(uintptr_t)(mine == EBADF && errno == EBADF);
}

static void errno_per_thread(void)
{
    pthread_t t;
    void *ok = 0;
    errno_step = 0;
    errno = 0;
    pthread_create(&t, 0, errno_thread, 0);
    wait_step(1);
    wren_check("errno after the thread's failure is still 0 here", errno, 0);
    errno = ENOENT;
    step_to(2);
    pthread_join(t, &ok);
    wren_check("the thread's errno stayed EBADF", (long)(uintptr_t)ok, 1);
    wren_check("ours stayed ENOENT", errno, ENOENT);
}

static void *join_self(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)wren_thread_join(pthread_gettid_np(pthread_self()), 0, 0);
}

static void *join_first(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)wren_thread_join((int32_t)wren_get_pid(), 0, 0);
}

/* The raw calls' refusals. */
static void clone_refusals(void)
{
    static uint8_t stack[4096] __attribute__((aligned(16)));
    void *top = stack + sizeof(stack);
    uint32_t all = WREN_CLONE_VM | WREN_CLONE_FDS | WREN_CLONE_HANDLES;
    int32_t tid;
    wren_check("clone without VM: E_INVAL",
               wren_clone(WREN_CLONE_FDS | WREN_CLONE_HANDLES, top, (void *)wren_thread_exit, 0, 0, 0), -E_INVAL);
    wren_check("clone VM without the handle table: E_INVAL",
               wren_clone(WREN_CLONE_VM, top, (void *)wren_thread_exit, 0, 0, 0), -E_INVAL);
    wren_check("clone with unknown flags: E_INVAL", wren_clone(all | 0x100, top, (void *)wren_thread_exit, 0, 0, 0),
               -E_INVAL);
    wren_check("clone with a misaligned stack: E_INVAL",
               wren_clone(all, (char *)top - 8, (void *)wren_thread_exit, 0, 0, 0), -E_INVAL);
    wren_check("clone with a kernel stack: E_INVAL",
               wren_clone(all, (void *)0xffff000000001000ull, (void *)wren_thread_exit, 0, 0, 0), -E_INVAL);
    wren_check("clone with a kernel entry: E_INVAL", wren_clone(all, top, (void *)0xffff000000001000ull, 0, 0, 0),
               -E_INVAL);
    wren_check("clone with a bad tid pointer: E_FAULT",
               wren_clone(all, top, (void *)wren_thread_exit, 0, 0, (int32_t *)0x10), -E_FAULT);
    /* A raw thread: it runs thread_exit(arg) at once on the static stack; join collects the value. */
    long t = wren_clone(all, top, (void *)wren_thread_exit, 77, 0, &tid);
    uint64_t v = 0;
    wren_check("raw clone returns the tid it stored", t > 0 && t == tid, 1);
    wren_check("join the raw thread", wren_thread_join((int32_t)t, &v, 0), 0);
    wren_check("its thread_exit value", (long)v, 77);
    wren_check("join it again: E_SRCH", wren_thread_join((int32_t)t, &v, 0), -E_SRCH);
    pthread_t first_joiner;
    void *fr = 0;
    pthread_create(&first_joiner, 0, join_first, 0);
    pthread_join(first_joiner, &fr);
    wren_check("join the first thread (from another): E_INVAL", (long)(intptr_t)fr, -E_INVAL);
    wren_check("join a tid of no thread: E_SRCH", wren_thread_join(999999, &v, 0), -E_SRCH);
    pthread_t self_joiner;
    void *r = 0;
    pthread_create(&self_joiner, 0, join_self, 0);
    pthread_join(self_joiner, &r);
    wren_check("thread_join of oneself: E_DEADLK", (long)(intptr_t)r, -E_DEADLK);
    wren_check("thread_kill of no thread: E_SRCH", wren_thread_kill(999999, 0), -E_SRCH);
    wren_check("thread_kill self with signal 0", wren_thread_kill(0, 0), 0);
}

/* The sys scheme: `threads` has a line per thread (tid, then the pid), `processes` one per process. */
static volatile uint32_t listing_go;

static void *wait_listing(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&listing_go, __ATOMIC_ACQUIRE))
        wren_futex_wait((void *)&listing_go, 0, 0);
    return 0;
}

/* Lines of file `path` whose field number `field` (from 0) is `value`; -1 if it cannot be read. */
static long count_lines(const char *path, int field, long value)
{
    static char text[8192];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    text[n] = 0;
    long found = 0;
    for (char *line = strchr(text, '\n'); line && line[1]; line = strchr(line, '\n')) {
        char *p = ++line;
        for (int f = 0; f < field && p; f++)
            p = strchr(p, ' ') ? strchr(p, ' ') + 1 : 0;
        found += p && strtol(p, 0, 10) == value;
    }
    return found;
}

static void listing(void)
{
    pthread_t t[2];
    listing_go = 0;
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], 0, wait_listing, 0);
    long pid = wren_get_pid();
    wren_check("/scheme/sys/threads: a line per thread of ours", count_lines("/scheme/sys/threads", 1, pid), 3);
    wren_check("... the first thread's tid is the pid", count_lines("/scheme/sys/threads", 0, pid), 1);
    wren_check("/scheme/sys/processes: one line for the process", count_lines("/scheme/sys/processes", 0, pid), 1);
    listing_go = 1;
    wren_futex_wake((void *)&listing_go, UINT32_MAX);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], 0);
    wren_check("/scheme/sys/threads after the joins: one line", count_lines("/scheme/sys/threads", 1, pid), 1);
}

void test_basic(void)
{
    listing();
    many_threads();
    slots_come_back();
    identities();
    errno_per_thread();
    clone_refusals();
}
