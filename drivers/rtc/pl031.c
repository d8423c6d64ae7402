/*
 * The PL031 real-time clock (pl031.h). Registers, from the ARM PrimeCell Real Time Clock (PL031) Technical Reference
 * Manual (ARM DDI 0224), 3.2 "Summary of RTC registers" and 3.3 "Register descriptions": RTCDR 0x00 (the count of
 * seconds, read only), RTCMR 0x04 (match: the interrupt is raised when RTCDR equals it), RTCCR 0x0C (control, bit 0
 * starts the counter), RTCIMSC 0x10 (bit 0 enables the interrupt), RTCRIS 0x14 (raw status), RTCICR 0x1C (write 1 to
 * clear). QEMU virt's PL031 counts seconds since 1970 in UTC, from the host's clock at start (its -rtc base=utc
 * default).
 */
#include "pl031.h"

enum { RTCDR = 0x00, RTCMR = 0x04, RTCCR = 0x0c, RTCIMSC = 0x10, RTCRIS = 0x14, RTCICR = 0x1c };

#define SECOND 1000000000ll

long pl031_open(struct driver_device *rtc)
{
    long r = driver_open(rtc, "arm,pl031");
    if (r == 0)
        r = driver_map(rtc);
    if (r < 0) {
        driver_close(rtc);
        return r;
    }
    if (!(driver_read32(rtc, RTCCR) & 1))
        driver_write32(rtc, RTCCR, 1); /* QEMU's starts at reset; a real PL031 may need it */
    return 0;
}

uint32_t pl031_now(const struct driver_device *rtc)
{
    return driver_read32(rtc, RTCDR);
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

const char *pl031_wait(struct driver_device *rtc, long seconds)
{
    uint32_t until = pl031_now(rtc) + (uint32_t)seconds;
    const char *err = wait_alarm(rtc, until, seconds);
    if (!err && pl031_now(rtc) < until)
        err = "woken before the alarm's time";
    return err;
}
