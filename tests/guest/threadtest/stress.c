/*
 * Four threads of one process at once on what the kernel shares between them: mappings made, touched and removed
 * in parallel, first-touch faults on the same pages, a mapping pulled away under threads that touch it, and ports
 * and schemes registered and dropped under one contended name. With -smp 4 the threads really run at once; with one
 * CPU the timer interleaves them.
 */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#include "threadtest.h"

enum { THREADS = 4, PAGE = 4096 };

/* Start the threads at one moment, so that they meet in the kernel rather than run one after another. */
static volatile uint32_t gate;

static void wait_gate(void)
{
    while (__atomic_load_n(&gate, __ATOMIC_ACQUIRE) == 0)
        wren_futex_wait((void *)&gate, 0, 0);
}

static void run_threads(void *(*fn)(void *))
{
    pthread_t t[THREADS];
    gate = 0;
    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], 0, fn, (void *)i);
    __atomic_store_n(&gate, 1, __ATOMIC_RELEASE);
    wren_futex_wake((void *)&gate, THREADS);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], 0);
}

static uint64_t free_memory(void)
{
    struct wren_meminfo mi;
    return wren_mem_info(&mi) == 0 ? mi.free : 0;
}

/* Each thread maps, fills, checks, write-protects and unmaps regions of its own, many times over. */
enum { MAP_ROUNDS = 30, MAP_PAGES = 8 };
static long map_bad;

static void *map_cycle(void *arg)
{
    long k = (long)arg;
    wait_gate();
    for (int r = 0; r < MAP_ROUNDS; r++) {
        long a = wren_mmap(0, MAP_PAGES * PAGE, WREN_PROT_READ | WREN_PROT_WRITE, WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS,
                           -1, 0);
        if (a < 0) {
            __atomic_fetch_add(&map_bad, 1, __ATOMIC_RELAXED);
            continue;
        }
        volatile uint64_t *w = (uint64_t *)a;
        uint64_t mark = (uint64_t)k << 32 | (uint64_t)r;
        for (int p = 0; p < MAP_PAGES; p++)
            if (w[p * PAGE / 8 + 1] != 0) /* fresh anonymous memory is zero, whoever had the page before */
                __atomic_fetch_add(&map_bad, 1, __ATOMIC_RELAXED);
        for (int p = 0; p < MAP_PAGES; p++)
            w[p * PAGE / 8] = mark + (uint64_t)p;
        if (r % 8 == 0 && wren_mprotect((void *)a, MAP_PAGES * PAGE, WREN_PROT_READ) != 0)
            __atomic_fetch_add(&map_bad, 1, __ATOMIC_RELAXED);
        for (int p = 0; p < MAP_PAGES; p++)
            if (w[p * PAGE / 8] != mark + (uint64_t)p)
                __atomic_fetch_add(&map_bad, 1, __ATOMIC_RELAXED);
        if (wren_munmap((void *)a, MAP_PAGES * PAGE) != 0)
            __atomic_fetch_add(&map_bad, 1, __ATOMIC_RELAXED);
    }
    return 0;
}

/* One untouched region, and all four threads fault in its pages at once, each writing its own word of each. */
enum { SHARED_PAGES = 128, SHARED_ROUNDS = 3 };
static volatile uint64_t *shared;

static void *touch_shared(void *arg)
{
    long k = (long)arg;
    wait_gate();
    /* Each thread starts at a different page and walks the whole region, so they cross on every page. */
    for (int i = 0; i < SHARED_PAGES; i++) {
        int p = (i + (int)k * SHARED_PAGES / THREADS) % SHARED_PAGES;
        shared[p * PAGE / 8 + k] = 0x100 * (uint64_t)p + (uint64_t)k + 1;
    }
    return 0;
}

