// sources: servers/lib/blockcache.c servers/lib/blockcache_fd.c servers/fatfs/fat_volume.c servers/fatfs/fat_name.c
// sources: servers/fatfs/fat_time.c servers/fatfs/fat_dir.c servers/fatfs/fat_file.c servers/fatfs/fat_ops.c
// The fatfs server's file system and block cache on the host. Run with no image it is a unit test: the cache's write
// order and bound, short names and their checksums, FAT times. Run as `test_fatfs --image IMG [--ro]
// [--slots N]` it is a tool that tests/test_fatfs_host.py drives with commands on stdin (one per line, printing
// "ok ..." or "error E_..."), on images made by mkfs.fat and checked afterwards by fsck.fat and mtools.
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define main unit_main
#include "unit.h"
#undef main

#include "fat_host.h"

// ---- unit tests ----

struct order_dev {
    uint8_t data[64 * 4096];
    uint64_t order[256];
    unsigned n;
};

static long order_read(void *arg, uint64_t off, void *buf, size_t len)
{
    struct order_dev *d = arg;
    memcpy(buf, d->data + off, len);
    return (long)len;
}

static long order_write(void *arg, uint64_t off, const void *buf, size_t len)
{
    struct order_dev *d = arg;
    memcpy(d->data + off, buf, len);
    if (d->n < 256)
        d->order[d->n++] = off / 4096;
    return (long)len;
}

TEST(cache_sync_writes_classes_in_order)
{
    static struct order_dev d;
    memset(&d, 0, sizeof(d));
    struct bc_dev dev = {&d, order_read, order_write, NULL};
    struct blockcache *bc = bc_create(&dev, sizeof(d.data), 4096, 16);
    ASSERT_TRUE(bc != NULL);
    uint8_t x = 7;
    EXPECT_EQ(bc_write(bc, 9 * 4096, &x, 1, BC_CLASS_DIR), 0);
    EXPECT_EQ(bc_write(bc, 5 * 4096, &x, 1, BC_CLASS_META), 0);
    EXPECT_EQ(bc_write(bc, 3 * 4096, &x, 1, BC_CLASS_DATA), 0);
    EXPECT_EQ(bc_write(bc, 1 * 4096, &x, 1, BC_CLASS_DATA), 0);
    EXPECT_EQ(d.n, 0); // write-back: nothing reaches the device before a sync
    EXPECT_EQ(bc_sync(bc), 0);
    ASSERT_EQ(d.n, 4);
    EXPECT_EQ(d.order[0], 1);
    EXPECT_EQ(d.order[1], 3);
    EXPECT_EQ(d.order[2], 5);
    EXPECT_EQ(d.order[3], 9);
    EXPECT_EQ(d.data[9 * 4096], 7);
    EXPECT_EQ(bc_sync(bc), 0);
    EXPECT_EQ(d.n, 4); // nothing dirty is left
    bc_destroy(bc);
}

TEST(cache_is_bounded_and_evicts_in_order)
{
    static struct order_dev d;
    memset(&d, 0, sizeof(d));
    struct bc_dev dev = {&d, order_read, order_write, NULL};
    struct blockcache *bc = bc_create(&dev, sizeof(d.data), 4096, 4);
    ASSERT_TRUE(bc != NULL);
    uint8_t x = 1;
    EXPECT_EQ(bc_write(bc, 20 * 4096, &x, 1, BC_CLASS_DIR), 0);
    EXPECT_EQ(bc_write(bc, 10 * 4096, &x, 1, BC_CLASS_DATA), 0);
    for (unsigned b = 30; b < 40; b++) { // reads of ten other blocks push the dirty ones out
        uint8_t y;
        EXPECT_EQ(bc_read(bc, b * 4096, &y, 1), 0);
    }
    struct bc_stats st;
    bc_get_stats(bc, &st);
    EXPECT_TRUE(st.used <= 4);
    EXPECT_EQ(st.dirty, 0);
    ASSERT_EQ(d.n, 2);
    EXPECT_EQ(d.order[0], 10); // the data block first, although the directory block was written first
    EXPECT_EQ(d.order[1], 20);
    uint8_t y = 0;
    EXPECT_EQ(bc_read(bc, 20 * 4096, &y, 1), 0);
    EXPECT_EQ(y, 1);
    EXPECT_EQ(bc_read(bc, sizeof(d.data) - 1, &y, 2), -E_INVAL);
    bc_destroy(bc);
}

