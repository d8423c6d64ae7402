// sources: kernel/mm/region.c
// The region list of an address space (kernel/mm/region.c): exact results of insert/find/remove/protect/find_free on
// hand-built sets, every kind of overlap, splits and merges, the capacity limit (a refused call leaves the whole
// struct unchanged), the pieces reported to the callbacks, arithmetic near 2^48 and 2^64, and 100,000 seeded
// operations (anonymous and object-backed ranges) against a page-by-page model that decides every result, every
// reported piece with its offset, and the one canonical set each state must be.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wren/abi.h>

#include "mm/region.h"
#include "unit.h"

// The hand-built lists below name no backing object: the fields they leave out (obj, off) are meant to be zero.
#pragma clang diagnostic ignored "-Wmissing-field-initializers"

#define P    REGION_PAGE
#define R    WREN_PROT_READ
#define RW   (WREN_PROT_READ | WREN_PROT_WRITE)
#define RX   (WREN_PROT_READ | WREN_PROT_EXEC)
#define ANON REGION_ANON
#define IMG  REGION_IMAGE
#define STK  REGION_STACK
#define TOP  0xfffffffffffff000ull // the highest page-aligned end
#define VA48 (1ull << 48)

// --- helpers ---

// Pieces reported through a region_piece_fn.
struct pieces {
    int n;
    struct region p[1024];
};

static void record(void *ctx, const struct region *piece)
{
    struct pieces *ps = ctx;
    if (ps->n < (int)(sizeof(ps->p) / sizeof(ps->p[0])))
        ps->p[ps->n] = *piece;
    ps->n++;
}

static void print_list(const char *title, const struct region *r, int n)
{
    fprintf(stderr, "    %s (%d):\n", title, n);
    for (int k = 0; k < n; k++)
        fprintf(stderr, "      [%#llx, %#llx) prot %u kind %u\n", (unsigned long long)r[k].start,
                (unsigned long long)r[k].end, r[k].prot, r[k].kind);
}

static int check_list(const struct region *got, int n_got, const struct region *want, int n_want, const char *what,
                      int line)
{
    if (n_got == n_want && (n_got == 0 || memcmp(got, want, (size_t)n_got * sizeof(*got)) == 0))
        return 1;
    unit_fail_header(__FILE__, line);
    fprintf(stderr, "%s differ\n", what);
    print_list("got", got, n_got);
    print_list("want", want, n_want);
    return 0;
}

// The set holds exactly these regions (and is canonical).
static int check_set(const struct region_set *s, const struct region *want, int n, int line)
{
    int ok = check_list(s->r, s->count, want, n, "regions", line);
    if (!region_set_valid(s)) {
        unit_fail_header(__FILE__, line);
        fprintf(stderr, "region_set_valid is false\n");
        ok = 0;
    }
    return ok;
}

#define LIST(...)                                                                                                      \
    (const struct region[])                                                                                            \
    {                                                                                                                  \
        __VA_ARGS__                                                                                                    \
    }
#define NLIST(...)             ((int)(sizeof(LIST(__VA_ARGS__)) / sizeof(struct region)))
#define EXPECT_SET(s, ...)     check_set((s), LIST(__VA_ARGS__), NLIST(__VA_ARGS__), __LINE__)
#define EXPECT_EMPTY(s)        check_set((s), NULL, 0, __LINE__)
#define EXPECT_PIECES(ps, ...) check_list((ps)->p, (ps)->n, LIST(__VA_ARGS__), NLIST(__VA_ARGS__), "pieces", __LINE__)
#define EXPECT_NO_PIECES(ps)   check_list((ps)->p, (ps)->n, NULL, 0, "pieces", __LINE__)
#define EXPECT_SAME(a, b)      EXPECT_EQ(memcmp((a), (b), sizeof(struct region_set)), 0)
#define REG(start, end, prot, kd)                                                                                      \
    {                                                                                                                  \
        (start), (end), (prot), (kd)                                                                                   \
    }

static struct region_set *new_set(void)
{
    struct region_set *s = malloc(sizeof(*s));
    if (s == NULL)
        abort();
    memset(s, 0xa5, sizeof(*s)); // region_set_init must clear everything
    region_set_init(s);
    return s;
}

static struct region_set *copy_of(const struct region_set *s)
{
    struct region_set *c = malloc(sizeof(*c));
    if (c == NULL)
        abort();
    memcpy(c, s, sizeof(*c));
    return c;
}

// Inserts and insists that it works (the setup of a test, not what it checks).
static void add(struct region_set *s, uint64_t start, uint64_t end, uint32_t prot, uint32_t kind)
{
    if (region_insert(s, start, end, prot, kind) != 0) {
        fprintf(stderr, "setup insert [%#llx, %#llx) failed\n", (unsigned long long)start, (unsigned long long)end);
        abort();
    }
}

// A full set: REGION_MAX regions of `pages` pages, R/ANON, one every `stride` pages from page `first`.
static struct region_set *full_set(uint64_t first, uint64_t pages, uint64_t stride)
{
    struct region_set *s = new_set();
    for (int k = 0; k < REGION_MAX; k++)
        add(s, (first + k * stride) * P, (first + k * stride + pages) * P, R, ANON);
    return s;
}

// --- empty set, insert, find ---

TEST(empty_set)
{
    struct region_set *s = new_set();
    struct region_set *zero = calloc(1, sizeof(*zero));
    struct pieces ps = {0};
    uint64_t out = 0;

    EXPECT_SAME(s, zero);
    EXPECT_EMPTY(s);
    EXPECT_TRUE(region_find(s, 0) == NULL);
    EXPECT_TRUE(region_find(s, 0x400000) == NULL);
    EXPECT_TRUE(region_find(s, UINT64_MAX) == NULL);
    EXPECT_EQ(region_for_each(s, 0, TOP, record, &ps), 0);
    EXPECT_EQ(region_remove(s, 0, TOP, record, &ps), 0);
    EXPECT_EQ(region_protect(s, 0x1000, 0x2000, R, record, &ps), -E_NOMEM);
    EXPECT_NO_PIECES(&ps);
    EXPECT_EQ(region_find_free(s, 0x10000, 0x20000, 0x10000, 0, &out), 0);
    EXPECT_EQ(out, 0x10000);
    EXPECT_SAME(s, zero);
    free(zero);
    free(s);
}

TEST(insert_and_find)
{
    struct region_set *s = new_set();

    EXPECT_EQ(region_insert(s, 0x10000, 0x13000, RW, ANON), 0);
    EXPECT_EQ(region_insert(s, 0x20000, 0x21000, R, IMG), 0);
    EXPECT_EQ(region_insert(s, 0x5000, 0x6000, RX, IMG), 0);  // below everything
    EXPECT_EQ(region_insert(s, 0x18000, 0x19000, 0, STK), 0); // in between; no access (a guard)
    EXPECT_SET(s, REG(0x5000, 0x6000, RX, IMG), REG(0x10000, 0x13000, RW, ANON), REG(0x18000, 0x19000, 0, STK),
               REG(0x20000, 0x21000, R, IMG));

    EXPECT_TRUE(region_find(s, 0x10000) == &s->r[1]);
    EXPECT_TRUE(region_find(s, 0x11234) == &s->r[1]);
    EXPECT_TRUE(region_find(s, 0x12fff) == &s->r[1]);
    EXPECT_TRUE(region_find(s, 0x13000) == NULL);
    EXPECT_TRUE(region_find(s, 0xffff) == NULL);
    EXPECT_TRUE(region_find(s, 0x5000) == &s->r[0]);
    EXPECT_TRUE(region_find(s, 0x4fff) == NULL);
    EXPECT_TRUE(region_find(s, 0x6000) == NULL);
    EXPECT_TRUE(region_find(s, 0x18800) == &s->r[2]);
    EXPECT_TRUE(region_find(s, 0x20fff) == &s->r[3]);
    EXPECT_TRUE(region_find(s, 0x21000) == NULL);
    EXPECT_TRUE(region_find(s, 0) == NULL);
    EXPECT_TRUE(region_find(s, UINT64_MAX) == NULL);
    free(s);
}

TEST(find_in_a_full_set)
{
    struct region_set *s = full_set(1, 2, 3); // [1,3) [4,6) ... pages

    for (int k = 0; k < REGION_MAX; k++) {
        uint64_t start = (1 + 3ull * k) * P;
        EXPECT_TRUE(region_find(s, start) == &s->r[k]);
        EXPECT_TRUE(region_find(s, start + 2 * P - 1) == &s->r[k]);
        EXPECT_TRUE(region_find(s, start - 1) == NULL);
        EXPECT_TRUE(region_find(s, start + 2 * P) == NULL);
    }
    free(s);
}

