/*
 * head [-c N | -n N] [file...]: the first N bytes (-c) or lines (-n, 10 by default) of each file, or of standard
 * input (also for "-"). It reads no more than it prints when counting bytes, so `head -c 32 /scheme/rand` asks a
 * stream that never ends for 32 bytes and stops. Exit status 0, 1 if a file failed, 2 on bad arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(1, p, n);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Copy up to `count` bytes (bytes) or lines (!bytes) of fd to standard output. */
static int head(int fd, const char *name, unsigned long long count, int bytes)
{
    static char buf[4096];
    while (count > 0) {
        size_t want = sizeof(buf);
        if (bytes && count < want)
            want = (size_t)count;
        ssize_t n = read(fd, buf, want);
        if (n < 0) {
            fprintf(stderr, "head: %s: %s\n", name, strerror(errno));
            return 1;
        }
        if (n == 0)
            return 0;
        size_t keep = (size_t)n;
        if (bytes) {
            count -= keep;
        } else {
            for (size_t i = 0; i < keep; i++)
                if (buf[i] == '\n' && --count == 0) {
                    keep = i + 1; /* what was read past the last line is dropped, as on a pipe */
                    break;
                }
        }
        if (write_all(buf, keep) < 0)
            return 1;
    }
    return 0;
}

static int parse_count(const char *s, unsigned long long *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long long count = 10;
    int bytes = 0, i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "-n") == 0) && i + 1 < argc &&
            parse_count(argv[i + 1], &count) == 0) {
            bytes = argv[i][1] == 'c';
            i++;
            continue;
        }
        fprintf(stderr, "usage: head [-c bytes | -n lines] [file...]\n");
        return 2;
    }
    if (i == argc)
        return head(0, "stdin", count, bytes);
    int status = 0;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0) {
            status |= head(0, "stdin", count, bytes);
            continue;
        }
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            fprintf(stderr, "head: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        status |= head(fd, argv[i], count, bytes);
        close(fd);
    }
    return status;
}
