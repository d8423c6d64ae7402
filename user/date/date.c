/*
 * date [-u] [+format]: the time of day, from the real-time clock's scheme /scheme/rtc (drivers/rtc serves it: one
 * line, the seconds since 1970-01-01 00:00:00 UTC). Printed in UTC (the system keeps no time zone; -u is accepted
 * for that reason) as POSIX date's default, "Mon Dec  7 14:25:38 UTC 2026", or with a strftime `format`
 * ("+%s": the seconds, "+%Y-%m-%d": the date). Exit status 0, 1 if the clock cannot be read, 2 on bad arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RTC_PATH "/scheme/rtc"

/* The seconds the clock reports: 0 and *out, or -1 with a message. */
static int read_clock(time_t *out)
{
    int fd = open(RTC_PATH, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "date: %s: %s\n", RTC_PATH, strerror(errno));
        return -1;
    }
    char buf[32];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    int err = errno;
    close(fd);
    if (n < 0) {
        fprintf(stderr, "date: %s: %s\n", RTC_PATH, strerror(err));
        return -1;
    }
    buf[n] = 0;
    char *end;
    errno = 0;
    unsigned long long s = strtoull(buf, &end, 10);
    if (end == buf || (*end && *end != '\n') || errno) {
        fprintf(stderr, "date: %s: not a count of seconds\n", RTC_PATH);
        return -1;
    }
    *out = (time_t)s;
    return 0;
}

int main(int argc, char **argv)
{
    const char *format = "%a %b %e %H:%M:%S UTC %Y";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-u") == 0)
            continue;
        if (argv[i][0] == '+' && i == argc - 1) {
            format = argv[i] + 1;
            continue;
        }
        fprintf(stderr, "usage: date [-u] [+format]\n");
        return 2;
    }
    time_t now;
    if (read_clock(&now) < 0)
        return 1;
    struct tm tm;
    if (!gmtime_r(&now, &tm)) {
        fprintf(stderr, "date: the clock's time is out of range\n");
        return 1;
    }
    char out[256];
    size_t n = strftime(out, sizeof(out), format, &tm);
    if (n == 0 && *format) {
        fprintf(stderr, "date: the format gives nothing or too much\n");
        return 1;
    }
    printf("%s\n", out);
    return 0;
}
