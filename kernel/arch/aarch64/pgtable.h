/*
 * AArch64 stage-1 translation tables (VMSAv8-64), 4 KiB granule, 48-bit virtual addresses, four levels of lookup
 * (L0..L3), built and changed by plain C so the host tests can run it.
 *
 * One `struct pgtable` is one tree: either a user address space (TTBR0_EL1, VAs 0 .. 2^48-1, entries non-global and
 * tagged with the table's ASID) or the kernel's (TTBR1_EL1, VAs 0xffff_0000_0000_0000 .. 2^64-1). Mappings use
 * 1 GiB (L1) and 2 MiB (L2) blocks wherever the virtual address, physical address and remaining length allow, and
 * 4 KiB pages (L3) elsewhere.
 *
 * The code never touches memory or system registers on its own: tables come from and go back to the caller
 * (`struct pgtable_ops`), are reached through its phys_to_virt, and TLB maintenance is the caller's callback.
 *
 * Concurrency: the functions take no lock. The caller serialises every call on one pgtable (one lock per address
 * space); the hardware walking the same tables concurrently is what the barriers and break-before-make are for.
 *
 * Every function that changes a table either succeeds completely or returns an error having changed nothing (no
 * entry written, no table allocated or freed, no invalidation): each operation first walks the range to check it
 * and to count the tables it will need, allocates them all, and only then writes.
 *
 * Reference: Arm Architecture Reference Manual for A-profile, DDI 0487 (K.a): D8.3 "Translation table descriptor
 * formats", D8.4 "Memory access control", D8.16.1 "Using break-before-make when updating translation table
 * entries", and the register descriptions of MAIR_EL1, TCR_EL1 and TTBR0/1_EL1 in chapter D19.
 */
#ifndef WREN_ARCH_AARCH64_PGTABLE_H
#define WREN_ARCH_AARCH64_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>

#define PGT_PAGE_SIZE   0x1000ULL     /* L3 page */
#define PGT_BLOCK_2M    0x200000ULL   /* L2 block */
#define PGT_BLOCK_1G    0x40000000ULL /* L1 block */
#define PGT_VA_BITS     48
#define PGT_KERNEL_VA   0xffff000000000000ULL /* first address of the TTBR1 (kernel) half */
#define PGT_USER_VA_TOP (1ULL << PGT_VA_BITS) /* user VAs are below this */

/* ---- Protection flags (portable; translated to descriptor bits by pgtable.c) ---- */

/*
 * PGT_READ is required in every mapping (AArch64 cannot map write-only), with one exception: in a user table,
 * PGT_USER with none of READ, WRITE and EXEC maps a no-access page (PROT_NONE): EL0 and the kernel's unprivileged
 * user accesses fault on it, but the page stays in the table with its contents, and lookup reports it that way.
 */
#define PGT_READ    0x01u /* readable */
#define PGT_WRITE   0x02u /* writable; never together with PGT_EXEC (W^X) */
#define PGT_EXEC    0x04u /* executable: at EL0 in a user table, at EL1 in the kernel table */
#define PGT_USER    0x08u /* EL0-accessible: required in user tables, refused in the kernel table */
#define PGT_DEVICE  0x10u /* Device-nGnRE (MAIR index 1); not with PGT_EXEC or PGT_NOCACHE */
#define PGT_NOCACHE 0x20u /* Normal Non-cacheable (MAIR index 2); default is Normal Write-Back (index 0) */
#define PGT_GLOBAL  0x40u /* nG clear: one TLB entry for every ASID. Kernel table only; user entries are always nG */
#define PGT_COW     0x80u /* software bit 55 (hardware ignores it), e.g. copy-on-write; not with PGT_WRITE */
#define PGT_ALL     0xffu

/* ---- Memory attributes: MAIR_EL1 (one attribute byte per AttrIndx value) ---- */

#define PGT_ATTR_NORMAL  0 /* AttrIndx 0: Normal memory, Write-Back */
#define PGT_ATTR_DEVICE  1 /* AttrIndx 1: Device-nGnRE */
#define PGT_ATTR_NOCACHE 2 /* AttrIndx 2: Normal memory, Non-cacheable */

/*
 * Attribute byte encodings (MAIR_EL1, Attr<n>): for Normal memory the high nibble is Outer and the low nibble Inner
 * cacheability; 0b1111 = Write-Back Non-transient, Read-Allocate and Write-Allocate; 0b0100 = Non-cacheable. For
 * Device memory the high nibble is 0b0000 and the low nibble 0b0100 = Device-nGnRE (no Gathering, no Reordering,
 * Early write acknowledgement allowed), the usual type for MMIO.
 */
