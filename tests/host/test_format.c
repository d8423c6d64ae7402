// sources: kernel/lib/format.c
// The kernel formatter against the host's snprintf, conversion by conversion and over generated flag/width/
// precision/length combinations, plus the behaviour where the two deliberately differ (unknown conversions, %p).
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/format.h"
#include "unit.h"

static char got[512];
static char want[512];

// Formats with both implementations into full-size buffers and compares text and return value.
#define SAME(...)                                                                                                      \
    do {                                                                                                               \
        int n_got = format_buf(got, sizeof(got), __VA_ARGS__);                                                         \
        int n_want = snprintf(want, sizeof(want), __VA_ARGS__);                                                        \
        if (!EXPECT_STREQ(got, want) || !EXPECT_EQ(n_got, n_want))                                                     \
            fprintf(stderr, "    format: %s\n", #__VA_ARGS__);                                                         \
    } while (0)

// Same, for a format given at run time (the compiler's format check rejects some cases we want to run, such as
// %hhd with an int argument, which is exactly what the callee receives after promotion).
static void same_rt(const char *fmt, ...)
{
    va_list ap;
    va_list ap2;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n_got = format_vbuf(got, sizeof(got), fmt, ap);
    int n_want = vsnprintf(want, sizeof(want), fmt, ap2);
    va_end(ap2);
    va_end(ap);
    if (!EXPECT_STREQ(got, want) || !EXPECT_EQ(n_got, n_want))
        fprintf(stderr, "    format: \"%s\"\n", fmt);
}

TEST(plain_and_percent)
{
    SAME("hello");
    same_rt("");
    SAME("100%%");
    SAME("%%d%%");
}

TEST(signed)
{
    SAME("%d", 0);
    SAME("%d", 1);
    SAME("%d", -1);
    SAME("%i", 42);
    SAME("%d", INT_MAX);
    SAME("%d", INT_MIN);
    SAME("%ld", LONG_MIN);
    SAME("%ld", LONG_MAX);
    SAME("%lld", LLONG_MIN);
    SAME("%lld", LLONG_MAX);
    same_rt("%hhd", 300); // the callee narrows the promoted int, as C says
    same_rt("%hd", 70000);
    SAME("%zd", (ptrdiff_t)-5);
    SAME("%jd", (intmax_t)-123456789012345);
    SAME("%td", (ptrdiff_t)-77);
}

TEST(unsigned_and_hex)
{
    SAME("%u", 0u);
    SAME("%u", UINT_MAX);
    SAME("%lu", ULONG_MAX);
    SAME("%llu", ULLONG_MAX);
    SAME("%zu", SIZE_MAX);
    SAME("%x", 0xdeadbeefu);
    SAME("%X", 0xdeadbeefu);
    SAME("%llx", 0x0123456789abcdefull);
    SAME("%#x", 0u);
    SAME("%#x", 255u);
    SAME("%#X", 255u);
    SAME("%#010x", 255u);
    SAME("%#lx", 0x40000000ul);
    same_rt("%hhx", 0x1ffu);
    same_rt("%hx", 0x12345u);
}

TEST(width_and_padding)
{
    SAME("[%5d]", 42);
    SAME("[%-5d]", 42);
    SAME("[%05d]", 42);
    SAME("[%05d]", -42);
    same_rt("[%-05d]", -42);
    SAME("[%1d]", 12345);
    SAME("[%016llx]", 0x1234ull);
    SAME("[%*d]", 6, 7);
    SAME("[%*d]", -6, 7);
    SAME("[%-*d]", 6, 7);
    SAME("[%08X]", 0xabcu);
}

TEST(precision)
{
    SAME("[%.3d]", 5);
    SAME("[%.0d]", 0);
    SAME("[%5.0d]", 0);
    SAME("[%.3d]", -5);
    same_rt("[%08.3d]", 5); // the 0 flag is ignored when a precision is given
    SAME("[%-8.3x]", 0xau);
    SAME("[%.*d]", 4, 9);
    SAME("[%.*d]", -4, 9);
    SAME("[%.3s]", "abcdef");
    SAME("[%.0s]", "abc");
    SAME("[%10.2s]", "abc");
    SAME("[%-10.2s]", "abc");
    SAME("[%.*s]", 2, "xyz");
}

TEST(chars_and_strings)
{
    SAME("%c", 'a');
    SAME("[%3c]", 'b');
    SAME("[%-3c]", 'c');
    SAME("%c%c%c", 'x', 'y', 'z');
    SAME("%s", "str");
    SAME("[%8s]", "str");
    SAME("[%-8s]", "str");
    SAME("%s=%d", "x", 3);
    SAME("%s", "");
}

TEST(null_string)
{
    // glibc prints "(null)" too, but that is not guaranteed by C: check the kernel's behaviour directly.
    static const char *volatile null_str = NULL; // volatile: GCC would warn about a known-NULL %s

    format_buf(got, sizeof(got), "%s", null_str);
    EXPECT_STREQ(got, "(null)");
    format_buf(got, sizeof(got), "[%8s]", null_str);
    EXPECT_STREQ(got, "[  (null)]");
}

TEST(pointers)
{
    int x;

    SAME("%p", (void *)&x);
    SAME("%p", (void *)0x1000);
    SAME("[%20p]", (void *)0xabc);
    SAME("[%-20p]", (void *)0xabc);
    format_buf(got, sizeof(got), "%p", (void *)0);
    EXPECT_STREQ(got, "0x0"); // glibc says "(nil)"
}

// Format strings built at run time: not literals, so the compiler's format checker stays out of it.
static char unknown_q[] = "a%qb";
static char unknown_flags[] = "[%-5y]";
static char trailing[] = "end%";
static char trailing_spec[] = "end%08l";
static char float_conv[] = "%f";

static int vbuf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = format_vbuf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

TEST(unknown_conversions_print_literally)
{
    EXPECT_EQ(vbuf(got, sizeof(got), unknown_q, 1), 4);
    EXPECT_STREQ(got, "a%qb");
    vbuf(got, sizeof(got), unknown_flags, 1);
    EXPECT_STREQ(got, "[%-5y]");
    vbuf(got, sizeof(got), trailing, 1);
    EXPECT_STREQ(got, "end%");
    vbuf(got, sizeof(got), trailing_spec, 1);
    EXPECT_STREQ(got, "end%08l");
    vbuf(got, sizeof(got), float_conv, 1.5);
    EXPECT_STREQ(got, "%f");
}

TEST(truncation_like_snprintf)
{
    char small[8];

    memset(small, 'Z', sizeof(small));
    EXPECT_EQ(format_buf(small, sizeof(small), "%s", "0123456789"), 10);
    EXPECT_STREQ(small, "0123456");
    EXPECT_EQ(format_buf(small, 1, "%d", 12345), 5);
    EXPECT_STREQ(small, "");
    memset(small, 'Z', sizeof(small));
    EXPECT_EQ(format_buf(small, 0, "%d", 12345), 5);
    EXPECT_EQ(small[0], 'Z'); // size 0: nothing written
    EXPECT_EQ(format_buf(NULL, 0, "abc%d", 1), 4);
    // Built at run time so GCC's -Wformat-truncation does not object to the truncation we are testing.
    static char fmt[] = "%05d|%x";
    for (size_t size = 1; size <= sizeof(small); size++) {
        char ref[8];
        int a = vbuf(small, size, fmt, -12, 0xabcu);
        int b = snprintf(ref, size, fmt, -12, 0xabcu);
        EXPECT_EQ(a, b);
        EXPECT_STREQ(small, ref);
    }
}

static size_t emitted;

static void count_emit(void *ctx, char c)
{
    (void)c;
    *(size_t *)ctx += 1;
}

TEST(format_with_callback)
{
    size_t ctx = 0;

    emitted = format(count_emit, &ctx, "%s-%d-%5x", "ab", -3, 0xfu);
    EXPECT_EQ(emitted, 11); // "ab" "-" "-3" "-" "    f"
    EXPECT_EQ(ctx, 11);
}

// Generated combinations: flags × width × precision × length × conversion × value.
TEST(generated_matrix)
{
    static const char *const flags[] = {"", "-", "0", "-0", "#", "#0", "#-"};
    static const char *const widths[] = {"", "1", "7", "22"};
    static const char *const precs[] = {"", ".0", ".1", ".5", ".21"};
    static const long long values[] = {0,
                                       1,
                                       -1,
                                       9,
                                       10,
                                       255,
                                       -256,
                                       65535,
                                       2147483647,
                                       -2147483647 - 1,
                                       4294967295ll,
                                       9223372036854775807ll,
                                       -9223372036854775807ll - 1};
    static const char convs[] = {'d', 'u', 'x', 'X'};
    char fmt[32];
    int checked = 0;

    for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
        for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
            for (size_t p = 0; p < sizeof(precs) / sizeof(precs[0]); p++)
                for (size_t c = 0; c < sizeof(convs); c++)
                    for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
                        if (convs[c] == 'd' && strchr(flags[f], '#'))
                            continue; // '#' with %d is undefined in C
                        snprintf(fmt, sizeof(fmt), "[%%%s%s%sll%c]", flags[f], widths[w], precs[p], convs[c]);
                        int a = vbuf(got, sizeof(got), fmt, values[v]);
                        int b = snprintf(want, sizeof(want), fmt, values[v]);
                        if (!EXPECT_STREQ(got, want) || !EXPECT_EQ(a, b)) {
                            fprintf(stderr, "    format \"%s\" value %lld\n", fmt, values[v]);
                            return;
                        }
                        checked++;
                    }
    EXPECT_TRUE(checked > 5000);
}
