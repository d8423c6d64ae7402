/*
 * taskset: run a command pinned to some CPUs, or show where a process may run.
 *
 *   taskset MASK command [arg...]     MASK in hex as Linux's taskset takes it (4 or 0x4: CPU 2 only)
 *   taskset -c LIST command [arg...]  the CPUs as a list: 2, or 0,2-3
 *   taskset -p PID                    print PID's mask (any live process)
 *
 * It sets its own mask (set_affinity) and execs the command, which keeps the mask, as do the processes it starts. The
 * command is found as the shell finds it: a name with a '/' as given, anything else in /bin.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wren/libc.h>
#include <wren/syscalls.h>

extern char **environ;

static int usage(void)
{
    fprintf(stderr, "usage: taskset MASK command [arg...]\n"
                    "       taskset -c LIST command [arg...]\n"
                    "       taskset -p PID\n");
    return 2;
}

/* A hex mask, with or without 0x; false if it is not one or does not fit 32 bits. */
static bool parse_mask(const char *s, uint32_t *mask)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 16);
    if (!*s || *end || errno || v > UINT32_MAX || s[0] == '-')
        return false;
    *mask = (uint32_t)v;
    return true;
}

/* "0,2-3": CPUs 0..31, single or ranges, comma-separated. */
static bool parse_list(const char *s, uint32_t *mask)
{
    uint32_t m = 0;
    while (*s) {
        char *end;
        unsigned long lo = strtoul(s, &end, 10), hi = lo;
        if (end == s || lo > 31)
            return false;
        if (*end == '-') {
            const char *from = end + 1;
            hi = strtoul(from, &end, 10);
            if (end == from || hi > 31 || hi < lo)
                return false;
        }
        for (unsigned long c = lo; c <= hi; c++)
            m |= 1u << c;
        if (*end == ',' && end[1])
            end++;
        else if (*end)
            return false;
        s = end;
    }
    *mask = m;
    return m != 0;
}

/* Consecutive NUL-terminated strings, as exec takes argv and the environment; -1 if they do not fit. */
static long pack(char *buf, size_t size, char *const *strs, int n)
{
    size_t len = 0;
    for (int i = 0; n < 0 ? strs && strs[i] : i < n; i++) {
        size_t l = strlen(strs[i]) + 1;
        if (len + l > size)
            return -1;
        memcpy(buf + len, strs[i], l);
        len += l;
    }
    return (long)len;
}

int main(int argc, char **argv)
{
    uint32_t mask;
    int cmd;

    if (argc == 3 && strcmp(argv[1], "-p") == 0) {
        char *end;
        long pid = strtol(argv[2], &end, 10);
        long r = *end || pid <= 0 || pid > INT32_MAX ? -E_SRCH : wren_get_affinity((int32_t)pid);
        if (r < 0) {
            fprintf(stderr, "taskset: %s: no such process\n", argv[2]);
            return 1;
        }
        printf("pid %ld's affinity mask: %lx\n", pid, r);
        return 0;
    }
    if (argc >= 4 && strcmp(argv[1], "-c") == 0) {
        if (!parse_list(argv[2], &mask)) {
            fprintf(stderr, "taskset: %s: not a CPU list (like 2 or 0,2-3)\n", argv[2]);
            return 2;
        }
        cmd = 3;
    } else if (argc >= 3 && argv[1][0] != '-') {
        if (!parse_mask(argv[1], &mask)) {
            fprintf(stderr, "taskset: %s: not a hexadecimal CPU mask\n", argv[1]);
            return 2;
        }
        cmd = 2;
    } else {
        return usage();
    }

    long r = wren_set_affinity(0, mask);
    if (r == -E_INVAL) {
        long all = wren_get_affinity(1); /* init may run on every CPU */
        fprintf(stderr, "taskset: mask %x names no CPU of this machine (its CPUs: %lx)\n", (unsigned)mask, all);
        return 1;
    }
    if (r < 0) {
        fprintf(stderr, "taskset: set_affinity: %s\n", strerror(wren_errno_from(-r)));
        return 1;
    }

    static char path[256], args[4096], env[4096];
    if (strchr(argv[cmd], '/'))
        snprintf(path, sizeof(path), "%s", argv[cmd]);
    else
        snprintf(path, sizeof(path), "/bin/%s", argv[cmd]);
    long alen = pack(args, sizeof(args), argv + cmd, argc - cmd);
    long elen = pack(env, sizeof(env), environ, -1);
    if (alen < 0 || elen < 0) {
        fprintf(stderr, "taskset: %s: arguments or environment too long\n", argv[cmd]);
        return 126;
    }
    fflush(stdout);
    r = wren_exec(path, strlen(path), args, (size_t)alen, env, (size_t)elen);
    fprintf(stderr, "taskset: %s: cannot run: %s\n", path, strerror(wren_errno_from(-r)));
    return r == -E_NOENT ? 127 : 126;
}