#define MAIR_NORMAL_WB    0xffULL
#define MAIR_DEVICE_nGnRE 0x04ULL
#define MAIR_NORMAL_NC    0x44ULL
/* Must equal MAIR_VALUE in arch/memlayout.h, which boot.S loads. */
#define MAIR_EL1_VALUE                                                                                                 \
    ((MAIR_NORMAL_WB << (8 * PGT_ATTR_NORMAL)) | (MAIR_DEVICE_nGnRE << (8 * PGT_ATTR_DEVICE)) |                        \
     (MAIR_NORMAL_NC << (8 * PGT_ATTR_NOCACHE))) /* = 0x4404ff */

/*
 * TCR_EL1 must describe the same layout (the value itself is built in arch/sysreg_bits.h, TCR_VALUE): T0SZ = T1SZ =
 * 16 (48-bit halves), TG0 = 0b00 and TG1 = 0b10 (both 4 KiB; the two fields encode differently), walks Inner
 * Shareable and Write-Back cacheable (SH = 0b11, IRGN = ORGN = 0b01) like the tables' own memory, A1 = 0 (the ASID
 * comes from TTBR0), AS = 1 for the 16-bit ASIDs this code accepts (ID_AA64MMFR0_EL1.ASIDBits = 0b0010; on a CPU with
 * 8-bit ASIDs keep asid < 256), IPS = ID_AA64MMFR0_EL1.PARange.
 */

/* TTBRn_EL1: BADDR (root table PA) in bits 47:1 (bits 11:1 zero for a 4 KiB aligned root), ASID in bits 63:48. */
#define TTBR_ASID_SHIFT 48

/* ---- The interface ---- */

struct pgtable_ops {
    /* A zeroed, 4 KiB-aligned page for a table: its physical address, or 0 if there is no memory. (sync runs before
     * the page is linked into a live table, which orders the zeroing too; without sync the caller must.) */
    uint64_t (*alloc_table)(void *ctx);
    /* Returns a table page (no longer referenced by any entry, and already invalidated from the TLBs). */
    void (*free_table)(void *ctx, uint64_t pa);
    /* Where the code can read and write the table at physical address pa. */
    void *(*phys_to_virt)(void *ctx, uint64_t pa);
    /*
     * Called after a valid entry has been replaced by an invalid one or changed in place; va is a (canonical)
     * address inside the range the entry translated (page-aligned), asid the table's. last_level: the entry was a leaf
     * (page or block), so TLBI VALE1IS suffices; false: a table entry was removed, so cached walks must go too (TLBI
     * VAE1IS). The kernel's version: DSB ISHST (the entry write reaches the walker first); TLBI; DSB ISH; ISB.
     */
    void (*tlb_invalidate)(void *ctx, uint64_t va, uint16_t asid, bool last_level);
    /*
     * May be NULL. Called when earlier table writes must be visible to the walker before the next one: before a
     * freshly filled table is linked into its parent, and once at the end of every successful change. The kernel's
     * version: DSB ISHST; ISB.
     */
    void (*sync)(void *ctx);
    /*
     * May be NULL. Drops every translation of `asid`, leaf and walk alike (TLBI ASIDE1IS; DSB ISH; ISB), in place of
     * the tlb_invalidate calls an unmap or a change of permissions owes when it touches more than one entry: one
     * broadcast instead of one per page (each one a rendezvous of every CPU under QEMU's multi-threaded TCG). The
     * frees such a change makes (free_table, the freed function) wait until it has run. Without it every entry is
     * invalidated on its own, as soon as it changes.
     */
    void (*tlb_invalidate_asid)(void *ctx, uint16_t asid);
    void *ctx;
};

struct pgtable {
    uint64_t root_pa;    /* the L0 table */
    uint8_t root_groups; /* occupancy summary of the root: bit g set if an entry of 64g..64g+63 may be valid */
    uint16_t asid;       /* user tables: the ASID of their non-global entries (TLB invalidation, TTBR0) */
    bool user;           /* true: TTBR0 half (below 2^48); false: TTBR1 half (0xffff_0000_0000_0000 and up) */
    const struct pgtable_ops *ops;
};

/* Called for each physical range that leaves the table: a page (4 KiB) or a whole block (2 MiB, 1 GiB). */
typedef void (*pgtable_freed_fn)(void *ctx, uint64_t pa, uint64_t size);

