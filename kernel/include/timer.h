#ifndef WREN_TIMER_H
#define WREN_TIMER_H

#include <stdint.h>

/* Take the timer interrupt intid (from the DTB); the timer starts disarmed. */
int timer_init(uint32_t intid);
/* Called in interrupt context when an armed deadline passes (the timer is then disarmed). */
void timer_set_handler(void (*fn)(void));
/* One interrupt at deadline_ns (timer_now_ns time); replaces any earlier deadline. */
void timer_arm(uint64_t deadline_ns);
void timer_disarm(void);
/* How many deadlines have fired: a test of the interrupt path. */
uint64_t timer_expiries(void);
uint64_t timer_counter_hz(void);
/* Nanoseconds since the counter started (boot, on every board we support). */
uint64_t timer_now_ns(void);

/* The time `ns` from now, saturating: a huge timeout from user space means "never", not a wrap into the past. */
static inline uint64_t timer_deadline_after(uint64_t ns)
{
    uint64_t now = timer_now_ns();
    return ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
}

#endif
