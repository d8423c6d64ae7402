// sources: kernel/lib/tar.c
// ustar lookup (tar_find) on archives built here, byte by byte, with a small ustar writer: paths with and without
// "/" and "./", prefix/name splits, empty and block-filling files, non-regular entries that must be skipped, broken
// checksums and sizes, truncation at every length, and a deterministic mutation loop with exact oracles. Then the
// walk (tar_next): every entry of the mixed archive with GNU long names and pax path/size records applied, long and
// too-long names, each kind of malformed pax record and extension header, damage that ends the walk, truncation at
// every length and a mutation loop. Every lookup and walk runs on an exact-size heap copy so ASan catches any read
// past the archive.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wren/abi.h>

#include "lib/tar.h"
#include "unit.h"

#define BLK 512

// --- a small ustar writer ---

struct tb_entry {
    size_t hdr;     // offset of the header block
    size_t data;    // offset of the first data byte
    size_t size;    // data bytes (the size field)
    char type;      // typeflag
    char path[300]; // "prefix/name" without any leading "./" or "/" (what a lookup should use)
};

struct tarb {
    uint8_t *buf;
    size_t len;
    size_t cap;
    int n;
    struct tb_entry e[40];
};

static uint8_t *tb_grow(struct tarb *t, size_t n)
{
    if (t->len + n > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + n)
            cap *= 2;
        t->buf = realloc(t->buf, cap);
        if (t->buf == NULL)
            abort();
        t->cap = cap;
    }
    uint8_t *p = t->buf + t->len;
    memset(p, 0, n);
    t->len += n;
    return p;
}

static void tb_free(struct tarb *t)
{
    free(t->buf);
    memset(t, 0, sizeof(*t));
}

// Unsigned sum of the block with the checksum field counted as eight spaces, written as six octal digits, NUL,
// space (what GNU tar and Python's tarfile write).
static void tb_checksum(uint8_t *h)
{
    unsigned sum = 0;
    char tmp[8];

    memset(h + 148, ' ', 8);
    for (int i = 0; i < BLK; i++)
        sum += h[i];
    snprintf(tmp, sizeof(tmp), "%06o", sum);
    memcpy(h + 148, tmp, 7); // six digits and the NUL
    h[155] = ' ';
}

// Copies at most `max` bytes of s: a string of exactly `max` characters is left without a terminating NUL.
static void put_str(uint8_t *field, const char *s, size_t max)
{
    size_t n = strlen(s);
    memcpy(field, s, n < max ? n : max);
}

static void put_octal(uint8_t *field, size_t width, unsigned long long v)
{
    char tmp[24];
    snprintf(tmp, sizeof(tmp), "%0*llo", (int)(width - 1), v);
    memcpy(field, tmp, width); // digits and NUL
}

static const char *strip_root(const char *s)
{
    for (;;) {
        if (s[0] == '/')
            s++;
        else if (s[0] == '.' && s[1] == '/')
            s += 2;
        else
            return s;
    }
}

// Appends one entry: header (prefix may be NULL) and `size` bytes of data (zeros if data is NULL), padded to a
// block. Returns the entry's index.
static int tb_add(struct tarb *t, const char *prefix, const char *name, char type, const void *data, size_t size)
{
    size_t hdr = t->len;
    uint8_t *h = tb_grow(t, BLK);

    put_str(h + 0, name, 100);
    put_octal(h + 100, 8, 0644);
    put_octal(h + 108, 8, 0);
    put_octal(h + 116, 8, 0);
    put_octal(h + 124, 12, size);
    put_octal(h + 136, 12, 0);
    h[156] = (uint8_t)type;
    memcpy(h + 257, "ustar", 6); // magic with its NUL
    memcpy(h + 263, "00", 2);    // version
    put_str(h + 265, "root", 32);
    put_str(h + 297, "root", 32);
    if (prefix)
        put_str(h + 345, prefix, 155);
    tb_checksum(h);

    size_t pad = (size + BLK - 1) / BLK * BLK;
    uint8_t *d = tb_grow(t, pad);
    if (data)
        memcpy(d, data, size);

    struct tb_entry *e = &t->e[t->n];
    e->hdr = hdr;
    e->data = hdr + BLK;
    e->size = size;
    e->type = type;
    if (prefix && prefix[0])
        snprintf(e->path, sizeof(e->path), "%.155s/%.100s", strip_root(prefix), name);
    else
        snprintf(e->path, sizeof(e->path), "%.100s", strip_root(name));
    return t->n++;
}

static int tb_file(struct tarb *t, const char *name, const char *text)
{
    return tb_add(t, NULL, name, '0', text, strlen(text));
}

static void tb_end(struct tarb *t)
{
    tb_grow(t, 2 * BLK);
}

// Overwrites `len` bytes of the header of entry i at field offset `off` and recomputes its checksum, so the
// header is damaged in that field alone.
static void tb_patch(struct tarb *t, int i, size_t off, const void *bytes, size_t len)
{
    uint8_t *h = t->buf + t->e[i].hdr;
    memcpy(h + off, bytes, len);
    tb_checksum(h);
}

// --- lookups ---

// tar_find on an exact-size heap copy of img[0..size). On success the pointer is converted to an offset after
// checking that the whole file lies inside the copy (and every byte is read, for ASan); on failure the outputs
// must be untouched. *off and *len are (size_t)-1 unless found.
static int find(const uint8_t *img, size_t size, const char *path, size_t *off, size_t *len)
{
    uint8_t *copy = malloc(size ? size : 1);
    const void *data = (const void *)&data; // sentinels: a failed lookup must not write them
    size_t n = 0x5a5a5a5a;
    unsigned sum = 0;

    if (copy == NULL)
        abort();
    if (size)
        memcpy(copy, img, size);
    int err = tar_find(copy, size, path, &data, &n);
    *off = *len = (size_t)-1;
    if (err == 0) {
        const uint8_t *p = data;
        if (EXPECT_TRUE(p >= copy && (size_t)(p - copy) <= size && n <= size - (size_t)(p - copy))) {
            for (size_t i = 0; i < n; i++)
                sum += p[i];
            *off = (size_t)(p - copy);
            *len = n;
        }
    } else {
        EXPECT_TRUE(data == (const void *)&data);
        EXPECT_EQ(n, 0x5a5a5a5a);
        EXPECT_TRUE(err == -E_NOENT || err == -E_INVAL);
    }
    free(copy);
    (void)sum;
    return err;
}

static int expect_found(const uint8_t *img, size_t size, const char *path, size_t want_off, size_t want_len, int line)
{
    size_t off;
    size_t len;
    int err = find(img, size, path, &off, &len);

    if (err == 0 && off == want_off && len == want_len)
        return 1;
    unit_fail_header(__FILE__, line);
    fprintf(stderr, "lookup \"%s\" in %zu bytes: err %d off %zu len %zu, want 0 off %zu len %zu\n", path, size, err,
            off, len, want_off, want_len);
    return 0;
}

static int expect_err(const uint8_t *img, size_t size, const char *path, int want, int line)
{
    size_t off;
    size_t len;
    int err = find(img, size, path, &off, &len);

    if (err == want)
        return 1;
    unit_fail_header(__FILE__, line);
    fprintf(stderr, "lookup \"%s\" in %zu bytes: err %d (off %zu len %zu), want %d\n", path, size, err, off, len, want);
    return 0;
}

