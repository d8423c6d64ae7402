/*
 * sigtest: handlers and what sigreturn restores, masks, SIGKILL, default actions, process
 * groups and sessions, SIGCHLD, interrupted waits. Each risky case runs in a child, so a
 * failure shows as a check, not as the end of the run. "sigtest ctrlc ..." is the Ctrl-C child.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wren/syscalls.h>

#include "sigtest.h"

pid_t run_in_child(int (*fn)(void))
{
    pid_t pid = (pid_t)wren_fork(); /* libc has no fork() yet */
    if (pid == 0)
        _exit(fn());
    return pid;
}

int status_of(pid_t pid)
{
    int st = -1;
    return pid > 0 && waitpid(pid, &st, 0) == pid ? st : -1;
}

int term_sig(int st)
{
    return st >= 0 && WIFSIGNALED(st) ? WTERMSIG(st) : -1;
}

int exit_code(int st)
{
    return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void sleep_ms(long ms)
{
    wren_sleep((uint64_t)ms * 1000000);
}

static volatile int hits, last_sig;
static pid_t parent; /* the children's parent (there is no getppid) */

static void count(int sig)
{
    hits++;
    last_sig = sig;
}

/* A handler that uses the FP registers heavily: the interrupted code must not notice. */
static void clobber_fp(int sig)
{
    volatile double x = sig;
    for (int i = 0; i < 50; i++)
        x = x * 1.5 + 0.25;
    hits++;
}

/* The same sum twice; the second time while the parent signals us every few ms. */
static double fp_work(void)
{
    double a = 1.0, b = 0.5, c = 0.25, d = 0.125;
    long n1 = 3, n2 = 5;
    for (long i = 0; i < 3000000; i++) {
        a = a * 0.999999 + b;
        b = b * 0.999998 + c;
        c = c * 0.999997 + d;
        d = d * 0.999996 + 1e-9;
        n1 = n1 * 7 % 1000003;
        n2 = n2 * 11 % 999983;
    }
    return a + b + c + d + (double)n1 + (double)n2;
}

static int fp_child(void)
{
    signal(SIGUSR1, clobber_fp);
    double want = fp_work(); /* nobody signals us yet: the parent waits for the first write */
    kill(parent, SIGUSR2);   /* "start" */
    double got = fp_work();
    return got == want && hits > 0 ? 0 : hits == 0 ? 2 : 1;
}

static volatile int started;
static void on_start(int sig)
{
    (void)sig;
    started = 1;
}

static void test_handlers(void)
{
    hits = 0;
    wren_check("signal installs a handler", signal(SIGUSR1, count) == SIG_DFL, 1);
    wren_check("raise runs it before returning", raise(SIGUSR1) == 0 && hits == 1 && last_sig == SIGUSR1, 1);

    /* Asynchronous delivery in the middle of FP and integer work, many times over. */
    signal(SIGUSR2, on_start);
    pid_t pid = run_in_child(fp_child);
    while (!started)
        sleep_ms(1);
    for (int i = 0; i < 40 && kill(pid, SIGUSR1) == 0; i++)
        sleep_ms(3);
    wren_check("registers and FP state survive handlers that interrupt a computation", exit_code(status_of(pid)), 0);

    /* Masks. */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    hits = 0;
    sigprocmask(SIG_BLOCK, &set, &old);
    raise(SIGUSR1);
    wren_check("a blocked signal waits", hits, 0);
    sigprocmask(SIG_SETMASK, 0, &old);
    wren_check("...shows in the mask", sigismember(&old, SIGUSR1), 1);
    sigprocmask(SIG_UNBLOCK, &set, 0);
    wren_check("...and is delivered once unblocked", hits, 1);
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    wren_check("an ignored signal does nothing", hits, 1);
    signal(SIGUSR1, SIG_DFL);
}

static int sleeper(void)
{
    sleep_ms(5000);
    return 3;
}

static int block_kill_then_sleep(void)
{
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, 0);
    signal(SIGTERM, SIG_IGN);
    return sleeper();
}

