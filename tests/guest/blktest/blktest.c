/*
 * blktest: run as /bin/init by tests/test_virtio_blk.py, with /bin/vblk in the initrd and virtio-blk drives whose
 * images the test made: every sector s holds pattern(s, i) at byte i (the partition table over the first
 * sectors, where the table is). It starts the driver (`vblk -d`, by fork and exec, as init does) and checks
 * /scheme/disk from the client's side. `blktest MODE SECTORS`:
 *
 *   plain   one drive without a table: size, reads of every size against the pattern (1 MiB at once: several
 *           requests in flight), the end of the device, bad requests (unaligned, past the end, bad buffers, other
 *           paths) answered with errors while the driver stays up, writes (the host checks them in the image after
 *           the power-off) and fsync, four clients reading at once, and the driver killed under a waiting reader
 *           (E_IO) and restarted (reads work again).
 *   ro      a read-only drive: opening to write is E_ROFS, reads work.
 *   mbr     partitions 0p1 (sectors 2048..4095) and 0p2 (4096..end): listed, sized, bounded, written at their edges.
 *   gpt     the same layout as GPT entries 1 and 3 (0p1, 0p3).
 *   slow    a drive QEMU throttles to 1 KiB/s: an 8 KiB read is let through at once, but puts the drive 8 s in
 *           debt, so the read after it gets no answer within the driver's 5 s: it fails with E_IO, and the driver
 *           resets the device; a read after that is answered. Then the driver is killed while it waits on the
 *           device for a client's read (E_IO for the client) and restarted (it reads again).
 *   hostile an MBR whose partitions overlap: refused, so only the whole device is listed, and it reads.
 *   two     two drives: /0 of SECTORS and /1 of SECTORS / 2, each with its own pattern seed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define MS 1000000ll

static uint8_t pattern(unsigned seed, uint64_t sector, unsigned i)
{
    return (uint8_t)(sector * 7 + i * 13 + (sector >> 8) + seed * 101 + (i >> 7));
}
/* What the test writes (the host checks the same formula). */
static uint8_t written(uint64_t sector, unsigned i)
{
    return (uint8_t)(0xa5 ^ (sector * 3 + i));
}

static long open_path(const char *p, uint32_t flags)
{
    return wren_open(p, strlen(p), flags);
}

static long pread_at(long fd, void *buf, size_t len, uint64_t off)
{
    long r = wren_lseek((wren_fd_t)fd, (int64_t)off, WREN_WHENCE_SET);
    return r < 0 ? r : wren_read((wren_fd_t)fd, buf, len);
}
static long pwrite_at(long fd, const void *buf, size_t len, uint64_t off)
{
    long r = wren_lseek((wren_fd_t)fd, (int64_t)off, WREN_WHENCE_SET);
    return r < 0 ? r : wren_write((wren_fd_t)fd, buf, len);
}

/* Whether buf holds sectors [first, first + n) of seed's pattern (or of what was written, from `w` on). */
static int matches(unsigned seed, const uint8_t *buf, uint64_t first, uint64_t n, uint64_t w_first, uint64_t w_n)
{
    for (uint64_t s = 0; s < n; s++)
        for (unsigned i = 0; i < 512; i++) {
            uint64_t sec = first + s;
            uint8_t want = sec >= w_first && sec < w_first + w_n ? written(sec, i) : pattern(seed, sec, i);
            if (buf[s * 512 + i] != want)
                return 0;
        }
    return 1;
}

static long start_driver(const char *probe)
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
        long fd = open_path(probe, WREN_OPEN_READ);
        if (fd >= 0) {
            wren_close((wren_fd_t)fd);
            return pid;
        }
        wren_sleep(10 * MS);
    }
    return -1;
}

static uint8_t big[1 << 20], buf2[65536];

/* The names readdir of /scheme/disk gives, space-separated. */
static void list(char *out, size_t size)
{
    struct wren_dirent d;
    out[0] = 0;
    for (uint64_t i = 0; wren_readdir("/scheme/disk", 12, i, &d) == 0 && i < 64; i++) {
        if (out[0])
            strncat(out, " ", size - strlen(out) - 1);
        strncat(out, (const char *)d.name, size - strlen(out) - 1);
    }
}