// Entry i of t is found under `path` with its exact data offset and length.
#define EXPECT_FOUND(t, path, i) expect_found((t)->buf, (t)->len, (path), (t)->e[i].data, (t)->e[i].size, __LINE__)
#define EXPECT_ERR(t, path, err) expect_err((t)->buf, (t)->len, (path), (err), __LINE__)

// What tar_find must answer for a canonical path on the first `len` bytes of an unmodified archive, derived from
// the writer's record of where every header and data block is.
static int model(const struct tarb *t, size_t len, const char *path, size_t *off, size_t *size)
{
    for (int i = 0; i < t->n; i++) {
        const struct tb_entry *e = &t->e[i];
        if (e->hdr + BLK > len)
            return -E_NOENT; // no complete header left: the archive just ends
        if (e->data + e->size > len)
            return -E_INVAL; // the header promises more data than there is
        if ((e->type == '0' || e->type == '\0') && strcmp(e->path, path) == 0) {
            *off = e->data;
            *size = e->size;
            return 0;
        }
        if (e->data + (e->size + BLK - 1) / BLK * BLK > len)
            return -E_NOENT; // padding cut short
    }
    return -E_NOENT; // end-of-archive block, or nothing after the last entry
}

static const char text_init[] = "\177ELF pretend init";
static const char long_dir[] = "usr/share/wren/a-directory-name-that-is-rather-long/and-another-one-below-it/"
                               "and-a-third-level-to-pass-one-hundred"; // 114 characters: must go in prefix

// A mixed archive used by several tests: directories, files, a prefix/name split, a zero-length file, a GNU long
// name and a pax header. The numbers in the comments are the entries' indices.
static void build_mixed(struct tarb *t)
{
    static char big[1500];
    static char longname[300];
    static const char pax[] = "24 path=pax/a-long-name\n"; // a pax record counts its own length

    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)('a' + i % 26);
    tb_add(t, NULL, "bin/", '5', NULL, 0);
    tb_file(t, "bin/init", text_init);                // 1
    tb_add(t, NULL, "etc/motd", '0', big, 1500);      // 2: three blocks, last one partly padding
    tb_add(t, long_dir, "file.txt", '0', "split", 5); // 3
    tb_add(t, NULL, "empty", '0', NULL, 0);           // 4
    snprintf(longname, sizeof(longname), "%s/%s", long_dir, "a-gnu-long-name-entry");
    tb_add(t, NULL, "././@LongLink", 'L', longname, strlen(longname) + 1); // 5
    tb_add(t, NULL, longname, '0', "gnu", 3); // 6: GNU tar writes the long name's first 100 characters here
    tb_add(t, NULL, "PaxHeaders.0/pax", 'x', pax, strlen(pax)); // 7
    tb_file(t, "pax/short", "pax data");                        // 8
    tb_add(t, NULL, "link", '2', NULL, 0);                      // 9: symlink
    tb_add(t, NULL, "old-style", '\0', "v7", 2);                // 10: pre-POSIX regular file
    tb_end(t);
}

// --- lookups in well-formed archives ---

TEST(find_with_and_without_root)
{
    struct tarb t = {0};
    build_mixed(&t);

    EXPECT_EQ(t.e[1].data, 1024);
    EXPECT_FOUND(&t, "bin/init", 1);
    EXPECT_FOUND(&t, "/bin/init", 1);
    EXPECT_FOUND(&t, "./bin/init", 1);
    EXPECT_FOUND(&t, "//bin/init", 1);
    EXPECT_FOUND(&t, "/./bin/init", 1);
    EXPECT_FOUND(&t, "././bin/init", 1);
    EXPECT_FOUND(&t, "etc/motd", 2);
    EXPECT_FOUND(&t, "/etc/motd", 2);
    EXPECT_FOUND(&t, "old-style", 10);

    size_t off;
    size_t len;
    ASSERT_EQ(find(t.buf, t.len, "bin/init", &off, &len), 0);
    EXPECT_EQ(memcmp(t.buf + off, text_init, len), 0);
    ASSERT_EQ(find(t.buf, t.len, "etc/motd", &off, &len), 0);
    EXPECT_EQ(len, 1500);
    EXPECT_EQ(t.buf[off + 1499], 'a' + 1499 % 26);
    tb_free(&t);
}

TEST(names_stored_with_root)
{
    struct tarb t = {0};
    tb_file(&t, "./bin/init", "one"); // what `tar -C dir .` writes
    tb_file(&t, "/abs/file", "two");  // what `tar -P` writes
    tb_file(&t, ".//./weird/file", "three");
    tb_end(&t);

    EXPECT_FOUND(&t, "bin/init", 0);
    EXPECT_FOUND(&t, "/bin/init", 0);
    EXPECT_FOUND(&t, "./bin/init", 0);
    EXPECT_FOUND(&t, "abs/file", 1);
    EXPECT_FOUND(&t, "/abs/file", 1);
    EXPECT_FOUND(&t, "weird/file", 2);
    // A "." elsewhere in the path is not special.
    EXPECT_ERR(&t, "bin/./init", -E_NOENT);
    EXPECT_ERR(&t, ".bin/init", -E_NOENT);
    tb_free(&t);
}

TEST(absent_and_near_misses)
{
    struct tarb t = {0};
    build_mixed(&t);

    EXPECT_ERR(&t, "bin/ini", -E_NOENT);
    EXPECT_ERR(&t, "bin/init2", -E_NOENT);
    EXPECT_ERR(&t, "bin/init/", -E_NOENT);
    EXPECT_ERR(&t, "in/init", -E_NOENT);
    EXPECT_ERR(&t, "Bin/init", -E_NOENT);
    EXPECT_ERR(&t, "init", -E_NOENT);
    EXPECT_ERR(&t, "bin", -E_NOENT);  // a directory, not a file
    EXPECT_ERR(&t, "bin/", -E_NOENT); // the directory's exact stored name
    EXPECT_ERR(&t, "", -E_NOENT);
    EXPECT_ERR(&t, "/", -E_NOENT);
    EXPECT_ERR(&t, "./", -E_NOENT);
    EXPECT_ERR(&t, "link", -E_NOENT); // symlink
    EXPECT_ERR(&t, "nowhere", -E_NOENT);
    tb_free(&t);
}

TEST(prefix_and_name)
{
    struct tarb t = {0};
    build_mixed(&t);
    char path[400];

    EXPECT_EQ(strlen(long_dir), 114);
    snprintf(path, sizeof(path), "%s/file.txt", long_dir);
    EXPECT_FOUND(&t, path, 3);
    snprintf(path, sizeof(path), "/%s/file.txt", long_dir);
    EXPECT_FOUND(&t, path, 3);
    snprintf(path, sizeof(path), "./%s/file.txt", long_dir);
    EXPECT_FOUND(&t, path, 3);

    // Neither half alone, and no way to blur the "/" between them.
    EXPECT_ERR(&t, "file.txt", -E_NOENT);
    EXPECT_ERR(&t, long_dir, -E_NOENT);
    snprintf(path, sizeof(path), "%s/", long_dir);
    EXPECT_ERR(&t, path, -E_NOENT);
    snprintf(path, sizeof(path), "%sfile.txt", long_dir);
    EXPECT_ERR(&t, path, -E_NOENT);
    snprintf(path, sizeof(path), "%s_file.txt", long_dir); // right lengths, wrong separator
    EXPECT_ERR(&t, path, -E_NOENT);
    snprintf(path, sizeof(path), "%s/file.tx", long_dir);
    EXPECT_ERR(&t, path, -E_NOENT);
    snprintf(path, sizeof(path), "%s/file.txtx", long_dir);
    EXPECT_ERR(&t, path, -E_NOENT);
    snprintf(path, sizeof(path), "%s//file.txt", long_dir);
    EXPECT_ERR(&t, path, -E_NOENT);
    snprintf(path, sizeof(path), "%.113s/file.txt", long_dir); // prefix one character short
    EXPECT_ERR(&t, path, -E_NOENT);
    snprintf(path, sizeof(path), "x%s/file.txt", long_dir);
    EXPECT_ERR(&t, path, -E_NOENT);
    tb_free(&t);
}

