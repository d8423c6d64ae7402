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

/* set_limit and get_limit (interface/syscalls/proc.yaml). */
long proc_set_limit(int pid, uint32_t resource, uint64_t value);
long proc_get_limit(int pid, uint32_t resource, struct wren_limit_info *out);

#endif
