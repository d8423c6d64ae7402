/*
 * Interrupt routing: the portable side. An interrupt controller driver (GICv2 or GICv3,
 * picked from the DTB) implements struct irqchip_ops; the kernel registers one handler
 * per interrupt ID (INTID: SGIs 0-15, PPIs 16-31, SPIs 32-1019).
 */
#ifndef WREN_IRQ_H
#define WREN_IRQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IRQ_MAX_INTID 1020
#define IRQ_SPURIOUS  1023

struct irqchip_desc {
    unsigned version;      /* 2 or 3 */
    uintptr_t dist_base;   /* GICD */
    uintptr_t cpu_base;    /* GICC (v2 only) */
    uintptr_t redist_base; /* GICR region (v3 only) */
    size_t redist_size;
};

struct irqchip_ops {
    const char *name;
    void (*enable)(uint32_t intid, bool edge);
    void (*disable)(uint32_t intid);
    void (*set_pending)(uint32_t intid);   /* SPIs only: as if the device had raised it */
    void (*clear_pending)(uint32_t intid); /* SPIs only: forget that it fired */
    bool (*pending)(uint32_t intid);       /* SPIs only: is it pending at the distributor? */
    /* SPIs only: deliver it to the one CPU whose cpu_init returned `target` (the same value send_sgi takes). */
    void (*route)(uint32_t intid, uint64_t target);
    uint32_t (*ack)(void);       /* a token: the INTID in bits 23:0 (IRQ_SPURIOUS if none), and more */
    void (*eoi)(uint32_t token); /* what ack returned */
    uint32_t (*max_intid)(void);
    uint64_t (*cpu_init)(void);                      /* this CPU's interface on; its SGI target */
    void (*cpu_off)(void);                           /* this CPU takes no more interrupts (hotplug) */
    void (*send_sgi)(uint64_t target, uint32_t sgi); /* target: what cpu_init returned on that CPU */
};

typedef void (*irq_handler_fn)(uint32_t intid, void *arg);

/* Probe and initialise the controller; 0 on success, negative E_* if unusable. */
int irq_init(const struct irqchip_desc *desc);
const char *irq_chip_name(void);
int irq_register(uint32_t intid, bool edge, irq_handler_fn fn, void *arg);
/* Take the handler away, disable the interrupt and forget it if pending (an SPI's next owner must not get it). */
void irq_unregister(uint32_t intid);
/* Disable a registered interrupt at the controller (it stays pending there), and enable it again. */
void irq_mask(uint32_t intid);
void irq_unmask(uint32_t intid);
/* Make SPI `intid` pending from software (a test of a driver's interrupt path). */
void irq_raise(uint32_t intid);
/* Is intid a valid INTID on this controller? */
bool irq_valid(uint32_t intid);
/* Called from the exception vector on an IRQ: handle everything pending. */
void irq_dispatch(void);
/*
 * Per-CPU: a CPU that has just started turns its own interface on and enables the SGIs and PPIs registered so far
 * (those are banked per CPU: the timer's, the IPIs); 0, or -E_NOTSUP if the controller has nothing for this CPU.
 * irq_init does it for the boot CPU. irq_cpu_off turns it off before the CPU powers down.
 */
int irq_cpu_init(void);
void irq_cpu_off(void);
/* Send SGI `sgi` (0-15) to CPU `cpu` (an index into cpus[]), which must have run irq_cpu_init. */
void irq_send_ipi(unsigned cpu, uint32_t sgi);

/*
 * IRQ affinity: SPI `intid` goes to CPU `cpu` (an index into cpus[]) from now on, a pending one included (see
 * irq.c). 0, or -E_INVAL if intid is not an SPI (SGIs and PPIs are banked per CPU and cannot be routed) or the CPU's
 * interface is not on. The route is kept across masking and unmasking; a released line (irq_unregister) goes back
 * to the boot CPU. irq_affinity: the CPU an SPI is routed to, or -E_INVAL for anything else.
 */
int irq_set_affinity(uint32_t intid, unsigned cpu);
int irq_affinity(uint32_t intid);
/* Hotplug, before CPU `from` goes down: every SPI routed to it moves to CPU `to` (which must be on). */
void irq_cpu_evacuate(unsigned from, unsigned to);

/* What /scheme/sys/irqs shows of a registered INTID; false if none is registered at intid. */
struct irq_info {
    int cpu;            /* the CPU an SPI is routed to; -1 for an SGI or PPI (each CPU takes its own) */
    bool edge;          /* edge-triggered (else level-sensitive) */
    uint64_t delivered; /* an SPI: times its handler ran since it was registered, on any CPU; 0 for the others */
};
bool irq_info(uint32_t intid, struct irq_info *out);

const struct irqchip_ops *gicv2_init(const struct irqchip_desc *desc);
const struct irqchip_ops *gicv3_init(const struct irqchip_desc *desc);

#endif
