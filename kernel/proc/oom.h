/*
 * The out-of-memory policy: what happens when a page fault finds no free page of RAM.
 *
 * A fault cannot answer E_NOMEM, and the process that faults is not necessarily the one that
 * used the memory up: a parent writing its own stack page (a copy-on-write break, after fork)
 * needs a page while its children hold all of them. So the faulting process is not made the
 * victim for being the one that asked. Instead oom_reclaim chooses the largest consumer — the
 * live process with the most memory charged to its account (mm/account.h), init never — sends
 * it SIGKILL (which wakes it wherever it waits, so it exits and frees what it holds), and
 * lets the faulting process sleep until a process has exited (or a short time passed), then
 * retry the fault. The faulting process ends as out of memory only when it is itself the
 * largest consumer, or the retries are used up (OOM_ROUNDS, so a fault never waits forever).
 *
 * Why not a reserve: any fixed reserve is used up the same way by whoever allocates first,
 * and a copy-on-write break would still fail when it is gone; choosing the victim by what it
 * holds puts the cost where the memory went. Kernel allocations in syscalls simply fail with
 * E_NOMEM (a syscall can report it); only faults, which cannot, reclaim.
 */
#ifndef WREN_PROC_OOM_H
#define WREN_PROC_OOM_H

#include <stdbool.h>

#define OOM_ROUNDS  16         /* victims (or waits for one) per fault before the faulting process gives up */
#define OOM_WAIT_NS 100000000u /* 100 ms: the longest one round waits for an exit */

/*
 * A fault of the current process found no free page (vm_fault's -E_NOMEM) for the round-th
 * time (from 0): true if memory may have come back (a victim was killed and waited for), so
 * the fault should be retried; false if the current process should end as out of memory.
 */
bool oom_reclaim(int round);

/* A process has exited and freed its memory: wake the faults waiting for it (proc.c). */
void oom_memory_freed(void);

#endif