/* Allocates the empty L0 root. -E_INVAL if ops lacks a callback (sync may be NULL), -E_NOMEM. */
int pgtable_create(struct pgtable *pt, const struct pgtable_ops *ops, uint16_t asid, bool user);

/*
 * Maps [va, va+size) to [pa, pa+size) with `prot`. va, pa and size must be multiples of 4 KiB, size > 0, the
 * range inside the table's half (user: below 2^48; kernel: canonical 0xffff_xxxx_xxxx_xxxx addresses) and pa + size
 * at most 2^48. Blocks are used exactly where va and pa are both aligned to the block size and the block fits.
 * Errors (nothing changed): -E_INVAL for a bad range, address or prot (unknown bits, no PGT_READ, W+X, DEVICE with
 * EXEC or NOCACHE, COW with WRITE, USER missing in a user table or present in the kernel table, GLOBAL in a user
 * table); -E_EXIST if any page of the range is already mapped; -E_NOMEM if a table cannot be allocated.
 */
int pgtable_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned prot);

/*
 * Unmaps every mapped page in [va, va+size) (holes are fine): each entry is cleared and invalidated, each physical
 * range is reported to page_freed (may be NULL), and intermediate tables left empty are freed (never the root). A
 * block only partly inside the range is first split into a next-level table for the part that stays, which may need
 * up to two new tables at each end of the range. va and size as for pgtable_map. Errors (nothing changed): -E_INVAL,
 * -E_NOMEM (only when a block must be split).
 */
int pgtable_unmap(struct pgtable *pt, uint64_t va, uint64_t size, pgtable_freed_fn page_freed);

/*
 * Gives every page in [va, va+size) the protection `prot` (same rules as pgtable_map), splitting blocks that are
 * only partly inside the range, invalidating every entry that changes (entries already equal are left alone).
 * Errors (nothing changed): -E_INVAL; -E_NOENT if any page of the range is not mapped; -E_NOMEM (splits only).
 */
int pgtable_protect(struct pgtable *pt, uint64_t va, uint64_t size, unsigned prot);

/*
 * pgtable_reprotect's question: the PGT_* protection the leaf at va (canonical; size bytes: a page or a whole block,
 * mapping physical pa) is to have, given `old`, its protection now. Asked twice for every leaf, in address order:
 * first while the range is checked (commit false), then just before the entry is rewritten (commit true: the moment
 * for work the new protection needs first, such as making the instruction side see the page). It must answer the
 * same both times.
 */
typedef unsigned (*pgtable_reprot_fn)(void *ctx, uint64_t va, uint64_t pa, uint64_t size, unsigned old, bool commit);

/*
 * Gives each mapped leaf in [va, va+size) the protection fn chooses; holes are skipped. Only the entries that exist
 * are visited (tables that are absent, and empty 64-entry groups, are not read), so the cost follows what is mapped,
 * not size: a terabyte of untouched reservation costs a few loads. Invalidation as pgtable_protect. Allocates
 * nothing. Errors (nothing changed): -E_INVAL for a bad range, for a block only partly inside it (split its edges
 * first, pgtable_split), or for a protection fn gives that pgtable_map would refuse.
 */
int pgtable_reprotect(struct pgtable *pt, uint64_t va, uint64_t size, pgtable_reprot_fn fn, void *ctx);

/*
 * Makes va (4 KiB aligned) the start of a leaf: a block that contains va anywhere but at its start is split into a
 * table of the next level, and again in that table if need be, down to 4 KiB pages around va. Every translation
 * stays as it was (same output addresses, same attributes). Done before an operation that must not fail half-way
 * (an unmap or protect whose edges cut blocks), it leaves that operation nothing to split. Errors (nothing changed):
 * -E_INVAL for va outside the half or unaligned; -E_NOMEM if a table cannot be allocated (at most two).
 */
int pgtable_split(struct pgtable *pt, uint64_t va);

/*
 * Replaces the leaf that translates va, in place: it then maps pa with `prot` (rules as pgtable_map), keeping its
 * size. va must be the leaf's first address and pa aligned to the leaf's size. Allocates nothing, so it cannot run
 * out of memory: the way to swap a page for its copy (copy-on-write) without a window where the address is unmapped
 * in the table. Break-before-make and invalidation as the change needs. *old_pa (may be NULL) receives the output
 * address it had; nothing is reported freed, the caller owns both pages. Errors (nothing changed): -E_INVAL for bad
 * arguments or a size mismatch, -E_NOENT if va is not mapped.
 */
int pgtable_replace(struct pgtable *pt, uint64_t va, uint64_t pa, unsigned prot, uint64_t *old_pa);

