/*
 * Interrupt handler registry and dispatch, independent of the GIC version, and where each SPI goes (IRQ affinity).
 *
 * Every SPI is routed to one CPU, the boot CPU unless irq_set_affinity moved it; the route is written when the line
 * is registered and when it moves, never by enabling it, so masking and unmasking (a driver's every interrupt) keep
 * it. Handlers run with the kernel lock held (entry/trap.c takes interrupts only there) and this file's state is
 * changed only under it, so an SPI is never active (acknowledged, handler running) on one CPU while another CPU
 * moves it.
 */
#include <wren/abi.h>

#include "arch/percpu.h"
#include "dev/platform.h"
#include "irq.h"

struct irq_slot {
    irq_handler_fn fn;
    void *arg;
    bool edge;
};

#define IRQ_NO_TARGET UINT64_MAX

static const struct irqchip_ops *chip;
static struct irq_slot handlers[IRQ_MAX_INTID];
static uint64_t ipi_target[PLATFORM_MAX_CPUS]; /* what each CPU's cpu_init returned; IRQ_NO_TARGET: not started */
static uint8_t spi_cpu[IRQ_MAX_INTID];         /* the CPU (index) each SPI is routed to; 0, the boot CPU, at first */
static uint64_t delivered[IRQ_MAX_INTID];      /* an SPI's handler runs since it was registered */

int irq_init(const struct irqchip_desc *desc)
{
    if (desc->version == 2)
        chip = gicv2_init(desc);
    else if (desc->version == 3)
        chip = gicv3_init(desc);
    if (!chip)
        return -E_NOTSUP;
    for (unsigned i = 0; i < PLATFORM_MAX_CPUS; i++)
        ipi_target[i] = IRQ_NO_TARGET;
    int err = irq_cpu_init();
    if (err)
        chip = 0;
    return err;
}

int irq_cpu_init(void)
{
    uint64_t t = chip->cpu_init();
    if (t == IRQ_NO_TARGET)
        return -E_NOTSUP;
    ipi_target[arch_cpu_index()] = t;
    for (uint32_t intid = 0; intid < 32; intid++)
        if (handlers[intid].fn)
            chip->enable(intid, handlers[intid].edge);
    return 0;
}

void irq_cpu_off(void)
{
    chip->cpu_off();
    ipi_target[arch_cpu_index()] = IRQ_NO_TARGET;
}

void irq_send_ipi(unsigned cpu, uint32_t sgi)
{
    if (cpu < PLATFORM_MAX_CPUS && ipi_target[cpu] != IRQ_NO_TARGET && sgi < 16)
        chip->send_sgi(ipi_target[cpu], sgi);
}

const char *irq_chip_name(void)
{
    return chip ? chip->name : "none";
}

int irq_register(uint32_t intid, bool edge, irq_handler_fn fn, void *arg)
{
    if (!chip || intid >= IRQ_MAX_INTID || intid > chip->max_intid())
        return -E_INVAL;
    if (handlers[intid].fn)
        return -E_BUSY;
    handlers[intid] = (struct irq_slot){fn, arg, edge};
    delivered[intid] = 0;
    if (intid >= 32) {
        if (ipi_target[spi_cpu[intid]] == IRQ_NO_TARGET)
            spi_cpu[intid] = 0; /* not possible while hotplug evacuates its CPU first, but never route to nobody */
        chip->route(intid, ipi_target[spi_cpu[intid]]);
    }
    chip->enable(intid, edge);
    return 0;
}

bool irq_valid(uint32_t intid)
{
    return chip && intid < IRQ_MAX_INTID && intid <= chip->max_intid();
}

void irq_unregister(uint32_t intid)
{
    if (!irq_valid(intid) || !handlers[intid].fn)
        return;
    chip->disable(intid);
    if (intid >= 32)
        chip->clear_pending(intid);
    handlers[intid] = (struct irq_slot){0};
    spi_cpu[intid] = 0; /* the next owner starts on the boot CPU, as at boot */
}

