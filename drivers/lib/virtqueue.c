/*
 * Split virtqueues (<wren/virtio.h>, §2.6): the driver's side of the descriptor table and the two rings.
 *
 * The device reads the table and the available ring, and writes the used ring, by DMA: so every store the device
 * must see comes before a driver_dma_barrier and then the store (avail->idx, QueueNotify) that makes it visible,
 * and every read of what the device wrote comes after seeing used->idx move and a barrier (§2.6.13, "Supplying
 * Buffers to The Device", and §2.6.14, "Receiving Used Buffers From The Device").
 */
#include <wren/syscalls.h>
#include <wren/virtio.h>

long virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n)
{
    if (n == 0 || n > q->size)
        return -E_INVAL;
    if (n > q->num_free)
        return -E_AGAIN;
    uint16_t head = q->free_head, d = head;
    for (unsigned i = 0; i < n; i++) {
        volatile struct virtq_desc *e = &q->desc[d];
        uint16_t next = e->next; /* the free chain's next, before this one is rewritten */
        e->addr = bufs[i].phys;
        e->len = bufs[i].len;
        e->flags = (uint16_t)((bufs[i].write ? VIRTQ_DESC_F_WRITE : 0) | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
        if (i + 1 < n)
            e->next = next;
        d = next;
    }
    q->free_head = d;
    q->num_free = (uint16_t)(q->num_free - n);
    q->chain_len[head] = (uint16_t)n;
    /* §2.6.13.2: the head goes into the next ring slot; §2.6.13.3: the slot before the index that publishes it. */
    uint16_t idx = q->avail->idx;
    q->avail->ring[idx & (q->size - 1)] = head;
    driver_dma_barrier();
    q->avail->idx = (uint16_t)(idx + 1); /* wraps at 2^16, as the device's counter does (§2.6.6) */
    return head;
}

void virtq_kick(struct virtio_dev *v, struct virtq *q)
{
    driver_dma_barrier(); /* §2.6.13.4: the index update before the notification */
    driver_write32(&v->dev, VIRTIO_MMIO_QUEUE_NOTIFY, q->index);
}

/* Give the chain headed by `head` back to the free list. */
static void free_chain(struct virtq *q, uint16_t head)
{
    uint16_t n = q->chain_len[head], last = head;
    for (uint16_t i = 1; i < n; i++)
        last = q->desc[last].next;
    q->desc[last].next = q->free_head;
    q->free_head = head;
    q->num_free = (uint16_t)(q->num_free + n);
    q->chain_len[head] = 0;
}

long virtq_get_used(struct virtq *q, uint32_t *len)
{
    if (q->used->idx == q->last_used)
        return -E_AGAIN;
    driver_dma_barrier(); /* the device's ring entry (and the data it wrote) after its index */
    volatile struct virtq_used_elem *e = &q->used->ring[q->last_used & (q->size - 1)];
    uint32_t id = e->id, written = e->len;
    q->last_used++;
    /* A chain the driver never gave (or gave back already) means the device is confused: do not free it. */
    if (id >= q->size || q->chain_len[id] == 0)
        return -E_IO;
    free_chain(q, (uint16_t)id);
    if (len)
        *len = written;
    return id;
}

long virtq_wait(struct virtio_dev *v, struct virtq *q, long head, int64_t timeout_ns)
{
    const int64_t slice = 100000000; /* 100 ms: the ring is looked at this often even if no interrupt comes */
    for (int64_t waited = 0;;) {
        uint32_t len;
        long id = virtq_get_used(q, &len);
        if (id == head)
            return len;
        if (id >= 0 || id == -E_IO)
            return -E_IO; /* one request at a time: any other chain is one the device made up */
        if (virtio_status(v) & VIRTIO_STATUS_NEEDS_RESET)
            return -E_IO;
        if (waited >= timeout_ns)
            return -E_TIMEDOUT;
        int64_t t = timeout_ns - waited < slice ? timeout_ns - waited : slice;
        long fired = driver_irq_wait(&v->dev, t);
        if (fired > 0)
            virtio_irq_ack(v);
        else if (fired != -E_TIMEDOUT)
            return fired;
        waited += t; /* an interrupt counts as a whole slice: a device that interrupts without using ends too */
    }
}
