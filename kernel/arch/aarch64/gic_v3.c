/*
 * GICv3 driver: distributor (GICD), this CPU's redistributor (GICR) and the CPU interface
 * through the ICC_* system registers. Offsets from the GICv3/v4 Architecture Specification
 * (IHI 0069), chapter 12. Used by the BPI-R4 (GICD 0x0C000000, GICR 0x0C080000) and by
 * QEMU virt with gic-version=3 (GICD 0x08000000, GICR 0x080A0000) [bpi-r4.md §2, §5].
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu.h"
#include "arch/percpu.h"
#include "arch/sysreg_bits.h"
#include "irq.h"
#include "mmio.h"

#define GICD_CTLR          0x0000
#define GICD_TYPER         0x0004
#define GICD_IGROUPR(n)    (0x0080 + 4 * (n))
#define GICD_ISENABLER(n)  (0x0100 + 4 * (n))
#define GICD_ICPENDR(n)    (0x280 + 4 * (n)) /* clear-pending, the same offset in v2 and v3 */
#define GICD_ISPENDR(n)    (0x0200 + 4 * (n))
#define GICD_ICENABLER(n)  (0x0180 + 4 * (n))
#define GICD_IPRIORITYR(n) (0x0400 + 4 * (n))
#define GICD_ICFGR(n)      (0x0c00 + 4 * (n))
#define GICD_IROUTER(n)    (0x6000 + 8 * (n))

/*
 * GICD_CTLR bits 0, 1 and 4 mean EnableGrp1(NS)/EnableGrp1A/ARE_NS when the GIC has two
 * security states and we are non-secure (BPI-R4 under TF-A), and EnableGrp0/EnableGrp1/ARE
 * when it has one (QEMU without EL3). Setting all three is right in both cases.
 */
#define GICD_CTLR_ENABLE ((1u << 0) | (1u << 1))
#define GICD_CTLR_ARE    (1u << 4)
#define GICD_CTLR_RWP    (1u << 31)

/* Each redistributor is two 64 KiB frames: RD_base (control) then SGI_base (PPIs/SGIs). */
#define GICR_STRIDE        0x20000
#define GICR_TYPER_LO      0x0008
#define GICR_TYPER_HI      0x000c
#define GICR_TYPER_LAST    (1u << 4)
#define GICR_WAKER         0x0014
#define GICR_WAKER_SLEEP   (1u << 1)
#define GICR_WAKER_ASLEEP  (1u << 2)
#define GICR_SGI           0x10000
#define GICR_IGROUPR0      (GICR_SGI + 0x0080)
#define GICR_ISENABLER0    (GICR_SGI + 0x0100)
#define GICR_ICENABLER0    (GICR_SGI + 0x0180)
#define GICR_IPRIORITYR(n) (GICR_SGI + 0x0400 + 4 * (n))
#define GICR_ICFGR1        (GICR_SGI + 0x0c04)

/* CPU-interface registers by encoding (IHI 0069 §12.2). */
#define ICC_PMR_EL1     S3_0_C4_C6_0
#define ICC_IAR1_EL1    S3_0_C12_C12_0
#define ICC_EOIR1_EL1   S3_0_C12_C12_1
#define ICC_BPR1_EL1    S3_0_C12_C12_3
#define ICC_CTLR_EL1    S3_0_C12_C12_4
#define ICC_SRE_EL1     S3_0_C12_C12_5
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define ICC_SGI1R_EL1   S3_0_C12_C11_5

#define GIC_PRIORITY_DEFAULT 0xa0
#define SPIN_LIMIT           1000000

static uintptr_t gicd;
static uintptr_t redist_base;
static size_t redist_size;
static uint32_t n_intids;

/* This CPU's redistributor (found by gicv3_cpu_init: each CPU has its own, banked registers for SGIs and PPIs). */
static inline uintptr_t my_gicr(void)
{
    return arch_this_cpu()->gicr;
}

static bool wait_clear(uintptr_t addr, uint32_t bits)
{
    for (int i = 0; i < SPIN_LIMIT; i++)
        if (!(mmio_read32(addr) & bits))
            return true;
    return false;
}

