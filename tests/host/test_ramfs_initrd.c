// sources: kernel/fs/ramfs.c kernel/fs/ramfs_initrd.c kernel/lib/tar.c
// Building the ramfs from an archive: directories made for every path prefix whether or not the archive lists them,
// files borrowing the archive's bytes, GNU long names and pax paths, "./" and the root, a later copy replacing an
// earlier one, and every kind of unusable entry reported (with where and why) and skipped while the rest loads.
// Also a mutation loop: whatever the archive holds, loading never fails badly and every file's bytes lie inside it.
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <wren/abi.h>

#include "fs/ramfs_initrd.h"
#include "kmalloc_libc.h"
#include "unit.h"

#define BLK 512

static uint8_t img[1 << 16];
static size_t img_len;

static void put_octal(uint8_t *f, size_t width, unsigned long long v)
{
    char tmp[24];
    snprintf(tmp, sizeof(tmp), "%0*llo", (int)(width - 1), v);
    memcpy(f, tmp, width);
}

static void add(const char *name, char type, const void *data, size_t size)
{
    uint8_t *h = img + img_len;
    memset(h, 0, BLK);
    memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
    put_octal(h + 100, 8, type == '5' ? 0755 : 0644);
    put_octal(h + 124, 12, size);
    h[156] = (uint8_t)type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    unsigned sum = 0;
    memset(h + 148, ' ', 8);
    for (int i = 0; i < BLK; i++)
        sum += h[i];
    char tmp[8];
    snprintf(tmp, sizeof(tmp), "%06o", sum);
    memcpy(h + 148, tmp, 7);
    img_len += BLK;
    memset(img + img_len, 0, (size + BLK - 1) / BLK * BLK);
    if (size)
        memcpy(img + img_len, data, size);
    img_len += (size + BLK - 1) / BLK * BLK;
}

static void file(const char *name, const char *text)
{
    add(name, '0', text, strlen(text));
}

static void end(void)
{
    memset(img + img_len, 0, 2 * BLK);
    img_len += 2 * BLK;
}

static char reports[8192];
static int nreports;

static void report(size_t offset, const char *path, const char *why)
{
    size_t used = strlen(reports);
    snprintf(reports + used, sizeof(reports) - used, "%zu %s: %s\n", offset, path ? path : "-", why);
    nreports++;
}

static struct ramfs *load(size_t *added)
{
    struct ramfs *fs = ramfs_new(NULL);
    reports[0] = 0;
    nreports = 0;
    *added = ramfs_load_tar(fs, img, img_len, report);
    return fs;
}

static const char *contents(struct ramfs *fs, const char *path)
{
    static char buf[4096];
    struct ramfs_node *n;
    if (ramfs_lookup(fs, path, strlen(path), &n) != 0 || ramfs_type(n) != RAMFS_FILE)
        return "(none)";
    long r = ramfs_read(n, 0, buf, sizeof(buf) - 1);
    buf[r > 0 ? r : 0] = 0;
    return buf;
}

static int type_of(struct ramfs *fs, const char *path)
{
    struct ramfs_node *n;
    return ramfs_lookup(fs, path, strlen(path), &n) == 0 ? (int)ramfs_type(n) : 0;
}

TEST(tree_from_archive)
{
    size_t added;
    img_len = 0;
    add("./", '5', NULL, 0);
    add("bin/", '5', NULL, 0);
    file("bin/init", "init bytes");
    file("usr/local/bin/tool", "deep"); // no entries for usr/ or usr/local/
    file("./etc/motd", "hello");
    add("etc/", '5', NULL, 0); // after a file inside it: fine
    file("bin/init", "second copy");
    char longname[300];
    snprintf(longname, sizeof(longname), "long/%0200d/name", 0);
    add("././@LongLink", 'L', longname, strlen(longname) + 1);
    file("long/truncated", "gnu");
    add("PaxHeaders/x", 'x', "18 path=pax/p/q/r\n", 18);
    file("pax-short", "pax");
    end();

    struct ramfs *fs = load(&added);
    EXPECT_STREQ(reports, "");
    EXPECT_EQ(added, 8);
    EXPECT_STREQ(contents(fs, "/bin/init"), "second copy");
    EXPECT_STREQ(contents(fs, "/usr/local/bin/tool"), "deep");
    EXPECT_EQ(type_of(fs, "/usr/local"), RAMFS_DIR);
    EXPECT_STREQ(contents(fs, "/etc/motd"), "hello");
    char abs[310];
    snprintf(abs, sizeof(abs), "/%s", longname);
    EXPECT_STREQ(contents(fs, abs), "gnu");
    EXPECT_EQ(type_of(fs, "/long/truncated"), 0);
    EXPECT_STREQ(contents(fs, "/pax/p/q/r"), "pax");
    EXPECT_EQ(type_of(fs, "/pax-short"), 0);

    // Files borrow the archive's bytes: no copy until written, and writing leaves the archive alone.
    struct ramfs_node *n;
    const void *data;
    size_t size;
    void *copy;
    ASSERT_EQ(ramfs_lookup(fs, "/etc/motd", 9, &n), 0);
    EXPECT_EQ(ramfs_contents(n, &data, &size, &copy), 0);
    EXPECT_TRUE((const uint8_t *)data > img && (const uint8_t *)data < img + img_len && copy == NULL);
    EXPECT_EQ(ramfs_write(fs, n, 0, "J", 1), 1);
    EXPECT_STREQ(contents(fs, "/etc/motd"), "Jello");
    EXPECT_TRUE(memcmp(data, "hello", 5) == 0);
    struct ramfs_stat st;
    ramfs_stat(n, &st);
    EXPECT_EQ(st.mode, 0644);
    ramfs_destroy(fs);
    EXPECT_EQ(live_allocs, 0);
}

