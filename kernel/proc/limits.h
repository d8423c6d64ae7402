/*
 * Per-process resource limits (set_limit, get_limit; WREN_LIMIT_* in interface/types.yaml).
 *
 * A limit lives in the process it limits (proc->limits) and is copied to each new child, so a
 * limit set on a process holds for everything started under it: without the system privilege
 * a process can lower a limit, never raise one above its own. What each resource counts as
 * "in use" is the business of the code that charges it (proc_limit_usage).
 */
#ifndef WREN_PROC_LIMITS_H
#define WREN_PROC_LIMITS_H

#include <stdint.h>

#include "proc/proc.h"

/* A new process's limits: its parent's, or none at all for init (parent NULL). */
void proc_limits_inherit(struct proc *child, const struct proc *parent);

/* What p uses now of `resource` (a valid WREN_LIMIT_*). */
uint64_t proc_limit_usage(const struct proc *p, uint32_t resource);

/*
 * WREN_LIMIT_PROCESSES, counted over tree_parent (proc.h). May `parent` (NULL: the kernel starting init) get one more
 * process under it? 0, or -E_AGAIN if its tree or one enclosing it is at its limit.
 */
int proc_tree_may_grow(const struct proc *parent);
/* Count the new process `child` (no children yet) in parent's tree and every tree enclosing it. */
void proc_tree_join(struct proc *child, struct proc *parent);
/* `ended` is exiting: its tree children, with their trees, move up to its tree parent and stay counted there. */
void proc_tree_hand_up_children(struct proc *ended);
/* p (a zombie or a process never started, with no tree children left) leaves the table: count it out. */
void proc_tree_leave(struct proc *p);

/* set_limit and get_limit (interface/syscalls/proc.yaml). */
long proc_set_limit(int pid, uint32_t resource, uint64_t value);
long proc_get_limit(int pid, uint32_t resource, struct wren_limit_info *out);

#endif
