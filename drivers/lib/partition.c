/*
 * MBR and GPT, read strictly (<wren/partition.h> gives the sources). Every field is checked before it is used:
 * a table that points outside the device, overlaps itself, fails a CRC or declares absurd sizes is refused whole.
 */
#include <stdlib.h>
#include <string.h>

#include <wren/abi.h>

#include "include/wren/partition.h" /* by path: the host tests build this file too */

#define MBR_SIG_OFF     510 /* 0x55 0xAA (UEFI §5.2.1 Table 5-1) */
#define MBR_ENTRIES_OFF 446
#define MBR_TYPE_GPT    0xee /* protective MBR (§5.2.3) */
#define GPT_HEADER_MIN  92u  /* §5.3.2: HeaderSize is at least 92 and at most a block */
#define GPT_REVISION    0x00010000u
#define GPT_ENTRY_MIN   128u /* §5.3.2: SizeOfPartitionEntry is 128 x 2^n */

static uint32_t le32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const uint8_t *p)
{
    return le32(p) | (uint64_t)le32(p + 4) << 32;
}

uint32_t partition_crc32(uint32_t crc, const void *buf, uint64_t n)
{
    const uint8_t *p = buf;
    crc = ~crc;
    for (uint64_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

/* Whether [a, a+an) and [b, b+bn) share a sector (both inside the device, so nothing overflows). */
static int overlap(const struct part *a, const struct part *b)
{
    return a->start < b->start + b->sectors && b->start < a->start + a->sectors;
}

/* Refuse the table if two partitions overlap (O(n^2) on at most PART_MAX entries). */
static long check_disjoint(const struct part_table *t)
{
    for (unsigned i = 0; i < t->count; i++)
        for (unsigned j = i + 1; j < t->count; j++)
            if (overlap(&t->p[i], &t->p[j]))
                return -E_INVAL;
    return 0;
}

/* UEFI §5.2.1: four 16-byte entries; BootIndicator 0x00 or 0x80, StartingLBA and SizeInLBA little-endian. */
static long parse_mbr(const uint8_t *s, uint64_t sectors, struct part_table *t)
{
    for (unsigned i = 0; i < 4; i++) {
        const uint8_t *e = s + MBR_ENTRIES_OFF + 16 * i;
        if (e[0] != 0 && e[0] != 0x80)
            return -E_INVAL; /* not a partition entry: boot code, a FAT boot sector, garbage */
        uint8_t type = e[4];
        uint64_t start = le32(e + 8), n = le32(e + 12);
        if (type == 0) {
            continue; /* an unused slot (its other bytes are not looked at) */
        }
        if (start == 0 || n == 0 || start >= sectors || n > sectors - start)
            return -E_INVAL; /* over the MBR itself, empty, or beyond the device */
        struct part *p = &t->p[t->count++];
        memset(p, 0, sizeof(*p));
        p->index = i + 1;
        p->start = start;
        p->sectors = n;
        p->type = type;
    }
    return check_disjoint(t);
}

/* The GPT header at LBA 1 and its entry array (UEFI §5.3.2, §5.3.3). */
static long parse_gpt(part_read_fn read, void *ctx, uint64_t sectors, struct part_table *t)
{
    uint8_t h[PART_SECTOR];
    if (sectors < 3)
        return -E_INVAL;
    long r = read(ctx, 1, 1, h);
    if (r < 0)
        return r;
    if (memcmp(h, "EFI PART", 8) != 0 || le32(h + 8) != GPT_REVISION)
        return -E_INVAL;
    uint32_t hsize = le32(h + 12);
    if (hsize < GPT_HEADER_MIN || hsize > PART_SECTOR)
        return -E_INVAL;
    uint32_t want = le32(h + 16);
    memset(h + 16, 0, 4); /* the CRC is computed with its own field zero */
    if (partition_crc32(0, h, hsize) != want)
        return -E_INVAL;
    uint64_t my_lba = le64(h + 24), alt_lba = le64(h + 32), first = le64(h + 40), last = le64(h + 48);
    uint64_t array_lba = le64(h + 72);
    uint32_t count = le32(h + 80), esize = le32(h + 84), array_crc = le32(h + 88);
    if (my_lba != 1 || alt_lba == 1 || alt_lba >= sectors)
        return -E_INVAL;
    if (first < 2 || first > last || last >= sectors)
        return -E_INVAL; /* the usable range: after the primary header, inside the device */
    if (esize < GPT_ENTRY_MIN || esize % 8 || esize > PART_GPT_MAX_ARRAY || count == 0 ||
        count > PART_GPT_MAX_ENTRIES || (uint64_t)count * esize > PART_GPT_MAX_ARRAY)
        return -E_INVAL;
    uint64_t bytes = (uint64_t)count * esize, array_sectors = (bytes + PART_SECTOR - 1) / PART_SECTOR;
    if (array_lba < 2 || array_lba >= sectors || array_sectors > sectors - array_lba)
        return -E_INVAL;
    /* The array lies outside the usable range, where partitions go: before it or after it (a backup's place). */
    if (!(array_lba + array_sectors <= first || array_lba > last))
        return -E_INVAL;
    uint8_t *a = malloc(array_sectors * PART_SECTOR);
    if (!a)
        return -E_NOMEM;
    r = read(ctx, array_lba, (uint32_t)array_sectors, a);
    if (r < 0)
        goto out;
    r = -E_INVAL;
    if (partition_crc32(0, a, bytes) != array_crc)
        goto out;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = a + (uint64_t)i * esize;
        static const uint8_t unused[16];
        if (memcmp(e, unused, 16) == 0)
            continue; /* PartitionTypeGUID zero: an unused entry (§5.3.3) */
        uint64_t s = le64(e + 32), l = le64(e + 40);
        if (s < first || l < s || l > last)
            goto out; /* outside the usable range, or ending before it starts */
        if (t->count == PART_MAX)
            goto out;
        struct part *p = &t->p[t->count++];
        memset(p, 0, sizeof(*p));
        p->index = i + 1;
        p->start = s;
        p->sectors = l - s + 1;
        memcpy(p->guid, e, 16);
    }
    r = check_disjoint(t);
out:
    free(a);
    return r;
}

long partition_scan(part_read_fn read, void *ctx, uint64_t sectors, struct part_table *t)
{
    uint8_t s[PART_SECTOR];
    t->kind = PART_NONE;
    t->count = 0;
    if (sectors == 0)
        return 0;
    long r = read(ctx, 0, 1, s);
    if (r < 0)
        return r;
    if (s[MBR_SIG_OFF] != 0x55 || s[MBR_SIG_OFF + 1] != 0xaa)
        return 0; /* no table: the whole device is one volume */
    int protective = 0;
    for (unsigned i = 0; i < 4; i++)
        if (s[MBR_ENTRIES_OFF + 16 * i + 4] == MBR_TYPE_GPT)
            protective = 1;
    if (protective) {
        r = parse_gpt(read, ctx, sectors, t);
        if (r == 0)
            t->kind = PART_GPT;
    } else {
        r = parse_mbr(s, sectors, t);
        if (r == 0)
            t->kind = PART_MBR;
    }
    if (r < 0) {
        t->kind = PART_NONE;
        t->count = 0;
    }
    return r;
}
