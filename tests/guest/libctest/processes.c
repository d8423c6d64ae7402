/*
 * Processes: the thread pointer (errno's TLS block) is kept per process, assert and abort end
 * a child by SIGABRT (what waitpid's macros report), exit() flushes stdout and runs atexit handlers.
 */
#undef NDEBUG /* release builds define it, and this file tests assert */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wren/syscalls.h>

#include "libctest.h"

/* The POSIX wait status (through libc's waitpid) of a child running libctest with `args`. */
static long run_child_status(const char *args, size_t len)
{
    static const char path[] = "/bin/libctest";
    long pid = wren_spawn(path, sizeof(path) - 1, args, len, 0);
    if (pid < 0)
        return -1000 + pid;
    int status = -1;
    long r = waitpid((pid_t)pid, &status, 0);
    return r == pid ? status : -2000 + r;
}

/* Its exit code, or -1 if it did not exit normally. */
static long run_child(const char *args, size_t len)
{
    long st = run_child_status(args, len);
    return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Did a signal end it, and which (-1 if it exited). */
static long run_child_signal(const char *args, size_t len)
{
    long st = run_child_status(args, len);
    return st >= 0 && WIFSIGNALED(st) ? WTERMSIG(st) : -1;
}

static void test_thread_pointer(void)
{
    unsigned long mine = tp_get();
    long pid = wren_fork();
    if (pid == 0) {
        /* No libc here: errno lives behind the thread pointer this changes. */
        tp_set(0x5a5a000);
        for (int i = 0; i < 20; i++)
            wren_yield();
        unsigned long seen = tp_get();
        tp_set(mine);
        _exit(seen == 0x5a5a000 ? 0 : 1);
    }
    for (int i = 0; i < 20; i++)
        wren_yield();
    wren_check("the thread pointer survives another process changing its own", tp_get() == mine, 1);
    int32_t status = -1;
    wren_wait((int32_t)pid, &status, 0);
    wren_check("... and the child kept its value", status, 0);
    errno = EDOM;
    wren_yield();
    wren_check("errno is per process", errno, EDOM);
}

static void say_goodbye(void)
{
    printf("libctest child: atexit handler ran\n");
}

__attribute__((noinline)) static void exit_from_a_callee(void)
{
    exit(7);
}

int child_main(const char *mode)
{
    switch (mode[0]) {
    case 'a': assert(1 + 1 == 3); return 0;
    case 'b': abort();
    case 'f': printf("libctest child: no newline at the end"); return 0;
    case 'h': atexit(say_goodbye); return 5;
    case 'x': exit_from_a_callee();
    }
    return 99;
}

void test_processes(void)
{
    static const char a[] = "libctest\0assert", b[] = "libctest\0bort", f[] = "libctest\0flush",
                      h[] = "libctest\0handler", x[] = "libctest\0xit";

    test_thread_pointer();
    wren_check("a failed assert ends the child by SIGABRT", run_child_signal(a, sizeof(a)), SIGABRT);
    wren_check("abort ends the child by SIGABRT", run_child_signal(b, sizeof(b)), SIGABRT);
    long status = run_child(f, sizeof(f));
    printf("\n"); /* the child's line has no newline */
    wren_check("returning from main flushes stdout", status, 0);
    wren_check("atexit handlers run", run_child(h, sizeof(h)), 5);
    wren_check("exit from a called function", run_child(x, sizeof(x)), 7);
}
