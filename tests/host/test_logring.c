// sources: kernel/lib/logring.c
// The log ring: exact contents and dropped counts before and after it wraps, whole lines once it has, a single
// line longer than the ring, writes longer than the ring, and 20,000 seeded writes against a model that keeps
// everything.
#include <stdlib.h>
#include <string.h>

#include "lib/logring.h"
#include "unit.h"

/* The view joined into out (NUL-terminated); its length. */
static size_t joined(const struct logring *r, char *out, uint64_t *dropped)
{
    struct logring_view v;
    logring_view(r, &v, ~(size_t)0);
    memcpy(out, v.first, v.first_len);
    memcpy(out + v.first_len, v.second, v.second_len);
    out[v.first_len + v.second_len] = 0;
    *dropped = v.dropped;
    return v.first_len + v.second_len;
}

static void puts_ring(struct logring *r, const char *s)
{
    logring_write(r, s, strlen(s));
}

TEST(empty_and_before_wrapping)
{
    char buf[16], out[32];
    struct logring r;
    uint64_t dropped = 99;
    logring_init(&r, buf, sizeof(buf));
    EXPECT_EQ(joined(&r, out, &dropped), 0);
    EXPECT_EQ(dropped, 0);
    puts_ring(&r, "ab\ncd\n");
    logring_putc(&r, 'e');
    EXPECT_EQ(joined(&r, out, &dropped), 7);
    EXPECT_STREQ(out, "ab\ncd\ne");
    EXPECT_EQ(dropped, 0);
    puts_ring(&r, "fghijklmn"); /* exactly full: nothing lost yet */
    EXPECT_EQ(joined(&r, out, &dropped), 16);
    EXPECT_STREQ(out, "ab\ncd\nefghijklmn");
    EXPECT_EQ(dropped, 0);
}

TEST(wrapping_keeps_whole_lines)
{
    char buf[16], out[32];
    struct logring r;
    uint64_t dropped;
    logring_init(&r, buf, sizeof(buf));
    puts_ring(&r, "one\ntwo\nthree\n"); /* 14 bytes */
    puts_ring(&r, "four\n");            /* 19: "one\n"'s first three bytes are gone, so the rest of it goes too */
    EXPECT_EQ(joined(&r, out, &dropped), 15);
    EXPECT_STREQ(out, "two\nthree\nfour\n");
    EXPECT_EQ(dropped, 4);
    puts_ring(&r, "x"); /* 20 written: the newline before "two" is overwritten, so "two\n" may be a fragment */
    EXPECT_EQ(joined(&r, out, &dropped), 12);
    EXPECT_STREQ(out, "three\nfour\nx");
    EXPECT_EQ(dropped, 8);
}

TEST(a_line_longer_than_the_ring_keeps_its_tail)
{
    char buf[8], out[32];
    struct logring r;
    uint64_t dropped;
    logring_init(&r, buf, sizeof(buf));
    puts_ring(&r, "0123456789abc");
    EXPECT_EQ(joined(&r, out, &dropped), 8);
    EXPECT_STREQ(out, "56789abc");
    EXPECT_EQ(dropped, 5);
    puts_ring(&r, "\n"); /* now a newline is held: the view starts after it, and is empty */
    EXPECT_EQ(joined(&r, out, &dropped), 0);
    EXPECT_EQ(dropped, 14);
    EXPECT_EQ(r.written, 14);
}

TEST(a_write_longer_than_the_ring)
{
    char buf[8], out[32];
    struct logring r;
    uint64_t dropped;
    logring_init(&r, buf, sizeof(buf));
    puts_ring(&r, "ab\n");
    puts_ring(&r, "cdefghij\nklmnopqrstuvw"); /* 22 bytes: only the last 8 fit */
    EXPECT_EQ(r.written, 25);
    EXPECT_EQ(joined(&r, out, &dropped), 8);
    EXPECT_STREQ(out, "pqrstuvw");
    EXPECT_EQ(dropped, 17);
}

TEST(a_view_of_the_newest_bytes)
{
    char buf[16];
    struct logring r;
    struct logring_view v;
    logring_init(&r, buf, sizeof(buf));
    logring_write(&r, "ab\ncd\nef\n", 9);
    logring_view(&r, &v, 9); /* all of it fits */
    EXPECT_EQ(v.dropped, 0);
    EXPECT_EQ(v.first_len + v.second_len, 9);
    logring_view(&r, &v, 6); /* "cd\nef\n" exactly, the newline before it at the edge */
    EXPECT_EQ(v.dropped, 3);
    EXPECT_EQ(v.first_len, 6);
    EXPECT_TRUE(memcmp(v.first, "cd\nef\n", 6) == 0);
    logring_view(&r, &v, 5); /* "d\nef\n" would start mid-line: only "ef\n" */
    EXPECT_EQ(v.dropped, 6);
    EXPECT_EQ(v.first_len, 3);
    EXPECT_EQ(v.second_len, 0);
}

/* Random writes of random lines against a model that keeps every byte: the view is always the model's tail. */
TEST(seeded_writes_against_a_model)
{
    enum { SIZE = 64, TOTAL = 20000 * 24 };
    char buf[SIZE], out[SIZE + 1];
    char *model = malloc(TOTAL);
    size_t model_len = 0;
    struct logring r;
    uint64_t dropped;
    unsigned seed = 12345;
    logring_init(&r, buf, SIZE);
    for (int i = 0; i < 20000; i++) {
        char chunk[24];
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 16) % sizeof(chunk);
        for (size_t k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            chunk[k] = (seed >> 16) % 9 == 0 ? '\n' : (char)('a' + (seed >> 16) % 26);
        }
        logring_write(&r, chunk, n);
        memcpy(model + model_len, chunk, n);
        model_len += n;
        size_t len = joined(&r, out, &dropped);
        ASSERT_EQ(dropped + len, model_len);
        ASSERT_TRUE(len <= SIZE);
        ASSERT_TRUE(memcmp(out, model + dropped, len) == 0);
        if (model_len > SIZE) {
            /* What is left out is exactly up to the first newline among the retained bytes, or nothing more. */
            size_t oldest = model_len - SIZE;
            const char *nl = memchr(model + oldest, '\n', SIZE);
            ASSERT_EQ(dropped, nl ? (size_t)(nl - model) + 1 : oldest);
        } else {
            ASSERT_EQ(dropped, 0);
        }
        /* A view of the newest MAX bytes: starts at a line start the model agrees with, as late as it must. */
        enum { MAX = 40 };
        struct logring_view v;
        logring_view(&r, &v, MAX);
        ASSERT_EQ(v.dropped + v.first_len + v.second_len, model_len);
        ASSERT_TRUE(v.first_len + v.second_len <= MAX);
        if (model_len > MAX) {
            size_t oldest = model_len - MAX;
            const char *nl = model[oldest - 1] == '\n' ? model + oldest - 1 : memchr(model + oldest, '\n', MAX);
            ASSERT_EQ(v.dropped, nl ? (size_t)(nl - model) + 1 : oldest);
        } else {
            ASSERT_EQ(v.dropped, 0);
        }
    }
    free(model);
}