TEST(insert_bad_arguments)
{
    struct region_set *s = new_set();
    add(s, 0x10000, 0x12000, R, ANON);
    struct region_set *before = copy_of(s);

    EXPECT_EQ(region_insert(s, 0x20001, 0x22000, R, ANON), -E_INVAL); // unaligned start
    EXPECT_EQ(region_insert(s, 0x20000, 0x21fff, R, ANON), -E_INVAL); // unaligned end
    EXPECT_EQ(region_insert(s, 0x20800, 0x20800, R, ANON), -E_INVAL);
    EXPECT_EQ(region_insert(s, 0x20000, 0x20000, R, ANON), -E_INVAL); // empty
    EXPECT_EQ(region_insert(s, 0x22000, 0x20000, R, ANON), -E_INVAL); // inverted
    EXPECT_EQ(region_insert(s, TOP, 0, R, ANON), -E_INVAL);           // an end that wrapped
    EXPECT_EQ(region_insert(s, 0x20000, 0x21000, 0x8, ANON), -E_INVAL);
    EXPECT_EQ(region_insert(s, 0x20000, 0x21000, 0x80000000u | R, ANON), -E_INVAL);
    EXPECT_EQ(region_insert(s, 0x11000, 0x11800, R, ANON), -E_INVAL); // arguments before overlap
    EXPECT_SAME(s, before);
    free(before);
    free(s);
}

TEST(insert_overlap_refused)
{
    struct region_set *s = new_set();
    add(s, 0x10000, 0x14000, R, ANON);
    add(s, 0x18000, 0x1a000, RW, ANON);
    struct region_set *before = copy_of(s);
    static const uint64_t ranges[][2] = {
        {0x10000, 0x14000}, // the same range
        {0x11000, 0x12000}, // inside
        {0x10000, 0x11000}, // inside, at the start
        {0x13000, 0x14000}, // inside, at the end
        {0xf000, 0x11000},  // straddling the start
        {0x13000, 0x15000}, // straddling the end
        {0xf000, 0x15000},  // covering
        {0x10000, 0x15000}, // covering, same start
        {0xf000, 0x14000},  // covering, same end
        {0x13000, 0x19000}, // from one region into the next
        {0x14000, 0x19000}, // from the hole into the next
        {0x0, 0x20000},     // covering both
        {0x0, TOP},         // everything
    };

    for (size_t k = 0; k < sizeof(ranges) / sizeof(ranges[0]); k++) {
        // Same prot and kind (would merge if allowed) and different ones.
        if (!EXPECT_EQ(region_insert(s, ranges[k][0], ranges[k][1], R, ANON), -E_EXIST))
            fprintf(stderr, "    range %zu\n", k);
        if (!EXPECT_EQ(region_insert(s, ranges[k][0], ranges[k][1], RX, IMG), -E_EXIST))
            fprintf(stderr, "    range %zu\n", k);
    }
    EXPECT_SAME(s, before);

    // Touching is not overlapping.
    EXPECT_EQ(region_insert(s, 0xf000, 0x10000, RX, IMG), 0);
    EXPECT_EQ(region_insert(s, 0x14000, 0x15000, RX, IMG), 0);
    EXPECT_EQ(region_insert(s, 0x17000, 0x18000, RX, ANON), 0);
    EXPECT_SET(s, REG(0xf000, 0x10000, RX, IMG), REG(0x10000, 0x14000, R, ANON), REG(0x14000, 0x15000, RX, IMG),
               REG(0x17000, 0x18000, RX, ANON), REG(0x18000, 0x1a000, RW, ANON));
    free(before);
    free(s);
}

TEST(insert_merges_equal_neighbours)
{
    struct region_set *s = new_set();

    add(s, 0x10000, 0x11000, RW, ANON);
    EXPECT_EQ(region_insert(s, 0x11000, 0x12000, RW, ANON), 0); // joins on the left
    EXPECT_SET(s, REG(0x10000, 0x12000, RW, ANON));
    EXPECT_EQ(region_insert(s, 0xf000, 0x10000, RW, ANON), 0); // joins on the right
    EXPECT_SET(s, REG(0xf000, 0x12000, RW, ANON));
    EXPECT_EQ(region_insert(s, 0x13000, 0x14000, RW, ANON), 0); // a hole between
    EXPECT_SET(s, REG(0xf000, 0x12000, RW, ANON), REG(0x13000, 0x14000, RW, ANON));
    EXPECT_EQ(region_insert(s, 0x12000, 0x13000, RW, ANON), 0); // fills the hole: one region
    EXPECT_SET(s, REG(0xf000, 0x14000, RW, ANON));

    // Touching but different: no merge.
    EXPECT_EQ(region_insert(s, 0x14000, 0x15000, RW, STK), 0);
    EXPECT_EQ(region_insert(s, 0xe000, 0xf000, R, ANON), 0);
    EXPECT_SET(s, REG(0xe000, 0xf000, R, ANON), REG(0xf000, 0x14000, RW, ANON), REG(0x14000, 0x15000, RW, STK));

    // The same address space built in another order is the same struct, byte for byte.
    struct region_set *t = new_set();
    add(t, 0x14000, 0x15000, RW, STK);
    add(t, 0x12000, 0x13000, RW, ANON);
    add(t, 0xe000, 0xf000, R, ANON);
    add(t, 0xf000, 0x10000, RW, ANON);
    add(t, 0x13000, 0x14000, RW, ANON);
    add(t, 0x10000, 0x12000, RW, ANON);
    EXPECT_SAME(s, t);
    free(t);
    free(s);
}

TEST(insert_when_full)
{
    struct region_set *s = full_set(0, 1, 2); // pages [0,1) [2,3) ... [254,255)
    EXPECT_EQ(s->count, REGION_MAX);
    struct region_set *before = copy_of(s);

    EXPECT_EQ(region_insert(s, 256 * P, 257 * P, RW, ANON), -E_NOMEM);
    EXPECT_EQ(region_insert(s, 3 * P, 4 * P, R, IMG), -E_NOMEM);   // different kind: no merge
    EXPECT_EQ(region_insert(s, 3 * P, 4 * P, RW, ANON), -E_NOMEM); // different prot: no merge
    EXPECT_EQ(region_insert(s, 2 * P, 3 * P, R, ANON), -E_EXIST);  // overlap is reported first
    EXPECT_EQ(region_insert(s, 3 * P, 3 * P + 1, R, ANON), -E_INVAL);
    EXPECT_SAME(s, before);

    // Inserts that merge need no slot.
    EXPECT_EQ(region_insert(s, 255 * P, 256 * P, R, ANON), 0); // joins the last region
    EXPECT_EQ(s->count, REGION_MAX);
    EXPECT_TRUE(s->r[REGION_MAX - 1].start == 254 * P && s->r[REGION_MAX - 1].end == 256 * P);
    EXPECT_EQ(region_insert(s, 1 * P, 2 * P, R, ANON), 0); // joins both: one slot free
    EXPECT_EQ(s->count, REGION_MAX - 1);
    EXPECT_TRUE(s->r[0].start == 0 && s->r[0].end == 3 * P);
    EXPECT_TRUE(region_set_valid(s));
    EXPECT_EQ(region_insert(s, 300 * P, 301 * P, RW, ANON), 0);
    EXPECT_EQ(s->count, REGION_MAX);
    EXPECT_EQ(region_insert(s, 302 * P, 303 * P, RW, ANON), -E_NOMEM);
    EXPECT_TRUE(region_set_valid(s));
    free(before);
    free(s);
}

// --- remove ---

TEST(remove_middle_splits)
{
    struct region_set *s = new_set();
    struct pieces ps = {0};
    add(s, 0x10000, 0x20000, RW, ANON);

    EXPECT_EQ(region_remove(s, 0x14000, 0x16000, record, &ps), 0);
    EXPECT_SET(s, REG(0x10000, 0x14000, RW, ANON), REG(0x16000, 0x20000, RW, ANON));
    EXPECT_PIECES(&ps, REG(0x14000, 0x16000, RW, ANON));
    EXPECT_TRUE(region_find(s, 0x15000) == NULL);
    EXPECT_TRUE(region_find(s, 0x13fff) == &s->r[0]);
    EXPECT_TRUE(region_find(s, 0x16000) == &s->r[1]);

    // Putting the pages back makes one region again.
    add(s, 0x14000, 0x16000, RW, ANON);
    EXPECT_SET(s, REG(0x10000, 0x20000, RW, ANON));
    free(s);
}

