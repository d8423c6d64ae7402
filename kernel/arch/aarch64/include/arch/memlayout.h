/*
 * The kernel's virtual address layout (48-bit VAs, 4 KiB granule).
 *
 *   0x0000_0000_0000_0000 - 0x0000_ffff_ffff_ffff   user space (TTBR0, one table per process)
 *   0xffff_0000_0000_0000 - 0xffff_ff7f_ffff_ffff   linear map: VA = LINEAR_BASE + PA (TTBR1)
 *   0xffff_ff80_0000_0000 - + 4 MiB                  kernel stacks, each with an unmapped guard below (KSTACK_*)
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

/*
 * Kernel stacks. Every stack the kernel runs on is the upper half of a KSTACK_SLOT_SIZE block aligned to its size, and
 * the lower half is a guard that is never mapped (at least the page next to the stack; all of it in the stack area).
 * So an sp inside a stack has bit KSTACK_SHIFT set and one that ran off the bottom into the guard has it clear: the
 * test the exception entry makes before it stores anything (vectors.S), switching to the overflow stack to report.
 * A frame larger than the guard could jump over it; no kernel function has one (the largest, pmm_init's, is 1.2 KiB).
 *
 * The stack area (TTBR1, above every linear-mapped address): slot i at KSTACK_AREA + i * KSTACK_SLOT_SIZE. Slot 0 is
 * the overflow stack, mapped for good at boot, which also keeps the area's first page table; process-table slot n
 * has area slot n + 1 (proc.c). The boot stack, which the idle thread keeps, is in the image (boot.S), aligned the
 * same way, its lower half holding the boot page tables and the page next to it left unmapped (kmap.c).
 */
#define KSTACK_SHIFT         14 /* 16 KiB stacks */
#define KSTACK_SIZE          (1 << KSTACK_SHIFT)
#define KSTACK_SLOT_SIZE     (2 * KSTACK_SIZE)  /* the stack and its guard */
#define KSTACK_AREA          0xffffff8000000000 /* L0 entry 511: nothing else there */
#define KSTACK_AREA_SLOTS    128
#define KSTACK_OVERFLOW_SLOT 0
/* What the exception entry demands below its frame; less is taken as an overflow (vectors.S). */
#define KSTACK_ENTRY_MARGIN  512

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

/* The first address above the stack of area slot `slot` (its initial sp); the stack is the KSTACK_SIZE below it. */
static inline uintptr_t kstack_top(unsigned slot)
{
    return (uintptr_t)KSTACK_AREA + ((uintptr_t)slot + 1) * KSTACK_SLOT_SIZE;
}

/* Do a and b lie in the same kernel stack (the mapped upper half of one slot)? What backtraces follow. */
static inline int kstack_same(uintptr_t a, uintptr_t b)
{
    return ((a ^ b) & ~(uintptr_t)(KSTACK_SLOT_SIZE - 1)) == 0 && (a & KSTACK_SIZE) && (b & KSTACK_SIZE);
}
#endif

#endif
