/* Mutexes, condition variables and pthread_once under load; malloc and stdio from several threads at once. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wren/syscalls.h>

#include "threadtest.h"

enum { WORKERS = 4, ROUNDS = 20000 };

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter; /* not atomic: only the mutex keeps the increments whole */

static void *count_up(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&counter_lock);
        long c = counter;
        if (i % 500 == 0)
            wren_yield(); /* give the CPU away holding the lock: the others must wait in futex_wait */
        counter = c + 1;
        pthread_mutex_unlock(&counter_lock);
    }
    return 0;
}

static void mutex_stress(void)
{
    pthread_t t[WORKERS];
    counter = 0;
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&t[i], 0, count_up, 0);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], 0);
    wren_check("4 threads x 20000 increments under a mutex", counter, (long)WORKERS * ROUNDS);
    wren_check("the mutex is free afterwards", counter_lock.state, 0);

    pthread_mutex_t m;
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&m, &a);
    pthread_mutex_lock(&m);
    wren_check("a recursive mutex locks twice", pthread_mutex_lock(&m), 0);
    pthread_mutex_unlock(&m);
    wren_check("... and is still held after one unlock", pthread_mutex_trylock(&m) == 0 && m.count == 2, 1);
    pthread_mutex_unlock(&m);
    pthread_mutex_unlock(&m);
    wren_check("... free after as many unlocks", m.state, 0);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&m, &a);
    pthread_mutex_lock(&m);
    wren_check("an error-checking mutex refuses a second lock", pthread_mutex_lock(&m), EDEADLK);
    pthread_mutex_unlock(&m);
    wren_check("... and an unlock it does not hold", pthread_mutex_unlock(&m), EPERM);
    pthread_mutex_init(&m, 0);
    pthread_mutex_lock(&m);
    wren_check("trylock of a held mutex: EBUSY", pthread_mutex_trylock(&m), EBUSY);
    pthread_mutex_unlock(&m);
}

/* A bounded queue: two producers, two consumers, every item taken exactly once. */
enum { ITEMS = 3000, QSIZE = 8 };
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_not_empty = PTHREAD_COND_INITIALIZER, q_not_full = PTHREAD_COND_INITIALIZER;
static int q[QSIZE], q_head, q_len, produced_done;
static long consumed_sum, consumed_count;

static void *producer(void *arg)
{
    int base = (int)(intptr_t)arg;
    for (int i = 1; i <= ITEMS / 2; i++) {
        pthread_mutex_lock(&q_lock);
        while (q_len == QSIZE)
            pthread_cond_wait(&q_not_full, &q_lock);
        q[(q_head + q_len++) % QSIZE] = base + i;
        pthread_cond_signal(&q_not_empty);
        pthread_mutex_unlock(&q_lock);
    }
    pthread_mutex_lock(&q_lock);
    produced_done++;
    pthread_cond_broadcast(&q_not_empty);
    pthread_mutex_unlock(&q_lock);
    return 0;
}

static void *consumer(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&q_lock);
        while (q_len == 0 && produced_done < 2)
            pthread_cond_wait(&q_not_empty, &q_lock);
        if (q_len == 0) {
            pthread_mutex_unlock(&q_lock);
            return 0;
        }
        int v = q[q_head];
        q_head = (q_head + 1) % QSIZE;
        q_len--;
        consumed_sum += v;
        consumed_count++;
        pthread_cond_signal(&q_not_full);
        pthread_mutex_unlock(&q_lock);
    }
}

static void condvar_queue(void)
{
    pthread_t p[2], c[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&c[i], 0, consumer, 0);
    for (int i = 0; i < 2; i++)
        pthread_create(&p[i], 0, producer, (void *)(intptr_t)(i * 100000));
    for (int i = 0; i < 2; i++)
        pthread_join(p[i], 0);
    for (int i = 0; i < 2; i++)
        pthread_join(c[i], 0);
    long n = ITEMS / 2, want = 2 * (n * (n + 1) / 2) + n * 100000;
    wren_check("condvar queue: every item consumed once", consumed_count, ITEMS);
    wren_check("... with the right sum", consumed_sum, want);

    pthread_cond_t cv;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&cv, &ca);
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    struct timespec ts;
    long now = wren_get_time(WREN_CLOCK_MONOTONIC) + 30000000;
    ts.tv_sec = now / 1000000000;
    ts.tv_nsec = now % 1000000000;
    uint64_t t0 = now_ns();
    pthread_mutex_lock(&m);
    wren_check("pthread_cond_timedwait with nobody signalling: ETIMEDOUT", pthread_cond_timedwait(&cv, &m, &ts),
               ETIMEDOUT);
    wren_check("... holding the mutex again", m.state != 0, 1);
    pthread_mutex_unlock(&m);
    wren_check("... after about its 30 ms", now_ns() - t0 >= 25000000, 1);
    ts.tv_sec = 0;
    pthread_mutex_lock(&m);
    wren_check("a deadline already past: ETIMEDOUT at once", pthread_cond_timedwait(&cv, &m, &ts), ETIMEDOUT);
    pthread_mutex_unlock(&m);
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static volatile uint32_t once_runs;

