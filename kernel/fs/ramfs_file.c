/*
 * Open ramfs files as kernel objects. Each holds a reference to its node, so a file unlinked
 * while open stays readable and writable until the last descriptor goes, and its own position
 * (shared by dup'd descriptors, which share the object).
 */
#include <wren/abi.h>

#include "fs/ramfs_file.h"
#include "arch/memlayout.h"
#include "fs/rootfs.h"
#include "mm/kmalloc.h"
#include "mm/pmm.h"
#include "user_ptr.h"

struct ramfs_file {
    struct kobject obj; /* first: the kobject pointer is the file pointer */
    struct ramfs_node *node;
    uint64_t pos;
};

/*
 * Bytes move between user memory and the file through this. One CPU, no preemption in the kernel. Aligned: memcpy
 * copies by words only when both ends are word-aligned, and a byte array may land anywhere in .bss (a 4 KiB read
 * cost 6,225 instructions instead of 2,312 when another file's .bss left it 4-byte aligned).
 */
static uint8_t bounce[4096] __attribute__((aligned(16)));

static struct ramfs_file *file_of(struct kobject *o)
{
    return (struct ramfs_file *)o;
}

static void file_destroy(struct kobject *o)
{
    ramfs_put(rootfs(), file_of(o)->node);
    kfree(o);
}

static long file_read(struct kobject *o, user_out_ptr buf, size_t count)
{
    struct ramfs_file *f = file_of(o);
    size_t done = 0;

    if (ramfs_type(f->node) == RAMFS_DIR)
        return -E_ISDIR;
    while (done < count) {
        size_t step = count - done < sizeof(bounce) ? count - done : sizeof(bounce);
        long got = ramfs_read(f->node, f->pos, bounce, step);
        if (got <= 0)
            break;
        if (copy_to_user((user_out_ptr){buf.addr + done}, bounce, (size_t)got))
            return done ? (long)done : -E_FAULT;
        f->pos += (uint64_t)got;
        done += (size_t)got;
    }
    return (long)done;
}

static long file_write(struct kobject *o, user_in_ptr buf, size_t count)
{
    struct ramfs_file *f = file_of(o);
    size_t done = 0;

    if (ramfs_type(f->node) == RAMFS_DIR)
        return -E_ISDIR;
    if (o->open_flags & WREN_OPEN_APPEND) {
        struct ramfs_stat st;
        ramfs_stat(f->node, &st);
        f->pos = st.size;
    }
    while (done < count) {
        size_t step = count - done < sizeof(bounce) ? count - done : sizeof(bounce);
        if (copy_from_user(bounce, (user_in_ptr){buf.addr + done}, step))
            return done ? (long)done : -E_FAULT;
        long put = ramfs_write(rootfs(), f->node, f->pos, bounce, step);
        if (put < 0)
            return done ? (long)done : put;
        f->pos += (uint64_t)put;
        done += (size_t)put;
        if ((size_t)put < step)
            break; /* out of memory part-way */
    }
    return (long)done;
}

static long file_lseek(struct kobject *o, int64_t offset, uint32_t whence)
{
    struct ramfs_file *f = file_of(o);
    struct ramfs_stat st;
    int64_t base;

    ramfs_stat(f->node, &st);
    switch (whence) {
    case WREN_WHENCE_SET: base = 0; break;
    case WREN_WHENCE_CUR: base = (int64_t)f->pos; break;
    case WREN_WHENCE_END: base = (int64_t)st.size; break;
    default: return -E_INVAL;
    }
    if ((offset > 0 && base > INT64_MAX - offset))
        return -E_OVERFLOW;
    if (base + offset < 0)
        return -E_INVAL;
    f->pos = (uint64_t)(base + offset);
    return (long)f->pos;
}

static long file_fstat(struct kobject *o, struct wren_stat *st)
{
    uint32_t flags = st->open_flags;
    rootfs_stat(file_of(o)->node, st);
    st->open_flags = flags;
    return 0;
}

/* A file in memory never makes its reader or writer wait. */
static uint32_t file_poll(struct kobject *o)
{
    (void)o;
    return WREN_POLL_READABLE | WREN_POLL_WRITABLE;
}

/*
 * A page of a private mapping of the file (mmap): a new page with a copy of the file's bytes at `offset` as they are
 * now, zeros past the end of the file. The copy is made when the page is first touched; later writes or truncation
 * of the file do not change pages already touched, and pages touched later see the file as it is then.
 */
static int file_map_page(struct kobject *o, uint64_t offset, uint64_t *pa)
{
    uint64_t page = pmm_alloc_zeroed(0);
    if (!page)
        return -E_NOMEM;
    (void)ramfs_read(file_of(o)->node, offset, phys_to_virt(page), PMM_PAGE_SIZE); /* short or nothing past EOF */
    *pa = page;
    return 0;
}

static long file_truncate(struct kobject *o, uint64_t size)
{
    struct ramfs_file *f = file_of(o);
    return o->file_type == WREN_FILE_TYPE_DIRECTORY ? -E_ISDIR : ramfs_truncate(rootfs(), f->node, size);
}

static const struct kobject_ops ramfs_file_ops = {
    .destroy = file_destroy,
    .read = file_read,
    .write = file_write,
    .lseek = file_lseek,
    .fstat = file_fstat,
    .truncate = file_truncate,
    .poll = file_poll,
    .map_page = file_map_page,
};

int ramfs_open(const char *path, size_t path_len, uint32_t open_flags, struct kobject **out)
{
    struct ramfs *fs = rootfs();
    struct ramfs_node *n;
    bool writing = open_flags & WREN_OPEN_WRITE;
    int err;

    if (!(open_flags & (WREN_OPEN_READ | WREN_OPEN_WRITE)))
        return -E_INVAL;
    /* Refuse before creating anything: "dir/" with CREATE is a directory, which cannot open for writing. */
    if (open_flags & WREN_OPEN_CREATE)
        err = ramfs_create(fs, path, path_len, 0644, open_flags & WREN_OPEN_EXCL, &n);
    else
        err = ramfs_lookup(fs, path, path_len, &n);
    if (err)
        return err;
    bool dir = ramfs_type(n) == RAMFS_DIR;
    if (dir && writing)
        return -E_ISDIR;
    uint64_t cost = kmalloc_size(sizeof(struct ramfs_file)); /* the open file; the file's bytes are the file system's */
    if (kobj_charge_begin(cost) != 0)
        return -E_NOMEM;
    struct ramfs_file *f = kzalloc(sizeof(*f));
    if (!f) {
        kobj_charge_cancel(cost);
        return -E_NOMEM;
    }
    if (!dir && writing && (open_flags & WREN_OPEN_TRUNCATE)) {
        err = ramfs_truncate(fs, n, 0);
        if (err) {
            kfree(f);
            kobj_charge_cancel(cost);
            return err;
        }
    }
    kobj_init(&f->obj, &ramfs_file_ops, WREN_OBJECT_FILE, dir ? WREN_FILE_TYPE_DIRECTORY : WREN_FILE_TYPE_REGULAR);
    kobj_charge_end(&f->obj, cost);
    f->obj.open_flags = open_flags;
    f->node = n;
    ramfs_get(n);
    *out = &f->obj;
    return 0;
}
