// sources: drivers/lib/partition.c
// The strict MBR/GPT reader (drivers/lib/partition.c) on images this test builds in memory: a good MBR and a good
// GPT (with a backup header at the end, as sgdisk writes it) are listed exactly; then one field at a time is made
// hostile (overlaps, ranges past the end, bad CRCs, huge or zero sizes, an array over the header, a header that
// points at itself) and every such table is refused with E_INVAL and nothing listed. Read errors come back as
// they are. The CRC32 is checked against the standard check value.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wren/abi.h>

#include "../../drivers/lib/include/wren/partition.h"
#include "unit.h"

#define DISK_SECTORS 2048u /* 1 MiB */

static uint8_t disk[DISK_SECTORS * 512];
static uint64_t disk_sectors = DISK_SECTORS;
static int reads, fail_reads;

static long rd(void *ctx, uint64_t lba, uint32_t n, void *buf)
{
    (void)ctx;
    reads++;
    if (fail_reads)
        return -E_IO;
    if (lba >= disk_sectors || n > disk_sectors - lba)
        return -E_INVAL; /* the parser must never ask outside the device */
    memcpy(buf, disk + lba * 512, (size_t)n * 512);
    return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static void mbr_entry(unsigned slot, uint8_t status, uint8_t type, uint32_t start, uint32_t n)
{
    uint8_t *e = disk + 446 + 16 * slot;
    e[0] = status;
    e[4] = type;
    put32(e + 8, start);
    put32(e + 12, n);
}

static void make_mbr(void)
{
    memset(disk, 0, sizeof(disk));
    disk_sectors = DISK_SECTORS;
    disk[510] = 0x55;
    disk[511] = 0xaa;
    mbr_entry(0, 0x80, 0x0c, 2048 / 4, 512); /* 256 KiB at 256 KiB */
    mbr_entry(2, 0x00, 0x83, 1024, 1024);    /* the rest; slot 2 (index 3), slot 1 unused */
}

/* A GPT as sgdisk lays it out: header at 1, 128 entries of 128 bytes at 2..33, usable 34..N-34, backup at N-1. */
#define GPT_ENTRIES 128u
#define GPT_ESIZE   128u
static uint8_t *gpt_hdr(void)
{
    return disk + 512;
}
static uint8_t *gpt_entry(unsigned i)
{
    return disk + 2 * 512 + i * GPT_ESIZE;
}

static void gpt_fix_crcs(void)
{
    uint8_t *h = gpt_hdr();
    put32(h + 88, partition_crc32(0, gpt_entry(0), GPT_ENTRIES * GPT_ESIZE));
    put32(h + 16, 0);
    put32(h + 16, partition_crc32(0, h, 92));
}

static void gpt_part(unsigned i, uint64_t first, uint64_t last)
{
    uint8_t *e = gpt_entry(i);
    memset(e, 0, GPT_ESIZE);
    for (int k = 0; k < 16; k++)
        e[k] = (uint8_t)(0xa0 + k + i); /* some type GUID, non-zero */
    put64(e + 32, first);
    put64(e + 40, last);
}

static void make_gpt(void)
{
    memset(disk, 0, sizeof(disk));
    disk_sectors = DISK_SECTORS;
    disk[510] = 0x55;
    disk[511] = 0xaa;
    mbr_entry(0, 0, 0xee, 1, DISK_SECTORS - 1);
    uint8_t *h = gpt_hdr();
    memcpy(h, "EFI PART", 8);
    put32(h + 8, 0x00010000);
    put32(h + 12, 92);
    put64(h + 24, 1);
    put64(h + 32, DISK_SECTORS - 1);
    put64(h + 40, 34);
    put64(h + 48, DISK_SECTORS - 34);
    put64(h + 72, 2);
    put32(h + 80, GPT_ENTRIES);
    put32(h + 84, GPT_ESIZE);
    gpt_part(0, 34, 1033);   /* index 1 */
    gpt_part(4, 1034, 2014); /* index 5 */
    gpt_fix_crcs();
}

static long scan(struct part_table *t)
{
    memset(t, 0x5a, sizeof(*t)); /* whatever was there must not show through */
    return partition_scan(rd, NULL, disk_sectors, t);
}

static void expect_refused(int line)
{
    struct part_table t;
    long r = scan(&t);
    if (r != -E_INVAL || t.count != 0 || t.kind != PART_NONE)
        fprintf(stderr, "  hostile table of line %d: r=%ld count=%u kind=%d\n", line, r, t.count, t.kind);
    EXPECT_EQ(r, -E_INVAL);
    EXPECT_EQ(t.count, 0);
    EXPECT_EQ(t.kind, PART_NONE);
}
#define REFUSED() expect_refused(__LINE__)

TEST(crc32_check_value)
{
    EXPECT_EQ(partition_crc32(0, "123456789", 9), 0xcbf43926u);
    EXPECT_EQ(partition_crc32(0, "", 0), 0);
}

TEST(no_signature_is_no_table)
{
    memset(disk, 0, sizeof(disk));
    struct part_table t;
    EXPECT_EQ(scan(&t), 0);
    EXPECT_EQ(t.kind, PART_NONE);
    EXPECT_EQ(t.count, 0);
}

TEST(good_mbr)
{
    make_mbr();
    struct part_table t;
    ASSERT_EQ(scan(&t), 0);
    EXPECT_EQ(t.kind, PART_MBR);
    ASSERT_EQ(t.count, 2);
    EXPECT_EQ(t.p[0].index, 1);
    EXPECT_EQ(t.p[0].start, 512);
    EXPECT_EQ(t.p[0].sectors, 512);
    EXPECT_EQ(t.p[0].type, 0x0c);
    EXPECT_EQ(t.p[1].index, 3);
    EXPECT_EQ(t.p[1].start, 1024);
    EXPECT_EQ(t.p[1].sectors, 1024);
}

TEST(hostile_mbr)
{
    make_mbr();
    mbr_entry(1, 0, 0x83, 1000, 100); /* overlaps both */
    REFUSED();
    make_mbr();
    mbr_entry(2, 0, 0x83, 1024, 1025); /* one sector past the end */
    REFUSED();
    make_mbr();
    mbr_entry(2, 0, 0x83, 0xffffffffu, 0xffffffffu); /* far past, and start + n overflows 32 bits */
    REFUSED();
    make_mbr();
    mbr_entry(1, 0, 0x83, 0, 10); /* over the MBR itself */
    REFUSED();
    make_mbr();
    mbr_entry(1, 0, 0x83, 100, 0); /* empty */
    REFUSED();
    make_mbr();
    mbr_entry(0, 0x12, 0x0c, 512, 512); /* a status byte no MBR has: boot code, not a table */
    REFUSED();
    make_mbr();
    mbr_entry(3, 0, 0x83, 700, 10); /* inside partition 1 */
    REFUSED();
    make_mbr();
    disk_sectors = 1500; /* the same table on a smaller device */
    REFUSED();
}

TEST(good_gpt)
{
    make_gpt();
    struct part_table t;
    ASSERT_EQ(scan(&t), 0);
    EXPECT_EQ(t.kind, PART_GPT);
    ASSERT_EQ(t.count, 2);
    EXPECT_EQ(t.p[0].index, 1);
    EXPECT_EQ(t.p[0].start, 34);
    EXPECT_EQ(t.p[0].sectors, 1000);
    EXPECT_EQ(t.p[0].guid[0], 0xa0);
    EXPECT_EQ(t.p[1].index, 5);
    EXPECT_EQ(t.p[1].start, 1034);
    EXPECT_EQ(t.p[1].sectors, 981);
}

TEST(gpt_bad_crcs)
{
    make_gpt();
    gpt_hdr()[16] ^= 1; /* header CRC */
    REFUSED();
    make_gpt();
    gpt_entry(4)[40] ^= 1; /* an entry changed, the array CRC not */
    REFUSED();
    make_gpt();
    gpt_hdr()[40] ^= 1; /* a header field changed, its CRC not */
    REFUSED();
}

/* Change one header field, fix both CRCs (so only the field's check can refuse it), and expect refusal. */
#define GPT_FIELD64(off, v)                                                                                            \
    do {                                                                                                               \
        make_gpt();                                                                                                    \
        put64(gpt_hdr() + (off), (v));                                                                                 \
        gpt_fix_crcs();                                                                                                \
        REFUSED();                                                                                                     \
    } while (0)
#define GPT_FIELD32(off, v)                                                                                            \
    do {                                                                                                               \
        make_gpt();                                                                                                    \
        put32(gpt_hdr() + (off), (v));                                                                                 \
        gpt_fix_crcs();                                                                                                \
        REFUSED();                                                                                                     \
    } while (0)

TEST(gpt_hostile_header)
{
    GPT_FIELD32(8, 0x00020000);         /* revision */
    GPT_FIELD32(12, 91);                /* header size below 92 */
    GPT_FIELD32(12, 513);               /* above a sector */
    GPT_FIELD64(24, 2);                 /* MyLBA not 1 */
    GPT_FIELD64(32, 1);                 /* the backup is the primary: a loop */
    GPT_FIELD64(32, DISK_SECTORS);      /* backup past the end */
    GPT_FIELD64(40, 1);                 /* first usable over the header */
    GPT_FIELD64(40, DISK_SECTORS - 20); /* first usable after last usable */
    GPT_FIELD64(48, DISK_SECTORS);      /* last usable past the end */
    GPT_FIELD64(48, UINT64_MAX);        /* ... far past */
    GPT_FIELD64(72, 0);                 /* entry array over the MBR */
    GPT_FIELD64(72, 1);                 /* ... over the header */
    GPT_FIELD64(72, 40);                /* ... inside the usable range */
    GPT_FIELD64(72, DISK_SECTORS - 2);  /* ... running past the end */
    GPT_FIELD64(72, UINT64_MAX - 1);    /* ... where lba + size overflows */
    GPT_FIELD32(80, 0);                 /* no entries */
    GPT_FIELD32(80, 0x7fffffff);        /* huge count */
    GPT_FIELD32(80, 4096);              /* more than PART_GPT_MAX_ENTRIES */
    GPT_FIELD32(84, 0);                 /* entry size 0 */
    GPT_FIELD32(84, 64);                /* below 128 */
    GPT_FIELD32(84, 130);               /* not a multiple of 8 */
    GPT_FIELD32(84, 0x80000000u);       /* count x size overflows 32 bits */
    make_gpt();
    memcpy(gpt_hdr(), "EFI PARS", 8);
    gpt_fix_crcs();
    REFUSED();
}

TEST(gpt_hostile_entries)
{
    make_gpt();
    gpt_part(7, 1000, 1100); /* overlaps both */
    gpt_fix_crcs();
    REFUSED();
    make_gpt();
    gpt_part(7, 20, 30); /* before the usable range */
    gpt_fix_crcs();
    REFUSED();
    make_gpt();
    gpt_part(7, 2015, DISK_SECTORS - 1); /* after it (over the backup header) */
    gpt_fix_crcs();
    REFUSED();
    make_gpt();
    gpt_part(7, 2014, 2013); /* ends before it starts */
    gpt_fix_crcs();
    REFUSED();
    make_gpt();
    gpt_part(7, 2014, UINT64_MAX); /* sectors = last - first + 1 would overflow */
    gpt_fix_crcs();
    REFUSED();
    make_gpt();
    gpt_part(127, 34, 34); /* the last entry, inside partition 1 */
    gpt_fix_crcs();
    REFUSED();
}

TEST(gpt_one_sector_partitions_and_tiny_devices)
{
    make_gpt();
    gpt_part(0, 34, 34);
    gpt_part(4, 2014, 2014);
    gpt_part(9, 35, 35);
    gpt_fix_crcs();
    struct part_table t;
    ASSERT_EQ(scan(&t), 0);
    ASSERT_EQ(t.count, 3);
    EXPECT_EQ(t.p[2].index, 10);
    EXPECT_EQ(t.p[2].sectors, 1);
    make_gpt();
    disk_sectors = 2; /* a protective MBR on a device too small for a GPT */
    REFUSED();
    make_gpt();
    disk_sectors = 1000; /* the same table on a smaller device: last usable past its end */
    REFUSED();
}

TEST(read_errors_pass_through)
{
    make_gpt();
    fail_reads = 1;
    struct part_table t;
    EXPECT_EQ(scan(&t), -E_IO);
    EXPECT_EQ(t.count, 0);
    fail_reads = 0;
    memset(disk, 0, 512);
    disk_sectors = 0;
    reads = 0;
    EXPECT_EQ(scan(&t), 0); /* an empty device: not read at all */
    EXPECT_EQ(reads, 0);
}
