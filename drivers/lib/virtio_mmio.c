/*
 * The virtio-mmio transport (<wren/virtio.h>): checking a transport, the status handshake, feature negotiation,
 * queue setup in both the legacy (Version 1) and modern (Version 2) register sets, and the interrupt.
 */
#include <string.h>
#include <wren/syscalls.h>
#include <wren/virtio.h>

#define RESET_POLLS 100000 /* reads of Status before a reset counts as failed (QEMU's completes at once) */

static uint32_t rd(struct virtio_dev *v, unsigned off)
{
    return driver_read32(&v->dev, off);
}

static void wr(struct virtio_dev *v, unsigned off, uint32_t value)
{
    driver_write32(&v->dev, off, value);
}

uint32_t virtio_status(struct virtio_dev *v)
{
    return rd(v, VIRTIO_MMIO_STATUS);
}

static void add_status(struct virtio_dev *v, uint32_t bits)
{
    /* §2.1: the driver only ever adds bits (until a reset); read back so a bit the device dropped stays dropped. */
    wr(v, VIRTIO_MMIO_STATUS, rd(v, VIRTIO_MMIO_STATUS) | bits);
}

long virtio_open(struct virtio_dev *v, const char *node)
{
    *v = (struct virtio_dev){.dev = {.handle = -1, .queue = -1}};
    long r = driver_open(&v->dev, node);
    if (r < 0)
        return r;
    if (v->dev.info.size < VIRTIO_MMIO_MIN_SIZE) {
        driver_close(&v->dev);
        return -E_INVAL; /* too small for the registers of §4.2.2: not a transport we can drive */
    }
    r = driver_map(&v->dev);
    if (r < 0) {
        driver_close(&v->dev);
        return r;
    }
    /* §4.2.3.1.1: the driver MUST ignore a device whose MagicValue is not "virt" or whose Version it does not know,
     * and one whose DeviceID is 0 (a placeholder transport with nothing behind it). */
    uint32_t magic = rd(v, VIRTIO_MMIO_MAGIC), version = rd(v, VIRTIO_MMIO_VERSION);
    uint32_t id = rd(v, VIRTIO_MMIO_DEVICE_ID);
    if (magic != VIRTIO_MMIO_MAGIC_VALUE || (version != 1 && version != 2))
        r = -E_NOTSUP;
    else if (id == 0)
        r = -E_NOENT;
    if (r < 0) {
        driver_close(&v->dev);
        return r;
    }
    v->version = version;
    v->device_id = id;
    return 0;
}

long virtio_reset(struct virtio_dev *v)
{
    wr(v, VIRTIO_MMIO_STATUS, 0);
    /* §4.2.2 (Status): after writing 0 the driver waits until it reads 0 before it reinitialises the device. */
    for (int i = 0; i < RESET_POLLS; i++)
        if (rd(v, VIRTIO_MMIO_STATUS) == 0)
            return 0;
    return -E_IO;
}