static void check_size(const char *path, uint64_t sectors)
{
    struct wren_stat ps;
    wren_check("stat by path", wren_stat(path, strlen(path), &ps), 0);
    wren_check("  a block device of the size", ps.type == WREN_FILE_TYPE_BLOCK_DEVICE && ps.size == sectors * 512, 1);
    long fd = open_path(path, WREN_OPEN_READ);
    struct wren_stat st;
    wren_check("fstat", wren_fstat((wren_fd_t)fd, &st), 0);
    wren_check("  a block device", st.type, WREN_FILE_TYPE_BLOCK_DEVICE);
    wren_check("  its size in bytes", (long)st.size, (long)(sectors * 512));
    wren_check("lseek END -> the size", wren_lseek((wren_fd_t)fd, 0, WREN_WHENCE_END), (long)(sectors * 512));
    wren_close((wren_fd_t)fd);
}

/* Reads of a volume of `sectors` whose sector 0 is the pattern's sector `base` (a partition's start). */
static void check_reads(const char *path, unsigned seed, uint64_t sectors, uint64_t base)
{
    const uint64_t from = 0;
    long fd = open_path(path, WREN_OPEN_READ);
    wren_check("open for reading", fd >= 0, 1);
    wren_check("read 512", pread_at(fd, big, 512, from * 512), 512);
    wren_check("  the pattern", matches(seed, big, base + from, 1, 0, 0), 1);
    wren_check("read 4 KiB", pread_at(fd, big, 4096, (from + 3) * 512), 4096);
    wren_check("  the pattern", matches(seed, big, base + from + 3, 8, 0, 0), 1);
    wren_check("read 1 MiB (granted, several requests in flight)", pread_at(fd, big, sizeof(big), from * 512),
               (long)sizeof(big));
    wren_check("  the pattern", matches(seed, big, base + from, sizeof(big) / 512, 0, 0), 1);
    wren_check("read the last sector", pread_at(fd, big, 512, (sectors - 1) * 512), 512);
    wren_check("  the pattern", matches(seed, big, base + sectors - 1, 1, 0, 0), 1);
    wren_check("read across the end -> short", pread_at(fd, big, 4096, (sectors - 2) * 512), 1024);
    wren_check("read at the end -> 0", pread_at(fd, big, 512, sectors * 512), 0);
    wren_check("read far past the end -> 0", pread_at(fd, big, 512, 1ull << 50), 0);
    wren_close((wren_fd_t)fd);
}

static void check_bad_requests(long driver, uint64_t sectors)
{
    long fd = open_path("/scheme/disk/0", WREN_OPEN_READ | WREN_OPEN_WRITE);
    wren_check("open read-write", fd >= 0, 1);
    wren_check("read at an unaligned offset -> E_INVAL", pread_at(fd, big, 512, 100), -E_INVAL);
    wren_check("read of an unaligned length -> E_INVAL", pread_at(fd, big, 100, 0), -E_INVAL);
    wren_check("write of an unaligned length -> E_INVAL", pwrite_at(fd, big, 513, 0), -E_INVAL);
    wren_check("write at an unaligned offset -> E_INVAL", pwrite_at(fd, big, 512, 511), -E_INVAL);
    wren_check("write at the end -> E_NOSPC", pwrite_at(fd, big, 512, sectors * 512), -E_NOSPC);
    wren_check("write far past the end -> E_NOSPC", pwrite_at(fd, big, 512, 1ull << 62), -E_NOSPC);
    wren_check("read into a bad buffer -> E_FAULT", pread_at(fd, (void *)8, 512, 0), -E_FAULT);
    wren_check("read into read-only memory -> E_FAULT", pread_at(fd, (void *)(uintptr_t)start_driver, 512, 0),
               -E_FAULT);
    wren_check("write from a bad buffer -> E_FAULT", pwrite_at(fd, (void *)8, 512, 0), -E_FAULT);
    wren_check("a read after them works", pread_at(fd, big, 512, 0), 512);
    wren_close((wren_fd_t)fd);
    fd = open_path("/scheme/disk/0", WREN_OPEN_READ);
    wren_check("write on an fd opened to read fails", pwrite_at(fd, big, 512, 0) < 0, 1);
    wren_close((wren_fd_t)fd);
    static const char *const bad[] = {"/scheme/disk/9",   "/scheme/disk/0p1", "/scheme/disk/00",
                                      "/scheme/disk/0/x", "/scheme/disk/0p0", "/scheme/disk/-1",
                                      "/scheme/disk/0p",  "/scheme/disk/x",   "/scheme/disk/99999999999999999999"};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        wren_check(bad[i], open_path(bad[i], WREN_OPEN_READ), -E_NOENT);
    wren_check("open with truncate refused", open_path("/scheme/disk/0", WREN_OPEN_WRITE | WREN_OPEN_TRUNCATE) < 0, 1);
    wren_check("open / to write refused", open_path("/scheme/disk", WREN_OPEN_WRITE) < 0, 1);
    wren_check("the driver is still the same process", wren_kill((int32_t)driver, WREN_SIGNAL_NONE), 0);
}

