/*
 * Virtio over MMIO for user-space drivers (drivers/lib/virtio_*.c): find a device by its virtio device ID through
 * the device tree, bring it up (reset, status handshake, feature negotiation), give it split virtqueues in DMA
 * memory, and take its interrupts through <wren/driver.h>. Both transports QEMU `virt` offers are handled: the
 * legacy one (Version 1, QEMU's default) and the modern one (Version 2, `-global virtio-mmio.force-legacy=false`).
 *
 * Spec references are to "Virtual I/O Device (VIRTIO) Version 1.1" (OASIS, 2019), cited as §n:
 *   §2.1 device status field, §2.2 feature bits, §2.6 split virtqueues (§2.6.2 the legacy layout and its alignment),
 *   §3.1.1 driver initialisation order, §4.2.2 the MMIO register layout, §4.2.3 MMIO initialisation, §4.2.4 the
 *   legacy MMIO interface, §5.4 the entropy device, §6 reserved feature bits.
 *
 * One process, one thread: nothing here locks. Functions return 0 (or a count) or a negative E_* code.
 */
#ifndef WREN_VIRTIO_H
#define WREN_VIRTIO_H

#include <stddef.h>
#include <stdint.h>
#include <wren/driver.h>

/* §4.2.2: the registers, at byte offsets from the transport's base. "Legacy" ones exist only in Version 1. */
#define VIRTIO_MMIO_MAGIC            0x000 /* reads 0x74726976, "virt" little-endian */
#define VIRTIO_MMIO_VERSION          0x004 /* 1 legacy, 2 modern */
#define VIRTIO_MMIO_DEVICE_ID        0x008 /* 0: no device behind this transport (§4.2.3.1.1) */
#define VIRTIO_MMIO_VENDOR_ID        0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES  0x010 /* the 32 bits DeviceFeaturesSel picks */
#define VIRTIO_MMIO_DEVICE_FEAT_SEL  0x014
#define VIRTIO_MMIO_DRIVER_FEATURES  0x020
#define VIRTIO_MMIO_DRIVER_FEAT_SEL  0x024
#define VIRTIO_MMIO_GUEST_PAGE_SIZE  0x028 /* legacy (§4.2.4) */
#define VIRTIO_MMIO_QUEUE_SEL        0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX    0x034 /* 0: the selected queue does not exist */
#define VIRTIO_MMIO_QUEUE_NUM        0x038
#define VIRTIO_MMIO_QUEUE_ALIGN      0x03c /* legacy: alignment of the used ring */
#define VIRTIO_MMIO_QUEUE_PFN        0x040 /* legacy: the queue's guest page number; 0 stops it */
#define VIRTIO_MMIO_QUEUE_READY      0x044 /* modern */
#define VIRTIO_MMIO_QUEUE_NOTIFY     0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK    0x064
#define VIRTIO_MMIO_STATUS           0x070 /* writing 0 resets the device */
#define VIRTIO_MMIO_QUEUE_DESC_LOW   0x080 /* modern: the three parts' 64-bit physical addresses */
#define VIRTIO_MMIO_QUEUE_DESC_HIGH  0x084
#define VIRTIO_MMIO_QUEUE_AVAIL_LOW  0x090
#define VIRTIO_MMIO_QUEUE_AVAIL_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_USED_LOW   0x0a0
#define VIRTIO_MMIO_QUEUE_USED_HIGH  0x0a4
#define VIRTIO_MMIO_CONFIG_GEN       0x0fc /* modern */
#define VIRTIO_MMIO_CONFIG           0x100 /* the device-specific configuration space */

#define VIRTIO_MMIO_MAGIC_VALUE 0x74726976u
#define VIRTIO_MMIO_MIN_SIZE    0x100u /* registers the transport must cover before the configuration space */

/* §2.1: device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER      2u
#define VIRTIO_STATUS_DRIVER_OK   4u
#define VIRTIO_STATUS_FEATURES_OK 8u /* modern only: legacy devices have no such step (§3.1.2) */
#define VIRTIO_STATUS_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED      128u

/* §4.2.2: InterruptStatus bits. */
#define VIRTIO_INT_USED   1u /* a buffer was used in some queue */
#define VIRTIO_INT_CONFIG 2u /* the configuration space changed */

/* §6: the transport-independent feature bits this library knows. */
#define VIRTIO_F_VERSION_1 (1ull << 32) /* the device is modern; a modern driver must accept it */

/* §5: device IDs. */
#define VIRTIO_ID_NET     1
#define VIRTIO_ID_BLOCK   2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_ENTROPY 4

/* §2.6.5: one descriptor of the table. */
struct virtq_desc {
    uint64_t addr; /* physical address of the buffer */
    uint32_t len;
    uint16_t flags; /* VIRTQ_DESC_F_* */
    uint16_t next;  /* the chain's next descriptor, with VIRTQ_DESC_F_NEXT */
};
#define VIRTQ_DESC_F_NEXT  1u
#define VIRTQ_DESC_F_WRITE 2u /* the device writes the buffer (otherwise it reads it) */

/* §2.6.6 and §2.6.8: the driver's (available) and the device's (used) rings, each followed by its ring entries. */
struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[];
};
struct virtq_used_elem {
    uint32_t id;  /* head of the chain the device used */
    uint32_t len; /* bytes it wrote into the chain's device-writable buffers */
};
struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[];
};

#define VIRTQ_MAX_SIZE 256 /* queue sizes this library uses at most (a power of 2, §2.6) */