TEST(short_names_and_checksums)
{
    uint8_t sn[11];
    EXPECT_TRUE(fat_name_is_short("README.TXT", sn));
    EXPECT_TRUE(memcmp(sn, "README  TXT", 11) == 0);
    EXPECT_FALSE(fat_name_is_short("readme.txt", sn));
    EXPECT_FALSE(fat_name_is_short("A.B.C", sn));
    EXPECT_FALSE(fat_name_is_short("TOOLONGNAME", sn));
    fat_short_basis("hello world.text", sn);
    fat_short_tail(sn, 1);
    EXPECT_TRUE(memcmp(sn, "HELLOW~1TEX", 11) == 0);
    fat_short_basis(".bashrc", sn);
    fat_short_tail(sn, 12);
    EXPECT_TRUE(memcmp(sn, "BASHR~12   ", 11) == 0); // the tail shortens the basis to fit 8
    fat_short_basis("a+b", sn);
    fat_short_tail(sn, 3);
    EXPECT_TRUE(memcmp(sn, "A_B~3      ", 11) == 0);
    // The checksum is a rotate-right sum (fatgen103 §7): computed here independently.
    const uint8_t *n = (const uint8_t *)"HELLOW~1TEX";
    unsigned sum = 0;
    for (int i = 0; i < 11; i++)
        sum = (((sum & 1) ? 0x80 : 0) + (sum >> 1) + n[i]) & 0xFF;
    EXPECT_EQ(fat_lfn_checksum(n), sum);
    uint16_t u[FAT_NAME_MAX + 1];
    EXPECT_EQ(fat_name_to_utf16("caf\xc3\xa9", u), 4);
    EXPECT_EQ(u[3], 0xE9);
    EXPECT_EQ(fat_name_to_utf16("a:b", u), -E_INVAL);
    EXPECT_EQ(fat_name_to_utf16("trailing.", u), -E_INVAL);
    EXPECT_EQ(fat_name_to_utf16("\xff", u), -E_INVAL);
    char big[300];
    memset(big, 'x', 299);
    big[299] = 0;
    EXPECT_EQ(fat_name_to_utf16(big, u), -E_NAMETOOLONG);
}

TEST(fat_times_round_trip)
{
    uint16_t d, t;
    fat_time_from_unix(1700000000, &d, &t); // 2023-11-14 22:13:20 UTC
    EXPECT_EQ(d >> 9, 2023 - 1980);
    EXPECT_EQ((d >> 5) & 15, 11);
    EXPECT_EQ(d & 31, 14);
    EXPECT_EQ(t >> 11, 22);
    EXPECT_EQ(fat_time_to_unix(d, t), 1700000000);
    fat_time_from_unix(951782400, &d, &t); // 2000-02-29
    EXPECT_EQ((d >> 5) & 15, 2);
    EXPECT_EQ(d & 31, 29);
    fat_time_from_unix(-5, &d, &t);
    EXPECT_EQ(d, (0 << 9) | (1 << 5) | 1); // unknown: 1980-01-01
}

// ---- the tool ----

static const struct {
    long code;
    const char *name;
} error_names[] = {
    {E_NOENT, "E_NOENT"},   {E_IO, "E_IO"},         {E_NOMEM, "E_NOMEM"},       {E_BUSY, "E_BUSY"},
    {E_EXIST, "E_EXIST"},   {E_NOTDIR, "E_NOTDIR"}, {E_ISDIR, "E_ISDIR"},       {E_INVAL, "E_INVAL"},
    {E_NOSPC, "E_NOSPC"},   {E_ROFS, "E_ROFS"},     {E_NOTEMPTY, "E_NOTEMPTY"}, {E_NAMETOOLONG, "E_NAMETOOLONG"},
    {E_TOOBIG, "E_TOOBIG"}, {E_BADF, "E_BADF"},
};

static const char *error_name(long r)
{
    for (size_t i = 0; i < sizeof(error_names) / sizeof(error_names[0]); i++)
        if (error_names[i].code == -r)
            return error_names[i].name;
    return "E_OTHER";
}

static int64_t host_now(void)
{
    return (int64_t)time(NULL);
}

static struct fat_vol vol;

static long put_file(const char *path, const char *host)
{
    FILE *f = fopen(host, "rb");
    if (!f)
        return -E_NOENT;
    struct fat_node *n;
    long r = fat_open(&vol, path, WREN_OPEN_WRITE | WREN_OPEN_CREATE | WREN_OPEN_TRUNCATE, &n);
    if (r < 0) {
        fclose(f);
        return r;
    }
    static uint8_t buf[65536];
    uint64_t off = 0;
    size_t got;
    while (r >= 0 && (got = fread(buf, 1, sizeof(buf), f)) > 0) {
        r = fat_node_write(&vol, n, buf, got, off);
        if (r >= 0 && (size_t)r != got)
            r = -E_NOSPC;
        off += got;
    }
    fclose(f);
    long c = fat_close(&vol, n);
    return r < 0 ? r : c;
}

