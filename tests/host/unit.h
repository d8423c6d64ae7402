// A tiny unit-test harness for host tests: TEST(name) { ... } registers a test; EXPECT_* record failures with
// file:line and carry on; ASSERT_* also leave the current test. main() (defined here unless UNIT_NO_MAIN) runs
// every test, prints "N passed, N failed" and exits non-zero if anything failed.
//
// Tests find their data through unit_data_dir(): argv[1] if given (the build passes build/host/dtb), else the
// WREN_TEST_DATA environment variable.
#ifndef WREN_TESTS_UNIT_H
#define WREN_TESTS_UNIT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit_test {
    const char *name;
    void (*fn)(void);
    struct unit_test *next;
};

static struct unit_test *unit_tests;
static struct unit_test **unit_tests_tail = &unit_tests;
static int unit_failures_in_test;
static const char *unit_data;

// Registration runs before main through a constructor, in source order.
#define TEST(name)                                                                                                     \
    static void unit_test_##name(void);                                                                                \
    static struct unit_test unit_rec_##name = {#name, unit_test_##name, NULL};                                         \
    __attribute__((constructor)) static void unit_register_##name(void)                                                \
    {                                                                                                                  \
        *unit_tests_tail = &unit_rec_##name;                                                                           \
        unit_tests_tail = &unit_rec_##name.next;                                                                       \
    }                                                                                                                  \
    static void unit_test_##name(void)

static inline void unit_fail_header(const char *file, int line)
{
    fprintf(stderr, "%s:%d: FAILED: ", file, line);
    unit_failures_in_test++;
}

// Integers of any type compare as unsigned 64-bit (well defined for negatives too) and print both ways.
static inline int unit_check_eq(unsigned long long a, unsigned long long b, const char *ea, const char *eb,
                                const char *file, int line)
{
    if (a == b)
        return 1;
    unit_fail_header(file, line);
    fprintf(stderr, "%s == %s\n    left:  %lld (0x%llx)\n    right: %lld (0x%llx)\n", ea, eb, (long long)a, a,
            (long long)b, b);
    return 0;
}

static inline int unit_check_streq(const char *a, const char *b, const char *ea, const char *eb, const char *file,
                                   int line)
{
    if (a != NULL && b != NULL && strcmp(a, b) == 0)
        return 1;
    unit_fail_header(file, line);
    fprintf(stderr, "%s == %s\n    left:  \"%s\"\n    right: \"%s\"\n", ea, eb, a ? a : "(NULL)", b ? b : "(NULL)");
    return 0;
}

static inline int unit_check_true(int cond, const char *expr, const char *file, int line)
{
    if (cond)
        return 1;
    unit_fail_header(file, line);
    fprintf(stderr, "%s\n", expr);
    return 0;
}

#define EXPECT_EQ(a, b) unit_check_eq((unsigned long long)(a), (unsigned long long)(b), #a, #b, __FILE__, __LINE__)
#define EXPECT_NE(a, b)                                                                                                \
    unit_check_true((unsigned long long)(a) != (unsigned long long)(b), #a " != " #b, __FILE__, __LINE__)
#define EXPECT_STREQ(a, b) unit_check_streq((a), (b), #a, #b, __FILE__, __LINE__)
#define EXPECT_TRUE(c)     unit_check_true(!!(c), #c, __FILE__, __LINE__)
#define EXPECT_FALSE(c)    unit_check_true(!(c), "!(" #c ")", __FILE__, __LINE__)
#define ASSERT_EQ(a, b)                                                                                                \
    do {                                                                                                               \
        if (!EXPECT_EQ(a, b))                                                                                          \
            return;                                                                                                    \
    } while (0)
#define ASSERT_TRUE(c)                                                                                                 \
    do {                                                                                                               \
        if (!EXPECT_TRUE(c))                                                                                           \
            return;                                                                                                    \
    } while (0)

// Reads a whole file into a malloc'd buffer (caller frees). Returns NULL (after reporting) on failure.
static inline void *unit_read_file(const char *path, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    void *buf = NULL;
    long n;

    if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0) {
        fprintf(stderr, "cannot read %s\n", path);
        if (fp)
            fclose(fp);
        return NULL;
    }
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    *size = (size_t)n;
    return buf;
}

static inline const char *unit_data_dir(void)
{
    return unit_data;
}

// Reads <data dir>/<name>. The test fails (and NULL is returned) if there is no data dir or no such file.
static inline void *unit_read_data(const char *name, size_t *size)
{
    char path[4096];

    if (unit_data == NULL) {
        unit_fail_header(__FILE__, __LINE__);
        fprintf(stderr, "no data directory: pass it as argv[1] or set WREN_TEST_DATA\n");
        return NULL;
    }
    snprintf(path, sizeof(path), "%s/%s", unit_data, name);
    void *buf = unit_read_file(path, size);
    if (buf == NULL)
        unit_fail_header(__FILE__, __LINE__), fprintf(stderr, "missing test data %s\n", path);
    return buf;
}

#ifndef UNIT_NO_MAIN
int main(int argc, char **argv)
{
    int passed = 0;
    int failed = 0;

    unit_data = argc > 1 ? argv[1] : getenv("WREN_TEST_DATA");
    for (struct unit_test *t = unit_tests; t != NULL; t = t->next) {
        unit_failures_in_test = 0;
        t->fn();
        if (unit_failures_in_test == 0) {
            passed++;
        } else {
            failed++;
            fprintf(stderr, "--- %s failed\n", t->name);
        }
    }
    printf("%s: %d passed, %d failed\n", argv[0], passed, failed);
    return failed == 0 ? 0 : 1;
}
#endif

#endif // WREN_TESTS_UNIT_H
