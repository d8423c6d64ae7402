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
#include "scheme/kernel_schemes.h"
#include "scheme/scheme.h"

#define FIFO_NAME_MAX 255 /* one path component */
#define FIFOS_MAX     256 /* names at once, for everyone: a bound on the list every lookup walks */

struct fifo {
    struct kobject obj; /* no handle names it: the list and the ends hold it */
    struct list link;   /* on fifos while it has a name */
    uint64_t id;
    struct pipe *pipe;
    uint32_t name_len;
    char name[FIFO_NAME_MAX + 1];
};

static struct list fifos = LIST_INIT(fifos);
static uint32_t nfifos;
static uint64_t next_id = 1;

static void fifo_destroy(struct kobject *o)
{
    struct fifo *f = (struct fifo *)o;
    pipe_fifo_free(f->pipe);
    kfree(f);
}

static const struct kobject_ops fifo_ops = {
    .destroy = fifo_destroy,
};

/* The name "/<name>" gives: 0, or -E_NOENT (the root, or a path below a name: there are no directories here) or
 * -E_NAMETOOLONG. */
static long name_of(const char *path, size_t len, const char **name, size_t *name_len)
{
    if (len < 2 || path[0] != '/')
        return -E_NOENT;
    for (size_t i = 1; i < len; i++) {
        if (path[i] == '/')
            return -E_NOENT;
    }
    *name = path + 1;
    *name_len = len - 1;
    return *name_len <= FIFO_NAME_MAX ? 0 : -E_NAMETOOLONG;
}

static bool is_root(const char *path, size_t len)
{
    return len == 1 && path[0] == '/';
}

static struct fifo *fifo_find(const char *name, size_t len)
{
    for (struct list *l = fifos.next; l != &fifos; l = l->next) {
        struct fifo *f = list_entry(l, struct fifo, link);
        if (f->name_len == len && memcmp(f->name, name, len) == 0)
            return f;
    }
    return 0;
}

/* The pipe path names, or NULL. */
static struct fifo *fifo_at(const char *path, size_t len)
{
    const char *name;
    size_t name_len;
    return name_of(path, len, &name, &name_len) == 0 ? fifo_find(name, name_len) : 0;
}

/* Take f off the list: the list's reference goes (f lives on while an end holds it). */
static void fifo_unname(struct fifo *f)
{
    list_del(&f->link);
    nfifos--;
    kobj_put(&f->obj);
}

static long fifo_create(const char *name, size_t len, struct fifo **out)
{
    if (nfifos >= FIFOS_MAX)
        return -E_NOSPC;
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
    f->id = next_id++;
    f->name_len = (uint32_t)len;
    memcpy(f->name, name, len);
    list_add_tail(&fifos, &f->link);
    nfifos++;
    *out = f;
    return 0;
}

static long pipe_open(struct scheme *s, const char *path, size_t len, uint32_t flags, struct kobject **out)
{
    (void)s;
    const char *name;
    size_t name_len;

    if (is_root(path, len))
        return -E_ISDIR;
    long bad = name_of(path, len, &name, &name_len);
    if (bad)
        return bad;
    if ((flags & WREN_OPEN_READ) && (flags & WREN_OPEN_WRITE))
        return -E_INVAL;
    struct fifo *f = fifo_find(name, name_len);
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

static long pipe_stat(struct scheme *s, const char *path, size_t len, struct wren_stat *st)
{
    (void)s;
    if (is_root(path, len)) {
        st->type = WREN_FILE_TYPE_DIRECTORY;
        st->size = nfifos;
        st->block_size = 4096;
        return 0;
    }
    struct fifo *f = fifo_at(path, len);
    if (!f)
        return -E_NOENT;
    st->type = WREN_FILE_TYPE_PIPE;
    st->size = pipe_fifo_waiting(f->pipe);
    st->id = f->id;
    st->block_size = PIPE_SIZE;
    return 0;
}

static long pipe_readdir(struct scheme *s, const char *path, size_t len, uint64_t index, struct wren_dirent *d)
{
    (void)s;
    if (!is_root(path, len))
        return fifo_at(path, len) ? -E_NOTDIR : -E_NOENT;
    for (struct list *l = fifos.next; l != &fifos; l = l->next, index--) {
        if (index == 0) {
            struct fifo *f = list_entry(l, struct fifo, link);
            d->type = WREN_FILE_TYPE_PIPE;
            d->size = pipe_fifo_waiting(f->pipe);
            d->id = f->id;
            d->name_len = f->name_len;
            memcpy(d->name, f->name, f->name_len + 1);
            return 0;
        }
    }
    return -E_NOENT;
}

static long pipe_unlink(struct scheme *s, const char *path, size_t len)
{
    (void)s;
    if (is_root(path, len))
        return -E_ISDIR;
    struct fifo *f = fifo_at(path, len);
    if (!f)
        return -E_NOENT;
    fifo_unname(f);
    return 0;
}

static long pipe_rename(struct scheme *s, const char *old, size_t old_len, const char *new, size_t new_len)
{
    (void)s;
    const char *to;
    size_t to_len;

    if (is_root(old, old_len) || is_root(new, new_len))
        return -E_BUSY; /* the directory itself */
    struct fifo *f = fifo_at(old, old_len);
    if (!f)
        return -E_NOENT;
    long bad = name_of(new, new_len, &to, &to_len);
    if (bad)
        return bad;
    struct fifo *there = fifo_find(to, to_len);
    if (there == f)
        return 0;
    if (there)
        fifo_unname(there); /* replaced, as POSIX rename replaces */
    f->name_len = (uint32_t)to_len;
    memcpy(f->name, to, to_len);
    f->name[to_len] = 0;
    return 0;
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
