/*
 * Kernel string and memory primitives. Byte loops with a word-sized fast path for the bulk copies; see string.h for
 * why the host build renames them.
 */
#include "lib/string.h"

#include <stdint.h>

/*
 * GCC turns a byte-copy loop into a call to memcpy/memset ("loop distribution") even with -ffreestanding, which
 * inside memcpy itself is infinite recursion. Clang honours -ffreestanding/-fno-builtin here; GCC needs this.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-loop-distribute-patterns")
#endif

/* Word accesses to memory of any declared type: may_alias opts out of strict-aliasing assumptions for this type. */
typedef uint64_t __attribute__((may_alias)) string_word_t;

#define STRING_WORD sizeof(string_word_t)

static int string_both_aligned(const void *a, const void *b)
{
    return (((uintptr_t)a | (uintptr_t)b) & (STRING_WORD - 1)) == 0;
}

void *KSTRING(memcpy)(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if (string_both_aligned(d, s)) {
        /* Four words per iteration (the loop overhead of one) for the bulk, then word by word. */
        for (; n >= 4 * STRING_WORD; n -= 4 * STRING_WORD, d += 4 * STRING_WORD, s += 4 * STRING_WORD) {
            string_word_t *dw = (string_word_t *)(void *)d;
            const string_word_t *sw = (const string_word_t *)(const void *)s;
            dw[0] = sw[0];
            dw[1] = sw[1];
            dw[2] = sw[2];
            dw[3] = sw[3];
        }
        for (; n >= STRING_WORD; n -= STRING_WORD, d += STRING_WORD, s += STRING_WORD)
            *(string_word_t *)(void *)d = *(const string_word_t *)(const void *)s;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

void *KSTRING(memmove)(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    /*
     * Copy forwards when the destination starts below the source (or the ranges are disjoint), else backwards,
     * so overlapping bytes are read before they are overwritten. Compare as integers: relational operators on
     * pointers into different objects are undefined.
     */
    if ((uintptr_t)d <= (uintptr_t)s || (uintptr_t)d >= (uintptr_t)s + n) {
        while (n--)
            *d++ = *s++;
    } else {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

void *KSTRING(memset)(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    unsigned char byte = (unsigned char)c;

    if (((uintptr_t)d & (STRING_WORD - 1)) == 0) {
        string_word_t pattern = byte * (string_word_t)0x0101010101010101ull;
        /* Eight words per iteration for the bulk (the kernel clears whole process slots and tables this way). */
        for (; n >= 8 * STRING_WORD; n -= 8 * STRING_WORD, d += 8 * STRING_WORD) {
            string_word_t *w = (string_word_t *)(void *)d;
            w[0] = w[1] = w[2] = w[3] = pattern;
            w[4] = w[5] = w[6] = w[7] = pattern;
        }
        for (; n >= STRING_WORD; n -= STRING_WORD, d += STRING_WORD)
            *(string_word_t *)(void *)d = pattern;
    }
    while (n--)
        *d++ = byte;
    return dst;
}

int KSTRING(memcmp)(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a;
    const unsigned char *y = b;

    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

size_t KSTRING(strlen)(const char *s)
{
    size_t n = 0;

    while (s[n] != '\0')
        n++;
    return n;
}

size_t KSTRING(strnlen)(const char *s, size_t maxlen)
{
    size_t n = 0;

    while (n < maxlen && s[n] != '\0')
        n++;
    return n;
}

int KSTRING(strcmp)(const char *a, const char *b)
{
    return KSTRING(strncmp)(a, b, SIZE_MAX);
}

int KSTRING(strncmp)(const char *a, const char *b, size_t n)
{
    /* Compare as unsigned char, as the C standard specifies for the str* family. */
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i];
        unsigned char y = (unsigned char)b[i];
        if (x != y)
            return x < y ? -1 : 1;
        if (x == '\0')
            return 0;
    }
    return 0;
}
