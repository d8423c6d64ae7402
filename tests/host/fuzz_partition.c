// sources: drivers/lib/partition.c
// libFuzzer entry point for the MBR/GPT reader (built by ninja; run by tests/test_fuzz.py). The input is a device:
// byte 0's low bit says whether to make the GPT's CRCs right before scanning (so the fuzzer gets past them to the
// checks behind), bytes 1-2 are the device's size in sectors (1 to 65536), the rest its first sectors (the others
// read as zero). Checked: the reader never asks for a sector outside the device, and what it accepts is sane:
// at most PART_MAX partitions, ascending distinct indexes, each non-empty and inside the device, none overlapping.
// Seeds are in tests/host/corpus/partition/.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wren/abi.h>

#include "../../drivers/lib/include/wren/partition.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *img;
static size_t img_size;
static uint64_t dev_sectors;

static long rd(void *ctx, uint64_t lba, uint32_t n, void *buf)
{
    (void)ctx;
    if (n == 0 || lba >= dev_sectors || n > dev_sectors - lba)
        __builtin_trap(); /* the reader asked outside the device */
    memset(buf, 0, (size_t)n * 512);
    uint64_t off = lba * 512;
    if (off < img_size)
        memcpy(buf, img + off, img_size - off < (uint64_t)n * 512 ? img_size - off : (size_t)n * 512);
    return 0;
}

static uint32_t get32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Make the header's entry-array CRC and its own CRC right, for whatever array it names inside the image. */
static void fix_crcs(uint8_t *im, size_t n)
{
    if (n < 1024)
        return;
    uint8_t *h = im + 512;
    uint64_t lba = get32(h + 72) | (uint64_t)get32(h + 76) << 32;
    uint64_t bytes = (uint64_t)get32(h + 80) * get32(h + 84);
    if (lba < n / 512 && bytes <= n - lba * 512)
        put32(h + 88, partition_crc32(0, im + lba * 512, bytes));
    uint32_t hs = get32(h + 12);
    put32(h + 16, 0);
    if (hs <= 512)
        put32(h + 16, partition_crc32(0, h, hs));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    dev_sectors = (uint64_t)(data[1] | data[2] << 8) + 1;
    img_size = size - 3;
    uint8_t *copy = malloc(img_size ? img_size : 1);
    memcpy(copy, data + 3, img_size);
    if (data[0] & 1)
        fix_crcs(copy, img_size);
    img = copy;
    struct part_table t;
    long r = partition_scan(rd, NULL, dev_sectors, &t);
    if (r < 0 && (t.count != 0 || t.kind != PART_NONE))
        __builtin_trap();
    if (r == 0) {
        if (t.count > PART_MAX || (t.kind == PART_NONE && t.count))
            __builtin_trap();
        for (unsigned i = 0; i < t.count; i++) {
            const struct part *p = &t.p[i];
            if (p->sectors == 0 || p->start == 0 || p->start >= dev_sectors || p->sectors > dev_sectors - p->start)
                __builtin_trap();
            if (i && p->index <= t.p[i - 1].index)
                __builtin_trap();
            for (unsigned j = 0; j < i; j++)
                if (p->start < t.p[j].start + t.p[j].sectors && t.p[j].start < p->start + p->sectors)
                    __builtin_trap();
        }
    }
    free(copy);
    return 0;
}
