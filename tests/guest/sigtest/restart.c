/*
 * sigtest: SA_RESTART. A handler installed with it makes an interrupted read of a pipe and an
 * interrupted waitpid go on after it ran; without it they fail with EINTR. sleep is never
 * restarted.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wren/libc.h>
#include <wren/syscalls.h>

#include "sigtest.h"

static volatile int pokes;
static void poke(int sig)
{
    (void)sig;
    pokes++;
}

static void on_usr1(int flags)
{
    struct sigaction a = {.sa_handler = poke, .sa_flags = flags};
    sigemptyset(&a.sa_mask);
    sigaction(SIGUSR1, &a, 0);
}

static int32_t fds[2];

static int read_restarting(void)
{
    char c = 0;
    on_usr1(SA_RESTART);
    ssize_t r = read(fds[0], &c, 1);
    return r == 1 && c == 'r' && pokes == 1 ? 0 : r < 0 && errno == EINTR ? 2 : 1;
}

static int read_interrupted(void)
{
    char c;
    on_usr1(0);
    ssize_t r = read(fds[0], &c, 1);
    return r == -1 && errno == EINTR && pokes == 1 ? 0 : 1;
}

static int slow_exit7(void)
{
    sleep_ms(300); /* long enough to outlast the poke even when the host is busy */
    return 7;
}

static int waits(int flags)
{
    on_usr1(flags);
    pid_t kid = run_in_child(slow_exit7);
    int st;
    pid_t r = waitpid(kid, &st, 0);
    if (r == kid && WIFEXITED(st) && WEXITSTATUS(st) == 7 && pokes == 1)
        return 0;
    if (r == -1 && errno == EINTR) {
        status_of(kid);
        return 2;
    }
    return 1;
}

static int wait_restarting(void)
{
    return waits(SA_RESTART);
}

static int wait_interrupted(void)
{
    return waits(0);
}

static int sleep_restarting(void)
{
    on_usr1(SA_RESTART);
    return wren_sleep(2000000000ull) == -E_INTR && pokes == 1 ? 0 : 1;
}

/*
 * Run fn in a child, signal it with SIGUSR1 once it blocks (then, for a reader, write its byte).
 * fn blocks only in the call under test, so "blocked" means the signal interrupts that call; a
 * fixed delay instead raced with a slow start of the child on a busy host.
 */
static int poked(int (*fn)(void), bool feed)
{
    pid_t pid = run_in_child(fn);
    for (int i = 0; i < 2000 && state_of(pid) != WREN_PROC_STATE_BLOCKED; i++)
        sleep_ms(1);
    kill(pid, SIGUSR1);
    if (feed) {
        sleep_ms(20);
        write(fds[1], "r", 1);
    }
    return exit_code(status_of(pid));
}

void test_restart(void)
{
    struct sigaction a = {.sa_handler = poke, .sa_flags = SA_RESTART}, old;
    sigemptyset(&a.sa_mask);
    sigaction(SIGUSR2, &a, 0);
    sigaction(SIGUSR2, 0, &old);
    wren_check("sigaction keeps SA_RESTART", (old.sa_flags & SA_RESTART) != 0, 1);
    signal(SIGUSR2, SIG_DFL);

    wren_pipe(fds, 0);
    wren_check("SA_RESTART: a pipe read goes on after the handler", poked(read_restarting, true), 0);
    wren_check("without it: EINTR", poked(read_interrupted, false), 0);
    wren_check("SA_RESTART: waitpid goes on after the handler", poked(wait_restarting, false), 0);
    wren_check("without it: EINTR", poked(wait_interrupted, false), 2);
    wren_check("sleep is not restarted, SA_RESTART or not", poked(sleep_restarting, false), 0);
    close(fds[0]);
    close(fds[1]);
}
