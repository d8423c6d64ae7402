/*
 * Memory-mapped register access for drivers.
 *
 * Kernel builds: volatile loads/stores of exactly the requested width, so the compiler can neither merge, split,
 * reorder (relative to other volatile accesses) nor elide a device access. Device memory (Device-nGnRE) keeps the
 * order of accesses to one peripheral, which is all the polled console drivers need; DMA users add barriers.
 * Caveat: no inline asm is allowed in portable code, so the compiler picks the load/store form. Under KVM an access
 * with base-register writeback cannot be emulated (no ISV in the syndrome); TCG and real hardware are fine.
 *
 * Host unit tests (WREN_HOST_TEST): the same names are plain functions that the test provides, backed by a register
 * model, so drivers run unchanged on the build machine.
 */
#ifndef WREN_MMIO_H
#define WREN_MMIO_H

#include <stdint.h>

#ifdef WREN_HOST_TEST

uint8_t mmio_read8(uintptr_t addr);
void mmio_write8(uintptr_t addr, uint8_t v);
uint32_t mmio_read32(uintptr_t addr);
void mmio_write32(uintptr_t addr, uint32_t v);

#else

static inline uint8_t mmio_read8(uintptr_t addr)
{
    return *(volatile const uint8_t *)addr;
}

static inline void mmio_write8(uintptr_t addr, uint8_t v)
{
    *(volatile uint8_t *)addr = v;
}

static inline uint32_t mmio_read32(uintptr_t addr)
{
    return *(volatile const uint32_t *)addr;
}

static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
    *(volatile uint32_t *)addr = v;
}

#endif /* WREN_HOST_TEST */

/* Read-modify-write of the bits in mask: for registers shared by several fields (GIC priority bytes, config bits). */
static inline void mmio_rmw32(uintptr_t addr, uint32_t mask, uint32_t val)
{
    mmio_write32(addr, (mmio_read32(addr) & ~mask) | (val & mask));
}

#endif /* WREN_MMIO_H */
