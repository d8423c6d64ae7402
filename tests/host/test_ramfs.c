// sources: kernel/fs/ramfs.c
// The RAM file system core on host memory: kmalloc is the C library's (so ASan sees every chunk exactly) with an
// injectable failure. Path resolution ("//", ".", "..", trailing "/", length limits, files in the middle), every
// operation and every error it names, files that live on after unlink while referenced, borrowed initrd bytes that
// are copied on the first change and never written, chunk boundaries, holes and truncation against a byte model,
// allocation failure at every point leaving the tree exactly as it was, and a seeded random sequence against a
// model.
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wren/abi.h>

#include "fs/ramfs.h"
#include "unit.h"

#include "kmalloc_libc.h"

static uint64_t clock_ns = 1000;

static uint64_t fake_now(void)
{
    return clock_ns;
}

#define S(lit) (lit), (sizeof(lit) - 1)

static struct ramfs_node *look(struct ramfs *fs, const char *path)
{
    struct ramfs_node *n = NULL;
    return ramfs_lookup(fs, path, strlen(path), &n) == 0 ? n : NULL;
}

static int lookup_err(struct ramfs *fs, const char *path)
{
    struct ramfs_node *n;
    return ramfs_lookup(fs, path, strlen(path), &n);
}

static struct ramfs_node *mkfile(struct ramfs *fs, const char *path, const char *text)
{
    struct ramfs_node *n = NULL;
    if (!EXPECT_EQ(ramfs_create(fs, path, strlen(path), 0644, true, &n), 0))
        return NULL;
    if (text && *text)
        EXPECT_EQ(ramfs_write(fs, n, 0, text, strlen(text)), strlen(text));
    return n;
}

static int mkdir_(struct ramfs *fs, const char *path)
{
    return ramfs_mkdir(fs, path, strlen(path), 0755);
}

// The whole file as a string (static buffer).
static const char *text_of(struct ramfs_node *n)
{
    static char buf[8192];
    long r = ramfs_read(n, 0, buf, sizeof(buf) - 1);
    buf[r > 0 ? r : 0] = 0;
    return buf;
}

// A canonical listing of the tree: "path type size id mtime;" for every node, depth first in directory order.
static void describe(struct ramfs_node *n, char *path, size_t plen, char *out, size_t cap)
{
    struct ramfs_stat st;
    ramfs_stat(n, &st);
    size_t used = strlen(out);
    snprintf(out + used, cap - used, "%.*s %d %llu %llu %llu [%s];", (int)plen, path, st.type,
             (unsigned long long)st.size, (unsigned long long)st.id, (unsigned long long)st.mtime_ns,
             st.type == RAMFS_FILE ? text_of(n) : "");
    const char *name;
    size_t len;
    struct ramfs_node *c;
    for (size_t i = 0; ramfs_readdir(n, i, &name, &len, &c) == 0; i++) {
        path[plen] = '/';
        memcpy(path + plen + 1, name, len);
        describe(c, path, plen + 1 + len, out, cap);
    }
}

static char *snapshot(struct ramfs *fs)
{
    static char path[8192];
    char *out = calloc(1, 1 << 16);
    describe(look(fs, "/"), path, 0, out, 1 << 16);
    return out;
}

// --- paths ---

TEST(root_and_dots)
{
    struct ramfs *fs = ramfs_new(fake_now);
    struct ramfs_node *root = look(fs, "/");
    ASSERT_TRUE(root != NULL);
    EXPECT_TRUE(look(fs, "//") == root);
    EXPECT_TRUE(look(fs, "/.") == root);
    EXPECT_TRUE(look(fs, "/..") == root);
    EXPECT_TRUE(look(fs, "/./.././/..") == root);
    EXPECT_EQ(ramfs_type(root), RAMFS_DIR);

    struct ramfs_node *a = mkfile(fs, "/a", "A");
    EXPECT_EQ(mkdir_(fs, "/d"), 0);
    struct ramfs_node *d = look(fs, "/d");
    EXPECT_TRUE(look(fs, "//a") == a);
    EXPECT_TRUE(look(fs, "/./a") == a);
    EXPECT_TRUE(look(fs, "/d/../a") == a);
    EXPECT_TRUE(look(fs, "/d/./..//d/../../a") == a);
    EXPECT_TRUE(look(fs, "/d/") == d);
    EXPECT_TRUE(look(fs, "/d/.") == d);
    EXPECT_TRUE(look(fs, "/d//") == d);

    EXPECT_EQ(lookup_err(fs, "/a/"), -E_NOTDIR); // a file named as a directory
    EXPECT_EQ(lookup_err(fs, "/a/."), -E_NOTDIR);
    EXPECT_EQ(lookup_err(fs, "/a/x"), -E_NOTDIR);
    EXPECT_EQ(lookup_err(fs, "/a/.."), -E_NOTDIR); // ".." does not undo a file in the middle
    EXPECT_EQ(lookup_err(fs, "/x/../a"), -E_NOENT);
    EXPECT_EQ(lookup_err(fs, "/x"), -E_NOENT);
    EXPECT_EQ(lookup_err(fs, "/d/x"), -E_NOENT);
    EXPECT_EQ(lookup_err(fs, "a"), -E_INVAL); // relative
    EXPECT_EQ(lookup_err(fs, ""), -E_NOENT);
    struct ramfs_node *n;
    EXPECT_EQ(ramfs_lookup(fs, S("/a\0b"), &n), -E_INVAL);
    EXPECT_EQ(ramfs_lookup(fs, "/ab", 2, &n), 0); // the length, not a NUL, ends the path
    EXPECT_TRUE(n == a);
    ramfs_destroy(fs);
    EXPECT_EQ(live_allocs, 0);
}

