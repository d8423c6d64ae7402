/*
 * smpbench: the multiprocessor benchmarks, run as /bin/init by tools/bench.py on a 4-CPU machine under
 * `qemu -icount shift=0,sleep=off`. There QEMU runs the vCPUs in turn and virtual time counts the instructions of
 * all of them, so a figure here is instructions of the whole machine per operation (an idle CPU waiting in WFI
 * executes none). Prints "bench: <key> <value>":
 *   ipc_call_rtt_cross_cpu  call() with 64 bytes to a server pinned to CPU 1 from a client pinned to CPU 0
 *   ipi_rtt                 a cross-CPU call to CPU 1 and its answer (ipi_ping): the first wakes CPU 1 with SGI 1;
 *                           as the caller holds the kernel lock throughout, CPU 1 then waits for it and answers
 *                           the rest from that wait (spin_wait_hook), so this is SGI send + answer at its cheapest
 */
#include <stdint.h>

#include <wren/counter.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define NCPU 4 /* tools/bench.py boots this with -smp 4 */

static uint64_t ns_per_tick_x100;

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
    report("ipc_call_rtt_cross_cpu", wren_counter() - t0, N);
    wren_wait((int32_t)pid, 0, 0);
    wren_channel_close(ch[0]);
    wren_channel_close(ch[1]);
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
        report("ipi_rtt", t, N);
    else {
        wren_print("smpbench: ipi_ping failed: ");
        wren_print_dec(r);
        wren_print("\n");
    }
    wren_set_affinity(0, (1u << NCPU) - 1);
}

int main(void)
{
    ns_per_tick_x100 = 100000000000ull / wren_counter_hz();
    bench_ipc_cross();
    bench_ipi();
    wren_print("bench: done\n");
    return 0;
}
