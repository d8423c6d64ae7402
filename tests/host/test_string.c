// sources: kernel/lib/string.c
// Kernel string/memory primitives (built as kstring_* on the host, see lib/string.h) against libc, over every
// alignment and length up to a few words, overlapping moves in both directions, and bytes >= 0x80.
#include <stdint.h>
#include <string.h>

#include "lib/string.h"
#include "unit.h"

#define N 96

static uint8_t src[N + 16];
static uint8_t a[N + 16];
static uint8_t b[N + 16];

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed * 131u + i * 7u + (i >> 3));
}

TEST(memcpy_all_alignments)
{
    fill(src, sizeof(src), 1);
    for (size_t so = 0; so < 8; so++)
        for (size_t doff = 0; doff < 8; doff++)
            for (size_t n = 0; n <= N; n++) {
                memset(a, 0xAA, sizeof(a));
                memset(b, 0xAA, sizeof(b));
                EXPECT_TRUE(kstring_memcpy(a + doff, src + so, n) == a + doff);
                memcpy(b + doff, src + so, n);
                if (!EXPECT_TRUE(memcmp(a, b, sizeof(a)) == 0))
                    return;
            }
}

TEST(memset_all_alignments)
{
    const int values[] = {0, 0x5a, 0xff, -1, 0x1234}; // only the low byte counts

    for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++)
        for (size_t off = 0; off < 8; off++)
            for (size_t n = 0; n <= N; n++) {
                memset(a, 0x11, sizeof(a));
                memset(b, 0x11, sizeof(b));
                EXPECT_TRUE(kstring_memset(a + off, values[v], n) == a + off);
                memset(b + off, values[v], n);
                if (!EXPECT_TRUE(memcmp(a, b, sizeof(a)) == 0))
                    return;
            }
}

TEST(memmove_overlapping)
{
    for (size_t from = 0; from < 16; from++)
        for (size_t to = 0; to < 16; to++)
            for (size_t n = 0; n + 16 <= N; n++) {
                fill(a, sizeof(a), (unsigned)n);
                memcpy(b, a, sizeof(a));
                EXPECT_TRUE(kstring_memmove(a + to, a + from, n) == a + to);
                memmove(b + to, b + from, n);
                if (!EXPECT_TRUE(memcmp(a, b, sizeof(a)) == 0)) {
                    fprintf(stderr, "    from %zu to %zu n %zu\n", from, to, n);
                    return;
                }
            }
}

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

TEST(memcmp_sign_and_length)
{
    uint8_t x[8] = {1, 2, 3, 0x80, 5, 6, 7, 8};
    uint8_t y[8] = {1, 2, 3, 0x7f, 5, 6, 7, 9};

    EXPECT_EQ(kstring_memcmp(x, y, 0), 0);
    EXPECT_EQ(kstring_memcmp(x, y, 3), 0);
    EXPECT_EQ(kstring_memcmp(x, y, 4), 1); // 0x80 > 0x7f: bytes compare unsigned
    EXPECT_EQ(kstring_memcmp(y, x, 4), -1);
    for (size_t n = 0; n <= 8; n++)
        EXPECT_EQ(sign(kstring_memcmp(x, y, n)), sign(memcmp(x, y, n)));
}

TEST(strlen_strnlen)
{
    const char *s = "hello";

    EXPECT_EQ(kstring_strlen(""), 0);
    EXPECT_EQ(kstring_strlen(s), 5);
    EXPECT_EQ(kstring_strnlen(s, 0), 0);
    EXPECT_EQ(kstring_strnlen(s, 3), 3);
    EXPECT_EQ(kstring_strnlen(s, 5), 5);
    EXPECT_EQ(kstring_strnlen(s, 100), 5);
    char unterminated[4] = {'a', 'b', 'c', 'd'};
    EXPECT_EQ(kstring_strnlen(unterminated, 4), 4); // must not read past maxlen (ASan would tell)
}

TEST(strcmp_strncmp)
{
    const char *words[] = {"", "a", "ab", "abc", "abd", "b", "\x80", "\x7f", "ab\x80"};
    size_t n = sizeof(words) / sizeof(words[0]);

    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            EXPECT_EQ(sign(kstring_strcmp(words[i], words[j])), sign(strcmp(words[i], words[j])));
            for (size_t k = 0; k < 5; k++)
                EXPECT_EQ(sign(kstring_strncmp(words[i], words[j], k)), sign(strncmp(words[i], words[j], k)));
        }
    char x[3] = {'a', 'b', 'c'}; // unterminated, but strncmp stops at n
    EXPECT_EQ(kstring_strncmp(x, "abc", 3), 0);
}
