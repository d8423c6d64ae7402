/*
 * Jobs: pipelines started with "&", and foreground ones while they run (so that Ctrl-Z can
 * leave them stopped here). Background jobs are reaped and reported at the next prompt; fg and
 * bg continue a stopped one. A stop is seen through wait's WREN_WAIT_UNTRACED, and SIGCONT
 * clears a stop report the shell has not collected, so an old stop is never mistaken for a new one.
 */
#include <stdio.h>
#include <string.h>
#include <wren/syscalls.h>

#include "sh.h"

#define JOBS_MAX 16

struct job {
    bool used;
    int id; /* [n] as shown; 0 until it is (a foreground job that never stopped has none) */
    pid_t pgid;
    pid_t pids[SH_CMDS_MAX]; /* negated once reaped */
    int npids, left;
    int status; /* of the last command */
    bool stopped;
    char text[80];
};

static struct job jobs[JOBS_MAX];

/* The lowest number no job shows. */
static int free_id(void)
{
    for (int id = 1;; id++) {
        bool taken = false;
        for (int i = 0; i < JOBS_MAX; i++)
            taken |= jobs[i].used && jobs[i].id == id;
        if (!taken)
            return id;
    }
}

static void show(struct job *j)
{
    if (!j->id)
        j->id = free_id();
}

struct job *jobs_add(const pid_t *pids, int npids, const char *text)
{
    for (int i = 0; i < JOBS_MAX; i++) {
        struct job *j = &jobs[i];
        if (j->used)
            continue;
        memset(j, 0, sizeof(*j));
        j->used = true;
        j->pgid = pids[0];
        memcpy(j->pids, pids, sizeof(pids[0]) * (size_t)npids);
        j->npids = j->left = npids;
        snprintf(j->text, sizeof(j->text), "%s", text);
        return j;
    }
    return 0;
}

void jobs_background(struct job *j)
{
    show(j);
    printf("[%d] %d\n", j->id, (int)j->pids[j->npids - 1]);
}

/* Process k of j reported status st (wait's): note an end or a stop. */
static void note(struct job *j, int k, int32_t st)
{
    if (st & WREN_WAIT_STATUS_STOPPED) {
        j->stopped = true;
        return;
    }
    if (k == j->npids - 1)
        j->status = st;
    j->pids[k] = -j->pids[k];
    j->left--;
}

int jobs_wait(struct job *j)
{
    for (int k = 0; k < j->npids && !j->stopped; k++) {
        int32_t st = 0;
        if (j->pids[k] <= 0)
            continue;
        long r = wren_wait(j->pids[k], &st, WREN_WAIT_UNTRACED);
        if (r == j->pids[k])
            note(j, k, st);
        else if (r == -E_INTR)
            k--; /* a signal for the shell: wait again */
        else
            note(j, k, 0); /* not our child any more: nothing to wait for */
    }
    if (j->stopped) {
        show(j);
        printf("\n[%d] stopped %s\n", j->id, j->text);
        return SH_STOPPED;
    }
    int status = j->status;
    j->used = false;
    return status;
}

struct job *jobs_find(int id)
{
    struct job *best = 0;
    for (int i = 0; i < JOBS_MAX; i++) {
        struct job *j = &jobs[i];
        if (!j->used || !j->id)
            continue;
        if (id ? j->id == id : (!best || j->id > best->id))
            best = j;
    }
    return best;
}

int jobs_continue(struct job *j, bool foreground)
{
    j->stopped = false;
    if (foreground) {
        printf("%s\n", j->text);
        fflush(stdout);
        jobctl_foreground(j->pgid);
    }
    wren_kill(-j->pgid, WREN_SIGNAL_SIGCONT);
    if (!foreground) {
        printf("[%d] %s &\n", j->id, j->text);
        return 0;
    }
    int status = jobs_wait(j);
    jobctl_take_back();
    return status;
}

void jobs_reap(void)
{
    for (int i = 0; i < JOBS_MAX; i++) {
        struct job *j = &jobs[i];
        if (!j->used)
            continue;
        bool was_stopped = j->stopped;
        for (int k = 0; k < j->npids; k++) {
            int32_t st;
            if (j->pids[k] > 0 && wren_wait(j->pids[k], &st, WREN_WAIT_NOHANG | WREN_WAIT_UNTRACED) == j->pids[k])
                note(j, k, st);
        }
        if (j->left == 0) {
            show(j);
            if (j->status & WREN_WAIT_STATUS_SIGNALED)
                printf("[%d] done %s [killed by signal %d]\n", j->id, j->text, j->status & 0xff);
            else if (j->status)
                printf("[%d] done %s [exit %d]\n", j->id, j->text, j->status);
            else
                printf("[%d] done %s\n", j->id, j->text);
            j->used = false;
        } else if (j->stopped && !was_stopped) {
            show(j);
            printf("[%d] stopped %s\n", j->id, j->text);
        }
    }
}

void jobs_list(void)
{
    for (int i = 0; i < JOBS_MAX; i++)
        if (jobs[i].used && jobs[i].id)
            printf("[%d] %s %s\n", jobs[i].id, jobs[i].stopped ? "stopped" : "running", jobs[i].text);
}

pid_t jobs_pgid(const struct job *j)
{
    return j->pgid;
}
