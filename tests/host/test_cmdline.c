// sources: kernel/lib/cmdline.c
// Kernel command line words (cmdline_has): whole-word matches only, spaces and tabs as separators, and NULL or
// empty arguments. Each command line is an exact-size heap copy so ASan catches a read past its NUL.
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cmdline.h"
#include "unit.h"

static bool has(const char *args, const char *word)
{
    char *a = args ? strdup(args) : NULL;
    char *w = word ? strdup(word) : NULL;
    bool r = cmdline_has(a, w);

    free(a);
    free(w);
    return r;
}

#define EXPECT_HAS(args, word)                                                                                         \
    do {                                                                                                               \
        if (!EXPECT_TRUE(has((args), (word))))                                                                         \
            fprintf(stderr, "    \"%s\" should contain \"%s\"\n", (args), (word));                                     \
    } while (0)
#define EXPECT_HASNT(args, word)                                                                                       \
    do {                                                                                                               \
        if (!EXPECT_FALSE(has((args), (word))))                                                                        \
            fprintf(stderr, "    \"%s\" should not contain \"%s\"\n", (args), (word));                                 \
    } while (0)

TEST(word_positions)
{
    EXPECT_HAS("trace=syscalls", "trace=syscalls");
    EXPECT_HAS("trace=syscalls quiet", "trace=syscalls");
    EXPECT_HAS("console=ttyAMA0 trace=syscalls quiet", "trace=syscalls");
    EXPECT_HAS("console=ttyAMA0 trace=syscalls", "trace=syscalls");
    EXPECT_HAS("a b c", "a");
    EXPECT_HAS("a b c", "b");
    EXPECT_HAS("a b c", "c");
    EXPECT_HAS("x", "x");
}

TEST(separators)
{
    EXPECT_HAS("\ttrace=syscalls", "trace=syscalls");
    EXPECT_HAS("quiet\ttrace=syscalls", "trace=syscalls");
    EXPECT_HAS("trace=syscalls\tquiet", "trace=syscalls");
    EXPECT_HAS("quiet \t trace=syscalls\t \tdebug", "trace=syscalls");
    EXPECT_HAS("   trace=syscalls", "trace=syscalls");
    EXPECT_HAS("trace=syscalls   ", "trace=syscalls");
    EXPECT_HAS("a    trace=syscalls    b", "trace=syscalls");
    EXPECT_HAS(" \t \t trace=syscalls \t \t ", "trace=syscalls");
    EXPECT_HAS("a  b", "b");
}

TEST(only_whole_words)
{
    EXPECT_HASNT("trace=syscalls", "trace");
    EXPECT_HASNT("trace=syscalls", "trace=");
    EXPECT_HASNT("trace=syscalls", "syscalls");
    EXPECT_HASNT("trace=syscalls", "trace=sys");
    EXPECT_HASNT("trace=syscalls2", "trace=syscalls");
    EXPECT_HASNT("xtrace=syscalls", "trace=syscalls");
    EXPECT_HASNT("quiet trace=syscalls2 debug", "trace=syscalls");
    EXPECT_HASNT("trace=syscalls2 trace=syscall", "trace=syscalls");
    EXPECT_HASNT("Trace=syscalls", "trace=syscalls"); // case matters
    EXPECT_HASNT("trace", "trace=syscalls");          // the line is a prefix of the word
    EXPECT_HASNT("trace=syscall", "trace=syscalls");
    EXPECT_HASNT("a trace=syscallsb", "trace=syscalls");
    EXPECT_HASNT("trace=syscalls,quiet", "trace=syscalls"); // only spaces and tabs separate words
    EXPECT_HASNT("ab", "a");
    EXPECT_HASNT("ab", "b");
    // A word with a separator in it can never be one word of the line.
    EXPECT_HASNT("a b", "a b");
    EXPECT_HASNT("a\tb", "a\tb");
    EXPECT_HASNT("a ", "a ");
    EXPECT_HASNT(" a", " a");
    // And a later exact match still counts after near misses.
    EXPECT_HAS("trace trace=syscalls2 trace=syscall trace=syscalls", "trace=syscalls");
}

TEST(empty_and_null)
{
    EXPECT_FALSE(cmdline_has(NULL, "trace=syscalls"));
    EXPECT_FALSE(cmdline_has("trace=syscalls", NULL));
    EXPECT_FALSE(cmdline_has(NULL, NULL));
    EXPECT_FALSE(cmdline_has(NULL, ""));
    EXPECT_HASNT("", "trace=syscalls");
    EXPECT_HASNT("   ", "trace=syscalls");
    EXPECT_HASNT("\t\t", "trace=syscalls");
    // The empty word is never present, not even between two separators or in an empty line.
    EXPECT_HASNT("", "");
    EXPECT_HASNT(" ", "");
    EXPECT_HASNT("a  b", "");
    EXPECT_HASNT("a", "");
}

TEST(long_lines)
{
    // A command line of 4 KiB of words, the wanted one last and once in the middle.
    size_t n = 4096;
    char *line = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        line[i] = i % 8 == 7 ? ' ' : (char)('a' + i % 8);
    line[n] = '\0';
    EXPECT_HAS(line, "abcdefg");
    EXPECT_HASNT(line, "abcdefgh");
    EXPECT_HASNT(line, "abcdef");
    memcpy(line + n - 8, " needle!", 8);
    EXPECT_HAS(line, "needle!");
    memcpy(line + 2048, "middle ", 7);
    EXPECT_HAS(line, "middle");
    free(line);
}

// cmdline_init_args: the block must equal `want` (want_len bytes, NULs included).
static void expect_init_args(const char *args, const char *want, size_t want_len, int line)
{
    char buf[64];
    memset(buf, 'X', sizeof(buf));
    size_t len = cmdline_init_args(args, "/bin/init", buf, sizeof(buf));
    if (len != want_len || memcmp(buf, want, want_len) != 0) {
        printf("  line %d: cmdline_init_args(\"%s\") gave %zu bytes, want %zu\n", line, args ? args : "(null)", len,
               want_len);
        EXPECT_TRUE(false);
    }
}
#define EXPECT_INIT_ARGS(args, lit) expect_init_args(args, lit, sizeof(lit), __LINE__)

TEST(init_args)
{
    EXPECT_INIT_ARGS("", "/bin/init");
    EXPECT_INIT_ARGS(NULL, "/bin/init");
    EXPECT_INIT_ARGS("trace=syscalls", "/bin/init");
    EXPECT_INIT_ARGS("trace=syscalls --", "/bin/init");
    EXPECT_INIT_ARGS("-- 42", "/bin/init\0"
                              "42");
    EXPECT_INIT_ARGS("trace=syscalls --  seed=7\t100000 ", "/bin/init\0seed=7\0"
                                                           "100000");
    EXPECT_INIT_ARGS("a--b -- -- x", "/bin/init\0--\0x"); // only the first standalone "--" separates
    // Too long for the buffer: 0, never a cut-off block.
    char buf[12];
    EXPECT_EQ(cmdline_init_args("-- abc", "/bin/init", buf, sizeof(buf)), 0u);
    EXPECT_EQ(cmdline_init_args("", "/bin/init", buf, 9), 0u);
    EXPECT_EQ(cmdline_init_args("", "/bin/init", buf, 10), 10u);
    EXPECT_EQ(cmdline_init_args("", NULL, buf, sizeof(buf)), 0u);
}
