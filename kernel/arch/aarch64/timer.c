/*
 * The periodic tick from the ARM generic timer (ARM ARM D11, "The Generic Timer").
 *
 * We use the EL1 virtual timer (CNTV_*): it is available whether we were entered at EL1 or
 * dropped from EL2 (boot.S sets CNTVOFF_EL2 = 0, so virtual time equals physical time), and
 * its PPI comes from the DTB's arm,armv8-timer node (INTID 27 on QEMU virt and MT7988A,
 * [bpi-r4.md §2, §5]). Each tick re-arms the comparator one period after the previous
 * deadline, not after "now", so the tick rate does not drift with handler latency.
 */
#include <stdint.h>

#include <wren/abi.h>

#include "arch/cpu.h"
#include "irq.h"
#include "timer.h"

#define CNTV_CTL_ENABLE (1u << 0)
#define CNTV_CTL_IMASK  (1u << 1)

static uint64_t counter_hz;
static uint64_t period; /* counter ticks per timer tick */
static uint64_t next_deadline;
static volatile uint64_t ticks;
static void (*tick_handler)(void);

void timer_set_tick_handler(void (*fn)(void))
{
    tick_handler = fn;
}

static void timer_irq(uint32_t intid, void *arg)
{
    (void)intid;
    (void)arg;
    next_deadline += period;
    /* If we fell more than a period behind (e.g. a debugger stop), skip the lost ticks. */
    uint64_t now = arch_counter();
    if (next_deadline <= now)
        next_deadline = now + period;
    write_sysreg(cntv_cval_el0, next_deadline);
    ticks++;
    if (tick_handler)
        tick_handler();
}

int timer_init(uint32_t intid, uint32_t tick_hz)
{
    counter_hz = arch_counter_freq();
    if (counter_hz == 0 || tick_hz == 0 || tick_hz > counter_hz)
        return -E_INVAL;
    period = counter_hz / tick_hz;

    int err = irq_register(intid, false, timer_irq, 0);
    if (err)
        return err;
    /*
     * Let user programs read CNTVCT_EL0 and CNTFRQ_EL0 themselves (CNTKCTL_EL1.EL0VCTEN,
     * Arm ARM D19.8.2): a clock read then costs no syscall, and benchmarks can time themselves.
     */
    write_sysreg(cntkctl_el1, read_sysreg(cntkctl_el1) | (1u << 1));
    next_deadline = arch_counter() + period;
    write_sysreg(cntv_cval_el0, next_deadline);
    write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE);
    isb();
    return 0;
}

uint64_t timer_ticks(void)
{
    return ticks;
}

uint64_t timer_counter_hz(void)
{
    return counter_hz ? counter_hz : arch_counter_freq();
}

uint64_t timer_now_ns(void)
{
    uint64_t hz = timer_counter_hz();
    uint64_t c = arch_counter();
    /* Split to avoid overflowing 64 bits: c * 1e9 overflows after ~5 minutes at 62.5 MHz. */
    return (c / hz) * 1000000000ull + (c % hz) * 1000000000ull / hz;
}