static void test_kill_and_defaults(void)
{
    struct sigaction sa = {.sa_handler = count};
    wren_check("SIGKILL cannot be caught", sigaction(SIGKILL, &sa, 0) == -1 && errno == EINVAL, 1);
    wren_check("SIGKILL cannot be ignored", signal(SIGKILL, SIG_IGN) == SIG_ERR, 1);

    pid_t pid = run_in_child(block_kill_then_sleep);
    sleep_ms(10);
    kill(pid, SIGTERM); /* ignored */
    kill(pid, SIGKILL);
    wren_check("SIGKILL ends a child that blocks everything and ignores SIGTERM", term_sig(status_of(pid)), SIGKILL);

    pid = run_in_child(sleeper);
    sleep_ms(10);
    kill(pid, SIGTERM);
    int st = status_of(pid);
    wren_check("SIGTERM's default action ends a sleeping child", WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, 1);
    wren_check("...which did not exit by itself", WIFEXITED(st), 0);
    wren_check("kill with signal 0 checks a process", kill(getpid(), 0), 0);
    wren_check("kill of a missing pid", kill(99999, SIGTERM) == -1 && errno == ESRCH, 1);
    wren_check("kill of an unknown signal", kill(getpid(), 64) == -1 && errno == EINVAL, 1);
}

static int in_new_session(void)
{
    pid_t me = getpid();
    if (setsid() != me || getpgid(0) != me || getpgrp() != me)
        return 1;
    if (setsid() != -1 || errno != EPERM) /* now a group leader */
        return 2;
    if (setpgid(0, 1) != -1 || errno != EPERM) /* a session leader cannot move */
        return 3;
    return 0;
}

static void test_groups(void)
{
    wren_check("init leads group 1", getpgrp(), 1);
    wren_check("init cannot start a session (it leads a group)", setsid() == -1 && errno == EPERM, 1);
    wren_check("setsid in a child", exit_code(status_of(run_in_child(in_new_session))), 0);

    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        kids[i] = run_in_child(sleeper);
        /* All three go into the first one's group, from the parent's side (no race with the child). */
        wren_check("setpgid of a child", setpgid(kids[i], kids[0]), 0);
    }
    wren_check("getpgid of a child", getpgid(kids[2]), kids[0]);
    wren_check("setpgid into a group that does not exist", setpgid(kids[1], 4242) == -1 && errno == EPERM, 1);
    wren_check("kill to the group", kill(-kids[0], SIGTERM), 0);
    int ended = 0;
    for (int i = 0; i < 3; i++)
        ended += term_sig(status_of(kids[i])) == SIGTERM;
    wren_check("...reaches every member", ended, 3);
    wren_check("kill to a group that is gone", kill(-kids[0], SIGTERM) == -1 && errno == ESRCH, 1);
}

static int quick(void)
{
    return 4;
}

static volatile int chld;
static void on_chld(int sig)
{
    chld += sig == SIGCHLD;
}

static int sigusr1_parent_later(void)
{
    sleep_ms(20);
    kill(parent, SIGUSR1);
    return 0;
}

static void test_sigchld_and_eintr(void)
{
    signal(SIGCHLD, on_chld);
    pid_t pid = run_in_child(quick);
    wren_check("SIGCHLD interrupts a sleep", wren_sleep(2000000000ull), -E_INTR);
    wren_check("...and its handler ran", chld, 1);
    wren_check("...and the child can be reaped", exit_code(status_of(pid)), 4);
    signal(SIGCHLD, SIG_DFL);

    hits = 0;
    signal(SIGUSR1, count);
    pid_t slow = run_in_child(sleeper);
    pid_t poker = run_in_child(sigusr1_parent_later);
    int st;
    wren_check("a signal interrupts waitpid", waitpid(slow, &st, 0) == -1 && errno == EINTR && hits == 1, 1);
    kill(slow, SIGKILL);
    status_of(slow);
    status_of(poker);
    signal(SIGUSR1, SIG_DFL);
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "ctrlc"))
        return ctrl_c_main(argv[2]);
    wren_check_begin("sigtest");
    parent = getpid();
    test_handlers();
    test_kill_and_defaults();
    test_groups();
    test_sigchld_and_eintr();
    test_io();
    test_faults();
    test_job_control();
    test_restart();
    return wren_check_end();
}
