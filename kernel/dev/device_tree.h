/*
 * Devices of the device tree that user-space drivers may open (device_open): finding a node by path or compatible
 * string, decoding its registers and interrupt, and refusing what the kernel keeps for itself.
 *
 * Pure code over a validated blob (lib/fdt.h), so the host tests run it on real and on malformed trees. The DTB is
 * untrusted: every property is checked and a malformed one is an error, never a guess.
 */
#ifndef WREN_DEV_DEVICE_TREE_H
#define WREN_DEV_DEVICE_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/fdt.h"

#define DT_DEVICE_NAME_MAX 128 /* longest path or compatible string device_open takes */
#define DT_PAGE            0x1000ull
#define DT_PA_LIMIT        (1ull << 48) /* output addresses the page tables can map */

/* A physical range the kernel uses itself (RAM, reserved memory, the MMIO of the devices it drives). */
struct dt_range {
    uint64_t base, size;
};

struct dt_device {
    int node;
    uint64_t base, size;         /* the first "reg" entry */
    uint64_t map_base, map_size; /* the whole pages that cover it: what mmap can reach */
    uint32_t intid;              /* the first interrupt's INTID if it is a GIC SPI, else 0 (none) */
    bool edge;                   /* edge-triggered (DT flags 1 or 2) rather than level-sensitive */
};

/*
 * The enabled node named by name[0..len): a path if it starts with '/', else the first enabled node (document
 * order) listing it as compatible. Node offset, -E_NOENT, or -E_INVAL (len 0) / -E_NAMETOOLONG.
 */
int dt_device_find(const struct fdt *f, const char *name, size_t len);

/*
 * Decode `node` into *d and apply the kernel's claims: 0; -E_BUSY if the kernel drives it (memory, cpus, timer,
 * PSCI, the interrupt controller) or its pages overlap one of kernel[0..nkernel); -E_INVAL if its reg or interrupts
 * property is malformed. gic_dist is the interrupt controller's distributor base: only interrupts whose parent is
 * that controller are delivered (an interrupt of a GPIO expander, say, is the expander's driver's business).
 */
int dt_device_decode(const struct fdt *f, int node, uint64_t gic_dist, const struct dt_range *kernel, int nkernel,
                     struct dt_device *d);

/* Do the pages of two devices overlap (two drivers must not share a page of registers)? */
bool dt_device_overlap(const struct dt_device *a, const struct dt_device *b);

#endif
