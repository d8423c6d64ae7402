// sources: kernel/mm/kmalloc.c kernel/lib/string.c
// kmalloc on host pages: every object 16-byte aligned and disjoint from every other live object (each is filled
// with a pattern naming it and checked before it is freed), slabs and large blocks go back to the page source the
// moment they are empty (the source counts what it has handed out), bad frees panic, and running out of pages gives
// NULL without losing anything.
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mm/kmalloc.h"
#include "unit.h"

// The page source: aligned blocks from the C library, counted, with an optional budget to simulate exhaustion.
static long pages_out;
static long page_budget = -1; // -1: unlimited

void *kmalloc_pages_alloc(unsigned order)
{
    long n = 1l << order;
    if (page_budget >= 0 && pages_out + n > page_budget)
        return NULL;
    void *p = aligned_alloc(4096ul << order, 4096ul << order);
    if (p) {
        memset(p, 0xa5, 4096ul << order); // kmalloc must not rely on fresh pages being zero
        pages_out += n;
    }
    return p;
}

void kmalloc_pages_free(void *p, unsigned order)
{
    pages_out -= 1l << order;
    free(p);
}

static jmp_buf panic_jmp;
static bool panic_armed;
static char panic_msg[256];

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(panic_msg, sizeof panic_msg, fmt, ap);
    va_end(ap);
    if (!panic_armed) {
        fprintf(stderr, "unexpected panic: %s\n", panic_msg);
        abort();
    }
    panic_armed = false;
    longjmp(panic_jmp, 1);
}

// Run `stmt` and report whether it panicked.
#define PANICS(stmt)                                                                                                   \
    ({                                                                                                                 \
        bool p_ = false;                                                                                               \
        panic_armed = true;                                                                                            \
        if (setjmp(panic_jmp) == 0) {                                                                                  \
            stmt;                                                                                                      \
        } else {                                                                                                       \
            p_ = true;                                                                                                 \
        }                                                                                                              \
        panic_armed = false;                                                                                           \
        p_;                                                                                                            \
    })

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void fill(uint8_t *p, size_t n, unsigned tag)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(tag * 31 + i);
}

static bool intact(const uint8_t *p, size_t n, unsigned tag)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)(tag * 31 + i))
            return false;
    return true;
}

static void expect_empty(void)
{
    struct kmalloc_stats st;
    kmalloc_get_stats(&st);
    EXPECT_EQ(st.live_objects, 0);
    EXPECT_EQ(st.pages, 0);
    EXPECT_EQ(pages_out, 0);
}

TEST(every_size_aligned_disjoint_and_returned)
{
    enum { N = 600 };
    static uint8_t *obj[N];
    static size_t len[N];
    for (unsigned i = 0; i < N; i++) {
        len[i] = 1 + (i * 37) % 5000; // small and large, every class
        obj[i] = kmalloc(len[i]);
        ASSERT_TRUE(obj[i] != NULL);
        EXPECT_EQ((uintptr_t)obj[i] % 16, 0);
        fill(obj[i], len[i], i);
    }
    for (unsigned i = 0; i < N; i++)
        EXPECT_TRUE(intact(obj[i], len[i], i));
    struct kmalloc_stats st;
    kmalloc_get_stats(&st);
    EXPECT_EQ(st.live_objects, N);
    EXPECT_EQ((long)st.pages, pages_out);
    for (unsigned i = 0; i < N; i += 2)
        kfree(obj[i]);
    for (unsigned i = 1; i < N; i += 2)
        EXPECT_TRUE(intact(obj[i], len[i], i));
    for (unsigned i = 1; i < N; i += 2)
        kfree(obj[i]);
    expect_empty();
}

TEST(class_boundaries)
{
    // Sizes at and either side of each class share a slab only with their own class.
    size_t sizes[] = {0, 1, 15, 16, 17, 32, 33, 64, 65, 128, 129, 256, 257, 512, 513, 1024, 1025, 4080, 4081};
    void *p[sizeof sizes / sizeof sizes[0]];
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        p[i] = kzalloc(sizes[i]);
        ASSERT_TRUE(p[i] != NULL);
        for (size_t j = 0; j < sizes[i]; j++)
            ASSERT_EQ(((uint8_t *)p[i])[j], 0);
        memset(p[i], 0xff, sizes[i]);
    }
    struct kmalloc_stats st;
    kmalloc_get_stats(&st);
    EXPECT_EQ(st.class_live[0], 4); // 0, 1, 15, 16
    EXPECT_EQ(st.class_live[6], 2); // 513, 1024
    // 1025 and 4080 take one page each, 4081 does not fit one page with its header: two.
    EXPECT_EQ((long)st.pages, pages_out);
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        kfree(p[i]);
    expect_empty();
}

TEST(random_against_model)
{
    enum { SLOTS = 2000, OPS = 200000 };
    static uint8_t *obj[SLOTS];
    static size_t len[SLOTS];
    for (int op = 0; op < OPS; op++) {
        unsigned i = next_rand() % SLOTS;
        if (obj[i]) {
            ASSERT_TRUE(intact(obj[i], len[i], i));
            kfree(obj[i]);
            obj[i] = NULL;
        } else {
            len[i] = (next_rand() % 8 == 0) ? next_rand() % 20000 : next_rand() % 1100;
            obj[i] = kmalloc(len[i]);
            ASSERT_TRUE(obj[i] != NULL);
            fill(obj[i], len[i], i);
        }
    }
    for (unsigned i = 0; i < SLOTS; i++) {
        if (obj[i]) {
            EXPECT_TRUE(intact(obj[i], len[i], i));
            kfree(obj[i]);
            obj[i] = NULL;
        }
    }
    expect_empty();
}

TEST(bad_frees_panic_and_change_nothing)
{
    uint8_t *a = kmalloc(100), *b = kmalloc(100), *big = kmalloc(10000);
    ASSERT_TRUE(a && b && big);
    kfree(a);
    EXPECT_TRUE(PANICS(kfree(a)));      // double free
    EXPECT_TRUE(PANICS(kfree(b + 16))); // inside an object, 16-aligned
    EXPECT_TRUE(PANICS(kfree(b + 1)));  // misaligned
    EXPECT_TRUE(PANICS(kfree(big + 4096)));
    void *page = aligned_alloc(4096, 4096);
    memset(page, 0, 4096);
    EXPECT_TRUE(PANICS(kfree((uint8_t *)page + 64))); // not from kmalloc at all
    free(page);
    kfree(NULL);
    // b and big are still usable and free cleanly.
    memset(b, 1, 100);
    kfree(b);
    kfree(big);
    expect_empty();
}

TEST(exhaustion_returns_null_and_recovers)
{
    page_budget = 3;
    void *p[1000];
    int n = 0;
    while (n < 1000 && (p[n] = kmalloc(512)) != NULL)
        n++;
    EXPECT_EQ(n, 3 * ((4096 - 64) / 512)); // three slabs of 512-byte objects
    EXPECT_TRUE(kmalloc(100000) == NULL);
    EXPECT_TRUE(kmalloc((size_t)-1) == NULL); // no overflow in the size arithmetic
    EXPECT_TRUE(kmalloc(4ul << 20) == NULL);  // larger than the largest block
    struct kmalloc_stats st;
    kmalloc_get_stats(&st);
    EXPECT_TRUE(st.failed >= 4);
    while (n > 0)
        kfree(p[--n]);
    page_budget = -1;
    expect_empty();
    void *again = kmalloc(512);
    EXPECT_TRUE(again != NULL);
    kfree(again);
    expect_empty();
}
