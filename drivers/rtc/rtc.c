/*
 * rtc [-s] [-w seconds]: the PL031 real-time clock driver. Reads the wall-clock time from the PL031 and prints it
 * as "YYYY-MM-DD HH:MM:SS UTC" (-s: seconds since 1970-01-01 00:00:00 UTC instead). With -w it first waits that
 * many seconds (1 to 86400) on the clock's own alarm interrupt, not on a kernel timer: the alarm is set to the
 * count plus the seconds, the driver sleeps in event_wait until the interrupt arrives, clears it at the device and
 * acknowledges it to the kernel (which kept the level-sensitive line masked meanwhile).
 *
 * PL031 registers, from the ARM PrimeCell Real Time Clock (PL031) Technical Reference Manual (ARM DDI 0224),
 * 3.2 "Summary of RTC registers" and 3.3 "Register descriptions": RTCDR 0x00 (the count of seconds, read only),
 * RTCMR 0x04 (match: the interrupt is raised when RTCDR equals it), RTCCR 0x0C (control, bit 0 starts the
 * counter), RTCIMSC 0x10 (bit 0 enables the interrupt), RTCRIS 0x14 (raw status), RTCICR 0x1C (write 1 to clear).
 * QEMU virt's PL031 counts seconds since 1970 in UTC, from the host's clock at start (its -rtc base=utc default).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wren/driver.h>

enum { RTCDR = 0x00, RTCMR = 0x04, RTCCR = 0x0c, RTCIMSC = 0x10, RTCRIS = 0x14, RTCICR = 0x1c };

#define SECOND   1000000000ll
#define MAX_WAIT 86400

static int usage(void)
{
    fprintf(stderr, "usage: rtc [-s] [-w seconds]\n");
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

/* Wait until the counter reaches `until` on the alarm interrupt: 0, or a message for the failure. */
static const char *wait_alarm(struct driver_device *rtc, uint32_t until, long seconds)
{
    long r = driver_irq_claim(rtc);
    if (r < 0)
        return "cannot take its interrupt";
    driver_write32(rtc, RTCIMSC, 0);
    driver_write32(rtc, RTCICR, 1);
    driver_write32(rtc, RTCMR, until);
    driver_write32(rtc, RTCIMSC, 1);
    const char *err = 0;
    /* A second of slack: the match may land just after a count was read. */
    r = driver_irq_wait(rtc, (seconds + 2) * SECOND);
    if (r < 0)
        err = "the alarm interrupt did not arrive";
    driver_write32(rtc, RTCIMSC, 0);
    driver_write32(rtc, RTCICR, 1);
    if (!err && (driver_read32(rtc, RTCRIS) & 1))
        err = "the alarm would not clear";
    if (!err && driver_irq_ack(rtc) < 0)
        err = "cannot acknowledge the interrupt";
    return err;
}

int main(int argc, char **argv)
{
    int epoch = 0;
    long wait = 0;
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

    struct driver_device rtc;
    long r = driver_open(&rtc, "arm,pl031");
    if (r == -E_PERM) {
        fprintf(stderr, "rtc: opening a device needs the privilege, which init and what it forks have\n");
        return 1;
    }
    if (r < 0 || (r = driver_map(&rtc)) < 0) {
        fprintf(stderr, "rtc: cannot open the PL031 (arm,pl031): error %ld\n", -r);
        driver_close(&rtc);
        return 1;
    }
    if (!(driver_read32(&rtc, RTCCR) & 1))
        driver_write32(&rtc, RTCCR, 1); /* QEMU's starts at reset; a real PL031 may need it */
    if (wait) {
        uint32_t until = driver_read32(&rtc, RTCDR) + (uint32_t)wait;
        const char *err = wait_alarm(&rtc, until, wait);
        if (!err && driver_read32(&rtc, RTCDR) < until)
            err = "woken before the alarm's time";
        if (err) {
            fprintf(stderr, "rtc: %s\n", err);
            driver_close(&rtc);
            return 1;
        }
    }
    uint32_t now = driver_read32(&rtc, RTCDR);
    driver_close(&rtc);
    if (epoch)
        printf("%lu\n", (unsigned long)now);
    else
        print_utc(now);
    return 0;
}