TEST(name_and_path_limits)
{
    struct ramfs *fs = ramfs_new(fake_now);
    static char p[RAMFS_PATH_MAX + 8];

    p[0] = '/';
    memset(p + 1, 'n', 256);
    EXPECT_EQ(ramfs_mkdir(fs, p, 256, 0755), 0);              // a 255-byte name
    EXPECT_EQ(ramfs_mkdir(fs, p, 257, 0755), -E_NAMETOOLONG); // 256
    p[256] = '/';
    EXPECT_EQ(ramfs_lookup(fs, p, 257, &(struct ramfs_node *){0}), 0);
    // "//////...": long but every component is fine, up to the limit.
    memset(p, '/', sizeof(p));
    EXPECT_EQ(ramfs_lookup(fs, p, RAMFS_PATH_MAX, &(struct ramfs_node *){0}), 0);
    EXPECT_EQ(ramfs_lookup(fs, p, RAMFS_PATH_MAX + 1, &(struct ramfs_node *){0}), -E_NAMETOOLONG);
    // Deep: /x/x/x... to exactly 4096 bytes, each level created.
    size_t len = 0;
    int depth = 0;
    while (len + 2 <= RAMFS_PATH_MAX) {
        p[len] = '/';
        p[len + 1] = 'x';
        len += 2;
        if (!EXPECT_EQ(ramfs_mkdir(fs, p, len, 0755), 0))
            break;
        depth++;
    }
    EXPECT_EQ(depth, RAMFS_PATH_MAX / 2);
    p[len] = '/';
    p[len + 1] = 'y';
    EXPECT_EQ(ramfs_mkdir(fs, p, len + 2, 0755), -E_NAMETOOLONG);
    ramfs_destroy(fs); // 2048 levels: must not recurse
    EXPECT_EQ(live_allocs, 0);
}

// --- create, mkdir, rmdir, unlink ---

TEST(create_and_mkdir)
{
    struct ramfs *fs = ramfs_new(fake_now);
    struct ramfs_node *n;
    struct ramfs_stat st;

    clock_ns = 5000;
    EXPECT_EQ(ramfs_create(fs, S("/f"), 0100644, false, &n), 0);
    ramfs_stat(n, &st);
    EXPECT_EQ(st.type, RAMFS_FILE);
    EXPECT_EQ(st.mode, 0644); // permission bits only
    EXPECT_EQ(st.size, 0);
    EXPECT_EQ(st.mtime_ns, 5000);
    uint64_t id = st.id;
    struct ramfs_node *again;
    EXPECT_EQ(ramfs_create(fs, S("/f"), 0600, false, &again), 0); // opens the existing one
    EXPECT_TRUE(again == n);
    EXPECT_EQ(ramfs_create(fs, S("/f"), 0600, true, &again), -E_EXIST);
    EXPECT_EQ(ramfs_create(fs, S("/f/"), 0600, false, &again), -E_NOTDIR);
    EXPECT_EQ(ramfs_create(fs, S("/g/"), 0600, false, &again), -E_ISDIR);
    EXPECT_EQ(ramfs_create(fs, S("/"), 0600, false, &again), -E_ISDIR);
    EXPECT_EQ(ramfs_create(fs, S("/no/f"), 0600, false, &again), -E_NOENT);
    EXPECT_EQ(ramfs_create(fs, S("/f/g"), 0600, false, &again), -E_NOTDIR);

    clock_ns = 6000;
    EXPECT_EQ(mkdir_(fs, "/d"), 0);
    EXPECT_EQ(mkdir_(fs, "/d"), -E_EXIST);
    EXPECT_EQ(mkdir_(fs, "/f"), -E_EXIST);
    EXPECT_EQ(mkdir_(fs, "/"), -E_EXIST);
    EXPECT_EQ(mkdir_(fs, "/d/e/"), 0); // a trailing slash is fine for a directory
    EXPECT_EQ(mkdir_(fs, "/d/x/y"), -E_NOENT);
    EXPECT_EQ(ramfs_create(fs, S("/d"), 0600, false, &again), -E_ISDIR);
    EXPECT_EQ(ramfs_create(fs, S("/d"), 0600, true, &again), -E_EXIST);
    ramfs_stat(look(fs, "/d"), &st);
    EXPECT_EQ(st.type, RAMFS_DIR);
    EXPECT_EQ(st.size, 1); // one entry
    EXPECT_EQ(st.mode, 0755);
    EXPECT_TRUE(st.id != id);
    ramfs_stat(look(fs, "/"), &st);
    EXPECT_EQ(st.mtime_ns, 6000); // the root changed when /d was made
    EXPECT_EQ(st.size, 2);
    ramfs_destroy(fs);
    EXPECT_EQ(live_allocs, 0);
}

