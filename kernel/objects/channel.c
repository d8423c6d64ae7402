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
 * It runs under the kernel lock like everything here: docs/kernel.md §16 lists the shared
 * state it touches and what running it without that lock would need.
 */
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "objects/channel.h"
#include "obj/handle.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/waitq.h"
#include "syscall_table.h"

_Static_assert(sizeof(struct wren_msg) == ARCH_UACCESS_MSG_SIZE, "messages are copied with copy_msg_*_user");

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

/* Slot n places after the head (n <= depth): head + n < 2 * depth, so no division is needed. */
static struct slot *slot_at(struct channel_end *e, uint32_t n)
{
    uint32_t i = e->head + n;
    return &e->slots[i >= e->depth ? i - e->depth : i];
}

/*
 * The slot for a message of priority `prio` (> 0) on e, which has room: behind every queued
 * message of the same or a higher priority. The lower ones behind it move back by one.
 * Normal messages never come here: they take the tail, as if there were no priorities.
 */
static struct slot *priority_slot(struct channel_end *e, uint32_t prio)
{
    uint32_t i = e->count;

    for (; i > 0; i--) {
        struct slot *before = slot_at(e, i - 1);
        if ((before->msg.header.flags & CHANNEL_PRIORITY_MASK) >= prio)
            break;
        *slot_at(e, i) = *before;
    }
    return slot_at(e, i);
}

static struct slot *tail_of(struct channel_end *e)
{
    return slot_at(e, e->count);
}

/* commit_tail's rare case, out of line: the staged tail slot `s` moves up to its place. */
static __attribute__((noinline)) void commit_priority(struct channel_end *to, struct slot *s, uint32_t prio)
{
    struct slot staged = *s; /* priority_slot moves lower messages back over the tail */
    *priority_slot(to, prio) = staged;
}

/*
 * Queue the message written into the free tail slot `s` of `to` (tail_of(to), which the caller
 * has at hand), with `handle` (or NULL) and its rights: a normal message stays at the tail, a
 * priority one moves up to its place.
 */
static inline __attribute__((always_inline)) void commit_tail(struct channel_end *to, struct slot *s,
                                                              struct kobject *handle, uint32_t rights)
{
    s->msg.header.sender = (uint64_t)proc_current()->pid;
    s->msg.header.handle_count = handle ? 1 : 0;
    s->handle = handle;
    s->rights = rights;
    uint32_t prio = s->msg.header.flags & CHANNEL_PRIORITY_MASK;
    if (prio)
        commit_priority(to, s, prio);
    to->count++;
}

/*
 * Check a user's message for sending; `type`: what header.type becomes (0: keep it, if a user may send it). Every
 * path that takes a message from user space comes here (send, call, reply_receive, port_publish): a type ipc.yaml
 * marks kernel_only (Close) is refused, so a Close is always the kernel's word that the peer has gone.
 */
static long check_msg(struct wren_msg *m, uint32_t type)
{
    if (m->header.length > WREN_MSG_PAYLOAD_SIZE)
        return -E_MSGSIZE;
    if (type)
        m->header.type = type;
    else if (!msg_type_user_may_send(m->header.type))
        return -E_INVAL;
    return 0;
}

/* Copy a user's message straight into the free tail slot `tail` and check it there (not yet queued). */
static long stage_user(struct slot *tail, user_in_ptr umsg, uint32_t type)
{
    struct wren_msg *m = &tail->msg;
    if (copy_msg_from_user(m, umsg))
        return -E_FAULT;
    return check_msg(m, type);
}

long channel_fetch_msg(struct wren_msg *m, user_in_ptr umsg, uint32_t type)
{
    if (copy_msg_from_user(m, umsg))
        return -E_FAULT;
    return check_msg(m, type);
}

