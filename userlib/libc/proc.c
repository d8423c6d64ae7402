/* POSIX process calls picolibc needs: _exit (under exit and abort), getpid and kill (under raise). */
#include <errno.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>
#include <wren/libc.h>
#include <wren/syscalls.h>

void _exit(int status)
{
    wren_exit(status);
}

pid_t getpid(void)
{
    return (pid_t)wren_get_pid();
}

/*
 * Wren has no signals yet. What libc needs is raise() of a fatal signal to itself — abort()
 * raises SIGABRT — so a signal sent to yourself ends the process with status 128 + the
 * signal number (134 for SIGABRT), what a shell reports for a process a signal killed.
 * Signal 0 only checks that the process exists. Other processes cannot be signalled yet.
 */
int kill(pid_t pid, int sig)
{
    if (sig < 0 || sig >= NSIG) {
        errno = EINVAL;
        return -1;
    }
    if (pid != 0 && pid != getpid()) {
        errno = ENOSYS;
        return -1;
    }
    if (sig != 0)
        wren_exit(128 + sig);
    return 0;
}

/* One thread and no signal delivery: there is nothing to block. */
int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
    (void)how, (void)set;
    if (old)
        *old = 0;
    return 0;
}