TEST(rmdir_and_unlink)
{
    struct ramfs *fs = ramfs_new(fake_now);
    mkfile(fs, "/f", "x");
    EXPECT_EQ(mkdir_(fs, "/d"), 0);
    EXPECT_EQ(mkdir_(fs, "/d/e"), 0);

    EXPECT_EQ(ramfs_rmdir(fs, S("/d")), -E_NOTEMPTY);
    EXPECT_EQ(ramfs_rmdir(fs, S("/f")), -E_NOTDIR);
    EXPECT_EQ(ramfs_rmdir(fs, S("/x")), -E_NOENT);
    EXPECT_EQ(ramfs_rmdir(fs, S("/")), -E_BUSY);
    EXPECT_EQ(ramfs_rmdir(fs, S("/d/e/.")), -E_INVAL);
    EXPECT_EQ(ramfs_rmdir(fs, S("/d/e/..")), -E_INVAL);
    EXPECT_EQ(ramfs_rmdir(fs, S("/d/e/")), 0);
    EXPECT_EQ(lookup_err(fs, "/d/e"), -E_NOENT);
    EXPECT_EQ(ramfs_rmdir(fs, S("/d")), 0);

    EXPECT_EQ(ramfs_unlink(fs, S("/x")), -E_NOENT);
    EXPECT_EQ(mkdir_(fs, "/d"), 0);
    EXPECT_EQ(ramfs_unlink(fs, S("/d")), -E_ISDIR);
    EXPECT_EQ(ramfs_unlink(fs, S("/")), -E_ISDIR);
    EXPECT_EQ(ramfs_unlink(fs, S("/f/")), -E_NOTDIR);
    EXPECT_EQ(ramfs_unlink(fs, S("/f")), 0);
    EXPECT_EQ(lookup_err(fs, "/f"), -E_NOENT);
    EXPECT_EQ(ramfs_live_nodes(fs), 2);
    ramfs_destroy(fs);
    EXPECT_EQ(live_allocs, 0);
}

TEST(unlinked_file_lives_while_referenced)
{
    struct ramfs *fs = ramfs_new(fake_now);
    struct ramfs_node *f = mkfile(fs, "/f", "still here");
    ramfs_get(f);
    EXPECT_EQ(ramfs_unlink(fs, S("/f")), 0);
    EXPECT_EQ(ramfs_live_nodes(fs), 2);
    EXPECT_STREQ(text_of(f), "still here");
    EXPECT_EQ(ramfs_write(fs, f, 0, "S", 1), 1);
    EXPECT_STREQ(text_of(f), "Still here");
    struct ramfs_node *g = mkfile(fs, "/f", "new"); // the name is free again
    EXPECT_TRUE(g != f);
    ramfs_put(fs, f);
    EXPECT_EQ(ramfs_live_nodes(fs), 2);
    EXPECT_STREQ(text_of(look(fs, "/f")), "new");
    ramfs_destroy(fs);
    EXPECT_EQ(live_allocs, 0);
}

