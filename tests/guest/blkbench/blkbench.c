/*
 * blkbench: /bin/init of tools/bench.py's block-device boot (one virtio-blk drive of 8 MiB, modern transport). It
 * starts the driver (`vblk -d`, by fork and exec) and measures reads of /scheme/disk/0 through the scheme:
 *
 *   blk_read_4k               a 4 KiB read (one device request), with an lseek back to 0 every 256 reads
 *   blk_read_bytes_per_insn   1 MiB sequential reads (the client's pages granted to the driver, which queues eight
 *                             32 KiB requests at once and copies out of its DMA buffers), bytes per instruction
 *
 * Under -icount every instruction counts, the driver's and QEMU's device model's time alike (the device answers
 * between two instructions), so the figures are what the guest spends per read.
 */
#include <stdint.h>
#include <string.h>

#include <wren/bench_report.h>
#include <wren/counter.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define MS   1000000ll
#define DISK "/scheme/disk/0"

static uint64_t ns_per_tick_x100;

static long start_driver(void)
{
    static const char args[] = "vblk\0-d";
    static const char env[] = "PATH=/bin";
    long pid = wren_fork();
    if (pid == 0) {
        wren_setsid();
        wren_exec("/bin/vblk", 9, args, sizeof(args), env, sizeof(env));
        wren_exit(127);
    }
    for (int i = 0; i < 500; i++) {
        long fd = wren_open(DISK, strlen(DISK), WREN_OPEN_READ);
        if (fd >= 0)
            return fd;
        wren_sleep(10 * MS);
    }
    return -1;
}

static uint8_t buf[1 << 20];

int main(void)
{
    ns_per_tick_x100 = 100000000000ull / wren_counter_hz();
    long fd = start_driver();
    if (fd < 0) {
        wren_print("blkbench: no /scheme/disk/0\n");
        return 1;
    }
    const int N4 = 1024;
    for (int i = 0; i < 16; i++)
        wren_read((wren_fd_t)fd, buf, 4096);
    wren_lseek((wren_fd_t)fd, 0, WREN_WHENCE_SET);
    uint64_t t0 = wren_counter();
    for (int i = 0; i < N4; i++) {
        if (i % 256 == 0)
            wren_lseek((wren_fd_t)fd, 0, WREN_WHENCE_SET);
        wren_read((wren_fd_t)fd, buf, 4096);
    }
    bench_report("blk_read_4k", wren_counter() - t0, N4);

    const int N1 = 16; /* 2 x 8 MiB: the whole drive, twice */
    wren_lseek((wren_fd_t)fd, 0, WREN_WHENCE_SET);
    long got = 0;
    t0 = wren_counter();
    for (int i = 0; i < N1; i++) {
        if (i % 8 == 0)
            wren_lseek((wren_fd_t)fd, 0, WREN_WHENCE_SET);
        got += wren_read((wren_fd_t)fd, buf, sizeof(buf));
    }
    uint64_t ticks = wren_counter() - t0;
    uint64_t insns_x100 = ticks * ns_per_tick_x100;
    if (got != (long)sizeof(buf) * N1) {
        wren_print("blkbench: short reads\n");
        return 1;
    }
    bench_print_x100("blk_read_bytes_per_insn", (uint64_t)got * 10000 / (insns_x100 ? insns_x100 : 1));
    wren_print("bench: done\n");
    return 0;
}
