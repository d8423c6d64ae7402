/*
 * User-space schemes, the server's side (user_scheme.h, user_scheme_core.h): registering a name, receiving
 * requests and notifications, checking and applying replies, and the server's death.
 *
 * Replies are untrusted input. One names its request by tag, looked up among the requests this registration has
 * handed out and not had answered (`held`); anything else (a wrong tag, a cancelled request, a notification, a
 * second reply) is E_NOENT with nothing changed. A result out of range for its request ends the request with E_IO
 * for its client and E_INVAL for the server. Whatever the server does, only its own clients wait on it, and each
 * of them can leave: a signal (a cancel) or the registration's end.
 */
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "proc/proc.h"
#include "proc/waitq.h"
#include "scheme/user_scheme.h"
#include "scheme/user_scheme_core.h"

void us_core_put(struct us_core *c)
{
    KASSERT(c->refs > 0);
    if (--c->refs == 0)
        kfree(c);
}

void us_queue_note(struct us_core *c, struct us_note *n)
{
    if (c->dead) {
        kfree(n);
        return;
    }
    list_add_tail(&c->notes, &n->link);
    waitq_wake_all(&c->servers);
}

void us_complete(struct us_req *req, long result)
{
    list_del(&req->link);
    req->state = US_DONE;
    req->result = result;
    waitq_wake_all(&req->wq);
}

/*
 * The last handle to the registration went (the server exited, crashed or closed it): every request ends with
 * E_IO at once, the notifications go, the name is free. Open files keep the core until they close, failing with
 * E_IO meanwhile.
 */
static void reg_destroy(struct kobject *o)
{
    struct us_core *c = us_core_of(o);
    c->dead = true;
    scheme_unregister(&c->scheme);
    while (!list_empty(&c->held)) {
        struct us_req *req = list_entry(c->held.next, struct us_req, link);
        us_data_unmap_remote(req);
        us_complete(req, -E_IO);
    }
    while (!list_empty(&c->pending))
        us_complete(list_entry(c->pending.next, struct us_req, link), -E_IO);
    while (!list_empty(&c->notes)) {
        struct us_note *n = list_entry(c->notes.next, struct us_note, link);
        list_del(&n->link);
        kfree(n);
    }
    waitq_wake_all(&c->servers); /* (none: a server in receive holds a reference) */
    us_core_put(c);
}

static const struct kobject_ops reg_ops = {
    .destroy = reg_destroy,
};

long user_scheme_register(const char *name, size_t len, struct kobject **out)
{
    if (!scheme_name_valid(name, len))
        return -E_INVAL;
    if (kobj_charge_begin(sizeof(struct us_core)))
        return -E_NOMEM;
    struct us_core *c = kzalloc(sizeof(*c));
    if (!c) {
        kobj_charge_cancel(sizeof(struct us_core));
        return -E_NOMEM;
    }
    memcpy(c->scheme.name, name, len);
    c->scheme.name[len] = 0;
    c->scheme.name_len = (uint8_t)len;
    c->scheme.ops = &us_scheme_ops;
    c->scheme.priv = c;
    list_init(&c->scheme.link);
    list_init(&c->pending);
    list_init(&c->held);
    list_init(&c->notes);
    long err = scheme_register(&c->scheme);
    if (err) {
        kfree(c);
        kobj_charge_cancel(sizeof(struct us_core));
        return err;
    }
    kobj_init(&c->obj, &reg_ops, WREN_OBJECT_SCHEME_SERVER, WREN_FILE_TYPE_UNKNOWN);
    kobj_charge_end(&c->obj, sizeof(struct us_core));
    c->refs = 1; /* the registration's own, dropped by reg_destroy */
    *out = &c->obj;
    return 0;
}

/* Hand the oldest notification to the server: 0, or -E_FAULT with it kept. */
static long deliver_note(struct us_core *c, user_out_ptr out)
{
    struct us_note *n = list_entry(c->notes.next, struct us_note, link);
    struct wren_scheme_request m;
    memset(&m, 0, sizeof(m));
    m.op = n->op;
    if (n->op == WREN_SCHEME_OP_CANCEL)
        m.tag = n->value;
    else
        m.id = n->value;
    if (copy_to_user(out, &m, sizeof(m)))
        return -E_FAULT;
    list_del(&n->link);
    kfree(n);
    return 0;
}

/*
 * Hand the oldest pending request to the server: 0 (it is held now); -E_FAULT (the server's memory is bad: it stays
 * pending); or 1 when the request could not be delivered for want of memory and was ended with E_NOMEM (the caller
 * looks for the next one).
 */
