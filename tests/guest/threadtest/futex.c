/* futex_wait and futex_wake: the values, the timeouts, the wakes they count, and pointers they refuse. */
#include <pthread.h>
#include <wren/syscalls.h>

#include "threadtest.h"

static volatile uint32_t word;
static volatile uint32_t sleepers_done;

static void *sleeper(void *arg)
{
    (void)arg;
    long r = wren_futex_wait((void *)&word, 0, 0);
    __atomic_fetch_add(&sleepers_done, 1, __ATOMIC_RELAXED);
    return (void *)(intptr_t)r;
}

/*
 * Wake, at most `count` at a time, until `n` have been woken in all or 10 s have passed (a sleeper may not have
 * reached its wait yet: with several CPUs under a loaded host it may not have run at all): the total.
 */
static long wake_until(long n, uint32_t count)
{
    long woken = 0;
    uint64_t t0 = now_ns();
    while (woken < n && now_ns() - t0 < 10000000000ull) {
        uint32_t c = count == UINT32_MAX || count < (uint32_t)(n - woken) ? count : (uint32_t)(n - woken);
        long r = wren_futex_wake((void *)&word, c);
        if (r < 0)
            return r;
        woken += r;
        if (woken < n)
            sleep_ms(1);
    }
    return woken;
}

void test_futex(void)
{
    static uint32_t aligned[2];
    wren_check("futex_wait with another value: E_AGAIN", wren_futex_wait(&aligned[0], 1, 0), -E_AGAIN);
    uint64_t t0 = now_ns();
    wren_check("futex_wait times out: E_TIMEDOUT", wren_futex_wait(&aligned[0], 0, 20000000), -E_TIMEDOUT);
    uint64_t waited = now_ns() - t0;
    wren_check("... after its 20 ms", waited >= 20000000 && waited < 2000000000ull, 1);
    wren_check("futex_wait unaligned: E_INVAL", wren_futex_wait((char *)aligned + 1, 0, 0), -E_INVAL);
    wren_check("futex_wake unaligned: E_INVAL", wren_futex_wake((char *)aligned + 2, 1), -E_INVAL);
    wren_check("futex_wait on a kernel address: E_FAULT", wren_futex_wait((void *)0xffff000040000000ull, 0, 0),
               -E_FAULT);
    wren_check("futex_wake on a kernel address: E_FAULT", wren_futex_wake((void *)0xffff000040000000ull, 1), -E_FAULT);
    wren_check("futex_wait on address 0: E_FAULT", wren_futex_wait((void *)0, 0, 0), -E_FAULT);
    long page = wren_mmap(0, 4096, WREN_PROT_READ | WREN_PROT_WRITE, WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS, -1, 0);
    wren_munmap((void *)page, 4096);
    wren_check("futex_wait on an unmapped page: E_FAULT", wren_futex_wait((void *)page, 0, 0), -E_FAULT);
    wren_check("futex_wake on an unmapped page: E_FAULT", wren_futex_wake((void *)page, 1), -E_FAULT);
    page = wren_mmap(0, 4096, 0, WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS, -1, 0);
    wren_check("futex_wait on a no-access page: E_FAULT", wren_futex_wait((void *)page, 0, 0), -E_FAULT);
    wren_munmap((void *)page, 4096);
    wren_check("futex_wake with nobody waiting: 0", wren_futex_wake(&aligned[1], 10), 0);

    /* Three sleepers on one word: wake 2, then the rest; each wait returns 0. */
    pthread_t t[3];
    word = 0;
    sleepers_done = 0;
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], 0, sleeper, 0);
    sleep_ms(20); /* let them reach their wait (wake_until copes with one that is late) */
    wren_check("a wake of another word wakes none of them", wren_futex_wake((void *)&aligned[1], 3), 0);
    wren_check("futex_wake(2) wakes two", wake_until(2, 2), 2);
    wren_check("futex_wake(all) wakes the third", wake_until(1, UINT32_MAX), 1);
    long bad = 0;
    for (int i = 0; i < 3; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad += r != 0;
    }
    wren_check("each woken futex_wait returned 0", bad, 0);
    wren_check("all three ran on", sleepers_done, 3);
}
