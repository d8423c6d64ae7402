// What the FAT host test and fuzzer share: the fatfs sources (servers/fatfs, servers/lib) compiled for the host,
// and a device kept in memory.
#ifndef WREN_TESTS_FAT_HOST_H
#define WREN_TESTS_FAT_HOST_H

#include <stdlib.h>
#include <string.h>

#include "../../servers/fatfs/fat.h"

// An image in memory: reads past `len` (up to `size`) see zeros, writes there are dropped, so a short input can
// stand for a large volume.
struct mem_dev {
    uint8_t *data;
    size_t len;
    uint64_t size;
    unsigned writes, flushes;
};

static inline long mem_read(void *arg, uint64_t off, void *buf, size_t len)
{
    struct mem_dev *m = arg;
    if (off >= m->size)
        return 0;
    if (len > m->size - off)
        len = (size_t)(m->size - off);
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = off + i < m->len ? m->data[off + i] : 0;
    return (long)len;
}

static inline long mem_write(void *arg, uint64_t off, const void *buf, size_t len)
{
    struct mem_dev *m = arg;
    if (off >= m->size || len > m->size - off)
        return -E_NOSPC;
    for (size_t i = 0; i < len; i++)
        if (off + i < m->len)
            m->data[off + i] = ((const uint8_t *)buf)[i];
    m->writes++;
    return (long)len;
}

static inline long mem_flush(void *arg)
{
    ((struct mem_dev *)arg)->flushes++;
    return 0;
}

static inline struct bc_dev mem_bc_dev(struct mem_dev *m)
{
    struct bc_dev d = {m, mem_read, mem_write, mem_flush};
    return d;
}

#endif
