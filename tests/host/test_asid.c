// sources: kernel/mm/asid.c
// ASID allocation by generation (kernel/mm/asid.c): first and repeated activations, distinct ASIDs for live spaces,
// the rollover after 255 8-bit ASIDs (one flush, the running space keeps its ASID, no sharing in the new generation),
// reuse of released ASIDs and the sweep threshold, reservations across CPUs and across two rollovers, dead spaces
// forgotten by idle CPUs, 16-bit width, and 4 x 100,000 seeded activations on 1-4 simulated CPUs against a model of
// each CPU's TLB that fails on any hit of a translation made by another space or by an older mapping.
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mm/asid.h"
#include "unit.h"

static struct asid_allocator A; // 8 KiB: static rather than on the stack

static uint16_t act(uint64_t *ctx, unsigned cpu, bool *flush)
{
    bool f = true;
    uint16_t asid = asid_activate(&A, ctx, cpu, &f);
    if (flush != NULL)
        *flush = f;
    return asid;
}

static uint64_t gen_of(uint64_t ctx)
{
    return ctx & ~A.asid_mask;
}

// Spaces whose ctx is of the current generation have pairwise distinct ASIDs.
static bool current_distinct(const uint64_t *ctx, int n)
{
    bool seen[1u << ASID_MAX_BITS];
    memset(seen, 0, sizeof(seen));
    for (int k = 0; k < n; k++) {
        if (gen_of(ctx[k]) != A.generation)
            continue;
        uint16_t asid = asid_of(&A, ctx[k]);
        if (asid == 0 || seen[asid])
            return false;
        seen[asid] = true;
    }
    return true;
}

// --- single CPU basics ---

TEST(first_activation_gives_nonzero_asid)
{
    asid_init(&A, 8);
    EXPECT_TRUE(asid_valid(&A));
    uint64_t ctx = 0;
    bool flush;
    uint16_t asid = act(&ctx, 0, &flush);
    EXPECT_NE(asid, 0);
    EXPECT_TRUE(asid < 256);
    EXPECT_NE(ctx, 0);
    EXPECT_EQ(asid_of(&A, ctx), asid);
    EXPECT_EQ(gen_of(ctx), A.generation);
    EXPECT_FALSE(flush);
    EXPECT_EQ(A.active[0], ctx);
    EXPECT_EQ(asid_of(&A, 0), 0);
    EXPECT_TRUE(asid_valid(&A));
}

TEST(reactivation_same_generation_same_asid_no_flush)
{
    asid_init(&A, 8);
    uint64_t x = 0, y = 0;
    bool flush;
    uint16_t ax = act(&x, 0, &flush);
    uint64_t xctx = x;
    for (int k = 0; k < 50; k++) {
        EXPECT_EQ(act(&x, 0, &flush), ax);
        EXPECT_FALSE(flush);
        EXPECT_EQ(x, xctx);
        uint16_t ay = act(&y, 0, &flush); // switching back and forth
        EXPECT_NE(ay, ax);
        EXPECT_FALSE(flush);
    }
    EXPECT_EQ(A.rollovers, 0);
    EXPECT_EQ(A.free, 255 - 2);
    EXPECT_TRUE(asid_valid(&A));
}

TEST(distinct_live_spaces_get_distinct_asids)
{
    static uint64_t ctx[255];
    asid_init(&A, 8);
    memset(ctx, 0, sizeof(ctx));
    for (int k = 0; k < 255; k++) {
        bool flush;
        uint16_t asid = act(&ctx[k], 0, &flush);
        EXPECT_EQ(asid, k + 1); // the cursor hands them out in order
        EXPECT_FALSE(flush);
    }
    EXPECT_TRUE(current_distinct(ctx, 255));
    EXPECT_EQ(A.free, 0);
    EXPECT_EQ(A.rollovers, 0);
    // Running them all again changes nothing.
    for (int k = 0; k < 255; k++) {
        bool flush;
        uint64_t before = ctx[k];
        EXPECT_EQ(act(&ctx[k], 0, &flush), k + 1);
        EXPECT_FALSE(flush);
        EXPECT_EQ(ctx[k], before);
    }
    EXPECT_EQ(A.rollovers, 0);
    EXPECT_TRUE(asid_valid(&A));
}