void irq_mask(uint32_t intid)
{
    if (irq_valid(intid) && handlers[intid].fn)
        chip->disable(intid);
}

void irq_unmask(uint32_t intid)
{
    if (irq_valid(intid) && handlers[intid].fn)
        chip->enable(intid, handlers[intid].edge);
}

void irq_raise(uint32_t intid)
{
    if (irq_valid(intid) && intid >= 32)
        chip->set_pending(intid);
}

void irq_dispatch(void)
{
    for (;;) {
        uint32_t token = chip->ack();
        uint32_t intid = token & 0xffffff;
        /* 1020-1023 are special (spurious or secure-group) IDs: nothing more to do. */
        if (intid >= IRQ_MAX_INTID)
            return;
        if (handlers[intid].fn) {
            if (intid >= 32)
                delivered[intid]++; /* SPIs only (/scheme/sys/irqs): an IPI's round trip does not pay for it */
            handlers[intid].fn(intid, handlers[intid].arg);
        } else
            chip->disable(intid); /* nobody wants it: stop a level IRQ storming */
        chip->eoi(token);
    }
}

/*
 * Route SPI `intid` to CPU `cpu`. A route change takes a pending SPI with it on hardware that follows IHI 0048B
 * 4.3.12 ("removing a CPU interface from the target list of a pending interrupt removes the pending state of that
 * interrupt on that CPU interface", adding one makes it pending there) and IHI 0069 12.9.22 (GICD_IROUTER is read
 * whenever the distributor picks a target), but QEMU's GICv2 keeps an edge-triggered SPI's pending state on the CPUs
 * it targeted when it fired, where nothing takes it once the target changed. So a pending edge-triggered SPI is
 * cleared, moved and made pending again: it fires once, at its new CPU. A level-sensitive SPI is pending while its
 * device holds the line, and every GIC samples the line for the current target: it needs nothing (an SPI the
 * software made pending, event_irq_raise's test case, keeps that on such a GICv2 until it moves back).
 * Nothing is active at this point: handlers run under the kernel lock, which the caller holds.
 */
static void spi_move(uint32_t intid, unsigned cpu)
{
    spi_cpu[intid] = (uint8_t)cpu;
    if (!handlers[intid].fn)
        return; /* written when it is registered */
    bool repend = handlers[intid].edge && chip->pending(intid);
    if (repend)
        chip->clear_pending(intid);
    chip->route(intid, ipi_target[cpu]);
    if (repend)
        chip->set_pending(intid);
}

int irq_set_affinity(uint32_t intid, unsigned cpu)
{
    if (!irq_valid(intid) || intid < 32 || cpu >= PLATFORM_MAX_CPUS || ipi_target[cpu] == IRQ_NO_TARGET)
        return -E_INVAL;
    if (spi_cpu[intid] != cpu)
        spi_move(intid, cpu);
    return 0;
}

int irq_affinity(uint32_t intid)
{
    if (!irq_valid(intid) || intid < 32)
        return -E_INVAL;
    return spi_cpu[intid];
}

void irq_cpu_evacuate(unsigned from, unsigned to)
{
    if (!chip || from >= PLATFORM_MAX_CPUS || to >= PLATFORM_MAX_CPUS || from == to || ipi_target[to] == IRQ_NO_TARGET)
        return;
    for (uint32_t intid = 32; intid < IRQ_MAX_INTID && intid <= chip->max_intid(); intid++)
        if (spi_cpu[intid] == from)
            spi_move(intid, to);
}

bool irq_info(uint32_t intid, struct irq_info *out)
{
    if (!irq_valid(intid) || !handlers[intid].fn)
        return false;
    out->cpu = intid < 32 ? -1 : irq_affinity(intid);
    out->edge = handlers[intid].edge;
    out->delivered = delivered[intid];
    return true;
}