TEST(remove_trims_straddled_edges)
{
    struct region_set *s = new_set();
    struct pieces ps = {0};
    add(s, 0x10000, 0x14000, R, ANON);
    add(s, 0x18000, 0x1c000, RW, IMG);

    EXPECT_EQ(region_remove(s, 0x12000, 0x1a000, record, &ps), 0);
    EXPECT_SET(s, REG(0x10000, 0x12000, R, ANON), REG(0x1a000, 0x1c000, RW, IMG));
    EXPECT_PIECES(&ps, REG(0x12000, 0x14000, R, ANON), REG(0x18000, 0x1a000, RW, IMG));

    ps.n = 0;
    EXPECT_EQ(region_remove(s, 0x8000, 0x11000, record, &ps), 0); // from a hole into a region
    EXPECT_PIECES(&ps, REG(0x10000, 0x11000, R, ANON));
    ps.n = 0;
    EXPECT_EQ(region_remove(s, 0x1b000, 0x30000, record, &ps), 0); // from a region into a hole
    EXPECT_PIECES(&ps, REG(0x1b000, 0x1c000, RW, IMG));
    EXPECT_SET(s, REG(0x11000, 0x12000, R, ANON), REG(0x1a000, 0x1b000, RW, IMG));
    free(s);
}

TEST(remove_across_several)
{
    struct region_set *s = new_set();
    struct pieces ps = {0};
    add(s, 0x10000, 0x13000, R, ANON);
    add(s, 0x13000, 0x14000, RW, ANON); // touches the first
    add(s, 0x16000, 0x17000, RX, IMG);
    add(s, 0x18000, 0x1a000, RW, STK);
    add(s, 0x1a000, 0x1d000, R, STK);
    add(s, 0x30000, 0x31000, R, ANON);

    EXPECT_EQ(region_remove(s, 0x12000, 0x1b000, record, &ps), 0);
    EXPECT_SET(s, REG(0x10000, 0x12000, R, ANON), REG(0x1b000, 0x1d000, R, STK), REG(0x30000, 0x31000, R, ANON));
    EXPECT_PIECES(&ps, REG(0x12000, 0x13000, R, ANON), REG(0x13000, 0x14000, RW, ANON), REG(0x16000, 0x17000, RX, IMG),
                  REG(0x18000, 0x1a000, RW, STK), REG(0x1a000, 0x1b000, R, STK));

    // Exactly whole regions, and everything.
    ps.n = 0;
    EXPECT_EQ(region_remove(s, 0x1b000, 0x1d000, record, &ps), 0);
    EXPECT_PIECES(&ps, REG(0x1b000, 0x1d000, R, STK));
    EXPECT_SET(s, REG(0x10000, 0x12000, R, ANON), REG(0x30000, 0x31000, R, ANON));
    ps.n = 0;
    EXPECT_EQ(region_remove(s, 0, TOP, record, &ps), 0);
    EXPECT_PIECES(&ps, REG(0x10000, 0x12000, R, ANON), REG(0x30000, 0x31000, R, ANON));
    EXPECT_EMPTY(s);
    struct region_set *fresh = new_set();
    EXPECT_SAME(s, fresh); // freed slots are zeroed
    free(fresh);
    free(s);
}

TEST(remove_hole_is_noop)
{
    struct region_set *s = new_set();
    struct pieces ps = {0};
    add(s, 0x10000, 0x12000, R, ANON);
    add(s, 0x14000, 0x16000, RW, ANON);
    struct region_set *before = copy_of(s);

    EXPECT_EQ(region_remove(s, 0x12000, 0x14000, record, &ps), 0); // exactly the hole
    EXPECT_EQ(region_remove(s, 0x13000, 0x14000, record, &ps), 0);
    EXPECT_EQ(region_remove(s, 0x0, 0x10000, record, &ps), 0);    // below everything
    EXPECT_EQ(region_remove(s, 0x16000, TOP, record, &ps), 0);    // above everything
    EXPECT_EQ(region_remove(s, 0x12000, 0x13000, NULL, NULL), 0); // no callback
    EXPECT_NO_PIECES(&ps);
    EXPECT_SAME(s, before);

    // A NULL callback is fine when something is removed too.
    EXPECT_EQ(region_remove(s, 0x11000, 0x15000, NULL, NULL), 0);
    EXPECT_SET(s, REG(0x10000, 0x11000, R, ANON), REG(0x15000, 0x16000, RW, ANON));
    free(before);
    free(s);
}

TEST(remove_bad_arguments)
{
    struct region_set *s = new_set();
    struct pieces ps = {0};
    add(s, 0x10000, 0x12000, R, ANON);
    struct region_set *before = copy_of(s);

    EXPECT_EQ(region_remove(s, 0x10001, 0x12000, record, &ps), -E_INVAL);
    EXPECT_EQ(region_remove(s, 0x10000, 0x11fff, record, &ps), -E_INVAL);
    EXPECT_EQ(region_remove(s, 0x10000, 0x10000, record, &ps), -E_INVAL);
    EXPECT_EQ(region_remove(s, 0x12000, 0x10000, record, &ps), -E_INVAL);
    EXPECT_EQ(region_remove(s, TOP, 0, record, &ps), -E_INVAL);
    EXPECT_NO_PIECES(&ps);
    EXPECT_SAME(s, before);
    free(before);
    free(s);
}

TEST(remove_when_full)
{
    struct region_set *s = full_set(0, 3, 4); // [0,3) [4,7) ... pages
    struct pieces ps = {0};
    struct region_set *before = copy_of(s);

    EXPECT_EQ(region_remove(s, 5 * P, 6 * P, record, &ps), -E_NOMEM); // would split [4,7)
    EXPECT_NO_PIECES(&ps);
    EXPECT_SAME(s, before);

    EXPECT_EQ(region_remove(s, 4 * P, 5 * P, record, &ps), 0); // trimming needs no slot
    EXPECT_PIECES(&ps, REG(4 * P, 5 * P, R, ANON));
    ps.n = 0;
    EXPECT_EQ(region_remove(s, 10 * P, 13 * P, record, &ps), 0); // the end of [8,11), the start of [12,15)
    EXPECT_PIECES(&ps, REG(10 * P, 11 * P, R, ANON), REG(12 * P, 13 * P, R, ANON));
    EXPECT_EQ(s->count, REGION_MAX);
    EXPECT_TRUE(region_set_valid(s));

    ps.n = 0;
    EXPECT_EQ(region_remove(s, 16 * P, 19 * P, record, &ps), 0); // a whole region: one slot free
    EXPECT_EQ(s->count, REGION_MAX - 1);
    EXPECT_EQ(region_remove(s, 1 * P, 2 * P, record, &ps), 0); // now the split fits
    EXPECT_EQ(s->count, REGION_MAX);
    EXPECT_PIECES(&ps, REG(16 * P, 19 * P, R, ANON), REG(1 * P, 2 * P, R, ANON));
    EXPECT_TRUE(s->r[0].start == 0 && s->r[0].end == P && s->r[1].start == 2 * P && s->r[1].end == 3 * P);
    EXPECT_TRUE(region_set_valid(s));
    free(before);
    free(s);
}

// --- protect ---

TEST(protect_middle_then_back)
{
    struct region_set *s = new_set();
    struct pieces ps = {0};
    add(s, 0x10000, 0x20000, RW, ANON);
    struct region_set *before = copy_of(s);

    EXPECT_EQ(region_protect(s, 0x14000, 0x16000, R, record, &ps), 0);
    EXPECT_SET(s, REG(0x10000, 0x14000, RW, ANON), REG(0x14000, 0x16000, R, ANON), REG(0x16000, 0x20000, RW, ANON));
    EXPECT_PIECES(&ps, REG(0x14000, 0x16000, RW, ANON));

    ps.n = 0;
    EXPECT_EQ(region_protect(s, 0x14000, 0x16000, RW, record, &ps), 0);
    EXPECT_SET(s, REG(0x10000, 0x20000, RW, ANON));
    EXPECT_PIECES(&ps, REG(0x14000, 0x16000, R, ANON));
    EXPECT_SAME(s, before);
    free(before);
    free(s);
}