TEST(rollover_after_300_spaces_8bit)
{
    static uint64_t ctx[300];
    static uint16_t asid[300];
    asid_init(&A, 8);
    memset(ctx, 0, sizeof(ctx));
    int flushes = 0, flush_at = -1;
    uint64_t gen1 = A.generation;
    for (int k = 0; k < 300; k++) {
        bool flush;
        asid[k] = act(&ctx[k], 0, &flush);
        EXPECT_NE(asid[k], 0);
        if (flush) {
            flushes++;
            flush_at = k;
        }
        EXPECT_TRUE(asid_valid(&A));
    }
    EXPECT_EQ(flushes, 1);
    EXPECT_EQ(flush_at, 255); // the 256th space found no ASID left
    EXPECT_EQ(A.rollovers, 1);
    EXPECT_EQ(A.generation, gen1 + 256);

    // Space 254 was running when space 255 rolled over: its ASID (255) is reserved for it, nobody new got it.
    EXPECT_EQ(asid[254], 255);
    EXPECT_EQ(A.reserved[0], ctx[254]);
    for (int k = 255; k < 300; k++) {
        EXPECT_EQ(asid[k], k - 254); // 1, 2, ... again
        EXPECT_NE(asid[k], asid[254]);
        EXPECT_EQ(gen_of(ctx[k]), A.generation);
    }
    // It keeps that ASID when it runs again, without a flush; its ctx moves to the new generation.
    bool flush;
    EXPECT_EQ(act(&ctx[254], 0, &flush), 255);
    EXPECT_FALSE(flush);
    EXPECT_EQ(gen_of(ctx[254]), A.generation);
    EXPECT_EQ(A.reserved[0], 0);
    EXPECT_TRUE(current_distinct(ctx, 300));

    // Spaces of the old generation run again: each gets a fresh ASID, no flush, still no sharing.
    for (int k = 0; k < 150; k++) {
        EXPECT_EQ(gen_of(ctx[k]), gen1);
        act(&ctx[k], 0, &flush);
        EXPECT_FALSE(flush);
        EXPECT_EQ(gen_of(ctx[k]), A.generation);
    }
    EXPECT_EQ(A.rollovers, 1);
    EXPECT_TRUE(current_distinct(ctx, 300));
    EXPECT_EQ(A.free, 255 - 46 - 150);
    EXPECT_TRUE(asid_valid(&A));

    // Everyone in turn, over and over: one flush per rollover, never two current spaces with one ASID.
    uint64_t before = A.rollovers;
    int more_flushes = 0;
    for (int round = 0; round < 10; round++) {
        for (int k = 0; k < 300; k++) {
            uint64_t r = A.rollovers;
            act(&ctx[k], 0, &flush);
            EXPECT_EQ(flush, A.rollovers != r);
            more_flushes += flush;
            EXPECT_TRUE(current_distinct(ctx, 300));
        }
    }
    EXPECT_EQ(more_flushes, A.rollovers - before);
    EXPECT_TRUE(A.rollovers - before >= 10);
    EXPECT_TRUE(asid_valid(&A));
}

TEST(running_space_keeps_asid_across_rollover)
{
    static uint64_t ctx[256];
    asid_init(&A, 8);
    memset(ctx, 0, sizeof(ctx));
    uint64_t x = 0;
    bool flush;
    uint16_t ax = act(&x, 0, &flush); // ASID 1
    for (int k = 0; k < 254; k++)
        act(&ctx[k], 0, NULL); // 2 .. 255
    EXPECT_EQ(A.free, 0);
    act(&x, 0, &flush); // x runs again (same generation): no change
    EXPECT_FALSE(flush);
    act(&ctx[254], 0, &flush); // no ASID left: rollover, with x the one running
    EXPECT_TRUE(flush);
    EXPECT_EQ(A.rollovers, 1);
    EXPECT_NE(asid_of(&A, ctx[254]), ax);
    EXPECT_EQ(act(&x, 0, &flush), ax);
    EXPECT_FALSE(flush);
    EXPECT_EQ(gen_of(x), A.generation);
    EXPECT_TRUE(asid_valid(&A));
}

