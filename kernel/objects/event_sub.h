/*
 * Inside the event queues: what event_queue.c (the queue, its lists, waiting) and
 * event_source.c (what each type of source means) share. Nothing else includes this.
 */
#ifndef WREN_OBJECTS_EVENT_SUB_H
#define WREN_OBJECTS_EVENT_SUB_H

#include "lib/list.h"
#include "objects/event_queue.h"
#include "proc/waitq.h"

struct event_queue;

struct event_sub {
    struct event_queue *q;
    struct list in_queue; /* q->subs: every subscription of the queue */
    struct list ready;    /* q->ready while marked (worth a look at the next wait) */
    /*
     * What wakes it: the watched object's watchers (ipc/fd), the queue's timers, or the
     * global lists of child-exit and signal subscriptions.
     */
    struct list watch;
    struct event_request req;
    uint32_t id;
    uint64_t next_expiry; /* timers: the next expiry, monotonic ns */
    uint64_t irqs;        /* IRQs: interrupts since the last record */
};

struct event_posted {
    int32_t pid;
    uint64_t data;
};

struct event_queue {
    struct kobject obj;
    struct waitq waiters; /* event_wait callers */
    struct list subs;
    struct list ready;  /* marked subscriptions, oldest mark first */
    struct list timers; /* timer subscriptions: checked at every wait, their expiries bound its sleep */
    uint32_t nsubs, next_id;
    uint32_t posted_head, posted_count;
    struct event_posted posted[EVENT_POSTED_MAX];
};

/* Mark s worth a look and wake its queue's waiters (event_queue.c). */
void event_sub_mark(struct event_sub *s);
/* End s: off every list, freed (event_queue.c). */
void event_sub_free(struct event_sub *s);

/* event_source.c: put a new subscription where it gets marked: 0, or -E_BUSY for an IRQ taken meanwhile. */
long event_source_attach(struct event_sub *s);
/* Undo event_source_attach's claims beyond the lists (an IRQ handler). */
void event_source_detach(struct event_sub *s);
/* The hooks event_init registers (object.h, proc/proc.h). */
void event_watchers_notify(struct kobject *o, uint32_t what); /* mark the subscriptions o's `what` wakes */
void event_watchers_drop(struct kobject *o);                  /* the object is going; its subscriptions first */
void event_proc_exited(struct proc *p);                       /* p has just become a zombie */
void event_signal_posted(struct proc *p, int sig);            /* sig is now pending for p */
/* Is s's source ready at time `now`? If so fill in rec (consuming what reporting consumes). */
bool event_source_check(struct event_sub *s, uint64_t now, struct wren_event *rec);

#endif
