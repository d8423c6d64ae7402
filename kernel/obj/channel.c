/*
 * Channels (channel.h).
 *
 * Each end owns the queue of messages sent *to* it, a ring of `depth` slots, and two wait
 * queues: receivers waiting for a message on this end, and senders waiting for a free slot
 * in it. The ends point at each other until one is destroyed; a sender or receiver that wakes
 * re-reads its end's peer pointer, so it never touches an end that has gone.
 *
 * The call fast path: when a client's request lands on an end where a server thread is
 * already waiting in receive, the client blocks on its own end and hands the CPU to that
 * server directly (sched_block_handoff), and the server's reply does the same in return
 * when the client is the one waiting. Nothing goes through the ready queues on the way.
 */
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "obj/channel.h"
#include "obj/handle.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/waitq.h"

struct slot {
    struct wren_msg msg;
    struct kobject *handle; /* in flight with the message, or NULL */
    uint32_t rights;
};

struct channel_end {
    struct kobject obj;
    struct channel_end *peer; /* NULL once the peer is gone */
    bool close_delivered;     /* the Close message has been received */
    uint32_t depth, head, count;
    struct waitq receivers; /* waiting for a message on this end */
    struct waitq senders;   /* waiting for a free slot on this end */
    struct slot *slots;
};

static struct channel_end *end_of(struct kobject *o)
{
    return (struct channel_end *)o;
}

static void destroy(struct kobject *o)
{
    struct channel_end *e = end_of(o);
    struct channel_end *peer = e->peer;

    if (peer) {
        peer->peer = 0;
        waitq_wake_all(&peer->receivers); /* they get the Close message */
        waitq_wake_all(&e->senders);      /* peer's senders, waiting for room here: E_PIPE */
        kobj_notify(&peer->obj, WREN_POLL_READABLE | WREN_POLL_WRITABLE | WREN_POLL_HANGUP);
    }
    /* Handles still in flight towards this end go with it. */
    for (uint32_t i = 0; i < e->count; i++)
        kobj_put(e->slots[(e->head + i) % e->depth].handle);
    kfree(e->slots);
    kfree(e);
}

long channel_send(struct kobject *end, const struct wren_msg *msg, struct kobject *handle, uint32_t rights,
                  bool nonblock, uint64_t deadline)
{
    struct channel_end *e = end_of(end);
    struct proc *self = proc_current();

    for (;;) {
        struct channel_end *peer = e->peer;
        if (!peer)
            return -E_PIPE;
        if (peer->count < peer->depth) {
            struct slot *s = &peer->slots[(peer->head + peer->count) % peer->depth];
            s->msg = *msg;
            s->msg.header.sender = (uint64_t)self->pid;
            s->msg.header.handle_count = handle ? 1 : 0;
            s->handle = handle;
            s->rights = rights;
            peer->count++;
            waitq_wake_all(&peer->receivers);
            kobj_notify(&peer->obj, WREN_POLL_READABLE);
            return 0;
        }
        if (nonblock)
            return -E_AGAIN;
        long err = waitq_wait(&peer->senders, deadline);
        if (err)
            return err;
    }
}

/* Dequeue the oldest message of e into *msg (e->count > 0). */
static long take(struct channel_end *e, struct wren_msg *msg)
{
    struct slot *s = &e->slots[e->head];

    if (s->handle) {
        long h = handle_install(&proc_current()->handles, s->handle, s->rights, 0);
        if (h < 0)
            return h; /* stays queued, handle and all */
        *msg = s->msg;
        wren_handle_t hv = (wren_handle_t)h;
        memcpy(msg->payload, &hv, sizeof(hv));
    } else {
        *msg = s->msg;
    }
    s->handle = 0;
    e->head = (e->head + 1) % e->depth;
    e->count--;
    waitq_wake_all(&e->senders);
    if (e->peer)
        kobj_notify(&e->peer->obj, WREN_POLL_WRITABLE);
    return msg->header.length;
}

long channel_receive(struct kobject *end, struct wren_msg *msg, bool nonblock, uint64_t deadline)
{
    struct channel_end *e = end_of(end);

    for (;;) {
        if (e->count)
            return take(e, msg);
        if (!e->peer) {
            if (e->close_delivered)
                return -E_PIPE;
            e->close_delivered = true;
            memset(msg, 0, sizeof(*msg));
            msg->header.type = WREN_MSG_CLOSE;
            return 0;
        }
        if (nonblock)
            return -E_AGAIN;
        long err = waitq_wait(&e->receivers, deadline);
        if (err)
            return err;
    }
}

bool channel_is_peer(struct kobject *end, struct kobject *o)
{
    return &end_of(end)->peer->obj == o;
}

