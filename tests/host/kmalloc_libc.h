// kmalloc for host tests of kernel code that allocates: the C library's malloc (so ASan sees every object exactly),
// counted, with failures injected on demand. Include it in exactly one test file.
#ifndef WREN_TESTS_KMALLOC_LIBC_H
#define WREN_TESTS_KMALLOC_LIBC_H

#include <stdlib.h>
#include <string.h>

#include "mm/kmalloc.h"

static long allocs_left = -1; // -1: never fail; otherwise the number of allocations that still succeed
static long live_allocs;

void *kmalloc(size_t size)
{
    if (allocs_left == 0)
        return NULL;
    if (allocs_left > 0)
        allocs_left--;
    void *p = malloc(size ? size : 1);
    if (p) {
        memset(p, 0xa5, size); // callers must not rely on fresh memory being zero
        live_allocs++;
    }
    return p;
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

void kfree(void *p)
{
    if (p)
        live_allocs--;
    free(p);
}

#endif
