/* Background jobs: started with "&", reaped and reported at the next prompt. */
#include <stdio.h>
#include <string.h>
#include <wren/syscalls.h>

#include "sh.h"

#define JOBS_MAX 16

struct job {
    int id; /* [n] as shown; 0 = free slot */
    pid_t pids[SH_CMDS_MAX];
    int npids, left;
    int status; /* of the last command */
    char text[80];
};

static struct job jobs[JOBS_MAX];
static int next_id = 1;

void jobs_add(const pid_t *pids, int npids, const char *text)
{
    struct job *j = 0;
    for (int i = 0; i < JOBS_MAX && !j; i++)
        if (!jobs[i].id)
            j = &jobs[i];
    printf("[%d] %d\n", j ? next_id : 0, (int)pids[npids - 1]);
    if (!j)
        return; /* the table is full: the job runs unwatched, and init reaps it when the shell exits */
    j->id = next_id++;
    memcpy(j->pids, pids, sizeof(pids[0]) * (size_t)npids);
    j->npids = j->left = npids;
    j->status = 0;
    snprintf(j->text, sizeof(j->text), "%s", text);
}

void jobs_reap(void)
{
    for (int i = 0; i < JOBS_MAX; i++) {
        struct job *j = &jobs[i];
        if (!j->id)
            continue;
        for (int k = 0; k < j->npids; k++) {
            int32_t st;
            if (j->pids[k] > 0 && wren_wait(j->pids[k], &st, WREN_WAIT_NOHANG) == j->pids[k]) {
                if (k == j->npids - 1)
                    j->status = st;
                j->pids[k] = -j->pids[k]; /* reaped: remembered negated for the report */
                j->left--;
            }
        }
        if (j->left == 0) {
            if (j->status & WREN_WAIT_STATUS_SIGNALED)
                printf("[%d] done %s [killed by signal %d]\n", j->id, j->text, j->status & 0xff);
            else if (j->status)
                printf("[%d] done %s [exit %d]\n", j->id, j->text, j->status);
            else
                printf("[%d] done %s\n", j->id, j->text);
            j->id = 0;
        }
    }
    int any = 0;
    for (int i = 0; i < JOBS_MAX; i++)
        any |= jobs[i].id;
    if (!any)
        next_id = 1;
}

void jobs_list(void)
{
    for (int i = 0; i < JOBS_MAX; i++)
        if (jobs[i].id)
            printf("[%d] running %s\n", jobs[i].id, jobs[i].text);
}
