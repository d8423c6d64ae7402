/*
 * threadtest: clone threads and the POSIX threads over them. Cases that end a process (exit from a thread, SIGKILL,
 * a fault, exec) run in a forked child, so that a failure shows as a check, not as the end of the run.
 * "threadtest exec-child ..." is the program a threaded child execs (procs.c).
 */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wren/syscalls.h>

#include "threadtest.h"

pid_t run_in_child(int (*fn)(void))
{
    pid_t pid = (pid_t)wren_fork();
    if (pid == 0)
        _exit(fn());
    return pid;
}

long status_of(pid_t pid)
{
    int32_t st = -1;
    return pid > 0 && wren_wait(pid, &st, 0) == pid ? st : -1;
}

void sleep_ms(long ms)
{
    wren_sleep((uint64_t)ms * 1000000);
}

uint64_t now_ns(void)
{
    return (uint64_t)wren_get_time(WREN_CLOCK_MONOTONIC);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "exec-child") == 0)
        return exec_child_main(argc, argv);
    wren_check_begin("threadtest");
    test_basic();
    test_futex();
    test_sync();
    test_procs();
    test_stress();
    return wren_check_end();
}
