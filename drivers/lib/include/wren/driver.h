/*
 * The layer every user-space driver (drivers/<name>/) shares: open a device-tree node, map its registers, take and
 * acknowledge its interrupt. A device is opened through the mmio scheme (/scheme/mmio/<node>; a compatible string
 * is looked up in /scheme/mmio/_compatible/), and each call wraps open, device_info, mmap and the event_* syscalls
 * and returns 0 or a negative E_* code; a driver that wants one of them alone can still make the syscall.
 *
 * Opening a device needs the privilege only init (and what it forks) has: see the mmio scheme in docs/syscalls.md.
 */
#ifndef WREN_DRIVER_H
#define WREN_DRIVER_H

#include <stdint.h>
#include <wren/abi.h>

#define DRIVER_PATH_MAX 256 /* the longest /scheme/mmio/... path driver_open makes */

struct driver_device {
    wren_handle_t handle;         /* from open of /scheme/mmio/...; -1 when closed */
    struct wren_device_info info; /* registers and interrupt, from device_info */
    volatile uint32_t *regs;      /* the first register, once mapped; 0 before */
    uint64_t mapping;             /* the mapping's start (page aligned), for munmap */
    wren_handle_t queue;          /* the event queue the interrupt is reported on; -1 before driver_irq_claim */
    uint32_t irq_id;              /* the interrupt's subscription on queue */
};

/*
 * Open the device by compatible string or node path ("arm,pl031", "/pl031@9010000": the first device listing the
 * string, or /scheme/mmio/pl031@9010000) and describe it.
 */
long driver_open(struct driver_device *dev, const char *name);
/* Map its registers read-write (device memory, shared): dev->regs. */
long driver_map(struct driver_device *dev);
/* Subscribe to its interrupt on an event queue of its own; E_NOENT if the device has none. */
long driver_irq_claim(struct driver_device *dev);
/*
 * Wait up to timeout_ns for the interrupt: how many fired since the last record (1 or more), or -E_TIMEDOUT. The
 * kernel masks the line when it fires: quieten the device, then driver_irq_ack.
 */
long driver_irq_wait(struct driver_device *dev, int64_t timeout_ns);
/* Unmask the line again (after the device no longer asserts it, for a level-sensitive one). */
long driver_irq_ack(struct driver_device *dev);
/* Give everything back: the subscription, the mapping, the handle. Safe after a failed open. */
void driver_close(struct driver_device *dev);

/*
 * A memory barrier as devices see it (drivers/lib/barrier.S): every access before it is observed by a device (and
 * by other CPUs) before every access after it. Between filling memory a device reads by DMA and the register write
 * that tells the device to read it, and between seeing a device's completion in memory and reading its data.
 */
void driver_dma_barrier(void);

/* 32-bit register access at a byte offset from the first register. */
static inline uint32_t driver_read32(const struct driver_device *dev, unsigned off)
{
    return dev->regs[off / 4];
}

static inline void driver_write32(struct driver_device *dev, unsigned off, uint32_t value)
{
    dev->regs[off / 4] = value;
}

#endif
