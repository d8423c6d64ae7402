/*
 * Event queues (event_queue.h): the queue object, its subscriptions and the wait.
 *
 * A subscription is on up to three lists: the queue's list of all its subscriptions, the
 * queue's ready list while it is marked, and the list that marks it (event_sub.h). Marking
 * is cheap and may be wrong (a pipe that was written and drained again before the wait); the
 * wait asks the source (event_source_check) and drops a subscription that is not ready. A
 * reported level-triggered subscription goes back to the tail of the ready list, so the next
 * wait asks again; an edge-triggered one waits for the next mark.
 */
#include "irq.h"
#include "lib/string.h"
#include "mm/account.h"
#include "mm/kmalloc.h"
#include "objects/event_sub.h"
#include "timer.h"

static struct event_queue *queue_of(struct kobject *o)
{
    return (struct event_queue *)o;
}

static void ready_add(struct event_sub *s)
{
    if (!list_linked(&s->ready))
        list_add_tail(&s->q->ready, &s->ready);
}

void event_sub_mark(struct event_sub *s)
{
    ready_add(s);
    waitq_wake_all(&s->q->waiters);
}

/* A subscription lives in its queue: charged to the queue's creator (mm/account.h), like the queue. */
#define SUB_COST kmalloc_size(sizeof(struct event_sub))

void event_sub_free(struct event_sub *s)
{
    event_source_detach(s);
    list_del(&s->in_queue);
    list_del(&s->ready);
    list_del(&s->watch);
    s->q->nsubs--;
    account_uncharge(s->q->obj.acct, SUB_COST);
    kfree(s);
}

void event_watchers_notify(struct kobject *o, uint32_t what)
{
    for (struct list *l = o->watchers.next; l != &o->watchers; l = l->next) {
        struct event_sub *s = list_entry(l, struct event_sub, watch);
        if (s->req.want & what)
            event_sub_mark(s);
    }
}

void event_watchers_drop(struct kobject *o)
{
    while (!list_empty(&o->watchers))
        event_sub_free(list_entry(o->watchers.next, struct event_sub, watch));
}

static void destroy(struct kobject *o)
{
    struct event_queue *q = queue_of(o);

    /* Nobody waits: a waiter holds a reference. */
    while (!list_empty(&q->subs))
        event_sub_free(list_entry(q->subs.next, struct event_sub, in_queue));
    kfree(q);
}

static long queue_fstat(struct kobject *o, struct wren_stat *st)
{
    st->size = queue_of(o)->nsubs; /* subscriptions */
    return 0;
}

static const struct kobject_ops queue_ops = {
    .destroy = destroy,
    .fstat = queue_fstat,
};

long event_queue_create(struct kobject **out)
{
    uint64_t cost = kmalloc_size(sizeof(struct event_queue));
    if (kobj_charge_begin(cost) != 0)
        return -E_NOMEM;
    struct event_queue *q = kzalloc(sizeof(*q));
    if (!q) {
        kobj_charge_cancel(cost);
        return -E_NOMEM;
    }
    kobj_init(&q->obj, &queue_ops, WREN_OBJECT_EVENT_QUEUE, WREN_FILE_TYPE_EVENT_QUEUE);
    kobj_charge_end(&q->obj, cost);
    list_init(&q->subs);
    list_init(&q->ready);
    list_init(&q->timers);
    q->next_id = 1;
    *out = &q->obj;
    return 0;
}

long event_subscribe(struct kobject *qo, const struct event_request *req)
{
    struct event_queue *q = queue_of(qo);

    if (q->nsubs >= EVENT_SUBS_MAX)
        return -E_NOSPC;
    if (account_charge(q->obj.acct, SUB_COST) != 0)
        return -E_NOMEM;
    struct event_sub *s = kzalloc(sizeof(*s));
    if (!s) {
        account_uncharge(q->obj.acct, SUB_COST);
        return -E_NOMEM;
    }
    s->q = q;
    s->req = *req;
    list_init(&s->watch);
    s->id = q->next_id++;
    if (!q->next_id) /* after 2^32 - 1 subscriptions; 0 means "posted" in a record */
        q->next_id = 1;
    list_init(&s->in_queue);
    list_init(&s->ready);
    long err = event_source_attach(s);
    if (err) {
        kfree(s);
        account_uncharge(q->obj.acct, SUB_COST);
        return err;
    }
    list_add_tail(&q->subs, &s->in_queue);
    q->nsubs++;
    ready_add(s); /* a source that is ready already is reported by the next wait */
    return s->id;
}

long event_unsubscribe(struct kobject *qo, uint32_t id)
{
    struct event_queue *q = queue_of(qo);

    for (struct list *l = q->subs.next; l != &q->subs; l = l->next) {
        struct event_sub *s = list_entry(l, struct event_sub, in_queue);
        if (s->id == id) {
            event_sub_free(s);
            return 0;
        }
    }
    return -E_NOENT;
}