TEST(protect_edges_and_whole)
{
    struct region_set *s = new_set();
    struct pieces ps = {0};
    add(s, 0x10000, 0x18000, RW, ANON);
    struct region_set *before = copy_of(s);

    EXPECT_EQ(region_protect(s, 0x10000, 0x18000, RW, record, &ps), 0); // already so: nothing to do
    EXPECT_EQ(region_protect(s, 0x12000, 0x13000, RW, record, &ps), 0);
    EXPECT_NO_PIECES(&ps);
    EXPECT_SAME(s, before);

    EXPECT_EQ(region_protect(s, 0x10000, 0x12000, R, record, &ps), 0); // the start
    EXPECT_SET(s, REG(0x10000, 0x12000, R, ANON), REG(0x12000, 0x18000, RW, ANON));
    EXPECT_EQ(region_protect(s, 0x17000, 0x18000, 0, record, &ps), 0); // the end
    EXPECT_SET(s, REG(0x10000, 0x12000, R, ANON), REG(0x12000, 0x17000, RW, ANON), REG(0x17000, 0x18000, 0, ANON));
    EXPECT_PIECES(&ps, REG(0x10000, 0x12000, RW, ANON), REG(0x17000, 0x18000, RW, ANON));

    ps.n = 0;
    EXPECT_EQ(region_protect(s, 0x10000, 0x18000, RX, record, &ps), 0); // the whole: one region again
    EXPECT_SET(s, REG(0x10000, 0x18000, RX, ANON));
    EXPECT_PIECES(&ps, REG(0x10000, 0x12000, R, ANON), REG(0x12000, 0x17000, RW, ANON), REG(0x17000, 0x18000, 0, ANON));
    free(before);
    free(s);
}

TEST(protect_across_regions_merges)
{
    struct region_set *s = new_set();
    struct pieces ps = {0};
    add(s, 0x10000, 0x12000, R, ANON);
    add(s, 0x12000, 0x14000, RW, ANON);
    add(s, 0x14000, 0x16000, RX, ANON);

    EXPECT_EQ(region_protect(s, 0x10000, 0x16000, RW, record, &ps), 0);
    EXPECT_SET(s, REG(0x10000, 0x16000, RW, ANON));
    EXPECT_PIECES(&ps, REG(0x10000, 0x12000, R, ANON), REG(0x14000, 0x16000, RX, ANON)); // the RW one is not

    // Regions of different kinds stay apart even with the same prot.
    add(s, 0x16000, 0x18000, R, IMG);
    add(s, 0x18000, 0x1a000, RX, STK);
    ps.n = 0;
    EXPECT_EQ(region_protect(s, 0x11000, 0x19000, R, record, &ps), 0);
    EXPECT_SET(s, REG(0x10000, 0x11000, RW, ANON), REG(0x11000, 0x16000, R, ANON), REG(0x16000, 0x18000, R, IMG),
               REG(0x18000, 0x19000, R, STK), REG(0x19000, 0x1a000, RX, STK));
    EXPECT_PIECES(&ps, REG(0x11000, 0x16000, RW, ANON), REG(0x18000, 0x19000, RX, STK));
    free(s);
}

TEST(protect_joins_outer_neighbours)
{
    struct region_set *s = new_set();
    struct pieces ps = {0};
    add(s, 0x10000, 0x12000, RW, ANON);
    add(s, 0x12000, 0x14000, R, ANON);
    add(s, 0x14000, 0x16000, RW, ANON);

    // Part of the middle region, at its start: the boundary with the left neighbour moves.
    EXPECT_EQ(region_protect(s, 0x12000, 0x13000, RW, record, &ps), 0);
    EXPECT_SET(s, REG(0x10000, 0x13000, RW, ANON), REG(0x13000, 0x14000, R, ANON), REG(0x14000, 0x16000, RW, ANON));
    // The rest: all three are one.
    EXPECT_EQ(region_protect(s, 0x13000, 0x14000, RW, record, &ps), 0);
    EXPECT_SET(s, REG(0x10000, 0x16000, RW, ANON));
    EXPECT_PIECES(&ps, REG(0x12000, 0x13000, R, ANON), REG(0x13000, 0x14000, R, ANON));

    // At the end of a region, joining the right neighbour.
    struct region_set *t = new_set();
    add(t, 0x10000, 0x14000, R, ANON);
    add(t, 0x14000, 0x16000, RW, ANON);
    EXPECT_EQ(region_protect(t, 0x12000, 0x14000, RW, NULL, NULL), 0);
    EXPECT_SET(t, REG(0x10000, 0x12000, R, ANON), REG(0x12000, 0x16000, RW, ANON));
    // Across the edge between two regions: pieces of both join each other (and not the left remnant).
    EXPECT_EQ(region_protect(t, 0x11000, 0x13000, RX, NULL, NULL), 0);
    EXPECT_SET(t, REG(0x10000, 0x11000, R, ANON), REG(0x11000, 0x13000, RX, ANON), REG(0x13000, 0x16000, RW, ANON));
    free(t);
    free(s);
}

TEST(protect_hole_refused)
{
    struct region_set *s = new_set();
    struct pieces ps = {0};
    add(s, 0x10000, 0x12000, R, ANON);
    add(s, 0x13000, 0x15000, R, ANON);
    struct region_set *before = copy_of(s);

    EXPECT_EQ(region_protect(s, 0x11000, 0x14000, RW, record, &ps), -E_NOMEM); // a hole inside
    EXPECT_EQ(region_protect(s, 0x10000, 0x15000, RW, record, &ps), -E_NOMEM);
    EXPECT_EQ(region_protect(s, 0xf000, 0x11000, RW, record, &ps), -E_NOMEM);  // starts in a hole
    EXPECT_EQ(region_protect(s, 0x14000, 0x16000, RW, record, &ps), -E_NOMEM); // ends in a hole
    EXPECT_EQ(region_protect(s, 0x12000, 0x13000, RW, record, &ps), -E_NOMEM); // all hole
    EXPECT_EQ(region_protect(s, 0x20000, 0x21000, RW, record, &ps), -E_NOMEM); // past everything
    EXPECT_EQ(region_protect(s, 0x0, TOP, RW, record, &ps), -E_NOMEM);
    EXPECT_NO_PIECES(&ps);
    EXPECT_SAME(s, before);
    free(before);
    free(s);
}

TEST(protect_bad_arguments)
{
    struct region_set *s = new_set();
    struct pieces ps = {0};
    add(s, 0x10000, 0x12000, R, ANON);
    struct region_set *before = copy_of(s);

    EXPECT_EQ(region_protect(s, 0x10800, 0x12000, RW, record, &ps), -E_INVAL);
    EXPECT_EQ(region_protect(s, 0x10000, 0x11800, RW, record, &ps), -E_INVAL);
    EXPECT_EQ(region_protect(s, 0x10000, 0x10000, RW, record, &ps), -E_INVAL);
    EXPECT_EQ(region_protect(s, 0x11000, 0x10000, RW, record, &ps), -E_INVAL);
    EXPECT_EQ(region_protect(s, 0x10000, 0x11000, 0x10, record, &ps), -E_INVAL);
    EXPECT_EQ(region_protect(s, 0x20000, 0x20800, RW, record, &ps), -E_INVAL); // arguments before coverage
    EXPECT_NO_PIECES(&ps);
    EXPECT_SAME(s, before);
    free(before);
    free(s);
}

