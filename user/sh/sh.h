/*
 * /bin/sh: the interactive shell. line.c reads and edits a line on the raw console (the kernel
 * has no line discipline: echo and editing are the shell's), parse.c splits it into a pipeline,
 * run.c starts it with fork/exec, pipes and redirections, jobs.c keeps the background jobs,
 * builtin.c does what must happen inside the shell itself, and main.c ties them together.
 */
#ifndef SH_H
#define SH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SH_LINE_MAX 1024
#define SH_ARGS_MAX 64
#define SH_CMDS_MAX 8
#define SH_HISTORY  32 /* lines kept for the up and down arrows */

/* ---- line.c ---- */
/* Read one edited line into buf (NUL-terminated, no newline): its length, or -1 at end of input. */
int line_read(const char *prompt, char *buf, size_t size);
/* Remember a line for the arrows (empty lines and repeats of the last one are not kept). */
void line_history_add(const char *line);

/* ---- parse.c ---- */
struct command {
    char *argv[SH_ARGS_MAX + 1]; /* NULL-terminated */
    int argc;
    char *in;    /* "< file", or NULL */
    char *out;   /* "> file" or ">> file", or NULL */
    bool append; /* ">>" */
};

struct pipeline {
    struct command cmd[SH_CMDS_MAX];
    int ncmds;
    bool background;             /* ended with "&" */
    char store[2 * SH_LINE_MAX]; /* the words, unquoted and NUL-terminated */
    size_t used;
};

/*
 * Split line into p (the words are copied into p->store). Words are
 * separated by blanks; '...' and "..." quote; | < > >> & are operators. 0, or -1 after
 * printing what is wrong. An empty line gives ncmds == 0.
 */
int parse_line(const char *line, struct pipeline *p);

/* ---- run.c ---- */
/* Start every command of p; wait for a foreground pipeline. The last command's status, or -1. */
int run_pipeline(struct pipeline *p, const char *text);
/* Exit status shown for a finished process (its exit code). */
void report_status(int status);

/* ---- jobs.c ---- */
/* Remember a background job (the pids of its pipeline, the command text) and print "[n] pid". */
void jobs_add(const pid_t *pids, int npids, const char *text);
/* Reap finished background jobs and report them ("[n] done ..."). */
void jobs_reap(void);
/* List the background jobs still running. */
void jobs_list(void);

/* ---- builtin.c ---- */
/* Run p if it is a built-in command: true if it was (*status set), false otherwise. */
bool builtin_run(struct pipeline *p, int *status);

/* ---- job control (jobctl.c): process groups and the console's foreground group ---- */
void jobctl_child(pid_t pgid);
void jobctl_parent(pid_t pid, pid_t pgid);
void jobctl_foreground(pid_t pgid);
void jobctl_take_back(void);

/* ---- main.c ---- */
/* Set by the exit and poweroff built-ins: the shell ends after this line with this status. */
extern bool sh_exiting;
extern int sh_exit_status;

#endif
