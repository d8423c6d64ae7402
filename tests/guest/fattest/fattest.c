/*
 * fattest (booted as /bin/init by tests/test_fatfs.py): /bin/fatfs serving /fat.img, a FAT32 image made on the host
 * by mkfs.fat and mtools, as /scheme/fat0; a program's write, read back, rename, mkdir, long names, stat, readdir,
 * truncate, unlink and fsync through it; a second server with -r on the same image refuses every change with
 * E_ROFS; a file that is no FAT volume is refused. Last, the image's non-zero sectors are printed ("fatimg: ...") so
 * the host can rebuild it and check it with fsck.fat and mtools.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define IMAGE "/fat.img"
#define FAT0  "/scheme/fat0"
#define BIG   (100 * 1000 + 7)

static long start_server(const char *args, size_t len)
{
    long pid = wren_fork();
    if (pid == 0) {
        static const char env[] = "PATH=/bin";
        long r = wren_exec("/bin/fatfs", 10, args, len, env, sizeof(env));
        wren_exit(100 + (int)-r); /* exec failed: say why */
    }
    return pid;
}

/* Wait until the scheme answers (the server prints its line once it has registered). */
static long wait_scheme(const char *root)
{
    struct wren_stat st;
    for (int i = 0; i < 500; i++) {
        long r = wren_stat(root, strlen(root), &st);
        if (r == 0)
            return st.type;
        wren_sleep(10 * 1000 * 1000);
    }
    return -E_TIMEDOUT;
}

static long slurp(const char *path, char *buf, size_t size)
{
    long fd = wren_open(path, strlen(path), WREN_OPEN_READ);
    if (fd < 0)
        return fd;
    long total = 0, n;
    while ((n = wren_read((wren_fd_t)fd, buf + total, size - (size_t)total)) > 0)
        total += n;
    wren_close((wren_fd_t)fd);
    return n < 0 ? n : total;
}

static long spit(const char *path, const void *buf, size_t len, uint32_t extra)
{
    long fd = wren_open(path, strlen(path), WREN_OPEN_WRITE | WREN_OPEN_CREATE | extra);
    if (fd < 0)
        return fd;
    long n = wren_write((wren_fd_t)fd, buf, len);
    wren_close((wren_fd_t)fd);
    return n;
}

static int listed(const char *dir, const char *name, uint32_t *type, uint64_t *size)
{
    for (uint64_t i = 0; i < 1000; i++) {
        struct wren_dirent d;
        if (wren_readdir(dir, strlen(dir), i, &d) < 0)
            return 0;
        if (strcmp((char *)d.name, name) == 0) {
            *type = d.type;
            *size = d.size;
            return 1;
        }
    }
    return 0;
}

static char buf[BIG + 16], back[BIG + 16];

static void hexline(uint64_t sector, const uint8_t *s)
{
    static const char hex[] = "0123456789abcdef";
    char line[32 + 1024 + 2];
    int k = 0;
    const char *head = "fatimg: ";
    while (*head)
        line[k++] = *head++;
    char num[20];
    int d = 0;
    do {
        num[d++] = (char)('0' + sector % 10);
        sector /= 10;
    } while (sector);
    while (d)
        line[k++] = num[--d];
    line[k++] = ' ';
    for (int i = 0; i < 512; i++) {
        line[k++] = hex[s[i] >> 4];
        line[k++] = hex[s[i] & 15];
    }
    line[k++] = '\n';
    wren_write(1, line, (size_t)k);
}

/* The image's non-zero sectors, for the host to rebuild it. */
static void dump_image(void)
{
    long fd = wren_open(IMAGE, strlen(IMAGE), WREN_OPEN_READ);
    static uint8_t chunk[65536];
    uint64_t at = 0, sectors = 0;
    long n;
    while ((n = wren_read((wren_fd_t)fd, chunk, sizeof(chunk))) > 0) {
        for (long o = 0; o + 512 <= n; o += 512) {
            int zero = 1;
            for (int i = 0; i < 512 && zero; i++)
                zero = chunk[o + i] == 0;
            if (!zero) {
                hexline((at + (uint64_t)o) / 512, chunk + o);
                sectors++;
            }
        }
        at += (uint64_t)n;
    }
    wren_close((wren_fd_t)fd);
    wren_print("fatimg: end ");
    wren_print_dec((long)at);
    wren_print("\n");
    wren_check("image sectors dumped", sectors > 0, 1);
}