static long get_file(const char *path, const char *host)
{
    struct fat_node *n;
    long r = fat_open(&vol, path, WREN_OPEN_READ, &n);
    if (r < 0)
        return r;
    FILE *f = fopen(host, "wb");
    static uint8_t buf[50000]; // not a multiple of anything, to cross clusters mid-way
    uint64_t off = 0;
    while ((r = fat_node_read(&vol, n, buf, sizeof(buf), off)) > 0) {
        fwrite(buf, 1, (size_t)r, f);
        off += (uint64_t)r;
    }
    fclose(f);
    fat_close(&vol, n);
    return r;
}

static long write_text(const char *path, const char *text, uint32_t extra)
{
    struct fat_node *n;
    long r = fat_open(&vol, path, WREN_OPEN_WRITE | WREN_OPEN_CREATE | extra, &n);
    if (r < 0)
        return r;
    uint64_t off = (extra & WREN_OPEN_APPEND) ? n->size : 0;
    r = fat_node_write(&vol, n, text, strlen(text), off);
    long c = fat_close(&vol, n);
    return r < 0 ? r : c;
}

// Write 100-byte records until the volume is full: prints the bytes written, and the error that stopped it.
static long fill(const char *path, uint64_t *written)
{
    struct fat_node *n;
    long r = fat_open(&vol, path, WREN_OPEN_WRITE | WREN_OPEN_CREATE | WREN_OPEN_TRUNCATE, &n);
    if (r < 0)
        return r;
    static uint8_t buf[8192];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 7);
    *written = 0;
    for (;;) {
        r = fat_node_write(&vol, n, buf, sizeof(buf), *written);
        if (r <= 0)
            break;
        *written += (uint64_t)r;
    }
    fat_close(&vol, n);
    return r;
}

static void list(const char *path, int depth, int recursive)
{
    for (uint64_t i = 0; i < 100000; i++) {
        struct wren_dirent d;
        long r = fat_readdir(&vol, path, i, &d);
        if (r == -E_NOENT)
            return;
        if (r < 0) {
            printf("listing %s: %s\n", path, error_name(r));
            return;
        }
        char child[4096];
        snprintf(child, sizeof(child), "%s/%s", strcmp(path, "/") == 0 ? "" : path, (char *)d.name);
        printf("%s %llu %s\n", d.type == WREN_FILE_TYPE_DIRECTORY ? "d" : "f", (unsigned long long)d.size, child);
        if (recursive && d.type == WREN_FILE_TYPE_DIRECTORY && depth < 64)
            list(child, depth + 1, 1);
    }
}

// create/write/delete cycles: afterwards the free count (kept and recounted) and the open nodes are as before.
static long cycles(long count)
{
    uint32_t before = vol.free_count;
    for (long i = 0; i < count; i++) {
        char name[64];
        snprintf(name, sizeof(name), "/cycle file number %ld.data", i % 7);
        char text[300];
        memset(text, 'a' + (int)(i % 26), sizeof(text) - 1);
        text[(i * 37) % 299] = 0;
        long r = write_text(name, text, WREN_OPEN_TRUNCATE);
        if (r == 0)
            r = fat_unlink(&vol, name);
        if (r < 0)
            return r;
    }
    uint32_t counted;
    long r = fat_count_free(&vol, &counted);
    if (r < 0)
        return r;
    if (counted != before || vol.free_count != before || vol.nodes != NULL)
        return -E_IO;
    return 0;
}

