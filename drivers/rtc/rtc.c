/*
 * rtc [-s] [-w seconds] | rtc -d: the PL031 real-time clock driver. Prints the wall-clock time as
 * "YYYY-MM-DD HH:MM:SS UTC" (-s: seconds since 1970-01-01 00:00:00 UTC instead).
 *
 * A caller with the system privilege (init, what init forks) reads the clock itself; with -w it first waits that many
 * seconds (1 to 86400) on the clock's own alarm interrupt, not on a kernel timer (pl031.c). Any other caller (a
 * program the shell starts) asks the RTC service on the port "sys.rtc" instead (client.c), and so does a privileged
 * caller while the service holds the clock (a device opens once: E_BUSY); -w needs the alarm, which the service does
 * not lend (one alarm, and a wait of up to a day would hold it from everyone else), so there it is refused. `rtc -d`
 * is the service (service.c): init starts it at boot by fork and exec, so it keeps the privilege to open the clock; on
 * a machine without a PL031 it exits 1 at once, quietly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wren/syscalls.h>

#include "pl031.h"
#include "rtc.h"

#define MAX_WAIT 86400

static int usage(void)
{
    fprintf(stderr, "usage: rtc [-s] [-w seconds] | rtc -d\n");
    return 2;
}

static int is_leap(long year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* Seconds since the epoch as the civil date and time in UTC (the proleptic Gregorian calendar). */
static void print_utc(uint32_t t)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    long days = t / 86400, rest = t % 86400;
    long year = 1970;
    while (days >= 365 + is_leap(year))
        days -= 365 + is_leap(year++);
    int month = 0;
    while (days >= mdays[month] + (month == 1 && is_leap(year)))
        days -= mdays[month] + (month == 1 && is_leap(year)), month++;
    printf("%04ld-%02d-%02ld %02ld:%02ld:%02ld UTC\n", year, month + 1, days + 1, rest / 3600, rest / 60 % 60,
           rest % 60);
}

/* The service: only a quiet exit when there is no clock to serve (init starts it on every machine). */
static int serve(void)
{
    struct driver_device rtc;
    long r = pl031_open(&rtc);
    if (r == -E_ACCES) { /* the mmio scheme is out of reach without the privilege */
        fprintf(stderr, "rtc: the service opens the clock, which needs the privilege init and what it forks have\n");
        return 1;
    }
    if (r < 0)
        return 1;
    int status = rtc_serve(&rtc);
    fprintf(stderr, "rtc: cannot serve sys.rtc (registered already?)\n");
    driver_close(&rtc);
    return status;
}

/* Without the privilege: the service's answer. */
static int ask(long wait, uint32_t *now)
{
    if (wait) {
        fprintf(stderr, "rtc: -w needs the clock's alarm, which only a privileged caller (init's) may use while no "
                        "RTC service holds the clock\n");
        return 1;
    }
    long r = rtc_ask(now);
    if (r == -E_NOENT || r == -E_CONNREFUSED) {
        fprintf(stderr, "rtc: no RTC service is running (sys.rtc), and opening the clock needs the privilege\n");
        return 1;
    }
    if (r < 0) {
        fprintf(stderr, "rtc: the RTC service did not answer: error %ld\n", -r);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int epoch = 0;
    long wait = 0;
    if (argc == 2 && !strcmp(argv[1], "-d"))
        return serve();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-s")) {
            epoch = 1;
        } else if (!strcmp(argv[i], "-w") && i + 1 < argc) {
            char *end;
            wait = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || wait < 1 || wait > MAX_WAIT)
                return usage();
        } else {
            return usage();
        }
    }

    uint32_t now;
    struct driver_device rtc;
    long r = pl031_open(&rtc);
    if (r == -E_ACCES || r == -E_BUSY) {
        int status = ask(wait, &now);
        if (status)
            return status;
    } else if (r < 0) {
        fprintf(stderr, "rtc: cannot open the PL031 (arm,pl031): error %ld\n", -r);
        return 1;
    } else {
        const char *err = wait ? pl031_wait(&rtc, wait) : 0;
        if (err) {
            fprintf(stderr, "rtc: %s\n", err);
            driver_close(&rtc);
            return 1;
        }
        now = pl031_now(&rtc);
        driver_close(&rtc);
    }
    if (epoch)
        printf("%lu\n", (unsigned long)now);
    else
        print_utc(now);
    return 0;
}
