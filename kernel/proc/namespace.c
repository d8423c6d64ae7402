/* Namespaces (namespace.h): immutable once made, so fork, exec and spawn share them by reference. */
#include "proc/namespace.h"

#include "mm/kmalloc.h"
#include "panic.h"
#include "syscall_table.h"

struct namespace *namespace_get(struct namespace *ns)
{
    if (ns)
        ns->refs++;
    return ns;
}

void namespace_put(struct namespace *ns)
{
    if (ns && --ns->refs == 0)
        kfree(ns);
}

long namespace_narrow(struct namespace *parent, const struct scheme_set *req, struct namespace **out)
{
    struct namespace *ns = kmalloc(sizeof(*ns));
    if (!ns)
        return -E_NOMEM;
    int err = scheme_set_intersect(parent ? &parent->set : 0, req, &ns->set);
    if (err) {
        kfree(ns);
        return err;
    }
    ns->refs = 1;
    *out = ns;
    return 0;
}