// --- release and reuse ---

TEST(released_asids_are_reused_in_the_same_generation)
{
    static uint64_t ctx[255], fresh[41];
    asid_init(&A, 8);
    memset(ctx, 0, sizeof(ctx));
    memset(fresh, 0, sizeof(fresh));
    for (int k = 0; k < 255; k++)
        act(&ctx[k], 0, NULL);
    act(&ctx[0], 0, NULL); // space 0 runs; release others (their ASIDs invalidated first, by contract)
    bool released[256] = {false};
    int n = 0;
    for (int k = 5; k < 255 && n < 40; k += 6) {
        released[asid_of(&A, ctx[k])] = true;
        asid_release(&A, ctx[k]);
        ctx[k] = 0;
        n++;
    }
    EXPECT_EQ(n, 40);
    EXPECT_EQ(A.free, 40);
    EXPECT_TRUE(asid_valid(&A));
    for (int k = 0; k < 40; k++) {
        bool flush;
        uint16_t asid = act(&fresh[k], 0, &flush);
        EXPECT_FALSE(flush);
        EXPECT_TRUE(released[asid]);
        released[asid] = false; // each exactly once
    }
    EXPECT_EQ(A.rollovers, 0);
    EXPECT_EQ(A.free, 0);
    // All 255 taken: the next new space rolls over.
    bool flush;
    act(&fresh[40], 0, &flush);
    EXPECT_TRUE(flush);
    EXPECT_EQ(A.rollovers, 1);
    EXPECT_TRUE(asid_valid(&A));
}

TEST(release_behind_cursor_waits_for_the_next_sweep)
{
    static uint64_t ctx[20];
    asid_init(&A, 8);
    memset(ctx, 0, sizeof(ctx));
    for (int k = 0; k < 10; k++)
        act(&ctx[k], 0, NULL); // 1 .. 10
    asid_release(&A, ctx[2]);  // ASID 3
    ctx[2] = 0;
    EXPECT_EQ(act(&ctx[10], 0, NULL), 11); // the cursor goes on
    EXPECT_EQ(act(&ctx[2], 0, NULL), 12);  // a released space that runs again is a new space
    EXPECT_EQ(A.free, 255 - 11);
    EXPECT_TRUE(asid_valid(&A));
}

TEST(sweep_threshold_decides_between_wrap_and_rollover)
{
    static uint64_t ctx[255];
    const unsigned min = ASID_SWEEP_MIN(8); // 4
    EXPECT_EQ(min, 4);
    for (unsigned released = 1; released <= 6; released++) {
        asid_init(&A, 8);
        memset(ctx, 0, sizeof(ctx));
        for (int k = 0; k < 255; k++)
            act(&ctx[k], 0, NULL);
        for (unsigned k = 0; k < released; k++) {
            asid_release(&A, ctx[10 + k]);
            ctx[10 + k] = 0;
        }
        uint64_t y = 0;
        bool flush;
        uint16_t asid = act(&y, 0, &flush);
        if (released >= min) {
            EXPECT_FALSE(flush);
            EXPECT_EQ(A.rollovers, 0);
            EXPECT_EQ(asid, 11); // the lowest released
        } else {
            EXPECT_TRUE(flush);
            EXPECT_EQ(A.rollovers, 1);
            EXPECT_EQ(asid, 1);
        }
        EXPECT_TRUE(asid_valid(&A));
    }
}

TEST(release_of_reserved_space_frees_its_asid)
{
    static uint64_t ctx[256];
    asid_init(&A, 8);
    memset(ctx, 0, sizeof(ctx));
    for (int k = 0; k < 256; k++)
        act(&ctx[k], 0, NULL); // space 255 rolls over with space 254 (ASID 255) running
    EXPECT_EQ(A.reserved[0], ctx[254]);
    EXPECT_EQ(A.free, 253); // 0, 255 reserved, 1 for space 255
    asid_release(&A, ctx[254]);
    ctx[254] = 0;
    EXPECT_EQ(A.free, 254);
    EXPECT_EQ(A.reserved[0], 0);
    EXPECT_TRUE(asid_valid(&A));
    // 254 more new spaces fit in this generation, 255 among them.
    static uint64_t more[254];
    memset(more, 0, sizeof(more));
    bool got255 = false;
    for (int k = 0; k < 254; k++) {
        bool flush;
        got255 |= act(&more[k], 0, &flush) == 255;
        EXPECT_FALSE(flush);
    }
    EXPECT_TRUE(got255);
    EXPECT_EQ(A.rollovers, 1);
    EXPECT_TRUE(asid_valid(&A));
}