TEST(prefix_stored_with_root)
{
    struct tarb t = {0};
    int a = tb_add(&t, "./usr/lib", "a", '0', "A", 1);
    int b = tb_add(&t, "/usr/lib", "b", '0', "B", 1);
    int c = tb_add(&t, "usr/lib", "c", '0', "C", 1);
    tb_end(&t);

    EXPECT_FOUND(&t, "usr/lib/a", a);
    EXPECT_FOUND(&t, "/usr/lib/a", a);
    EXPECT_FOUND(&t, "./usr/lib/a", a);
    EXPECT_FOUND(&t, "usr/lib/b", b);
    EXPECT_FOUND(&t, "./usr/lib/b", b);
    EXPECT_FOUND(&t, "/usr/lib/c", c);
    EXPECT_ERR(&t, "lib/a", -E_NOENT);
    EXPECT_ERR(&t, "usr/lib/", -E_NOENT);
    tb_free(&t);
}

TEST(full_width_prefix_and_name_without_nul)
{
    struct tarb t = {0};
    char prefix[156];
    char name[101];
    char path[400];

    // 155-character prefix and 100-character name: neither field has a terminating NUL.
    memset(prefix, 'p', 155);
    prefix[155] = '\0';
    prefix[40] = '/';
    memset(name, 'n', 100);
    name[100] = '\0';
    int i = tb_add(&t, prefix, name, '0', "both full", 9);
    tb_end(&t);

    snprintf(path, sizeof(path), "%s/%s", prefix, name);
    EXPECT_EQ(strlen(path), 256);
    EXPECT_FOUND(&t, path, i);
    path[255] = '\0'; // name one short
    EXPECT_ERR(&t, path, -E_NOENT);
    snprintf(path, sizeof(path), "%s/%s0", prefix, name); // 101st name char: the mode field's first digit
    EXPECT_ERR(&t, path, -E_NOENT);
    snprintf(path, sizeof(path), "%su/%s", prefix, name); // 156th prefix char: the field after prefix
    EXPECT_ERR(&t, path, -E_NOENT);
    tb_free(&t);
}

TEST(name_of_exactly_100_chars)
{
    struct tarb t = {0};
    char name[101];

    memset(name, 'x', 100);
    name[100] = '\0';
    name[3] = '/';
    tb_file(&t, "before", "b");
    int i = tb_add(&t, NULL, name, '0', "hundred", 7);
    tb_file(&t, "after", "a");
    tb_end(&t);
    EXPECT_EQ(t.buf[t.e[i].hdr + 99], 'x');
    EXPECT_EQ(t.buf[t.e[i].hdr + 100], '0'); // mode field follows with no NUL between

    EXPECT_FOUND(&t, name, i);
    char path[110];
    snprintf(path, sizeof(path), "/%s", name);
    EXPECT_FOUND(&t, path, i);
    snprintf(path, sizeof(path), "%s0", name);
    EXPECT_ERR(&t, path, -E_NOENT);
    snprintf(path, sizeof(path), "%s0000644", name);
    EXPECT_ERR(&t, path, -E_NOENT);
    snprintf(path, sizeof(path), "%.99s", name);
    EXPECT_ERR(&t, path, -E_NOENT);
    EXPECT_FOUND(&t, "after", i + 1);
    tb_free(&t);
}

TEST(zero_length_file)
{
    struct tarb t = {0};
    int a = tb_add(&t, NULL, "empty", '0', NULL, 0);
    int b = tb_file(&t, "next", "follows directly");
    tb_end(&t);

    EXPECT_EQ(t.e[b].hdr, t.e[a].hdr + BLK); // no data block at all
    EXPECT_FOUND(&t, "empty", a);
    EXPECT_EQ(t.e[a].data, 512);
    EXPECT_FOUND(&t, "next", b);

    // A zero-length file whose header is the last thing in the archive.
    struct tarb u = {0};
    tb_file(&u, "x", "x");
    int c = tb_add(&u, NULL, "last-empty", '0', NULL, 0);
    EXPECT_EQ(u.len, 3 * BLK);
    EXPECT_FOUND(&u, "last-empty", c);
    EXPECT_EQ(u.e[c].data, u.len); // data pointer is one past the end, length 0
    tb_free(&t);
    tb_free(&u);
}

TEST(file_exactly_filling_the_last_block)
{
    static uint8_t data[2 * BLK];

    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7);
    for (size_t size = BLK - 1; size <= 2 * BLK; size++) {
        struct tarb t = {0};
        tb_file(&t, "first", "1");
        int i = tb_add(&t, NULL, "last", '0', data, size);
        // No end-of-archive blocks, and the archive ends exactly at the file's last byte.
        t.len = t.e[i].data + size;
        EXPECT_FOUND(&t, "last", i);
        EXPECT_FOUND(&t, "first", 0);
        EXPECT_ERR(&t, "absent", -E_NOENT); // the walk ends cleanly, whether or not padding was cut off
        t.len--;                            // one byte short: the header now lies
        EXPECT_ERR(&t, "last", -E_INVAL);
        EXPECT_FOUND(&t, "first", 0);
        tb_free(&t);
    }
}

TEST(without_end_of_archive)
{
    struct tarb t = {0};
    build_mixed(&t);
    t.len -= 2 * BLK; // drop both zero blocks

    EXPECT_FOUND(&t, "bin/init", 1);
    EXPECT_FOUND(&t, "old-style", 10);
    EXPECT_ERR(&t, "absent", -E_NOENT);

    t.len += BLK; // just one zero block
    EXPECT_FOUND(&t, "old-style", 10);
    EXPECT_ERR(&t, "absent", -E_NOENT);

    // Trailing bytes shorter than a block after the last entry are ignored.
    t.len -= BLK;
    memset(tb_grow(&t, 100), 0xee, 100);
    EXPECT_FOUND(&t, "old-style", 10);
    EXPECT_ERR(&t, "absent", -E_NOENT);
    tb_free(&t);
}

TEST(entries_after_end_of_archive_are_not_read)
{
    struct tarb t = {0};
    tb_file(&t, "a", "a");
    tb_end(&t);
    tb_file(&t, "hidden", "after the end");
    tb_end(&t);

    EXPECT_FOUND(&t, "a", 0);
    EXPECT_ERR(&t, "hidden", -E_NOENT);
    tb_free(&t);
}

// --- entries that are not regular files ---

TEST(non_regular_entries_are_skipped)
{
    struct tarb t = {0};
    build_mixed(&t);
    char path[400];

    // The entries' own names never find them...
    EXPECT_ERR(&t, "././@LongLink", -E_NOENT);
    EXPECT_ERR(&t, "PaxHeaders.0/pax", -E_NOENT);
    // ...and the walk steps over their data to the entries behind them.
    snprintf(path, sizeof(path), "%.100s", t.e[6].path);
    EXPECT_FOUND(&t, path, 6);
    EXPECT_FOUND(&t, "pax/short", 8);
    EXPECT_FOUND(&t, "empty", 4);
    tb_free(&t);
}

