/*
 * Address-space identifiers (ASIDs) for user page tables, handed out by generation so a context switch does not have
 * to flush the TLB.
 *
 * The hardware. Every non-global TLB entry (all user mappings) is tagged with the ASID that was in TTBR0_EL1[63:48]
 * when the walk that created it happened, and a lookup only hits entries whose tag equals the current ASID. So two
 * address spaces with different ASIDs can share the TLB, and switching TTBR0 between them needs no invalidation. The
 * width is 8 or 16 bits (ID_AA64MMFR0_EL1.ASIDBits says what the CPU has; TCR_EL1.AS says which the MMU uses, and the
 * caller passes that one). ASID 0 is never handed out: it tags the kernel's empty user table. Kernel mappings are
 * global (nG = 0) and not affected by any of this.
 *
 * The scheme. There can be more address spaces than ASIDs, so an ASID is only lent for one "generation". Each address
 * space keeps a 64-bit context id, ctx = generation << bits | asid (0: never activated). On activation:
 *   - ctx is of the current generation: its ASID is still its own and its TLB entries are still its own. Nothing to
 *     do (the common case: O(1), no flush).
 *   - ctx is older: the space gets an ASID of the current generation, the next free one found by a rolling cursor
 *     over a bitmap of the ASIDs in use.
 *   - no ASID is left (rollover): the generation is bumped and the bitmap emptied, so every other space's ctx becomes
 *     stale at once and each will take a new ASID when it next runs. The TLBs may still hold entries tagged with the
 *     old owners of the ASIDs about to be handed out again, so each CPU must flush every non-global entry (TLBI
 *     VMALLE1) before it uses an ASID of the new generation: asid_activate tells it so, once per CPU per rollover, on
 *     that CPU's next activation.
 *   - Exception: a space that is running on some CPU at the moment of the rollover keeps its ASID (reserved for it in
 *     the new generation), because that CPU goes on using it, and may keep refilling its TLB with it, until it next
 *     switches. When the space is next activated (on any CPU) its ctx is moved to the new generation with the same
 *     ASID. So a space never has two ASIDs at once, and the ASID stored in its page table (used for per-page
 *     invalidations) is always the one every CPU running it has in TTBR0.
 *
 * Reuse within a generation. asid_release frees the ASID of a dead space at once. The cursor only moves forward; when
 * it reaches the end it wraps and sweeps again if at least ASID_SWEEP_MIN(bits) ASIDs are free, and rolls over
 * otherwise. A sweep reads (1 << bits) / 64 bitmap words and yields at least that many ASIDs, so an allocation costs
 * O(1) word reads amortised, and so does the rollover (emptying the bitmap), which comes after at least
 * (1 << bits) - ASID_SWEEP_MIN - ASID_MAX_CPUS allocations.
 *
 * Multiprocessor-ready: the state has one slot per CPU (the context id in its TTBR0, the one reserved for it at the
 * last rollover, and whether it still owes a flush). The functions take no lock: the caller serialises every call on
 * one allocator (one lock for all CPUs; on one CPU, interrupts masked around the context switch).
 */
#ifndef WREN_MM_ASID_H
#define WREN_MM_ASID_H

#include <stdbool.h>
#include <stdint.h>

#define ASID_MAX_CPUS 8  /* CPUs with a slot (at least PLATFORM_MAX_CPUS; asid.c checks) */
#define ASID_MIN_BITS 8  /* the architecture's widths are 8 and 16; anything in between works too */
#define ASID_MAX_BITS 16 /* the bitmap is sized for this: 8 KiB */

/* Free ASIDs needed to start another sweep of the bitmap instead of rolling over: one per bitmap word (at least 1). */
#define ASID_SWEEP_MIN(bits) ((1u << (bits)) / 64)

/*
 * All the allocator's state. The kernel has one (static, about 8.3 KiB); tests make their own. The fields are for
 * asid.c and for assertions in tests; everyone else uses the functions.
 */