int main(void)
{
    wren_check_begin("fattest");
    static const char rw_args[] = "fatfs\0" IMAGE "\0fat0";
    long server = start_server(rw_args, sizeof(rw_args));
    wren_check("fatfs started", server > 0, 1);
    wren_check("scheme fat0 answers, its root a directory", wait_scheme(FAT0 "/"), WREN_FILE_TYPE_DIRECTORY);

    /* What the host put there with mtools. */
    long n = slurp(FAT0 "/HOST.TXT", buf, sizeof(buf));
    wren_check("read the host's short-named file", n, 14);
    wren_check("its contents", n == 14 && memcmp(buf, "from the host\n", 14) == 0, 1);
    n = slurp(FAT0 "/A Long Name From The Host.text", buf, sizeof(buf));
    wren_check("read the host's long-named file", n, 6);
    n = slurp(FAT0 "/a long name from the host.TEXT", buf, sizeof(buf));
    wren_check("names match whatever their case", n, 6);

    /* Write, read back. */
    for (int i = 0; i < BIG; i++)
        buf[i] = (char)(i * 31 + i / 500);
    const char *big = FAT0 "/Written in the guest, a long name.bin";
    wren_check("write 100 KB", spit(big, buf, BIG, WREN_OPEN_TRUNCATE), BIG);
    memset(back, 0, sizeof(back));
    wren_check("read it back", slurp(big, back, sizeof(back)), BIG);
    wren_check("identical", memcmp(buf, back, BIG) == 0, 1);
    struct wren_stat st;
    wren_check("stat", wren_stat(big, strlen(big), &st), 0);
    wren_check("stat: regular", st.type, WREN_FILE_TYPE_REGULAR);
    wren_check("stat: size", (long)st.size, BIG);

    /* mkdir, rename into it, readdir. */
    wren_check("mkdir", wren_mkdir(FAT0 "/guest dir", strlen(FAT0 "/guest dir")), 0);
    wren_check("mkdir again: E_EXIST", wren_mkdir(FAT0 "/guest dir", strlen(FAT0 "/guest dir")), -E_EXIST);
    const char *moved = FAT0 "/guest dir/moved.bin";
    wren_check("rename", wren_rename(big, strlen(big), moved, strlen(moved)), 0);
    wren_check("old name gone", wren_stat(big, strlen(big), &st), -E_NOENT);
    uint32_t type = 0;
    uint64_t size = 0;
    wren_check("readdir lists it", listed(FAT0 "/guest dir", "moved.bin", &type, &size), 1);
    wren_check("as a file of its size", type == WREN_FILE_TYPE_REGULAR && size == BIG, 1);
    wren_check("readdir lists the directory", listed(FAT0 "/", "guest dir", &type, &size), 1);
    wren_check("as a directory", type, WREN_FILE_TYPE_DIRECTORY);
    wren_check("rmdir of a full directory: E_NOTEMPTY", wren_rmdir(FAT0 "/guest dir", strlen(FAT0 "/guest dir")),
               -E_NOTEMPTY);

    /* Append, seek to the end, truncate, unlink. */
    const char *log = FAT0 "/log.txt";
    spit(log, "one\n", 4, WREN_OPEN_TRUNCATE);
    spit(log, "two\n", 4, WREN_OPEN_APPEND);
    n = slurp(log, buf, sizeof(buf));
    wren_check("append", n == 8 && memcmp(buf, "one\ntwo\n", 8) == 0, 1);
    long fd = wren_open(log, strlen(log), WREN_OPEN_READ | WREN_OPEN_WRITE);
    wren_check("seek to the end", wren_lseek((wren_fd_t)fd, 0, WREN_WHENCE_END), 8);
    wren_check("ftruncate", wren_ftruncate((wren_fd_t)fd, 3), 0);
    wren_check("fsync of a file", wren_fsync((wren_fd_t)fd), 0);
    wren_close((wren_fd_t)fd);
    wren_check("truncated", slurp(log, buf, sizeof(buf)), 3);
    const char *gone = FAT0 "/deleted.txt";
    spit(gone, "x", 1, 0);
    wren_check("unlink", wren_unlink(gone, strlen(gone)), 0);
    wren_check("unlinked: E_NOENT", wren_stat(gone, strlen(gone), &st), -E_NOENT);
    wren_check("no such file: E_NOENT", slurp(FAT0 "/nothing", buf, 10), -E_NOENT);

    /* sync: fsync of the root writes everything. */
    fd = wren_open(FAT0 "/", strlen(FAT0 "/"), WREN_OPEN_READ);
    wren_check("open the root", fd >= 0, 1);
    wren_check("fsync of the root", wren_fsync((wren_fd_t)fd), 0);
    wren_close((wren_fd_t)fd);

    /* statfs (what df shows): clusters of 512 bytes, as many free as the server counted. */
    struct wren_statfs fs;
    wren_check("statfs", wren_statfs(FAT0 "/", strlen(FAT0 "/"), &fs), 0);
    wren_check("statfs: cluster size", fs.block_size, 512);
    wren_check("statfs: some free, fewer than all", fs.blocks_free > 0 && fs.blocks_free < fs.blocks, 1);
    wren_check("statfs: writable", fs.flags & WREN_STATFS_READ_ONLY, 0);

    /* The same image read-only. */
    static const char ro_args[] = "fatfs\0-r\0" IMAGE "\0fat1";
    long ro = start_server(ro_args, sizeof(ro_args));
    wren_check("fatfs -r answers", wait_scheme("/scheme/fat1/"), WREN_FILE_TYPE_DIRECTORY);
    wren_check("-r: reads work", slurp("/scheme/fat1/guest dir/moved.bin", back, sizeof(back)), BIG);
    wren_check("-r: open for writing E_ROFS", spit("/scheme/fat1/log.txt", "x", 1, 0), -E_ROFS);
    wren_check("-r: create E_ROFS", spit("/scheme/fat1/new", "x", 1, 0), -E_ROFS);
    wren_check("-r: mkdir E_ROFS", wren_mkdir("/scheme/fat1/d", 14), -E_ROFS);
    wren_check("-r: unlink E_ROFS", wren_unlink("/scheme/fat1/log.txt", 20), -E_ROFS);
    wren_check("-r: statfs says read-only",
               wren_statfs("/scheme/fat1/", 13, &fs) == 0 && (fs.flags & WREN_STATFS_READ_ONLY), 1);
    wren_check("-r: rename E_ROFS", wren_rename("/scheme/fat1/log.txt", 20, "/scheme/fat1/l2", 15), -E_ROFS);

    /* Not a FAT volume: the server says so and exits, registering nothing. */
    static const char bad_args[] = "fatfs\0/bin/init\0bad";
    long bad = start_server(bad_args, sizeof(bad_args));
    int32_t status = -1;
    wren_check("a file that is no FAT volume is refused", wren_wait((int32_t)bad, &status, 0) == bad, 1);
    wren_check("with status 1", status, 1);
    wren_check("and no scheme", wren_stat("/scheme/bad/", 12, &st) < 0, 1);

    wren_kill((int32_t)ro, WREN_SIGNAL_SIGKILL);
    wren_kill((int32_t)server, WREN_SIGNAL_SIGKILL);
    wren_wait((int32_t)ro, &status, 0);
    wren_wait((int32_t)server, &status, 0);
    dump_image();
    return wren_check_end();
}