TEST(release_of_stale_or_unused_ctx_changes_nothing)
{
    static uint64_t ctx[300];
    asid_init(&A, 8);
    memset(ctx, 0, sizeof(ctx));
    asid_release(&A, 0);
    EXPECT_EQ(A.free, 255);
    for (int k = 0; k < 300; k++)
        act(&ctx[k], 0, NULL);
    unsigned free_before = A.free;
    // Space 2 is of generation 1 and not reserved: its ASID (3) belongs to space 257 now.
    EXPECT_EQ(asid_of(&A, ctx[2]), asid_of(&A, ctx[257]));
    asid_release(&A, ctx[2]);
    EXPECT_EQ(A.free, free_before);
    bool flush;
    uint16_t a257 = asid_of(&A, ctx[257]);
    EXPECT_EQ(act(&ctx[257], 0, &flush), a257);
    EXPECT_FALSE(flush);
    EXPECT_TRUE(asid_valid(&A));
}

// --- several CPUs ---

TEST(each_cpu_flushes_once_per_rollover)
{
    static uint64_t ctx[300];
    asid_init(&A, 8);
    memset(ctx, 0, sizeof(ctx));
    uint64_t x = 0, y = 0;
    bool flush;
    uint16_t ax = act(&x, 1, &flush); // x runs on CPU 1 throughout
    EXPECT_FALSE(flush);
    int flushes0 = 0;
    for (int k = 0; k < 300; k++) {
        act(&ctx[k], 0, &flush);
        flushes0 += flush;
        EXPECT_NE(asid_of(&A, ctx[k]), ax);
    }
    EXPECT_EQ(flushes0, 1);
    EXPECT_EQ(A.rollovers, 1);
    EXPECT_EQ(A.reserved[1], x);
    // CPU 1 switches to a new space: it owes the flush (once).
    act(&y, 1, &flush);
    EXPECT_TRUE(flush);
    EXPECT_NE(asid_of(&A, y), ax);
    EXPECT_EQ(act(&x, 1, &flush), ax);
    EXPECT_FALSE(flush);
    EXPECT_EQ(act(&y, 1, &flush), asid_of(&A, y));
    EXPECT_FALSE(flush);
    // CPUs 2 and 3 never ran anything: their first activation flushes too (harmless, and they cannot know better).
    act(&x, 2, &flush);
    EXPECT_TRUE(flush);
    act(&x, 2, &flush);
    EXPECT_FALSE(flush);
    EXPECT_TRUE(asid_valid(&A));
}

TEST(space_on_two_cpus_keeps_one_asid_through_two_rollovers)
{
    static uint64_t ctx[600];
    asid_init(&A, 8);
    memset(ctx, 0, sizeof(ctx));
    uint64_t x = 0, z = 0;
    uint16_t ax = act(&x, 0, NULL);
    EXPECT_EQ(act(&x, 1, NULL), ax); // x on CPUs 0 and 1
    int k = 0;
    while (A.rollovers == 0)
        act(&ctx[k++], 2, NULL); // CPU 2 churns through spaces
    EXPECT_EQ(A.reserved[0], x);
    EXPECT_EQ(A.reserved[1], x);
    uint64_t old = x;
    bool flush;
    EXPECT_EQ(act(&x, 0, &flush), ax); // x moves to the new generation on CPU 0...
    EXPECT_TRUE(flush);                // (CPU 0's flush for the rollover)
    EXPECT_NE(x, old);
    EXPECT_EQ(A.active[1], x); // ... and CPU 1, still running it, is told its new id
    EXPECT_EQ(A.reserved[0], 0);
    EXPECT_EQ(A.reserved[1], 0);
    act(&z, 0, NULL); // CPU 0 moves on; only CPU 1 runs x now
    EXPECT_TRUE(asid_valid(&A));
    uint64_t r = A.rollovers;
    while (A.rollovers == r) {
        uint16_t got = act(&ctx[k++], 2, NULL);
        EXPECT_NE(got, ax); // never lent to anyone else while CPU 1 runs x
    }
    EXPECT_EQ(A.reserved[1], x);
    EXPECT_EQ(act(&x, 3, &flush), ax); // on a third CPU: still the same ASID
    EXPECT_TRUE(flush);                // CPU 3's first activation after a rollover
    EXPECT_EQ(A.active[1], x);
    EXPECT_TRUE(asid_valid(&A));
    // A third rollover with x still on CPUs 1 and 3.
    r = A.rollovers;
    while (A.rollovers == r)
        EXPECT_NE(act(&ctx[k++ % 600], 2, NULL), ax);
    EXPECT_EQ(act(&x, 1, &flush), ax);
    EXPECT_TRUE(flush);
    EXPECT_TRUE(asid_valid(&A));
}