static uint64_t device_features(struct virtio_dev *v)
{
    wr(v, VIRTIO_MMIO_DEVICE_FEAT_SEL, 0);
    uint64_t f = rd(v, VIRTIO_MMIO_DEVICE_FEATURES);
    if (v->version == 1)
        return f; /* §4.2.4: a legacy device offers 32 feature bits only */
    wr(v, VIRTIO_MMIO_DEVICE_FEAT_SEL, 1);
    return f | (uint64_t)rd(v, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
}

static void driver_features(struct virtio_dev *v, uint64_t f)
{
    wr(v, VIRTIO_MMIO_DRIVER_FEAT_SEL, 0);
    wr(v, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
    if (v->version == 1)
        return;
    wr(v, VIRTIO_MMIO_DRIVER_FEAT_SEL, 1);
    wr(v, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
}

long virtio_negotiate(struct virtio_dev *v, uint64_t wanted)
{
    /* §3.1.1: 1 reset, 2 ACKNOWLEDGE (a driver noticed the device), 3 DRIVER (it knows how to drive it). */
    long r = virtio_reset(v);
    if (r < 0)
        return r;
    add_status(v, VIRTIO_STATUS_ACKNOWLEDGE);
    add_status(v, VIRTIO_STATUS_DRIVER);
    /* 4: read the device's features and write the subset understood. */
    uint64_t offered = device_features(v), accept = wanted & offered;
    if (v->version == 2) {
        /* §6.1: a modern device offers VERSION_1 and a driver MUST accept it; one that does not is broken. */
        if (!(offered & VIRTIO_F_VERSION_1)) {
            virtio_fail(v);
            return -E_NOTSUP;
        }
        accept |= VIRTIO_F_VERSION_1;
    } else {
        accept &= 0xffffffffu;
    }
    driver_features(v, accept);
    v->features = accept;
    if (v->version == 1)
        return 0; /* §3.1.2: legacy devices have no FEATURES_OK step; they take what is written */
    /* 5 FEATURES_OK, 6 re-read it: a device that clears it does not support this subset. */
    add_status(v, VIRTIO_STATUS_FEATURES_OK);
    if (!(rd(v, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
        virtio_fail(v);
        return -E_NOTSUP;
    }
    return 0;
}

/* §2.6.2: the queue's three parts, in one allocation laid out as the legacy interface requires (which the modern
 * one accepts too: it only needs desc aligned to 16, avail to 2, used to 4). */
static size_t avail_bytes(unsigned n)
{
    return 6 + 2 * (size_t)n; /* flags, idx, ring[n], used_event */
}

static size_t used_offset(unsigned n)
{
    size_t end = 16 * (size_t)n + avail_bytes(n);
    return (end + 4095) & ~(size_t)4095; /* QueueAlign: one page */
}

static size_t queue_bytes(unsigned n)
{
    return used_offset(n) + ((6 + 8 * (size_t)n + 4095) & ~(size_t)4095);
}

long virtio_queue_setup(struct virtio_dev *v, struct virtq *q, unsigned index, unsigned size)
{
    *q = (struct virtq){.index = index, .mem = {.handle = -1}};
    if (size == 0 || size > VIRTQ_MAX_SIZE)
        return -E_INVAL;
    wr(v, VIRTIO_MMIO_QUEUE_SEL, index);
    /* §4.2.3.2: the queue must not be in use already (QueuePFN / QueueReady 0), and exists if QueueNumMax != 0. */
    if (rd(v, v->version == 1 ? VIRTIO_MMIO_QUEUE_PFN : VIRTIO_MMIO_QUEUE_READY) != 0)
        return -E_BUSY;
    uint32_t max = rd(v, VIRTIO_MMIO_QUEUE_NUM_MAX);
    if (max == 0)
        return -E_NOENT;
    /* A power of 2 no larger than either limit (§2.6: a split queue's size is a power of 2). */
    unsigned n = 1;
    while (n * 2 <= size && n * 2 <= max)
        n *= 2;
    long r = virtio_dma_alloc(&q->mem, queue_bytes(n));
    if (r < 0)
        return r;
    q->size = n;
    q->desc = (volatile struct virtq_desc *)q->mem.virt;
    q->avail = (volatile struct virtq_avail *)((char *)q->mem.virt + 16 * (size_t)n);
    q->used = (volatile struct virtq_used *)((char *)q->mem.virt + used_offset(n));
    r = virtio_queue_restart(v, q);
    if (r < 0)
        virtio_dma_free(&q->mem);
    return r;
}

long virtio_queue_restart(struct virtio_dev *v, struct virtq *q)
{
    unsigned n = q->size;
    memset(q->mem.virt, 0, q->mem.size); /* empty rings, indices 0: as a freshly reset device expects */
    for (unsigned i = 0; i < n; i++)
        q->desc[i].next = (uint16_t)(i + 1); /* every descriptor free, chained in order */
    q->free_head = 0;
    q->num_free = (uint16_t)n;
    q->last_used = 0;
    memset(q->chain_len, 0, sizeof(q->chain_len));

    wr(v, VIRTIO_MMIO_QUEUE_SEL, q->index);
    wr(v, VIRTIO_MMIO_QUEUE_NUM, n);
    uint64_t pa = q->mem.phys;
    if (v->version == 1) {
        /* §4.2.4: the page size the PFN counts in, the used ring's alignment, then the PFN itself. */
        if ((pa >> 12) > UINT32_MAX)
            return -E_NOTSUP; /* beyond what a 32-bit page number reaches (16 TiB): not on these machines */
        wr(v, VIRTIO_MMIO_GUEST_PAGE_SIZE, 4096);
        wr(v, VIRTIO_MMIO_QUEUE_ALIGN, 4096);
        driver_dma_barrier(); /* the zeroed rings before the device learns where they are */
        wr(v, VIRTIO_MMIO_QUEUE_PFN, (uint32_t)(pa >> 12));
    } else {
        uint64_t avail = pa + 16 * (uint64_t)n, used = pa + used_offset(n);
        wr(v, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)pa);
        wr(v, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(pa >> 32));
        wr(v, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
        wr(v, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(avail >> 32));
        wr(v, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
        wr(v, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(used >> 32));
        driver_dma_barrier();
        wr(v, VIRTIO_MMIO_QUEUE_READY, 1);
    }
    return 0;
}

void virtio_driver_ok(struct virtio_dev *v)
{
    driver_dma_barrier(); /* the queues' memory before the device goes live */
    add_status(v, VIRTIO_STATUS_DRIVER_OK);
}

void virtio_fail(struct virtio_dev *v)
{
    add_status(v, VIRTIO_STATUS_FAILED);
}

uint8_t virtio_config8(struct virtio_dev *v, unsigned off)
{
    /* The configuration space is read a byte at a time here: every transport allows byte reads (§4.2.2). */
    volatile uint8_t *cfg = (volatile uint8_t *)v->dev.regs + VIRTIO_MMIO_CONFIG;
    return cfg[off];
}

void virtio_close(struct virtio_dev *v, struct virtq *q)
{
    if (v->dev.regs)
        virtio_reset(v); /* the device stops using the queue's memory before it is freed */
    if (q)
        virtio_dma_free(&q->mem);
    driver_close(&v->dev);
}

long virtio_irq_claim(struct virtio_dev *v)
{
    return driver_irq_claim(&v->dev);
}

uint32_t virtio_irq_ack(struct virtio_dev *v)
{
    /* §4.2.2: InterruptStatus says why; writing the same bits to InterruptACK lowers the line. Then unmask it at the
     * interrupt controller (the kernel masked it when it fired). */
    uint32_t st = rd(v, VIRTIO_MMIO_INTERRUPT_STATUS);
    if (st)
        wr(v, VIRTIO_MMIO_INTERRUPT_ACK, st);
    driver_irq_ack(&v->dev);
    return st;
}
