/* The out-of-memory policy (oom.h). */
#include <wren/abi.h>

#include "console.h"
#include "mm/account.h"
#include "proc/oom.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/waitq.h"

static struct waitq memory_back; /* faults waiting for a victim to exit */

static bool killable(const struct proc *p)
{
    /* pid 0 is a slot still being built (proc.c); pid 1 is init, which is never chosen. */
    return p->pid > 1 && p->state != PROC_FREE && p->state != PROC_ZOMBIE && !proc_is_thread(p);
}

/* The live process, init apart, with the most memory charged to it; NULL if there is none. */
static struct proc *largest_consumer(void)
{
    struct proc *best = 0;
    uint64_t most = 0;
    for (int i = 0; i < PROC_MAX; i++) {
        struct proc *p = proc_slot(i);
        if (killable(p) && (!best || account_usage(p->acct) > most)) {
            best = p;
            most = account_usage(p->acct);
        }
    }
    return best;
}

static bool dying(const struct proc *p)
{
    return (p->sig.pending & SIG_BIT(WREN_SIGNAL_SIGKILL)) != 0;
}

bool oom_reclaim(int round)
{
    struct proc *self = proc_current_process();
    if (round >= OOM_ROUNDS || signal_interrupted(proc_current()))
        return false;
    struct proc *victim = largest_consumer();
    /* It holds the most itself (a tie too: then it is no more innocent than the other), or nobody else is left. */
    if (!victim || victim == self || (killable(self) && account_usage(self->acct) >= account_usage(victim->acct)))
        return false;
    if (!dying(victim)) {
        kprintf("wren: out of memory (pid %d faulting): killing pid %d (%s), %lu KiB charged\n", self->pid, victim->pid,
                victim->name, (unsigned long)(account_usage(victim->acct) / 1024));
        signal_post(victim, WREN_SIGNAL_SIGKILL); /* wakes it if it waits: it exits on its way to user space */
    }
    /* Let it run and exit; woken by its exit, or after a while to look again (it may hold little that frees). */
    long err = waitq_wait(&memory_back, timer_deadline_after(OOM_WAIT_NS));
    return err != -E_INTR;
}

void oom_memory_freed(void)
{
    if (memory_back.head)
        waitq_wake_all(&memory_back);
}
