/* POSIX process calls picolibc needs: _exit (under exit and abort) and getpid. Signals: signal.c; groups and waitpid:
 * pgroup.c. */
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