long event_irq_ack(struct kobject *qo, uint32_t id)
{
    struct event_queue *q = queue_of(qo);

    for (struct list *l = q->subs.next; l != &q->subs; l = l->next) {
        struct event_sub *s = list_entry(l, struct event_sub, in_queue);
        if (s->id != id)
            continue;
        if (s->req.type != WREN_EVENT_IRQ)
            return -E_INVAL;
        irq_unmask((uint32_t)s->req.source);
        return 0;
    }
    return -E_NOENT;
}

long event_post(struct kobject *qo, int pid, uint64_t data)
{
    struct event_queue *q = queue_of(qo);

    if (q->posted_count == EVENT_POSTED_MAX)
        return -E_AGAIN;
    struct event_posted *p = &q->posted[(q->posted_head + q->posted_count) % EVENT_POSTED_MAX];
    p->pid = pid;
    p->data = data;
    q->posted_count++;
    waitq_wake_all(&q->waiters);
    return 0;
}

static long put_record(user_out_ptr out, uint32_t n, const struct wren_event *rec)
{
    return copy_to_user((user_out_ptr){out.addr + (uint64_t)n * sizeof(*rec)}, rec, sizeof(*rec)) ? -E_FAULT : 0;
}

/* Expired timers are marked here: nothing else watches the clock for them. */
static void mark_expired_timers(struct event_queue *q, uint64_t now)
{
    for (struct list *l = q->timers.next; l != &q->timers; l = l->next) {
        struct event_sub *s = list_entry(l, struct event_sub, watch);
        if (s->next_expiry <= now)
            ready_add(s);
    }
}

static uint64_t earliest_timer(struct event_queue *q)
{
    uint64_t t = UINT64_MAX;
    for (struct list *l = q->timers.next; l != &q->timers; l = l->next) {
        struct event_sub *s = list_entry(l, struct event_sub, watch);
        if (s->next_expiry < t)
            t = s->next_expiry;
    }
    return t;
}

static bool spent_after_report(const struct event_sub *s)
{
    return (s->req.flags & WREN_SUBSCRIBE_ONESHOT) || (s->req.type == WREN_EVENT_TIMER && s->req.arg == 0);
}

/* Copy out what is ready now, up to max records: the count or -E_FAULT. */
static long collect(struct event_queue *q, user_out_ptr out, uint32_t max, uint64_t now)
{
    struct wren_event rec;
    uint32_t n = 0;

    while (n < max && q->posted_count) {
        struct event_posted *p = &q->posted[q->posted_head];
        memset(&rec, 0, sizeof(rec));
        rec.type = WREN_EVENT_POST;
        rec.source = (uint64_t)p->pid;
        rec.data = p->data;
        rec.time = now;
        if (put_record(out, n, &rec))
            return n ? (long)n : -E_FAULT; /* it stays queued */
        q->posted_head = (q->posted_head + 1) % EVENT_POSTED_MAX;
        q->posted_count--;
        n++;
    }
    mark_expired_timers(q, now);
    /* Look at each subscription marked now once: a level one that is re-queued is not seen again. */
    size_t todo = 0;
    for (struct list *l = q->ready.next; l != &q->ready; l = l->next)
        todo++;
    while (n < max && todo--) {
        struct event_sub *s = list_entry(q->ready.next, struct event_sub, ready);
        list_del(&s->ready);
        memset(&rec, 0, sizeof(rec));
        if (!event_source_check(s, now, &rec))
            continue; /* not ready after all: unmarked until its source changes */
        if (put_record(out, n, &rec))
            return n ? (long)n : -E_FAULT;
        n++;
        if (spent_after_report(s))
            event_sub_free(s);
        else if (!(s->req.flags & WREN_SUBSCRIBE_EDGE))
            list_add_tail(&q->ready, &s->ready); /* level: ask again next time */
    }
    return n;
}

long event_wait(struct kobject *qo, user_out_ptr out, uint32_t max, uint64_t deadline, bool poll)
{
    struct event_queue *q = queue_of(qo);

    for (;;) {
        uint64_t now = timer_now_ns();
        long n = collect(q, out, max, now);
        if (n)
            return n;
        if (poll || (deadline != WAITQ_FOREVER && now >= deadline))
            return -E_TIMEDOUT;
        uint64_t until = earliest_timer(q);
        if (deadline != WAITQ_FOREVER && deadline < until)
            until = deadline;
        long err = waitq_wait(&q->waiters, until == UINT64_MAX ? WAITQ_FOREVER : until);
        if (err == -E_INTR)
            return err;
    }
}