struct asid_allocator {
    unsigned bits;       /* ASID width */
    uint64_t asid_mask;  /* (1 << bits) - 1: the ASID part of a context id */
    uint64_t generation; /* current generation, already shifted: g << bits, g >= 1 (so no valid ctx is 0) */
    unsigned cursor;     /* where the next search for a free ASID starts, 1 .. 1 << bits */
    unsigned free;       /* ASIDs (1 .. 2^bits - 1) not in use in this generation */
    uint64_t rollovers;  /* how many times the generation was bumped (statistics) */

    /*
     * Per CPU. active: the ctx of the space most recently activated there (0: none yet, or it was released); kept
     * equal to that space's ctx when it moves to a new generation elsewhere. reserved: what was active there at the
     * last rollover, whose ASID is kept for it, until that space is activated again (or released). flush_pending:
     * a rollover happened since this CPU last flushed.
     */
    uint64_t active[ASID_MAX_CPUS];
    uint64_t reserved[ASID_MAX_CPUS];
    bool flush_pending[ASID_MAX_CPUS];

    uint64_t used[(1u << ASID_MAX_BITS) / 64]; /* bit n: ASID n is taken in this generation (bit 0 always) */
};

/*
 * Starts generation 1 with every ASID but 0 free and no CPU running anything. bits: the ASID width in use,
 * ASID_MIN_BITS .. ASID_MAX_BITS (8 or 16 on real hardware). The TLBs must hold no non-global entries yet (true after
 * the boot-time TLBI VMALLE1 when only ASID 0 has been used).
 */
void asid_init(struct asid_allocator *a, unsigned bits);

/*
 * The space whose context id is *ctx (0 if it never ran) is about to run on `cpu` (< ASID_MAX_CPUS). Returns its
 * ASID for TTBR0 (never 0) and updates *ctx. *flush_all is set to true when this CPU must invalidate every non-global
 * TLB entry (TLBI VMALLE1; the broadcast VMALLE1IS is also fine) before it next runs user code with the returned
 * ASID installed; false otherwise. Never fails.
 *
 * When the returned ASID differs from the space's previous one, the caller must also store it where its per-page
 * invalidations take it from (struct pgtable's asid) before changing the space's mappings again.
 */
uint16_t asid_activate(struct asid_allocator *a, uint64_t *ctx, unsigned cpu, bool *flush_all);
/*
 * asid_activate's common case, inline for the context switch: ctx is of the current generation (so its ASID, the one
 * asid_activate returned for it last, is still its own) and this CPU owes no flush. Then it records ctx as active on
 * `cpu`, exactly as asid_activate would, and returns true; otherwise it does nothing and returns false, and the
 * caller uses asid_activate. The same locking rule applies.
 */
static inline bool asid_activate_current(struct asid_allocator *a, uint64_t ctx, unsigned cpu)
{
    if ((ctx & ~a->asid_mask) != a->generation || a->flush_pending[cpu])
        return false; /* includes ctx == 0: no generation is 0 */
    a->active[cpu] = ctx;
    return true;
}

/*
 * The space with context id ctx is gone (0: it never ran; nothing to do). It must not be in any CPU's TTBR0 any more,
 * and the caller must already have invalidated its ASID (asid_of(a, ctx)) on every CPU (TLBI ASIDE1IS): its ASID
 * may then be handed out again in this generation. Releasing a ctx of an older generation is fine (its ASID is freed
 * only if it was reserved for it).
 */
void asid_release(struct asid_allocator *a, uint64_t ctx);

/* The ASID part of a context id (0 for ctx 0). */
static inline uint16_t asid_of(const struct asid_allocator *a, uint64_t ctx)
{
    return (uint16_t)(ctx & a->asid_mask);
}

/*
 * Whether the state is consistent: width and mask agree, generation valid, bit 0 set, `free` matches the bitmap,
 * every CPU's active and reserved ids have their ASID marked, two CPUs whose active ids share an ASID hold the same
 * id, and reserved ids are of an older generation. For assertions and tests; O(2^bits).
 */
bool asid_valid(const struct asid_allocator *a);

#endif /* WREN_MM_ASID_H */
