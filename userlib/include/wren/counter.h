/* The generic timer's counter, read directly from user space (userlib/counter.S). */
#ifndef WREN_COUNTER_H
#define WREN_COUNTER_H

#include <stdint.h>

uint64_t wren_counter(void);
uint64_t wren_counter_hz(void);

#endif
