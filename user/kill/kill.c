/*
 * kill pid [signal]: send a signal (default 15, SIGTERM) to a process (or -group, or -1: see the kill syscall),
 * through the C library's kill(). The shell has a built-in kill with the same arguments (and %job), which works
 * when no process can be started.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int number(const char *s, long *out)
{
    char *end;
    *out = strtol(s, &end, 10);
    return *s && !*end;
}

int main(int argc, char **argv)
{
    long pid, sig = SIGTERM;
    if (argc < 2 || argc > 3 || !number(argv[1], &pid) || (argc == 3 && !number(argv[2], &sig))) {
        fprintf(stderr, "usage: kill pid [signal]\n");
        return 2;
    }
    if (kill((pid_t)pid, (int)sig) < 0) {
        fprintf(stderr, "kill: %ld: %s\n", pid, strerror(errno));
        return 1;
    }
    return 0;
}
