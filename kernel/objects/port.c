/*
 * Ports (port.h).
 *
 * The registry is a list of registered ports, searched by name; it holds no reference, so a
 * port leaves it when it is unregistered or destroyed, whichever comes first.
 *
 * A connect request lives on the connecting client's kernel stack for as long as the client
 * waits, linked into the port's backlog. Whoever ends the wait (an accept, the port going, or
 * the client's own timeout or signal) unlinks it first, so a port never points at a request
 * whose client has left, and a client never touches a port that has gone: once its request
 * is answered, `port` is NULL.
 *
 * One CPU and a kernel that is not preempted: nothing here needs a lock.
 */
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "objects/channel.h"
#include "objects/port.h"
#include "proc/waitq.h"

#define REQ_PENDING 1 /* connect_req.result while it waits */

struct connect_req {
    struct connect_req *next;
    struct port *port;    /* the port whose backlog holds it; NULL once answered */
    struct kobject *end;  /* the client's channel end, set by accept */
    long result;          /* REQ_PENDING, 0 (accepted) or -E_CONNREFUSED */
    struct waitq waiting; /* the client */
};

struct port {
    struct kobject obj;
    struct port *next; /* in the registry */
    bool registered;
    uint32_t name_len;
    char name[PORT_NAME_MAX];
    struct connect_req *backlog, *backlog_tail;
    uint32_t backlog_len;
    struct waitq acceptors;
    uint32_t nsubs;
    struct kobject *subs[PORT_MAX_SUBSCRIBERS]; /* the sending end of each subscription */
};

static struct port *registry;

static struct port *port_of(struct kobject *o)
{
    return (struct port *)o;
}

bool port_name_restricted(const char *name, size_t len)
{
    return len >= 4 && memcmp(name, "sys.", 4) == 0;
}

static struct port *lookup(const char *name, size_t len)
{
    for (struct port *p = registry; p; p = p->next)
        if (p->name_len == len && memcmp(p->name, name, len) == 0)
            return p;
    return 0;
}

static void unlink_req(struct port *p, struct connect_req *r)
{
    struct connect_req *prev = 0;
    for (struct connect_req *q = p->backlog; q; prev = q, q = q->next) {
        if (q != r)
            continue;
        if (prev)
            prev->next = r->next;
        else
            p->backlog = r->next;
        if (p->backlog_tail == r)
            p->backlog_tail = prev;
        p->backlog_len--;
        r->next = 0;
        r->port = 0;
        return;
    }
}

/* Take the oldest request off the backlog (there is one) and tell its client `result`. */
static struct connect_req *answer_first(struct port *p, long result, struct kobject *end)
{
    struct connect_req *r = p->backlog;
    unlink_req(p, r);
    r->end = end;
    r->result = result;
    waitq_wake_all(&r->waiting);
    return r;
}

void port_unregister(struct kobject *o)
{
    struct port *p = port_of(o);

    if (!p->registered)
        return;
    p->registered = false;
    for (struct port **link = &registry; *link; link = &(*link)->next) {
        if (*link == p) {
            *link = p->next;
            break;
        }
    }
    while (p->backlog)
        answer_first(p, -E_CONNREFUSED, 0);
    waitq_wake_all(&p->acceptors); /* they see the port unregistered: E_PIPE */
    for (uint32_t i = 0; i < p->nsubs; i++)
        kobj_put(p->subs[i]); /* the subscriber receives Close */
    p->nsubs = 0;
}

static void destroy(struct kobject *o)
{
    port_unregister(o);
    kfree(port_of(o));
}

static const struct kobject_ops port_ops = {
    .destroy = destroy,
};

long port_register(const char *name, size_t len, struct kobject **out)
{
    if (lookup(name, len))
        return -E_EXIST;
    uint64_t cost = kmalloc_size(sizeof(struct port));
    if (kobj_charge_begin(cost) != 0)
        return -E_NOMEM;
    struct port *p = kzalloc(sizeof(*p));
    if (!p) {
        kobj_charge_cancel(cost);
        return -E_NOMEM;
    }
    kobj_init(&p->obj, &port_ops, WREN_OBJECT_PORT, WREN_FILE_TYPE_UNKNOWN);
    kobj_charge_end(&p->obj, cost);
    memcpy(p->name, name, len);
    p->name_len = (uint32_t)len;
    p->registered = true;
    p->next = registry;
    registry = p;
    *out = &p->obj;
    return 0;
}

long port_connect(const char *name, size_t len, uint64_t deadline, struct kobject **end)
{
    struct port *p = lookup(name, len);
    struct connect_req r = {0};

    if (!p)
        return -E_NOENT;
    if (p->backlog_len >= PORT_BACKLOG)
        return -E_AGAIN;
    r.port = p;
    r.result = REQ_PENDING;
    if (p->backlog_tail)
        p->backlog_tail->next = &r;
    else
        p->backlog = &r;
    p->backlog_tail = &r;
    p->backlog_len++;
    waitq_wake_all(&p->acceptors);

    while (r.result == REQ_PENDING) {
        long err = waitq_wait(&r.waiting, deadline);
        if (err && r.result == REQ_PENDING) {
            unlink_req(r.port, &r); /* withdrawn: the port never sees it again */
            return err;
        }
    }
    /* Answered: an accept beats a timeout or signal that came with it. */
    if (r.result < 0)
        return r.result;
    *end = r.end;
    return 0;
}

long port_accept(struct kobject *o, bool nonblock, uint64_t deadline, struct kobject **end)
{
    struct port *p = port_of(o);

    for (;;) {
        if (!p->registered)
            return -E_PIPE;
        if (p->backlog)
            break;
        if (nonblock)
            return -E_AGAIN;
        long err = waitq_wait(&p->acceptors, deadline);
        if (err)
            return err;
    }
    struct kobject *mine, *theirs;
    long err = channel_create(CHANNEL_DEFAULT_DEPTH, &mine, &theirs);
    if (err)
        return err; /* the request stays queued for the next accept */
    answer_first(p, 0, theirs);
    *end = mine;
    return 0;
}

/* Forget subscriptions whose receiving end was closed. */
static void prune_subscribers(struct port *p)
{
    uint32_t kept = 0;
    for (uint32_t i = 0; i < p->nsubs; i++) {
        if (channel_peer_gone(p->subs[i]))
            kobj_put(p->subs[i]);
        else
            p->subs[kept++] = p->subs[i];
    }
    p->nsubs = kept;
}

long port_subscribe(const char *name, size_t len, struct kobject **end)
{
    struct port *p = lookup(name, len);

    if (!p)
        return -E_NOENT;
    prune_subscribers(p);
    if (p->nsubs >= PORT_MAX_SUBSCRIBERS)
        return -E_NOSPC;
    struct kobject *sending, *receiving;
    long err = channel_create(CHANNEL_DEFAULT_DEPTH, &sending, &receiving);
    if (err)
        return err;
    p->subs[p->nsubs++] = sending;
    *end = receiving;
    return 0;
}

long port_publish(struct kobject *o, const struct wren_msg *msg, uint32_t *skipped)
{
    struct port *p = port_of(o);
    long delivered = 0;

    *skipped = 0;
    if (!p->registered)
        return -E_PIPE;
    prune_subscribers(p);
    for (uint32_t i = 0; i < p->nsubs; i++) {
        long err = channel_send(p->subs[i], msg, 0, 0, true, 0);
        if (!err)
            delivered++;
        else if (err == -E_AGAIN)
            (*skipped)++;
    }
    return delivered;
}
