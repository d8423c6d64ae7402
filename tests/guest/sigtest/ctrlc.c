/*
 * sigtest's Ctrl-C children (tests/test_signals.py types the Ctrl-C): "ctrlc handled" puts
 * itself in a new process group, makes it the console's foreground group and blocks
 * reading the console; SIGINT must interrupt the read. "ctrlc default" does the same
 * without a handler, so SIGINT ends it. "ctrlc parent" runs both and reports.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wren/syscalls.h>

#include "sigtest.h"

static volatile int got_int;

static void on_int(int sig)
{
    got_int = sig == SIGINT;
}

static int foreground_read(void)
{
    char c;
    if (setpgid(0, 0) != 0 || tcsetpgrp(0, getpid()) != 0 || tcgetpgrp(0) != getpid())
        return 5;
    printf("sigtest: ready for Ctrl-C\n");
    ssize_t r = read(0, &c, 1);
    printf("sigtest: read -> %d errno %d, SIGINT handled %d\n", (int)r, r < 0 ? errno : 0, got_int);
    return r == -1 && errno == EINTR && got_int ? 0 : 1;
}

static pid_t start(const char *mode)
{
    char args[32];
    size_t n = 0;
    const char *parts[] = {"sigtest", "ctrlc", mode};
    for (int i = 0; i < 3; i++) {
        size_t len = strlen(parts[i]) + 1;
        memcpy(args + n, parts[i], len);
        n += len;
    }
    return (pid_t)wren_spawn("/bin/sigtest", 12, args, n, 0);
}

int ctrl_c_main(const char *mode)
{
    if (!strcmp(mode, "handled")) {
        signal(SIGINT, on_int);
        return foreground_read();
    }
    if (!strcmp(mode, "default"))
        return foreground_read();
    wren_check_begin("sigtest-ctrlc");
    wren_check("Ctrl-C interrupts the foreground group's read (handled)", exit_code(status_of(start("handled"))), 0);
    tcsetpgrp(0, getpgrp());
    wren_check("Ctrl-C ends the foreground group (default action)", term_sig(status_of(start("default"))), SIGINT);
    tcsetpgrp(0, getpgrp());
    return wren_check_end();
}