static void vm_in_parallel(void)
{
    uint64_t before = free_memory();
    map_bad = 0;
    run_threads(map_cycle);
    wren_check("4 threads map, fill, protect and unmap 30 regions each: nothing wrong", map_bad, 0);

    long bad = 0;
    for (int r = 0; r < SHARED_ROUNDS; r++) {
        long a = wren_mmap(0, SHARED_PAGES * PAGE, WREN_PROT_READ | WREN_PROT_WRITE,
                           WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS, -1, 0);
        if (a < 0) {
            bad++;
            continue;
        }
        shared = (uint64_t *)a;
        run_threads(touch_shared);
        /* A fault that mapped a second page over the first would lose the other threads' words. */
        for (int p = 0; p < SHARED_PAGES; p++)
            for (long k = 0; k < THREADS; k++)
                bad += shared[p * PAGE / 8 + k] != 0x100 * (uint64_t)p + (uint64_t)k + 1;
        bad += wren_munmap((void *)a, SHARED_PAGES * PAGE) != 0;
    }
    wren_check("4 threads fault the same 128 pages at once, 3 times: every page keeps all four words", bad, 0);
    wren_check("... and the memory is free again afterwards", free_memory(), before);
}

/*
 * A region pulled away and put back (munmap, mmap MAP_FIXED) while three threads keep touching it: each fault on the
 * missing region runs the SIGSEGV handler, which returns, and the access is made again until the region is back.
 * The region is left mapped at the end so the touchers finish. Runs in a child, whose end gives the memory back.
 */
enum { PULL_ROUNDS = 60, PULL_PAGES = 4 };
static volatile uint64_t *pulled;
static volatile uint32_t pull_done;
static volatile long faults_seen;

static void count_fault(int sig)
{
    (void)sig;
    __atomic_fetch_add(&faults_seen, 1, __ATOMIC_RELAXED);
    wren_yield(); /* let the puller put the region back */
}

static void *pull_or_touch(void *arg)
{
    long k = (long)arg;
    wait_gate();
    if (k == 0) {
        for (int r = 0; r < PULL_ROUNDS; r++) {
            wren_munmap((void *)pulled, PULL_PAGES * PAGE);
            long a = wren_mmap((void *)pulled, PULL_PAGES * PAGE, WREN_PROT_READ | WREN_PROT_WRITE,
                               WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS | WREN_MAP_FIXED, -1, 0);
            if (a != (long)(uintptr_t)pulled)
                return (void *)1;
        }
        __atomic_store_n(&pull_done, 1, __ATOMIC_RELEASE);
        return 0;
    }
    uint64_t n = 0;
    while (!__atomic_load_n(&pull_done, __ATOMIC_ACQUIRE))
        for (int p = 0; p < PULL_PAGES; p++)
            pulled[p * PAGE / 8 + k] = ++n;
    return 0;
}

static int pull_under_touchers(void)
{
    signal(SIGSEGV, count_fault);
    long a =
        wren_mmap(0, PULL_PAGES * PAGE, WREN_PROT_READ | WREN_PROT_WRITE, WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS, -1, 0);
    if (a < 0)
        return 2;
    pulled = (uint64_t *)a;
    pthread_t t[THREADS];
    void *res[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], 0, pull_or_touch, (void *)i);
    __atomic_store_n(&gate, 1, __ATOMIC_RELEASE);
    wren_futex_wake((void *)&gate, THREADS);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], &res[i]);
    wren_print("threadtest: the pulled region faulted ");
    wren_print_dec(faults_seen);
    wren_print(" times under its touchers\n");
    return res[0] != 0 ? 3 : 0;
}

static void pull_in_parallel(void)
{
    uint64_t before = free_memory();
    gate = 0;
    long st = status_of(run_in_child(pull_under_touchers));
    wren_check("a region unmapped and remapped 60 times under 3 touching threads: the child ends well", st, 0);
    wren_check("... and everything it had is free again", free_memory(), before);
}

/* Ports and schemes: every thread registers names of its own, and all contend for one name; one holder at a time. */
enum { REG_ROUNDS = 40 };
static volatile long port_holders, scheme_holders, wins, reg_bad, first_bad_line, first_bad_code;

