/*
 * Event queues (interface/syscalls/event.yaml): epoll-like multiplexing. A queue holds
 * subscriptions; a subscription is "ready" when the source it names can be acted on (a
 * channel with a message, a pipe with room, an expired timer, an exited child, a pending
 * blocked signal). Sources do not push records: they only mark their subscriptions as worth
 * a look (kobj_notify and the hooks below) and wake the queue's waiters; event_wait then asks
 * each marked source whether it is ready *now* and reports it if so. That is what makes
 * level- and edge-triggered subscriptions differ only in whether a reported subscription
 * stays marked, and what makes a record never describe a state that has already passed.
 */
#ifndef WREN_OBJECTS_EVENT_QUEUE_H
#define WREN_OBJECTS_EVENT_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "obj/object.h"

#define EVENT_SUBS_MAX   1024                                /* subscriptions per queue */
#define EVENT_POSTED_MAX 32                                  /* posted records a queue holds */
#define EVENT_WAIT_MAX   (EVENT_SUBS_MAX + EVENT_POSTED_MAX) /* the most records one wait can return */

struct proc;

/* What event_subscribe asked for, checked by the syscall layer (sys_event.c). */
struct event_request {
    uint32_t type;       /* WREN_EVENT_* */
    uint32_t flags;      /* WREN_SUBSCRIBE_* */
    uint32_t want;       /* WREN_POLL_* bits that make an object source ready */
    struct kobject *obj; /* the watched object (ipc/fd types), or NULL; no reference is kept */
    uint64_t source, arg, cookie;
    int owner; /* the subscribing process (child exit, signal) */
};

/* A new, empty queue with one reference: 0 or -E_NOMEM. */
long event_queue_create(struct kobject **out);
/* Add a subscription: its id (> 0), -E_NOSPC or -E_NOMEM. */
long event_subscribe(struct kobject *q, const struct event_request *req);
long event_unsubscribe(struct kobject *q, uint32_t id);
/*
 * Wait until something is ready (deadline: monotonic ns, WAITQ_FOREVER for none; `poll`:
 * not at all), then copy up to max records to `out` (already checked writable). The count,
 * -E_TIMEDOUT, -E_INTR or -E_FAULT.
 */
long event_wait(struct kobject *q, user_out_ptr out, uint32_t max, uint64_t deadline, bool poll);
long event_post(struct kobject *q, int pid, uint64_t data);
/* Unmask the interrupt of IRQ subscription `id`: 0, -E_NOENT, or -E_INVAL (not an IRQ subscription). */
long event_irq_ack(struct kobject *q, uint32_t id);
/* Does an event subscription hold INTID intid? */
bool event_irq_claimed(uint32_t intid);
/* Does a subscription of process `pid` hold it? */
bool event_irq_held_by(uint32_t intid, int pid);

/*
 * Register the event layer's hooks in the layers below it (kernel_main, before any process runs): the object core
 * calls them for objects that have watchers (kobj_set_watcher_hooks), the process layer when a process exits or a
 * signal is posted (proc_set_event_hooks).
 */
void event_init(void);

#endif