/* Sectors 100..399 written with written(): the host checks the image after the power-off. */
static void check_writes(void)
{
    long fd = open_path("/scheme/disk/0", WREN_OPEN_READ | WREN_OPEN_WRITE);
    for (unsigned s = 0; s < 300; s++)
        for (unsigned i = 0; i < 512; i++)
            big[s * 512 + i] = written(100 + s, i);
    wren_check("write 300 sectors at 100 (several requests)", pwrite_at(fd, big, 300 * 512, 100 * 512), 300 * 512);
    memset(big, 0, 400 * 512);
    wren_check("read them back with their neighbours", pread_at(fd, big, 400 * 512, 50 * 512), 400 * 512);
    wren_check("  what was written, and the pattern around it", matches(0, big, 50, 400, 100, 300), 1);
    wren_check("fsync (a flush)", wren_fsync((wren_fd_t)fd), 0);
    wren_close((wren_fd_t)fd);
}

/* Four clients at once, each reading its own region 40 times in pieces of different sizes. */
static void check_concurrent(uint64_t sectors)
{
    long pids[4];
    for (int c = 0; c < 4; c++) {
        pids[c] = wren_fork();
        if (pids[c] == 0) {
            long fd = open_path("/scheme/disk/0", WREN_OPEN_READ);
            int bad = fd < 0;
            uint64_t len = (uint64_t)(c + 1) * 8192;
            for (int k = 0; k < 40 && !bad; k++) {
                uint64_t first = 500 + (uint64_t)(c * 1000 + k * 17) % (sectors - 600);
                if (pread_at(fd, buf2, len, first * 512) != (long)len || !matches(0, buf2, first, len / 512, 100, 300))
                    bad = 1;
            }
            wren_exit(bad);
        }
    }
    int ok = 0;
    for (int c = 0; c < 4; c++)
        ok += wren_check_wait_status(pids[c]) == 0;
    wren_check("four clients at once read every byte right", ok, 4);
}

static long check_death_and_restart(long driver)
{
    long fd = open_path("/scheme/disk/0", WREN_OPEN_READ);
    wren_kill((int32_t)driver, WREN_SIGNAL_SIGSTOP);
    long reader = wren_fork();
    if (reader == 0) {
        long r = pread_at(fd, buf2, 4096, 0); /* queued: the driver is stopped */
        wren_exit(r == -E_IO ? 0 : 1);
    }
    wren_sleep(200 * MS);
    int32_t status;
    wren_check("the reader waits while the driver is stopped", wren_wait((int32_t)reader, &status, WREN_WAIT_NOHANG),
               -E_AGAIN);
    wren_kill((int32_t)driver, WREN_SIGNAL_SIGKILL);
    wren_check("the waiting reader gets E_IO", wren_check_wait_status(reader), 0);
    wren_check_wait_status(driver);
    wren_check("the old fd -> E_IO", pread_at(fd, buf2, 512, 0), -E_IO);
    wren_check("no driver: open -> E_NOENT", open_path("/scheme/disk/0", WREN_OPEN_READ), -E_NOENT);
    long again = start_driver("/scheme/disk/0");
    wren_check("the driver restarted (the device reset and brought up again)", again > 0, 1);
    long fd2 = open_path("/scheme/disk/0", WREN_OPEN_READ);
    wren_check("reads work again", pread_at(fd2, big, 65536, 1000 * 512), 65536);
    wren_check("  the pattern", matches(0, big, 1000, 128, 0, 0), 1);
    wren_close((wren_fd_t)fd2);
    wren_close((wren_fd_t)fd);
    return again;
}