long channel_call(struct kobject *end, struct wren_msg *msg, uint64_t deadline)
{
    struct channel_end *e = end_of(end);
    struct channel_end *peer = e->peer;

    if (peer && peer->count < peer->depth && peer->receivers.head && !e->count) {
        /* Fast path: queue the request, take the waiting server off its queue, run it now. */
        struct proc *server = waitq_take_first(&peer->receivers);
        struct slot *s = &peer->slots[(peer->head + peer->count) % peer->depth];
        s->msg = *msg;
        s->msg.header.sender = (uint64_t)proc_current()->pid;
        s->msg.header.handle_count = 0;
        s->handle = 0;
        peer->count++;
        kobj_notify(&peer->obj, WREN_POLL_READABLE);
        /* Wait for the answer on our own end, as channel_receive would, but switch straight to the server. */
        long err = waitq_wait_handoff(&e->receivers, deadline, server);
        if (err)
            return err;
    } else {
        long err = channel_send(end, msg, 0, 0, false, deadline);
        if (err)
            return err;
    }
    long r = channel_receive(end, msg, false, deadline);
    /* The server went away without answering. */
    return r >= 0 && msg->header.type == WREN_MSG_CLOSE ? -E_PIPE : r;
}

/* A channel end used as a file descriptor: each write sends Data messages, each read takes one. */
static long ch_read(struct kobject *o, user_out_ptr buf, size_t count)
{
    struct wren_msg m;
    long r = channel_receive(o, &m, (o->open_flags & WREN_OPEN_NONBLOCK) != 0, 0);
    if (r < 0)
        return r == -E_PIPE ? 0 : r;
    if (m.header.type == WREN_MSG_CLOSE)
        return 0;                                                 /* end of file */
    size_t n = m.header.length < count ? m.header.length : count; /* datagram: the rest is dropped */
    if (copy_to_user(buf, m.payload, n))
        return -E_FAULT;
    return (long)n;
}

static long ch_write(struct kobject *o, user_in_ptr buf, size_t count)
{
    size_t done = 0;

    if (!user_readable(buf, count))
        return -E_FAULT;
    do {
        struct wren_msg m = {0};
        size_t n = count - done < WREN_MSG_PAYLOAD_SIZE ? count - done : WREN_MSG_PAYLOAD_SIZE;
        m.header.type = WREN_MSG_DATA;
        m.header.length = (uint32_t)n;
        if (copy_from_user(m.payload, (user_in_ptr){buf.addr + done}, n))
            return done ? (long)done : -E_FAULT;
        long err = channel_send(o, &m, 0, 0, (o->open_flags & WREN_OPEN_NONBLOCK) != 0, 0);
        if (err)
            return done ? (long)done : err;
        done += n;
    } while (done < count);
    return (long)done;
}

static long ch_fstat(struct kobject *o, struct wren_stat *st)
{
    st->size = end_of(o)->count; /* messages waiting */
    return 0;
}

/* Readable with a message or the peer gone; writable with room at the peer or the peer gone. */
static uint32_t ch_poll(struct kobject *o)
{
    struct channel_end *e = end_of(o);

    if (!e->peer)
        return WREN_POLL_READABLE | WREN_POLL_WRITABLE | WREN_POLL_HANGUP;
    return (e->count ? WREN_POLL_READABLE : 0) | (e->peer->count < e->peer->depth ? WREN_POLL_WRITABLE : 0);
}

static const struct kobject_ops channel_ops = {
    .destroy = destroy,
    .read = ch_read,
    .write = ch_write,
    .fstat = ch_fstat,
    .poll = ch_poll,
};

static struct channel_end *new_end(uint32_t depth)
{
    struct channel_end *e = kzalloc(sizeof(*e));
    if (!e)
        return 0;
    e->slots = kzalloc(depth * sizeof(struct slot));
    if (!e->slots) {
        kfree(e);
        return 0;
    }
    e->depth = depth;
    return e;
}

long channel_create(uint32_t depth, struct kobject **a, struct kobject **b)
{
    struct channel_end *x = new_end(depth), *y = new_end(depth);
    if (!x || !y) {
        if (x)
            kfree(x->slots), kfree(x);
        if (y)
            kfree(y->slots), kfree(y);
        return -E_NOMEM;
    }
    kobj_init(&x->obj, &channel_ops, WREN_OBJECT_CHANNEL, WREN_FILE_TYPE_CHANNEL);
    kobj_init(&y->obj, &channel_ops, WREN_OBJECT_CHANNEL, WREN_FILE_TYPE_CHANNEL);
    x->obj.open_flags = y->obj.open_flags = WREN_OPEN_READ | WREN_OPEN_WRITE;
    x->peer = y;
    y->peer = x;
    *a = &x->obj;
    *b = &y->obj;
    return 0;
}
