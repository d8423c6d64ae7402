/*
 * Event syscalls (interface/syscalls/event.yaml). Everything the caller gave is checked here
 * and turned into a `struct event_request`; the queue (objects/event_queue.c) then cannot fail
 * for a reason the caller could have avoided.
 */
#include "irq.h"
#include "objects/device.h"
#include "objects/event_queue.h"
#include "proc/cpu.h"
#include "obj/handle.h"
#include "proc/proc.h"
#include "scheme/irq_scheme.h"
#include "proc/waitq.h"
#include "sys/handles.h"
#include "syscall_table.h"
#include "timer.h"

long sys_event_queue_create(void)
{
    struct kobject *q;
    long err = event_queue_create(&q);
    if (err)
        return err;
    long h = handle_install(caller_handles(), q, WREN_OBJECT_EVENT_QUEUE_RIGHTS, 0);
    if (h < 0)
        kobj_put(q);
    return h;
}

/*
 * The object a channel or descriptor subscription watches (a new reference), checked for
 * the right the type needs and for being watchable.
 */
static long watched_object(struct event_request *r)
{
    struct handle_table *t = caller_handles();
    bool ipc = r->type == WREN_EVENT_IPC_READY;
    uint32_t right = r->type == WREN_EVENT_FD_WRITABLE ? WREN_RIGHT_WRITE : WREN_RIGHT_READ;
    long h = r->source >= HANDLE_MAX ? -1 : (long)r->source;

    long err = handle_get(t, h, ipc ? WREN_OBJECT_CHANNEL : 0, 0, ipc ? -E_BADHANDLE : -E_BADF, &r->obj);
    if (err)
        return err;
    if (!(handle_entry(t, h)->rights & right))
        err = -E_ACCES;
    else if (!r->obj->ops->poll)
        err = -E_NOTSUP;
    if (err) {
        kobj_put(r->obj);
        r->obj = 0;
    }
    r->want = right == WREN_RIGHT_WRITE ? WREN_POLL_WRITABLE : WREN_POLL_READABLE;
    return err;
}

/*
 * A device's interrupt (a new reference to the device in r->obj): only through a handle to the
 * device, so a process claims no interrupt but those of devices it may drive. The line and its
 * trigger come from the device tree.
 */
static long device_irq(struct event_request *r)
{
    long h = r->source >= HANDLE_MAX ? -1 : (long)r->source;
    long err = handle_get(caller_handles(), h, WREN_OBJECT_DEVICE, WREN_RIGHT_READ, -E_BADHANDLE, &r->obj);
    if (err)
        return err;
    const struct dt_device *dt = device_desc(r->obj);
    if (!dt->intid)
        err = -E_NOENT;
    else if (event_irq_claimed(dt->intid))
        err = -E_BUSY;
    if (err) {
        kobj_put(r->obj);
        r->obj = 0;
        return err;
    }
    r->source = dt->intid;
    r->arg = dt->edge;
    return 0;
}

static long check_source(struct event_request *r)
{
    struct proc *self = proc_current();

    switch (r->type) {
    case WREN_EVENT_IPC_READY:
    case WREN_EVENT_FD_READABLE:
    case WREN_EVENT_FD_WRITABLE: return watched_object(r);
    case WREN_EVENT_TIMER:
        if (!(r->flags & WREN_SUBSCRIBE_ABSOLUTE))
            r->source = timer_deadline_after(r->source);
        return 0;
    case WREN_EVENT_CHILD_EXIT: {
        if (!r->source)
            return 0;
        struct proc *c = r->source > INT32_MAX ? 0 : proc_find((int)r->source);
        return c && c->ppid == self->pid ? 0 : -E_CHILD;
    }
    case WREN_EVENT_SIGNAL: return r->source < SIG_COUNT && (SIG_BLOCKABLE & SIG_BIT(r->source)) ? 0 : -E_INVAL;
    case WREN_EVENT_IRQ: return device_irq(r);
    default: return -E_INVAL; /* WREN_EVENT_POST: posted, never subscribed to */
    }
}

long sys_event_subscribe(struct kobject *queue, uint32_t type, uint64_t source, uint64_t arg, uint32_t flags,
                         uint64_t cookie)
{
    struct event_request r = {
        .type = type,
        .flags = flags,
        .source = source,
        .arg = arg,
        .cookie = cookie,
        .owner = proc_current()->pid,
    };

    long ret;
    if ((type != WREN_EVENT_TIMER && arg) || (type != WREN_EVENT_TIMER && (flags & WREN_SUBSCRIBE_ABSOLUTE)))
        ret = -E_INVAL;
    else
        ret = check_source(&r);
    if (!ret)
        ret = event_subscribe(queue, &r);
    kobj_put(r.obj); /* the subscription keeps no reference: it ends when the object does */
    return ret;
}

long sys_event_unsubscribe(struct kobject *queue, uint32_t id)
{
    return event_unsubscribe(queue, id);
}

long sys_event_wait(struct kobject *queue, user_out_buf events, int64_t timeout_ns)
{
    long ret;
    /* No wait can return more than a queue holds: a bigger `max` (events.len) must not make the check below fault in
     * (and so allocate) pages of a vast buffer. */
    if (events.len > EVENT_WAIT_MAX)
        events.len = EVENT_WAIT_MAX;
    if (events.len == 0 || timeout_ns < -1)
        ret = -E_INVAL;
    /* Checked before anything is taken off the queue, so records are not lost to a bad buffer. */
    else if (!user_writable(events.ptr, (size_t)events.len * sizeof(struct wren_event)))
        ret = -E_FAULT;
    else {
        uint64_t deadline = timeout_ns < 0 ? WAITQ_FOREVER : waitq_deadline_after((uint64_t)timeout_ns);
        ret = event_wait(queue, events.ptr, events.len, deadline, timeout_ns == 0);
    }
    return ret;
}

long sys_event_irq_ack(struct kobject *queue, uint32_t id)
{
    return event_irq_ack(queue, id);
}

long sys_event_post(struct kobject *queue, uint64_t data)
{
    return event_post(queue, proc_current()->pid, data);
}

/* Does the caller hold interrupt `intid` as a driver (an IRQ subscription of its own, or an irq: descriptor)? */
static bool caller_holds_irq(uint32_t intid)
{
    int pid = proc_current()->pid;
    return event_irq_held_by(intid, pid) || irq_scheme_held_by(intid, pid);
}

long sys_event_irq_raise(uint32_t intid)
{
    /* Only an interrupt the caller has claimed as a driver: the kernel's own devices and other drivers' are not to
     * be fooled. */
    if (!caller_holds_irq(intid))
        return -E_PERM;
    irq_raise(intid);
    return 0;
}

long sys_event_irq_set_affinity(uint32_t intid, uint32_t cpu)
{
    /* The arguments first, so a caller learns it asked for the impossible whoever holds the line; then, as for
     * event_irq_raise, only a line of its own: the kernel's devices and other drivers' stay where they are. */
    if (intid < 32 || !irq_valid(intid) || cpu >= cpu_count || !cpus[cpu].online)
        return -E_INVAL;
    if (!caller_holds_irq(intid))
        return -E_PERM;
    return irq_set_affinity(intid, cpu);
}
