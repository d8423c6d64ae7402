/*
 * ASID allocation by generation (see asid.h for the scheme and the caller's duties).
 *
 * Why it is safe, in terms of one CPU's TLB. Between two of its flushes a CPU only ever installs ASIDs of a single
 * generation G: every activation returns an ASID of the current generation, and the first activation after a
 * rollover reports flush_all. Within G each ASID has one owner at a time (the bitmap), and an owner gives it up only
 * through asid_release, after the caller invalidated it everywhere. The one ASID a CPU may go on using across a
 * rollover without flushing is the one in its TTBR0 at that moment, and that ASID is reserved in the new generation
 * for the very same space. So every entry a CPU can hit under its current ASID was made by the current owner.
 *
 * Why a space never has two ASIDs. `active` holds for every CPU the ctx of the space in its TTBR0, and it is
 * rewritten whenever that space's ctx moves to a new generation. So a space running anywhere at a rollover is found
 * in `active` and gets its ASID reserved under its current ctx; when it is next activated it matches that reservation
 * and keeps the ASID. A space that gets a brand-new ASID was running nowhere, so no CPU is still using its old one.
 */
#include "mm/asid.h"

#include "panic.h"
#include "dev/platform.h"

_Static_assert(ASID_MAX_CPUS >= PLATFORM_MAX_CPUS, "every CPU the platform code accepts needs a slot");
/* After a rollover at most ASID_MAX_CPUS ASIDs are reserved; a free one must remain for the space being activated. */
_Static_assert(ASID_MAX_CPUS + 1 < (1u << ASID_MIN_BITS), "too many CPUs for the narrowest ASID width");
_Static_assert(ASID_MIN_BITS >= 6, "the bitmap is searched a 64-bit word at a time");

static unsigned asid_count(const struct asid_allocator *a)
{
    return 1u << a->bits;
}

static bool asid_taken(const struct asid_allocator *a, unsigned asid)
{
    return (a->used[asid / 64] >> (asid % 64)) & 1;
}

static void asid_take(struct asid_allocator *a, unsigned asid)
{
    KASSERT(!asid_taken(a, asid));
    a->used[asid / 64] |= 1ull << (asid % 64);
    a->free--;
}

static void asid_give_back(struct asid_allocator *a, unsigned asid)
{
    KASSERT(asid != 0 && asid_taken(a, asid));
    a->used[asid / 64] &= ~(1ull << (asid % 64));
    a->free++;
}

static bool current_generation(const struct asid_allocator *a, uint64_t ctx)
{
    return (ctx & ~a->asid_mask) == a->generation;
}

/* The lowest free ASID >= from, or asid_count(a) if there is none. */
static unsigned find_free(const struct asid_allocator *a, unsigned from)
{
    unsigned words = asid_count(a) / 64;
    unsigned w = from / 64;

    if (from >= asid_count(a))
        return asid_count(a);
    uint64_t avail = ~a->used[w] & (~0ull << (from % 64));
    for (;;) {
        if (avail != 0)
            return w * 64 + (unsigned)__builtin_ctzll(avail);
        if (++w == words)
            return asid_count(a);
        avail = ~a->used[w];
    }
}

/*
 * Starts a new generation. Every ASID becomes free except 0 and those in some CPU's TTBR0, which stay with their
 * spaces; every CPU owes a flush before it uses any other ASID.
 */
static void rollover(struct asid_allocator *a)
{
    unsigned words = asid_count(a) / 64;

    a->generation += 1ull << a->bits;
    a->rollovers++;
    for (unsigned w = 0; w < words; w++)
        a->used[w] = 0;
    a->used[0] = 1; /* ASID 0: the kernel's empty user table */
    a->free = asid_count(a) - 1;
    for (unsigned cpu = 0; cpu < ASID_MAX_CPUS; cpu++) {
        uint64_t ctx = a->active[cpu];
        a->reserved[cpu] = ctx;
        /* Several CPUs may run the same space: reserve its ASID once. */
        if (ctx != 0 && !asid_taken(a, asid_of(a, ctx)))
            asid_take(a, asid_of(a, ctx));
        a->flush_pending[cpu] = true;
    }
    a->cursor = 1;
}

/* A free ASID of the current generation (rolling over if there is none worth searching for), marked taken. */
static unsigned allocate(struct asid_allocator *a)
{
    unsigned asid = find_free(a, a->cursor);

    if (asid == asid_count(a) && a->free >= ASID_SWEEP_MIN(a->bits))
        asid = find_free(a, 1); /* wrap: enough ASIDs were released behind the cursor to pay for another sweep */
    if (asid == asid_count(a)) {
        rollover(a);
        asid = find_free(a, 1);
    }
    KASSERT(asid != 0 && asid < asid_count(a));
    asid_take(a, asid);
    a->cursor = asid + 1;
    return asid;
}

/*
 * Was ctx (of an older generation) reserved at the last rollover? If so its reservation is used up: the space is
 * about to take that ASID into the current generation. Several CPUs may hold the same reservation.
 */
