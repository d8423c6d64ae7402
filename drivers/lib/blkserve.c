/*
 * The disk scheme (<wren/blkdev.h>, drivers/README.md "The disk scheme"): whole devices and their partitions as
 * files of whole 512-byte sectors, on userlib's scheme server. This is the one place client requests meet block
 * drivers, so every offset and length is checked here: a driver's read and write see only whole sectors inside
 * its device, never more than its max_sectors at once.
 *
 *   /            a directory: 0, 1, ... (the devices, in the order given), then <n>p<k> for each partition
 *   /<n>         device n, the whole of it
 *   /<n>p<k>     partition k of device n (MBR slot 1-4, GPT entry index), bounded to its own sectors
 *
 * An open file's context is its volume's address, with bit 0 set when it was opened for writing: open files hold no
 * memory of their own, so a client that opens without end costs the server nothing.
 */
#include <stdio.h>
#include <string.h>
#include <wren/blkdev.h>
#include <wren/partition.h>
#include <wren/scheme_server.h>
#include <wren/syscalls.h>

/* A device or one partition: sectors [start, start + sectors) of dev. */
struct volume {
    struct blkdev *dev;
    uint64_t start, sectors;
    unsigned devno, part; /* part 0: the whole device */
    uint64_t id;          /* stat's id */
};

#define VOLUMES_MAX (BLKDEV_MAX * (1 + PART_MAX))

struct server {
    unsigned nvol;
    struct volume vol[VOLUMES_MAX];
};

#define CALL_MAX_SECTORS   (1u << 21)   /* 1 GiB: what one client request moves at most (the rest is a short count) */
#define DEVICE_MAX_SECTORS (1ull << 48) /* 128 PiB: larger claims are cut to it, so byte sizes never overflow */

#define FILE_WRITABLE 1ul
#define DIR_FILE      ((void *)2) /* the root directory's open file (no volume is at that address) */

static struct volume *file_volume(void *file)
{
    return (struct volume *)((uintptr_t)file & ~FILE_WRITABLE);
}

/* partition_scan's reads go through the driver in pieces of at most max_sectors. */
static long scan_read(void *ctx, uint64_t lba, uint32_t n, void *buf)
{
    struct blkdev *d = ctx;
    while (n) {
        uint32_t k = n < d->max_sectors ? n : d->max_sectors;
        long r = d->read(d, lba, k, buf);
        if (r < 0)
            return r;
        lba += k;
        n -= k;
        buf = (char *)buf + (size_t)k * BLKDEV_SECTOR;
    }
    return 0;
}

/* A decimal number without sign or leading zero, at most 9 digits: its value, and *end after it; -1 if none. */
static long number(const char *s, const char **end)
{
    if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
        return -1;
    long v = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9') {
        if (++digits > 9)
            return -1;
        v = v * 10 + (*s++ - '0');
    }
    *end = s;
    return v;
}

/* The volume a path names, or NULL. */
static struct volume *lookup(struct server *s, const char *path)
{
    const char *p;
    if (path[0] != '/')
        return NULL;
    long dev = number(path + 1, &p), part = 0;
    if (dev < 0)
        return NULL;
    if (*p == 'p') {
        if ((part = number(p + 1, &p)) <= 0)
            return NULL;
    }
    if (*p)
        return NULL;
    for (unsigned i = 0; i < s->nvol; i++)
        if (s->vol[i].devno == (unsigned long)dev && s->vol[i].part == (unsigned long)part)
            return &s->vol[i];
    return NULL;
}

static long bs_open(void *ctx, const struct wren_scheme_request *req, const char *path, uint32_t flags, void **file)
{
    (void)req;
    struct server *s = ctx;
    if (strcmp(path, "/") == 0) {
        if (flags & (WREN_OPEN_WRITE | WREN_OPEN_CREATE | WREN_OPEN_TRUNCATE | WREN_OPEN_APPEND))
            return -E_ISDIR;
        *file = DIR_FILE;
        return 0;
    }
    struct volume *v = lookup(s, path);
    if (!v)
        return -E_NOENT;
    if ((flags & (WREN_OPEN_CREATE | WREN_OPEN_EXCL)) == (WREN_OPEN_CREATE | WREN_OPEN_EXCL))
        return -E_EXIST;
    if (flags & (WREN_OPEN_TRUNCATE | WREN_OPEN_APPEND))
        return -E_INVAL; /* a device has a fixed size and no end to append at */
    int writable = (flags & WREN_OPEN_WRITE) != 0;
    if (writable && v->dev->read_only)
        return -E_ROFS;
    *file = (void *)((uintptr_t)v | (writable ? FILE_WRITABLE : 0));
    return 0;
}

