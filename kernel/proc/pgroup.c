/* Process groups, sessions and kill (pgroup.h). */
#include "proc/pgroup.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "syscall_table.h"

/* A live process: its leader's slot (the other threads' are not processes). */
static bool live(const struct proc *p)
{
    return p->state != PROC_FREE && p->state != PROC_ZOMBIE && p->pid > 0 && !proc_is_thread(p);
}

static bool is_descendant(const struct proc *p, const struct proc *ancestor)
{
    /* The chain ends at init (ppid 0) or at a parent that is gone; PROC_MAX steps bound it. */
    for (int i = 0; i < PROC_MAX && p; i++) {
        if (p->ppid == ancestor->pid)
            return true;
        p = proc_find(p->ppid);
    }
    return false;
}

/* kill's permission rule: the same session, or one's own descendants. */
static bool may_signal(const struct proc *self, const struct proc *p)
{
    return p == self || p->sid == self->sid || is_descendant(p, self);
}

/*
 * Is p one of those kill(-1) reaches? Never the caller or init. A privileged caller reaches every other process;
 * anyone else only the processes of its own session but the session's leader, the shell the user types at: a
 * broadcast from a program ends the programs of its session, not the shell that ran them nor anything outside.
 */
static bool broadcast_reaches(const struct proc *self, const struct proc *p)
{
    if (p == self || p->pid == 1)
        return false;
    return self->privileged || (p->sid == self->sid && p->pid != self->sid);
}

long pgroup_kill(int pid, int sig)
{
    struct proc *self = proc_current_process();
    int found = 0, sent = 0;

    if (pid > 0) {
        struct proc *p = proc_find(pid);
        if (!p)
            return -E_SRCH;
        if (!may_signal(self, p))
            return -E_PERM;
        if (sig)
            signal_send(p, sig);
        return 0;
    }
    long group = pid == 0 ? self->pgid : -(long)pid;
    for (int i = 0; i < PROC_MAX; i++) {
        struct proc *p = proc_slot(i);
        if (!live(p))
            continue;
        if (pid == -1 ? !broadcast_reaches(self, p) : p->pgid != group)
            continue;
        found++;
        if (!may_signal(self, p))
            continue;
        sent++;
        if (sig)
            signal_send(p, sig);
    }
    return !found ? -E_SRCH : !sent ? -E_PERM : 0;
}

bool pgroup_exists(int pgid, int sid)
{
    for (int i = 0; i < PROC_MAX; i++) {
        struct proc *p = proc_slot(i);
        if (live(p) && p->pgid == pgid && p->sid == sid)
            return true;
    }
    return false;
}

void pgroup_signal(int pgid, int sig)
{
    for (int i = 0; i < PROC_MAX; i++) {
        struct proc *p = proc_slot(i);
        if (live(p) && p->pgid == pgid)
            signal_send(p, sig);
    }
}

long pgroup_setpgid(int pid, int pgid)
{
    struct proc *self = proc_current_process();
    struct proc *p = pid == 0 ? self : proc_find(pid);

    if (pgid < 0)
        return -E_INVAL;
    if (!p || !live(p) || (p != self && p->ppid != self->pid))
        return -E_SRCH;
    if (p->sid != self->sid || p->pid == p->sid)
        return -E_PERM;
    if (pgid == 0)
        pgid = p->pid;
    if (pgid != p->pid && !pgroup_exists(pgid, self->sid))
        return -E_PERM;
    p->pgid = pgid;
    return 0;
}

long pgroup_getpgid(int pid)
{
    struct proc *p = pid == 0 ? proc_current_process() : proc_find(pid);
    return p ? p->pgid : -E_SRCH;
}

long pgroup_setsid(void)
{
    struct proc *self = proc_current_process();

    /* A group with the caller's pid, its own or one it founded, would straddle two sessions. */
    for (int i = 0; i < PROC_MAX; i++) {
        struct proc *p = proc_slot(i);
        if (live(p) && p->pgid == self->pid)
            return -E_PERM;
    }
    self->sid = self->pgid = self->pid;
    return self->sid;
}