static void once_fn(void)
{
    wren_yield(); /* the others arrive while it runs */
    __atomic_fetch_add(&once_runs, 1, __ATOMIC_RELAXED);
}

static void *call_once(void *arg)
{
    (void)arg;
    pthread_once(&once, once_fn);
    return (void *)(uintptr_t)once_runs; /* 1 by the time pthread_once returns, in every thread */
}

static void once_only(void)
{
    pthread_t t[6];
    long bad = 0;
    for (int i = 0; i < 6; i++)
        pthread_create(&t[i], 0, call_once, 0);
    for (int i = 0; i < 6; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad += (uintptr_t)r != 1;
    }
    wren_check("pthread_once ran its function once", once_runs, 1);
    wren_check("... and every caller returned after it", bad, 0);
}

/* malloc, free and snprintf from several threads at once; each block keeps its own pattern. */
static void *heap_worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    long bad = 0;
    unsigned seed = (unsigned)id * 7919u + 1;
    char *blocks[16] = {0};
    size_t sizes[16] = {0};
    for (int i = 0; i < 3000; i++) {
        int k = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 16;
        if (blocks[k]) {
            for (size_t j = 0; j < sizes[k]; j++)
                bad += blocks[k][j] != (char)(id + k);
            free(blocks[k]);
        }
        sizes[k] = 1 + (seed >> 8) % 700;
        blocks[k] = malloc(sizes[k]);
        if (!blocks[k]) {
            bad++;
            continue;
        }
        memset(blocks[k], id + k, sizes[k]);
        if (i % 100 == 0)
            wren_yield();
    }
    for (int k = 0; k < 16; k++)
        free(blocks[k]);
    char line[64];
    snprintf(line, sizeof(line), "threadtest: heap worker %d done, %ld bad", id, bad);
    puts(line); /* one piece: the test counts whole lines on the console */
    return (void *)bad;
}

static void heap_and_stdio(void)
{
    pthread_t t[WORKERS];
    long bad = 0;
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&t[i], 0, heap_worker, (void *)(intptr_t)(i + 1));
    for (int i = 0; i < WORKERS; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad += (long)r;
    }
    fflush(stdout);
    wren_check("malloc/free from 4 threads: every block kept its bytes", bad, 0);
}

/*
 * Whole lines from several threads into one stream: each fprintf puts its line in one piece (userlib/libc/stdio_lock.c
 * holds the stream's lock for the whole call), where picolibc alone locks per character and lines interleave.
 */
enum { LINES = 300 };
static const char filler[] = "abcdefghijklmnopqrstuvwxyz0123456789";

static void *line_writer(void *arg)
{
    FILE *f = arg;
    static int next_id;
    int id = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED);
    for (int i = 0; i < LINES; i++) {
        fprintf(f, "writer %d line %03d %s %s\n", id, i, filler, filler);
        if (i % 50 == 0)
            wren_yield();
    }
    return 0;
}

static void stdio_whole_lines(void)
{
    mkdir("/tmp", 0);
    FILE *f = fopen("/tmp/threadtest-lines", "w+");
    wren_check("fopen a file for four writers", f != 0, 1);
    if (!f)
        return;
    pthread_t t[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&t[i], 0, line_writer, f);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], 0);
    rewind(f);
    /* Every line must be one a writer wrote, whole, and each writer's lines must come in its order. */
    int next[WORKERS + 1] = {0};
    long lines = 0, bad = 0;
    char line[160], want[160];
    while (fgets(line, sizeof(line), f)) {
        int id = -1, n = -1;
        lines++;
        if (sscanf(line, "writer %d line %d", &id, &n) != 2 || id < 1 || id > WORKERS || n != next[id]) {
            bad++;
            continue;
        }
        snprintf(want, sizeof(want), "writer %d line %03d %s %s\n", id, n, filler, filler);
        bad += strcmp(line, want) != 0;
        next[id]++;
    }
    fclose(f);
    unlink("/tmp/threadtest-lines");
    wren_check("4 threads fprintf 300 lines each into one FILE: every line whole and in its writer's order", bad, 0);
    wren_check("... and none lost", lines, (long)WORKERS * LINES);
}

void test_sync(void)
{
    mutex_stress();
    condvar_queue();
    once_only();
    heap_and_stdio();
    stdio_whole_lines();
}