TEST(readdir_in_creation_order)
{
    struct ramfs *fs = ramfs_new(fake_now);
    const char *name;
    size_t len;
    struct ramfs_node *c;
    struct ramfs_node *root = look(fs, "/");

    EXPECT_EQ(ramfs_readdir(root, 0, &name, &len, &c), -E_NOENT);
    for (int i = 0; i < 20; i++) {
        char p[16];
        snprintf(p, sizeof(p), "/n%02d", i);
        if (i % 3)
            mkfile(fs, p, "");
        else
            mkdir_(fs, p);
    }
    EXPECT_EQ(ramfs_unlink(fs, S("/n05")), 0);
    for (size_t i = 0; i < 19; i++) {
        char want[8];
        snprintf(want, sizeof(want), "n%02zu", i < 5 ? i : i + 1);
        ASSERT_EQ(ramfs_readdir(root, i, &name, &len, &c), 0);
        EXPECT_EQ(len, 3);
        EXPECT_TRUE(memcmp(name, want, 3) == 0);
        EXPECT_EQ(ramfs_type(c), (i < 5 ? i : i + 1) % 3 ? RAMFS_FILE : RAMFS_DIR);
    }
    EXPECT_EQ(ramfs_readdir(root, 19, &name, &len, &c), -E_NOENT);
    EXPECT_EQ(ramfs_readdir(look(fs, "/n01"), 0, &name, &len, &c), -E_NOTDIR);
    ramfs_destroy(fs);
    EXPECT_EQ(live_allocs, 0);
}

// --- rename ---

TEST(rename_files_and_directories)
{
    struct ramfs *fs = ramfs_new(fake_now);
    struct ramfs_node *a = mkfile(fs, "/a", "A");
    mkfile(fs, "/b", "B");
    mkdir_(fs, "/d");
    mkdir_(fs, "/d/sub");
    mkfile(fs, "/d/sub/x", "X");
    mkdir_(fs, "/empty");
    mkdir_(fs, "/full");
    mkfile(fs, "/full/y", "Y");

    EXPECT_EQ(ramfs_rename(fs, S("/a"), S("/a2")), 0); // same directory
    EXPECT_TRUE(look(fs, "/a2") == a);
    EXPECT_EQ(lookup_err(fs, "/a"), -E_NOENT);
    EXPECT_EQ(ramfs_rename(fs, S("/a2"), S("/d/a3")), 0); // another directory
    EXPECT_TRUE(look(fs, "/d/a3") == a);
    EXPECT_EQ(ramfs_rename(fs, S("/d/a3"), S("/d/a3")), 0); // onto itself: nothing happens
    EXPECT_EQ(ramfs_rename(fs, S("/d/a3"), S("/d/../d/a3")), 0);
    EXPECT_TRUE(look(fs, "/d/a3") == a);

    // A file replaces a file; a reference to the replaced one keeps it alive.
    struct ramfs_node *b = look(fs, "/b");
    ramfs_get(b);
    EXPECT_EQ(ramfs_rename(fs, S("/d/a3"), S("/b")), 0);
    EXPECT_STREQ(text_of(look(fs, "/b")), "A");
    EXPECT_STREQ(text_of(b), "B");
    ramfs_put(fs, b);

    EXPECT_EQ(ramfs_rename(fs, S("/b"), S("/empty")), -E_ISDIR);
    EXPECT_EQ(ramfs_rename(fs, S("/d"), S("/b")), -E_NOTDIR);
    EXPECT_EQ(ramfs_rename(fs, S("/d"), S("/full")), -E_NOTEMPTY);
    EXPECT_EQ(ramfs_rename(fs, S("/d"), S("/d/sub/d")), -E_INVAL); // into itself
    EXPECT_EQ(ramfs_rename(fs, S("/d"), S("/d/d")), -E_INVAL);
    EXPECT_EQ(ramfs_rename(fs, S("/"), S("/r")), -E_BUSY);
    EXPECT_EQ(ramfs_rename(fs, S("/d"), S("/")), -E_BUSY);
    EXPECT_EQ(ramfs_rename(fs, S("/d/."), S("/e")), -E_INVAL);
    EXPECT_EQ(ramfs_rename(fs, S("/d"), S("/empty/.")), -E_INVAL);
    EXPECT_EQ(ramfs_rename(fs, S("/nope"), S("/x")), -E_NOENT);
    EXPECT_EQ(ramfs_rename(fs, S("/b"), S("/nope/x")), -E_NOENT);
    EXPECT_EQ(ramfs_rename(fs, S("/b"), S("/b2/")), -E_NOTDIR);
    EXPECT_EQ(ramfs_rename(fs, S("/b/"), S("/b2")), -E_NOTDIR);
    EXPECT_EQ(ramfs_rename(fs, S("/b"), S("relative")), -E_INVAL);

    // A directory replaces an empty directory and takes its subtree along.
    EXPECT_EQ(ramfs_rename(fs, S("/d"), S("/empty")), 0);
    EXPECT_STREQ(text_of(look(fs, "/empty/sub/x")), "X");
    EXPECT_EQ(lookup_err(fs, "/d"), -E_NOENT);
    EXPECT_EQ(ramfs_rename(fs, S("/empty/sub"), S("/sub/")), 0); // trailing slash on a directory is fine
    EXPECT_STREQ(text_of(look(fs, "/sub/x")), "X");
    EXPECT_EQ(ramfs_rename(fs, S("/full/y"), S("/full/../y")), 0);
    EXPECT_EQ(ramfs_rmdir(fs, S("/full")), 0);
    ramfs_destroy(fs);
    EXPECT_EQ(live_allocs, 0);
}