static bool claim_reservation(struct asid_allocator *a, uint64_t ctx)
{
    bool found = false;

    for (unsigned cpu = 0; cpu < ASID_MAX_CPUS; cpu++) {
        if (a->reserved[cpu] == ctx) {
            a->reserved[cpu] = 0;
            found = true;
        }
    }
    return found;
}

void asid_init(struct asid_allocator *a, unsigned bits)
{
    KASSERT(bits >= ASID_MIN_BITS && bits <= ASID_MAX_BITS);
    if (bits < ASID_MIN_BITS)
        bits = ASID_MIN_BITS;
    if (bits > ASID_MAX_BITS)
        bits = ASID_MAX_BITS;

    a->bits = bits;
    a->asid_mask = (1ull << bits) - 1;
    a->generation = 1ull << bits;
    a->cursor = 1;
    a->rollovers = 0;
    for (unsigned cpu = 0; cpu < ASID_MAX_CPUS; cpu++) {
        a->active[cpu] = 0;
        a->reserved[cpu] = 0;
        a->flush_pending[cpu] = false;
    }
    for (unsigned w = 0; w < sizeof(a->used) / sizeof(a->used[0]); w++)
        a->used[w] = 0;
    a->used[0] = 1;
    a->free = asid_count(a) - 1;
}

uint16_t asid_activate(struct asid_allocator *a, uint64_t *ctx, unsigned cpu, bool *flush_all)
{
    uint64_t old = *ctx;

    KASSERT(cpu < ASID_MAX_CPUS);
    if (!current_generation(a, old)) {
        uint64_t now;
        if (old != 0 && claim_reservation(a, old)) {
            now = a->generation | asid_of(a, old);
            /* CPUs still running this space under its old id: they have its new one now (see the top of the file). */
            for (unsigned c = 0; c < ASID_MAX_CPUS; c++) {
                if (a->active[c] == old)
                    a->active[c] = now;
            }
        } else {
            unsigned asid = allocate(a); /* may roll over: read the generation after */
            now = a->generation | asid;
        }
        *ctx = now;
    }
    a->active[cpu] = *ctx;
    *flush_all = a->flush_pending[cpu];
    a->flush_pending[cpu] = false;
    return asid_of(a, *ctx);
}

void asid_release(struct asid_allocator *a, uint64_t ctx)
{
    if (ctx == 0)
        return;

    /* Holding an ASID of this generation: either got it in this generation, or had it reserved at the rollover. */
    bool holds = current_generation(a, ctx);
    if (claim_reservation(a, ctx))
        holds = true;
    /*
     * A CPU that switched to no user space may still name it as active: forget it, so that no later rollover keeps
     * an ASID reserved for a dead space (and `active` only ever names live spaces).
     */
    for (unsigned cpu = 0; cpu < ASID_MAX_CPUS; cpu++) {
        if (a->active[cpu] == ctx)
            a->active[cpu] = 0;
    }
    unsigned asid = asid_of(a, ctx);
    KASSERT(!holds || asid_taken(a, asid));
    if (holds && asid != 0 && asid_taken(a, asid))
        asid_give_back(a, asid);
}

bool asid_valid(const struct asid_allocator *a)
{
    if (a->bits < ASID_MIN_BITS || a->bits > ASID_MAX_BITS || a->asid_mask != (1ull << a->bits) - 1)
        return false;
    if (a->generation == 0 || (a->generation & a->asid_mask) != 0)
        return false;
    if (a->cursor < 1 || a->cursor > asid_count(a) || !asid_taken(a, 0))
        return false;

    unsigned taken = 0;
    for (unsigned w = 0; w < asid_count(a) / 64; w++) {
        /* No __builtin_popcountll: without FP/SIMD registers GCC calls libgcc's __popcountdi2 for it. */
        for (uint64_t bits = a->used[w]; bits != 0; bits &= bits - 1)
            taken++;
    }
    for (unsigned w = asid_count(a) / 64; w < sizeof(a->used) / sizeof(a->used[0]); w++) {
        if (a->used[w] != 0)
            return false;
    }
    if (a->free != asid_count(a) - taken)
        return false;

    for (unsigned cpu = 0; cpu < ASID_MAX_CPUS; cpu++) {
        uint64_t act = a->active[cpu];
        uint64_t res = a->reserved[cpu];
        if (act != 0 && (asid_of(a, act) == 0 || !asid_taken(a, asid_of(a, act))))
            return false;
        if (act != 0 && (act & ~a->asid_mask) > a->generation)
            return false;
        /* An active id of an older generation is necessarily the one reserved on that CPU. */
        if (act != 0 && !current_generation(a, act) && res != act)
            return false;
        if (res != 0 && (asid_of(a, res) == 0 || !asid_taken(a, asid_of(a, res)) || current_generation(a, res) ||
                         (res & ~a->asid_mask) > a->generation))
            return false;
        for (unsigned other = 0; other < cpu; other++) {
            if (act != 0 && a->active[other] != 0 && asid_of(a, a->active[other]) == asid_of(a, act) &&
                a->active[other] != act)
                return false;
        }
    }
    return true;
}
