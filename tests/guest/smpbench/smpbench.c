/*
 * smpbench: the multiprocessor benchmarks, run as /bin/init by tools/bench.py on a 4-CPU machine under
 * `qemu -icount shift=0,sleep=off`. There QEMU runs the vCPUs in turn and virtual time counts the instructions of
 * all of them, so a figure here is instructions of the whole machine per operation (an idle CPU waiting in WFI
 * executes none). Prints "bench: <key> <value>":
 *   ipc_call_rtt_cross_cpu  call() with 64 bytes to a server pinned to CPU 1 from a client pinned to CPU 0
 *   ipi_rtt                 a cross-CPU call to CPU 1 and its answer (ipi_ping): the first wakes CPU 1 with SGI 1;
 *                           as the caller holds the kernel lock throughout, CPU 1 then waits for it and answers
 *                           the rest from that wait (spin_wait_hook), so this is SGI send + answer at its cheapest
 *   ipc_pairs_1_per_call    one client/server pair (both on CPU 0, so each call hands the CPU straight to the
 *                           server) calling 64 bytes: instructions of the whole machine per call
 *   ipc_pairs_4_per_call    four such pairs at once, pair i on CPU i, independent of each other: instructions of
 *                           the whole machine per call of any pair. With no shared lock on the path it would be
 *                           ipc_pairs_1_per_call; what it costs more is the pairs waiting for each other's kernel
 *                           entries (the kernel lock: spinning counts, a parked CPU in WFI does not)
 *   cpu_busy_min_pct        four CPU-bound processes, not pinned, on four CPUs: each CPU's busy share of a window
 *                           from its idle counter in /scheme/sys/cpu, the lowest of the four (100 = none idled)
 */
#include <stdint.h>

#include <wren/counter.h>
#include <wren/bench_report.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define NCPU 4 /* tools/bench.py boots this with -smp 4 */

