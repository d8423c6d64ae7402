/*
 * The kernel's virtual address layout (48-bit VAs, 4 KiB granule).
 *
 *   0x0000_0000_0000_0000 - 0x0000_ffff_ffff_ffff   user space (TTBR0, one table per process)
 *   0xffff_0000_0000_0000 - ...                      linear map: VA = LINEAR_BASE + PA (TTBR1)
 *
 * The kernel image lives inside the linear map: it is loaded at physical 0x40200000
 * (DRAM base + text_offset on QEMU virt and the BPI-R4, [bpi-r4.md §1]) and linked at
 * LINEAR_BASE + 0x40200000, so one offset converts every kernel address to physical and
 * back. Device registers are mapped at the same offset with Device memory attributes.
 */
#ifndef WREN_ARCH_MEMLAYOUT_H
#define WREN_ARCH_MEMLAYOUT_H

#define LINEAR_BASE 0xffff000000000000
#define KERNEL_PHYS 0x40200000 /* must match kernel.ld */

/* MAIR_EL1 attribute indices (AttrIndx in descriptors) and their encodings (Arm ARM D17.2.97). */
#define MT_NORMAL  0        /* 0xff: normal, inner/outer write-back, read/write-allocate */
#define MT_DEVICE  1        /* 0x04: Device-nGnRE */
#define MT_NOCACHE 2        /* 0x44: normal, non-cacheable */
#define MAIR_VALUE 0x4404ff /* index 0 in bits 7:0, 1 in 15:8, 2 in 23:16 */

#ifndef __ASSEMBLER__
#include <stdint.h>

static inline void *phys_to_virt(uint64_t pa)
{
    return (void *)(uintptr_t)(pa + LINEAR_BASE);
}

static inline uint64_t virt_to_phys(const void *va)
{
    return (uint64_t)(uintptr_t)va - LINEAR_BASE;
}
#endif

#endif