TEST(protect_when_full)
{
    struct region_set *s = full_set(0, 3, 4); // [0,3) [4,7) ... pages, R
    struct pieces ps = {0};
    struct region_set *before = copy_of(s);

    EXPECT_EQ(region_protect(s, 5 * P, 6 * P, RW, record, &ps), -E_NOMEM); // middle: needs two slots
    EXPECT_EQ(region_protect(s, 4 * P, 5 * P, RW, record, &ps), -E_NOMEM); // an edge: needs one
    EXPECT_EQ(region_protect(s, 6 * P, 7 * P, RW, record, &ps), -E_NOMEM);
    EXPECT_NO_PIECES(&ps);
    EXPECT_SAME(s, before);
    EXPECT_EQ(region_protect(s, 5 * P, 6 * P, R, record, &ps), 0); // no change needs no slot
    EXPECT_NO_PIECES(&ps);
    EXPECT_SAME(s, before);
    EXPECT_EQ(region_protect(s, 4 * P, 7 * P, RW, record, &ps), 0); // a whole region
    EXPECT_PIECES(&ps, REG(4 * P, 7 * P, R, ANON));
    EXPECT_EQ(s->count, REGION_MAX);
    free(before);
    free(s);

    // Full, with touching regions A = [0,3) R and B = [3,6) RW: a split whose piece joins the neighbour needs no
    // slot, in either direction.
    s = full_set(100, 1, 2);                                      // [100,101) [102,103) ...
    EXPECT_EQ(region_remove(s, 100 * P, 104 * P, NULL, NULL), 0); // two slots for A and B
    add(s, 0, 3 * P, R, ANON);
    add(s, 3 * P, 6 * P, RW, ANON);
    EXPECT_EQ(s->count, REGION_MAX);
    ps.n = 0;
    EXPECT_EQ(region_protect(s, 1 * P, 3 * P, RW, record, &ps), 0); // the end of A joins B
    EXPECT_TRUE(s->r[0].start == 0 && s->r[0].end == P && s->r[0].prot == R);
    EXPECT_TRUE(s->r[1].start == P && s->r[1].end == 6 * P && s->r[1].prot == RW);
    EXPECT_EQ(s->count, REGION_MAX);
    EXPECT_EQ(region_protect(s, 1 * P, 3 * P, R, record, &ps), 0); // the start of B joins A
    EXPECT_TRUE(s->r[0].start == 0 && s->r[0].end == 3 * P && s->r[0].prot == R);
    EXPECT_TRUE(s->r[1].start == 3 * P && s->r[1].end == 6 * P && s->r[1].prot == RW);
    EXPECT_PIECES(&ps, REG(1 * P, 3 * P, R, ANON), REG(1 * P, 3 * P, RW, ANON));
    EXPECT_TRUE(region_set_valid(s));

    // Across the edge between A and B.
    struct region_set *full = copy_of(s);
    ps.n = 0;
    EXPECT_EQ(region_protect(s, 2 * P, 4 * P, RX, record, &ps), -E_NOMEM); // [2,4) RX in between: one more
    EXPECT_NO_PIECES(&ps);
    EXPECT_SAME(s, full);
    EXPECT_EQ(region_protect(s, 2 * P, 4 * P, R, record, &ps), 0); // [3,4) joins A; [2,3) is already R
    EXPECT_PIECES(&ps, REG(3 * P, 4 * P, RW, ANON));
    EXPECT_TRUE(s->r[0].start == 0 && s->r[0].end == 4 * P && s->r[0].prot == R);
    EXPECT_TRUE(s->r[1].start == 4 * P && s->r[1].end == 6 * P && s->r[1].prot == RW);
    ps.n = 0;
    EXPECT_EQ(region_protect(s, 2 * P, 4 * P, RW, record, &ps), 0); // [2,4) joins B
    EXPECT_PIECES(&ps, REG(2 * P, 4 * P, R, ANON));
    EXPECT_TRUE(s->r[0].start == 0 && s->r[0].end == 2 * P && s->r[0].prot == R);
    EXPECT_TRUE(s->r[1].start == 2 * P && s->r[1].end == 6 * P && s->r[1].prot == RW);
    EXPECT_EQ(s->count, REGION_MAX);
    EXPECT_TRUE(region_set_valid(s));
    free(full);
    free(s);

    // Full: protecting the middle of three touching regions to match both outer ones frees two slots.
    s = full_set(100, 1, 2);
    EXPECT_EQ(region_remove(s, 100 * P, 106 * P, NULL, NULL), 0);
    add(s, 0, 1 * P, R, ANON);
    add(s, 1 * P, 2 * P, RX, ANON);
    add(s, 2 * P, 3 * P, R, ANON);
    EXPECT_EQ(s->count, REGION_MAX);
    EXPECT_EQ(region_protect(s, 1 * P, 2 * P, R, NULL, NULL), 0);
    EXPECT_EQ(s->count, REGION_MAX - 2);
    EXPECT_TRUE(s->r[0].start == 0 && s->r[0].end == 3 * P);
    EXPECT_TRUE(region_set_valid(s));
    free(s);
}

// --- for_each ---

TEST(for_each_pieces)
{
    struct region_set *s = new_set();
    struct pieces ps = {0};
    add(s, 0x10000, 0x12000, R, ANON);
    add(s, 0x12000, 0x14000, RW, ANON);
    add(s, 0x18000, 0x1a000, RX, IMG);
    struct region_set *before = copy_of(s);

    EXPECT_EQ(region_for_each(s, 0x11000, 0x19000, record, &ps), 3);
    EXPECT_PIECES(&ps, REG(0x11000, 0x12000, R, ANON), REG(0x12000, 0x14000, RW, ANON), REG(0x18000, 0x19000, RX, IMG));
    EXPECT_EQ(region_for_each(s, 0, UINT64_MAX, NULL, NULL), 3);
    EXPECT_EQ(region_for_each(s, 0x14000, 0x18000, NULL, NULL), 0);
    EXPECT_EQ(region_for_each(s, 0x19000, 0x19000, NULL, NULL), 0);
    EXPECT_EQ(region_for_each(s, 0x19000, 0x11000, NULL, NULL), 0);
    EXPECT_EQ(region_for_each(s, 0x10800, 0x10801, NULL, NULL), 1); // any bytes, not just pages
    EXPECT_SAME(s, before);
    free(before);
    free(s);
}

// --- find_free ---

// find_free with a sentinel in *out; returns the address, or the error (negative, as uint64_t) with *out unchanged.
static uint64_t free_at(const struct region_set *s, uint64_t lo, uint64_t hi, uint64_t len, uint64_t hint)
{
    uint64_t out = 0x5a5a5a5a5a5a5a5aull;
    int err = region_find_free(s, lo, hi, len, hint, &out);
    if (err != 0) {
        EXPECT_EQ(out, 0x5a5a5a5a5a5a5a5aull);
        return (uint64_t)(int64_t)err;
    }
    return out;
}

#define NOMEM ((uint64_t)(int64_t)-E_NOMEM)
#define INVAL ((uint64_t)(int64_t)-E_INVAL)

TEST(find_free)
{
    struct region_set *s = new_set();
    add(s, 0x10000, 0x12000, R, ANON);
    add(s, 0x14000, 0x15000, R, ANON);
    add(s, 0x1e000, 0x22000, R, ANON); // straddles hi below

    // Without a hint (0 and anything at or below lo are no hint): the lowest gap that fits.
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x1000, 0), 0x12000);
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x2000, 0), 0x12000); // exactly the gap
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x3000, 0), 0x15000);
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x9000, 0x10000), 0x15000); // exactly up to the next region
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0xa000, 0), NOMEM);
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x10000, 0), NOMEM);
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x11000, 0), NOMEM); // more than the whole window
    EXPECT_EQ(free_at(s, 0x0, 0x20000, 0x10000, 0), 0x0);
    EXPECT_EQ(free_at(s, 0x0, 0x20000, 0x11000, 0), NOMEM);
    EXPECT_EQ(free_at(s, 0x11000, 0x20000, 0x1000, 0), 0x12000); // lo inside a region
    EXPECT_EQ(free_at(s, 0x13000, 0x20000, 0x1000, 0), 0x13000); // lo inside a gap
    EXPECT_EQ(free_at(s, 0x13000, 0x20000, 0x2000, 0), 0x15000);
    EXPECT_EQ(free_at(s, 0x20000, 0x30000, 0x1000, 0), 0x22000); // lo inside a region that started below
    EXPECT_EQ(free_at(s, 0x20000, 0x30000, 0xe000, 0), 0x22000); // up to hi exactly
    EXPECT_EQ(free_at(s, 0x20000, 0x30000, 0xf000, 0), NOMEM);
    EXPECT_EQ(free_at(s, 0x1e000, 0x22000, 0x1000, 0), NOMEM); // all taken

    // With a hint: the lowest fit at or above it, else the lowest anywhere.
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x1000, 0x16000), 0x16000);
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x1000, 0x13000), 0x13000);
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x2000, 0x13000), 0x15000); // [0x13000, 0x15000) is taken in part
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x1000, 0x14000), 0x15000); // the hint is taken
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x1000, 0x1d000), 0x1d000); // the last page before the region
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x2000, 0x1d000), 0x12000); // nothing above: the lowest
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x1000, 0x1e000), 0x12000);
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x1000, 0x1ffff), 0x12000); // rounds up to hi: out of range
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x1000, 0x20000), 0x12000); // hint == hi: no hint
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x1000, 0x90000), 0x12000); // above hi
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x1000, 0x8000), 0x12000);  // below lo
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x1000, 0x16001), 0x17000); // an unaligned hint rounds up
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x1000, 0x15fff), 0x16000);
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x1000, 0x12001), 0x13000);
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x9000, 0x15000), 0x15000);
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0xa000, 0x15000), NOMEM);

    // Bad arguments.
    EXPECT_EQ(free_at(s, 0x10001, 0x20000, 0x1000, 0), INVAL);
    EXPECT_EQ(free_at(s, 0x10000, 0x20001, 0x1000, 0), INVAL);
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0x1001, 0), INVAL);
    EXPECT_EQ(free_at(s, 0x10000, 0x20000, 0, 0), INVAL);
    EXPECT_EQ(free_at(s, 0x20000, 0x20000, 0x1000, 0), INVAL);
    EXPECT_EQ(free_at(s, 0x20000, 0x10000, 0x1000, 0), INVAL);
    free(s);
}