TEST(idle_cpu_forgets_a_released_space)
{
    static uint64_t ctx[300];
    asid_init(&A, 8);
    memset(ctx, 0, sizeof(ctx));
    uint64_t x = 0;
    act(&x, 1, NULL); // CPU 1 runs x, then goes idle (ASID 0 table, no call here)
    EXPECT_EQ(A.active[1], x);
    asid_release(&A, x); // x dies (the caller invalidated its ASID)
    EXPECT_EQ(A.active[1], 0);
    int k = 0;
    while (A.rollovers == 0)
        act(&ctx[k++], 0, NULL);
    EXPECT_EQ(A.reserved[1], 0);
    EXPECT_EQ(A.free, 255 - 1 - 1); // only CPU 0's previous space reserved, plus the new one
    EXPECT_TRUE(asid_valid(&A));
}

TEST(idle_cpu_keeps_a_live_space_reserved)
{
    static uint64_t ctx[300];
    asid_init(&A, 8);
    memset(ctx, 0, sizeof(ctx));
    uint64_t x = 0;
    uint16_t ax = act(&x, 1, NULL); // CPU 1 ran x last and is idle now (TTBR0 may still hold x)
    int k = 0;
    while (A.rollovers == 0)
        act(&ctx[k++], 0, NULL);
    EXPECT_EQ(A.reserved[1], x);
    bool flush;
    EXPECT_EQ(act(&x, 1, &flush), ax);
    EXPECT_TRUE(flush);
    EXPECT_TRUE(asid_valid(&A));
}

// --- 16-bit ASIDs ---

TEST(sixteen_bit_asids)
{
    enum { N = 65535 };
    uint64_t *ctx = calloc(N + 1, sizeof(*ctx));
    uint8_t *seen = calloc(65536, 1);
    ASSERT_TRUE(ctx != NULL && seen != NULL);
    asid_init(&A, 16);
    EXPECT_EQ(A.free, 65535);
    EXPECT_TRUE(asid_valid(&A));
    bool any_flush = false;
    for (int k = 0; k < N; k++) {
        bool flush;
        uint16_t asid = act(&ctx[k], 0, &flush);
        any_flush |= flush;
        if (asid == 0 || seen[asid]) {
            EXPECT_TRUE(asid != 0 && !seen[asid]);
            break;
        }
        seen[asid] = 1;
    }
    EXPECT_FALSE(any_flush);
    EXPECT_EQ(A.free, 0);
    EXPECT_EQ(A.rollovers, 0);
    bool flush;
    EXPECT_EQ(act(&ctx[N], 0, &flush), 1);
    EXPECT_TRUE(flush);
    EXPECT_EQ(A.rollovers, 1);
    EXPECT_EQ(act(&ctx[N - 1], 0, &flush), 65535); // the one running at the rollover
    EXPECT_FALSE(flush);
    EXPECT_EQ(A.generation, 2ull << 16);
    EXPECT_TRUE(asid_valid(&A));
    free(ctx);
    free(seen);
}

