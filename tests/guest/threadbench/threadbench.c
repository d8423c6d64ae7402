/*
 * threadbench: the thread benchmarks of tests/guest/bench, in a program of their own so that the code they need
 * (userlib's pthreads and picolibc's malloc under its locks) does not make the benchmark program bigger, which would
 * change the figures of every benchmark that forks it. bench runs it by fork and exec:
 *
 *   /bin/threadbench KEY N     one of thread_create_join, futex_wake_rtt, mutex_contended, with N operations (0:
 *                              default)
 *
 * and it prints "bench: <key> <instructions per operation>" lines like bench's own. One CPU for now: with more, the
 * threads would run side by side and the figures would count both CPUs' instructions.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wren/counter.h>
#include <wren/bench_report.h>
#include <wren/print.h>
#include <wren/syscalls.h>

static int n_override;

static int count(int n)
{
    return n_override ? n_override : n;
}

static void *thread_nothing(void *arg)
{
    return arg;
}

/* pthread_create of a thread that returns at once, and pthread_join of it (stack mapping, clone, exit, join, unmap). */
static void bench_thread_create_join(void)
{
    const int WARM = 20, N = count(500);
    pthread_t t;
    for (int i = 0; i < WARM; i++) {
        pthread_create(&t, 0, thread_nothing, 0);
        pthread_join(t, 0);
    }
    uint64_t t0 = wren_counter();
    for (int i = 0; i < N; i++) {
        pthread_create(&t, 0, thread_nothing, 0);
        pthread_join(t, 0);
    }
    bench_report("thread_create_join", wren_counter() - t0, N);
}

/* Two threads of one process passing a turn through two futex words: set, wake, wait for the answer. */
static volatile uint32_t ping, pong;
static int futex_rounds;

static void *futex_partner(void *arg)
{
    (void)arg;
    for (int i = 0; i < futex_rounds; i++) {
        while (!__atomic_load_n(&ping, __ATOMIC_ACQUIRE))
            wren_futex_wait((void *)&ping, 0, 0);
        ping = 0;
        __atomic_store_n(&pong, 1, __ATOMIC_RELEASE);
        wren_futex_wake((void *)&pong, 1);
    }
    return 0;
}

static void futex_round(void)
{
    __atomic_store_n(&ping, 1, __ATOMIC_RELEASE);
    wren_futex_wake((void *)&ping, 1);
    while (!__atomic_load_n(&pong, __ATOMIC_ACQUIRE))
        wren_futex_wait((void *)&pong, 0, 0);
    pong = 0;
}

static void bench_futex_wake_rtt(void)
{
    const int WARM = 100, N = count(5000);
    pthread_t t;
    futex_rounds = WARM + N;
    pthread_create(&t, 0, futex_partner, 0);
    for (int i = 0; i < WARM; i++)
        futex_round();
    uint64_t t0 = wren_counter();
    for (int i = 0; i < N; i++)
        futex_round();
    bench_report("futex_wake_rtt", wren_counter() - t0, N);
    pthread_join(t, 0);
}

/*
 * Two threads taking one mutex in turn, each yielding while it holds it, so that every lock finds the mutex taken
 * (the other thread blocks in futex_wait) and every unlock wakes a waiter: per lock and unlock pair.
 */
static pthread_mutex_t contended = PTHREAD_MUTEX_INITIALIZER;
static int mutex_rounds;

static void *mutex_partner(void *arg)
{
    (void)arg;
    for (int i = 0; i < mutex_rounds; i++) {
        pthread_mutex_lock(&contended);
        wren_yield();
        pthread_mutex_unlock(&contended);
    }
    return 0;
}

static void bench_mutex_contended(void)
{
    const int N = count(2000);
    pthread_t t;
    mutex_rounds = N;
    uint64_t t0 = wren_counter();
    pthread_create(&t, 0, mutex_partner, 0);
    mutex_partner(0);
    pthread_join(t, 0);
    bench_report("mutex_contended", wren_counter() - t0, 2 * (uint64_t)N);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    n_override = argc > 2 ? (int)strtol(argv[2], 0, 10) : 0;
    if (strcmp(argv[1], "thread_create_join") == 0)
        bench_thread_create_join();
    else if (strcmp(argv[1], "futex_wake_rtt") == 0)
        bench_futex_wake_rtt();
    else if (strcmp(argv[1], "mutex_contended") == 0)
        bench_mutex_contended();
    else
        return 2;
    return 0;
}
