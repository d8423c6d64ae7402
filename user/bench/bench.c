/*
 * bench: the in-guest microbenchmarks, run as /bin/init by tools/bench.py under
 * `qemu -icount shift=0,sleep=off`, where each guest instruction advances virtual time by
 * exactly 1 ns. The counter runs at CNTFRQ Hz, so instructions = ticks * 1e9 / CNTFRQ
 * (16 per tick on QEMU's 62.5 MHz). Each figure is the mean over N operations after a
 * warm-up; prints "bench: <key> <instructions per operation, 2 decimals>".
 */
#include <stdint.h>

#include <wren/counter.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define PAGE  4096
#define BLOCK (2ull << 20)
#define RW    (WREN_PROT_READ | WREN_PROT_WRITE)
#define ANON  (WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS)

static uint64_t ns_per_tick_x100;

/* Print ticks/n converted to instructions, with two decimals. */
static void report(const char *key, uint64_t ticks, uint64_t n)
{
    uint64_t x100 = ticks * ns_per_tick_x100 / n;
    wren_print("bench: ");
    wren_print(key);
    wren_print(" ");
    wren_print_dec((long)(x100 / 100));
    wren_print(".");
    if (x100 % 100 < 10)
        wren_print("0");
    wren_print_dec((long)(x100 % 100));
    wren_print("\n");
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
    enum { N = 20000 };
    for (int i = 0; i < 1000; i++)
        wren_get_pid();
    uint64_t t0 = wren_counter();
    for (int i = 0; i < N; i++)
        wren_get_pid();
    report("null_syscall", wren_counter() - t0, N);
}

static void bench_yield_rtt(void)
{
    enum { WARM = 100, N = 5000 };
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
    report("yield_rtt", wren_counter() - t0, N);
    wren_wait((int32_t)pid, 0, 0);
}

/* A server echoes requests; the client times call() with a 64-byte payload, per round trip. */
static void bench_ipc_call_rtt(void)
{
    enum { WARM = 100, N = 5000 };
    wren_handle_t ch[2];
    struct wren_msg m = {0};

    wren_channel_create(ch, 0);
    long pid = wren_fork();
    if (pid == 0) {
        for (int i = 0; i < WARM + N; i++) {
            wren_receive(ch[1], &m, 0, 0);
            m.header.type = WREN_MSG_REPLY;
            wren_send(ch[1], &m, 0, 0);
        }
        wren_exit(0);
    }
    m.header.length = 64;
    for (int i = 0; i < WARM; i++)
        wren_call(ch[0], &m, 0);
    uint64_t t0 = wren_counter();
    for (int i = 0; i < N; i++)
        wren_call(ch[0], &m, 0);
    report("ipc_call_rtt", wren_counter() - t0, N);
    wren_wait((int32_t)pid, 0, 0);
    wren_channel_close(ch[0]);
    wren_channel_close(ch[1]);
}

/* One-way: send and receive of a 64-byte message in the same process (no switch). */
static void bench_ipc_send_recv(void)
{
    enum { N = 10000 };
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
    report("ipc_send_recv", wren_counter() - t0, N);
    wren_channel_close(ch[0]);
    wren_channel_close(ch[1]);
}

/* 64 bytes to a child through one pipe and back through another, per round trip. */
static void bench_pipe_rtt(void)
{
    enum { WARM = 100, N = 5000 };
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
    report("pipe_rtt", wren_counter() - t0, N);
    wren_wait((int32_t)pid, 0, 0);
    for (int i = 0; i < 2; i++) {
        wren_close(there[i]);
        wren_close(back[i]);
    }
}

static void bench_spawn_wait(void)
{
    enum { N = 200 };
    static const char args[] = "nop";
    for (int i = 0; i < 10; i++)
        wren_wait((int32_t)wren_spawn("/bin/nop", 8, args, sizeof(args), 0), 0, 0);
    uint64_t t0 = wren_counter();
    for (int i = 0; i < N; i++)
        wren_wait((int32_t)wren_spawn("/bin/nop", 8, args, sizeof(args), 0), 0, 0);
    report("spawn_wait", wren_counter() - t0, N);
}

static void bench_fork_wait(void)
{
    enum { N = 200 };
    uint64_t t0 = 0;
    for (int i = 0; i < N + 10; i++) {
        if (i == 10)
            t0 = wren_counter();
        long pid = wren_fork();
        if (pid == 0)
            wren_exit(0);
        wren_wait((int32_t)pid, 0, 0);
    }
    report("fork_wait", wren_counter() - t0, N);
}

/*
 * One 4 KiB page per fault: the mapping is cut by a one-page hole at every 2 MiB boundary, so
 * no aligned 2 MiB lies inside one region and no fault takes a 2 MiB block.
 */
static void bench_page_fault(void)
{
    enum { N = 2000, LEN = (N + 16 + 8) * PAGE };
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
    report("page_fault", wren_counter() - t0, N);
    wren_munmap((void *)a, LEN);
}

/* First touch of an aligned 2 MiB of a large mapping: one fault maps (and zeroes) a 2 MiB block. */
static void bench_page_fault_2m(void)
{
    enum { N = 16, WARM = 2 };
    uint64_t len = (N + WARM + 1) * BLOCK;
    long a = wren_mmap(0, len, RW, ANON, -1, 0);
    volatile uint8_t *p = (volatile uint8_t *)(((uint64_t)a + BLOCK - 1) & ~(BLOCK - 1));
    for (int i = 0; i < WARM; i++)
        p[(uint64_t)(N + i) * BLOCK] = 1;
    uint64_t t0 = wren_counter();
    for (int i = 0; i < N; i++)
        p[(uint64_t)i * BLOCK] = 1;
    report("page_fault_2m", wren_counter() - t0, N);
    wren_munmap((void *)a, len);
}

static void bench_mmap_touch_munmap(void)
{
    enum { N = 1000 };
    uint64_t t0 = 0;
    for (int i = 0; i < N + 20; i++) {
        if (i == 20)
            t0 = wren_counter();
        long a = wren_mmap(0, PAGE, RW, ANON, -1, 0);
        *(volatile uint8_t *)a = 1;
        wren_munmap((void *)a, PAGE);
    }
    report("mmap_touch_munmap", wren_counter() - t0, N);
}

static uint64_t free_bytes(void)
{
    struct wren_meminfo mi;
    return wren_mem_info(&mi) == 0 ? mi.free : 0;
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

int main(void)
{
    uint64_t boot = wren_counter();
    ns_per_tick_x100 = 100000000000ull / wren_counter_hz();
    report("boot_to_init", boot, 1);
    bench_null_syscall();
    bench_yield_rtt();
    bench_ipc_call_rtt();
    bench_ipc_send_recv();
    bench_pipe_rtt();
    bench_spawn_wait();
    bench_fork_wait();
    bench_page_fault();
    bench_page_fault_2m();
    bench_mmap_touch_munmap();
    measure_process_cost();
    wren_print("bench: done\n");
    return 0;
}
