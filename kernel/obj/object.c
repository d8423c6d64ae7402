/* TEMPORARY stand-in for the lead's kernel/obj/object.c so this branch links; drop at merge. */
#include "obj/object.h"
#include "panic.h"

uint64_t kobj_live[KOBJ_TYPES];

void kobj_init(struct kobject *o, const struct kobject_ops *ops, uint16_t type, uint16_t file_type)
{
    o->ops = ops;
    o->refs = 1;
    o->type = type;
    o->file_type = file_type;
    o->open_flags = 0;
    kobj_live[type < KOBJ_TYPES ? type : 0]++;
}

struct kobject *kobj_get(struct kobject *o)
{
    o->refs++;
    return o;
}

void kobj_put(struct kobject *o)
{
    if (!o || --o->refs)
        return;
    kobj_live[o->type < KOBJ_TYPES ? o->type : 0]--;
    if (o->ops->destroy)
        o->ops->destroy(o);
}
