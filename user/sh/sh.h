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

#define SH_LINE_MAX   1024
#define SH_ARGS_MAX   64
#define SH_CMDS_MAX   8
#define SH_HISTORY    32 /* lines kept for the up and down arrows */
#define SH_ASSIGN_MAX 16 /* NAME=value words before one command */

/* ---- line.c ---- */
/* Read one edited line into buf (NUL-terminated, no newline): its length, or -1 at end of input. */
int line_read(const char *prompt, char *buf, size_t size);
/* Remember a line for the arrows (empty lines and repeats of the last one are not kept). */
void line_history_add(const char *line);

/* ---- parse.c ---- */
struct command {
    char *argv[SH_ARGS_MAX + 1]; /* NULL-terminated */
    int argc;                    /* 0: only assignments, which then set the shell's own variables */
    char *assign[SH_ASSIGN_MAX]; /* "NAME=value" words before the name: its environment only */
    int nassign;
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
 * separated by blanks; '...' and "..." quote; | < > >> & are operators; NAME=value words
 * before a command's name are assignments. 0, or -1 after printing what is wrong. An empty
 * line gives ncmds == 0.
 */
int parse_line(const char *line, struct pipeline *p);

/* ---- run.c ---- */
/* Start every command of p; wait for a foreground pipeline. The last command's status, or -1. */
int run_pipeline(struct pipeline *p, const char *text);
/* Exit status shown for a finished process (its exit code). */
void report_status(int status);

/* ---- env.c: the environment, kept in picolibc's environ (setenv, getenv) ---- */
/* The environment block exec takes ("NAME=value\0..."), from environ: its length, or -1 if it does not fit. */
long env_block(char *buf, size_t size);
/* Apply "NAME=value" words to environ: 0, or -1 after printing what is wrong. */
int env_assign(char *const *words, int n);

/* ---- jobs.c ---- */
/*
 * A job: the processes of one pipeline, in the process group of the first. Foreground ones are
 * in the table too while they run, so that Ctrl-Z can leave them there stopped.
 */
struct job;
/* A new job for these pids (its process group is pids[0]), or NULL if the table is full. */
struct job *jobs_add(const pid_t *pids, int npids, const char *text);
/* Put j in the background: print "[n] pid" (the last process). */
void jobs_background(struct job *j);
/*
 * Wait for j in the foreground until it ends (its last command's status; j is gone) or stops
 * (it stays, is reported as "[n] stopped ...", and SH_STOPPED is returned).
 */
int jobs_wait(struct job *j);
#define SH_STOPPED (-2)
/* Job `id` (0: the newest), or NULL. */
struct job *jobs_find(int id);
/* Continue j (SIGCONT to its group): in the foreground (fg: the result of jobs_wait) or not (bg: 0). */
int jobs_continue(struct job *j, bool foreground);
/* Reap ended background jobs and note stopped ones, and report them ("[n] done ...", "[n] stopped ..."). */
void jobs_reap(void);
/* List the jobs: "[n] running ..." or "[n] stopped ...". */
void jobs_list(void);
/* The process group of j (its first process's pid). */
pid_t jobs_pgid(const struct job *j);

/* ---- builtin.c ---- */
/* Run p if it is a built-in command: true if it was (*status set), false otherwise. */
bool builtin_run(struct pipeline *p, int *status);

/* ---- job control (jobctl.c): process groups and the console's foreground group ---- */
/* The shell leads its own session and survives Ctrl-C, Ctrl-\\ and Ctrl-Z at its prompt; its children get the
 * default actions back (jobctl.c). */
void jobctl_init(void);
void jobctl_child(pid_t pgid);
void jobctl_parent(pid_t pid, pid_t pgid);
void jobctl_foreground(pid_t pgid);
void jobctl_take_back(void);

/* ---- main.c ---- */
/* Set by the exit and poweroff built-ins: the shell ends after this line with this status. */
extern bool sh_exiting;
extern int sh_exit_status;

#endif