/* 1 if no page of [va, va+size) is mapped, 0 if some is; -E_INVAL as for pgtable_unmap. */
int pgtable_unmapped(const struct pgtable *pt, uint64_t va, uint64_t size);

/*
 * Software walk for va (any alignment). 0 and, for each non-NULL pointer: *pa = the physical address va translates
 * to (offset within the page included), *prot = the PGT_* flags of the mapping (as pgtable_map would have been
 * given them), *block_size = 4 KiB, 2 MiB or 1 GiB. -E_NOENT if unmapped, -E_INVAL if va is outside the half.
 */
int pgtable_lookup(const struct pgtable *pt, uint64_t va, uint64_t *pa, unsigned *prot, uint64_t *block_size);

/*
 * Fixed page slots, for a kernel area whose tables are made once and never freed (the kernel stacks), so that pages
 * come and go there without the two-pass walk, allocation or failure of pgtable_map/pgtable_unmap.
 * pgtable_fixed_reserve (kernel table only) creates what is missing of the tables that translate [va, va+size) down
 * to L3 (L2 and L1 ranges covered by blocks: -E_EXIST); -E_NOMEM leaves the tables made so far, empty. Reserved
 * tables stay even when empty: never use pgtable_unmap on a reserved range (it frees tables it empties).
 * pgtable_fixed_set maps n pages from va to pa.. with prot (rules as pgtable_map), writing the L3 entries in place,
 * then syncs; the n entries must lie in one reserved L3 table (-E_INVAL) and be unmapped (-E_EXIST; nothing changed).
 * pgtable_fixed_clear unmaps n pages from va (holes are fine), each invalidated; the tables stay. -E_INVAL as above.
 */
int pgtable_fixed_reserve(struct pgtable *pt, uint64_t va, uint64_t size);
int pgtable_fixed_set(struct pgtable *pt, uint64_t va, uint64_t pa, unsigned n, unsigned prot);
int pgtable_fixed_clear(struct pgtable *pt, uint64_t va, unsigned n);

/* How many 4 KiB pages the table maps (a 2 MiB block counts 512); a walk over the tables, not over addresses. */
uint64_t pgtable_mapped_pages(const struct pgtable *pt);

/*
 * Reports every mapped range to page_freed (may be NULL) and frees every table, the root included; pt is left
 * with root_pa = 0. No TLB maintenance: the table must be live in no TTBR on any CPU, and the caller invalidates
 * its ASID (TLBI ASIDE1IS; kernel table: not expected to be destroyed) before the reported pages are reused.
 */
void pgtable_destroy(struct pgtable *pt, pgtable_freed_fn page_freed);

/*
 * What pgtable_fork asks and tells its caller.
 * cow(ctx, va): whether the leaf starting at va (canonical address) becomes copy-on-write (true: read-only and
 * PGT_COW in both tables, a block first split into 4 KiB pages) or is shared as it is (false: the same entry in
 * both, a block staying a block). Asked for leaves in address order, blocks twice (once while counting the tables
 * needed); it must answer the same both times. The answer for a block covers all of it.
 * shared(ctx, pa, size): the child now maps [pa, pa + size) too (a page, or a shared block): once per leaf copied,
 * for the caller to take its references.
 */
struct pgtable_fork_ops {
    bool (*cow)(void *ctx, uint64_t va);
    void (*shared)(void *ctx, uint64_t pa, uint64_t size);
    void *ctx;
};

/*
 * Copies every mapping of `parent` into `child`, which must map nothing yet (fresh from pgtable_create) and share
 * parent's half and phys_to_virt, in one walk over the parent's valid entries. The child's tables come from the
 * child's ops, the tables splitting the parent's blocks from the parent's. Parent entries made copy-on-write are
 * changed in place and invalidated (parent may be live); child's tables are built unsynchronised and made visible
 * once at the end (child must be live nowhere). Errors (neither table changed, nothing reported): -E_INVAL for bad
 * arguments; -E_NOMEM if the tables of the copy (and of the splits) cannot all be allocated.
 */
int pgtable_fork(struct pgtable *child, struct pgtable *parent, const struct pgtable_fork_ops *f);

/* The TTBR0_EL1/TTBR1_EL1 value: root PA | ASID << 48. Inline: every context switch takes one. */
static inline uint64_t pgtable_ttbr(const struct pgtable *pt)
{
    return pt->root_pa | ((uint64_t)pt->asid << TTBR_ASID_SHIFT);
}

#endif
