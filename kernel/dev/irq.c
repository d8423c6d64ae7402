/*
 * Interrupt handler registry and dispatch, independent of the GIC version.
 */
#include <wren/abi.h>

#include "irq.h"

struct irq_slot {
    irq_handler_fn fn;
    void *arg;
    bool edge;
};

static const struct irqchip_ops *chip;
static struct irq_slot handlers[IRQ_MAX_INTID];

int irq_init(const struct irqchip_desc *desc)
{
    if (desc->version == 2)
        chip = gicv2_init(desc);
    else if (desc->version == 3)
        chip = gicv3_init(desc);
    return chip ? 0 : -E_NOTSUP;
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
        uint32_t intid = chip->ack();
        /* 1020-1023 are special (spurious or secure-group) IDs: nothing more to do. */
        if (intid >= IRQ_MAX_INTID)
            return;
        if (handlers[intid].fn)
            handlers[intid].fn(intid, handlers[intid].arg);
        else
            chip->disable(intid); /* nobody wants it: stop a level IRQ storming */
        chip->eoi(intid);
    }
}
