/* Per-process resource limits (limits.h). */
#include "mm/account.h"
#include "proc/limits.h"
#include "panic.h"
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
    if (resource == WREN_LIMIT_PROCESSES)
        return p->tree_procs;
    return 0; /* not a known resource: proc_get_limit checked it */
}

/*
 * WREN_LIMIT_PROCESSES. Each process counts the processes of the tree rooted at it (tree_procs), and a new
 * process is counted in the tree of every ancestor at once, so the check before a fork or spawn is one walk up
 * the tree, as deep as the tree is (a few steps, not the table). The tree is tree_parent's, not ppid's: an
 * orphan is handed to init for waiting, but for counting it moves only up to its nearest ancestor still in
 * the table, so fork-and-exit ("double fork") does not take processes out from under a limit.
 */
int proc_tree_may_grow(const struct proc *parent)
{
    for (const struct proc *a = parent; a; a = a->tree_parent)
        if (a->tree_procs >= a->limits[WREN_LIMIT_PROCESSES])
            return -E_AGAIN;
    return 0;
}

void proc_tree_join(struct proc *child, struct proc *parent)
{
    child->tree_parent = parent;
    child->tree_procs = 1;
    for (struct proc *a = parent; a; a = a->tree_parent)
        a->tree_procs++;
}

void proc_tree_hand_up_children(struct proc *ended)
{
    for (int i = 0; i < PROC_MAX && ended->tree_procs > 1; i++) {
        struct proc *c = proc_slot(i);
        if (c->tree_parent != ended)
            continue;
        ended->tree_procs -= c->tree_procs; /* the ancestors above go on counting them */
        c->tree_parent = ended->tree_parent;
    }
}

void proc_tree_leave(struct proc *p)
{
    KASSERT(p->tree_procs == 1); /* what it leaves behind was handed up when it became a zombie */
    for (struct proc *a = p->tree_parent; a; a = a->tree_parent)
        a->tree_procs--;
}

long proc_set_limit(int pid, uint32_t resource, uint64_t value)
{
    struct proc *self = proc_current_process();

    if (!known(resource))
        return -E_INVAL;
    struct proc *p = proc_self_or_child(pid);
    if (!p)
        return -E_SRCH;
    if (value > self->limits[resource] && !self->privileged)
        return -E_PERM;
    p->limits[resource] = value;
    if (resource == WREN_LIMIT_MEMORY)
        account_set_limit(p->acct, value); /* where charging reads it */
    /* 0, not the previous limit: a u64 limit (WREN_LIMIT_UNLIMITED above all) cannot share x0 with -E_* codes. */
    return 0;
}

long proc_get_limit(int pid, uint32_t resource, struct wren_limit_info *out)
{
    struct proc *p = pid == 0 ? proc_current_process() : proc_find(pid);

    if (!known(resource))
        return -E_INVAL;
    if (!p || p->state == PROC_ZOMBIE)
        return -E_SRCH;
    out->limit = p->limits[resource];
    out->usage = proc_limit_usage(p, resource);
    return 0;
}