TEST(init_resets_everything)
{
    uint64_t x = 0;
    asid_init(&A, 16);
    act(&x, 3, NULL);
    asid_init(&A, 8);
    EXPECT_EQ(A.free, 255);
    EXPECT_EQ(A.active[3], 0);
    EXPECT_EQ(A.used[1], 0); // leftovers of the 16-bit bitmap are cleared too
    EXPECT_TRUE(asid_valid(&A));
    uint64_t y = 0;
    EXPECT_EQ(act(&y, 0, NULL), 1);
}

// --- randomized simulation against a TLB model ---

static uint64_t rng_state;

static uint32_t rng(void)
{
    // xorshift64*: fixed seed, so a failure reproduces exactly.
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

#define SIM_SPACES 1000
#define SIM_CPUS   4

struct sim_space {
    uint64_t ctx;
    uint64_t uid;     // a new one each time the slot is reused for a new space
    uint64_t version; // bumped on every mapping change
};

// One cached translation: which space (and which version of its mappings) made it.
struct tlb_entry {
    bool valid;
    uint64_t uid;
    uint64_t version;
};

static struct sim_space sp[SIM_SPACES];
static struct tlb_entry tlb[SIM_CPUS][256];
static int running[SIM_CPUS]; // space index, -1: idle (the ASID 0 table)
static uint16_t ttbr_asid[SIM_CPUS];
static uint64_t seen_rollovers[SIM_CPUS];
static uint64_t next_uid;
static int sim_failures;

static bool sim_check(bool cond, const char *what, long step)
{
    if (!cond && sim_failures++ < 5)
        fprintf(stderr, "    step %ld: %s\n", step, what);
    return cond;
}

// TLBI ASIDE1IS: on every CPU.
static void invalidate_asid(uint16_t asid)
{
    for (int c = 0; c < SIM_CPUS; c++)
        tlb[c][asid].valid = false;
}

// CPU c touches user memory: a TLB hit must be a translation of this space's current mappings; a miss walks the
// table and caches one.
static void touch(int c, long step)
{
    if (running[c] < 0)
        return;
    struct sim_space *s = &sp[running[c]];
    uint16_t asid = ttbr_asid[c];
    sim_check(asid == asid_of(&A, s->ctx), "a CPU runs a space under an ASID that is no longer its", step);
    struct tlb_entry *e = &tlb[c][asid];
    if (e->valid)
        sim_check(e->uid == s->uid && e->version == s->version, "stale TLB entry hit", step);
    e->valid = true;
    e->uid = s->uid;
    e->version = s->version;
}

static bool running_anywhere(int s, int ncpu)
{
    for (int c = 0; c < ncpu; c++) {
        if (running[c] == s)
            return true;
    }
    return false;
}

// The spaces that can use their ASID right now (current generation, or running on a CPU) have distinct ASIDs.
static bool live_asids_distinct(int ncpu)
{
    int owner[256];
    for (int k = 0; k < 256; k++)
        owner[k] = -1;
    for (int s = 0; s < SIM_SPACES; s++) {
        if (sp[s].ctx == 0 || (gen_of(sp[s].ctx) != A.generation && !running_anywhere(s, ncpu)))
            continue;
        uint16_t asid = asid_of(&A, sp[s].ctx);
        if (asid == 0 || owner[asid] != -1)
            return false;
        owner[asid] = s;
    }
    return true;
}

static void simulate(int ncpu, uint64_t seed)
{
    rng_state = seed;
    asid_init(&A, 8);
    memset(sp, 0, sizeof(sp));
    memset(tlb, 0, sizeof(tlb));
    memset(seen_rollovers, 0, sizeof(seen_rollovers));
    for (int c = 0; c < SIM_CPUS; c++) {
        running[c] = -1;
        ttbr_asid[c] = 0;
    }
    for (int s = 0; s < SIM_SPACES; s++)
        sp[s].uid = ++next_uid;
    sim_failures = 0;

    long activations = 0, flushes = 0, releases = 0, step = 0;
    // Phases of 3,000 steps. working: spaces in use (some phases fit in 255 ASIDs, most do not). quiet: CPUs that
    // almost never switch in this phase (a long-running process) but keep touching memory, so they carry one space
    // across several rollovers while other CPUs run it too; CPU 0 is never quiet.
    int working = 100;
    unsigned quiet = 0;
    while (activations < 100000 && sim_failures == 0) {
        step++;
        if (step % 3000 == 0) {
            working = 1 + (int)(rng() % SIM_SPACES);
            quiet = rng() & ((1u << ncpu) - 2);
        }
        uint32_t op = rng() % 100;
        int c = (int)(rng() % (uint32_t)ncpu);
        if ((op < 55 || op >= 96) && (quiet & (1u << c)) && rng() % 1000 != 0)
            op = 55; // a quiet CPU neither switches nor goes idle: it touches memory instead
        if (op < 55) {
            // Mostly any space of the working set; sometimes one running on another CPU (a migrating or
            // multi-threaded process), which is what exercises reservations shared between CPUs.
            int s = (int)(rng() % (uint32_t)working);
            int other = running[rng() % (uint32_t)ncpu];
            if (rng() % 4 == 0 && other >= 0)
                s = other;
            bool flush = false;
            uint16_t asid = asid_activate(&A, &sp[s].ctx, (unsigned)c, &flush);
            activations++;
            sim_check(asid != 0 && asid < 256, "ASID out of range", step);
            sim_check(asid == asid_of(&A, sp[s].ctx), "returned ASID is not the ctx's", step);
            sim_check(gen_of(sp[s].ctx) == A.generation, "ctx not moved to the current generation", step);
            sim_check(flush == (A.rollovers != seen_rollovers[c]), "flush_all not exactly once per rollover", step);
            seen_rollovers[c] = A.rollovers;
            if (flush) {
                memset(tlb[c], 0, sizeof(tlb[c])); // TLBI VMALLE1 (this CPU only: the stricter model)
                flushes++;
            }
            running[c] = s;
            ttbr_asid[c] = asid;
            for (int o = 0; o < ncpu; o++) {
                if (running[o] == s)
                    sim_check(ttbr_asid[o] == asid, "a space has two ASIDs on two CPUs", step);
            }
            touch(c, step);
        } else if (op < 80) {
            touch(c, step);
        } else if (op < 88) {
            // A mapping of some space changes: invalidate by its ASID on every CPU (what pgtable does).
            int s = (int)(rng() % (uint32_t)working);
            sp[s].version++;
            if (sp[s].ctx != 0)
                invalidate_asid(asid_of(&A, sp[s].ctx));
        } else if (op < 96) {
            // A space not running anywhere dies; its slot becomes a new space.
            int s = (int)(rng() % (uint32_t)working);
            if (!running_anywhere(s, ncpu)) {
                if (sp[s].ctx != 0)
                    invalidate_asid(asid_of(&A, sp[s].ctx));
                asid_release(&A, sp[s].ctx);
                sp[s].ctx = 0;
                sp[s].uid = ++next_uid;
                sp[s].version = 0;
                releases++;
            }
        } else {
            running[c] = -1; // the CPU goes idle on the ASID 0 table
            ttbr_asid[c] = 0;
        }
        sim_check(asid_valid(&A), "asid_valid", step);
        if (step % 64 == 0 || op < 55)
            sim_check(live_asids_distinct(ncpu), "two live spaces share an ASID", step);
    }
    EXPECT_EQ(sim_failures, 0);
    EXPECT_EQ(activations, 100000);
    EXPECT_TRUE(A.rollovers > 100); // the run really did exercise rollovers
    EXPECT_TRUE(flushes >= (long)A.rollovers);
    EXPECT_TRUE(flushes <= (long)A.rollovers * ncpu);
    EXPECT_TRUE(releases > 1000);
    printf("    %d CPU(s): %llu rollovers, %ld flushes, %ld releases\n", ncpu, (unsigned long long)A.rollovers, flushes,
           releases);
}

TEST(randomized_one_cpu)
{
    simulate(1, 0xa51d0001ull);
}

TEST(randomized_two_cpus)
{
    simulate(2, 0xa51d0002ull);
}

TEST(randomized_three_cpus)
{
    simulate(3, 0xa51d0003ull);
}

TEST(randomized_four_cpus)
{
    simulate(4, 0xa51d0004ull);
}
