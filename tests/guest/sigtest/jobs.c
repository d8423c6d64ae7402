/*
 * sigtest: job-control signals. SIGSTOP and SIGTSTP stop a process (it runs no more, ps says
 * stopped, waitpid with WUNTRACED reports it once, its parent gets SIGCHLD), other signals wait
 * while it is stopped, SIGCONT resumes it, SIGKILL ends it stopped or not; a caught or ignored
 * SIGTSTP does not stop, SIGSTOP cannot be caught or blocked, a read that a stop
 * interrupted goes on after SIGCONT, and a stopped orphan gets SIGHUP and SIGCONT.
 */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wren/syscalls.h>

#include "sigtest.h"

static int32_t ticks[2]; /* the ticker writes here; read end non-blocking */

/* A byte into the pipe every 2 ms, until killed. */
static int ticker(void)
{
    for (int i = 0; i < 1000000; i++) {
        wren_write(ticks[1], "t", 1);
        sleep_ms(2);
    }
    return 1;
}

/* Bytes waiting in the ticker's pipe (and drained). */
static long drain(void)
{
    char buf[64];
    long n = 0, r;
    while ((r = wren_read(ticks[0], buf, sizeof(buf))) > 0)
        n += r;
    return n;
}

long state_of(pid_t pid)
{
    struct wren_proc_info pi;
    for (long c = 0; (c = wren_proc_info((uint32_t)c, &pi)) > 0;)
        if (pi.pid == pid)
            return pi.state;
    return -1;
}

/* waitpid with WUNTRACED: the signal that stopped pid, or -1. */
static int stopped_by(pid_t pid)
{
    int st;
    return waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st) ? WSTOPSIG(st) : -1;
}

static volatile int chld;
static void on_chld(int sig)
{
    chld += sig == SIGCHLD;
}

static volatile int tstps;
static void on_tstp(int sig)
{
    tstps += sig == SIGTSTP;
}

static int catches_tstp(void)
{
    signal(SIGTSTP, on_tstp);
    for (int i = 0; i < 200 && !tstps; i++)
        sleep_ms(1);
    return tstps == 1 ? 0 : 1;
}

static int ignores_tstp(void)
{
    signal(SIGTSTP, SIG_IGN);
    sleep_ms(40);
    return 3;
}

static int32_t in[2];

static int idle_for_a_second(void)
{
    sleep_ms(1000);
    return 1;
}

/* Fork an idle child, stop it, tell the parent its pid through the pipe `in`, and exit: it is orphaned stopped. */
static int orphan_a_stopped_child(void)
{
    pid_t kid = run_in_child(idle_for_a_second);
    kill(kid, SIGSTOP);
    if (stopped_by(kid) != SIGSTOP)
        return 1;
    write(in[1], &kid, sizeof(kid));
    return 0;
}

/* A blocked read, stopped and continued in the middle: it goes on and gets the byte. */
static int read_one(void)
{
    char c = 0;
    ssize_t r = read(in[0], &c, 1);
    return r == 1 ? c : 1;
}

