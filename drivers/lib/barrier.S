/*
 * driver_dma_barrier (<wren/driver.h>): order this CPU's memory accesses before and after it as a device sees
 * them. A DMB over the outer-shareable domain, which holds the devices as well as the other CPUs (Arm ARM B2.3.12,
 * "Memory barriers": DMB with the OSH option): descriptors written to normal memory are visible to a device before
 * the register write that tells it to look, and a device's writes seen in a ring are seen before what they point at.
 * A function of its own so that no C file needs inline assembly.
 */
    .text
    .global driver_dma_barrier
    .type driver_dma_barrier, %function
driver_dma_barrier:
    dmb osh
    ret
    .size driver_dma_barrier, . - driver_dma_barrier
