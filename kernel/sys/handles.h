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
    return &proc_current()->handles;
}

#endif