/* MPIDR affinity as GICR_TYPER's upper word lays it out: Aff3.Aff2.Aff1.Aff0. */
static uint32_t mpidr_to_gicr_affinity(uint64_t mpidr)
{
    return (uint32_t)(((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff));
}

/* Walk the redistributor region for the frame whose affinity matches this CPU. */
static uintptr_t find_redistributor(uintptr_t base, size_t size)
{
    uint32_t want = mpidr_to_gicr_affinity(arch_cpu_id());

    for (uintptr_t rd = base; rd + GICR_STRIDE <= base + size; rd += GICR_STRIDE) {
        if (mmio_read32(rd + GICR_TYPER_HI) == want)
            return rd;
        if (mmio_read32(rd + GICR_TYPER_LO) & GICR_TYPER_LAST)
            break;
    }
    return 0;
}

/*
 * Route SPI intid to the one CPU with this MPIDR affinity (what gicv3_cpu_init returned on it): GICD_IROUTER's Aff3
 * in bits 39:32, Aff2.Aff1.Aff0 in bits 23:0 and Interrupt_Routing_Mode (bit 31) 0, "routed to the PE specified by
 * the affinity fields" (IHI 0069 12.9.22), written as the two 32-bit halves of the 64-bit register, which the
 * distributor reads whenever it picks a target for the SPI.
 */
static void gicv3_route(uint32_t intid, uint64_t mpidr)
{
    if (intid < 32)
        return; /* SGIs and PPIs have no IROUTER: the redistributor of each CPU has its own */
    mmio_write32(gicd + GICD_IROUTER(intid), (uint32_t)(mpidr & 0xffffff));
    mmio_write32(gicd + GICD_IROUTER(intid) + 4, (uint32_t)((mpidr >> 32) & 0xff));
}

static void gicv3_enable(uint32_t intid, bool edge)
{
    uint32_t byte_shift = (intid % 4) * 8;
    uint32_t prio = (uint32_t)GIC_PRIORITY_DEFAULT << byte_shift;

    if (intid < 32) {
        /* SGIs and PPIs are banked per CPU and live in the redistributor. */
        uintptr_t gicr = my_gicr();
        mmio_rmw32(gicr + GICR_IPRIORITYR(intid / 4), 0xffu << byte_shift, prio);
        if (intid >= 16) {
            uint32_t cfg_bit = 1u << ((intid % 16) * 2 + 1);
            mmio_rmw32(gicr + GICR_ICFGR1, cfg_bit, edge ? cfg_bit : 0);
        }
        mmio_write32(gicr + GICR_ISENABLER0, 1u << intid);
        return;
    }
    mmio_rmw32(gicd + GICD_IPRIORITYR(intid / 4), 0xffu << byte_shift, prio);
    uint32_t cfg_bit = 1u << ((intid % 16) * 2 + 1);
    mmio_rmw32(gicd + GICD_ICFGR(intid / 16), cfg_bit, edge ? cfg_bit : 0);
    mmio_write32(gicd + GICD_ISENABLER(intid / 32), 1u << (intid % 32)); /* routed by gicv3_route, not here */
}

static void gicv3_disable(uint32_t intid)
{
    if (intid < 32)
        mmio_write32(my_gicr() + GICR_ICENABLER0, 1u << intid);
    else
        mmio_write32(gicd + GICD_ICENABLER(intid / 32), 1u << (intid % 32));
}

/* Make SPI `intid` pending as if its line had fired (GICD_ISPENDR, the same in v2 and v3). */
static void gicv3_set_pending(uint32_t intid)
{
    if (intid >= 32)
        mmio_write32(gicd + GICD_ISPENDR(intid / 32), 1u << (intid % 32));
}

/* Forget a pending SPI `intid` (GICD_ICPENDR): a released line must not fire for its next owner. */
static void gicv3_clear_pending(uint32_t intid)
{
    if (intid >= 32)
        mmio_write32(gicd + GICD_ICPENDR(intid / 32), 1u << (intid % 32));
}

static bool gicv3_pending(uint32_t intid)
{
    return intid >= 32 && (mmio_read32(gicd + GICD_ISPENDR(intid / 32)) >> (intid % 32)) & 1;
}

static uint32_t gicv3_ack(void)
{
    uint32_t intid = (uint32_t)read_sysreg(ICC_IAR1_EL1) & 0xffffff;
    dsb_sy(); /* order the acknowledge before the handler touches the device */
    return intid;
}

static void gicv3_eoi(uint32_t intid)
{
    write_sysreg(ICC_EOIR1_EL1, intid);
    isb();
}

static uint32_t gicv3_max_intid(void)
{
    return n_intids - 1;
}

/*
 * SGI `sgi` to the CPU with MPIDR affinity `target` through ICC_SGI1R_EL1 (IHI 0069 12.11.6): Aff3/Aff2/Aff1 name
 * the cluster, the target list has one bit per Aff0 value within a group of 16, RS picks the group, IRM = 0.
 */
static void gicv3_send_sgi(uint64_t target, uint32_t sgi)
{
    uint64_t aff0 = target & 0xff;
    uint64_t v = ((target >> 32) & 0xff) << 48 | ((target >> 16) & 0xff) << 32 | (aff0 >> 4) << 44 |
                 (uint64_t)(sgi & 0xf) << 24 | ((target >> 8) & 0xff) << 16 | (1ull << (aff0 & 0xf));
    dsb_sy(); /* what the receiver will read is visible before the interrupt is (IHI 0069 12.1.6 note) */
    write_sysreg(ICC_SGI1R_EL1, v);
    isb();
}

/*
 * This CPU's half of the GIC: wake its redistributor, SGIs and PPIs off and in group 1, then the CPU interface
 * through its system registers. Returns this CPU's SGI target (its MPIDR affinity), or UINT64_MAX if it has no
 * redistributor.
 */
static uint64_t gicv3_cpu_init(void)
{
    uintptr_t gicr = find_redistributor(redist_base, redist_size);
    if (!gicr)
        return UINT64_MAX;
    arch_this_cpu()->gicr = gicr;
    mmio_rmw32(gicr + GICR_WAKER, GICR_WAKER_SLEEP, 0);
    if (!wait_clear(gicr + GICR_WAKER, GICR_WAKER_ASLEEP))
        return UINT64_MAX;
    mmio_write32(gicr + GICR_ICENABLER0, 0xffffffffu);
    mmio_write32(gicr + GICR_IGROUPR0, 0xffffffffu);

    write_sysreg(ICC_SRE_EL1, read_sysreg(ICC_SRE_EL1) | ICC_SRE_SRE);
    isb();
    write_sysreg(ICC_PMR_EL1, 0xff);
    write_sysreg(ICC_BPR1_EL1, 0);
    write_sysreg(ICC_CTLR_EL1, 0); /* EOImode 0: EOIR both drops priority and deactivates */
    write_sysreg(ICC_IGRPEN1_EL1, 1);
    isb();
    return arch_cpu_id();
}

/* Before this CPU powers off (hotplug): take no more interrupts here. */
static void gicv3_cpu_off(void)
{
    write_sysreg(ICC_IGRPEN1_EL1, 0);
    isb();
}

static const struct irqchip_ops gicv3_ops = {
    .name = "GICv3",
    .enable = gicv3_enable,
    .disable = gicv3_disable,
    .set_pending = gicv3_set_pending,
    .clear_pending = gicv3_clear_pending,
    .pending = gicv3_pending,
    .route = gicv3_route,
    .ack = gicv3_ack,
    .eoi = gicv3_eoi,
    .max_intid = gicv3_max_intid,
    .cpu_init = gicv3_cpu_init,
    .cpu_off = gicv3_cpu_off,
    .send_sgi = gicv3_send_sgi,
};

const struct irqchip_ops *gicv3_init(const struct irqchip_desc *desc)
{
    /* Without the system-register interface (ID_AA64PFR0_EL1.GIC == 0) we cannot drive it. */
    if (!desc->dist_base || !desc->redist_base || ((read_sysreg(id_aa64pfr0_el1) >> 24) & 0xf) == 0)
        return 0;
    gicd = desc->dist_base;
    redist_base = desc->redist_base;
    redist_size = desc->redist_size;
    if (!find_redistributor(redist_base, redist_size))
        return 0;

    n_intids = 32 * ((mmio_read32(gicd + GICD_TYPER) & 0x1f) + 1);
    if (n_intids > IRQ_MAX_INTID)
        n_intids = IRQ_MAX_INTID;

    /* Distributor: everything off, all SPIs in group 1 (non-secure), affinity routing on. */
    mmio_write32(gicd + GICD_CTLR, 0);
    wait_clear(gicd + GICD_CTLR, GICD_CTLR_RWP);
    for (uint32_t i = 1; i < n_intids / 32; i++) {
        mmio_write32(gicd + GICD_ICENABLER(i), 0xffffffffu);
        mmio_write32(gicd + GICD_IGROUPR(i), 0xffffffffu);
    }
    mmio_write32(gicd + GICD_CTLR, GICD_CTLR_ARE);
    wait_clear(gicd + GICD_CTLR, GICD_CTLR_RWP);
    mmio_write32(gicd + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_ENABLE);
    wait_clear(gicd + GICD_CTLR, GICD_CTLR_RWP);
    return &gicv3_ops; /* the boot CPU's own half: irq_init calls cpu_init */
}