// --- file data ---

#define MODEL_MAX (5 * RAMFS_CHUNK + 100)

TEST(read_write_across_chunks)
{
    struct ramfs *fs = ramfs_new(fake_now);
    struct ramfs_node *f = mkfile(fs, "/f", NULL);
    static uint8_t model[MODEL_MAX];
    static uint8_t buf[MODEL_MAX];
    static uint8_t data[MODEL_MAX];
    size_t size = 0;

    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7 + 1);
    // Writes at offsets chosen around chunk boundaries, some leaving holes.
    static const size_t offs[][2] = {
        {0, 10},
        {RAMFS_CHUNK - 3, 6},
        {3 * RAMFS_CHUNK + 5, 20}, // a hole over chunks 1 and 2
        {2 * RAMFS_CHUNK, RAMFS_CHUNK},
        {100, 2 * RAMFS_CHUNK},
        {5 * RAMFS_CHUNK + 99, 1},
    };
    for (size_t k = 0; k < sizeof(offs) / sizeof(offs[0]); k++) {
        clock_ns = 100 + k;
        EXPECT_EQ(ramfs_write(fs, f, offs[k][0], data + k, offs[k][1]), offs[k][1]);
        memcpy(model + offs[k][0], data + k, offs[k][1]);
        if (offs[k][0] + offs[k][1] > size)
            size = offs[k][0] + offs[k][1];
        struct ramfs_stat st;
        ramfs_stat(f, &st);
        EXPECT_EQ(st.size, size);
        EXPECT_EQ(st.mtime_ns, clock_ns);
        memset(buf, 0xee, sizeof(buf));
        EXPECT_EQ(ramfs_read(f, 0, buf, sizeof(buf)), size);
        EXPECT_TRUE(memcmp(buf, model, size) == 0);
    }
    // Reads of every length at an awkward offset, and past the end.
    for (size_t n = 0; n < 3 * RAMFS_CHUNK; n += 97) {
        memset(buf, 0xee, n + 1);
        long want = (long)(n < size - 777 ? n : size - 777);
        EXPECT_EQ(ramfs_read(f, 777, buf, n), want);
        EXPECT_TRUE(memcmp(buf, model + 777, (size_t)want) == 0);
        EXPECT_EQ(buf[want], 0xee);
    }
    EXPECT_EQ(ramfs_read(f, size, buf, 10), 0);
    EXPECT_EQ(ramfs_read(f, UINT64_MAX, buf, 10), 0);
    EXPECT_EQ(ramfs_write(fs, f, 0, buf, 0), 0);
    EXPECT_EQ(ramfs_write(fs, f, RAMFS_FILE_MAX, "x", 1), -E_NOSPC);
    EXPECT_EQ(ramfs_write(fs, f, UINT64_MAX, "x", 1), -E_NOSPC);
    EXPECT_EQ(ramfs_write(fs, f, RAMFS_FILE_MAX - 1, "x", 1), 1); // a far hole costs nothing
    EXPECT_EQ(ramfs_read(f, RAMFS_FILE_MAX - 2, buf, 10), 2);
    EXPECT_EQ(buf[0], 0);
    EXPECT_EQ(buf[1], 'x');
    EXPECT_EQ(ramfs_read(look(fs, "/"), 0, buf, 1), -E_ISDIR);
    EXPECT_EQ(ramfs_write(fs, look(fs, "/"), 0, buf, 1), -E_ISDIR);
    EXPECT_EQ(ramfs_truncate(fs, look(fs, "/"), 0), -E_ISDIR);
    ramfs_destroy(fs);
    EXPECT_EQ(live_allocs, 0);
}

