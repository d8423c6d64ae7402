/*
 * Process groups, sessions, the console's foreground group (tcsetpgrp over the console's
 * ioctl) and waitpid. Wren's wait status is the exit code, WREN_WAIT_STATUS_SIGNALED | the
 * signal, or WREN_WAIT_STATUS_STOPPED | the signal; picolibc's <sys/wait.h> macros read the
 * traditional encoding (code << 8, the signal number, or signal << 8 | 0x7f), with picolibc's
 * signal numbers.
 */
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wren/libc.h>
#include <wren/syscalls.h>

int setpgid(pid_t pid, pid_t pgid)
{
    return (int)wren_posix_result(wren_setpgid((int32_t)pid, (int32_t)pgid));
}

pid_t getpgid(pid_t pid)
{
    return (pid_t)wren_posix_result(wren_getpgid((int32_t)pid));
}

pid_t getpgrp(void)
{
    return getpgid(0);
}

pid_t setsid(void)
{
    return (pid_t)wren_posix_result(wren_setsid());
}

int tcsetpgrp(int fd, pid_t pgrp)
{
    if (pgrp <= 0) {
        errno = EINVAL;
        return -1;
    }
    return (int)wren_posix_result(wren_ioctl(fd, WREN_CONSOLE_IOCTL_SET_FOREGROUND_GROUP, (uint64_t)pgrp));
}

pid_t tcgetpgrp(int fd)
{
    return (pid_t)wren_posix_result(wren_ioctl(fd, WREN_CONSOLE_IOCTL_GET_FOREGROUND_GROUP, 0));
}

/* Only pid > 0 and -1 (any child): Wren cannot wait for a process group yet (ECHILD). */
pid_t waitpid(pid_t pid, int *status, int options)
{
    int32_t st = 0;

    if (options & ~(WNOHANG | WUNTRACED)) {
        errno = EINVAL;
        return -1;
    }
    long r = wren_wait((int32_t)pid, &st,
                       (options & WNOHANG ? WREN_WAIT_NOHANG : 0) | (options & WUNTRACED ? WREN_WAIT_UNTRACED : 0));
    if (r == -E_AGAIN)
        return 0; /* WNOHANG and nothing has ended yet */
    if (r < 0)
        return (pid_t)wren_posix_result(r);
    if (status && (st & WREN_WAIT_STATUS_STOPPED))
        *status = wren_signal_to_posix(st & 0xff) << 8 | 0x7f;
    else if (status)
        *status = st & WREN_WAIT_STATUS_SIGNALED ? wren_signal_to_posix(st & 0xff) & 0x7f : (st & 0xff) << 8;
    return (pid_t)r;
}

pid_t wait(int *status)
{
    return waitpid(-1, status, 0);
}