// --- the top of the address space ---

TEST(high_addresses)
{
    struct region_set *s = new_set();
    struct pieces ps = {0};

    // The highest possible region ends at 2^64 - 4096.
    EXPECT_EQ(region_insert(s, TOP - 4 * P, TOP, RW, ANON), 0);
    EXPECT_EQ(region_insert(s, TOP - P, TOP, RW, ANON), -E_EXIST);
    EXPECT_EQ(region_insert(s, TOP - 5 * P, TOP - 4 * P, RW, ANON), 0); // merges
    EXPECT_SET(s, REG(TOP - 5 * P, TOP, RW, ANON));
    EXPECT_TRUE(region_find(s, TOP - 1) == &s->r[0]);
    EXPECT_TRUE(region_find(s, TOP) == NULL);
    EXPECT_TRUE(region_find(s, UINT64_MAX) == NULL);
    EXPECT_EQ(region_protect(s, TOP - 2 * P, TOP, R, record, &ps), 0);
    EXPECT_EQ(region_protect(s, TOP - P, TOP, RX, record, &ps), 0);
    EXPECT_SET(s, REG(TOP - 5 * P, TOP - 2 * P, RW, ANON), REG(TOP - 2 * P, TOP - P, R, ANON),
               REG(TOP - P, TOP, RX, ANON));
    EXPECT_PIECES(&ps, REG(TOP - 2 * P, TOP, RW, ANON), REG(TOP - P, TOP, R, ANON));
    EXPECT_EQ(region_protect(s, TOP - P, TOP, RX, NULL, NULL), 0);

    // find_free over all of it.
    EXPECT_EQ(free_at(s, 0, TOP, TOP - 5 * P, 0), 0);
    EXPECT_EQ(free_at(s, 0, TOP, TOP - 4 * P, 0), NOMEM);
    EXPECT_EQ(free_at(s, 0, TOP, TOP - 6 * P, TOP - 6 * P), 0); // does not fit above the hint
    EXPECT_EQ(free_at(s, 0, TOP, P, TOP - 6 * P), TOP - 6 * P);
    EXPECT_EQ(free_at(s, 0, TOP, P, TOP - 6 * P - 1), TOP - 6 * P);
    EXPECT_EQ(free_at(s, 0, TOP, P, TOP - 5 * P - 1), 0); // rounds up into the region: nothing above
    EXPECT_EQ(free_at(s, 0, TOP, P, TOP - 1), 0);
    EXPECT_EQ(free_at(s, 0, TOP, P, UINT64_MAX), 0);
    EXPECT_EQ(free_at(s, 0, TOP, TOP, 0), NOMEM);
    EXPECT_EQ(free_at(s, P, TOP, TOP, 0), NOMEM); // len > hi - lo
    EXPECT_EQ(free_at(s, TOP - 6 * P, TOP, P, 0), TOP - 6 * P);
    EXPECT_EQ(free_at(s, TOP - 5 * P, TOP, P, 0), NOMEM);
    EXPECT_EQ(free_at(s, 0, TOP, UINT64_MAX & ~(P - 1), 0), NOMEM);

    ps.n = 0;
    EXPECT_EQ(region_remove(s, TOP - 3 * P, TOP, record, &ps), 0);
    EXPECT_SET(s, REG(TOP - 5 * P, TOP - 3 * P, RW, ANON));
    EXPECT_PIECES(&ps, REG(TOP - 3 * P, TOP - 2 * P, RW, ANON), REG(TOP - 2 * P, TOP - P, R, ANON),
                  REG(TOP - P, TOP, RX, ANON));
    EXPECT_EQ(free_at(s, 0, TOP, 3 * P, TOP - 3 * P), TOP - 3 * P);
    EXPECT_EQ(free_at(s, 0, TOP, 4 * P, TOP - 3 * P), 0);
    EXPECT_EQ(region_remove(s, 0, TOP, NULL, NULL), 0);
    EXPECT_EMPTY(s);
    EXPECT_EQ(free_at(s, 0, TOP, TOP, 0), 0);
    EXPECT_EQ(free_at(s, 0, TOP, TOP, 0x1000), 0);

    // The top of a 48-bit user address space.
    add(s, VA48 - 4 * P, VA48, RW, STK);
    EXPECT_EQ(free_at(s, VA48 - 16 * P, VA48, 12 * P, 0), VA48 - 16 * P);
    EXPECT_EQ(free_at(s, VA48 - 16 * P, VA48, 13 * P, 0), NOMEM);
    EXPECT_EQ(free_at(s, VA48 - 16 * P, VA48, P, VA48 - 5 * P), VA48 - 5 * P);
    EXPECT_EQ(free_at(s, VA48 - 16 * P, VA48, 2 * P, VA48 - 5 * P), VA48 - 16 * P);
    EXPECT_EQ(free_at(s, 0x400000, VA48, VA48 - 0x400000 - 4 * P, 0), 0x400000);
    EXPECT_EQ(free_at(s, 0x400000, VA48, VA48 - 0x400000 - 3 * P, 0), NOMEM);
    EXPECT_EQ(region_protect(s, VA48 - P, VA48, R, NULL, NULL), 0);
    EXPECT_EQ(region_protect(s, VA48 - P, VA48 + P, R, NULL, NULL), -E_NOMEM);
    EXPECT_SET(s, REG(VA48 - 4 * P, VA48 - P, RW, STK), REG(VA48 - P, VA48, R, STK));
    free(s);
}

// --- region_set_valid ---

TEST(set_valid_detects_damage)
{
    struct region_set *good = new_set();
    add(good, 0x10000, 0x12000, R, ANON);
    add(good, 0x12000, 0x13000, RW, ANON);
    add(good, 0x20000, 0x21000, R, ANON);
    ASSERT_TRUE(region_set_valid(good));

    struct region_set *s = copy_of(good);
#define DAMAGED(stmt)                                                                                                  \
    do {                                                                                                               \
        memcpy(s, good, sizeof(*s));                                                                                   \
        stmt;                                                                                                          \
        EXPECT_FALSE(region_set_valid(s));                                                                             \
    } while (0)
    DAMAGED(s->count = -1);
    DAMAGED(s->count = REGION_MAX + 1);
    DAMAGED(s->count = 4);                  // a zero slot counted as a region
    DAMAGED(s->r[0].start += 1);            // unaligned
    DAMAGED(s->r[1].end = 0x12800);         // unaligned
    DAMAGED(s->r[2].end = s->r[2].start);   // empty
    DAMAGED(s->r[0].end = 0x12800 + 0x800); // overlaps the next
    DAMAGED(s->r[1].prot = R);              // joinable with the one before
    DAMAGED(s->r[2].prot = 0x40);           // unknown bit
    DAMAGED(s->r[0].start = 0x30000);       // unsorted (and inverted)
    DAMAGED(s->r[2] = s->r[0]);             // unsorted
    DAMAGED(s->r[REGION_MAX - 1].kind = 1); // junk in an unused slot
    DAMAGED(s->count = 2);                  // r[2] left behind in an unused slot
#undef DAMAGED
    free(s);
    free(good);
}

// --- randomized, against a page-by-page model ---

#define MP    512                       // pages in the model's window
#define MBASE (VA48 - (uint64_t)MP * P) // the window ends at 2^48
#define NOPE  0xff                      // model prot of an unmapped page

struct model {
    uint8_t prot[MP]; // NOPE if unmapped
    uint8_t kind[MP];
    uint8_t obj[MP];  // backing object 1 or 2 (obj_ptr), or 0 for none
    uint32_t off[MP]; // with an object: the page's offset in it, in pages; 0 without
};

