/*
 * Devices of the device tree for user-space drivers (device_tree.h).
 *
 * Bindings followed: Devicetree Specification v0.4 §2.3.6 (reg, #address-cells/#size-cells), §2.4 (interrupts,
 * interrupt-parent, #interrupt-cells) and the Linux binding interrupt-controller/arm,gic.yaml for the three GIC cells
 * (type 0 = SPI, 1 = PPI; the number; flags 1/2 = edge, 4/8 = level; GICv3 may add a fourth cell for PPI affinity).
 */
#include <wren/abi.h>

#include "lib/string.h"
#include "dev/device_tree.h"

#define GIC_SPI_BASE 32u
#define GIC_SPI_MAX  1019u /* INTIDs 1020-1023 are special */

/*
 * Nodes the kernel drives without claiming registers a range check would see: the timer and PSCI have none, and the
 * GIC's MSI frames (v2m, ITS) sit between the GIC ranges the kernel maps but belong to the interrupt controller.
 */
static const char *const kernel_compat[] = {
    "arm,armv8-timer", "arm,armv7-timer", "arm,psci",          "arm,psci-0.2",
    "arm,psci-1.0",    "arm,gic-v3-its",  "arm,gic-v2m-frame", NULL,
};

static int find_compatible(const struct fdt *f, const char *compat)
{
    for (int node = fdt_find_compatible(f, -1, compat); node >= 0; node = fdt_find_compatible(f, node, compat)) {
        if (fdt_node_is_okay(f, node))
            return node;
    }
    return -E_NOENT;
}

int dt_device_find(const struct fdt *f, const char *name, size_t len)
{
    char buf[DT_DEVICE_NAME_MAX + 1];

    if (len == 0)
        return -E_INVAL;
    if (len > DT_DEVICE_NAME_MAX)
        return -E_NAMETOOLONG;
    for (size_t i = 0; i < len; i++) {
        if (name[i] == 0)
            return -E_NOENT; /* no path or compatible string holds a NUL */
        buf[i] = name[i];
    }
    buf[len] = 0;
    if (buf[0] != '/')
        return find_compatible(f, buf);
    int node = fdt_path_offset_len(f, buf, len);
    return node >= 0 && fdt_node_is_okay(f, node) ? node : -E_NOENT;
}

static bool ranges_overlap(uint64_t a, uint64_t asize, uint64_t b, uint64_t bsize)
{
    /* Without computing an end, which could wrap for a range the DTB made up. */
    if (!asize || !bsize)
        return false;
    return a >= b ? a - b < bsize : b - a < asize;
}

static bool kernel_owned(const struct fdt *f, int node)
{
    const char *type = fdt_prop_string(f, node, "device_type");
    if (type && (!strcmp(type, "memory") || !strcmp(type, "cpu")))
        return true;
    for (int i = 0; kernel_compat[i]; i++) {
        if (fdt_node_is_compatible(f, node, kernel_compat[i]))
            return true;
    }
    return false;
}

static int decode_reg(const struct fdt *f, struct dt_device *d)
{
    if (fdt_read_reg(f, d->node, 0, &d->base, &d->size) < 0)
        return -E_INVAL; /* no reg, a bad #address-cells/#size-cells, or a truncated entry */
    if (d->size == 0 || d->base >= DT_PA_LIMIT || d->size > DT_PA_LIMIT - d->base)
        return -E_INVAL;
    uint64_t end = (d->base + d->size + DT_PAGE - 1) & ~(DT_PAGE - 1); /* <= 2^48: no wrap */
    d->map_base = d->base & ~(DT_PAGE - 1);
    d->map_size = end - d->map_base;
    return 0;
}

/* The node's interrupt parent ("interrupt-parent" of the node or its nearest ancestor that has one), or FDT_ERR_*. */
static int interrupt_parent(const struct fdt *f, int node)
{
    for (int depth = 0; node >= 0 && depth < FDT_MAX_DEPTH; depth++, node = fdt_parent(f, node)) {
        uint32_t ph;
        if (fdt_prop_u32(f, node, "interrupt-parent", &ph) == 0)
            return fdt_node_by_phandle(f, ph);
    }
    return FDT_ERR_NOTFOUND;
}

static int decode_interrupt(const struct fdt *f, uint64_t gic_dist, struct dt_device *d)
{
    int len;
    const uint8_t *v = fdt_getprop(f, d->node, "interrupts", &len);
    if (!v)
        return 0; /* no interrupt: a device that is only polled */
    int parent = interrupt_parent(f, d->node);
    uint32_t cells;
    if (parent < 0 || fdt_prop_u32(f, parent, "#interrupt-cells", &cells) != 0 || cells == 0 || cells > 4)
        return -E_INVAL;
    if (len <= 0 || len % (int)(4 * cells) != 0)
        return -E_INVAL;
    uint64_t parent_base, parent_size;
    if (cells < 3 || fdt_read_reg(f, parent, 0, &parent_base, &parent_size) < 0 || parent_base != gic_dist)
        return 0; /* wired to another controller: not ours to deliver */
    uint32_t type = fdt_be32(v), num = fdt_be32(v + 4), flags = fdt_be32(v + 8);
    if (type != 0)
        return 0; /* a PPI is per CPU (the timer's, the PMU's): never a driver process's */
    if (num > GIC_SPI_MAX - GIC_SPI_BASE)
        return -E_INVAL;
    d->intid = GIC_SPI_BASE + num;
    d->edge = (flags & 3) != 0;
    return 0;
}

int dt_device_decode(const struct fdt *f, int node, uint64_t gic_dist, const struct dt_range *kernel, int nkernel,
                     struct dt_device *d)
{
    *d = (struct dt_device){.node = node};
    if (kernel_owned(f, node))
        return -E_BUSY;
    int err = decode_reg(f, d);
    if (!err)
        err = decode_interrupt(f, gic_dist, d);
    if (err)
        return err;
    for (int i = 0; i < nkernel; i++) {
        /* The kernel range grown to whole pages (saturating): sharing any page with it is refused. */
        uint64_t head = kernel[i].base & (DT_PAGE - 1), size = kernel[i].size;
        size = size > UINT64_MAX - head - DT_PAGE ? UINT64_MAX : (size + head + DT_PAGE - 1) & ~(DT_PAGE - 1);
        if (kernel[i].size && ranges_overlap(d->map_base, d->map_size, kernel[i].base - head, size))
            return -E_BUSY;
    }
    return 0;
}

bool dt_device_overlap(const struct dt_device *a, const struct dt_device *b)
{
    return ranges_overlap(a->map_base, a->map_size, b->map_base, b->map_size);
}
