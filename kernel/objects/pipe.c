/*
 * Pipes (pipe.h). Data moves straight between user buffers and the ring, one contiguous
 * stretch of the ring per copy. A writer of at most PIPE_SIZE bytes waits until all of them
 * fit, so its bytes are never interleaved with another writer's; a larger write may be split.
 * A buffer that turns out unreadable or unwritable partway ends the call with the bytes
 * moved so far (E_FAULT if none): nothing is checked up front, which would cost a page-table
 * walk per page on every call.
 */
#include "mm/kmalloc.h"
#include "objects/pipe.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/waitq.h"

struct pipe {
    char *buf;               /* PIPE_SIZE bytes */
    uint32_t head, tail;     /* free-running; head - tail bytes are waiting */
    int readers, writers;    /* open ends (0 or 1 each: dup shares the end object) */
    struct waitq can_read;   /* readers wait for data or the last writer's close */
    struct waitq can_write;  /* writers wait for room or the last reader's close */
    struct kobject *rd, *wr; /* the ends, while open: their event watchers are told of changes */
    struct kobject *owner;   /* a named pipe's name (pipe_fifo_*), which each end holds a reference to; else NULL */
};

struct pipe_end {
    struct kobject obj;
    struct pipe *pipe;
};

static struct pipe *pipe_of(struct kobject *o)
{
    return ((struct pipe_end *)o)->pipe;
}

static void pipe_release(struct pipe *p)
{
    if (p->owner) {
        if (p->readers == 0 && p->writers == 0)
            p->tail = p->head; /* POSIX: what is left in a FIFO when its last end closes is discarded */
        kobj_put(p->owner);    /* the end's reference: the owner frees the pipe (pipe_fifo_free) when it goes */
        return;
    }
    if (p->readers == 0 && p->writers == 0) {
        kmalloc_pages_free(p->buf, 0);
        kfree(p);
    }
}

static void destroy_read_end(struct kobject *o)
{
    struct pipe *p = pipe_of(o);
    p->readers--;
    p->rd = 0;
    waitq_wake_all(&p->can_write); /* blocked writers now fail with E_PIPE */
    if (p->wr)
        kobj_notify(p->wr, WREN_POLL_WRITABLE | WREN_POLL_HANGUP);
    kfree(o);
    pipe_release(p);
}

static void destroy_write_end(struct kobject *o)
{
    struct pipe *p = pipe_of(o);
    p->writers--;
    p->wr = 0;
    waitq_wake_all(&p->can_read); /* blocked readers now see end of file */
    if (p->rd)
        kobj_notify(p->rd, WREN_POLL_READABLE | WREN_POLL_HANGUP);
    kfree(o);
    pipe_release(p);
}

static long pipe_read(struct kobject *o, user_out_ptr buf, size_t count)
{
    struct pipe *p = pipe_of(o);
    size_t done = 0;

    if (count == 0)
        return 0;
    while (p->head == p->tail) {
        if (p->writers == 0)
            return 0;
        if (o->open_flags & WREN_OPEN_NONBLOCK)
            return -E_AGAIN;
        long err = waitq_wait(&p->can_read, WAITQ_FOREVER);
        if (err)
            return err; /* -E_INTR */
    }
    while (done < count && p->head != p->tail) {
        size_t n = p->head - p->tail;
        uint32_t at = p->tail % PIPE_SIZE;
        if (n > PIPE_SIZE - at)
            n = PIPE_SIZE - at; /* up to the end of the ring; the next round takes the rest */
        if (n > count - done)
            n = count - done;
        if (copy_to_user((user_out_ptr){buf.addr + done}, p->buf + at, n))
            return done ? (long)done : -E_FAULT; /* the bytes stay in the pipe */
        p->tail += (uint32_t)n;
        done += n;
    }
    waitq_wake_all(&p->can_write);
    if (p->wr)
        kobj_notify(p->wr, WREN_POLL_WRITABLE);
    return (long)done;
}

