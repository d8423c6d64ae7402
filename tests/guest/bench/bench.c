/*
 * bench: the in-guest microbenchmarks, run as /bin/init by tools/bench.py under
 * `qemu -icount shift=0,sleep=off`, where each guest instruction advances virtual time by
 * exactly 1 ns. The counter runs at CNTFRQ Hz, so instructions = ticks * 1e9 / CNTFRQ
 * (16 per tick on QEMU's 62.5 MHz). Each figure is the mean over N operations after a
 * warm-up; prints "bench: <key> <instructions per operation, 2 decimals>".
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <wren/counter.h>
#include <wren/bench_report.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define PAGE  4096
#define BLOCK (2ull << 20)
#define RW    (WREN_PROT_READ | WREN_PROT_WRITE)
#define ANON  (WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS)

static uint64_t ns_per_tick_x100;

/*
 * `bench <key> <n>` runs only the benchmark <key>, with n operations instead of its default
 * (tools/profile.py runs it twice with different n and subtracts, to count one operation).
 */
static const char *only;
static int n_override;

static int count(int n)
{
    return n_override ? n_override : n;
}

static bool selected(const char *key)
{
    if (!only)
        return true;
    const char *a = only, *b = key;
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static void report_value(const char *key, uint64_t v)
{
    wren_print("bench: ");
    wren_print(key);
    wren_print(" ");
    wren_print_dec((long)v);
    wren_print("\n");
}

static void bench_null_syscall(void)
{
    const int N = count(20000);
    for (int i = 0; i < 1000; i++)
        wren_get_pid();
    uint64_t t0 = wren_counter();
    for (int i = 0; i < N; i++)
        wren_get_pid();
    bench_report("null_syscall", wren_counter() - t0, N);
}

static void bench_yield_rtt(void)
{
    const int WARM = 100, N = count(5000);
    long pid = wren_fork();
    if (pid == 0) {
        for (int i = 0; i < WARM + N + 1; i++)
            wren_yield();
        wren_exit(0);
    }
    for (int i = 0; i < WARM; i++)
        wren_yield();
    uint64_t t0 = wren_counter();
    for (int i = 0; i < N; i++)
        wren_yield(); /* to the child and back: one round trip */
    bench_report("yield_rtt", wren_counter() - t0, N);
    wren_wait((int32_t)pid, 0, 0);
}

/* A server echoes requests with reply_receive; the client times call() with a 64-byte payload, per round trip. */
static void bench_ipc_call_rtt(void)
{
    const int WARM = 100, N = count(5000);
    wren_handle_t ch[2];
    struct wren_msg m = {0};

    wren_channel_create(ch, 0);
    long pid = wren_fork();
    if (pid == 0) {
        /* The server loop: answer one request and wait for the next in one call. */
        wren_reply_receive(-1, ch[1], &m, 0);
        for (int i = 1; i < WARM + N; i++) {
            m.header.type = WREN_MSG_REPLY;
            wren_reply_receive(ch[1], ch[1], &m, 0);
        }
        m.header.type = WREN_MSG_REPLY;
        wren_send(ch[1], &m, 0, 0);
        wren_exit(0);
    }
    m.header.length = 64;
    for (int i = 0; i < WARM; i++)
        wren_call(ch[0], &m, 0);
    uint64_t t0 = wren_counter();
    for (int i = 0; i < N; i++)
        wren_call(ch[0], &m, 0);
    bench_report("ipc_call_rtt", wren_counter() - t0, N);
    wren_wait((int32_t)pid, 0, 0);
    wren_channel_close(ch[0]);
    wren_channel_close(ch[1]);
}

/* A client connects to a named port and closes; the server accepts and closes. Per connection. */
static void bench_port_connect_accept(void)
{
    const int WARM = 50, N = count(1000);
    static const char name[] = "bench.port";

    long pid = wren_fork();
    if (pid == 0) {
        long port = wren_port_register(name, sizeof(name) - 1);
        for (int i = 0; i < WARM + N; i++)
            wren_channel_close(wren_port_accept(port, 0, 0));
        wren_exit(0);
    }
    for (int i = 0; i < WARM; i++) {
        long c;
        while ((c = wren_port_connect(name, sizeof(name) - 1, 0)) == -E_NOENT)
            wren_yield(); /* the server has not registered yet */
        wren_channel_close(c);
    }
    uint64_t t0 = wren_counter();
    for (int i = 0; i < N; i++)
        wren_channel_close(wren_port_connect(name, sizeof(name) - 1, 0));
    bench_report("port_connect_accept", wren_counter() - t0, N);
    wren_wait((int32_t)pid, 0, 0);
}

/* One-way: send and receive of a 64-byte message in the same process (no switch). */
static void bench_ipc_send_recv(void)
{
    const int N = count(10000);
    wren_handle_t ch[2];
    struct wren_msg m = {0}, r;

    wren_channel_create(ch, 0);
    m.header.type = WREN_MSG_DATA;
    m.header.length = 64;
    for (int i = 0; i < 100; i++) {
        wren_send(ch[0], &m, 0, 0);
        wren_receive(ch[1], &r, 0, 0);
    }
    uint64_t t0 = wren_counter();
    for (int i = 0; i < N; i++) {
        wren_send(ch[0], &m, 0, 0);
        wren_receive(ch[1], &r, 0, 0);
    }
    bench_report("ipc_send_recv", wren_counter() - t0, N);
    wren_channel_close(ch[0]);
    wren_channel_close(ch[1]);
}

/* 64 bytes to a child through one pipe and back through another, per round trip. */
static void bench_pipe_rtt(void)
{
    const int WARM = 100, N = count(5000);
    int32_t there[2], back[2];
    char buf[64] = {0};

    wren_pipe(there, 0);
    wren_pipe(back, 0);
    long pid = wren_fork();
    if (pid == 0) {
        for (int i = 0; i < WARM + N; i++) {
            wren_read(there[0], buf, 64);
            wren_write(back[1], buf, 64);
        }
        wren_exit(0);
    }
    for (int i = 0; i < WARM; i++) {
        wren_write(there[1], buf, 64);
        wren_read(back[0], buf, 64);
    }
    uint64_t t0 = wren_counter();
    for (int i = 0; i < N; i++) {
        wren_write(there[1], buf, 64);
        wren_read(back[0], buf, 64);
    }
    bench_report("pipe_rtt", wren_counter() - t0, N);
    wren_wait((int32_t)pid, 0, 0);
    for (int i = 0; i < 2; i++) {
        wren_close(there[i]);
        wren_close(back[i]);
    }
}

/*
 * Pipe throughput: 64 KiB per write() into a pipe, drained by a child reading 64 KiB at a
 * time (the pipe holds 4 KiB, so both sides block and switch many times per transfer).
 * Reports instructions per 64 KiB and the bytes per instruction that makes.
 */
static void bench_pipe_64k(void)
{
    enum { SIZE = 64 * 1024 };
    const int WARM = 2, N = count(50);
    /* Mapped for this benchmark alone, so the ones after it (fork_wait) do not copy its pages. */
    char *buf = (char *)wren_mmap(0, SIZE, RW, ANON, -1, 0);
    int32_t data[2], ack[2];

    wren_pipe(data, 0);
    wren_pipe(ack, 0);
    long pid = wren_fork();
    if (pid == 0) {
        for (int i = 0; i < WARM + N; i++) {
            for (long got = 0; got < SIZE;) {
                long n = wren_read(data[0], buf, SIZE - got);
                if (n <= 0)
                    wren_exit(1);
                got += n;
            }
            if (i == WARM - 1 || i == WARM + N - 1)
                wren_write(ack[1], buf, 1);
        }
        wren_exit(0);
    }
    for (int i = 0; i < WARM; i++)
        wren_write(data[1], buf, SIZE);
    wren_read(ack[0], buf, 1); /* the child has drained the warm-up */
    uint64_t t0 = wren_counter();
    for (int i = 0; i < N; i++)
        wren_write(data[1], buf, SIZE);
    wren_read(ack[0], buf, 1); /* ...and all N transfers */
    uint64_t ticks = wren_counter() - t0;
    bench_report("pipe_64k", ticks, N);
    /* bytes per instruction, two decimals: SIZE * N * 100 / instructions */
    uint64_t insns_x100 = ticks * ns_per_tick_x100;
    uint64_t bpi_x100 = (uint64_t)SIZE * N * 10000 / (insns_x100 ? insns_x100 : 1);
    bench_print_x100("pipe_bytes_per_insn", bpi_x100);
    wren_wait((int32_t)pid, 0, 0);
    for (int i = 0; i < 2; i++) {
        wren_close(data[i]);
        wren_close(ack[i]);
    }
    wren_munmap(buf, SIZE);
}

/*
 * The scheme benchmarks (file_read_4k, scheme_read_4k, scheme_read_1m and scheme_read_bytes_per_insn) run in
 * /bin/schemebench, by fork and exec: see tests/guest/schemebench.
 */
static const char *scheme_key;

/* Run `prog KEY N` (prog a benchmark program of its own: schemebench, threadbench) by fork and exec, and wait. */
static void run_sub(const char *prog, const char *key)
{
    char args[64];
    size_t n = 0, prog_len = 0;
    while (prog[prog_len])
        prog_len++;
    for (const char *p = prog + 5; *p; p++) /* argv[0]: the name after "/bin/" */
        args[n++] = *p;
    args[n++] = 0;
    for (const char *p = key; *p; p++)
        args[n++] = *p;
    args[n++] = 0;
    long nv = n_override;
    char digits[12];
    int d = 0;
    do
        digits[d++] = (char)('0' + nv % 10);
    while ((nv /= 10) && d < 11);
    while (d)
        args[n++] = digits[--d];
    args[n++] = 0;
    long pid = wren_fork();
    if (pid == 0) {
        wren_exec(prog, prog_len, args, n, 0, 0);
        wren_exit(1);
    }
    wren_wait((int32_t)pid, 0, 0);
}

static void run_schemebench(void)
{
    run_sub("/bin/schemebench", scheme_key);
}

static void bench_file_read_4k(void)
{
    scheme_key = "file_read_4k";
    run_schemebench();
}

static void bench_scheme_read_4k(void)
{
    scheme_key = "scheme_read_4k";
    run_schemebench();
}

static void bench_scheme_read_1m(void)
{
    scheme_key = "scheme_read_1m";
    run_schemebench();
}

static void bench_spawn_wait(void)
{
    const int N = count(200);
    static const char args[] = "nop";
    for (int i = 0; i < 10; i++)
        wren_wait((int32_t)wren_spawn("/bin/nop", 8, args, sizeof(args), 0), 0, 0);
    uint64_t t0 = wren_counter();
    for (int i = 0; i < N; i++)
        wren_wait((int32_t)wren_spawn("/bin/nop", 8, args, sizeof(args), 0), 0, 0);
    bench_report("spawn_wait", wren_counter() - t0, N);
}

static void bench_fork_wait(void)
{
    const int N = count(200);
    uint64_t t0 = 0;
    for (int i = 0; i < N + 10; i++) {
        if (i == 10)
            t0 = wren_counter();
        long pid = wren_fork();
        if (pid == 0)
            wren_exit(0);
        wren_wait((int32_t)pid, 0, 0);
    }
    bench_report("fork_wait", wren_counter() - t0, N);
}

/*
 * One 4 KiB page per fault: the mapping is cut by a one-page hole at every 2 MiB boundary, so
 * no aligned 2 MiB lies inside one region and no fault takes a 2 MiB block.
 */
static void bench_page_fault(void)
{
    const int N = count(2000);
    const uint64_t LEN = (uint64_t)(N + 16 + 8) * PAGE;
    long a = wren_mmap(0, LEN, RW, ANON, -1, 0);
    uint64_t boundary = ((uint64_t)a + BLOCK - 1) & ~(BLOCK - 1);
    for (uint64_t b = boundary; b < (uint64_t)a + LEN; b += BLOCK)
        wren_munmap((void *)b, PAGE);
    volatile uint8_t *p = (volatile uint8_t *)a;
    uint64_t pages[N + 16];
    int n = 0;
    for (uint64_t off = 0; off < LEN && n < N + 16; off += PAGE)
        if (((uint64_t)a + off) % BLOCK != 0)
            pages[n++] = off;
    for (int i = 0; i < 16; i++)
        p[pages[N + i]] = 1;
    uint64_t t0 = wren_counter();
    for (int i = 0; i < N; i++)
        p[pages[i]] = 1;
    bench_report("page_fault", wren_counter() - t0, N);
    wren_munmap((void *)a, LEN);
}

/* First touch of an aligned 2 MiB of a large mapping: one fault maps (and zeroes) a 2 MiB block. */
static void bench_page_fault_2m(void)
{
    const int N = count(16), WARM = 2;
    uint64_t len = (N + WARM + 1) * BLOCK;
    long a = wren_mmap(0, len, RW, ANON, -1, 0);
    volatile uint8_t *p = (volatile uint8_t *)(((uint64_t)a + BLOCK - 1) & ~(BLOCK - 1));
    for (int i = 0; i < WARM; i++)
        p[(uint64_t)(N + i) * BLOCK] = 1;
    uint64_t t0 = wren_counter();
    for (int i = 0; i < N; i++)
        p[(uint64_t)i * BLOCK] = 1;
    bench_report("page_fault_2m", wren_counter() - t0, N);
    wren_munmap((void *)a, len);
}

static void bench_mmap_touch_munmap(void)
{
    const int N = count(1000);
    uint64_t t0 = 0;
    for (int i = 0; i < N + 20; i++) {
        if (i == 20)
            t0 = wren_counter();
        long a = wren_mmap(0, PAGE, RW, ANON, -1, 0);
        *(volatile uint8_t *)a = 1;
        wren_munmap((void *)a, PAGE);
    }
    bench_report("mmap_touch_munmap", wren_counter() - t0, N);
}

/* The same through a shared-memory object: its page is allocated once, so this is mapping cost, not zeroing. */
static void bench_shm_map_touch_munmap(void)
{
    const int N = count(1000);
    uint64_t t0 = 0;
    long h = wren_shm_create(PAGE);
    for (int i = 0; i < N + 20; i++) {
        if (i == 20)
            t0 = wren_counter();
        long a = wren_mmap(0, PAGE, RW, WREN_MAP_SHARED, h, 0);
        *(volatile uint8_t *)a = 1;
        wren_munmap((void *)a, PAGE);
    }
    bench_report("shm_map_touch_munmap", wren_counter() - t0, N);
    wren_close(h);
}

static uint64_t free_bytes(void)
{
    struct wren_meminfo mi;
    return wren_mem_info(&mi) == 0 ? mi.free : 0;
}

/*
 * Event wake-up: the child blocks in event_wait on a queue watching a channel end; the
 * parent reads the counter and sends. The child reads the counter as event_wait returns and
 * sends that back, so each round gives the instructions from the send to the wake-up.
 */
static void bench_event_wake(void)
{
    const int WARM = 100, N = count(5000);
    wren_handle_t there[2], back[2];
    struct wren_msg m = {0}, r;
    struct wren_event ev[4];

    wren_channel_create(there, 0);
    wren_channel_create(back, 0);
    long q = wren_event_queue_create();
    wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IPC_READY, there[1], 0, 0, 0);
    m.header.type = WREN_MSG_DATA;
    m.header.length = sizeof(uint64_t);
    long pid = wren_fork();
    if (pid == 0) {
        for (int i = 0; i < WARM + N; i++) {
            wren_event_wait((wren_handle_t)q, ev, 4, -1);
            uint64_t woke = wren_counter();
            wren_receive(there[1], &r, 0, 0);
            __builtin_memcpy(m.payload, &woke, sizeof(woke));
            wren_send(back[1], &m, 0, 0);
        }
        wren_exit(0);
    }
    uint64_t total = 0;
    for (int i = 0; i < WARM + N; i++) {
        wren_yield(); /* let the child reach event_wait and block there */
        uint64_t t0 = wren_counter();
        wren_send(there[0], &m, 0, 0);
        wren_receive(back[0], &r, 0, 0);
        uint64_t woke;
        __builtin_memcpy(&woke, r.payload, sizeof(woke));
        if (i >= WARM)
            total += woke - t0;
    }
    bench_report("event_wake", total, N);
    wren_wait((int32_t)pid, 0, 0);
    wren_close((int32_t)q);
    for (int i = 0; i < 2; i++) {
        wren_close(there[i]);
        wren_close(back[i]);
    }
}

