/* The virtio entropy device behind /bin/rng (entropy.c): found through the device tree, brought up, read. */
#ifndef RNG_ENTROPY_H
#define RNG_ENTROPY_H

#include <stddef.h>
#include <wren/virtio.h>

#define ENTROPY_CHUNK 4096 /* bytes asked of the device per request: one page of DMA memory */

struct entropy {
    struct virtio_dev dev;
    struct virtq q;
    struct virtio_dma buf; /* the device writes here; copied out to the caller */
    char node[64];         /* the device-tree node it was found at */
};

/* Find the first virtio entropy device (ID 4) and make it ready: 0, or a negative E_* (E_NOENT: none attached). */
long entropy_open(struct entropy *e);
/* Fill buf[0..len) with the device's bytes (several requests if need be): len, or a negative E_* (E_IO: the device
 * failed; E_TIMEDOUT: it did not answer in time). */
long entropy_read(struct entropy *e, void *buf, size_t len);
/* Reset the device and bring it up again on the same queue and memory (after it failed): 0 or a negative E_*. Needs
 * no privilege, so it works in the service after it gave the privilege up. */
long entropy_restart(struct entropy *e);
void entropy_close(struct entropy *e);

#endif
