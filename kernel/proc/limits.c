/* Per-process resource limits (limits.h). */
#include "mm/account.h"
#include "proc/limits.h"
#include "syscall_table.h"

_Static_assert(WREN_LIMIT_MEMORY < PROC_LIMITS && WREN_LIMIT_PROCESSES < PROC_LIMITS, "proc->limits has a slot each");

static bool known(uint32_t resource)
{
    return resource == WREN_LIMIT_MEMORY || resource == WREN_LIMIT_PROCESSES;
}

void proc_limits_inherit(struct proc *child, const struct proc *parent)
{
    for (int i = 0; i < PROC_LIMITS; i++)
        child->limits[i] = parent ? parent->limits[i] : WREN_LIMIT_UNLIMITED;
}

/* Memory: the bytes charged to its account (mm/account.h), kept as it goes, so reading it walks nothing. */
static uint64_t memory_usage(const struct proc *p)
{
    return account_usage(p->acct);
}

uint64_t proc_limit_usage(const struct proc *p, uint32_t resource)
{
    if (resource == WREN_LIMIT_MEMORY)
        return memory_usage(p);
    return 0; /* each resource's accounting fills this in */
}

long proc_set_limit(int pid, uint32_t resource, uint64_t value)
{
    struct proc *self = proc_current();
    struct proc *p = pid == 0 ? self : proc_find(pid);

    if (!known(resource))
        return -E_INVAL;
    if (!p || p->state == PROC_ZOMBIE || (p != self && p->ppid != self->pid))
        return -E_SRCH;
    if (value > self->limits[resource] && !self->privileged)
        return -E_PERM;
    uint64_t old = p->limits[resource];
    p->limits[resource] = value;
    if (resource == WREN_LIMIT_MEMORY)
        account_set_limit(p->acct, value); /* where charging reads it */
    return (long)old;
}

long proc_get_limit(int pid, uint32_t resource, struct wren_limit_info *out)
{
    struct proc *p = pid == 0 ? proc_current() : proc_find(pid);

    if (!known(resource))
        return -E_INVAL;
    if (!p || p->state == PROC_ZOMBIE)
        return -E_SRCH;
    out->limit = p->limits[resource];
    out->usage = proc_limit_usage(p, resource);
    return 0;
}
