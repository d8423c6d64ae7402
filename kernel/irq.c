/*
 * Interrupt handler registry and dispatch, independent of the GIC version.
 */
#include <wren/abi.h>

#include "irq.h"

struct irq_slot {
    irq_handler_fn fn;
    void *arg;
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
    handlers[intid] = (struct irq_slot){fn, arg};
    chip->enable(intid, edge);
    return 0;
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
