/*
 * The caller's handle table, the one every handle and fd argument names an entry of: used by
 * the generated dispatcher's lookups (build/gen/kernel/syscall_dispatch.c) and by handlers
 * that install or close entries.
 */
#ifndef WREN_SYS_HANDLES_H
#define WREN_SYS_HANDLES_H

#include "obj/handle.h"
#include "proc/proc.h"

static inline struct handle_table *caller_handles(void)
{
    return &proc_current()->leader->handles;
}

/*
 * Give `o` (the caller's reference) the lowest free descriptor, with the rights its WREN_OPEN_* flags give and
 * close-on-exec if they ask; or drop the reference and return the error (sys_fd.c).
 */
long fd_install(struct kobject *o, uint32_t flags);
/* fd_install with `extra_rights` besides: a scheme's open_rights (WREN_RIGHT_MAP for memory and mmio objects). */
long fd_install_extra(struct kobject *o, uint32_t flags, uint32_t extra_rights);

#endif