TEST(unusable_entries_are_reported_and_skipped)
{
    size_t added;
    img_len = 0;
    file("a", "file a");
    add("link", '2', NULL, 0);
    add("hard", '1', NULL, 0);
    add("fifo", '6', NULL, 0);
    file("a/b", "below a file");                 // a is not a directory
    add("a", '5', NULL, 0);                      // a directory where a file is
    add("PaxHeaders/x", 'x', "9 path=\n\n", 10); // malformed pax: the next entry goes
    file("victim", "v");
    size_t bad_at = img_len;
    add("PaxHeaders/y", 'x', "12 path=p/q\n", 12);
    file("survivor", "s");
    size_t last = img_len;
    file("broken", "checksum");
    img[last] ^= 1;
    file("never", "read");
    end();

    struct ramfs *fs = load(&added);
    EXPECT_EQ(added, 2);
    EXPECT_STREQ(contents(fs, "/a"), "file a");
    EXPECT_STREQ(contents(fs, "/p/q"), "s");
    EXPECT_EQ(type_of(fs, "/victim"), 0);
    EXPECT_EQ(type_of(fs, "/never"), 0);
    EXPECT_EQ(nreports, 7);
    char want[1024];
    snprintf(want, sizeof(want),
             "1024 link: links are not supported\n1536 hard: links are not supported\n2048 fifo: not a file or "
             "directory\n2560 a/b: a file is in the way of a directory above it\n3584 a: a file of that name "
             "exists\n4096 -: malformed pax record\n%zu -: bad header checksum\n",
             last);
    EXPECT_STREQ(reports, want);
    (void)bad_at;
    ramfs_destroy(fs);
    EXPECT_EQ(live_allocs, 0);
}

TEST(out_of_memory_while_loading)
{
    img_len = 0;
    file("d/e/f", "x");
    file("g", "y");
    end();
    for (long k = 0; k < 12; k++) {
        size_t added;
        struct ramfs *fs = ramfs_new(NULL);
        reports[0] = 0;
        nreports = 0;
        allocs_left = k;
        added = ramfs_load_tar(fs, img, img_len, report);
        allocs_left = -1;
        EXPECT_EQ(added + (size_t)nreports, 2); // each entry either added or reported
        if (nreports)
            EXPECT_TRUE(strstr(reports, "out of memory") != NULL);
        ramfs_destroy(fs);
    }
    EXPECT_EQ(live_allocs, 0);
}

static uint64_t rng_state = 0x1417d5eedull;

static uint32_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

// Every file of the tree: its bytes are readable and, until written, lie inside the archive.
static size_t check_tree(struct ramfs_node *d, const uint8_t *lo, const uint8_t *hi)
{
    const char *name;
    size_t len;
    struct ramfs_node *c;
    size_t files = 0;
    for (size_t i = 0; ramfs_readdir(d, i, &name, &len, &c) == 0; i++) {
        EXPECT_TRUE(len >= 1 && len <= RAMFS_NAME_MAX && memchr(name, '/', len) == NULL);
        if (ramfs_type(c) == RAMFS_DIR) {
            files += check_tree(c, lo, hi);
            continue;
        }
        const void *data;
        size_t size;
        void *copy;
        EXPECT_EQ(ramfs_contents(c, &data, &size, &copy), 0);
        EXPECT_TRUE(copy == NULL &&
                    (size == 0 || ((const uint8_t *)data >= lo && size <= (size_t)(hi - (const uint8_t *)data))));
        files++;
    }
    return files;
}

TEST(mutated_archives_load_safely)
{
    img_len = 0;
    add("bin/", '5', NULL, 0);
    file("bin/init", "init");
    add("././@LongLink", 'L', "x/y/z/long-name", 16);
    file("x", "long");
    add("PaxHeaders/x", 'x', "14 path=pax/q\n", 14);
    file("short", "pax");
    file("etc/motd", "motd");
    end();
    static uint8_t orig[sizeof(img)];
    size_t orig_len = img_len;
    memcpy(orig, img, img_len);
    size_t total = 0;
    for (int r = 0; r < 5000; r++) {
        memcpy(img, orig, orig_len);
        img_len = orig_len;
        for (int k = 0; k < 4; k++) {
            size_t at = rng() % img_len;
            img[at] = (uint8_t)(rng() % 3 ? "/.\0 05xL="[rng() % 9] : rng());
        }
        if (rng() % 3 == 0) { // re-checksum a random header so damage gets past the checksum
            size_t h = (rng() % (img_len / BLK)) * BLK;
            unsigned sum = 0;
            memset(img + h + 148, ' ', 8);
            for (int i = 0; i < BLK; i++)
                sum += img[h + i];
            char tmp[8];
            snprintf(tmp, sizeof(tmp), "%06o", sum);
            memcpy(img + h + 148, tmp, 7);
        }
        size_t added;
        struct ramfs *fs = load(&added);
        struct ramfs_node *root;
        ASSERT_EQ(ramfs_lookup(fs, "/", 1, &root), 0);
        total += check_tree(root, img, img + img_len);
        ramfs_destroy(fs);
    }
    printf("mutated_archives_load_safely: %zu files loaded\n", total);
    EXPECT_TRUE(total > 5000);
    EXPECT_EQ(live_allocs, 0);
}