/* Count a failure, keeping the first one's line and result for the report. */
static void reg_failed(int line, long code)
{
    if (__atomic_fetch_add(&reg_bad, 1, __ATOMIC_RELAXED) == 0) {
        first_bad_line = line;
        first_bad_code = code;
    }
}

static void name_of(char *buf, const char *prefix, long k, int r)
{
    size_t n = strlen(prefix);
    memcpy(buf, prefix, n);
    buf[n++] = (char)('0' + k);
    buf[n++] = '-';
    buf[n++] = (char)('a' + r / 26 % 26);
    buf[n++] = (char)('a' + r % 26);
    buf[n] = 0;
}

/* Hold a contended name for a moment: if another thread held it too, the kernel let it be registered twice. */
static void hold(volatile long *holders)
{
    long n = __atomic_add_fetch(holders, 1, __ATOMIC_ACQ_REL);
    if (n != 1)
        reg_failed(__LINE__, n);
    __atomic_fetch_add(&wins, 1, __ATOMIC_RELAXED);
    wren_yield();
    __atomic_sub_fetch(holders, 1, __ATOMIC_ACQ_REL);
}

static void *register_race(void *arg)
{
    long k = (long)arg;
    char name[32];
    wait_gate();
    for (int r = 0; r < REG_ROUNDS; r++) {
        name_of(name, "race.", k, r);
        long own = wren_port_register(name, strlen(name));
        if (own < 0 || (own = wren_port_unregister((wren_handle_t)own)) != 0)
            reg_failed(__LINE__, own);
        long h = wren_port_register("race.shared", 11);
        if (h >= 0) {
            hold(&port_holders);
            if ((h = wren_port_unregister((wren_handle_t)h)) != 0)
                reg_failed(__LINE__, h);
        } else if (h != -E_EXIST) {
            reg_failed(__LINE__, h);
        }
        name_of(name, "race", k, r);
        long s = wren_scheme_register(name, strlen(name));
        if (s < 0 || (s = wren_close((int32_t)s)) != 0)
            reg_failed(__LINE__, s);
        s = wren_scheme_register("raceshared", 10);
        if (s >= 0) {
            hold(&scheme_holders);
            if ((s = wren_close((int32_t)s)) != 0)
                reg_failed(__LINE__, s);
        } else if (s != -E_EXIST) {
            reg_failed(__LINE__, s);
        }
    }
    return 0;
}

static void registration_in_parallel(void)
{
    port_holders = scheme_holders = wins = reg_bad = 0;
    run_threads(register_race);
    if (reg_bad) {
        wren_print("threadtest: first registration failure at stress.c:");
        wren_print_dec(first_bad_line);
        wren_print(", result ");
        wren_print_dec(first_bad_code);
        wren_print("\n");
    }
    wren_check("4 threads register 40 ports and schemes each, and contend for one name of each: no error", reg_bad, 0);
    wren_check("... the contended names were won", wins > 0, 1);
    long port = wren_port_register("race.shared", 11), scheme = wren_scheme_register("raceshared", 10);
    wren_check("... and are free afterwards", port >= 0 && scheme >= 0, 1);
    wren_port_unregister((wren_handle_t)port);
    wren_close((int32_t)scheme);
}

/* How long a part took, in the log: with -smp 4 every unmap is a broadcast TLB invalidation, slow under TCG. */
static void timed(const char *what, void (*fn)(void))
{
    uint64_t t0 = now_ns();
    fn();
    wren_print("threadtest: ");
    wren_print(what);
    wren_print(" took ");
    wren_print_dec((long)((now_ns() - t0) / 1000000));
    wren_print(" ms\n");
}

void test_stress(void)
{
    timed("mappings in parallel", vm_in_parallel);
    timed("a region pulled under its touchers", pull_in_parallel);
    timed("registration in parallel", registration_in_parallel);
}