static long deliver_request(struct us_core *c, user_out_ptr out, user_inout_buf buf)
{
    struct us_req *req = list_entry(c->pending.next, struct us_req, link);
    req->busy = true; /* the copies below may fault and sleep: its client must not withdraw it meanwhile */
    long err = us_data_deliver(req, buf.ptr.addr, buf.len);
    if (!err && copy_to_user(out, &req->msg, sizeof(req->msg)))
        err = -E_FAULT;
    req->busy = false;
    if (err) {
        us_data_undeliver(req);
        if (err == -E_FAULT)
            return err;
        us_complete(req, err);
        return 1;
    }
    list_del(&req->link);
    list_add_tail(&c->held, &req->link);
    req->state = US_HELD;
    return 0;
}

static long user_scheme_receive(struct kobject *o, user_out_ptr out, user_inout_buf buf, bool nonblock)
{
    struct us_core *c = us_core_of(o);
    for (;;) {
        if (!list_empty(&c->notes))
            return deliver_note(c, out);
        if (!list_empty(&c->pending)) {
            long err = deliver_request(c, out, buf);
            if (err <= 0)
                return err;
            continue;
        }
        if (nonblock)
            return -E_AGAIN;
        long err = waitq_wait(&c->servers, WAITQ_FOREVER);
        if (err)
            return err;
    }
}

static struct us_req *find_held(struct us_core *c, uint64_t tag)
{
    for (struct list *l = c->held.next; l != &c->held; l = l->next) {
        struct us_req *req = list_entry(l, struct us_req, link);
        if (req->msg.tag == tag)
            return req;
    }
    return NULL;
}

/* Is `result` one the request's operation may have? (Negative: an error code; else per operation.) */
static bool result_valid(const struct us_req *req, int64_t result)
{
    if (result < 0)
        return result >= -WREN_ERROR_MAX;
    switch (req->msg.op) {
    case WREN_SCHEME_OP_READ:
    case WREN_SCHEME_OP_WRITE: return (uint64_t)result <= req->msg.len;
    case WREN_SCHEME_OP_SEEK: return true;
    default: return result == 0;
    }
}

/*
 * Apply the reply at `in`: 0 or E_*. The request it ends is done; its client, if it still sleeps (a signal may have
 * woken it already), is taken off its queue but not woken: *client, for the caller to wake or hand the CPU to.
 */
static long reply_one(struct us_core *c, user_in_ptr in, struct proc **client)
{
    struct wren_scheme_reply r;
    if (copy_from_user(&r, in, sizeof(r)))
        return -E_FAULT;
    struct us_req *req = find_held(c, r.tag);
    if (!req)
        return -E_NOENT;
    long err = 0, result = r.result;
    if (!result_valid(req, r.result)) {
        err = -E_INVAL;
        result = -E_IO;
    } else if (result >= 0) {
        req->busy = true; /* as in deliver_request */
        if (req->kout && copy_from_user(req->kout, (user_in_ptr){req->server_buf}, req->kout_len))
            err = -E_FAULT;
        else if (req->msg.op == WREN_SCHEME_OP_READ)
            err = us_data_answer(req, (size_t)result);
        req->busy = false;
        if (err)
            result = -E_IO;
    }
    us_data_undeliver(req); /* the grant goes with the answer, whatever it was */
    req->id = r.id;
    list_del(&req->link);
    req->state = US_DONE;
    req->result = result;
    *client = waitq_take_first(&req->wq);
    return err;
}

long user_scheme_serve(struct kobject *o, user_in_ptr reply, user_out_ptr out, user_inout_buf buf, uint32_t how)
{
    struct us_core *c = us_core_of(o);
    bool receive = how & US_SERVE_RECEIVE;
    if (receive && buf.len < US_BUF_MIN)
        return -E_INVAL; /* before the reply: a call that fails changes nothing it can help */
    if (how & US_SERVE_REPLY) {
        struct proc *client = NULL, *self = proc_current();
        long err = reply_one(c, reply, &client);
        /*
         * The fast path, as for IPC: the client sleeps, nothing else is waiting for this server and nothing outranks
         * the client: block in receive and switch straight to it, with no trip through the ready queue.
         */
        if (!err && client && receive && !(how & US_SERVE_NONBLOCK) && list_empty(&c->notes) &&
            list_empty(&c->pending) && !signal_interrupted(self) && sched_can_handoff(client)) {
            waitq_enqueue_self(&c->servers, self);
            sched_handoff(WAIT_QUEUE, client);
            err = waitq_wait_result(self);
            if (err)
                return err;
        } else {
            if (client)
                sched_wake(client);
            if (err || !receive)
                return err;
        }
    }
    return user_scheme_receive(o, out, buf, how & US_SERVE_NONBLOCK);
}