static void measure_process_cost(void)
{
    static const char args[] = "nop\0sleep";
    uint64_t before = free_bytes();
    long pid = wren_spawn("/bin/nop", 8, args, sizeof(args), 0);
    uint64_t cost = before - free_bytes(); /* it has not run yet: tables, stack, image, kernel stack */
    wren_wait((int32_t)pid, 0, 0);
    report_value("process_min_bytes", cost);
}

static void bench_thread_create_join(void)
{
    run_sub("/bin/threadbench", "thread_create_join");
}

static void bench_futex_wake_rtt(void)
{
    run_sub("/bin/threadbench", "futex_wake_rtt");
}

static void bench_mutex_contended(void)
{
    run_sub("/bin/threadbench", "mutex_contended");
}

/* In the order they run; `bench <key> <n>` runs one. */
static const struct {
    const char *key;
    void (*run)(void);
} benchmarks[] = {
    {"null_syscall", bench_null_syscall},
    {"yield_rtt", bench_yield_rtt},
    {"ipc_call_rtt", bench_ipc_call_rtt},
    {"ipc_send_recv", bench_ipc_send_recv},
    {"pipe_rtt", bench_pipe_rtt},
    {"pipe_64k", bench_pipe_64k},
    {"event_wake", bench_event_wake},
    {"port_connect_accept", bench_port_connect_accept},
    {"spawn_wait", bench_spawn_wait},
    {"fork_wait", bench_fork_wait},
    {"page_fault", bench_page_fault},
    {"page_fault_2m", bench_page_fault_2m},
    {"mmap_touch_munmap", bench_mmap_touch_munmap},
    {"shm_map_touch_munmap", bench_shm_map_touch_munmap},
    {"process_min_bytes", measure_process_cost},
    {"thread_create_join", bench_thread_create_join},
    {"futex_wake_rtt", bench_futex_wake_rtt},
    {"mutex_contended", bench_mutex_contended},
    /* Last, so that what they leave (page tables, heap pages) changes no figure above. */
    {"file_read_4k", bench_file_read_4k},
    {"scheme_read_4k", bench_scheme_read_4k},
    {"scheme_read_1m", bench_scheme_read_1m},
};

int main(int argc, char **argv)
{
    uint64_t boot = wren_counter();
    ns_per_tick_x100 = 100000000000ull / wren_counter_hz();
    bench_report("boot_to_init", boot, 1);
    if (argc >= 3) {
        only = argv[1];
        n_override = (int)strtol(argv[2], 0, 10);
    }
    for (unsigned i = 0; i < sizeof(benchmarks) / sizeof(benchmarks[0]); i++)
        if (selected(benchmarks[i].key))
            benchmarks[i].run();
    wren_print("bench: done\n");
    return 0;
}
