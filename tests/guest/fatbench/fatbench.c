/*
 * fatbench (booted as /bin/init by tools/bench.py, with /bin/fatfs and /fat.img, an empty FAT32 image): the file
 * system server's throughput over a ramfs image file, in instructions (the client's, the server's and the
 * kernel's: one CPU under -icount).
 *
 *   fat_write_cold_bytes_per_insn  a 4 MiB file written new in 64 KiB writes (clusters allocated as it grows)
 *   fat_write_bytes_per_insn       the same 4 MiB written again over itself (its blocks in the cache)
 *   fat_read_cold_bytes_per_insn   read in 64 KiB reads by a server just started (an empty cache: every block
 *                                  comes from the image file)
 *   fat_read_bytes_per_insn        read again (every block in the cache: one copy into the client's pages)
 *   fat_create_small               create, write 100 bytes, close: per file
 * Writes are measured up to the last write's return (write-back: the sync that follows is not in the figure).
 */
#include <string.h>

#include <wren/bench_report.h>
#include <wren/counter.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define FILE_SIZE (4u << 20)
#define CHUNK     (64u << 10)
#define SMALL     200

static uint64_t ns_per_tick_x100;
static char chunk[CHUNK];

static void report_bpi(const char *key, uint64_t bytes, uint64_t ticks)
{
    uint64_t insns_x100 = ticks * ns_per_tick_x100;
    bench_print_x100(key, bytes * 10000 / (insns_x100 ? insns_x100 : 1));
}

static long start_server(const char *args, size_t len)
{
    long pid = wren_fork();
    if (pid == 0) {
        static const char env[] = "PATH=/bin";
        wren_exec("/bin/fatfs", 10, args, len, env, sizeof(env));
        wren_exit(127);
    }
    struct wren_stat st;
    for (int i = 0; i < 1000 && wren_stat("/scheme/fatb/", 13, &st) != 0; i++)
        wren_sleep(1000 * 1000);
    return pid;
}

static void stop_server(long pid)
{
    wren_kill((int32_t)pid, WREN_SIGNAL_SIGKILL);
    wren_wait((int32_t)pid, 0, 0);
}

static uint64_t write_file(const char *path)
{
    long fd = wren_open(path, strlen(path), WREN_OPEN_WRITE | WREN_OPEN_CREATE);
    uint64_t t0 = wren_counter();
    for (uint32_t off = 0; off < FILE_SIZE; off += CHUNK)
        if (wren_write((wren_fd_t)fd, chunk, CHUNK) != CHUNK)
            wren_print("fatbench: a write failed\n");
    uint64_t ticks = wren_counter() - t0;
    wren_fsync((wren_fd_t)fd);
    wren_close((wren_fd_t)fd);
    return ticks;
}

static uint64_t read_file(const char *path)
{
    long fd = wren_open(path, strlen(path), WREN_OPEN_READ);
    uint64_t t0 = wren_counter();
    for (uint32_t off = 0; off < FILE_SIZE; off += CHUNK)
        if (wren_read((wren_fd_t)fd, chunk, CHUNK) != CHUNK)
            wren_print("fatbench: a read failed\n");
    uint64_t ticks = wren_counter() - t0;
    wren_close((wren_fd_t)fd);
    return ticks;
}

int main(void)
{
    ns_per_tick_x100 = 100000000000ull / wren_counter_hz();
    static const char args[] = "fatfs\0/fat.img\0fatb";
    for (uint32_t i = 0; i < CHUNK; i++)
        chunk[i] = (char)(i * 7);
    const char *big = "/scheme/fatb/big.bin";

    long pid = start_server(args, sizeof(args));
    report_bpi("fat_write_cold_bytes_per_insn", FILE_SIZE, write_file(big));
    report_bpi("fat_write_bytes_per_insn", FILE_SIZE, write_file(big));
    stop_server(pid); /* everything was synced by the fsyncs: a new server starts with an empty cache */

    pid = start_server(args, sizeof(args));
    report_bpi("fat_read_cold_bytes_per_insn", FILE_SIZE, read_file(big));
    report_bpi("fat_read_bytes_per_insn", FILE_SIZE, read_file(big));

    char name[40] = "/scheme/fatb/small000.txt";
    uint64_t t0 = wren_counter();
    for (int i = 0; i < SMALL; i++) {
        name[18] = (char)('0' + i / 100);
        name[19] = (char)('0' + i / 10 % 10);
        name[20] = (char)('0' + i % 10);
        long fd = wren_open(name, strlen(name), WREN_OPEN_WRITE | WREN_OPEN_CREATE);
        wren_write((wren_fd_t)fd, chunk, 100);
        wren_close((wren_fd_t)fd);
    }
    bench_report("fat_create_small", wren_counter() - t0, SMALL);
    stop_server(pid);
    wren_print("bench: done\n");
    return 0;
}
