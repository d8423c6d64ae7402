/*
 * Commands the shell runs itself, because they change the shell: cd, exit, poweroff, export,
 * unset, fg, bg; and help, pwd, jobs, and kill, which must work when no process can be started
 * (the process table or the shell's process limit full: a runaway program's children are what
 * the user wants to kill then). A line of NAME=value words alone sets those variables.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wren/init.h>
#include <wren/syscalls.h>

#include "sh.h"

static int b_help(int argc, char **argv)
{
    (void)argc, (void)argv;
    printf("Built-in commands:\n"
           "  cd [dir]     change directory (default /)\n"
           "  pwd          print the current directory\n"
           "  jobs         list jobs (running in the background, or stopped)\n"
           "  fg [n]       continue job n (default: the newest) in the foreground\n"
           "  bg [n]       continue stopped job n in the background\n"
           "  kill target [signal]  send a signal (default 15, SIGTERM) to pid, -group, -1 (every\n"
           "               program of this shell but the shell) or %%n (job n); works with the process table full\n"
           "  export NAME=value ...  set environment variables (NAME=value alone does too)\n"
           "  unset NAME ...         remove environment variables\n"
           "  exit [n]     leave the shell (init starts a new one)\n"
           "  poweroff     end the shell and power the machine off\n"
           "  help         this text\n"
           "Other commands are programs in /bin (ls /bin; env shows the environment). Also: cmd &, a | b,\n"
           "> file, >> file, < file, NAME=value cmd.\n"
           "Keys: backspace, Ctrl-U (kill line), left/right, up/down (history), Ctrl-C (abandon line),\n"
           "Ctrl-Z (stop the running job).\n");
    return 0;
}

static int b_cd(int argc, char **argv)
{
    if (argc > 2) {
        fprintf(stderr, "usage: cd [dir]\n");
        return 2;
    }
    const char *dir = argc > 1 ? argv[1] : "/";
    if (chdir(dir) < 0) {
        fprintf(stderr, "cd: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    return 0;
}

static int b_pwd(int argc, char **argv)
{
    static char buf[4097];
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: pwd\n");
        return 2;
    }
    if (!getcwd(buf, sizeof(buf))) {
        fprintf(stderr, "pwd: %s\n", strerror(errno));
        return 1;
    }
    printf("%s\n", buf);
    return 0;
}

static int b_jobs(int argc, char **argv)
{
    (void)argc, (void)argv;
    jobs_list();
    return 0;
}

static int b_export(int argc, char **argv)
{
    /* A bare NAME is already exported if it is set: everything set is. */
    for (int i = 1; i < argc; i++)
        if (strchr(argv[i], '=') && env_assign(&argv[i], 1) < 0)
            return 1;
    return 0;
}

static int b_unset(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        unsetenv(argv[i]);
    return 0;
}

/* The job fg or bg names: "n" or "%n", or the newest without one. */
static struct job *job_arg(const char *cmd, int argc, char **argv)
{
    if (argc > 2) {
        fprintf(stderr, "usage: %s [n]\n", cmd);
        return 0;
    }
    int id = argc > 1 ? atoi(argv[1][0] == '%' ? argv[1] + 1 : argv[1]) : 0;
    struct job *j = jobs_find(id);
    if (!j)
        fprintf(stderr, "%s: no such job\n", cmd);
    return j;
}

static int b_fg(int argc, char **argv)
{
    struct job *j = job_arg("fg", argc, argv);
    if (!j)
        return 1;
    int status = jobs_continue(j, true);
    return status == SH_STOPPED ? 0 : status;
}

static int b_bg(int argc, char **argv)
{
    struct job *j = job_arg("bg", argc, argv);
    return j ? jobs_continue(j, false) : 1;
}

/* A whole decimal number, sign allowed. */
static bool number(const char *s, long *out)
{
    char *end;
    *out = strtol(s, &end, 10);
    return *s && !*end;
}

/* Built in, and with /bin/kill's syntax, so that a full process table does not leave the user unable to kill. */
static int b_kill(int argc, char **argv)
{
    long target, sig = SIGTERM;
    if (argc < 2 || argc > 3 || (argc == 3 && !number(argv[2], &sig))) {
        fprintf(stderr, "usage: kill pid|-group|%%job [signal]\n");
        return 2;
    }
    if (argv[1][0] == '%') {
        struct job *j = job_arg("kill", 2, (char *[]){argv[0], argv[1], 0});
        if (!j)
            return 1;
        target = -(long)jobs_pgid(j);
    } else if (!number(argv[1], &target)) {
        fprintf(stderr, "usage: kill pid|-group|%%job [signal]\n");
        return 2;
    }
    if (kill((pid_t)target, (int)sig) < 0) {
        fprintf(stderr, "kill: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    return 0;
}

static int b_exit(int argc, char **argv)
{
    char *end;
    long n = argc > 1 ? strtol(argv[1], &end, 10) : 0;
    if (argc > 2 || (argc > 1 && (*end || end == argv[1]))) {
        fprintf(stderr, "usage: exit [status]\n");
        return 2;
    }
    sh_exiting = true;
    sh_exit_status = (int)(n & 0xff);
    return 0;
}

static int b_poweroff(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: poweroff\n");
        return 2;
    }
    /* Only init acts on this (user/init/init.c): the shell ends by the signal, and init powers off. */
    fflush(stdout);
    struct wren_sigaction dfl = {.handler = WREN_SIGNAL_HANDLER_USE_DEFAULT};
    wren_sigaction(WREN_SH_POWEROFF_SIGNAL, &dfl, 0);
    wren_kill(wren_get_pid(), WREN_SH_POWEROFF_SIGNAL);
    return 1; /* not reached: the signal ends the shell on the way back from kill */
}

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} builtins[] = {
    {"help", b_help},   {"cd", b_cd}, {"pwd", b_pwd}, {"jobs", b_jobs},         {"exit", b_exit}, {"export", b_export},
    {"unset", b_unset}, {"fg", b_fg}, {"bg", b_bg},   {"poweroff", b_poweroff}, {"kill", b_kill},
};

bool builtin_run(struct pipeline *p, int *status)
{
    struct command *c = &p->cmd[0];
    if (c->argc == 0) { /* NAME=value alone: the shell's own environment */
        *status = env_assign(c->assign, c->nassign) < 0 ? 1 : 0;
        return true;
    }
    for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
        if (strcmp(c->argv[0], builtins[i].name) != 0)
            continue;
        if (p->ncmds > 1 || p->background || c->in || c->out) {
            fprintf(stderr, "sh: %s: a built-in cannot be piped, redirected or run in the background\n", c->argv[0]);
            *status = 2;
            return true;
        }
        *status = builtins[i].fn(c->argc, c->argv);
        return true;
    }
    return false;
}
