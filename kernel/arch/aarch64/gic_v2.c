/*
 * GICv2 driver: distributor (GICD) and memory-mapped CPU interface (GICC).
 * Register offsets from the ARM GIC Architecture Specification v2 (IHI 0048B), section 4.
 * QEMU virt's default GIC in TCG is v2: GICD 0x08000000, GICC 0x08010000 [bpi-r4.md §5],
 * but the addresses come from the DTB.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/percpu.h"
#include "irq.h"
#include "mmio.h"

#define GICD_CTLR          0x000
#define GICD_TYPER         0x004
#define GICD_ISENABLER(n)  (0x100 + 4 * (n))
#define GICD_ICPENDR(n)    (0x280 + 4 * (n)) /* clear-pending, the same offset in v2 and v3 */
#define GICD_ISPENDR(n)    (0x200 + 4 * (n))
#define GICD_ICENABLER(n)  (0x180 + 4 * (n))
#define GICD_IPRIORITYR(n) (0x400 + 4 * (n))
#define GICD_ITARGETSR(n)  (0x800 + 4 * (n))
#define GICD_ICFGR(n)      (0xc00 + 4 * (n))
#define GICD_SGIR          0xf00

#define GICC_CTLR 0x000
#define GICC_PMR  0x004
#define GICC_BPR  0x008
#define GICC_IAR  0x00c
#define GICC_EOIR 0x010

#define GIC_PRIORITY_DEFAULT 0xa0 /* middle of the range; lower value = more urgent */

static uintptr_t gicd, gicc;
static uint32_t n_intids;

static void gicv2_enable(uint32_t intid, bool edge)
{
    uint32_t byte_shift = (intid % 4) * 8;

    mmio_rmw32(gicd + GICD_IPRIORITYR(intid / 4), 0xffu << byte_shift, (uint32_t)GIC_PRIORITY_DEFAULT << byte_shift);
    if (intid >= 32) {
        /* SPIs: edge/level in ICFGR bit 1. Their target is route's: enabling (each unmask) leaves it alone. */
        uint32_t cfg_bit = 1u << ((intid % 16) * 2 + 1);
        mmio_rmw32(gicd + GICD_ICFGR(intid / 16), cfg_bit, edge ? cfg_bit : 0);
    }
    mmio_write32(gicd + GICD_ISENABLER(intid / 32), 1u << (intid % 32));
}

static void gicv2_disable(uint32_t intid)
{
    mmio_write32(gicd + GICD_ICENABLER(intid / 32), 1u << (intid % 32));
}

/* Make SPI `intid` pending as if its line had fired (GICD_ISPENDR, the same in v2 and v3). */
static void gicv2_set_pending(uint32_t intid)
{
    if (intid >= 32)
        mmio_write32(gicd + GICD_ISPENDR(intid / 32), 1u << (intid % 32));
}

/* Forget a pending SPI `intid` (GICD_ICPENDR): a released line must not fire for its next owner. */
static void gicv2_clear_pending(uint32_t intid)
{
    if (intid >= 32)
        mmio_write32(gicd + GICD_ICPENDR(intid / 32), 1u << (intid % 32));
}

static bool gicv2_pending(uint32_t intid)
{
    return intid >= 32 && (mmio_read32(gicd + GICD_ISPENDR(intid / 32)) >> (intid % 32)) & 1;
}

/*
 * Deliver SPI `intid` to the one CPU interface `target` names (its bit, as gicv2_cpu_init found it): the SPI's byte
 * of GICD_ITARGETSR, which software may write at any time (IHI 0048B 4.3.12). One bit, so exactly one CPU takes it.
 */
static void gicv2_route(uint32_t intid, uint64_t target)
{
    if (intid < 32)
        return; /* SGIs and PPIs: the target fields are read-only (IHI 0048B 4.3.12) */
    uint32_t byte_shift = (intid % 4) * 8;
    mmio_rmw32(gicd + GICD_ITARGETSR(intid / 4), 0xffu << byte_shift, (uint32_t)(target & 0xff) << byte_shift);
}

