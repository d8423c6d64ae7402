// sources: kernel/lib/scheme_path.c
// The scheme-path parser: both spellings, the list of schemes, the default scheme, and refusals of bad names, with
// exact results (which scheme, which rest, pointing into the input), and sample inputs cut at every length.
#include <stdlib.h>
#include <string.h>

#include <wren/abi.h>

#include "lib/scheme_path.h"
#include "unit.h"

/* Parse `in`; the result must be `kind`, `name` and `rest` exactly, with pointers into the input. */
static int parses_as(const char *in, enum scheme_path_kind kind, const char *name, const char *rest)
{
    struct scheme_path sp;
    size_t len = strlen(in);
    if (scheme_path_parse(in, len, &sp) != 0 || sp.kind != kind)
        return 0;
    if (sp.name_len != strlen(name) || memcmp(sp.name, name, sp.name_len) != 0)
        return 0;
    if (sp.rest_len != strlen(rest) || memcmp(sp.rest, rest, sp.rest_len) != 0)
        return 0;
    int rest_inside = sp.rest >= in && sp.rest + sp.rest_len == in + len;
    int name_inside = kind != SCHEME_PATH_NAMED || (sp.name >= in && sp.name + sp.name_len <= in + len);
    return rest_inside && name_inside;
}

static int refused(const char *in, size_t len, int err)
{
    struct scheme_path sp = {SCHEME_PATH_LIST, "untouched", 9, "untouched", 9};
    int r = scheme_path_parse(in, len, &sp);
    return r == err && sp.name_len == 9 && strcmp(sp.name, "untouched") == 0;
}

TEST(scheme_directory_form)
{
    EXPECT_TRUE(parses_as("/scheme/console/", SCHEME_PATH_NAMED, "console", "/"));
    EXPECT_TRUE(parses_as("/scheme/console", SCHEME_PATH_NAMED, "console", ""));
    EXPECT_TRUE(parses_as("/scheme/file/bin/sh", SCHEME_PATH_NAMED, "file", "/bin/sh"));
    EXPECT_TRUE(parses_as("/scheme/a.b_c-9/x:y", SCHEME_PATH_NAMED, "a.b_c-9", "/x:y"));
    EXPECT_TRUE(parses_as("/scheme/null//", SCHEME_PATH_NAMED, "null", "//"));
    EXPECT_TRUE(parses_as("/scheme", SCHEME_PATH_LIST, "", ""));
    EXPECT_TRUE(parses_as("/scheme/", SCHEME_PATH_LIST, "", ""));
}

TEST(colon_form)
{
    EXPECT_TRUE(parses_as("console:", SCHEME_PATH_NAMED, "console", ""));
    EXPECT_TRUE(parses_as("null:", SCHEME_PATH_NAMED, "null", ""));
    EXPECT_TRUE(parses_as("irq:33", SCHEME_PATH_NAMED, "irq", "33"));
    EXPECT_TRUE(parses_as("file:/bin/sh", SCHEME_PATH_NAMED, "file", "/bin/sh"));
    EXPECT_TRUE(parses_as("a:b:c", SCHEME_PATH_NAMED, "a", "b:c"));
    EXPECT_TRUE(parses_as("tcp:/10.0.2.2/80", SCHEME_PATH_NAMED, "tcp", "/10.0.2.2/80"));
}

TEST(default_scheme)
{
    EXPECT_TRUE(parses_as("/bin/sh", SCHEME_PATH_DEFAULT, "file", "/bin/sh"));
    EXPECT_TRUE(parses_as("notes/a.txt", SCHEME_PATH_DEFAULT, "file", "notes/a.txt"));
    EXPECT_TRUE(parses_as("dir/a:b", SCHEME_PATH_DEFAULT, "file", "dir/a:b")); /* ':' after a '/' */
    EXPECT_TRUE(parses_as("/a:b", SCHEME_PATH_DEFAULT, "file", "/a:b"));
    EXPECT_TRUE(parses_as("/schemes/x", SCHEME_PATH_DEFAULT, "file", "/schemes/x")); /* not the component */
    EXPECT_TRUE(parses_as("/schem", SCHEME_PATH_DEFAULT, "file", "/schem"));
    EXPECT_TRUE(parses_as("scheme/x", SCHEME_PATH_DEFAULT, "file", "scheme/x"));
    EXPECT_TRUE(parses_as("//scheme/x", SCHEME_PATH_DEFAULT, "file", "//scheme/x"));
    EXPECT_TRUE(parses_as(".", SCHEME_PATH_DEFAULT, "file", "."));
}

TEST(bad_names_are_refused_without_output)
{
    EXPECT_TRUE(refused("", 0, -E_NOENT));
    EXPECT_TRUE(refused(":", 1, -E_INVAL));
    EXPECT_TRUE(refused(":x", 2, -E_INVAL));
    EXPECT_TRUE(refused("Console:", 8, -E_INVAL));
    EXPECT_TRUE(refused("a b:", 4, -E_INVAL));
    EXPECT_TRUE(refused("-a:", 3, -E_INVAL));
    EXPECT_TRUE(refused(".a:", 3, -E_INVAL));
    EXPECT_TRUE(refused("/scheme//x", 10, -E_INVAL));
    EXPECT_TRUE(refused("/scheme/Bad/x", 13, -E_INVAL));
    EXPECT_TRUE(refused("/scheme/a:b", 11, -E_INVAL));
    EXPECT_TRUE(refused("/scheme/a\x01", 10, -E_INVAL));
    EXPECT_TRUE(refused("null\0:", 6, -E_INVAL));
    EXPECT_TRUE(refused("/bin/s\0h", 8, -E_INVAL));
    /* 32 bytes is the longest name, 33 too long, in both forms. */
    char buf[64];
    memset(buf, 'a', 32);
    buf[32] = ':';
    struct scheme_path sp;
    EXPECT_EQ(scheme_path_parse(buf, 33, &sp), 0);
    EXPECT_EQ(sp.name_len, 32);
    memset(buf, 'a', 33);
    buf[33] = ':';
    EXPECT_TRUE(refused(buf, 34, -E_INVAL));
    memcpy(buf, "/scheme/", 8);
    memset(buf + 8, 'b', 33);
    EXPECT_TRUE(refused(buf, 41, -E_INVAL));
    EXPECT_EQ(scheme_path_parse(buf, 40, &sp), 0);
    EXPECT_EQ(sp.name_len, 32);
}

// Every prefix of every sample parses or is refused, never reads past its length (ASan: a heap copy of exactly
// that many bytes), and a success always points inside it.
TEST(every_prefix_stays_inside)
{
    static const char *samples[] = {"/scheme/console/x", "console:abc", "/bin/sh", "a:b:c", "/scheme/", "x/y:z"};
    for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
        size_t n = strlen(samples[s]);
        for (size_t len = 0; len <= n; len++) {
            char *copy = malloc(len ? len : 1);
            memcpy(copy, samples[s], len);
            struct scheme_path sp;
            int r = scheme_path_parse(copy, len, &sp);
            EXPECT_TRUE(r == 0 || r == -E_INVAL || r == -E_NOENT);
            if (r == 0)
                EXPECT_TRUE(sp.rest >= copy && sp.rest + sp.rest_len == copy + len);
            free(copy);
        }
    }
}
