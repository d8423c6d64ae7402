/*
 * The `sys` scheme: read-only kernel state as text files under /scheme/sys (their contents: scheme/sys_files.c).
 *
 * Each open takes a snapshot: the file's text is written once into a kmalloc'd buffer, charged to the opener like
 * any object it makes, so one reader sees one consistent text however it reads and seeks; a fresh open sees the
 * state of that moment. Nothing here is writable: open for writing (or to create or truncate) fails with E_ACCES,
 * and a descriptor opened for reading has no write right, so write() on it is E_BADF before it gets here. stat and
 * readdir give the size a snapshot made now would have (the text is written and measured, not kept).
 */
#include "scheme/kernel_schemes.h"

#include "lib/string.h"
#include "lib/textbuf.h"
#include "mm/kmalloc.h"
#include "obj/object.h"
#include "scheme/scheme.h"
#include "scheme/sys_files.h"

struct sys_snapshot {
    struct kobject obj; /* first: the kobject pointer is the snapshot pointer */
    uint64_t pos;
    size_t len;
    char text[];
};

/*
 * Room a snapshot keeps beyond the length just measured: making it (charging, allocating) changes what some files
 * report (the heap's object count), and the text is written again after that.
 */
#define SNAPSHOT_SLACK 64
/* Tries before a snapshot that keeps outgrowing its room is cut at its last whole line. */
#define SNAPSHOT_TRIES 3

static struct sys_snapshot *snap_of(struct kobject *o)
{
    return (struct sys_snapshot *)o;
}

static void snap_destroy(struct kobject *o)
{
    kfree(o);
}

static long snap_read(struct kobject *o, user_out_ptr buf, size_t count)
{
    struct sys_snapshot *s = snap_of(o);
    if (s->pos >= s->len)
        return 0;
    size_t n = s->len - (size_t)s->pos;
    if (n > count)
        n = count;
    if (copy_to_user(buf, s->text + s->pos, n))
        return -E_FAULT;
    s->pos += n;
    return (long)n;
}

static long snap_lseek(struct kobject *o, int64_t offset, uint32_t whence)
{
    struct sys_snapshot *s = snap_of(o);
    int64_t base;
    switch (whence) {
    case WREN_WHENCE_SET: base = 0; break;
    case WREN_WHENCE_CUR: base = (int64_t)s->pos; break;
    case WREN_WHENCE_END: base = (int64_t)s->len; break;
    default: return -E_INVAL;
    }
    if (offset > 0 && base > INT64_MAX - offset)
        return -E_OVERFLOW;
    if (base + offset < 0)
        return -E_INVAL;
    s->pos = (uint64_t)(base + offset);
    return (long)s->pos;
}

static long snap_fstat(struct kobject *o, struct wren_stat *st)
{
    struct sys_snapshot *s = snap_of(o);
    st->size = s->len;
    return 0;
}

/* A snapshot never makes its reader wait. */
static uint32_t snap_poll(struct kobject *o)
{
    (void)o;
    return WREN_POLL_READABLE;
}

static const struct kobject_ops snapshot_ops = {
    .destroy = snap_destroy,
    .read = snap_read,
    .lseek = snap_lseek,
    .fstat = snap_fstat,
    .poll = snap_poll,
};

/* The file a path inside the scheme names ("/name"), or NULL. */
static const struct sys_file *file_at(const char *path, size_t len)
{
    if (len < 2 || path[0] != '/')
        return 0;
    for (size_t i = 0; i < sys_file_count; i++) {
        const char *name = sys_files[i].name;
        if (strlen(name) == len - 1 && memcmp(name, path + 1, len - 1) == 0)
            return &sys_files[i];
    }
    return 0;
}

static bool is_root(const char *path, size_t len)
{
    return len == 1 && path[0] == '/';
}

/* The error for a path that names no file: "/cpu/" names a file as if it were a directory (as POSIX has it). */
static long missing(const char *path, size_t len)
{
    return len > 1 && path[len - 1] == '/' && file_at(path, len - 1) ? -E_NOTDIR : -E_NOENT;
}