/*
 * The driver killed while it waits on the device (the slow drive holds the second read for seconds): the client
 * gets E_IO at once; a restarted driver resets the device, which it finds with a request of the dead one still
 * queued, and serves again (the drive's debt may hold its first read past the timeout: three tries).
 */
static long check_kill_mid_request(long driver)
{
    long reader = wren_fork();
    if (reader == 0) {
        long fd = open_path("/scheme/disk/0", WREN_OPEN_READ);
        long a = pread_at(fd, buf2, 8192, 0);
        long b = pread_at(fd, buf2, 512, 0); /* the driver is waiting on the device for this when it is killed */
        wren_exit(a == 8192 && b == -E_IO ? 0 : 1);
    }
    wren_sleep(1500 * MS);
    int32_t status;
    wren_check("the reader waits on the device", wren_wait((int32_t)reader, &status, WREN_WAIT_NOHANG), -E_AGAIN);
    long t0 = wren_get_time(WREN_CLOCK_MONOTONIC);
    wren_kill((int32_t)driver, WREN_SIGNAL_SIGKILL);
    wren_check("killed mid-request: the reader gets E_IO", wren_check_wait_status(reader), 0);
    wren_check("  within 500 ms of the kill", wren_get_time(WREN_CLOCK_MONOTONIC) - t0 < 500 * MS, 1);
    wren_check_wait_status(driver);
    long again = start_driver("/scheme/disk/0");
    wren_check("the driver restarted", again > 0, 1);
    long fd = open_path("/scheme/disk/0", WREN_OPEN_READ);
    long r = -1;
    for (int i = 0; i < 3 && r != 512; i++)
        r = pread_at(fd, big, 512, 512 * 20);
    wren_check("the restarted driver reads", r, 512);
    wren_check("  the pattern", matches(0, big, 20, 1, 0, 0), 1);
    wren_close((wren_fd_t)fd);
    return again;
}

/* Partitions p1 (2048..4095) and p<second> (4096..end): listed, sized, read and written within their bounds. */
static void check_partitions(unsigned second, uint64_t sectors)
{
    char names[256], want[64], p2[32];
    list(names, sizeof(names));
    wren_print("blktest: /scheme/disk lists: ");
    wren_print(names);
    wren_print("\n");
    strcpy(want, "0 0p1 0p");
    want[8] = (char)('0' + second);
    want[9] = 0;
    wren_check("readdir lists the device and its two partitions", strcmp(names, want), 0);
    strcpy(p2, "/scheme/disk/0p");
    p2[15] = (char)('0' + second);
    p2[16] = 0;
    check_size("/scheme/disk/0p1", 2048);
    check_size(p2, sectors - 4096 - (second == 3 ? 34 : 0));
    check_reads("/scheme/disk/0p1", 0, 2048, 2048);
}

