/* sigtest: signals meeting pipes (EINTR, SIGPIPE). */
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <wren/syscalls.h>

#include "sigtest.h"

static int32_t fds[2];
static volatile int pokes;

static void poke(int sig)
{
    (void)sig;
    pokes++;
}

static int read_empty_pipe(void)
{
    char c;
    signal(SIGUSR1, poke);
    ssize_t r = read(fds[0], &c, 1); /* the parent keeps the write end open: this blocks */
    return r == -1 && errno == EINTR && pokes == 1 ? 0 : 1;
}

static int write_to_closed_pipe(void)
{
    return write(fds[1], "x", 1) == -1 ? 10 : 11; /* SIGPIPE should end us before this */
}

static int write_ignoring_sigpipe(void)
{
    signal(SIGPIPE, SIG_IGN);
    return write(fds[1], "x", 1) == -1 && errno == EPIPE ? 0 : 1;
}

void test_io(void)
{
    wren_pipe(fds, 0);
    pid_t pid = run_in_child(read_empty_pipe);
    sleep_ms(20);
    kill(pid, SIGUSR1);
    wren_check("a signal interrupts a read of an empty pipe with EINTR", exit_code(status_of(pid)), 0);
    close(fds[0]);
    pid = run_in_child(write_to_closed_pipe);
    wren_check("SIGPIPE ends a writer whose pipe has no reader", term_sig(status_of(pid)), SIGPIPE);
    pid = run_in_child(write_ignoring_sigpipe);
    wren_check("with SIGPIPE ignored the write fails with EPIPE", exit_code(status_of(pid)), 0);
    close(fds[1]);
}
