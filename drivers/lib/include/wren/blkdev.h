/*
 * A block device as its driver describes it to the layer that serves it (drivers/lib/blkserve.c): the scheme
 * `disk`, with /scheme/disk/<n> for each whole device and /scheme/disk/<n>p<k> for its partitions (MBR and GPT,
 * parsed by drivers/lib/partition.c). Every driver of a block device (virtio-blk, mtk-msdc) fills one of these and
 * calls blkdev_serve; the partition table, the scheme protocol and the checks on what clients ask are done once,
 * there, and a driver sees only whole sectors inside its device.
 */
#ifndef WREN_BLKDEV_H
#define WREN_BLKDEV_H

#include <stdbool.h>
#include <stdint.h>

#define BLKDEV_SECTOR 512u /* the unit of every lba and count below */

struct blkdev {
    const char *name;     /* what the driver is ("virtio-blk", "mtk-msdc"), for messages */
    uint64_t sectors;     /* the device's size */
    uint32_t max_sectors; /* the most one read or write call may move (blkserve splits larger requests) */
    bool read_only;       /* writes are refused with E_ROFS */
    void *ctx;            /* the driver's own */
    /*
     * Move n (1..max_sectors) sectors at lba (lba + n <= sectors, which blkserve has checked) to or from buf, which
     * has no particular alignment: 0 when done, or a negative E_* code (E_IO for a device error or a timeout).
     */
    long (*read)(struct blkdev *d, uint64_t lba, uint32_t n, void *buf);
    long (*write)(struct blkdev *d, uint64_t lba, uint32_t n, const void *buf);
    /* Make every completed write durable (a cache flush); 0 or a negative E_* code. NULL: nothing to do. */
    long (*flush)(struct blkdev *d);
};

/*
 * Serve devs[0..n) (n >= 1, at most BLKDEV_MAX) as scheme `scheme` (drivers/lib/blkserve.c; drivers/README.md,
 * "The disk scheme"): read each device's partition table, register the scheme (which needs the system privilege),
 * give the privilege up (wren_port_drop_privilege: the driver's devices, mappings and DMA memory keep working) and
 * answer requests for ever. Returns only on failure: a negative E_* code (E_PERM: no privilege; E_BUSY: the name
 * is taken).
 */
#define BLKDEV_MAX 16u
long blkdev_serve(const char *scheme, struct blkdev **devs, unsigned n);

#endif
