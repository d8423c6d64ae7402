/*
 * The region list of a user address space: what each range of user virtual addresses means.
 *
 * A process's address space keeps one `struct region_set`: a sorted array of disjoint, page-aligned regions, each
 * with the access allowed to it (WREN_PROT_* bits) and its kind (anonymous memory, a program-image segment, a
 * stack). The page-fault handler asks region_find what a faulting address means (a region that allows the access:
 * fill the page on demand; no region, or a forbidden access: a real violation); mmap, munmap and mprotect change the
 * set with region_find_free + region_insert, region_remove and region_protect.
 *
 * Backing. A region may name an object (`obj`, never dereferenced here) and the offset in it of its first byte.
 * Every operation keeps the offsets true: a region cut at its start advances its offset, a piece reported or split
 * off gets the offset of its own start, and two touching regions merge only if they name the same object at
 * contiguous offsets (or both name none). Regions without an object always have offset 0.
 *
 * Canonical form. Between calls the set is always the unique shortest description of the address space: regions
 * are sorted by address, never overlap, never are empty, and two regions that touch (a.end == b.start) always
 * differ in prot or kind: every operation merges the neighbours it makes identical (region_insert next to an equal
 * region extends it; region_protect merges what it changed with equal neighbours). So the set depends only on which
 * pages are mapped with which prot and kind, not on the history of calls, and the capacity limit is as generous as
 * it can be. Callers must not rely on one mmap staying one region. Slots past `count` are kept zeroed, so two sets
 * describing the same address space are equal byte for byte. region_set_valid checks all of this.
 *
 * Capacity. At most REGION_MAX regions, stored inline: no operation allocates. An operation whose result would need
 * more than REGION_MAX regions fails with -E_NOMEM. The limit applies to the result, not to a step on the way: a
 * protect that splits a region and merges the piece with a neighbour succeeds on a full set.
 *
 * All or nothing. Every operation checks everything first (arguments, overlaps, coverage, capacity) and changes the
 * set only if it will succeed; a failed call leaves the set — the whole struct, byte for byte — as it was.
 *
 * Reporting. region_remove and region_protect tell the caller exactly which pieces they removed or changed, through
 * a callback, so the caller can unmap those pages and free them (munmap) or rewrite their page-table entries
 * (mprotect) and touch nothing else. A piece is the part of one region inside the requested range, with the
 * region's old prot and kind. The callback runs once per piece, in address order, only when the operation is known
 * to succeed, and before the set is updated: it must not read or change the set, and it cannot fail. Work that can
 * fail (allocating page-table pages to split a block mapping) must be prepared first — region_for_each walks the
 * same pieces without changing anything.
 *
 * Addresses are plain uint64_t: any page-aligned range of the 64-bit space is accepted (the top page excepted, as
 * its end 2^64 is not representable); keeping regions inside the user half is the caller's job. Arithmetic never
 * overflows. prot is only checked for unknown bits; policy such as W^X belongs to the system calls.
 *
 * Costs: region_find is O(log n); the others are O(n) in the worst case (moving the tail of the array), n <=
 * REGION_MAX. Single CPU: the caller serialises access to a set (the address-space lock once there is one).
 */
#ifndef WREN_MM_REGION_H
#define WREN_MM_REGION_H

#include <stdbool.h>
#include <stdint.h>

#define REGION_PAGE 4096ull /* every start and end is a multiple of this */
#define REGION_MAX  128     /* regions per address space */

/*
 * What a region is. This module only compares kinds (touching regions merge only if equal), never interprets them,
 * so new kinds can be added freely.
 */
enum region_kind {
    REGION_ANON = 1,      /* anonymous memory (mmap): zero-filled on first touch */
    REGION_IMAGE = 2,     /* a segment of the program image (ELF PT_LOAD), filled by the loader */
    REGION_STACK = 3,     /* a thread's stack: anonymous memory, zero-filled on first touch */
    REGION_SHM = 4,       /* a shared-memory object, mapped shared (its pages are the object's) */
    REGION_SHM_RO = 5,    /* as REGION_SHM, through a handle without the write right: never made writable */
    REGION_FILE = 6,      /* a private mapping of a file: each page a copy of the file's bytes, made on first touch */
    REGION_DEVICE = 7,    /* a device's registers (objects/device.h): Device memory, not RAM, never executable */
    REGION_DEVICE_RO = 8, /* as REGION_DEVICE, through a handle without the write right: never made writable */
    REGION_GRANT = 9,     /* another process's pages lent for one request (a user scheme's read): shared, not forked */
    REGION_GRANT_RO = 10, /* as REGION_GRANT, lent to be read (a write): never made writable */
};