TEST(truncate_shrinks_and_grows_with_zeros)
{
    struct ramfs *fs = ramfs_new(fake_now);
    struct ramfs_node *f = mkfile(fs, "/f", NULL);
    static uint8_t buf[3 * RAMFS_CHUNK];
    memset(buf, 'q', sizeof(buf));
    EXPECT_EQ(ramfs_write(fs, f, 0, buf, sizeof(buf)), sizeof(buf));
    long before = live_allocs;

    clock_ns = 777;
    EXPECT_EQ(ramfs_truncate(fs, f, RAMFS_CHUNK + 10), 0);
    EXPECT_EQ(live_allocs, before - 1); // the third chunk is freed
    struct ramfs_stat st;
    ramfs_stat(f, &st);
    EXPECT_EQ(st.size, RAMFS_CHUNK + 10);
    EXPECT_EQ(st.mtime_ns, 777);
    EXPECT_EQ(ramfs_truncate(fs, f, 2 * RAMFS_CHUNK + 50), 0);
    memset(buf, 0xee, sizeof(buf));
    EXPECT_EQ(ramfs_read(f, 0, buf, sizeof(buf)), 2 * RAMFS_CHUNK + 50);
    for (size_t i = 0; i < 2 * RAMFS_CHUNK + 50; i++) {
        if (!EXPECT_EQ(buf[i], i < RAMFS_CHUNK + 10 ? 'q' : 0)) {
            fprintf(stderr, "    at %zu\n", i);
            break;
        }
    }
    EXPECT_EQ(ramfs_truncate(fs, f, 0), 0);
    EXPECT_EQ(ramfs_read(f, 0, buf, 10), 0);
    EXPECT_EQ(ramfs_truncate(fs, f, 5), 0);
    EXPECT_EQ(ramfs_read(f, 0, buf, 10), 5);
    EXPECT_TRUE(memcmp(buf, "\0\0\0\0\0", 5) == 0);
    EXPECT_EQ(ramfs_truncate(fs, f, RAMFS_FILE_MAX + 1), -E_NOSPC);
    EXPECT_EQ(ramfs_truncate(fs, f, RAMFS_FILE_MAX), 0);
    ramfs_destroy(fs);
    EXPECT_EQ(live_allocs, 0);
}

TEST(borrowed_bytes_are_copied_on_change)
{
    struct ramfs *fs = ramfs_new(fake_now);
    static uint8_t image[2 * RAMFS_CHUNK + 3];
    static uint8_t orig[sizeof(image)];
    static uint8_t buf[sizeof(image) + 10];
    for (size_t i = 0; i < sizeof(image); i++)
        image[i] = (uint8_t)(i ^ (i >> 8));
    memcpy(orig, image, sizeof(image));

    EXPECT_EQ(ramfs_create_borrowed(fs, S("/prog"), 0755, image, sizeof(image)), 0);
    EXPECT_EQ(ramfs_create_borrowed(fs, S("/prog"), 0755, image, 1), -E_EXIST);
    EXPECT_EQ(ramfs_create_borrowed(fs, S("/nodir/prog"), 0755, image, 1), -E_NOENT);
    struct ramfs_node *f = look(fs, "/prog");
    long allocs = live_allocs;
    const void *data;
    size_t size;
    void *copy;
    EXPECT_EQ(ramfs_contents(f, &data, &size, &copy), 0);
    EXPECT_TRUE(data == image && copy == NULL && size == sizeof(image)); // no copy at all
    EXPECT_EQ(ramfs_read(f, 1, buf, sizeof(buf)), sizeof(image) - 1);
    EXPECT_TRUE(memcmp(buf, image + 1, sizeof(image) - 1) == 0);

    EXPECT_EQ(ramfs_truncate(fs, f, sizeof(image) - 1), 0); // shrinking still borrows
    EXPECT_EQ(live_allocs, allocs);
    EXPECT_EQ(ramfs_contents(f, &data, &size, &copy), 0);
    EXPECT_TRUE(data == image && size == sizeof(image) - 1);

    EXPECT_EQ(ramfs_write(fs, f, RAMFS_CHUNK, "ZZ", 2), 2); // now it has its own copy
    EXPECT_TRUE(memcmp(image, orig, sizeof(image)) == 0);   // and the initrd is untouched
    EXPECT_EQ(ramfs_read(f, 0, buf, sizeof(buf)), sizeof(image) - 1);
    EXPECT_TRUE(memcmp(buf, orig, RAMFS_CHUNK) == 0);
    EXPECT_TRUE(memcmp(buf + RAMFS_CHUNK, "ZZ", 2) == 0);
    EXPECT_TRUE(memcmp(buf + RAMFS_CHUNK + 2, orig + RAMFS_CHUNK + 2, sizeof(image) - 3 - RAMFS_CHUNK) == 0);
    EXPECT_EQ(ramfs_contents(f, &data, &size, &copy), 0); // three chunks: a copy
    EXPECT_TRUE(copy != NULL && data == copy && size == sizeof(image) - 1);
    EXPECT_TRUE(memcmp(data, buf, size) == 0);
    kfree(copy);

    // Growing a borrowed file copies it too, and the new bytes are zeros.
    EXPECT_EQ(ramfs_create_borrowed(fs, S("/small"), 0644, "abc", 3), 0);
    struct ramfs_node *s = look(fs, "/small");
    EXPECT_EQ(ramfs_truncate(fs, s, 6), 0);
    EXPECT_EQ(ramfs_read(s, 0, buf, 10), 6);
    EXPECT_TRUE(memcmp(buf, "abc\0\0\0", 6) == 0);
    EXPECT_EQ(ramfs_contents(s, &data, &size, &copy), 0); // one chunk: no copy
    EXPECT_TRUE(copy == NULL && size == 6 && memcmp(data, "abc\0\0\0", 6) == 0);
    EXPECT_EQ(ramfs_contents(look(fs, "/"), &data, &size, &copy), -E_ISDIR);
    EXPECT_EQ(ramfs_create_borrowed(fs, S("/empty"), 0644, "", 0), 0);
    EXPECT_EQ(ramfs_contents(look(fs, "/empty"), &data, &size, &copy), 0);
    EXPECT_EQ(size, 0);
    ramfs_destroy(fs);
    EXPECT_EQ(live_allocs, 0);
}