static long pipe_write(struct kobject *o, user_in_ptr buf, size_t count)
{
    struct pipe *p = pipe_of(o);
    size_t done = 0;

    while (done < count) {
        if (p->readers == 0) {
            signal_post(proc_current(), WREN_SIGNAL_SIGPIPE); /* kills the writer unless handled or ignored */
            return done ? (long)done : -E_PIPE;
        }
        size_t room = PIPE_SIZE - (p->head - p->tail);
        /* A small write waits for room for all of it; a large one goes as room appears. */
        size_t need = count <= PIPE_SIZE ? count - done : 1;
        if (room < need) {
            if (o->open_flags & WREN_OPEN_NONBLOCK)
                return done ? (long)done : -E_AGAIN;
            long err = waitq_wait(&p->can_write, WAITQ_FOREVER);
            if (err)
                return done ? (long)done : err; /* -E_INTR */
            continue;
        }
        while (done < count && room > 0) {
            size_t n = count - done;
            uint32_t at = p->head % PIPE_SIZE;
            if (n > room)
                n = room;
            if (n > PIPE_SIZE - at)
                n = PIPE_SIZE - at;
            if (copy_from_user(p->buf + at, (user_in_ptr){buf.addr + done}, n))
                return done ? (long)done : -E_FAULT; /* the bytes past head are not in the pipe */
            p->head += (uint32_t)n;
            room -= n;
            done += n;
        }
        waitq_wake_all(&p->can_read);
        if (p->rd)
            kobj_notify(p->rd, WREN_POLL_READABLE);
    }
    return (long)done;
}

static long pipe_fstat(struct kobject *o, struct wren_stat *st)
{
    struct pipe *p = pipe_of(o);
    st->size = p->head - p->tail; /* bytes waiting, as several systems report */
    return 0;
}

/* Readable with data or once the writers are gone (end of file); writable with room or once the readers are gone. */
static uint32_t pipe_poll(struct kobject *o)
{
    struct pipe *p = pipe_of(o);

    if (o == p->rd) {
        if (!p->writers)
            return WREN_POLL_READABLE | WREN_POLL_HANGUP;
        return p->head != p->tail ? WREN_POLL_READABLE : 0;
    }
    if (!p->readers)
        return WREN_POLL_WRITABLE | WREN_POLL_HANGUP;
    return p->head - p->tail < PIPE_SIZE ? WREN_POLL_WRITABLE : 0;
}

static const struct kobject_ops read_end_ops = {
    .destroy = destroy_read_end,
    .read = pipe_read,
    .fstat = pipe_fstat,
    .poll = pipe_poll,
};

static const struct kobject_ops write_end_ops = {
    .destroy = destroy_write_end,
    .write = pipe_write,
    .fstat = pipe_fstat,
    .poll = pipe_poll,
};

long pipe_create(uint32_t flags, struct kobject **read_end, struct kobject **write_end)
{
    /* The shared part (state and ring) is charged with the read end: the whole stays charged until both go. */
    uint64_t end = kmalloc_size(sizeof(struct pipe_end));
    uint64_t shared = kmalloc_size(sizeof(struct pipe)) + PIPE_SIZE;
    if (kobj_charge_begin(2 * end + shared) != 0)
        return -E_NOMEM;
    struct pipe *p = kzalloc(sizeof(*p));
    struct pipe_end *r = kmalloc(sizeof(*r)), *w = kmalloc(sizeof(*w));
    char *buf = kmalloc_pages_alloc(0);

    if (!p || !r || !w || !buf) {
        if (buf)
            kmalloc_pages_free(buf, 0);
        kfree(p), kfree(r), kfree(w);
        kobj_charge_cancel(2 * end + shared);
        return -E_NOMEM;
    }
    p->buf = buf;
    p->readers = p->writers = 1;
    kobj_init(&r->obj, &read_end_ops, WREN_OBJECT_FILE, WREN_FILE_TYPE_PIPE);
    kobj_init(&w->obj, &write_end_ops, WREN_OBJECT_FILE, WREN_FILE_TYPE_PIPE);
    kobj_charge_end(&r->obj, end + shared);
    kobj_charge_end(&w->obj, end);
    r->obj.open_flags = WREN_OPEN_READ | (flags & WREN_OPEN_NONBLOCK);
    w->obj.open_flags = WREN_OPEN_WRITE | (flags & WREN_OPEN_NONBLOCK);
    r->pipe = w->pipe = p;
    p->rd = &r->obj;
    p->wr = &w->obj;
    *read_end = &r->obj;
    *write_end = &w->obj;
    return 0;
}

