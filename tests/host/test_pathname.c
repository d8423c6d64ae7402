// sources: kernel/lib/pathname.c
// Canonical absolute paths: what the kernel stores as a process's current directory.
#include <stdlib.h>
#include <string.h>

#include "lib/pathname.h"
#include "unit.h"

/* Canonical form of `in`, in a buffer of exactly strlen(in) + 1 bytes so ASan sees any overrun. */
static int canon_is(const char *in, const char *want)
{
    size_t len = strlen(in);
    char *buf = malloc(len + 1);
    memcpy(buf, in, len + 1);
    size_t n = path_canonical(buf, len);
    int ok = n == strlen(want) && strcmp(buf, want) == 0;
    free(buf);
    return ok;
}

TEST(canonical_paths)
{
    EXPECT_TRUE(canon_is("/", "/"));
    EXPECT_TRUE(canon_is("//", "/"));
    EXPECT_TRUE(canon_is("/a", "/a"));
    EXPECT_TRUE(canon_is("/a/", "/a"));
    EXPECT_TRUE(canon_is("//a//b///", "/a/b"));
    EXPECT_TRUE(canon_is("/a/./b/.", "/a/b"));
    EXPECT_TRUE(canon_is("/a/b/..", "/a"));
    EXPECT_TRUE(canon_is("/a/..", "/"));
    EXPECT_TRUE(canon_is("/..", "/"));
    EXPECT_TRUE(canon_is("/../../x/../y", "/y"));
    EXPECT_TRUE(canon_is("/a/b/../../c/./d/..", "/c"));
    EXPECT_TRUE(canon_is("/.a/..b/...", "/.a/..b/..."));
    EXPECT_TRUE(canon_is("/tmp/../tmp/x", "/tmp/x"));
}
