/*
 * parwork: a fixed amount of CPU-bound work split among processes, run as /bin/init by tools/smp_speedup.py
 * ("-- WORKERS ITERATIONS"). Each of WORKERS forked children runs ITERATIONS rounds of integer arithmetic with no
 * syscall, and exits with a checksum the parent recomputes (so no compiler can drop the work and no worker can be
 * lost). Prints "parwork: W workers x N iterations: T ms, checksums right" (T in guest time, which without -icount
 * follows the host's clock), then each CPU's counters from /scheme/sys/cpu, to show where the time went.
 */
#include <stdint.h>
#include <stdlib.h>

#include <wren/print.h>
#include <wren/syscalls.h>

static uint32_t work(uint32_t seed, long n)
{
    uint32_t h = seed * 2654435761u + 1;
    for (long i = 0; i < n; i++)
        h = h * 1103515245u + 12345u + (uint32_t)i;
    return h & 0x7f;
}

int main(int argc, char **argv)
{
    long workers = argc > 1 ? strtol(argv[1], 0, 10) : 4;
    long n = argc > 2 ? strtol(argv[2], 0, 10) : 100000000;
    if (workers < 1 || workers > 32 || n < 1) {
        wren_print("parwork: usage: parwork WORKERS ITERATIONS\n");
        return 2;
    }
    long pids[32];
    uint64_t t0 = (uint64_t)wren_get_time(WREN_CLOCK_MONOTONIC);
    for (long w = 0; w < workers; w++) {
        pids[w] = wren_fork();
        if (pids[w] == 0)
            wren_exit((int)work((uint32_t)w, n));
    }
    long right = 0;
    for (long w = 0; w < workers; w++) {
        int32_t st = -1;
        right += pids[w] > 0 && wren_wait((int32_t)pids[w], &st, 0) == pids[w] && st == (int32_t)work((uint32_t)w, n);
    }
    uint64_t ms = ((uint64_t)wren_get_time(WREN_CLOCK_MONOTONIC) - t0) / 1000000;
    wren_print("parwork: ");
    wren_print_dec(workers);
    wren_print(" workers x ");
    wren_print_dec(n);
    wren_print(" iterations: ");
    wren_print_dec((long)ms);
    wren_print(right == workers ? " ms, checksums right\n" : " ms, CHECKSUMS WRONG\n");
    static char buf[2048];
    long fd = wren_open("/scheme/sys/cpu", 15, WREN_OPEN_READ);
    long len = fd >= 0 ? wren_read((int32_t)fd, buf, sizeof(buf) - 1) : -1;
    if (len > 0) {
        buf[len] = 0;
        for (char *line = buf; *line;) {
            char *end = line;
            while (*end && *end != '\n')
                end++;
            if (line[0] == 'c' && line[1] == 'p' && line[2] == 'u' && line[3] >= '0' && line[3] <= '9') {
                wren_print("parwork: ");
                wren_debug_write(line, (size_t)(end - line));
                wren_print("\n");
            }
            line = *end ? end + 1 : end;
        }
    }
    return right == workers ? 0 : 1;
}