/*
 * GICC_IAR holds the INTID in bits 9:0 and, for an SGI, the sending CPU in bits 12:10, which the EOI must repeat
 * (IHI 0048B 4.4.4, 4.4.5): the token this returns keeps the sender in bits 26:24, above every INTID.
 */
static uint32_t gicv2_ack(void)
{
    uint32_t iar = mmio_read32(gicc + GICC_IAR);
    return (iar & 0x3ff) | ((iar >> 10) & 7) << 24;
}

static void gicv2_eoi(uint32_t token)
{
    mmio_write32(gicc + GICC_EOIR, (token & 0x3ff) | ((token >> 24) & 7) << 10);
}

/* SGI to the CPU interfaces in `target` (a bit mask) through GICD_SGIR, TargetListFilter 0 (IHI 0048B 4.3.15). */
static void gicv2_send_sgi(uint64_t target, uint32_t sgi)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* what the receiver will read is visible first */
    mmio_write32(gicd + GICD_SGIR, (uint32_t)(target & 0xff) << 16 | (sgi & 0xf));
}

/*
 * This CPU's interface (GICC is banked: every CPU sees its own at the same address). Its SGI target is its bit in
 * the target lists, which GICD_ITARGETSR0..7 read back for the reading CPU (IHI 0048B 4.3.12).
 */
static uint64_t gicv2_cpu_init(void)
{
    uint8_t me = (uint8_t)(mmio_read32(gicd + GICD_ITARGETSR(0)) & 0xff);
    if (!me)
        me = 1; /* a uniprocessor GIC may read as zero */
    arch_this_cpu()->gic_target = me;
    mmio_write32(gicd + GICD_ICENABLER(0), 0xffff0000u); /* this CPU's PPIs off until registered */
    mmio_write32(gicc + GICC_PMR, 0xff);                 /* let every priority through */
    mmio_write32(gicc + GICC_BPR, 0);
    mmio_write32(gicc + GICC_CTLR, 1);
    return me;
}

static void gicv2_cpu_off(void)
{
    mmio_write32(gicc + GICC_CTLR, 0);
}

static uint32_t gicv2_max_intid(void)
{
    return n_intids - 1;
}

static const struct irqchip_ops gicv2_ops = {
    .name = "GICv2",
    .enable = gicv2_enable,
    .disable = gicv2_disable,
    .set_pending = gicv2_set_pending,
    .clear_pending = gicv2_clear_pending,
    .pending = gicv2_pending,
    .route = gicv2_route,
    .ack = gicv2_ack,
    .eoi = gicv2_eoi,
    .max_intid = gicv2_max_intid,
    .cpu_init = gicv2_cpu_init,
    .cpu_off = gicv2_cpu_off,
    .send_sgi = gicv2_send_sgi,
};

const struct irqchip_ops *gicv2_init(const struct irqchip_desc *desc)
{
    if (!desc->dist_base || !desc->cpu_base)
        return 0;
    gicd = desc->dist_base;
    gicc = desc->cpu_base;

    /* GICD_TYPER.ITLinesNumber: the distributor handles 32 * (N + 1) INTIDs. */
    n_intids = 32 * ((mmio_read32(gicd + GICD_TYPER) & 0x1f) + 1);
    if (n_intids > IRQ_MAX_INTID)
        n_intids = IRQ_MAX_INTID;

    mmio_write32(gicd + GICD_CTLR, 0);
    for (uint32_t i = 0; i < n_intids / 32; i++)
        mmio_write32(gicd + GICD_ICENABLER(i), 0xffffffffu);
    mmio_write32(gicd + GICD_CTLR, 1);
    return &gicv2_ops; /* the boot CPU's own interface: irq_init calls cpu_init */
}
