/* Reference counting for kernel objects (object.h). */
#include "mm/account.h"
#include "obj/event_queue.h"
#include "obj/object.h"
#include "panic.h"
#include "proc/proc.h"

uint64_t kobj_live[KOBJ_TYPES];

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
    kobj_live[type]++;
}

void kobj_release(struct kobject *o)
{
    kobj_live[o->type]--;
    /* Subscriptions end with the object (as epoll's do with the open file), before it goes. */
    if (!list_empty(&o->watchers))
        event_watchers_drop(o);
    struct mem_account *a = o->acct; /* destroy frees o */
    uint32_t charged = o->charged;
    o->ops->destroy(o);
    if (a) {
        account_uncharge(a, charged);
        account_put(a);
    }
}

struct mem_account *kobj_creator_account(void)
{
    return proc_current()->acct;
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