int main(int argc, char **argv)
{
    wren_check_begin("blktest");
    if (argc != 3) {
        wren_check("usage: blktest MODE SECTORS", 0, 1);
        return wren_check_end();
    }
    const char *mode = argv[1];
    uint64_t sectors = strtoull(argv[2], NULL, 10);
    long driver = start_driver("/scheme/disk/0");
    wren_check("vblk -d serves /scheme/disk/0", driver > 0, 1);
    if (driver <= 0)
        return wren_check_end();
    if (strcmp(mode, "plain") == 0) {
        char names[256];
        list(names, sizeof(names));
        wren_check("readdir lists just 0", strcmp(names, "0"), 0);
        check_size("/scheme/disk/0", sectors);
        check_reads("/scheme/disk/0", 0, sectors, 0);
        check_bad_requests(driver, sectors);
        check_writes();
        check_concurrent(sectors);
        driver = check_death_and_restart(driver);
    } else if (strcmp(mode, "ro") == 0) {
        wren_check("open to write -> E_ROFS", open_path("/scheme/disk/0", WREN_OPEN_READ | WREN_OPEN_WRITE), -E_ROFS);
        check_reads("/scheme/disk/0", 0, sectors, 0);
    } else if (strcmp(mode, "mbr") == 0 || strcmp(mode, "gpt") == 0) {
        unsigned second = mode[0] == 'g' ? 3 : 2;
        check_partitions(second, sectors);
        char p2[] = "/scheme/disk/0pX";
        p2[15] = (char)('0' + second);
        long fd = open_path(p2, WREN_OPEN_READ | WREN_OPEN_WRITE);
        uint64_t n = sectors - 4096 - (second == 3 ? 34 : 0);
        for (unsigned i = 0; i < 1024; i++)
            big[i] = written(0, i % 512) ^ (uint8_t)(i / 512);
        wren_check("write the partition's first sector", pwrite_at(fd, big, 512, 0), 512);
        wren_check("write its last two sectors", pwrite_at(fd, big, 1024, (n - 2) * 512), 1024);
        wren_check("write across its end -> short", pwrite_at(fd, big, 1024, (n - 1) * 512), 512);
        wren_check("write at its end -> E_NOSPC", pwrite_at(fd, big, 512, n * 512), -E_NOSPC);
        wren_check("fsync", wren_fsync((wren_fd_t)fd), 0);
        wren_close((wren_fd_t)fd);
    } else if (strcmp(mode, "hostile") == 0) {
        char names[256];
        list(names, sizeof(names));
        wren_check("a refused table: readdir lists just 0", strcmp(names, "0"), 0);
        wren_check("  and 0p1 does not open", open_path("/scheme/disk/0p1", WREN_OPEN_READ), -E_NOENT);
        check_size("/scheme/disk/0", sectors);
        long fd = open_path("/scheme/disk/0", WREN_OPEN_READ);
        wren_check("  the whole device reads", pread_at(fd, big, 65536, 2048 * 512), 65536);
        wren_check("  the pattern", matches(0, big, 2048, 128, 0, 0), 1);
        wren_close((wren_fd_t)fd);
    } else if (strcmp(mode, "slow") == 0) {
        long fd = open_path("/scheme/disk/0", WREN_OPEN_READ);
        wren_check("read 8 KiB (let through at once)", pread_at(fd, big, 8192, 0), 8192);
        long t0 = wren_get_time(WREN_CLOCK_MONOTONIC);
        wren_check("a read the drive holds for 8 s -> E_IO", pread_at(fd, big, 512, 0), -E_IO);
        long waited = (wren_get_time(WREN_CLOCK_MONOTONIC) - t0) / MS;
        wren_print("blktest: the timed-out read took ");
        wren_print_dec(waited);
        wren_print(" ms\n");
        wren_check("  after the driver's 5 s", waited >= 5000, 1);
        wren_check("the driver is still the same process", wren_kill((int32_t)driver, WREN_SIGNAL_NONE), 0);
        wren_check("a read after the reset works", pread_at(fd, big, 512, 512 * 8), 512);
        wren_check("  the pattern", matches(0, big, 8, 1, 0, 0), 1);
        wren_close((wren_fd_t)fd);
        driver = check_kill_mid_request(driver);
    } else if (strcmp(mode, "two") == 0) {
        char names[256];
        list(names, sizeof(names));
        wren_check("readdir lists 0 and 1", strcmp(names, "0 1"), 0);
        check_size("/scheme/disk/0", sectors);
        check_size("/scheme/disk/1", sectors / 2);
        check_reads("/scheme/disk/0", 0, sectors, 0);
        check_reads("/scheme/disk/1", 1, sectors / 2, 0);
    } else {
        wren_check("a known mode", 0, 1);
    }
    wren_kill((int32_t)driver, WREN_SIGNAL_SIGKILL);
    wren_check_wait_status(driver);
    return wren_check_end();
}