/* DMA memory (dma_create): contiguous pages a device reaches at `phys`, mapped at `virt`. */
struct virtio_dma {
    wren_handle_t handle; /* -1 when not allocated */
    void *virt;
    uint64_t phys;
    size_t size; /* bytes, whole pages */
};

/* One split virtqueue, in one DMA allocation: descriptors, available ring, then (aligned) the used ring. */
struct virtq {
    unsigned index; /* the device's queue number */
    unsigned size;  /* descriptors, a power of 2 */
    struct virtio_dma mem;
    volatile struct virtq_desc *desc;
    volatile struct virtq_avail *avail;
    volatile struct virtq_used *used;
    uint16_t free_head; /* first free descriptor; free ones are chained through `next` */
    uint16_t num_free;
    uint16_t last_used;                 /* the used ring's idx this driver has consumed up to */
    uint16_t chain_len[VIRTQ_MAX_SIZE]; /* descriptors in the chain headed by each descriptor, to free it */
};

/* A virtio device behind an MMIO transport. */
struct virtio_dev {
    struct driver_device dev; /* <wren/driver.h>: handle, registers, interrupt */
    uint32_t version;         /* 1 legacy, 2 modern */
    uint32_t device_id;
    uint64_t features; /* what was negotiated (virtio_negotiate) */
};

/* DMA memory of at least `size` bytes, zeroed and mapped read-write. Needs the system privilege (E_PERM). */
long virtio_dma_alloc(struct virtio_dma *m, size_t size);
void virtio_dma_free(struct virtio_dma *m);

/*
 * Open the transport at device-tree node `node` ("/virtio_mmio@a003e00"), map it and check it (§4.2.3.1.1): the
 * magic value and a version of 1 or 2 (else E_NOTSUP), a device behind it (device ID 0: E_NOENT), and
 * registers large enough. The device is left as it was found.
 */
long virtio_open(struct virtio_dev *v, const char *node);
/*
 * Find the first transport whose device has ID `device_id` and open it (virtio_open): the device tree's
 * "virtio,mmio" nodes are tried in turn, each opened, checked and closed again unless it is the one. E_NOENT if none
 * has such a device; `node`, if not NULL, receives the node's path (up to `node_size` bytes with the NUL).
 */
long virtio_find(struct virtio_dev *v, uint32_t device_id, char *node, size_t node_size);
/* Reset the device (status 0), waiting until it reads back 0 (§4.2.2: the reset may take time). */
long virtio_reset(struct virtio_dev *v);
/*
 * §3.1.1 steps 1-6: reset, ACKNOWLEDGE, DRIVER, read the device's features, accept `wanted` & offered (plus
 * VERSION_1 on a modern device, which requires it), and on a modern device set FEATURES_OK and check the device
 * kept it (E_NOTSUP if not, with FAILED set). v->features holds the result.
 */
long virtio_negotiate(struct virtio_dev *v, uint64_t wanted);
/* Set up queue `index` with at most `size` descriptors (§4.2.3.2, legacy §4.2.4): E_NOENT if it does not exist. */
long virtio_queue_setup(struct virtio_dev *v, struct virtq *q, unsigned index, unsigned size);
/*
 * Give queue q (set up before, on this device) to the device again, empty, after a reset and virtio_negotiate: the
 * way back from a device failure that needs no new memory (so it works after the driver gave up its privilege).
 */
long virtio_queue_restart(struct virtio_dev *v, struct virtq *q);
/* §3.1.1 step 8: DRIVER_OK, the device is live. */
void virtio_driver_ok(struct virtio_dev *v);
/* Tell the device the driver gave up on it (FAILED). */
void virtio_fail(struct virtio_dev *v);
/* Reset the device, free the queue's memory (if q is not NULL) and close everything. */
void virtio_close(struct virtio_dev *v, struct virtq *q);
/* Status register, and the device-specific configuration space's byte `off`. */
uint32_t virtio_status(struct virtio_dev *v);
uint8_t virtio_config8(struct virtio_dev *v, unsigned off);

/*
 * Take the transport's interrupt on an event queue (driver_irq_claim), and after it fired: read InterruptStatus,
 * acknowledge those bits at the device, then unmask the line (driver_irq_ack). Returns the VIRTIO_INT_* bits seen.
 */
long virtio_irq_claim(struct virtio_dev *v);
uint32_t virtio_irq_ack(struct virtio_dev *v);

/* A buffer of a chain: its physical address and length; `write` if the device writes it. */
struct virtq_buf {
    uint64_t phys;
    uint32_t len;
    int write;
};
/*
 * Put the chain bufs[0..n) (device-readable ones first, §2.6.4.2) on the available ring: its head descriptor, or
 * E_AGAIN if fewer than n descriptors are free, E_INVAL for n 0 or more than the queue holds.
 */
long virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n);
/* Tell the device queue q has new buffers (QueueNotify). */
void virtq_kick(struct virtio_dev *v, struct virtq *q);
/* Take one used chain off the used ring, freeing its descriptors: its head (*len: bytes written), or E_AGAIN. */
long virtq_get_used(struct virtq *q, uint32_t *len);
/*
 * Wait until the chain with head `head` is used, up to timeout_ns in all, taking interrupts (and polling the ring
 * each time, so an interrupt that is missed costs a timeout slice, never a hang): bytes written, or E_TIMEDOUT,
 * or E_IO if the device asks for a reset (NEEDS_RESET) or uses another chain (one request is in flight at a time).
 */
long virtq_wait(struct virtio_dev *v, struct virtq *q, long head, int64_t timeout_ns);

#endif