/*
 * The sectors a request at byte `offset` of `len` bytes covers in v: E_INVAL unless both are whole sectors; *lba
 * (absolute, on the device) and *n (clamped to the volume's end: 0 at or past it).
 */
static long span(const struct volume *v, uint64_t offset, size_t len, uint64_t *lba, uint64_t *n)
{
    if (offset % BLKDEV_SECTOR || len % BLKDEV_SECTOR)
        return -E_INVAL;
    uint64_t first = offset / BLKDEV_SECTOR, count = len / BLKDEV_SECTOR;
    if (first >= v->sectors) {
        *n = 0;
        return 0;
    }
    if (count > v->sectors - first)
        count = v->sectors - first;
    if (count > CALL_MAX_SECTORS)
        count = CALL_MAX_SECTORS; /* a short count, which the client's read or write loop goes on from */
    *lba = v->start + first;
    *n = count;
    return 0;
}

static long bs_read(void *ctx, const struct wren_scheme_request *req, void *file, void *buf, size_t len,
                    uint64_t offset)
{
    (void)ctx, (void)req;
    if (file == DIR_FILE)
        return -E_ISDIR;
    struct volume *v = file_volume(file);
    uint64_t lba = 0, n = 0;
    long r = span(v, offset, len, &lba, &n);
    if (r < 0 || n == 0)
        return r;
    r = scan_read(v->dev, lba, (uint32_t)n, buf); /* n <= len / 512, which fits 32 bits for any buffer served */
    return r < 0 ? r : (long)(n * BLKDEV_SECTOR);
}

static long bs_write(void *ctx, const struct wren_scheme_request *req, void *file, const void *buf, size_t len,
                     uint64_t offset)
{
    (void)ctx, (void)req;
    if (file == DIR_FILE || !((uintptr_t)file & FILE_WRITABLE))
        return -E_BADF;
    struct volume *v = file_volume(file);
    struct blkdev *d = v->dev;
    uint64_t lba = 0, n = 0;
    long r = span(v, offset, len, &lba, &n);
    if (r < 0)
        return r;
    if (n == 0)
        return len ? -E_NOSPC : 0; /* at or past the end: a write there has no room (a crossing one is short) */
    for (uint64_t done = 0; done < n;) {
        uint32_t k = n - done < d->max_sectors ? (uint32_t)(n - done) : d->max_sectors;
        r = d->write(d, lba + done, k, (const char *)buf + done * BLKDEV_SECTOR);
        if (r < 0)
            return r;
        done += k;
    }
    return (long)(n * BLKDEV_SECTOR);
}

static long bs_seek(void *ctx, const struct wren_scheme_request *req, void *file, int64_t offset, uint32_t whence,
                    uint64_t pos)
{
    (void)ctx, (void)req;
    if (file == DIR_FILE)
        return -E_ISDIR;
    uint64_t size = file_volume(file)->sectors * BLKDEV_SECTOR;
    int64_t base = whence == WREN_WHENCE_SET ? 0 : whence == WREN_WHENCE_CUR ? (int64_t)pos : (int64_t)size;
    if (whence > WREN_WHENCE_END)
        return -E_INVAL;
    if ((offset < 0 && base + offset < 0) || (offset > 0 && base > INT64_MAX - offset))
        return -E_INVAL;
    return base + offset;
}

static void describe(const struct volume *v, struct wren_stat *st)
{
    memset(st, 0, sizeof(*st));
    if (!v) {
        st->type = WREN_FILE_TYPE_DIRECTORY;
        return;
    }
    st->type = WREN_FILE_TYPE_BLOCK_DEVICE;
    st->size = v->sectors * BLKDEV_SECTOR;
    st->id = v->id;
    st->block_size = BLKDEV_SECTOR;
}

