/*
 * One-shot deadlines from the ARM generic timer (ARM ARM D11, "The Generic Timer").
 *
 * There is no periodic tick: the scheduler arms the timer for the next moment something
 * must happen — the end of the running thread's time slice or the earliest sleeper's
 * wake-up — and disarms it when nothing is pending, so an idle CPU takes no interrupts.
 *
 * We use the EL1 virtual timer (CNTV_*): it is available whether we were entered at EL1 or
 * dropped from EL2 (boot.S sets CNTVOFF_EL2 = 0, so virtual time equals physical time), and
 * its PPI comes from the DTB's arm,armv8-timer node (INTID 27 on QEMU virt and MT7988A,
 * [bpi-r4.md §2, §5]).
 */
#include <stdint.h>

#include <wren/abi.h>

#include "arch/cpu.h"
#include "irq.h"
#include "timer.h"

#define CNTV_CTL_ENABLE (1u << 0)
#define CNTV_CTL_IMASK  (1u << 1)

static uint64_t counter_hz;
static volatile uint64_t expiries;
static void (*expiry_handler)(void);

void timer_set_handler(void (*fn)(void))
{
    expiry_handler = fn;
}

static void timer_irq(uint32_t intid, void *arg)
{
    (void)intid;
    (void)arg;
    /* The interrupt is level-triggered on CNTV_CTL.ISTATUS: silence it until re-armed. */
    write_sysreg(cntv_ctl_el0, CNTV_CTL_IMASK);
    expiries++;
    if (expiry_handler)
        expiry_handler();
}

int timer_init(uint32_t intid)
{
    counter_hz = arch_counter_freq();
    if (counter_hz == 0)
        return -E_INVAL;
    write_sysreg(cntv_ctl_el0, CNTV_CTL_IMASK);
    int err = irq_register(intid, false, timer_irq, 0);
    if (err)
        return err;
    /*
     * Let user programs read CNTVCT_EL0 and CNTFRQ_EL0 themselves (CNTKCTL_EL1.EL0VCTEN,
     * Arm ARM D19.8.2): a clock read then costs no syscall, and benchmarks can time themselves.
     */
    write_sysreg(cntkctl_el1, read_sysreg(cntkctl_el1) | (1u << 1));
    isb();
    return 0;
}

/* ns -> counter ticks, rounded up so a deadline never fires early; without 64-bit overflow. */
static uint64_t ns_to_count(uint64_t ns)
{
    uint64_t hz = timer_counter_hz();
    return (ns / 1000000000ull) * hz + ((ns % 1000000000ull) * hz + 999999999ull) / 1000000000ull;
}

void timer_arm(uint64_t deadline_ns)
{
    write_sysreg(cntv_cval_el0, ns_to_count(deadline_ns));
    write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE); /* fires at once if the deadline has passed */
    isb();
}

void timer_disarm(void)
{
    write_sysreg(cntv_ctl_el0, CNTV_CTL_IMASK);
    isb();
}

uint64_t timer_expiries(void)
{
    return expiries;
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
