// sources: kernel/lib/scheme_set.c kernel/lib/scheme_path.c
// Namespaces' sets of scheme names: parsing spawn's list (and every way it can be malformed), membership in both
// modes, and what a child gets from its parent's set and the set it asks for: never more than the parent has.
#include <string.h>

#include <wren/abi.h>

#include "lib/scheme_set.h"
#include "unit.h"

static struct scheme_set set(uint32_t mode, const char *list)
{
    struct scheme_set s;
    memset(&s, 0xaa, sizeof(s));
    int err = scheme_set_parse(mode, list, strlen(list), &s);
    EXPECT_EQ(err, 0);
    return s;
}

static int has(const struct scheme_set *s, const char *name)
{
    return scheme_set_has(s, name, strlen(name));
}

static int refused(uint32_t mode, const char *list)
{
    struct scheme_set s;
    memset(&s, 0x55, sizeof(s));
    struct scheme_set before = s;
    int err = scheme_set_parse(mode, list, strlen(list), &s);
    return err == -E_INVAL && memcmp(&s, &before, sizeof(s)) == 0;
}

TEST(only_and_all_except)
{
    struct scheme_set only = set(SCHEME_SET_ONLY, "file,null,rand");
    EXPECT_EQ(only.count, 3);
    EXPECT_TRUE(has(&only, "file") && has(&only, "null") && has(&only, "rand"));
    EXPECT_FALSE(has(&only, "fil") || has(&only, "files") || has(&only, "console"));
    struct scheme_set but = set(SCHEME_SET_ALL_EXCEPT, "mmio,irq");
    EXPECT_FALSE(has(&but, "mmio") || has(&but, "irq"));
    EXPECT_TRUE(has(&but, "file") && has(&but, "rand") && has(&but, "mmi") && has(&but, "irqx"));
    struct scheme_set none = set(SCHEME_SET_ONLY, "");
    EXPECT_EQ(none.count, 0);
    EXPECT_FALSE(has(&none, "file"));
    struct scheme_set all = set(SCHEME_SET_ALL_EXCEPT, "");
    EXPECT_TRUE(has(&all, "file"));
    struct scheme_set twice = set(SCHEME_SET_ONLY, "a,a,b,a");
    EXPECT_EQ(twice.count, 2);
}

TEST(malformed_lists_are_refused_without_output)
{
    EXPECT_TRUE(refused(0, "file"));
    EXPECT_TRUE(refused(3, "file"));
    EXPECT_TRUE(refused(SCHEME_SET_ONLY, ","));
    EXPECT_TRUE(refused(SCHEME_SET_ONLY, "a,"));
    EXPECT_TRUE(refused(SCHEME_SET_ONLY, ",a"));
    EXPECT_TRUE(refused(SCHEME_SET_ONLY, "a,,b"));
    EXPECT_TRUE(refused(SCHEME_SET_ONLY, "File"));
    EXPECT_TRUE(refused(SCHEME_SET_ONLY, "a b"));
    EXPECT_TRUE(refused(SCHEME_SET_ONLY, "a:b"));
    EXPECT_TRUE(refused(SCHEME_SET_ONLY, "a/b"));
    EXPECT_TRUE(refused(SCHEME_SET_ONLY, "-a"));
    EXPECT_TRUE(refused(SCHEME_SET_ONLY, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 33 bytes */
    EXPECT_FALSE(refused(SCHEME_SET_ONLY, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 32 */
    EXPECT_TRUE(refused(SCHEME_SET_ONLY, "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q"));
    EXPECT_FALSE(refused(SCHEME_SET_ONLY, "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,a"));
    struct scheme_set s;
    EXPECT_EQ(scheme_set_parse(SCHEME_SET_ONLY, "file\0x", 6, &s), -E_INVAL); /* a NUL is no name character */
}

TEST(a_child_never_gets_more_than_its_parent)
{
    struct scheme_set out;
    struct scheme_set only = set(SCHEME_SET_ONLY, "file,console");
    struct scheme_set but = set(SCHEME_SET_ALL_EXCEPT, "mmio,irq");

    /* From everything: what was asked. */
    struct scheme_set req = set(SCHEME_SET_ONLY, "file,mmio");
    EXPECT_EQ(scheme_set_intersect(NULL, &req, &out), 0);
    EXPECT_TRUE(has(&out, "file") && has(&out, "mmio") && !has(&out, "console"));
    /* only ∩ only */
    EXPECT_EQ(scheme_set_intersect(&only, &req, &out), 0);
    EXPECT_TRUE(has(&out, "file") && !has(&out, "mmio") && !has(&out, "console"));
    /* all-but ∩ only: the names asked for that the parent has */
    EXPECT_EQ(scheme_set_intersect(&but, &req, &out), 0);
    EXPECT_TRUE(has(&out, "file") && !has(&out, "mmio") && !has(&out, "rand"));
    /* only ∩ all-but: the parent's names less those excluded */
    struct scheme_set no_console = set(SCHEME_SET_ALL_EXCEPT, "console");
    EXPECT_EQ(scheme_set_intersect(&only, &no_console, &out), 0);
    EXPECT_TRUE(has(&out, "file") && !has(&out, "console") && !has(&out, "rand"));
    /* all-but ∩ all-but: both exclusions, and later names still reachable */
    EXPECT_EQ(scheme_set_intersect(&but, &no_console, &out), 0);
    EXPECT_TRUE(!has(&out, "console") && !has(&out, "mmio") && !has(&out, "irq") && has(&out, "rand"));
    /* Two long exclusion lists that together exceed the limit are refused. */
    struct scheme_set a = set(SCHEME_SET_ALL_EXCEPT, "a,b,c,d,e,f,g,h,i,j");
    struct scheme_set b = set(SCHEME_SET_ALL_EXCEPT, "k,l,m,n,o,p,q");
    EXPECT_EQ(scheme_set_intersect(&a, &b, &out), -E_INVAL);
    struct scheme_set overlap = set(SCHEME_SET_ALL_EXCEPT, "a,b,c,d,e,f");
    EXPECT_EQ(scheme_set_intersect(&a, &overlap, &out), 0); /* the same names twice fit */
    EXPECT_EQ(out.count, 10);
}