static void *obj_ptr(unsigned o)
{
    return o ? (void *)(uintptr_t)(0x1000u * o) : NULL;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void) // xorshift64*
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_below(uint64_t n)
{
    return rnd() % n;
}

static uint64_t addr_of(int page)
{
    return MBASE + (uint64_t)page * P;
}

static int same_page(const struct model *m, int a, int b)
{
    return m->prot[a] == m->prot[b] && m->kind[a] == m->kind[b] && m->obj[a] == m->obj[b] &&
           (m->obj[a] == 0 || m->off[b] == m->off[a] + (uint32_t)(b - a));
}

// The maximal runs of equal mapped pages in [from, to): the canonical regions (clipped to the range). With
// skip_prot != NOPE, runs with that prot are left out (what protect reports).
static int model_runs(const struct model *m, int from, int to, unsigned skip_prot, struct region *out)
{
    int n = 0;
    for (int p = from; p < to;) {
        if (m->prot[p] == NOPE) {
            p++;
            continue;
        }
        int q = p + 1;
        while (q < to && same_page(m, p, q))
            q++;
        if (skip_prot == NOPE || m->prot[p] != skip_prot)
            out[n++] = (struct region){addr_of(p), addr_of(q),         m->prot[p],
                                       m->kind[p], obj_ptr(m->obj[p]), m->obj[p] ? (uint64_t)m->off[p] * P : 0};
        p = q;
    }
    return n;
}

static int model_count(const struct model *m)
{
    static struct region tmp[MP];
    return model_runs(m, 0, MP, NOPE, tmp);
}

// The set is the model's canonical form, region_find agrees with it, and unused slots are zero.
static int matches_model(const struct region_set *s, const struct model *m, int full_find)
{
    static struct region want[MP];
    int n = model_runs(m, 0, MP, NOPE, want);
    if (!check_list(s->r, s->count, want, n, "set vs model", __LINE__))
        return 0;
    if (!EXPECT_TRUE(region_set_valid(s)))
        return 0;
    for (int k = 0; k < (full_find ? MP : 8); k++) {
        int p = full_find ? k : (int)rnd_below(MP);
        uint64_t a = addr_of(p) + rnd_below(P);
        const struct region *r = region_find(s, a);
        if (m->prot[p] == NOPE) {
            if (!EXPECT_TRUE(r == NULL))
                return 0;
        } else if (!EXPECT_TRUE(r != NULL && r->start <= a && a < r->end && r->prot == m->prot[p] &&
                                r->kind == m->kind[p] && r->obj == obj_ptr(m->obj[p]) &&
                                (r->obj == NULL || r->off + (addr_of(p) - r->start) == (uint64_t)m->off[p] * P))) {
            return 0;
        }
    }
    return 1;
}

// A random page range [*a, *b) in the window: mostly short, sometimes long.
static void random_range(int *a, int *b, int short_only)
{
    int len;
    switch (short_only ? 7 : rnd_below(8)) {
    case 0: len = 1 + (int)rnd_below(MP / 2); break;
    case 1:
    case 2: len = 1 + (int)rnd_below(24); break;
    default: len = 1 + (int)rnd_below(4); break;
    }
    *a = (int)rnd_below(MP);
    *b = *a + len > MP ? MP : *a + len;
}

// Mostly a random range of mapped pages (so that protect usually finds it covered), sometimes any range.
static void random_covered_range(const struct model *m, int *a, int *b)
{
    random_range(a, b, 0);
    if (rnd_below(4) == 0)
        return;
    for (int tries = 0; tries < 8 && m->prot[*a] == NOPE; tries++)
        random_range(a, b, 0);
    if (m->prot[*a] == NOPE)
        return;
    int q = *a;
    while (q < *b && m->prot[q] != NOPE)
        q++;
    *b = q;
}

static const unsigned prots[] = {0, R, RW, RX};

struct op_stats {
    int ok[4];
    int nomem[4];
    int other[4];
    int full[4]; // -E_NOMEM because the result would not fit (not because of a hole)
};

// --- backed regions: offsets follow every cut, and only contiguous pieces of one object merge ---

#define OBJ_A ((void *)0x1000)
#define OBJ_B ((void *)0x2000)
#define BREG(start, end, prot, kd, obj, off)                                                                           \
    {                                                                                                                  \
        (start), (end), (prot), (kd), (obj), (off)                                                                     \
    }

TEST(backed_offsets)
{
    struct region_set *s = new_set();
    struct pieces ps = {0};

    EXPECT_EQ(region_insert_backed(s, 0x10000, 0x20000, RW, ANON, OBJ_A, 0x123), -E_INVAL); // misaligned offset
    EXPECT_EQ(region_insert_backed(s, 0x10000, 0x20000, RW, ANON, NULL, 0x1000), -E_INVAL); // offset without object
    EXPECT_EMPTY(s);

    // Eight pages of A from offset 0x5000.
    EXPECT_EQ(region_insert_backed(s, 0x10000, 0x18000, RW, ANON, OBJ_A, 0x5000), 0);
    EXPECT_SET(s, BREG(0x10000, 0x18000, RW, ANON, OBJ_A, 0x5000));

    // Punch out pages 2-3: the right remnant starts at offset 0x9000; the piece reports its own offset.
    EXPECT_EQ(region_remove(s, 0x12000, 0x14000, record, &ps), 0);
    EXPECT_PIECES(&ps, BREG(0x12000, 0x14000, RW, ANON, OBJ_A, 0x7000));
    EXPECT_SET(s, BREG(0x10000, 0x12000, RW, ANON, OBJ_A, 0x5000), BREG(0x14000, 0x18000, RW, ANON, OBJ_A, 0x9000));

    // Trim the front of the right remnant.
    EXPECT_EQ(region_remove(s, 0x13000, 0x15000, NULL, NULL), 0);
    EXPECT_SET(s, BREG(0x10000, 0x12000, RW, ANON, OBJ_A, 0x5000), BREG(0x15000, 0x18000, RW, ANON, OBJ_A, 0xa000));

    // Refill the hole with A at the right offsets: everything joins into one region again.
    EXPECT_EQ(region_insert_backed(s, 0x12000, 0x15000, RW, ANON, OBJ_A, 0x7000), 0);
    EXPECT_SET(s, BREG(0x10000, 0x18000, RW, ANON, OBJ_A, 0x5000));

    // Protect a middle page: three regions with true offsets; back again: one.
    ps.n = 0;
    EXPECT_EQ(region_protect(s, 0x13000, 0x14000, R, record, &ps), 0);
    EXPECT_PIECES(&ps, BREG(0x13000, 0x14000, RW, ANON, OBJ_A, 0x8000));
    EXPECT_SET(s, BREG(0x10000, 0x13000, RW, ANON, OBJ_A, 0x5000), BREG(0x13000, 0x14000, R, ANON, OBJ_A, 0x8000),
               BREG(0x14000, 0x18000, RW, ANON, OBJ_A, 0x9000));
    EXPECT_EQ(region_protect(s, 0x13000, 0x14000, RW, NULL, NULL), 0);
    EXPECT_SET(s, BREG(0x10000, 0x18000, RW, ANON, OBJ_A, 0x5000));

    // Protect the first and the last page (edge cases of protect_part), then back.
    EXPECT_EQ(region_protect(s, 0x10000, 0x11000, R, NULL, NULL), 0);
    EXPECT_EQ(region_protect(s, 0x17000, 0x18000, R, NULL, NULL), 0);
    EXPECT_SET(s, BREG(0x10000, 0x11000, R, ANON, OBJ_A, 0x5000), BREG(0x11000, 0x17000, RW, ANON, OBJ_A, 0x6000),
               BREG(0x17000, 0x18000, R, ANON, OBJ_A, 0xc000));
    EXPECT_EQ(region_protect(s, 0x10000, 0x18000, RW, NULL, NULL), 0);
    EXPECT_SET(s, BREG(0x10000, 0x18000, RW, ANON, OBJ_A, 0x5000));

    // Neighbours that must not join: A at a wrong offset, another object, no object.
    EXPECT_EQ(region_insert_backed(s, 0x18000, 0x19000, RW, ANON, OBJ_A, 0x5000), 0);
    EXPECT_EQ(region_insert_backed(s, 0x19000, 0x1a000, RW, ANON, OBJ_B, 0xe000), 0);
    EXPECT_EQ(region_insert(s, 0x1a000, 0x1b000, RW, ANON), 0);
    // ... and one that must, joining below the region it precedes (its start moves down).
    EXPECT_EQ(region_insert_backed(s, 0xf000, 0x10000, RW, ANON, OBJ_A, 0x4000), 0);
    EXPECT_SET(s, BREG(0xf000, 0x18000, RW, ANON, OBJ_A, 0x4000), BREG(0x18000, 0x19000, RW, ANON, OBJ_A, 0x5000),
               BREG(0x19000, 0x1a000, RW, ANON, OBJ_B, 0xe000), BREG(0x1a000, 0x1b000, RW, ANON, NULL, 0));
    // A protect that makes the wrong-offset neighbour equal in prot still keeps it apart.
    EXPECT_EQ(region_protect(s, 0xf000, 0x1b000, R, NULL, NULL), 0);
    EXPECT_EQ(s->count, 4);
    EXPECT_TRUE(region_set_valid(s));

    // region_set_valid: an offset on a region without an object is damage.
    s->r[3].off = 0x1000;
    EXPECT_FALSE(region_set_valid(s));
    free(s);
}