TEST(non_regular_with_the_wanted_name_is_never_returned)
{
    static const char types[] = {'1', '2', '3', '4', '5', '6', 'L', 'K', 'x', 'g', 'D', 'V'};

    for (size_t k = 0; k < sizeof(types); k++) {
        struct tarb t = {0};
        char data[700];
        memset(data, types[k], sizeof(data));
        tb_add(&t, NULL, "bin/init", types[k], data, sizeof(data)); // two blocks of data
        int reg = tb_file(&t, "bin/init", "the real one");
        tb_end(&t);
        if (!EXPECT_FOUND(&t, "bin/init", reg))
            fprintf(stderr, "    type '%c'\n", types[k]);

        // Alone, it is not found at all.
        struct tarb u = {0};
        tb_add(&u, NULL, "bin/init", types[k], data, sizeof(data));
        tb_end(&u);
        EXPECT_ERR(&u, "bin/init", -E_NOENT);
        tb_free(&t);
        tb_free(&u);
    }
}

TEST(data_that_looks_like_a_header_is_skipped)
{
    // A pax record and a GNU long name whose data is a perfectly valid header block for "evil": skipping by size
    // must not land on it.
    static const char types[] = {'x', 'L', '5', '0'};

    for (size_t k = 0; k < sizeof(types); k++) {
        struct tarb fake = {0};
        tb_file(&fake, "evil", "gotcha");
        struct tarb t = {0};
        tb_add(&t, NULL, "carrier", types[k], fake.buf, 2 * BLK);
        int good = tb_file(&t, "good", "fine");
        tb_end(&t);
        EXPECT_ERR(&t, "evil", -E_NOENT);
        EXPECT_FOUND(&t, "good", good);
        tb_free(&t);
        tb_free(&fake);
    }
}

// --- malformed headers ---

TEST(bad_checksum)
{
    struct tarb t = {0};
    tb_file(&t, "one", "1");
    tb_file(&t, "two", "2");
    tb_end(&t);

    EXPECT_FOUND(&t, "two", 1);
    t.buf[t.e[1].hdr + 0] ^= 0x01; // "two" -> "uwo", checksum now wrong
    EXPECT_FOUND(&t, "one", 0);    // found before the damage is reached
    EXPECT_ERR(&t, "uwo", -E_INVAL);
    EXPECT_ERR(&t, "two", -E_INVAL);
    EXPECT_ERR(&t, "absent", -E_INVAL);
    t.buf[t.e[1].hdr + 0] ^= 0x01;
    EXPECT_FOUND(&t, "two", 1);

    // Off by one either way, in the checksum field itself.
    uint8_t *ck = t.buf + t.e[0].hdr + 148;
    char saved[8];
    memcpy(saved, ck, 8);
    unsigned long v = strtoul(saved, NULL, 8);
    char tmp[8];
    snprintf(tmp, sizeof(tmp), "%06lo", v + 1);
    memcpy(ck, tmp, 6);
    EXPECT_ERR(&t, "one", -E_INVAL);
    snprintf(tmp, sizeof(tmp), "%06lo", v - 1);
    memcpy(ck, tmp, 6);
    EXPECT_ERR(&t, "one", -E_INVAL);

    // Other spellings of the right value are fine: leading spaces, trailing spaces, NUL and space swapped.
    snprintf(tmp, sizeof(tmp), "%6lo", v);
    memcpy(ck, tmp, 6);
    EXPECT_FOUND(&t, "one", 0);
    memcpy(ck, saved, 8);
    ck[6] = ' ';
    ck[7] = '\0';
    EXPECT_FOUND(&t, "one", 0);
    snprintf(tmp, sizeof(tmp), "%07lo", v); // seven digits, then NUL
    memcpy(ck, tmp, 8);
    EXPECT_FOUND(&t, "one", 0);

    // No digits, or junk after them.
    memset(ck, 0, 8);
    EXPECT_ERR(&t, "one", -E_INVAL);
    memset(ck, ' ', 8);
    EXPECT_ERR(&t, "one", -E_INVAL);
    memcpy(ck, saved, 8);
    ck[6] = 'x';
    EXPECT_ERR(&t, "one", -E_INVAL);
    memcpy(ck, saved, 8);
    ck[2] = '8'; // not an octal digit
    EXPECT_ERR(&t, "one", -E_INVAL);
    memcpy(ck, saved, 8);
    ck[7] = '7'; // a digit after the NUL
    EXPECT_ERR(&t, "one", -E_INVAL);
    memcpy(ck, saved, 8);
    EXPECT_FOUND(&t, "one", 0);
    tb_free(&t);
}

TEST(signed_checksum_is_not_accepted)
{
    // Some ancient tars summed signed chars. A header with a byte >= 0x80 and such a checksum is rejected (only
    // the POSIX unsigned sum counts).
    struct tarb t = {0};
    int i = tb_file(&t, "caf\xc3\xa9", "utf-8 name");
    tb_end(&t);
    EXPECT_FOUND(&t, "caf\xc3\xa9", i);

    uint8_t *h = t.buf + t.e[i].hdr;
    int sum = 0;
    for (int k = 0; k < BLK; k++)
        sum += (k >= 148 && k < 156) ? ' ' : (int)(signed char)h[k];
    char tmp[8];
    snprintf(tmp, sizeof(tmp), "%06o", (unsigned)sum);
    memcpy(h + 148, tmp, 7);
    EXPECT_ERR(&t, "caf\xc3\xa9", -E_INVAL);
    tb_free(&t);
}

