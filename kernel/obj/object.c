/* Reference counting for kernel objects (object.h). */
#include "obj/event_queue.h"
#include "obj/object.h"
#include "panic.h"

uint64_t kobj_live[KOBJ_TYPES];

void kobj_init(struct kobject *o, const struct kobject_ops *ops, uint16_t type, uint16_t file_type)
{
    KASSERT(type < KOBJ_TYPES);
    o->ops = ops;
    o->refs = 1;
    o->type = type;
    o->file_type = file_type;
    o->open_flags = 0;
    list_init(&o->watchers);
    kobj_live[type]++;
}

void kobj_release(struct kobject *o)
{
    kobj_live[o->type]--;
    /* Subscriptions end with the object (as epoll's do with the open file), before it goes. */
    if (!list_empty(&o->watchers))
        event_watchers_drop(o);
    o->ops->destroy(o);
}
