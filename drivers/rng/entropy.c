/*
 * The virtio entropy device (virtio 1.1 §5.4): device ID 4, no feature bits (§5.4.3), no configuration space
 * (§5.4.4), one virtqueue, requestq (§5.4.2). The driver places device-writable buffers on it; the device fills
 * each with random bytes and says how many in the used element's length (§5.4.6), which may be fewer than asked.
 */
#include <string.h>
#include <wren/syscalls.h>

#include "entropy.h"

#define REQUEST_TIMEOUT 2000000000ll /* 2 s: QEMU answers at once (its default backend is the host's getrandom) */

long entropy_open(struct entropy *e)
{
    memset(e, 0, sizeof(*e));
    e->buf.handle = -1;
    long r = virtio_find(&e->dev, VIRTIO_ID_ENTROPY, e->node, sizeof(e->node));
    if (r < 0)
        return r;
    if ((r = virtio_negotiate(&e->dev, 0)) < 0 || (r = virtio_queue_setup(&e->dev, &e->q, 0, 8)) < 0 ||
        (r = virtio_irq_claim(&e->dev)) < 0 || (r = virtio_dma_alloc(&e->buf, ENTROPY_CHUNK)) < 0) {
        virtio_fail(&e->dev);
        entropy_close(e);
        return r;
    }
    virtio_driver_ok(&e->dev);
    return 0;
}

long entropy_read(struct entropy *e, void *buf, size_t len)
{
    size_t done = 0;
    int empty = 0;
    while (done < len) {
        size_t want = len - done < ENTROPY_CHUNK ? len - done : ENTROPY_CHUNK;
        struct virtq_buf b = {.phys = e->buf.phys, .len = (uint32_t)want, .write = 1};
        long head = virtq_add(&e->q, &b, 1);
        if (head < 0)
            return head;
        virtq_kick(&e->dev, &e->q);
        long n = virtq_wait(&e->dev, &e->q, head, REQUEST_TIMEOUT);
        if (n < 0)
            return n;
        if ((size_t)n > want)
            return -E_IO; /* it claims to have written more than it was given: believe none of it */
        if (n == 0 && ++empty == 8)
            return -E_IO; /* a device that keeps answering with nothing would hold the caller for ever */
        memcpy((char *)buf + done, e->buf.virt, (size_t)n);
        done += (size_t)n;
    }
    return (long)done;
}

long entropy_restart(struct entropy *e)
{
    long r = virtio_negotiate(&e->dev, 0);
    if (r == 0)
        r = virtio_queue_restart(&e->dev, &e->q);
    if (r < 0) {
        virtio_fail(&e->dev);
        return r;
    }
    virtio_driver_ok(&e->dev);
    return 0;
}

void entropy_close(struct entropy *e)
{
    virtio_dma_free(&e->buf);
    virtio_close(&e->dev, &e->q);
}