TEST(bad_size_field)
{
    static const struct {
        const char field[12];
        int ok; // 1: parses as `value`
        unsigned value;
    } cases[] = {
        {"00000000012", 1, 10},
        {"         12", 1, 10},                                                // leading spaces
        {"12         ", 1, 10},                                                // trailing spaces
        {"12\0\0\0\0\0\0\0\0\0", 1, 10},                                       // trailing NULs
        {{'0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '1', '2'}, 1, 10}, // 12 digits, no terminator
        {"00000000000", 1, 0},
        {"00000000018", 0, 0}, // 8 is not octal
        {"0000000001a", 0, 0},
        {"000000000-1", 0, 0},
        {"+0000000012", 0, 0},
        {"0x000000012", 0, 0},
        {"         \0\0", 0, 0}, // no digits at all
        {"\0\0\0\0\0\0\0\0\0\0\0", 0, 0},
        {"1 2\0\0\0\0\0\0\0\0", 0, 0}, // digits after padding
        {"12\0"
         "3\0\0\0\0\0\0\0",
         0, 0},
        {{(char)0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10}, 0, 0}, // GNU base-256: not supported
    };

    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct tarb t = {0};
        char data[BLK];
        memset(data, 'd', sizeof(data));
        tb_file(&t, "before", "b");
        int i = tb_add(&t, NULL, "file", '0', data, sizeof(data));
        tb_file(&t, "after", "a");
        tb_end(&t);
        tb_patch(&t, i, 124, cases[k].field, 12);

        int ok = 1;
        if (cases[k].ok) {
            // The size changes but the next header is still a block boundary away (sizes 1..512 pad to 512).
            size_t off;
            size_t len;
            ok &= EXPECT_EQ(find(t.buf, t.len, "file", &off, &len), 0);
            ok &= EXPECT_EQ(off, t.e[i].data);
            ok &= EXPECT_EQ(len, cases[k].value);
            if (cases[k].value > 0)
                ok &= EXPECT_FOUND(&t, "after", i + 1);
        } else {
            ok &= EXPECT_FOUND(&t, "before", 0);
            ok &= EXPECT_ERR(&t, "file", -E_INVAL);
            ok &= EXPECT_ERR(&t, "after", -E_INVAL);
        }
        if (!ok)
            fprintf(stderr, "    size case %zu\n", k);
        tb_free(&t);
    }
}

TEST(size_beyond_archive)
{
    struct tarb t = {0};
    tb_file(&t, "a", "a");
    int i = tb_add(&t, NULL, "b", '0', "bb", 2);
    tb_end(&t);
    size_t avail = t.len - t.e[i].data; // data block + two end blocks
    char f[12];

    snprintf(f, sizeof(f), "%011zo", avail);
    tb_patch(&t, i, 124, f, 12);
    expect_found(t.buf, t.len, "b", t.e[i].data, avail, __LINE__); // swallows the rest of the archive exactly

    snprintf(f, sizeof(f), "%011zo", avail + 1);
    tb_patch(&t, i, 124, f, 12);
    EXPECT_ERR(&t, "b", -E_INVAL);
    EXPECT_ERR(&t, "absent", -E_INVAL);
    EXPECT_FOUND(&t, "a", 0);

    tb_patch(&t, i, 124, "77777777777", 12); // 8 GiB - 1
    EXPECT_ERR(&t, "b", -E_INVAL);
    tb_patch(&t, i, 124, "777777777777", 12); // 12 digits: 64 GiB - 1
    EXPECT_ERR(&t, "b", -E_INVAL);

    // A non-regular entry's size is checked just the same.
    tb_patch(&t, i, 156, "5", 1);
    EXPECT_ERR(&t, "absent", -E_INVAL);
    tb_free(&t);
}

TEST(null_arguments)
{
    struct tarb t = {0};
    tb_file(&t, "f", "data");
    tb_end(&t);
    const void *data = NULL;
    size_t len = 0;

    EXPECT_EQ(tar_find(NULL, t.len, "f", &data, &len), -E_INVAL);
    EXPECT_EQ(tar_find(NULL, 0, "f", &data, &len), -E_INVAL);
    EXPECT_EQ(tar_find(t.buf, t.len, NULL, &data, &len), -E_INVAL);
    EXPECT_EQ(tar_find(t.buf, t.len, "f", NULL, &len), -E_INVAL);
    EXPECT_EQ(tar_find(t.buf, t.len, "f", &data, NULL), -E_INVAL);
    EXPECT_TRUE(data == NULL);
    EXPECT_EQ(len, 0);
    EXPECT_EQ(tar_find(t.buf, t.len, "f", &data, &len), 0);
    EXPECT_TRUE(data == t.buf + BLK);
    EXPECT_EQ(len, 4);
    // An empty archive holds nothing (and is not malformed).
    EXPECT_EQ(tar_find(t.buf, 0, "f", &data, &len), -E_NOENT);
    tb_free(&t);
}

// --- truncation and mutation ---

static const char *const mixed_paths[] = {
    "bin/init", "etc/motd", "empty", "pax/short", "old-style", "absent", "././@LongLink", "bin",
};

TEST(truncated_at_every_length)
{
    struct tarb t = {0};
    build_mixed(&t);
    char split[300];
    snprintf(split, sizeof(split), "%s/file.txt", long_dir);

    for (size_t len = 0; len <= t.len; len++) {
        for (size_t p = 0; p < sizeof(mixed_paths) / sizeof(mixed_paths[0]) + 1; p++) {
            const char *path = p < sizeof(mixed_paths) / sizeof(mixed_paths[0]) ? mixed_paths[p] : split;
            size_t want_off = 0;
            size_t want_len = 0;
            int want = model(&t, len, path, &want_off, &want_len);
            if (want == 0)
                expect_found(t.buf, len, path, want_off, want_len, __LINE__);
            else
                expect_err(t.buf, len, path, want, __LINE__);
        }
    }
    // Spot checks of the model itself.
    size_t o;
    size_t l;
    EXPECT_EQ(model(&t, t.len, "bin/init", &o, &l), 0);
    EXPECT_EQ(model(&t, t.e[2].data + 1499, "etc/motd", &o, &l), -E_INVAL);
    EXPECT_EQ(model(&t, t.e[2].data + 1500, "etc/motd", &o, &l), 0);
    EXPECT_EQ(model(&t, t.e[2].data + 1500, "empty", &o, &l), -E_NOENT);
    tb_free(&t);
}

static uint64_t rng_state = 0x7a12c0ffee5eedull;

static uint32_t rng(void)
{
    // xorshift64*: fixed seed, so a failure reproduces exactly.
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

// Index of the entry whose header block contains `pos`, t->n for the first end-of-archive block, -1 otherwise.
static int header_at(const struct tarb *t, size_t pos)
{
    for (int i = 0; i < t->n; i++)
        if (pos >= t->e[i].hdr && pos < t->e[i].hdr + BLK)
            return i;
    size_t end = t->e[t->n - 1].data + (t->e[t->n - 1].size + BLK - 1) / BLK * BLK;
    if (pos >= end && pos < end + BLK)
        return t->n;
    return -1;
}

static int entry_index(const struct tarb *t, const char *path)
{
    for (int i = 0; i < t->n; i++)
        if ((t->e[i].type == '0' || t->e[i].type == '\0') && strcmp(t->e[i].path, path) == 0)
            return i;
    return t->n; // absent: the walk would go to the end block
}

TEST(mutation_loop)
{
    struct tarb t = {0};
    build_mixed(&t);
    const size_t npaths = sizeof(mixed_paths) / sizeof(mixed_paths[0]);
    const int rounds = 20000;
    uint8_t *m = malloc(t.len);
    int found = 0;
    int exact = 0;

    ASSERT_TRUE(m != NULL);
    for (int r = 0; r < rounds; r++) {
        memcpy(m, t.buf, t.len);
        size_t len = t.len;
        int kind = (int)(rng() % 3);
        int damaged = -1; // header index whose one byte changed (kind 0)

        if (kind == 0) {
            // One byte of one header (outside the checksum field) changes: the checksum must catch it, so lookups
            // of files before that header are unaffected and everything at or after it is -E_INVAL.
            damaged = (int)(rng() % (unsigned)(t.n + 1));
            size_t hdr = damaged < t.n ? t.e[damaged].hdr : t.len - 2 * BLK;
            size_t at;
            do
                at = rng() % BLK;
            while (at >= 148 && at < 156);
            m[hdr + at] ^= (uint8_t)(1 + rng() % 255);
        } else if (kind == 1) {
            // Bytes that belong to no header (file data, padding, the second end block) change: no effect at all.
            int count = 1 + (int)(rng() % 8);
            for (int k = 0; k < count;) {
                size_t at = rng() % t.len;
                if (header_at(&t, at) >= 0)
                    continue;
                m[at] = (uint8_t)rng();
                k++;
            }
        } else {
            // Anything: header fields with digits, spaces and NULs, random bytes, and sometimes a cut.
            static const uint8_t interesting[] = {0, ' ', '0', '5', '7', '8', 'L', 'x', 0x80, 0xff, '/', '.'};
            int count = 1 + (int)(rng() % 6);
            for (int k = 0; k < count; k++) {
                int e = (int)(rng() % (unsigned)t.n);
                size_t at;
                switch (rng() % 4) {
                case 0: at = t.e[e].hdr + 124 + rng() % 12; break; // size
                case 1: at = t.e[e].hdr + 148 + rng() % 8; break;  // checksum
                case 2: at = t.e[e].hdr + rng() % BLK; break;
                default: at = rng() % t.len; break;
                }
                m[at] = rng() % 2 ? interesting[rng() % sizeof(interesting)] : (uint8_t)rng();
            }
            if (rng() % 4 == 0)
                len = rng() % (t.len + 1);
        }

        for (size_t p = 0; p < npaths; p++) {
            size_t off;
            size_t flen;
            int err = find(m, len, mixed_paths[p], &off, &flen);
            if (err == 0) {
                found++;
                EXPECT_EQ(off % BLK, 0); // file data always starts on a block boundary
            }
            if (kind == 2)
                continue;
            size_t want_off = 0;
            size_t want_len = 0;
            int want = model(&t, t.len, mixed_paths[p], &want_off, &want_len);
            if (kind == 0 && entry_index(&t, mixed_paths[p]) >= damaged)
                want = -E_INVAL;
            int ok = EXPECT_EQ(err, want);
            if (want == 0)
                ok &= EXPECT_EQ(off, want_off) & EXPECT_EQ(flen, want_len);
            if (!ok) {
                fprintf(stderr, "    round %d kind %d damaged %d path %s\n", r, kind, damaged, mixed_paths[p]);
                free(m);
                tb_free(&t);
                return;
            }
            exact++;
        }
    }
    printf("mutation_loop: %d lookups found a file, %d checked against an exact oracle\n", found, exact);
    EXPECT_TRUE(exact > rounds);
    free(m);
    tb_free(&t);
}

// --- the walk (tar_next) ---

struct walked {
    int r;           // what tar_next returned
    char path[4200]; // entries only
    char type;
    size_t data; // offset of the data in the archive
    size_t size;
    size_t offset;   // e.offset (entries and errors)
    const char *why; // it->error after -E_INVAL
};

// Walks an exact-size heap copy of img[0..size) until tar_next returns 0 (at most `max` results kept; the walk must
// end within blocks + 2 calls). Checks every entry's data and path against the copy. Returns the number of results.
static int walk(const uint8_t *img, size_t size, struct walked *out, int max)
{
    uint8_t *copy = malloc(size ? size : 1);
    static struct tar_iter it; // 4 KiB of path buffer: keep it off the stack
    struct tar_entry e;
    int n = 0;
    int calls = 0;
    unsigned sum = 0;

    if (copy == NULL)
        abort();
    if (size)
        memcpy(copy, img, size);
    tar_iter_init(&it, copy, size);
    for (;;) {
        memset(&e, 0, sizeof(e));
        int r = tar_next(&it, &e);
        if (!EXPECT_TRUE(r == 1 || r == 0 || r == -E_INVAL) || !EXPECT_TRUE(++calls <= (int)(size / BLK) + 2))
            break;
        if (r == 0) {
            EXPECT_EQ(tar_next(&it, &e), 0); // and it stays ended
            break;
        }
        struct walked *w = n < max ? &out[n] : NULL;
        n++;
        EXPECT_TRUE(e.offset < size && e.offset % BLK == 0);
        if (w) {
            memset(w, 0, sizeof(*w));
            w->r = r;
            w->offset = e.offset;
        }
        if (r < 0) {
            EXPECT_TRUE(it.error != NULL);
            if (w)
                w->why = it.error;
            continue;
        }
        const uint8_t *d = e.data;
        EXPECT_TRUE(d >= copy + BLK && (size_t)(d - copy) <= size && e.size <= size - (size_t)(d - copy));
        for (size_t i = 0; i < e.size; i++)
            sum += d[i];
        EXPECT_EQ(strlen(e.path), e.path_len);
        EXPECT_TRUE(e.path_len <= TAR_PATH_MAX);
        EXPECT_TRUE(e.path[0] != '/' && strncmp(e.path, "./", 2) != 0);
        if (w) {
            memcpy(w->path, e.path, e.path_len + 1);
            w->type = e.type;
            w->data = (size_t)(d - copy);
            w->size = e.size;
        }
    }
    free(copy);
    (void)sum;
    return n;
}

static int expect_entry(const struct walked *w, const char *path, char type, size_t data, size_t size, size_t offset,
                        int line)
{
    if (w->r == 1 && strcmp(w->path, path) == 0 && w->type == type && w->data == data && w->size == size &&
        w->offset == offset)
        return 1;
    unit_fail_header(__FILE__, line);
    fprintf(stderr,
            "got r %d \"%.80s\" type '%c' data %zu size %zu offset %zu (%s)\n    want \"%.80s\" '%c' %zu %zu %zu\n",
            w->r, w->path, w->type ? w->type : '?', w->data, w->size, w->offset, w->why ? w->why : "-", path, type,
            data, size, offset);
    return 0;
}

// Result k is entry i of t with this path and type, its data where the writer put it.
#define EXPECT_ENTRY(w, t, i, path, type)                                                                              \
    expect_entry((w), (path), (type), (t)->e[i].data, (t)->e[i].size, (t)->e[i].hdr, __LINE__)

static struct walked res[64];

TEST(walk_mixed_archive)
{
    struct tarb t = {0};
    build_mixed(&t);
    char split[300];
    snprintf(split, sizeof(split), "%s/file.txt", long_dir);

    int n = walk(t.buf, t.len, res, 64);
    ASSERT_EQ(n, 9);
    EXPECT_ENTRY(&res[0], &t, 0, "bin/", TAR_DIRECTORY);
    EXPECT_ENTRY(&res[1], &t, 1, "bin/init", TAR_REGULAR);
    EXPECT_ENTRY(&res[2], &t, 2, "etc/motd", TAR_REGULAR);
    EXPECT_ENTRY(&res[3], &t, 3, split, TAR_REGULAR);
    EXPECT_ENTRY(&res[4], &t, 4, "empty", TAR_REGULAR);
    // The long name's entry is reported at the 'L' header, with the whole name from its data.
    char longname[300];
    snprintf(longname, sizeof(longname), "%s/a-gnu-long-name-entry", long_dir);
    expect_entry(&res[5], longname, TAR_REGULAR, t.e[6].data, 3, t.e[5].hdr, __LINE__);
    expect_entry(&res[6], "pax/a-long-name", TAR_REGULAR, t.e[8].data, 8, t.e[7].hdr, __LINE__);
    EXPECT_ENTRY(&res[7], &t, 9, "link", TAR_SYMLINK);
    EXPECT_ENTRY(&res[8], &t, 10, "old-style", TAR_REGULAR); // '\0' reads as regular
    tb_free(&t);
}

TEST(walk_reports_mode_and_strips_root)
{
    struct tarb t = {0};
    tb_add(&t, NULL, "./a", '0', "x", 1);
    tb_add(&t, "/usr", "b", '0', "y", 1);
    tb_add(&t, NULL, "old-dir/", '\0', NULL, 0);
    tb_add(&t, NULL, "contig", '7', "z", 1);
    tb_end(&t);
    ASSERT_EQ(walk(t.buf, t.len, res, 64), 4);
    EXPECT_ENTRY(&res[0], &t, 0, "a", TAR_REGULAR);
    EXPECT_ENTRY(&res[1], &t, 1, "usr/b", TAR_REGULAR);
    EXPECT_ENTRY(&res[2], &t, 2, "old-dir/", TAR_DIRECTORY); // pre-POSIX directory
    EXPECT_ENTRY(&res[3], &t, 3, "contig", TAR_REGULAR);

    static struct tar_iter it;
    struct tar_entry e;
    tar_iter_init(&it, t.buf, t.len);
    EXPECT_EQ(tar_next(&it, &e), 1);
    EXPECT_EQ(e.mode, 0644);
    tb_free(&t);
}

TEST(prefix_needs_posix_magic)
{
    // Old GNU headers ("ustar  \0") keep other things where POSIX has the prefix: it is not part of the name.
    struct tarb t = {0};
    tb_add(&t, "junk", "name", '0', "x", 1);
    memcpy(t.buf + t.e[0].hdr + 257, "ustar  ", 8);
    tb_checksum(t.buf + t.e[0].hdr);
    tb_end(&t);
    ASSERT_EQ(walk(t.buf, t.len, res, 64), 1);
    EXPECT_ENTRY(&res[0], &t, 0, "name", TAR_REGULAR);
    tb_free(&t);
}

// A GNU long-name entry for `name` (written with its NUL, as GNU tar does) and a regular file behind it.
static int tb_gnu_long(struct tarb *t, const char *name, const char *text)
{
    tb_add(t, NULL, "././@LongLink", 'L', name, strlen(name) + 1);
    return tb_add(t, NULL, name, '0', text, strlen(text));
}

TEST(gnu_long_names)
{
    static char name[TAR_PATH_MAX + 2];
    struct tarb t = {0};

    memset(name, 'n', sizeof(name) - 1);
    for (size_t i = 50; i < sizeof(name) - 1; i += 51)
        name[i] = '/';
    name[TAR_PATH_MAX] = 0; // exactly the limit
    int a = tb_gnu_long(&t, name, "at the limit");
    name[TAR_PATH_MAX] = 'n'; // one more
    int b = tb_gnu_long(&t, name, "too long");
    int c = tb_file(&t, "after", "still read");
    tb_add(&t, NULL, "././@LongLink", 'K', "link/target", 12); // a long link name is skipped...
    int d = tb_add(&t, NULL, "linked", '0', "k", 1);           // ...and does not rename the entry
    tb_add(&t, NULL, "././@LongLink", 'L', "first", 6);
    tb_add(&t, NULL, "././@LongLink", 'L', "second\0junk", 12); // the last one wins; bytes after the NUL ignored
    int f = tb_file(&t, "short", "s");
    tb_add(&t, NULL, "././@LongLink", 'L', "\0", 1);
    tb_file(&t, "empty-long-name", "e");
    tb_end(&t);

    ASSERT_EQ(walk(t.buf, t.len, res, 64), 6);
    name[TAR_PATH_MAX] = 0;
    expect_entry(&res[0], name, TAR_REGULAR, t.e[a].data, 12, t.e[a - 1].hdr, __LINE__);
    EXPECT_EQ(res[1].r, -E_INVAL);
    EXPECT_EQ(res[1].offset, t.e[b - 1].hdr);
    EXPECT_STREQ(res[1].why, "name too long");
    EXPECT_ENTRY(&res[2], &t, c, "after", TAR_REGULAR);
    expect_entry(&res[3], "linked", TAR_REGULAR, t.e[d].data, 1, t.e[d - 1].hdr, __LINE__);
    expect_entry(&res[4], "second", TAR_REGULAR, t.e[f].data, 1, t.e[f - 2].hdr, __LINE__);
    EXPECT_EQ(res[5].r, -E_INVAL);
    EXPECT_STREQ(res[5].why, "empty GNU long name");
    tb_free(&t);
}

// A pax 'x' header holding `records` and a regular file behind it (header name "short", data `text`).
static int tb_pax(struct tarb *t, const char *records, size_t rlen, const char *text)
{
    tb_add(t, NULL, "PaxHeaders/short", 'x', records, rlen);
    return tb_add(t, NULL, "short", '0', text, strlen(text));
}

#define PAX(t, rec, text) tb_pax((t), (rec), sizeof(rec) - 1, (text))

TEST(pax_path_and_size)
{
    static char rec[5000];
    static char name[TAR_PATH_MAX + 2];
    struct tarb t = {0};

    int a = PAX(&t, "12 path=a/b\n", "p");
    int b = PAX(&t, "19 mtime=1234.5678\n10 uid=42\n", "unknown keys"); // ignored
    int c = PAX(&t, "12 path=a/b\n8 path=\n", "cancelled");             // an empty value unsets
    tb_add(&t, NULL, "PaxHeaders/g", 'g', "13 path=glob\n", 13);        // global: ignored
    int d = tb_file(&t, "plain", "q");
    // A long path in pax, exactly at the limit.
    memset(name, 'p', TAR_PATH_MAX);
    name[TAR_PATH_MAX] = 0;
    snprintf(rec, sizeof(rec), "%d path=%s\n", TAR_PATH_MAX + 11, name);
    int e = tb_pax(&t, rec, strlen(rec), "long");
    // pax beats a GNU long name.
    tb_add(&t, NULL, "././@LongLink", 'L', "gnu-name", 9);
    int f = PAX(&t, "17 path=pax-name\n", "both");
    tb_end(&t);

    ASSERT_EQ(strlen(rec), (size_t)TAR_PATH_MAX + 11);
    ASSERT_EQ(walk(t.buf, t.len, res, 64), 6);
    expect_entry(&res[0], "a/b", TAR_REGULAR, t.e[a].data, 1, t.e[a - 1].hdr, __LINE__);
    expect_entry(&res[1], "short", TAR_REGULAR, t.e[b].data, 12, t.e[b - 1].hdr, __LINE__);
    expect_entry(&res[2], "short", TAR_REGULAR, t.e[c].data, 9, t.e[c - 1].hdr, __LINE__);
    EXPECT_ENTRY(&res[3], &t, d, "plain", TAR_REGULAR);
    expect_entry(&res[4], name, TAR_REGULAR, t.e[e].data, 4, t.e[e - 1].hdr, __LINE__);
    expect_entry(&res[5], "pax-name", TAR_REGULAR, t.e[f].data, 4, t.e[f - 2].hdr, __LINE__);
    tb_free(&t);

    // A pax size replaces the header's: the header says 0, the data really is 700 bytes (two blocks).
    struct tarb u = {0};
    char big[700];
    memset(big, 'b', sizeof(big));
    tb_add(&u, NULL, "PaxHeaders/big", 'x', "12 size=700\n", 12);
    int g = tb_add(&u, NULL, "big", '0', big, sizeof(big));
    tb_patch(&u, g, 124, "00000000000", 12);
    int h = tb_file(&u, "next", "n");
    tb_end(&u);
    ASSERT_EQ(walk(u.buf, u.len, res, 64), 2);
    expect_entry(&res[0], "big", TAR_REGULAR, u.e[g].data, 700, u.e[g - 1].hdr, __LINE__);
    EXPECT_ENTRY(&res[1], &u, h, "next", TAR_REGULAR);
    // Without the pax size, the two data blocks would be read as headers: the walk must stop at the first.
    u.buf[u.e[g - 1].hdr + 156] = 'g';
    tb_checksum(u.buf + u.e[g - 1].hdr);
    ASSERT_EQ(walk(u.buf, u.len, res, 64), 2);
    EXPECT_EQ(res[0].size, 0);
    EXPECT_EQ(res[1].r, -E_INVAL);
    tb_free(&u);

    // A pax size past the end of the archive ends the walk.
    struct tarb v = {0};
    tb_add(&v, NULL, "PaxHeaders/big", 'x', "15 size=999999\n", 15);
    tb_file(&v, "big", "b");
    tb_end(&v);
    ASSERT_EQ(walk(v.buf, v.len, res, 64), 1);
    EXPECT_EQ(res[0].r, -E_INVAL);
    EXPECT_STREQ(res[0].why, "pax size runs past the end of the archive");
    tb_free(&v);
}

TEST(malformed_pax_records_reject_one_entry)
{
    static const struct {
        const char *rec;
        size_t len;
    } bad[] = {
#define R(s) {s, sizeof(s) - 1}
        R("11 path=a/b\n"),                     // length one short
        R("13 path=a/b\n"),                     // one long
        R("12 path=a/b "),                      // no newline
        R("13path=a/bcd\n"),                    // no space
        R(" 12 path=a/b\n"),                    // leading space
        R("x3 path=a/b\n"),                     // not a number
        R("13 patha/bcd\n"),                    // no '='
        R("8 =abcd\n"),                         // empty key
        R("3 \n"),                              // too short to hold anything
        R("0 \n"),                              // zero length
        R("999999999999999999999999 path=x\n"), // absurd length
        R("13 path=a\0b\n"),                    // NUL in the path
        R("11 size=-1\n"),                      // size not a number
        R("8 size=\n"),                         // empty size
        R("29 size=99999999999999999999\n"),    // size overflows
        R("11 path=a/b\n12 path=a/b\n"),        // a good record after a bad one does not help
        R("12 path=a/b\n12 path=a/b"),          // a bad record after a good one spoils it
        R("12 path=a/b\n\n"),                   // junk after the last record
#undef R
    };

    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        struct tarb t = {0};
        int a = tb_file(&t, "before", "b");
        tb_pax(&t, bad[k].rec, bad[k].len, "x");
        int c = tb_file(&t, "after", "a");
        tb_end(&t);
        int n = walk(t.buf, t.len, res, 64);
        int ok = EXPECT_EQ(n, 3);
        ok &= EXPECT_ENTRY(&res[0], &t, a, "before", TAR_REGULAR);
        ok &= EXPECT_EQ(res[1].r, -E_INVAL);
        ok &= EXPECT_EQ(res[1].offset, t.e[a + 1].hdr);
        if (res[1].why)
            ok &= EXPECT_STREQ(res[1].why, "malformed pax record");
        ok &= EXPECT_ENTRY(&res[2], &t, c, "after", TAR_REGULAR);
        if (!ok)
            fprintf(stderr, "    bad pax case %zu\n", k);
        tb_free(&t);
    }
}

TEST(extension_header_at_the_end)
{
    static const char types[] = {'L', 'K', 'x'};
    for (size_t k = 0; k < sizeof(types); k++) {
        struct tarb t = {0};
        tb_file(&t, "a", "a");
        int x = tb_add(&t, NULL, "ext", types[k], "12 path=abc\n", 12);
        tb_end(&t);
        ASSERT_EQ(walk(t.buf, t.len, res, 64), 2);
        EXPECT_EQ(res[1].r, -E_INVAL);
        EXPECT_EQ(res[1].offset, t.e[x].hdr);
        EXPECT_STREQ(res[1].why, "extension header without an entry");
        tb_free(&t);
    }
}

TEST(damage_ends_the_walk)
{
    struct tarb t = {0};
    int a = tb_file(&t, "one", "1");
    int b = tb_file(&t, "two", "2");
    tb_file(&t, "three", "3");
    tb_end(&t);

    t.buf[t.e[b].hdr] ^= 1; // checksum now wrong
    ASSERT_EQ(walk(t.buf, t.len, res, 64), 2);
    EXPECT_ENTRY(&res[0], &t, a, "one", TAR_REGULAR);
    EXPECT_EQ(res[1].r, -E_INVAL);
    EXPECT_EQ(res[1].offset, t.e[b].hdr);
    EXPECT_STREQ(res[1].why, "bad header checksum");
    t.buf[t.e[b].hdr] ^= 1;

    tb_patch(&t, b, 124, "0000000001x", 12);
    ASSERT_EQ(walk(t.buf, t.len, res, 64), 2);
    EXPECT_STREQ(res[1].why, "bad size field");

    tb_patch(&t, b, 124, "77777777777", 12);
    ASSERT_EQ(walk(t.buf, t.len, res, 64), 2);
    EXPECT_STREQ(res[1].why, "data runs past the end of the archive");

    // Null and empty archives hold nothing.
    static struct tar_iter it;
    struct tar_entry e;
    tar_iter_init(&it, NULL, 1234);
    EXPECT_EQ(tar_next(&it, &e), 0);
    tar_iter_init(&it, t.buf, 0);
    EXPECT_EQ(tar_next(&it, &e), 0);
    tb_free(&t);
}

TEST(walk_truncated_at_every_length)
{
    struct tarb t = {0};
    build_mixed(&t);
    static struct walked full[16];
    int n = walk(t.buf, t.len, full, 16);
    ASSERT_EQ(n, 9);

    // Cut anywhere, the walk yields a prefix of the full walk, then at most one error, then ends.
    for (size_t len = 0; len <= t.len; len++) {
        int m = walk(t.buf, len, res, 64);
        int k = 0;
        while (k < m && res[k].r == 1 && k < n && strcmp(res[k].path, full[k].path) == 0 &&
               res[k].data == full[k].data && res[k].size == full[k].size)
            k++;
        if (!EXPECT_TRUE(k == m || (k == m - 1 && res[k].r == -E_INVAL))) {
            fprintf(stderr, "    cut at %zu: %d results, %d match\n", len, m, k);
            break;
        }
    }
    tb_free(&t);
}

TEST(walk_mutation_loop)
{
    struct tarb t = {0};
    build_mixed(&t);
    uint8_t *m = malloc(t.len);
    int entries = 0;
    int errors = 0;
    static const uint8_t interesting[] = {0, ' ', '0', '1', '5', '7', '9', '=', '\n', 'L', 'K', 'x', 'g', 0x80, 0xff};

    ASSERT_TRUE(m != NULL);
    for (int r = 0; r < 20000; r++) {
        memcpy(m, t.buf, t.len);
        size_t len = t.len;
        int count = 1 + (int)(rng() % 6);
        for (int k = 0; k < count; k++) {
            int e = (int)(rng() % (unsigned)t.n);
            size_t at;
            switch (rng() % 4) {
            case 0: at = t.e[e].hdr + 124 + rng() % 12; break;
            case 1: at = t.e[e].hdr + 156; break;
            case 2: at = t.e[e].data + rng() % (t.e[e].size + 1); break; // pax records and long names too
            default: at = rng() % t.len; break;
            }
            if (at >= t.len)
                continue;
            m[at] = rng() % 2 ? interesting[rng() % sizeof(interesting)] : (uint8_t)rng();
            if (at < t.e[e].data && rng() % 2)
                tb_checksum(m + t.e[e].hdr); // damage that the checksum does not catch
        }
        if (rng() % 4 == 0)
            len = rng() % (t.len + 1);
        int n = walk(m, len, res, 64);
        for (int k = 0; k < n && k < 64; k++)
            *(res[k].r == 1 ? &entries : &errors) += 1;
    }
    printf("walk_mutation_loop: %d entries, %d errors\n", entries, errors);
    EXPECT_TRUE(entries > 20000 && errors > 1000);
    free(m);
    tb_free(&t);
}