long pipe_fifo_create(struct kobject *owner, struct pipe **out)
{
    struct pipe *p = kzalloc(sizeof(*p));
    char *buf = kmalloc_pages_alloc(0);
    if (!p || !buf) {
        if (buf)
            kmalloc_pages_free(buf, 0);
        kfree(p);
        return -E_NOMEM;
    }
    p->buf = buf;
    p->owner = owner;
    *out = p;
    return 0;
}

void pipe_fifo_free(struct pipe *p)
{
    KASSERT(!p->readers && !p->writers); /* every end holds the owner */
    kmalloc_pages_free(p->buf, 0);
    kfree(p);
}

/* A new end of the named pipe p, holding a reference to its owner: 0, or -E_NOMEM. */
static long fifo_new_end(struct pipe *p, bool write, uint32_t flags, struct kobject **out)
{
    uint64_t cost = kmalloc_size(sizeof(struct pipe_end));
    if (kobj_charge_begin(cost) != 0)
        return -E_NOMEM;
    struct pipe_end *e = kmalloc(sizeof(*e));
    if (!e) {
        kobj_charge_cancel(cost);
        return -E_NOMEM;
    }
    kobj_init(&e->obj, write ? &write_end_ops : &read_end_ops, WREN_OBJECT_FILE, WREN_FILE_TYPE_PIPE);
    kobj_charge_end(&e->obj, cost);
    e->obj.open_flags = (write ? WREN_OPEN_WRITE : WREN_OPEN_READ) | (flags & WREN_OPEN_NONBLOCK);
    e->pipe = p;
    kobj_get(p->owner);
    if (write) {
        p->writers = 1;
        p->wr = &e->obj;
    } else {
        p->readers = 1;
        p->rd = &e->obj;
    }
    *out = &e->obj;
    return 0;
}

long pipe_fifo_open(struct pipe *p, bool write, uint32_t flags, struct kobject **out)
{
    struct kobject *mine = write ? p->wr : p->rd;
    if (mine) {
        kobj_get(mine); /* this side is open already: share its end, as dup would */
    } else {
        long err = fifo_new_end(p, write, flags, &mine);
        if (err)
            return err;
        /* The other side waits in its open for this one, or blocks in read or write: look again. */
        waitq_wake_all(write ? &p->can_read : &p->can_write);
        struct kobject *peer = write ? p->rd : p->wr;
        if (peer)
            kobj_notify(peer, write ? WREN_POLL_READABLE : WREN_POLL_WRITABLE);
    }
    if (!(flags & WREN_OPEN_NONBLOCK)) {
        /* POSIX: opening one side waits until the other is open, so a reader does not see end of file at once. */
        while (!(write ? p->readers : p->writers)) {
            long err = waitq_wait(write ? &p->can_write : &p->can_read, WAITQ_FOREVER);
            if (err) {
                kobj_put(mine);
                return err; /* -E_INTR */
            }
        }
    } else if (write && !p->readers) {
        kobj_put(mine);
        return -E_AGAIN; /* nobody would read it: POSIX's ENXIO */
    }
    *out = mine;
    return 0;
}

uint64_t pipe_fifo_cost(void)
{
    return kmalloc_size(sizeof(struct pipe)) + PIPE_SIZE;
}

uint32_t pipe_fifo_waiting(const struct pipe *p)
{
    return p->head - p->tail;
}