void test_job_control(void)
{
    wren_pipe(ticks, WREN_OPEN_NONBLOCK);
    signal(SIGCHLD, on_chld);
    chld = 0;
    pid_t pid = run_in_child(ticker);
    sleep_ms(20);
    wren_check("the ticker ticks", drain() > 0, 1);
    kill(pid, SIGSTOP);
    wren_check("SIGSTOP: waitpid(WUNTRACED) reports the stop", stopped_by(pid), SIGSTOP);
    wren_check("...ps shows it stopped", state_of(pid), WREN_PROC_STATE_STOPPED);
    wren_check("...its parent got SIGCHLD", chld, 1);
    int st;
    wren_check("...reported once (WNOHANG|WUNTRACED then gives 0)", waitpid(pid, &st, WNOHANG | WUNTRACED), 0);
    drain();
    sleep_ms(30);
    wren_check("...and it runs no more", drain(), 0);
    kill(pid, SIGCONT);
    sleep_ms(30);
    wren_check("SIGCONT: it runs again", drain() > 0, 1);
    wren_check("...and ps no longer shows it stopped", state_of(pid) != WREN_PROC_STATE_STOPPED, 1);
    kill(pid, SIGTSTP);
    wren_check("SIGTSTP (default action) stops it too", stopped_by(pid), SIGTSTP);
    kill(pid, SIGKILL);
    wren_check("SIGKILL ends a stopped process", term_sig(status_of(pid)), SIGKILL);

    pid = run_in_child(ticker);
    kill(pid, SIGSTOP);
    stopped_by(pid);
    kill(pid, SIGTERM);
    sleep_ms(20);
    wren_check("a SIGTERM for a stopped process waits", state_of(pid), WREN_PROC_STATE_STOPPED);
    kill(pid, SIGCONT);
    wren_check("...and ends it once continued", term_sig(status_of(pid)), SIGTERM);
    signal(SIGCHLD, SIG_DFL);
    close(ticks[0]);
    close(ticks[1]);

    pid = run_in_child(catches_tstp);
    sleep_ms(10);
    kill(pid, SIGTSTP);
    wren_check("a caught SIGTSTP runs its handler and does not stop", exit_code(status_of(pid)), 0);
    pid = run_in_child(ignores_tstp);
    sleep_ms(10);
    kill(pid, SIGTSTP);
    wren_check("an ignored SIGTSTP does not stop", exit_code(status_of(pid)), 3);

    struct wren_sigaction act = {.handler = WREN_SIGNAL_HANDLER_IGNORE};
    wren_check("SIGSTOP cannot be ignored (E_INVAL)", wren_sigaction(WREN_SIGNAL_SIGSTOP, &act, 0), -E_INVAL);
    struct wren_sigaction seen = {0};
    wren_check("...but its action can be read", wren_sigaction(WREN_SIGNAL_SIGSTOP, 0, &seen), 0);
    wren_check("...and is the default", (long)seen.handler, (long)WREN_SIGNAL_HANDLER_USE_DEFAULT);
    wren_check("signal 0 has no action, not even to read (E_INVAL)", wren_sigaction(WREN_SIGNAL_NONE, 0, &seen),
               -E_INVAL);
    act.flags = 1u << 31;
    act.handler = WREN_SIGNAL_HANDLER_USE_DEFAULT;
    wren_check("unknown sa flags (E_INVAL)", wren_sigaction(WREN_SIGNAL_SIGUSR1, &act, 0), -E_INVAL);
    uint64_t old, now;
    wren_sigprocmask(WREN_SIGMASK_HOW_BLOCK, ~0ull, &old);
    wren_sigprocmask(WREN_SIGMASK_HOW_SETMASK, old, &now);
    wren_check("SIGSTOP cannot be blocked", (long)(now >> WREN_SIGNAL_SIGSTOP) & 1, 0);
    wren_check("...SIGTSTP can", (long)(now >> WREN_SIGNAL_SIGTSTP) & 1, 1);

    wren_pipe(in, 0);
    pid = run_in_child(read_one);
    sleep_ms(10);
    kill(pid, SIGSTOP);
    wren_check("a reader blocked on a pipe stops", stopped_by(pid), SIGSTOP);
    kill(pid, SIGCONT);
    sleep_ms(10);
    write(in[1], "z", 1);
    wren_check("...and after SIGCONT its read goes on (no EINTR)", exit_code(status_of(pid)), 'z');

    pid = run_in_child(orphan_a_stopped_child);
    wren_check("a child leaves a stopped process behind", exit_code(status_of(pid)), 0);
    pid_t orphan = 0;
    read(in[0], &orphan, sizeof(orphan));
    /* We are init in this run: the orphan is ours to reap. */
    wren_check("...which gets SIGHUP and SIGCONT, and so ends", term_sig(status_of(orphan)), SIGHUP);
    close(in[0]);
    close(in[1]);
}
