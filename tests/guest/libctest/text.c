/* Strings, sorting and number parsing. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "libctest.h"

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void test_strings(void)
{
    char buf[64];

    wren_check("strlen", (long)strlen("microkernel"), 11);
    wren_check("strcmp orders", strcmp("abc", "abd") < 0, 1);
    wren_check("strncmp stops at n", strncmp("wren-a", "wren-b", 5), 0);
    check_str("strchr", strchr("a/b/c", '/'), "/b/c");
    check_str("strrchr", strrchr("a/b/c", '/'), "/c");
    check_str("strstr", strstr("find the needle here", "needle"), "needle here");
    wren_check("strstr misses", strstr("haystack", "needle") == NULL, 1);
    strcpy(buf, "0123456789");
    memmove(buf + 2, buf, 5);
    check_str("memmove overlapping", buf, "0101234789");
    memset(buf, 'x', 3);
    buf[3] = 0;
    check_str("memset", buf, "xxx");
    char *dup = strdup("copied");
    check_str("strdup", dup, "copied");
    free(dup);
    strcpy(buf, "one,two,,three");
    char *save, *tok = strtok_r(buf, ",", &save);
    int count = 0;
    while (tok) {
        count++;
        tok = strtok_r(NULL, ",", &save);
    }
    wren_check("strtok_r finds three tokens", count, 3);
}

static void test_qsort(void)
{
    enum { N = 1000 };
    static int v[N];
    unsigned x = 12345;
    for (int i = 0; i < N; i++) {
        x = x * 1103515245 + 12345;
        v[i] = (int)(x >> 8) % 10000 - 5000;
    }
    v[N / 2] = 777;
    qsort(v, N, sizeof(v[0]), cmp_int);
    int sorted = 1;
    for (int i = 1; i < N; i++)
        sorted &= v[i - 1] <= v[i];
    wren_check("qsort sorts 1000 ints", sorted, 1);
    int key = 777;
    int *hit = bsearch(&key, v, N, sizeof(v[0]), cmp_int);
    wren_check("bsearch finds a value", hit && *hit == 777, 1);
}

static void test_strtol(void)
{
    char *end;

    wren_check("strtol decimal", strtol("  -1234xyz", &end, 10), -1234);
    check_str("strtol end pointer", end, "xyz");
    wren_check("strtol base 0 hex", strtol("0x1F", NULL, 0), 31);
    wren_check("strtol base 0 octal", strtol("0777", NULL, 0), 511);
    wren_check("strtol base 36", strtol("wren", NULL, 36), ((32 * 36 + 27) * 36 + 14) * 36 + 23);
    errno = 0;
    wren_check("strtol saturates", strtol("99999999999999999999", NULL, 10), LONG_MAX);
    wren_check("strtol overflow sets ERANGE", errno, ERANGE);
    wren_check("strtoul", (long)strtoul("4294967295", NULL, 10), 4294967295L);
    wren_check("atoi", atoi("-77"), -77);
    check_near("strtod", strtod("2.5e3", NULL), 2500.0, 0);
}

void test_text(void)
{
    test_strings();
    test_qsort();
    test_strtol();
}