TEST(random_against_model)
{
    struct region_set *s = new_set();
    struct region_set *before = new_set();
    static struct model m;
    static struct model next;
    static struct pieces ps;
    static struct region want[MP];
    struct op_stats st = {{0}, {0}, {0}, {0}};
    int ops = 100000;
    int max_count = 0;

    memset(m.prot, NOPE, sizeof(m.prot));
    memset(m.kind, 0, sizeof(m.kind));
    memset(m.obj, 0, sizeof(m.obj));
    memset(m.off, 0, sizeof(m.off));
    for (int i = 0; i < ops; i++) {
        int a;
        int b;
        int err;
        int want_err;
        // Phases of 2,000 operations: one that fills the set up to its limit (few, short removes), one that
        // churns it.
        int growing = (i / 2000) % 2 == 0;
        int op = (int)rnd_below(100);
        int kind;
        int too_big = 0;
        memcpy(before, s, sizeof(*s));
        next = m;
        ps.n = 0;

        a = b = 0;
        if (op < (growing ? 50 : 40)) { // insert
            random_range(&a, &b, 0);
            if (rnd_below(3) != 0 && b - a > 4)
                b = a + 1 + (int)rnd_below(4);
            unsigned prot = prots[rnd_below(4)];
            unsigned kd = 1 + (unsigned)rnd_below(2);
            // Backed by nothing or one of two objects; at an offset that often continues its neighbours' (the
            // page's own index) so that backed regions merge too, sometimes anywhere.
            unsigned ob = (unsigned)rnd_below(3);
            uint32_t base = ob == 0 ? 0 : rnd_below(4) ? (uint32_t)a : (uint32_t)rnd_below(4 * MP);
            want_err = 0;
            for (int p = a; p < b; p++) {
                if (m.prot[p] != NOPE)
                    want_err = -E_EXIST;
                next.prot[p] = (uint8_t)prot;
                next.kind[p] = (uint8_t)kd;
                next.obj[p] = (uint8_t)ob;
                next.off[p] = ob ? base + (uint32_t)(p - a) : 0;
            }
            if (want_err == 0 && model_count(&next) > REGION_MAX)
                want_err = -E_NOMEM, too_big = 1;
            err = region_insert_backed(s, addr_of(a), addr_of(b), prot, kd, obj_ptr(ob), (uint64_t)base * P);
            kind = 0;
        } else if (op < 65) { // remove
            random_range(&a, &b, growing);
            for (int tries = rnd_below(2) ? 16 : 0; tries > 0; tries--) {
                // Often a page strictly inside a region, which splits it.
                int p = 1 + (int)rnd_below(MP - 2);
                if (m.prot[p] != NOPE && same_page(&m, p - 1, p) && same_page(&m, p, p + 1)) {
                    a = p, b = p + 1;
                    break;
                }
            }
            for (int p = a; p < b; p++)
                next.prot[p] = NOPE, next.kind[p] = 0, next.obj[p] = 0, next.off[p] = 0;
            too_big = model_count(&next) > REGION_MAX;
            want_err = too_big ? -E_NOMEM : 0;
            err = region_remove(s, addr_of(a), addr_of(b), record, &ps);
            if (err == 0) {
                int n = model_runs(&m, a, b, NOPE, want);
                check_list(ps.p, ps.n, want, n, "removed pieces", __LINE__);
            }
            kind = 1;
        } else if (op < 93) { // protect
            random_covered_range(&m, &a, &b);
            if (a == b)
                b = a + 1;
            unsigned prot = prots[rnd_below(4)];
            want_err = 0;
            for (int p = a; p < b; p++) {
                if (m.prot[p] == NOPE)
                    want_err = -E_NOMEM;
                next.prot[p] = (uint8_t)prot;
            }
            if (want_err == 0 && model_count(&next) > REGION_MAX)
                want_err = -E_NOMEM, too_big = 1;
            err = region_protect(s, addr_of(a), addr_of(b), prot, record, &ps);
            if (err == 0) {
                int n = model_runs(&m, a, b, prot, want);
                check_list(ps.p, ps.n, want, n, "changed pieces", __LINE__);
            }
            kind = 2;
        } else { // find_free, over a window that may reach past the model's on either side
            int lo = (int)rnd_below(MP + 8) - 4;
            int hi = lo + 1 + (int)rnd_below(MP + 8);
            int len = 1 + (int)(rnd_below(3) == 0 ? rnd_below(64) : rnd_below(6));
            uint64_t hint = rnd_below(2) ? 0 : addr_of((int)rnd_below(MP + 8) - 4) + (rnd_below(2) ? rnd_below(P) : 0);
            uint64_t hint_page = (hint + P - 1) & ~(P - 1);
            int64_t want_at = -1;
            for (int pass = 0; pass < 2 && want_at < 0; pass++) {
                uint64_t from = addr_of(lo);
                if (pass == 0) {
                    if (!(hint > addr_of(lo) && hint < addr_of(hi)))
                        continue;
                    from = hint_page;
                }
                // Slide over the pages from `from`, counting the free ones in a row.
                int run = 0;
                for (uint64_t c = from; c < addr_of(hi); c += P) {
                    int in_model = c >= MBASE && c < addr_of(MP);
                    run = in_model && m.prot[(c - MBASE) / P] != NOPE ? 0 : run + 1;
                    if (run == len) {
                        want_at = (int64_t)(c - (uint64_t)(len - 1) * P);
                        break;
                    }
                }
            }
            uint64_t got = free_at(s, addr_of(lo), addr_of(hi), (uint64_t)len * P, hint);
            EXPECT_EQ(got, want_at < 0 ? NOMEM : (uint64_t)want_at);
            want_err = err = want_at < 0 ? -E_NOMEM : 0;
            kind = 3;
        }

        if (err == 0)
            st.ok[kind]++;
        else if (err == -E_NOMEM)
            st.nomem[kind]++, st.full[kind] += too_big;
        else
            st.other[kind]++;
        if (!EXPECT_EQ(err, want_err) || (err != 0 && !EXPECT_EQ(memcmp(s, before, sizeof(*s)), 0)) ||
            (err != 0 && !EXPECT_EQ(ps.n, 0))) {
            fprintf(stderr, "    op %d (kind %d) on pages [%d, %d)\n", i, kind, a, b);
            break;
        }
        if (err == 0 && kind < 3)
            m = next;
        if (!matches_model(s, &m, i % 64 == 0)) {
            fprintf(stderr, "    after op %d (kind %d) on pages [%d, %d)\n", i, kind, a, b);
            break;
        }
        if (s->count > max_count)
            max_count = s->count;
    }

    // The mix must have exercised every outcome, the full set included.
    EXPECT_EQ(max_count, REGION_MAX);
    for (int k = 0; k < 4; k++) {
        EXPECT_TRUE(st.ok[k] > 1000);
        EXPECT_TRUE(st.nomem[k] > 100);
        EXPECT_TRUE(k == 3 || st.full[k] > 100);
    }
    EXPECT_TRUE(st.other[0] > 1000); // -E_EXIST
    printf("random: insert %d ok, %d full, %d overlap; remove %d ok, %d full; protect %d ok, %d full, %d hole; "
           "find_free %d ok, %d none; largest set %d\n",
           st.ok[0], st.full[0], st.other[0], st.ok[1], st.full[1], st.ok[2], st.full[2], st.nomem[2] - st.full[2],
           st.ok[3], st.nomem[3], max_count);
    free(before);
    free(s);
}