long channel_send(struct kobject *end, const struct wren_msg *msg, struct kobject *handle, uint32_t rights,
                  bool nonblock, uint64_t deadline)
{
    struct channel_end *e = end_of(end);

    for (;;) {
        struct channel_end *peer = e->peer;
        if (!peer)
            return -E_PIPE;
        if (peer->count < peer->depth) {
            struct slot *tail = tail_of(peer);
            tail->msg = *msg;
            commit_tail(peer, tail, handle, rights);
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

/*
 * Send a user's message. With room on the peer (the usual case) it is copied straight into
 * its slot; otherwise it is copied and checked first, so a bad message is refused before
 * any wait, and queued when room comes.
 */
static long send_user(struct channel_end *e, user_in_ptr umsg, uint32_t type, bool nonblock, uint64_t deadline)
{
    struct channel_end *peer = e->peer;

    if (peer && peer->count < peer->depth) {
        struct slot *tail = tail_of(peer);
        long err = stage_user(tail, umsg, type);
        if (err)
            return err;
        commit_tail(peer, tail, 0, 0);
        waitq_wake_all(&peer->receivers);
        kobj_notify(&peer->obj, WREN_POLL_READABLE);
        return 0;
    }
    struct wren_msg m;
    long err = channel_fetch_msg(&m, umsg, type);
    return err ? err : channel_send(&e->obj, &m, 0, 0, nonblock, deadline);
}

long channel_send_user(struct kobject *end, user_in_ptr umsg, bool nonblock, uint64_t deadline)
{
    return send_user(end_of(end), umsg, 0, nonblock, deadline);
}

/* Copy a message to where the receiver wants it: kernel memory if kmsg, else the user buffer. */
static long deliver(const struct wren_msg *m, struct wren_msg *kmsg, user_out_ptr umsg)
{
    if (kmsg) {
        *kmsg = *m;
        return 0;
    }
    return copy_msg_to_user(umsg, m) ? -E_FAULT : 0;
}

/* Deliver a message that carries a handle: installed in the receiver's table first, whose number the payload gets. */
static __attribute__((noinline)) long deliver_with_handle(struct slot *s, struct wren_msg *kmsg, user_out_ptr umsg)
{
    struct handle_table *t = &proc_current()->handles;
    long h = handle_install(t, s->handle, s->rights, 0);
    if (h < 0)
        return h;
    wren_handle_t hv = (wren_handle_t)h;
    memcpy(s->msg.payload, &hv, sizeof(hv)); /* the receiver's number for it */
    if (deliver(&s->msg, kmsg, umsg)) {
        kobj_get(s->handle); /* closing the entry must not drop the slot's own reference */
        handle_close(t, h, 0);
        return -E_FAULT;
    }
    return 0;
}

/*
 * Deliver the oldest message of e (e->count > 0) and only then dequeue it: a message that
 * cannot be delivered (bad buffer, full handle table) stays queued, so nothing is lost.
 * Inline, like receive: the call fast path ends here, and a call of its own would cost a
 * second saving of registers.
 */
static inline __attribute__((always_inline)) long take(struct channel_end *e, struct wren_msg *kmsg, user_out_ptr umsg)
{
    struct slot *s = &e->slots[e->head];
    long len = s->msg.header.length;
    long err = s->handle ? deliver_with_handle(s, kmsg, umsg) : deliver(&s->msg, kmsg, umsg);

    if (err)
        return err;
    s->handle = 0;
    e->head = e->head + 1 == e->depth ? 0 : e->head + 1;
    e->count--;
    if (e->senders.head)
        waitq_wake_all(&e->senders);
    if (e->peer)
        kobj_notify(&e->peer->obj, WREN_POLL_WRITABLE);
    return len;
}

/* receive's slow path: nothing is queued. */
static __attribute__((noinline)) long receive_wait(struct channel_end *e, struct wren_msg *kmsg, user_out_ptr umsg,
                                                   bool nonblock, uint64_t deadline, bool call)
{
    for (;;) {
        if (e->count)
            return take(e, kmsg, umsg);
        if (!e->peer) {
            if (e->close_delivered)
                return -E_PIPE;
            if (!call) {
                struct wren_msg close = {0};
                close.header.type = WREN_MSG_CLOSE;
                long err = deliver(&close, kmsg, umsg);
                if (err)
                    return err;
            }
            e->close_delivered = true;
            return call ? -E_PIPE : 0;
        }
        if (nonblock)
            return -E_AGAIN;
        long err = waitq_wait(&e->receivers, deadline);
        if (err)
            return err;
    }
}

/* Receive on e; `call`: a closed peer is E_PIPE at once (the answer will never come), not a Close message. */
static inline __attribute__((always_inline)) long
receive(struct channel_end *e, struct wren_msg *kmsg, user_out_ptr umsg, bool nonblock, uint64_t deadline, bool call)
{
    if (e->count) /* the fast path always finds its message here */
        return take(e, kmsg, umsg);
    return receive_wait(e, kmsg, umsg, nonblock, deadline, call);
}

long channel_receive(struct kobject *end, struct wren_msg *kmsg, user_out_ptr umsg, bool nonblock, uint64_t deadline)
{
    return receive(end_of(end), kmsg, umsg, nonblock, deadline, false);
}

bool channel_peer_gone(struct kobject *end)
{
    return !end_of(end)->peer;
}

/* Does a message queued for e carry a handle? (A transfer's check: at most CHANNEL_MAX_DEPTH slots, off hot paths.) */
static bool holds_handles(struct channel_end *e)
{
    for (uint32_t i = 0; i < e->count; i++)
        if (slot_at(e, i)->handle)
            return true;
    return false;
}

/*
 * No cycle of handles in flight. A handle queued for an end is a reference that end holds, and a cycle of them
 * (x0 in y1's queue, y1 in x0's) would keep every member alive after the last process let go. An edge appears when
 * a handle `moving` is queued for an end `to`; it can close a cycle only if `moving` already reaches `to`: if it is
 * `to` itself, or holds a reference of its own. So refuse every such move:
 *  - `moving` is `to` (the other end of the channel it would travel over): E_INVAL;
 *  - `moving` is a channel end with a handle in its own queue: E_BUSY (receive it first).
 * The only other objects holding references are ports: each holds its subscriptions' sending ends, and those never
 * hold a handle, since nothing can send to them (the subscriber's end is given without WREN_RIGHT_WRITE, and no
 * transfer or duplicate adds a right). Event queues watch their sources without a reference. So no move can close a
 * cycle, however long: the move that would close it is always refused, and a chain (an end with an empty queue sent
 * away, then handles sent to it through its peer) is still free to form.
 */
long channel_check_transfer(struct kobject *end, struct kobject *moving)
{
    struct channel_end *to = end_of(end)->peer;

    if (!to)
        return 0; /* nothing will be queued: channel_send says E_PIPE */
    if (moving == &to->obj)
        return -E_INVAL;
    if (moving->type == WREN_OBJECT_CHANNEL && holds_handles(end_of(moving)))
        return -E_BUSY;
    return 0;
}

/*
 * Send the user's message `in` from `from` (none if NULL), then receive on `to` into the
 * user's buffer `out`. The fast path: when a thread already waits for the message and nothing
 * is queued for us, copy it straight into its slot, block on `to` and switch to that thread
 * (sched_block_handoff): no ready queue, no timer.
 */
static long send_receive(struct channel_end *from, user_in_ptr in, uint32_t type, bool send_nonblock,
                         struct channel_end *to, user_out_ptr out, uint64_t deadline, bool call)
{
    struct channel_end *peer = from ? from->peer : 0;

    if (peer && peer->count < peer->depth && peer->receivers.head && !to->count && to->peer) {
        struct slot *tail = tail_of(peer);
        long err = stage_user(tail, in, type);
        if (err)
            return err;
        commit_tail(peer, tail, 0, 0);
        kobj_notify(&peer->obj, WREN_POLL_READABLE);
        /* The common case, checked before anything changes so nothing has to be undone: the lean handoff. */
        if (!deadline && !signal_interrupted(proc_current()) && sched_can_handoff(peer->receivers.head))
            err = waitq_pass_first(&peer->receivers, &to->receivers);
        else
            err = waitq_wait_handoff(&to->receivers, deadline, waitq_take_first(&peer->receivers));
        if (err)
            return err;
    } else if (from) {
        long err = send_user(from, in, type, send_nonblock, deadline);
        if (err)
            return err;
    }
    return receive(to, 0, out, false, deadline, call);
}

long channel_call(struct kobject *end, user_inout_ptr msg, uint64_t deadline)
{
    return send_receive(end_of(end), (user_in_ptr){msg.addr}, WREN_MSG_REQUEST, false, end_of(end),
                        (user_out_ptr){msg.addr}, deadline, true);
}

long channel_reply_receive(struct kobject *reply_end, struct kobject *receive_end, user_inout_ptr msg,
                           uint64_t deadline)
{
    return send_receive(reply_end ? end_of(reply_end) : 0, (user_in_ptr){msg.addr}, 0, true, end_of(receive_end),
                        (user_out_ptr){msg.addr}, deadline, false);
}

/* A channel end used as a file descriptor: each write sends Data messages, each read takes one. */
static long ch_read(struct kobject *o, user_out_ptr buf, size_t count)
{
    struct wren_msg m;
    long r = channel_receive(o, &m, (user_out_ptr){0}, (o->open_flags & WREN_OPEN_NONBLOCK) != 0, 0);
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

    /*
     * No check of the whole range first: that would fault in every page of `count` bytes, which the caller chooses (a
     * terabyte of untouched mapping would take all memory). Each message's bytes are checked as they are copied; a bad
     * first message is E_FAULT, a later one ends the write short. The loop is bounded by the peer's queue: a full
     * queue blocks (or, non-blocking, ends the write).
     */
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

/* What one end holds of kernel memory: itself and its message slots (queued messages take no more). */
static uint64_t end_cost(uint32_t depth)
{
    return kmalloc_size(sizeof(struct channel_end)) + kmalloc_size(depth * sizeof(struct slot));
}

long channel_create(uint32_t depth, struct kobject **a, struct kobject **b)
{
    uint64_t cost = end_cost(depth);
    if (kobj_charge_begin(2 * cost) != 0)
        return -E_NOMEM; /* both ends are the creator's */
    struct channel_end *x = new_end(depth), *y = new_end(depth);
    if (!x || !y) {
        if (x)
            kfree(x->slots), kfree(x);
        if (y)
            kfree(y->slots), kfree(y);
        kobj_charge_cancel(2 * cost);
        return -E_NOMEM;
    }
    kobj_init(&x->obj, &channel_ops, WREN_OBJECT_CHANNEL, WREN_FILE_TYPE_CHANNEL);
    kobj_init(&y->obj, &channel_ops, WREN_OBJECT_CHANNEL, WREN_FILE_TYPE_CHANNEL);
    kobj_charge_end(&x->obj, cost);
    kobj_charge_end(&y->obj, cost);
    x->obj.open_flags = y->obj.open_flags = WREN_OPEN_READ | WREN_OPEN_WRITE;
    x->peer = y;
    y->peer = x;
    *a = &x->obj;
    *b = &y->obj;
    return 0;
}
