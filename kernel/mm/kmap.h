/*
 * The kernel's own address space: the physical allocator over all RAM and the TTBR1 table
 * with a linear map of that RAM (W^X for the kernel image) plus the device registers the
 * kernel drives.
 */
#ifndef WREN_MM_KMAP_H
#define WREN_MM_KMAP_H

#include <stdint.h>

#include "arch/aarch64/pgtable.h"
#include "dev/platform.h"

#define KMAP_MAX_DEVICES 8

struct kmap_device {
    uint64_t base, size; /* physical */
};

/*
 * Start the physical allocator on the RAM the DTB reports, minus the kernel image, the DTB,
 * the initrd and every reserved range; then build the kernel table and switch to it. Until
 * then the boot tables (boot.S) are in use. Returns 0 or a negative E_* (the caller panics:
 * nothing can run without it).
 */
int kmap_init(const struct platform *p, uint64_t dtb_pa, uint64_t dtb_size, const struct kmap_device *dev, int ndev);

/*
 * Kernel stacks in the stack area (arch/memlayout.h): map the KSTACK_SIZE of physically contiguous memory at pa as
 * the stack of area slot `slot` (not the overflow stack's), which must be unmapped; it is then reached at
 * [kstack_top(slot) - KSTACK_SIZE, kstack_top(slot)) with the slot's guard unmapped below. The area's page tables are
 * made at boot and kept, so this only writes four entries and cannot fail.
 * Unmap gives the slot's pages back to nobody: the caller frees them, after the call (which invalidates the TLB).
 */
void kmap_stack_map(unsigned slot, uint64_t pa);
void kmap_stack_unmap(unsigned slot);

/* Point TTBR0 at a table with no mappings (before a user table is destroyed). */
void kmap_user_table_none(void);

/* Operations for user page tables: tables from the physical allocator, TLB maintenance by ASID. */
extern const struct pgtable_ops kmap_user_pgtable_ops;

#endif
