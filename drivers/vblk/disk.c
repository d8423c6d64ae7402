/*
 * The virtio block device (virtio 1.1 §5.2): device ID 2, one queue (requestq, §5.2.2), a configuration space
 * whose first field is the capacity in 512-byte sectors (§5.2.4). Each request is a chain of three buffers
 * (§5.2.6): a device-readable header (type, reserved, sector), the data (device-writable for a read,
 * device-readable for a write, absent for a flush) and a device-writable status byte.
 *
 * Several requests are in flight: a call of up to DISK_MAX_SECTORS is cut into DISK_SLOTS requests of at most
 * slot_bytes each, all put on the ring before one notification, and then all waited for (in whatever order the
 * device uses them). A device that reports an error fails the call with E_IO; one that does not answer in
 * REQUEST_TIMEOUT, or that says it needs a reset, also fails it, and is then reset and brought up again on the
 * same memory (virtio_queue_restart, which needs no privilege), as /bin/rng does.
 */
#include <string.h>
#include <wren/counter.h>
#include <wren/syscalls.h>

#include "disk.h"

#define VIRTIO_BLK_F_SIZE_MAX (1ull << 1) /* §5.2.3: size_max (config offset 8) bounds one segment */
#define VIRTIO_BLK_F_RO       (1ull << 5) /* the device is read-only */
#define VIRTIO_BLK_F_FLUSH    (1ull << 9) /* VIRTIO_BLK_T_FLUSH exists (a write cache to flush) */

#define VIRTIO_BLK_T_IN    0u /* §5.2.6 request types */
#define VIRTIO_BLK_T_OUT   1u
#define VIRTIO_BLK_T_FLUSH 4u
#define VIRTIO_BLK_S_OK    0u /* status byte; IOERR 1, UNSUPP 2 */

#define CFG_CAPACITY 0 /* §5.2.4 struct virtio_blk_config: le64 capacity, le32 size_max, le32 seg_max, ... */
#define CFG_SIZE_MAX 8

#define REQUEST_TIMEOUT 5000000000ll /* 5 s for a whole batch: QEMU answers in microseconds */
#define SLICE           100000000ll  /* the ring is looked at every 100 ms even without an interrupt */
#define POLL_NS         2000000ull   /* how long the ring is watched before sleeping on the interrupt: 2 ms */

