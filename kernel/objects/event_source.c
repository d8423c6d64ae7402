/*
 * What each type of event source means (event_sub.h): where a subscription waits to be
 * marked, and how the wait decides that its source is ready and what the record says.
 *
 * Objects (channel ends, descriptors) mark their own watchers through kobj_notify. Timers
 * need no marking from outside: the wait marks the expired ones and sleeps no longer than
 * the earliest expiry. Child exits and signals belong to processes, which are not objects,
 * so their subscriptions wait on two global lists that the process code's hooks walk.
 */
#include "irq.h"
#include "objects/event_sub.h"
#include "proc/proc.h"

static struct list child_subs = LIST_INIT(child_subs);
static struct list signal_subs = LIST_INIT(signal_subs);
static struct event_sub *irq_subs[IRQ_MAX_INTID]; /* the subscription holding each INTID */

/*
 * In interrupt context: count it and keep it masked at the GIC until the driver has dealt
 * with its device and says so (event_irq_ack); a level-triggered line would fire again at once.
 */
static void irq_fired(uint32_t intid, void *arg)
{
    struct event_sub *s = arg;
    irq_mask(intid);
    s->irqs++;
    event_sub_mark(s);
}

bool event_irq_claimed(uint32_t intid)
{
    return intid < IRQ_MAX_INTID && irq_subs[intid];
}

bool event_irq_held_by(uint32_t intid, int pid)
{
    return event_irq_claimed(intid) && irq_subs[intid]->req.owner == pid;
}

void event_source_detach(struct event_sub *s)
{
    uint32_t intid = (uint32_t)s->req.source;
    if (s->req.type == WREN_EVENT_IRQ && irq_subs[intid] == s) {
        irq_unregister(intid);
        irq_subs[intid] = 0;
    }
}

long event_source_attach(struct event_sub *s)
{
    struct event_request *r = &s->req;

    switch (r->type) {
    case WREN_EVENT_IRQ: {
        uint32_t intid = (uint32_t)r->source; /* checked by the syscall layer */
        long err = irq_register(intid, r->arg != 0, irq_fired, s);
        if (err)
            return err; /* -E_BUSY: the kernel's own, or another subscription's */
        irq_subs[intid] = s;
        /* On the device's watchers (which nothing notifies): the subscription ends with the device. */
        list_add_tail(&r->obj->watchers, &s->watch);
        return 0;
    }
    case WREN_EVENT_TIMER: list_add_tail(&s->q->timers, &s->watch); break;
    case WREN_EVENT_CHILD_EXIT: list_add_tail(&child_subs, &s->watch); break;
    case WREN_EVENT_SIGNAL: list_add_tail(&signal_subs, &s->watch); break;
    default: list_add_tail(&r->obj->watchers, &s->watch); break; /* ipc_ready, fd_readable, fd_writable */
    }
    if (r->type == WREN_EVENT_TIMER)
        s->next_expiry = r->source; /* made absolute by the syscall layer */
    return 0;
}

/* Report `n` expirations of a timer that is due, and move it on to its next expiry. */
static bool timer_check(struct event_sub *s, uint64_t now, struct wren_event *rec)
{
    uint64_t period = s->req.arg;

    if (now < s->next_expiry)
        return false;
    uint64_t n = 1;
    rec->source = s->next_expiry;
    if (period) {
        n += (now - s->next_expiry) / period;
        uint64_t step = n * period;
        /* n * period cannot overflow: it is at most now - next_expiry + period. */
        s->next_expiry = s->next_expiry > UINT64_MAX - step ? UINT64_MAX : s->next_expiry + step;
    } else {
        s->next_expiry = UINT64_MAX; /* spent; the queue frees it after this record */
    }
    rec->data = n;
    return true;
}

/* An unreaped child of the subscriber that matches: its pid and status. */
static bool child_check(struct event_sub *s, struct wren_event *rec)
{
    for (int i = 0; i < PROC_MAX; i++) {
        const struct proc *c = proc_slot(i);
        if (c->state != PROC_ZOMBIE || c->ppid != s->req.owner ||
            (s->req.source && (uint64_t)c->pid != s->req.source) || proc_is_thread(c))
            continue;
        rec->source = (uint64_t)c->pid;
        rec->data = (uint64_t)(uint32_t)c->exit_code;
        return true;
    }
    return false;
}

/* A pending signal the subscriber blocks: reported and taken, as signalfd reads it. */
static bool signal_check(struct event_sub *s, struct wren_event *rec)
{
    struct proc *p = proc_find(s->req.owner);
    uint64_t bit = SIG_BIT(s->req.source);

    if (!p || p->state == PROC_ZOMBIE || !(p->sig.pending & p->sig.blocked & bit))
        return false;
    p->sig.pending &= ~bit;
    rec->data = s->req.source;
    return true;
}

bool event_source_check(struct event_sub *s, uint64_t now, struct wren_event *rec)
{
    struct event_request *r = &s->req;
    bool ready;

    rec->type = r->type;
    rec->subscription = s->id;
    rec->cookie = r->cookie;
    rec->source = r->source;
    rec->time = now;
    switch (r->type) {
    case WREN_EVENT_TIMER: ready = timer_check(s, now, rec); break;
    case WREN_EVENT_CHILD_EXIT: ready = child_check(s, rec); break;
    case WREN_EVENT_SIGNAL: ready = signal_check(s, rec); break;
    case WREN_EVENT_IRQ:
        ready = s->irqs != 0;
        rec->data = s->irqs;
        s->irqs = 0;
        break;
    default: {
        uint32_t bits = r->obj->ops->poll(r->obj);
        ready = (bits & r->want) != 0;
        rec->data = bits;
        break;
    }
    }
    return ready;
}

void event_proc_exited(struct proc *p)
{
    /* Its own subscriptions are about a process that is gone (the queue may live on elsewhere). */
    struct list *lists[2] = {&child_subs, &signal_subs};
    for (int i = 0; i < 2; i++) {
        for (struct list *l = lists[i]->next, *next; l != lists[i]; l = next) {
            next = l->next;
            struct event_sub *s = list_entry(l, struct event_sub, watch);
            if (s->req.owner == p->pid)
                event_sub_free(s);
        }
    }
    for (struct list *l = child_subs.next; l != &child_subs; l = l->next) {
        struct event_sub *s = list_entry(l, struct event_sub, watch);
        if (s->req.owner == p->ppid && (!s->req.source || s->req.source == (uint64_t)p->pid))
            event_sub_mark(s);
    }
}

void event_signal_posted(struct proc *p, int sig)
{
    for (struct list *l = signal_subs.next; l != &signal_subs; l = l->next) {
        struct event_sub *s = list_entry(l, struct event_sub, watch);
        if (s->req.owner == p->pid && s->req.source == (uint64_t)sig)
            event_sub_mark(s);
    }
}

void event_init(void)
{
    static const struct kobj_watcher_hooks watchers = {event_watchers_notify, event_watchers_drop};
    static const struct proc_event_hooks procs = {event_proc_exited, event_signal_posted};
    kobj_set_watcher_hooks(&watchers);
    proc_set_event_hooks(&procs);
}
