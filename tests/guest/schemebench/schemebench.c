/*
 * schemebench: the scheme benchmarks of tests/guest/bench, in a program of their own so that the code they need
 * (the scheme server library, memcpy) does not make the benchmark program bigger, which would change the figures
 * of every benchmark that forks it. bench runs it by fork and exec (exec keeps the system privilege a server needs
 * to register):
 *
 *   /bin/schemebench KEY N     one of file_read_4k, scheme_read_4k, scheme_read_1m, with N operations (0: default)
 *
 * and it prints "bench: <key> <instructions per operation>" lines like bench's own.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wren/counter.h>
#include <wren/bench_report.h>
#include <wren/print.h>
#include <wren/scheme_server.h>
#include <wren/syscalls.h>

#define PAGE 4096
#define RW   (WREN_PROT_READ | WREN_PROT_WRITE)
#define ANON (WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS)

static uint64_t ns_per_tick_x100;
static int n_override;

static int count(int n)
{
    return n_override ? n_override : n;
}

/* Print a bytes-per-instruction figure, two decimals: bytes * 100 / instructions. */
static void report_bpi(const char *key, uint64_t bytes, uint64_t ticks)
{
    uint64_t insns_x100 = ticks * ns_per_tick_x100;
    uint64_t bpi_x100 = bytes * 10000 / (insns_x100 ? insns_x100 : 1);
    bench_print_x100(key, bpi_x100);
}

/*
 * 4 KiB reads, one after the other, from a file of `file_size` bytes on fd (every file_size / 4 KiB reads an lseek
 * back to 0, so the figure includes that much of an lseek). Returns the ticks for n reads.
 */
static uint64_t read_4k_loop(int32_t fd, char *buf, int n, uint64_t file_size)
{
    int per_pass = (int)(file_size / PAGE);
    uint64_t t0 = wren_counter();
    for (int i = 0; i < n; i++) {
        if (i % per_pass == 0)
            wren_lseek(fd, 0, WREN_WHENCE_SET);
        wren_read(fd, buf, PAGE);
    }
    return wren_counter() - t0;
}

/* The kernel's file scheme (the ramfs): 4 KiB reads of a 256 KiB file, per read. */
static void bench_file_read_4k(void)
{
    enum { SIZE = 256 * 1024 };
    const int N = count(2000);
    char *buf = (char *)wren_mmap(0, SIZE, RW, ANON, -1, 0);
    memset(buf, 7, SIZE);
    long fd = wren_open("/bench_file", 11, WREN_OPEN_READ | WREN_OPEN_WRITE | WREN_OPEN_CREATE | WREN_OPEN_TRUNCATE);
    wren_write((int32_t)fd, buf, SIZE);
    read_4k_loop((int32_t)fd, buf, 200, SIZE);
    bench_report("file_read_4k", read_4k_loop((int32_t)fd, buf, N, SIZE), N);
    wren_close((int32_t)fd);
    wren_unlink("/bench_file", 11);
    wren_munmap(buf, SIZE);
}

/* A user-space scheme server answering every read with bytes from a buffer of its own (memcpy), as a file server
 * holding the data in memory would. */
static char *bench_source;

static long bench_open(void *ctx, const struct wren_scheme_request *req, const char *path, uint32_t flags, void **file)
{
    (void)ctx, (void)req, (void)path, (void)flags;
    *file = bench_source;
    return 0;
}

static long bench_read(void *ctx, const struct wren_scheme_request *req, void *file, void *buf, size_t len,
                       uint64_t offset)
{
    (void)ctx, (void)req, (void)offset;
    memcpy(buf, file, len);
    return (long)len;
}

static const struct wren_scheme_ops bench_ops = {.open = bench_open, .read = bench_read};

/* Fork the bench server for scheme `name` (source buffer of `size` bytes); its pid, once it is registered. */
static long start_bench_server(const char *name, uint64_t size)
{
    int32_t p[2];
    wren_pipe(p, 0);
    long pid = wren_fork();
    if (pid == 0) {
        bench_source = (char *)wren_mmap(0, size, RW, ANON, -1, 0);
        memset(bench_source, 3, size);
        long h = wren_scheme_register_name(name);
        wren_write(p[1], &h, 1);
        if (h >= 0)
            wren_scheme_serve((wren_handle_t)h, &bench_ops, 0);
        wren_exit(1);
    }
    char c;
    wren_read(p[0], &c, 1);
    wren_close(p[0]);
    wren_close(p[1]);
    return pid;
}

/* A user-space scheme's 4 KiB read (copied straight between the two address spaces), per read. */
static void bench_scheme_read_4k(void)
{
    const int N = count(2000);
    long pid = start_bench_server("bench", 256 * 1024);
    char *buf = (char *)wren_mmap(0, PAGE, RW, ANON, -1, 0);
    long fd = wren_open("/scheme/bench/f", 15, WREN_OPEN_READ);
    read_4k_loop((int32_t)fd, buf, 200, 256 * 1024);
    bench_report("scheme_read_4k", read_4k_loop((int32_t)fd, buf, N, 256 * 1024), N);
    wren_close((int32_t)fd);
    wren_kill((int32_t)pid, WREN_SIGNAL_SIGKILL);
    wren_wait((int32_t)pid, 0, 0);
    wren_munmap(buf, PAGE);
}

/* 1 MiB reads from a user-space scheme (the client's pages granted to the server, which memcpys into them), in
 * bytes per instruction: compare pipe_bytes_per_insn. */
static void bench_scheme_read_1m(void)
{
    enum { SIZE = 1 << 20 };
    const int N = count(20);
    long pid = start_bench_server("bench", SIZE);
    char *buf = (char *)wren_mmap(0, SIZE, RW, ANON, -1, 0);
    long fd = wren_open("/scheme/bench/f", 15, WREN_OPEN_READ);
    for (int i = 0; i < 2; i++)
        wren_read((int32_t)fd, buf, SIZE);
    uint64_t t0 = wren_counter();
    for (int i = 0; i < N; i++)
        wren_read((int32_t)fd, buf, SIZE);
    uint64_t ticks = wren_counter() - t0;
    bench_report("scheme_read_1m", ticks, N);
    report_bpi("scheme_read_bytes_per_insn", (uint64_t)SIZE * N, ticks);
    wren_close((int32_t)fd);
    wren_kill((int32_t)pid, WREN_SIGNAL_SIGKILL);
    wren_wait((int32_t)pid, 0, 0);
    wren_munmap(buf, SIZE);
}

int main(int argc, char **argv)
{
    ns_per_tick_x100 = 100000000000ull / wren_counter_hz();
    if (argc < 2)
        return 2;
    n_override = argc > 2 ? (int)strtol(argv[2], 0, 10) : 0;
    if (strcmp(argv[1], "file_read_4k") == 0)
        bench_file_read_4k();
    else if (strcmp(argv[1], "scheme_read_4k") == 0)
        bench_scheme_read_4k();
    else if (strcmp(argv[1], "scheme_read_1m") == 0)
        bench_scheme_read_1m();
    else
        return 2;
    return 0;
}
