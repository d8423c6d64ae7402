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