struct region {
    uint64_t start; /* first byte, page aligned */
    uint64_t end;   /* one past the last byte, page aligned, > start */
    uint32_t prot;  /* WREN_PROT_* bits */
    uint32_t kind;  /* enum region_kind */
    void *obj;      /* what backs the region (opaque here), or NULL for none */
    uint64_t off;   /* with obj: the offset in obj of `start`; 0 without */
};

struct region_set {
    int count; /* regions in use: r[0 .. count) */
    struct region r[REGION_MAX];
};

/*
 * Called once per piece of a region_remove/region_protect/region_for_each, in address order. `piece` is the part
 * of one region inside the requested range, with that region's (old) prot and kind; it is valid only during the
 * call.
 */
typedef void region_piece_fn(void *ctx, const struct region *piece);

/* Empties the set (zeroing the whole struct). */
void region_set_init(struct region_set *s);

/* The region containing addr, or NULL. The pointer is valid until the next change to the set. */
const struct region *region_find(const struct region_set *s, uint64_t addr);

/*
 * Records [start, end) as mapped with prot and kind, merging it with touching regions of the same prot and kind.
 * 0 on success;
 *   -E_INVAL  start or end not page aligned, start >= end, or prot has bits outside WREN_PROT_ALL;
 *   -E_EXIST  some page of [start, end) is already in a region;
 *   -E_NOMEM  the set is full and the new range merges with neither neighbour.
 */
int region_insert(struct region_set *s, uint64_t start, uint64_t end, uint32_t prot, uint32_t kind);

/*
 * region_insert of a range backed by obj from offset off (off must be page aligned, and 0 if obj is NULL, else
 * -E_INVAL).
 */
int region_insert_backed(struct region_set *s, uint64_t start, uint64_t end, uint32_t prot, uint32_t kind, void *obj,
                         uint64_t off);

/*
 * Forgets every page of [start, end): regions inside are dropped, regions straddling an edge are trimmed, a region
 * containing the whole range is split in two. Holes in the range are fine, and a range that is all hole changes
 * nothing. `removed` (may be NULL) is told each removed piece.
 * 0 on success;
 *   -E_INVAL  start or end not page aligned, or start >= end;
 *   -E_NOMEM  the range is strictly inside one region (a split) and the set is full.
 */
int region_remove(struct region_set *s, uint64_t start, uint64_t end, region_piece_fn *removed, void *ctx);

/*
 * Sets the prot of every page of [start, end), splitting the regions at the edges of the range and merging the
 * result with touching regions that became equal. Every page of the range must be in some region. `changed` (may be
 * NULL) is told each piece whose prot actually changes, with its old prot; pieces that already had `prot` need no
 * page-table work and are not reported.
 * 0 on success;
 *   -E_INVAL  start or end not page aligned, start >= end, or prot has bits outside WREN_PROT_ALL;
 *   -E_NOMEM  some page of [start, end) is in no region (as POSIX mprotect), or the result would need more than
 *             REGION_MAX regions.
 */
int region_protect(struct region_set *s, uint64_t start, uint64_t end, uint32_t prot, region_piece_fn *changed,
                   void *ctx);

/*
 * Calls fn (may be NULL) for each piece of a region inside [start, end), in address order, changing nothing.
 * Returns the number of pieces (0 if start >= end). [start, end) need not be page aligned.
 */
int region_for_each(const struct region_set *s, uint64_t start, uint64_t end, region_piece_fn *fn, void *ctx);

/*
 * Finds where len bytes can be mapped inside [lo, hi): the lowest free address at or above hint if hint lies in
 * [lo, hi) (rounded up to a page) and such a place exists, otherwise the lowest free address at or above lo. The
 * whole of [*out, *out + len) is in no region and inside [lo, hi).
 * 0 and *out on success (*out untouched otherwise);
 *   -E_INVAL  lo, hi or len not page aligned, len == 0, or lo >= hi;
 *   -E_NOMEM  no free range of len bytes in [lo, hi).
 */
int region_find_free(const struct region_set *s, uint64_t lo, uint64_t hi, uint64_t len, uint64_t hint, uint64_t *out);

/*
 * Whether the set is in canonical form (see above): count in range, every region page aligned, non-empty, with no
 * unknown prot bits, sorted, disjoint, no two touching regions that could be one (joinable: same prot, kind, object
 * and contiguous offsets), offsets page aligned and 0 without an object, and unused slots zero.
 * For assertions.
 */
bool region_set_valid(const struct region_set *s);

#endif /* WREN_MM_REGION_H */
