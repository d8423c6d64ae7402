/* malloc over userlib's heap (userlib/libc/heap.c): many sizes, a large block, running out. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wren/syscalls.h>

#include "libctest.h"

#define MIB (1ul << 20)

static uint64_t free_bytes(void)
{
    struct wren_meminfo mi;
    return wren_mem_info(&mi) == 0 ? mi.free : 0;
}

static int filled(const unsigned char *p, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

static void test_many_sizes(void)
{
    enum { N = 300 };
    static unsigned char *p[N];
    static size_t size[N];
    int ok = 1;

    for (int i = 0; i < N; i++) {
        size[i] = (size_t)(i * i * 37) % 20000 + 1;
        p[i] = malloc(size[i]);
        if (!p[i]) {
            ok = 0;
            break;
        }
        memset(p[i], i & 0xff, size[i]);
    }
    wren_check("malloc of 300 sizes up to 20000 bytes", ok, 1);
    if (!ok)
        return;
    for (int i = 0; i < N; i += 3) {
        unsigned char *q = realloc(p[i], size[i] * 2 + 5);
        if (!q || !filled(q, size[i], i & 0xff)) {
            ok = 0;
            continue;
        }
        memset(q + size[i], i & 0xff, size[i] + 5);
        p[i] = q;
        size[i] = size[i] * 2 + 5;
    }
    wren_check("realloc keeps the contents", ok, 1);
    for (int i = 0; i < N; i++)
        ok &= filled(p[i], size[i], i & 0xff);
    wren_check("no block overlaps another", ok, 1);
    for (int i = 0; i < N; i += 2)
        free(p[i]);
    for (int i = 1; i < N; i += 2)
        free(p[i]);

    long *z = calloc(1000, sizeof(long));
    int zero = z != NULL;
    for (int i = 0; zero && i < 1000; i++)
        zero = z[i] == 0;
    wren_check("calloc zeroes", zero, 1);
    free(z);
}

static void test_large_block(void)
{
    size_t n = 64 * MIB;
    unsigned char *p = malloc(n);
    wren_check("malloc of 64 MiB", p != NULL, 1);
    if (!p)
        return;
    memset(p, 0x5a, n);
    int ok = 1;
    for (size_t off = 0; off < n; off += MIB / 2)
        ok &= p[off] == 0x5a;
    wren_check("all 64 MiB written and read back", ok && p[n - 1] == 0x5a, 1);
    free(p);
}

static void test_running_out(void)
{
    enum { MAX = 1024 };
    static void *block[MAX];
    size_t n = 8 * MIB;
    int count = 0;

    errno = 0;
    wren_check("malloc of 1 TiB fails", malloc(1ul << 40) == NULL, 1);
    wren_check("... with ENOMEM", errno, ENOMEM);

    uint64_t before = free_bytes();
    errno = 0;
    while (count < MAX && (block[count] = malloc(n)) != NULL)
        memset(block[count++], 1, n);
    wren_check("malloc returns NULL when memory runs out", count < MAX, 1);
    wren_check("... with ENOMEM", errno, ENOMEM);
    wren_check("... after using most of it", (uint64_t)count * n > before / 2, 1);
    wren_check("... and the kernel kept some", free_bytes() > 0, 1);
    for (int i = 0; i < count; i++)
        free(block[i]);
    void *again = malloc(n);
    wren_check("freed memory is allocated again", again != NULL, 1);
    free(again);
}

void test_heap(void)
{
    test_many_sizes();
    test_large_block();
    test_running_out();
}