static void bench_ipc_cross(void)
{
    const int WARM = 100, N = 2000;
    wren_handle_t ch[2];
    struct wren_msg m = {0};
    wren_channel_create(ch, 0);
    wren_set_affinity(0, 1u << 0);
    long pid = wren_fork();
    if (pid == 0) {
        wren_set_affinity(0, 1u << 1);
        wren_yield(); /* off to CPU 1 */
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
    bench_report("ipc_call_rtt_cross_cpu", wren_counter() - t0, N);
    wren_wait((int32_t)pid, 0, 0);
    wren_channel_close(ch[0]);
    wren_channel_close(ch[1]);
    wren_set_affinity(0, (1u << NCPU) - 1);
}

/*
 * Pair `i`: a client and its server, both pinned to CPU `cpu`. The client warms up, says it is ready on `ctl`, waits
 * for the go there, makes `calls` calls and says it is done; then it closes its end, so the server sees Close.
 */
static void pair_run(unsigned cpu, wren_handle_t ctl, int calls)
{
    wren_handle_t ch[2];
    struct wren_msg m = {0};
    wren_set_affinity(0, 1u << cpu);
    wren_yield();
    wren_channel_create(ch, 0);
    long srv = wren_fork(); /* the server inherits the client's CPU */
    if (srv == 0) {
        wren_channel_close(ch[0]);
        long r = wren_reply_receive(-1, ch[1], &m, 0);
        while (r >= 0 && m.header.type != WREN_MSG_CLOSE) {
            m.header.type = WREN_MSG_REPLY;
            r = wren_reply_receive(ch[1], ch[1], &m, 0);
        }
        wren_exit(0);
    }
    wren_channel_close(ch[1]);
    m.header.length = 64;
    for (int i = 0; i < 100; i++)
        wren_call(ch[0], &m, 0);
    struct wren_msg c = {0};
    c.header.type = WREN_MSG_DATA;
    wren_send(ctl, &c, 0, 0);    /* ready */
    wren_receive(ctl, &c, 0, 0); /* go */
    for (int i = 0; i < calls; i++) {
        m.header.length = 64;
        wren_call(ch[0], &m, 0);
    }
    c.header.type = WREN_MSG_DATA;
    wren_send(ctl, &c, 0, 0); /* done */
    wren_channel_close(ch[0]);
    wren_wait((int32_t)srv, 0, 0);
    wren_exit(0);
}

/* `pairs` independent pairs calling at once, pair i on CPU i: the machine's instructions per call, all pairs' calls. */
static void bench_pairs(const char *key, int pairs)
{
    const int N = 2000;
    wren_handle_t ctl[NCPU][2];
    long pid[NCPU];
    struct wren_msg c = {0};
    wren_set_affinity(0, 1u << 0);
    wren_yield();
    for (int i = 0; i < pairs; i++) {
        wren_channel_create(ctl[i], 0);
        pid[i] = wren_fork();
        if (pid[i] == 0) {
            wren_channel_close(ctl[i][0]);
            pair_run((unsigned)i, ctl[i][1], N);
        }
        wren_channel_close(ctl[i][1]);
    }
    for (int i = 0; i < pairs; i++)
        wren_receive(ctl[i][0], &c, 0, 0); /* every pair warmed up and waiting */
    uint64_t t0 = wren_counter();
    for (int i = 0; i < pairs; i++) {
        c.header.type = WREN_MSG_DATA;
        wren_send(ctl[i][0], &c, 0, 0);
    }
    for (int i = 0; i < pairs; i++)
        wren_receive(ctl[i][0], &c, 0, 0);
    bench_report(key, wren_counter() - t0, (uint64_t)pairs * N);
    for (int i = 0; i < pairs; i++) {
        wren_wait((int32_t)pid[i], 0, 0);
        wren_channel_close(ctl[i][0]);
    }
    wren_set_affinity(0, (1u << NCPU) - 1);
}

static void bench_ipi(void)
{
    const uint32_t N = 2000;
    wren_set_affinity(0, 1u << 0);
    wren_yield();
    wren_ipi_ping(1, 100);
    uint64_t t0 = wren_counter();
    long r = wren_ipi_ping(1, N);
    uint64_t t = wren_counter() - t0;
    if (r == (long)N)
        bench_report("ipi_rtt", t, N);
    else {
        wren_print("smpbench: ipi_ping failed: ");
        wren_print_dec(r);
        wren_print("\n");
    }
    wren_set_affinity(0, (1u << NCPU) - 1);
}

/* Every CPU's idle_ns from /scheme/sys/cpu ("cpuN online B idle_ns N ..."); false if the file could not be read. */
static int read_idle(uint64_t idle[NCPU])
{
    static char buf[2048];
    long fd = wren_open("/scheme/sys/cpu", 15, WREN_OPEN_READ);
    if (fd < 0)
        return 0;
    long n = wren_read((int32_t)fd, buf, sizeof(buf) - 1);
    wren_close((int32_t)fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    int found = 0;
    for (char *p = buf; *p; p++) {
        if ((p != buf && p[-1] != '\n') || p[0] != 'c' || p[1] != 'p' || p[2] != 'u' || p[3] < '0' || p[3] > '9' ||
            p[4] != ' ')
            continue;
        unsigned cpu = (unsigned)(p[3] - '0');
        const char *key = "idle_ns ";
        char *q = p;
        while (*q && *q != '\n') {
            int k = 0;
            while (key[k] && q[k] == key[k])
                k++;
            if (!key[k])
                break;
            q++;
        }
        if (*q != 'i' || cpu >= NCPU)
            continue;
        uint64_t v = 0;
        for (q += 8; *q >= '0' && *q <= '9'; q++)
            v = v * 10 + (uint64_t)(*q - '0');
        idle[cpu] = v;
        found++;
    }
    return found == NCPU;
}

static void spin_until(uint64_t until)
{
    volatile uint64_t n = 0;
    while ((uint64_t)wren_get_time(WREN_CLOCK_MONOTONIC) < until)
        for (int i = 0; i < 1000; i++)
            n++;
}

/*
 * Four CPU-bound processes, placed and balanced by the scheduler alone (every CPU allowed), spin past a window the
 * parent spends asleep (so it takes no CPU); each CPU's busy share of the window is 100 minus its idle time's.
 * Under -icount virtual time is the instructions of all CPUs, but a CPU that idles still counts the time that passes
 * while the others run, so an idle CPU shows as it would on hardware.
 */
static void bench_balance(void)
{
    const uint64_t SETTLE_NS = 2000000, WINDOW_NS = 20000000;
    uint64_t start = (uint64_t)wren_get_time(WREN_CLOCK_MONOTONIC);
    /* Far past the window (virtual time runs with the instructions of all four CPUs): they are killed after it. */
    uint64_t until = start + 50 * (SETTLE_NS + WINDOW_NS);
    long pids[NCPU];
    for (int i = 0; i < NCPU; i++) {
        pids[i] = wren_fork();
        if (pids[i] == 0) {
            spin_until(until);
            wren_exit(0);
        }
    }
    wren_sleep(SETTLE_NS);
    uint64_t a[NCPU], b[NCPU];
    int ok = read_idle(a);
    uint64_t t0 = (uint64_t)wren_get_time(WREN_CLOCK_MONOTONIC);
    wren_sleep(WINDOW_NS);
    ok = ok && read_idle(b);
    uint64_t t1 = (uint64_t)wren_get_time(WREN_CLOCK_MONOTONIC);
    for (int i = 0; i < NCPU; i++) {
        wren_kill((int32_t)pids[i], WREN_SIGNAL_SIGKILL);
        wren_wait((int32_t)pids[i], 0, 0);
    }
    if (!ok || t1 <= t0) {
        wren_print("smpbench: /scheme/sys/cpu could not be read\n");
        return;
    }
    uint64_t min_x100 = 10000;
    for (int i = 0; i < NCPU; i++) {
        uint64_t idle = b[i] - a[i], span = t1 - t0;
        uint64_t busy_x100 = idle >= span ? 0 : (span - idle) * 10000 / span;
        if (busy_x100 < min_x100)
            min_x100 = busy_x100;
    }
    bench_print_x100("cpu_busy_min_pct", min_x100);
}

int main(void)
{
    bench_ipc_cross();
    bench_ipi();
    bench_pairs("ipc_pairs_1_per_call", 1);
    bench_pairs("ipc_pairs_4_per_call", 4);
    bench_balance();
    wren_print("bench: done\n");
    return 0;
}