struct blk_header { /* §5.2.6: the device-readable part */
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

/* The per-slot header and status, after the data buffers in the DMA memory. */
struct slot_meta {
    struct blk_header h;
    uint8_t status;
    uint8_t pad[15];
};

static struct slot_meta *meta(struct disk *d, unsigned i)
{
    return (struct slot_meta *)((char *)d->mem.virt + DISK_SLOTS * DISK_SLOT_BYTES) + i;
}
static uint64_t meta_phys(struct disk *d, unsigned i)
{
    return d->mem.phys + DISK_SLOTS * DISK_SLOT_BYTES + i * sizeof(struct slot_meta);
}

/* A field of the configuration space, little-endian (§2.4: on a modern device, read until the generation holds;
 * a legacy device has no generation counter, so it is read until two readings agree). */
static uint64_t config_le(struct disk *d, unsigned off, unsigned bytes)
{
    for (int tries = 0;; tries++) {
        uint32_t gen = d->dev.version == 2 ? driver_read32(&d->dev.dev, VIRTIO_MMIO_CONFIG_GEN) : 0;
        uint64_t v = 0, again = 0;
        for (unsigned i = 0; i < bytes; i++)
            v |= (uint64_t)virtio_config8(&d->dev, off + i) << (8 * i);
        for (unsigned i = 0; i < bytes; i++)
            again |= (uint64_t)virtio_config8(&d->dev, off + i) << (8 * i);
        uint32_t gen2 = d->dev.version == 2 ? driver_read32(&d->dev.dev, VIRTIO_MMIO_CONFIG_GEN) : 0;
        if ((gen == gen2 && v == again) || tries == 16)
            return v;
    }
}

/*
 * Watch the used ring for up to POLL_NS before going to sleep on the interrupt, yielding the CPU between looks (so
 * a runnable process loses nothing: the watch only fills time the CPU would idle). A device that answers within
 * that (QEMU's, for a read of a few pages, in microseconds) costs no sleep and wake-up. It matters most under
 * -icount (tools/bench.py), where an idle guest's clock jumps straight to its next timer (the 100 ms slice) while
 * QEMU's I/O thread is still reading the image: without the watch, most requests would seem to take 100 ms.
 */
static int poll_used(struct disk *d)
{
    uint64_t hz = wren_counter_hz(), t0 = wren_counter();
    uint64_t ticks = hz ? POLL_NS * hz / 1000000000ull + 1 : 1;
    while (wren_counter() - t0 < ticks) {
        if (d->q.used->idx != d->q.last_used)
            return 1;
        wren_yield();
    }
    return 0;
}

/* Reset the device and give it the same queue again, after a failure. */
static void restart(struct disk *d)
{
    d->restarts++;
    long r = virtio_negotiate(&d->dev, d->wanted);
    if (r == 0)
        r = virtio_queue_restart(&d->dev, &d->q);
    if (r < 0) {
        virtio_fail(&d->dev);
        return;
    }
    virtio_driver_ok(&d->dev);
}

/*
 * Put n requests (slot i: type, sector, bytes[i] of data in slot i's buffer) on the ring, notify once, and wait
 * for every one: 0, or E_IO (a device error, a confused device, no answer in time: then it is restarted).
 */
static long run(struct disk *d, uint32_t type, uint64_t sector, unsigned n, const uint32_t *bytes)
{
    long head[DISK_SLOTS];
    unsigned pending = 0;
    for (unsigned i = 0; i < n; i++) {
        struct slot_meta *m = meta(d, i);
        m->h = (struct blk_header){.type = type, .sector = sector};
        m->status = 0xff; /* not a status the device gives: a request it never finished is not taken for done */
        struct virtq_buf b[3];
        unsigned k = 0;
        b[k++] = (struct virtq_buf){.phys = meta_phys(d, i), .len = sizeof(struct blk_header)};
        if (bytes[i])
            b[k++] = (struct virtq_buf){
                .phys = d->mem.phys + i * DISK_SLOT_BYTES, .len = bytes[i], .write = type == VIRTIO_BLK_T_IN};
        b[k++] = (struct virtq_buf){.phys = meta_phys(d, i) + offsetof(struct slot_meta, status), .len = 1, .write = 1};
        head[i] = virtq_add(&d->q, b, k);
        if (head[i] < 0)
            goto fail; /* the ring has room for every slot (disk_open checked): the device is confused */
        pending++;
        sector += bytes[i] / BLKDEV_SECTOR;
    }
    virtq_kick(&d->dev, &d->q);
    for (int64_t waited = 0; pending;) {
        uint32_t len;
        long id = virtq_get_used(&d->q, &len);
        if (id >= 0) {
            unsigned i = 0;
            while (i < n && head[i] != id)
                i++;
            if (i == n)
                goto fail; /* a chain this call did not give */
            head[i] = -1;
            pending--;
            if (meta(d, i)->status != VIRTIO_BLK_S_OK)
                goto fail;
            continue;
        }
        if (id != -E_AGAIN || (virtio_status(&d->dev) & VIRTIO_STATUS_NEEDS_RESET) || waited >= REQUEST_TIMEOUT)
            goto fail;
        if (poll_used(d))
            continue;
        long fired = driver_irq_wait(&d->dev.dev, SLICE);
        if (fired > 0)
            virtio_irq_ack(&d->dev);
        else if (fired != -E_TIMEDOUT)
            goto fail;
        waited += SLICE;
    }
    return 0;
fail:
    restart(d); /* also forgets every request still on the ring (the queue comes back empty) */
    return -E_IO;
}

/* Cut n sectors at lba into slot-sized requests, run them, and copy out/in through the slots' buffers. */
static long transfer(struct disk *d, uint32_t type, uint64_t lba, uint32_t n, char *buf, const char *src)
{
    uint32_t bytes[DISK_SLOTS];
    uint64_t total = (uint64_t)n * BLKDEV_SECTOR;
    while (total) {
        unsigned k = 0;
        uint64_t batch = 0;
        for (; k < d->slots && total > batch; k++) {
            uint64_t left = total - batch;
            bytes[k] = left < d->slot_bytes ? (uint32_t)left : d->slot_bytes;
            if (src)
                memcpy((char *)d->mem.virt + k * DISK_SLOT_BYTES, src + batch, bytes[k]);
            batch += bytes[k];
        }
        long r = run(d, type, lba, k, bytes);
        if (r < 0)
            return r;
        if (buf)
            for (unsigned i = 0, off = 0; i < k; off += bytes[i], i++)
                memcpy(buf + off, (char *)d->mem.virt + i * DISK_SLOT_BYTES, bytes[i]);
        lba += batch / BLKDEV_SECTOR;
        total -= batch;
        if (buf)
            buf += batch;
        if (src)
            src += batch;
    }
    return 0;
}

static long disk_read(struct blkdev *b, uint64_t lba, uint32_t n, void *buf)
{
    return transfer(b->ctx, VIRTIO_BLK_T_IN, lba, n, buf, NULL);
}

static long disk_write(struct blkdev *b, uint64_t lba, uint32_t n, const void *buf)
{
    if (b->read_only)
        return -E_ROFS;
    return transfer(b->ctx, VIRTIO_BLK_T_OUT, lba, n, NULL, buf);
}

static long disk_flush(struct blkdev *b)
{
    uint32_t none = 0;
    return run(b->ctx, VIRTIO_BLK_T_FLUSH, 0, 1, &none);
}

long disk_open(struct disk *d, const char *node)
{
    memset(d, 0, sizeof(*d));
    d->mem.handle = -1;
    d->q.mem.handle = -1;
    long r = virtio_open(&d->dev, node);
    if (r < 0)
        return r;
    if (d->dev.device_id != VIRTIO_ID_BLOCK) {
        virtio_close(&d->dev, NULL);
        return -E_NOENT;
    }
    d->wanted = VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_RO | VIRTIO_BLK_F_FLUSH;
    if ((r = virtio_negotiate(&d->dev, d->wanted)) < 0 || (r = virtio_queue_setup(&d->dev, &d->q, 0, 64)) < 0 ||
        (r = virtio_irq_claim(&d->dev)) < 0 ||
        (r = virtio_dma_alloc(&d->mem, DISK_SLOTS * DISK_SLOT_BYTES + DISK_SLOTS * sizeof(struct slot_meta))) < 0)
        goto fail;
    d->slots = d->q.size / 3 < DISK_SLOTS ? d->q.size / 3 : DISK_SLOTS; /* three descriptors per request */
    d->slot_bytes = DISK_SLOT_BYTES;
    if (d->dev.features & VIRTIO_BLK_F_SIZE_MAX) {
        uint32_t max = (uint32_t)config_le(d, CFG_SIZE_MAX, 4) & ~(BLKDEV_SECTOR - 1);
        if (max && max < d->slot_bytes)
            d->slot_bytes = max;
    }
    if (d->slots == 0) {
        r = -E_NOTSUP;
        goto fail;
    }
    memcpy(d->node, node, strlen(node) < sizeof(d->node) ? strlen(node) + 1 : 0);
    d->blk = (struct blkdev){
        .name = "vblk",
        .sectors = config_le(d, CFG_CAPACITY, 8),
        .max_sectors = DISK_MAX_SECTORS,
        .read_only = (d->dev.features & VIRTIO_BLK_F_RO) != 0,
        .ctx = d,
        .read = disk_read,
        .write = disk_write,
        .flush = (d->dev.features & VIRTIO_BLK_F_FLUSH) ? disk_flush : NULL,
    };
    virtio_driver_ok(&d->dev);
    return 0;
fail:
    virtio_fail(&d->dev);
    disk_close(d);
    return r;
}

void disk_close(struct disk *d)
{
    virtio_dma_free(&d->mem);
    virtio_close(&d->dev, &d->q);
}