// --- out of memory ---

// Runs op with allocation failing after k successes for k = 0, 1, ... until it succeeds: every failure must return
// -E_NOMEM (or, for a write, a short count) and leave the tree's description unchanged.
static void all_or_nothing(const char *what, int (*op)(struct ramfs *fs))
{
    for (long k = 0; k < 100; k++) {
        struct ramfs *fs = ramfs_new(fake_now);
        static uint8_t big[3 * RAMFS_CHUNK];
        memset(big, 'b', sizeof(big));
        mkdir_(fs, "/d");
        mkfile(fs, "/d/f", "file");
        for (int i = 0; i < 14; i++) { // the root then holds 16 entries, its array full: the next one must grow it
            char p[8];
            snprintf(p, sizeof(p), "/e%d", i);
            mkfile(fs, p, "");
        }
        ramfs_create_borrowed(fs, S("/rd"), 0644, big, sizeof(big));
        char *before = snapshot(fs);
        allocs_left = k;
        int r = op(fs);
        allocs_left = -1;
        char *after = snapshot(fs);
        if (r == 0) {
            EXPECT_TRUE(k > 0 || strcmp(what, "none") == 0);
            free(before);
            free(after);
            ramfs_destroy(fs);
            EXPECT_EQ(live_allocs, 0);
            return;
        }
        if (!EXPECT_EQ(r, -E_NOMEM) || !EXPECT_STREQ(after, before))
            fprintf(stderr, "    %s with %ld allocations\n", what, k);
        free(before);
        free(after);
        ramfs_destroy(fs);
        EXPECT_EQ(live_allocs, 0);
    }
    EXPECT_TRUE(0 && "never succeeded");
}

static int op_create(struct ramfs *fs)
{
    struct ramfs_node *n;
    return ramfs_create(fs, S("/new"), 0644, true, &n);
}

static int op_mkdir(struct ramfs *fs)
{
    return ramfs_mkdir(fs, S("/d/new"), 0755);
}

static int op_rename(struct ramfs *fs)
{
    return ramfs_rename(fs, S("/d/f"), S("/new"));
}

static int op_write_borrowed(struct ramfs *fs)
{
    long r = ramfs_write(fs, look(fs, "/rd"), 5, "w", 1);
    return r == 1 ? 0 : (int)r;
}

static int op_grow_borrowed(struct ramfs *fs)
{
    return ramfs_truncate(fs, look(fs, "/rd"), 4 * RAMFS_CHUNK);
}

static int op_write_far(struct ramfs *fs)
{
    long r = ramfs_write(fs, look(fs, "/d/f"), 40 * RAMFS_CHUNK, "w", 1);
    return r == 1 ? 0 : (int)r;
}

TEST(out_of_memory_changes_nothing)
{
    all_or_nothing("create", op_create);
    all_or_nothing("mkdir", op_mkdir);
    all_or_nothing("rename", op_rename);
    all_or_nothing("write to borrowed", op_write_borrowed);
    all_or_nothing("grow borrowed", op_grow_borrowed);
    all_or_nothing("write far", op_write_far);
    allocs_left = 1;
    EXPECT_TRUE(ramfs_new(fake_now) == NULL); // the root cannot be made
    allocs_left = -1;
    EXPECT_EQ(live_allocs, 0);
}

