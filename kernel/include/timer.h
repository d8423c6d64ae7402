#ifndef WREN_TIMER_H
#define WREN_TIMER_H

#include <stdint.h>

/* Start a periodic tick of tick_hz on the timer interrupt intid (from the DTB). */
int timer_init(uint32_t intid, uint32_t tick_hz);
uint64_t timer_ticks(void);
/* Called on every tick, in interrupt context (the scheduler's clock). */
void timer_set_tick_handler(void (*fn)(void));
uint64_t timer_counter_hz(void);
/* Nanoseconds since the counter started (boot, on every board we support). */
uint64_t timer_now_ns(void);

#endif
