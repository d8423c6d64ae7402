/*
 * The `pipe` scheme: named pipes (POSIX FIFOs) in one flat directory.
 *
 * open("/scheme/pipe/<name>", WREN_OPEN_CREATE | ...) makes the name if it is not there (with WREN_OPEN_EXCL, a
 * name already there is E_EXIST); open without CREATE finds it (E_NOENT if it is not there). Each open gives one
 * end: WREN_OPEN_READ a read end, WREN_OPEN_WRITE a write end (both at once is E_INVAL: a descriptor here is one
 * end of a pipe, as pipe() gives). Without WREN_OPEN_NONBLOCK the open waits until the other side is open too
 * (E_INTR for a signal), so a reader never sees end of file before its first writer came; with it a reader's open
 * returns at once and a writer's is E_AGAIN while nobody reads. Data then flows as through pipe() (objects/pipe.c):
 * readers see end of file once every writer has closed, writers get E_PIPE (and SIGPIPE) once every reader has;
 * what is left when both sides have closed is discarded. Descriptors opened on the same side share its end (so its
 * WREN_OPEN_NONBLOCK is its first opener's).
 *
 * unlink removes the name (the pipe lives on while an end is open); rename moves it, replacing a pipe already
 * called the new name. readdir of the root lists the names, stat describes one (size: bytes waiting). Each name is
 * a kobject charged to the process that made it (the name, the pipe's state and its 4 KiB ring); the list holds
 * one reference and each open end another.
 */
#include <wren/abi.h>

#include "lib/list.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "objects/pipe.h"
#include "scheme/flat_dir.h"
#include "scheme/kernel_schemes.h"
#include "scheme/scheme.h"

#define FIFOS_MAX 256 /* names at once, for everyone: a bound on the list every lookup walks */

struct fifo {
    struct flat_entry e; /* first: its name in the scheme's directory */
    struct kobject obj;  /* no handle names it: the directory and the ends hold it */
    struct pipe *pipe;
};

static void fifo_unname(struct flat_entry *e);
static struct flat_dir fifos = FLAT_DIR_INIT(fifos, FIFOS_MAX, fifo_unname);

static struct fifo *fifo_of(struct flat_entry *e)
{
    return (struct fifo *)e;
}

static void fifo_destroy(struct kobject *o)
{
    struct fifo *f = (struct fifo *)((char *)o - offsetof(struct fifo, obj));
    pipe_fifo_free(f->pipe);
    kfree(f);
}

static const struct kobject_ops fifo_ops = {
    .destroy = fifo_destroy,
};

/* The name goes: the directory's reference goes with it (f lives on while an end holds it). */
static void fifo_unname(struct flat_entry *e)
{
    flat_del(&fifos, e);
    kobj_put(&fifo_of(e)->obj);
}

static long fifo_create(const char *name, size_t len, struct fifo **out)
{
    long err = flat_reserve(&fifos);
    if (err)
        return err;
    uint64_t cost = kmalloc_size(sizeof(struct fifo)) + pipe_fifo_cost();
    if (kobj_charge_begin(cost) != 0)
        return -E_NOMEM;
    struct fifo *f = kzalloc(sizeof(*f));
    if (!f || pipe_fifo_create(&f->obj, &f->pipe) != 0) {
        kfree(f);
        kobj_charge_cancel(cost);
        return -E_NOMEM;
    }
    kobj_init(&f->obj, &fifo_ops, 0, WREN_FILE_TYPE_PIPE);
    kobj_charge_end(&f->obj, cost);
    flat_add(&fifos, &f->e, name, len);
    *out = f;
    return 0;
}

static long pipe_open(struct scheme *s, const char *path, size_t len, uint32_t flags, struct kobject **out)
{
    (void)s;
    const char *name;
    size_t name_len;

    if (flat_is_root(path, len))
        return -E_ISDIR;
    long bad = flat_name_of(path, len, &name, &name_len);
    if (bad)
        return bad;
    if ((flags & WREN_OPEN_READ) && (flags & WREN_OPEN_WRITE))
        return -E_INVAL;
    struct flat_entry *e = flat_find(&fifos, name, name_len);
    struct fifo *f = e ? fifo_of(e) : 0;
    if (f && (flags & WREN_OPEN_CREATE) && (flags & WREN_OPEN_EXCL))
        return -E_EXIST;
    if (!f) {
        if (!(flags & WREN_OPEN_CREATE))
            return -E_NOENT;
        long err = fifo_create(name, name_len, &f);
        if (err)
            return err;
    }
    /* The open may wait for the other side: hold the name across it (the path is not used again). */
    kobj_get(&f->obj);
    long err = pipe_fifo_open(f->pipe, (flags & WREN_OPEN_WRITE) != 0, flags, out);
    kobj_put(&f->obj);
    return err;
}

static void describe(struct fifo *f, uint32_t *type, uint64_t *size, uint64_t *id)
{
    *type = WREN_FILE_TYPE_PIPE;
    *size = pipe_fifo_waiting(f->pipe);
    *id = f->e.id;
}

static long pipe_stat(struct scheme *s, const char *path, size_t len, struct wren_stat *st)
{
    (void)s;
    if (flat_is_root(path, len)) {
        st->type = WREN_FILE_TYPE_DIRECTORY;
        st->size = fifos.count;
        st->block_size = 4096;
        return 0;
    }
    struct flat_entry *e = flat_at(&fifos, path, len);
    if (!e)
        return -E_NOENT;
    describe(fifo_of(e), &st->type, &st->size, &st->id);
    st->block_size = PIPE_SIZE;
    return 0;
}

static long pipe_readdir(struct scheme *s, const char *path, size_t len, uint64_t index, struct wren_dirent *d)
{
    (void)s;
    long err = flat_readdir_check(&fifos, path, len);
    if (err)
        return err;
    struct flat_entry *e = flat_nth(&fifos, index);
    if (!e)
        return -E_NOENT;
    describe(fifo_of(e), &d->type, &d->size, &d->id);
    d->name_len = e->name_len;
    memcpy(d->name, e->name, e->name_len + 1);
    return 0;
}

static long pipe_unlink(struct scheme *s, const char *path, size_t len)
{
    (void)s;
    return flat_unlink(&fifos, path, len);
}

static long pipe_rename(struct scheme *s, const char *old, size_t old_len, const char *new, size_t new_len)
{
    (void)s;
    return flat_rename(&fifos, old, old_len, new, new_len);
}

static const struct scheme_ops pipe_scheme_ops = {
    .open = pipe_open,
    .stat = pipe_stat,
    .readdir = pipe_readdir,
    .unlink = pipe_unlink,
    .rename = pipe_rename,
};

static struct scheme pipe_scheme = {.ops = &pipe_scheme_ops, .name = "pipe", .name_len = 4};

void pipe_scheme_init(void)
{
    kernel_scheme_register(&pipe_scheme);
}
