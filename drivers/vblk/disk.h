/* One virtio block device behind /bin/vblk (disk.c): found, brought up, and moved in whole sectors. */
#ifndef VBLK_DISK_H
#define VBLK_DISK_H

#include <wren/blkdev.h>
#include <wren/virtio.h>

#define DISK_SLOTS       8u           /* requests in flight at once, each with its own DMA buffer */
#define DISK_SLOT_BYTES  (32u * 1024) /* data bytes per request */
#define DISK_MAX_SECTORS (DISK_SLOTS * DISK_SLOT_BYTES / BLKDEV_SECTOR) /* one blkdev call: all slots at once */

struct disk {
    struct blkdev blk; /* what blkserve sees; blk.ctx is this disk */
    struct virtio_dev dev;
    struct virtq q;
    struct virtio_dma mem; /* DISK_SLOTS data buffers, then the slots' headers and status bytes */
    uint64_t wanted;       /* the features asked for, again at every restart */
    uint32_t slot_bytes;   /* data bytes per request (DISK_SLOT_BYTES, or less if the device's size_max says so) */
    unsigned slots;        /* requests in flight at most (fewer if the queue is small) */
    unsigned restarts;     /* times the device was reset after a failure */
    char node[64];
};

/* Open the virtio block device at `node`, negotiate and set it up: 0, or a negative E_*. Needs the privilege. */
long disk_open(struct disk *d, const char *node);
void disk_close(struct disk *d);

#endif