static size_t measure(const struct sys_file *f)
{
    struct textbuf t;
    textbuf_init(&t, 0, 0);
    f->write(&t);
    return t.len;
}

static long take_snapshot(const struct sys_file *f, struct kobject **out)
{
    for (int attempt = 1;; attempt++) {
        size_t room = measure(f) + SNAPSHOT_SLACK;
        uint64_t cost = kmalloc_size(sizeof(struct sys_snapshot) + room);
        if (kobj_charge_begin(cost) != 0)
            return -E_NOMEM;
        struct sys_snapshot *s = kmalloc(sizeof(*s) + room);
        if (!s) {
            kobj_charge_cancel(cost);
            return -E_NOMEM;
        }
        struct textbuf t;
        textbuf_init(&t, s->text, room);
        f->write(&t);
        if (t.len > room && attempt < SNAPSHOT_TRIES) {
            kfree(s);
            kobj_charge_cancel(cost);
            continue;
        }
        size_t len = textbuf_held(&t);
        if (t.len > room) /* still growing: keep whole lines only */
            while (len && s->text[len - 1] != '\n')
                len--;
        kobj_init(&s->obj, &snapshot_ops, WREN_OBJECT_FILE, WREN_FILE_TYPE_REGULAR);
        kobj_charge_end(&s->obj, cost);
        s->pos = 0;
        s->len = len;
        *out = &s->obj;
        return 0;
    }
}

static long sysfs_open(struct scheme *sch, const char *path, size_t len, uint32_t flags, struct kobject **out)
{
    (void)sch;
    const struct sys_file *f = file_at(path, len);
    if (!f) {
        if (is_root(path, len))
            return -E_ISDIR;
        long err = missing(path, len);
        /* No name can be made here: creating one is refused as writing is. */
        return err == -E_NOENT && (flags & WREN_OPEN_CREATE) ? -E_ACCES : err;
    }
    if ((flags & (WREN_OPEN_CREATE | WREN_OPEN_EXCL)) == (WREN_OPEN_CREATE | WREN_OPEN_EXCL))
        return -E_EXIST;
    if (flags & (WREN_OPEN_WRITE | WREN_OPEN_TRUNCATE | WREN_OPEN_APPEND))
        return -E_ACCES;
    long err = take_snapshot(f, out);
    if (!err)
        (*out)->open_flags = flags;
    return err;
}

static long sysfs_stat(struct scheme *sch, const char *path, size_t len, struct wren_stat *st)
{
    (void)sch;
    if (is_root(path, len)) {
        st->type = WREN_FILE_TYPE_DIRECTORY;
        st->size = sys_file_count;
        return 0;
    }
    const struct sys_file *f = file_at(path, len);
    if (!f)
        return missing(path, len);
    st->type = WREN_FILE_TYPE_REGULAR;
    st->size = measure(f);
    st->id = (uint64_t)(f - sys_files) + 1;
    st->block_size = 4096;
    return 0;
}

static long sysfs_readdir(struct scheme *sch, const char *path, size_t len, uint64_t index, struct wren_dirent *d)
{
    (void)sch;
    if (!is_root(path, len))
        return file_at(path, len) ? -E_NOTDIR : missing(path, len);
    if (index >= sys_file_count)
        return -E_NOENT;
    const struct sys_file *f = &sys_files[index];
    size_t n = strlen(f->name);
    d->type = WREN_FILE_TYPE_REGULAR;
    d->name_len = (uint32_t)n;
    memcpy(d->name, f->name, n + 1);
    d->size = measure(f);
    d->id = index + 1;
    return 0;
}

static const struct scheme_ops sys_scheme_ops = {
    .open = sysfs_open,
    .stat = sysfs_stat,
    .readdir = sysfs_readdir,
};

static struct scheme sys_scheme = {
    .ops = &sys_scheme_ops,
    .name = "sys",
    .name_len = 3,
};

void sys_scheme_init(void)
{
    kernel_scheme_register(&sys_scheme);
}