static long run(char *line)
{
    char *argv[8];
    int argc = 0;
    for (char *tok = strtok(line, "\t\n"); tok && argc < 8; tok = strtok(NULL, "\t\n"))
        argv[argc++] = tok;
    if (argc == 0)
        return 0;
    const char *cmd = argv[0];
#define NEED(n)                                                                                                        \
    if (argc < (n) + 1)                                                                                                \
    return -E_INVAL
    if (!strcmp(cmd, "put")) {
        NEED(2);
        return put_file(argv[1], argv[2]);
    } else if (!strcmp(cmd, "get")) {
        NEED(2);
        return get_file(argv[1], argv[2]);
    } else if (!strcmp(cmd, "write")) {
        NEED(2);
        return write_text(argv[1], argv[2], WREN_OPEN_TRUNCATE);
    } else if (!strcmp(cmd, "append")) {
        NEED(2);
        return write_text(argv[1], argv[2], WREN_OPEN_APPEND);
    } else if (!strcmp(cmd, "create_excl")) {
        NEED(1);
        struct fat_node *n;
        long r = fat_open(&vol, argv[1], WREN_OPEN_WRITE | WREN_OPEN_CREATE | WREN_OPEN_EXCL, &n);
        return r < 0 ? r : fat_close(&vol, n);
    } else if (!strcmp(cmd, "mkdir")) {
        NEED(1);
        return fat_mkdir(&vol, argv[1]);
    } else if (!strcmp(cmd, "rmdir")) {
        NEED(1);
        return fat_rmdir(&vol, argv[1]);
    } else if (!strcmp(cmd, "rm")) {
        NEED(1);
        return fat_unlink(&vol, argv[1]);
    } else if (!strcmp(cmd, "mv")) {
        NEED(2);
        return fat_rename(&vol, argv[1], argv[2]);
    } else if (!strcmp(cmd, "trunc")) {
        NEED(2);
        return fat_truncate(&vol, argv[1], strtoull(argv[2], NULL, 0));
    } else if (!strcmp(cmd, "stat")) {
        NEED(1);
        struct wren_stat st;
        long r = fat_stat(&vol, argv[1], &st);
        if (r == 0)
            printf("stat %s %llu %lld\n", st.type == WREN_FILE_TYPE_DIRECTORY ? "d" : "f", (unsigned long long)st.size,
                   (long long)st.mtime.sec);
        return r;
    } else if (!strcmp(cmd, "ls") || !strcmp(cmd, "tree")) {
        NEED(1);
        list(argv[1], 0, cmd[0] == 't');
        return 0;
    } else if (!strcmp(cmd, "fill")) {
        NEED(1);
        uint64_t written;
        long r = fill(argv[1], &written);
        printf("filled %llu\n", (unsigned long long)written);
        return r;
    } else if (!strcmp(cmd, "cycles")) {
        NEED(1);
        return cycles(strtol(argv[1], NULL, 0));
    } else if (!strcmp(cmd, "df")) {
        uint32_t counted;
        long r = fat_count_free(&vol, &counted);
        if (r == 0)
            printf("df FAT%d %u %u %u %u\n", vol.type, vol.clusters, vol.cluster_size, vol.free_count, counted);
        return r;
    } else if (!strcmp(cmd, "sync")) {
        return fat_sync(&vol);
    } else if (!strcmp(cmd, "drop")) { // forget every clean block: later reads come from the image again
        long r = fat_sync(&vol);
        bc_drop_clean(vol.bc);
        return r;
    }
    return -E_INVAL;
}

static int tool(int argc, char **argv)
{
    const char *image = NULL;
    int ro = 0;
    unsigned slots = 64;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--image") && i + 1 < argc)
            image = argv[++i];
        else if (!strcmp(argv[i], "--ro"))
            ro = 1;
        else if (!strcmp(argv[i], "--slots") && i + 1 < argc)
            slots = (unsigned)strtoul(argv[++i], NULL, 0);
    }
    int fd = open(image, ro ? O_RDONLY : O_RDWR);
    if (fd < 0) {
        perror(image);
        return 2;
    }
    struct bc_dev dev;
    uint64_t size;
    if (bc_dev_from_fd(fd, &dev, &size) < 0)
        return 2;
    struct blockcache *bc = bc_create(&dev, size, 4096, slots);
    long r = fat_mount(&vol, bc, ro, host_now);
    if (r < 0) {
        printf("mount error %s\n", error_name(r));
        bc_destroy(bc);
        close(fd);
        return 3;
    }
    printf("mounted FAT%d\n", vol.type);
    char line[8192];
    while (fgets(line, sizeof(line), stdin)) {
        char echo[64];
        snprintf(echo, sizeof(echo), "%.40s", line);
        echo[strcspn(echo, "\n")] = 0;
        r = run(line);
        if (r < 0)
            printf("error %s (%s)\n", error_name(r), echo);
        else
            printf("ok (%s)\n", echo);
        fflush(stdout);
    }
    r = fat_sync(&vol);
    if (r < 0)
        printf("final sync error %s\n", error_name(r));
    fat_unmount(&vol);
    bc_destroy(bc);
    close(fd);
    return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--image"))
        return tool(argc, argv);
    return unit_main(argc, argv);
}
