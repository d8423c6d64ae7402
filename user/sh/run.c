/*
 * Running a pipeline: each command is a forked child that wires its standard descriptors to
 * the pipes and files it was given and then execs the program, so whatever the shell set up
 * is what the program finds, and with the shell's environment plus the command's own NAME=value
 * words (env.c). The pipes are made close-on-exec: each child keeps only the ends it dup2'd onto
 * 0 and 1, and a reader sees the end of its input when the last writer exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wren/libc.h>
#include <wren/syscalls.h>

#include "sh.h"

/* Where a command's program is: a name with a "/" as given, anything else in /bin. */
static void program_path(const char *name, char *buf, size_t size)
{
    if (strchr(name, '/'))
        snprintf(buf, size, "%s", name);
    else
        snprintf(buf, size, "/bin/%s", name);
}

/* Put fd on target (0 or 1) and close the original. */
static void move_fd(int fd, int target)
{
    if (fd != target) {
        dup2(fd, target);
        close(fd);
    }
}

/* In the child: redirections, then the program. Never returns. */
static _Noreturn void child_exec(struct command *c, const char *path, int in, int out)
{
    static char block[4096], env[4096];
    size_t len = 0;

    if (in >= 0)
        move_fd(in, 0);
    if (out >= 0)
        move_fd(out, 1);
    if (c->in) {
        int fd = open(c->in, O_RDONLY);
        if (fd < 0) {
            fprintf(stderr, "sh: %s: %s\n", c->in, strerror(errno));
            _exit(1);
        }
        move_fd(fd, 0);
    }
    if (c->out) {
        int fd = open(c->out, O_WRONLY | O_CREAT | (c->append ? O_APPEND : O_TRUNC), 0644);
        if (fd < 0) {
            fprintf(stderr, "sh: %s: %s\n", c->out, strerror(errno));
            _exit(1);
        }
        move_fd(fd, 1);
    }
    for (int i = 0; i < c->argc; i++) {
        size_t n = strlen(c->argv[i]) + 1;
        if (len + n > sizeof(block)) {
            fprintf(stderr, "sh: %s: argument list too long\n", c->argv[0]);
            _exit(126);
        }
        memcpy(block + len, c->argv[i], n);
        len += n;
    }
    long envlen = env_assign(c->assign, c->nassign) < 0 ? -2 : env_block(env, sizeof(env));
    if (envlen < 0) {
        if (envlen == -1)
            fprintf(stderr, "sh: %s: environment too long\n", c->argv[0]);
        _exit(126);
    }
    long r = wren_exec(path, strlen(path), block, len, env, (size_t)envlen);
    /* Only a failed exec comes back. */
    if (r == -E_NOEXEC)
        fprintf(stderr, "sh: %s: not an executable program (bad ELF file)\n", path);
    else
        fprintf(stderr, "sh: %s: cannot run: %s\n", path, strerror(wren_errno_from(-r)));
    _exit(r == -E_NOENT ? 127 : 126);
}

void report_status(int status)
{
    if (status & WREN_WAIT_STATUS_SIGNALED)
        printf("[killed by signal %d]\n", status & 0xff);
    else if (status != 0)
        printf("[exit %d]\n", status);
}

int run_pipeline(struct pipeline *p, const char *text)
{
    pid_t pids[SH_CMDS_MAX];
    char paths[SH_CMDS_MAX][256];
    int n = 0, in = -1;
    pid_t pgid = 0;

    /* Every program must be there before anything starts: a typo starts no half pipeline. */
    for (int i = 0; i < p->ncmds; i++) {
        struct stat st;
        program_path(p->cmd[i].argv[0], paths[i], sizeof(paths[i]));
        if (stat(paths[i], &st) < 0 || S_ISDIR(st.st_mode)) {
            fprintf(stderr, "sh: %s: command not found\n", p->cmd[i].argv[0]);
            return 127;
        }
    }
    fflush(stdout);
    for (int i = 0; i < p->ncmds; i++) {
        int pipefd[2] = {-1, -1};
        if (i + 1 < p->ncmds && wren_pipe(pipefd, WREN_OPEN_CLOEXEC) < 0) {
            fprintf(stderr, "sh: cannot make a pipe\n");
            break;
        }
        long pid = wren_fork();
        if (pid == 0) {
            jobctl_child(pgid);
            child_exec(&p->cmd[i], paths[i], in, pipefd[1]);
        }
        if (in >= 0)
            close(in);
        if (pipefd[1] >= 0)
            close(pipefd[1]);
        in = pipefd[0];
        if (pid < 0) {
            fprintf(stderr, "sh: cannot start %s: %s\n", p->cmd[i].argv[0], strerror(wren_errno_from(-pid)));
            break;
        }
        if (!pgid)
            pgid = (pid_t)pid;
        jobctl_parent((pid_t)pid, pgid);
        pids[n++] = (pid_t)pid;
    }
    if (in >= 0)
        close(in);
    if (n == 0)
        return -1;
    struct job *j = jobs_add(pids, n, text);
    if (p->background) {
        if (j)
            jobs_background(j);
        else /* the job runs unwatched, and init reaps it when the shell exits */
            printf("[0] %d\n", (int)pids[n - 1]);
        return 0;
    }
    jobctl_foreground(pgid);
    int32_t status = 0, last = 0;
    if (j) {
        last = jobs_wait(j);
    } else { /* no room to keep it if it stopped: wait for its end only */
        for (int i = 0; i < n; i++)
            if (wren_wait(pids[i], &status, 0) == pids[i] && i == n - 1)
                last = status;
    }
    jobctl_take_back();
    if (last == SH_STOPPED)
        return 0;
    return n == p->ncmds ? last : -1;
}
