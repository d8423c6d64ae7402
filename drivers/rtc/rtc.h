/* The parts of /bin/rtc besides the clock itself: the service (service.c, and its scheme, scheme.c) and its client
 * (client.c). */
#ifndef RTC_RTC_H
#define RTC_RTC_H

#include <stdint.h>
#include <wren/driver.h>

/* Register "sys.rtc", drop the privilege and answer calls for ever; returns only on failure: the exit status. */
int rtc_serve(struct driver_device *rtc);
/* Serve /scheme/rtc on the registration `server` for ever (scheme.c); returns only on failure: the exit status. */
int rtc_serve_scheme(struct driver_device *rtc, wren_handle_t server);
/* Ask the service for the time: 0 and *now, or a negative E_* code (E_NOENT: no service runs). */
long rtc_ask(uint32_t *now);

#endif