TEST(short_write_when_memory_runs_out)
{
    struct ramfs *fs = ramfs_new(fake_now);
    struct ramfs_node *f = mkfile(fs, "/f", NULL);
    static uint8_t buf[3 * RAMFS_CHUNK];
    memset(buf, 'w', sizeof(buf));
    allocs_left = 2; // the slot array and one chunk
    EXPECT_EQ(ramfs_write(fs, f, 10, buf, sizeof(buf)), RAMFS_CHUNK - 10);
    allocs_left = 0;
    EXPECT_EQ(ramfs_write(fs, f, RAMFS_CHUNK, buf, 1), -E_NOMEM);
    allocs_left = -1;
    struct ramfs_stat st;
    ramfs_stat(f, &st);
    EXPECT_EQ(st.size, RAMFS_CHUNK);
    ramfs_destroy(fs);
    EXPECT_EQ(live_allocs, 0);
}

// --- a seeded random sequence against a model ---

static uint64_t rng_state = 0x5eed0f5a11ull;

static uint32_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

// The model: up to 6 files under names "/f0".."/f5" or "/d/f0".."/d/f5" with their bytes.
#define NF   6
#define FMAX (3 * RAMFS_CHUNK)

struct mfile {
    bool exists;
    size_t size;
    uint8_t bytes[FMAX];
};

static struct mfile model_files[2][NF];

TEST(random_operations_against_a_model)
{
    struct ramfs *fs = ramfs_new(fake_now);
    static uint8_t buf[FMAX + 16];
    static uint8_t src[FMAX];
    int ops = 0;

    mkdir_(fs, "/d");
    for (int r = 0; r < 30000; r++) {
        int dir = (int)(rng() % 2);
        int i = (int)(rng() % NF);
        char path[16];
        snprintf(path, sizeof(path), "%s/f%d", dir ? "/d" : "", i);
        struct mfile *m = &model_files[dir][i];
        struct ramfs_node *n = look(fs, path);
        if (!EXPECT_EQ(n != NULL, m->exists))
            break;
        switch (rng() % 6) {
        case 0: { // create
            struct ramfs_node *c;
            EXPECT_EQ(ramfs_create(fs, path, strlen(path), 0644, true, &c), m->exists ? -E_EXIST : 0);
            if (!m->exists) {
                m->exists = true;
                m->size = 0;
            }
            break;
        }
        case 1: // unlink
            EXPECT_EQ(ramfs_unlink(fs, path, strlen(path)), m->exists ? 0 : -E_NOENT);
            m->exists = false;
            break;
        case 2: // write
        case 3: {
            if (!m->exists)
                break;
            size_t off = rng() % FMAX;
            size_t len = rng() % (FMAX - off + 1);
            for (size_t k = 0; k < len; k++)
                src[k] = (uint8_t)rng();
            EXPECT_EQ(ramfs_write(fs, n, off, src, len), len);
            if (len) {
                if (off > m->size)
                    memset(m->bytes + m->size, 0, off - m->size);
                memcpy(m->bytes + off, src, len);
                if (off + len > m->size)
                    m->size = off + len;
            }
            break;
        }
        case 4: { // truncate
            if (!m->exists)
                break;
            size_t size = rng() % (FMAX + 1);
            EXPECT_EQ(ramfs_truncate(fs, n, size), 0);
            if (size > m->size)
                memset(m->bytes + m->size, 0, size - m->size);
            m->size = size;
            break;
        }
        default: { // rename to another slot
            int dir2 = (int)(rng() % 2);
            int j = (int)(rng() % NF);
            char to[16];
            snprintf(to, sizeof(to), "%s/f%d", dir2 ? "/d" : "", j);
            struct mfile *t = &model_files[dir2][j];
            EXPECT_EQ(ramfs_rename(fs, path, strlen(path), to, strlen(to)), m->exists ? 0 : -E_NOENT);
            if (m->exists && t != m) {
                memcpy(t, m, sizeof(*t));
                m->exists = false;
            }
            break;
        }
        }
        // Check one file in full.
        n = look(fs, path);
        if (m->exists && EXPECT_TRUE(n != NULL)) {
            memset(buf, 0xee, sizeof(buf));
            size_t off = rng() % (m->size + 1);
            if (!EXPECT_EQ(ramfs_read(n, off, buf, sizeof(buf)), m->size - off) ||
                !EXPECT_TRUE(memcmp(buf, m->bytes + off, m->size - off) == 0)) {
                fprintf(stderr, "    round %d\n", r);
                break;
            }
        }
        ops++;
    }
    printf("random_operations_against_a_model: %d operations\n", ops);
    ramfs_destroy(fs);
    EXPECT_EQ(live_allocs, 0);
}