static long bs_fstat(void *ctx, const struct wren_scheme_request *req, void *file, struct wren_stat *st)
{
    (void)ctx, (void)req;
    describe(file == DIR_FILE ? NULL : file_volume(file), st);
    return 0;
}

static long bs_stat(void *ctx, const struct wren_scheme_request *req, const char *path, struct wren_stat *st)
{
    (void)req;
    if (strcmp(path, "/") == 0) {
        describe(NULL, st);
        return 0;
    }
    struct volume *v = lookup(ctx, path);
    if (!v)
        return -E_NOENT;
    describe(v, st);
    return 0;
}

static long bs_readdir(void *ctx, const struct wren_scheme_request *req, const char *path, uint64_t index,
                       struct wren_dirent *d)
{
    (void)req;
    struct server *s = ctx;
    if (strcmp(path, "/") != 0)
        return lookup(s, path) ? -E_NOTDIR : -E_NOENT;
    if (index >= s->nvol)
        return -E_NOENT;
    const struct volume *v = &s->vol[index];
    memset(d, 0, sizeof(*d));
    d->type = WREN_FILE_TYPE_BLOCK_DEVICE;
    d->size = v->sectors * BLKDEV_SECTOR;
    d->id = v->id;
    int n = v->part ? snprintf((char *)d->name, sizeof(d->name), "%up%u", v->devno, v->part)
                    : snprintf((char *)d->name, sizeof(d->name), "%u", v->devno);
    d->name_len = (uint32_t)n;
    return 0;
}

static long bs_fsync(void *ctx, const struct wren_scheme_request *req, void *file)
{
    (void)ctx, (void)req;
    if (file == DIR_FILE)
        return 0;
    struct blkdev *d = file_volume(file)->dev;
    return d->flush ? d->flush(d) : 0;
}

static const struct wren_scheme_ops blk_ops = {
    .open = bs_open,
    .read = bs_read,
    .write = bs_write,
    .seek = bs_seek,
    .fstat = bs_fstat,
    .stat = bs_stat,
    .readdir = bs_readdir,
    .fsync = bs_fsync,
};

static void add_volume(struct server *s, struct blkdev *d, unsigned devno, unsigned part, uint64_t start,
                       uint64_t sectors)
{
    struct volume *v = &s->vol[s->nvol];
    *v = (struct volume){.dev = d, .start = start, .sectors = sectors, .devno = devno, .part = part};
    v->id = (uint64_t)devno << 32 | part;
    s->nvol++;
}

long blkdev_serve(const char *scheme, struct blkdev **devs, unsigned n)
{
    static struct server s;
    static struct part_table t;
    if (n == 0 || n > BLKDEV_MAX)
        return -E_INVAL;
    s.nvol = 0;
    for (unsigned i = 0; i < n; i++) {
        struct blkdev *d = devs[i];
        if (!d || !d->read || !d->write || d->max_sectors == 0)
            return -E_INVAL;
        if (d->sectors > DEVICE_MAX_SECTORS) {
            fprintf(stderr, "%s: disk %u claims %llu sectors; served as %llu\n", d->name, i,
                    (unsigned long long)d->sectors, (unsigned long long)DEVICE_MAX_SECTORS);
            d->sectors = DEVICE_MAX_SECTORS;
        }
        add_volume(&s, d, i, 0, 0, d->sectors);
        long r = partition_scan(scan_read, d, d->sectors, &t);
        if (r < 0)
            fprintf(stderr, "%s: disk %u: partition table refused (%ld); the whole device is served\n", d->name, i, r);
        for (unsigned k = 0; k < t.count; k++)
            add_volume(&s, d, i, t.p[k].index, t.p[k].start, t.p[k].sectors);
    }
    long server = wren_scheme_register_name(scheme);
    if (server < 0)
        return server;
    wren_port_drop_privilege();
    return wren_scheme_serve((wren_handle_t)server, &blk_ops, &s);
}
