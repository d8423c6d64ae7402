/*
 * How msdc.c reaches the controller and the clock: the only two things that differ between the guest (mapped
 * registers, the monotonic clock) and the host tests (tests/host/msdc_model.c, a register model whose clock
 * advances with every access, so that a wait for a register that never changes ends in bounded test time).
 */
#ifndef MSDC_IO_H
#define MSDC_IO_H

#include <stdint.h>

#include "msdc.h"

#ifdef WREN_HOST_TEST
uint32_t msdc_read32(struct msdc *m, unsigned off);
void msdc_write32(struct msdc *m, unsigned off, uint32_t v);
#else
static inline uint32_t msdc_read32(struct msdc *m, unsigned off)
{
    return m->regs[off / 4];
}
static inline void msdc_write32(struct msdc *m, unsigned off, uint32_t v)
{
    m->regs[off / 4] = v;
}
#endif

/* Monotonic nanoseconds (msdc_clock.c in the guest; the model's clock on the host). */
uint64_t msdc_now_ns(void);

#endif
