/* The PL031 real-time clock itself: open it, read the count, wait on its alarm (pl031.c). */
#ifndef RTC_PL031_H
#define RTC_PL031_H

#include <stdint.h>
#include <wren/driver.h>

/* Open, map and start the clock: 0, or the negative E_* code of the step that failed (E_ACCES: no privilege, so
 * the mmio scheme is out of reach). */
long pl031_open(struct driver_device *rtc);
/* Seconds since 1970-01-01 00:00:00 UTC. */
uint32_t pl031_now(const struct driver_device *rtc);
/* Wait `seconds` on the alarm interrupt: 0, or a message for the failure. */
const char *pl031_wait(struct driver_device *rtc, long seconds);

#endif
