/*
 * Reference counting for kernel objects (object.h).
 *
 * A destroy may drop the last reference to other objects (a channel end's queued handles, a
 * port's subscriptions), whose destroys may drop more: a user can build such a chain as long as
 * its memory lasts, thousands of links deep. Destroying each one from inside the last would use
 * a kernel stack frame per link, so a release that happens during another is appended to
 * `pending` and the outermost release destroys the queue in a loop: the stack depth of any
 * teardown is one destroy, however long the chain.
 *
 * One CPU and a kernel that is not preempted: the queue needs no lock, and no destroy blocks,
 * so the outermost release is always the one that empties it before returning.
 */
#include "mm/account.h"
#include "mm/vm.h"
#include "obj/object.h"
#include "panic.h"
#include "user.h"

uint64_t kobj_live[KOBJ_TYPES];

/* Set once at start-up (event_init); an object gets watchers only through the event layer, so never NULL then. */
const struct kobj_watcher_hooks *kobj_watcher_hooks;

void kobj_set_watcher_hooks(const struct kobj_watcher_hooks *hooks)
{
    kobj_watcher_hooks = hooks;
}

/* Released objects waiting for their destroy, oldest first; `draining` while a release runs. */
static struct kobject *pending, **pending_tail = &pending;
static bool draining;

void kobj_init(struct kobject *o, const struct kobject_ops *ops, uint16_t type, uint16_t file_type)
{
    KASSERT(type < KOBJ_TYPES);
    o->ops = ops;
    o->refs = 1;
    o->type = type;
    o->file_type = file_type;
    o->open_flags = 0;
    o->charged = 0;
    o->acct = NULL;
    list_init(&o->watchers);
    o->release_next = 0;
    kobj_live[type]++;
}

static struct kobject *pending_take(void)
{
    struct kobject *o = pending;
    if (o) {
        pending = o->release_next;
        if (!pending)
            pending_tail = &pending;
        o->release_next = 0;
    }
    return o;
}

/* Destroy o and give back what was charged for it to its creator's account. */
static void destroy_now(struct kobject *o)
{
    struct mem_account *a = o->acct; /* destroy frees o */
    uint32_t charged = o->charged;
    o->ops->destroy(o);
    if (a) {
        account_uncharge(a, charged);
        account_put(a);
    }
}

void kobj_release(struct kobject *o)
{
    kobj_live[o->type]--;
    /*
     * Subscriptions end with the object (as epoll's do with the open file), at once: a queued
     * object must not be reported on, and nothing can mark it once its watchers are gone.
     */
    if (!list_empty(&o->watchers))
        kobj_watcher_hooks->drop(o);
    if (draining) { /* inside a destroy: the loop below (in an outer call) gets to it */
        *pending_tail = o;
        pending_tail = &o->release_next;
        return;
    }
    draining = true;
    do
        destroy_now(o);
    while ((o = pending_take()));
    draining = false;
}

struct mem_account *kobj_creator_account(void)
{
    return user_account();
}

int kobj_charge_begin(uint64_t bytes)
{
    return account_charge(kobj_creator_account(), bytes);
}

void kobj_charge_end(struct kobject *o, uint64_t bytes)
{
    KASSERT(bytes <= UINT32_MAX && !o->acct);
    o->acct = account_get(kobj_creator_account());
    o->charged = (uint32_t)bytes;
}

void kobj_charge_cancel(uint64_t bytes)
{
    account_uncharge(kobj_creator_account(), bytes);
}

/* Address spaces see a region's object only through these (mm/vm.h). */
static void backing_get(void *obj)
{
    kobj_get(obj);
}

static void backing_put(void *obj)
{
    kobj_put(obj);
}

static int backing_map_page(void *obj, uint64_t off, uint64_t *pa)
{
    struct kobject *o = obj;
    return o->ops->map_page(o, off, pa);
}

void kobj_register_backing(void)
{
    static const struct vm_backing_ops ops = {backing_get, backing_put, backing_map_page};
    vm_set_backing(&ops);
}
