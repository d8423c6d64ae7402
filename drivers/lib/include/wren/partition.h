/*
 * Partition tables (drivers/lib/partition.c): MBR and GPT read strictly from a device's sectors. A table that is
 * not exactly well formed is refused as a whole (the device stays usable, no partition is listed): nothing a
 * table says is trusted before it has been checked against the device's size and against the table's own CRCs.
 *
 * Sources: the MBR layout as the UEFI 2.10 specification §5.2.1 gives it ("Legacy Master Boot Record"), the
 * protective MBR §5.2.3, the GPT header §5.3.2 (Table 5-5) and partition entries §5.3.3 (Table 5-6); the CRC32 is
 * the one §5.3.2 names (ISO 3309 / IEEE 802.3, reflected polynomial 0xEDB88320).
 *
 * Built for the guest (drivers/lib) and the host (tests/host/test_partition.c, fuzz_partition.c): it needs only
 * <wren/abi.h>'s error codes, malloc and string.h.
 */
#ifndef WREN_PARTITION_H
#define WREN_PARTITION_H

#include <stdint.h>

#define PART_SECTOR          512u
#define PART_MAX             128u          /* partitions kept; a table with more used entries is refused */
#define PART_GPT_MAX_ENTRIES 1024u         /* entries a GPT may declare (128 is usual) */
#define PART_GPT_MAX_ARRAY   (256u * 1024) /* bytes of its entry array at most */

enum part_kind { PART_NONE = 0, PART_MBR = 1, PART_GPT = 2 };

struct part {
    unsigned index;   /* 1-based: the MBR slot (1-4) or the GPT entry's number */
    uint64_t start;   /* first sector */
    uint64_t sectors; /* >= 1; start + sectors <= the device's size */
    uint8_t type;     /* MBR: the partition type byte; GPT: 0 (the type GUID is in guid) */
    uint8_t guid[16]; /* GPT: the partition type GUID as stored; MBR: zero */
};

struct part_table {
    enum part_kind kind;
    unsigned count;
    struct part p[PART_MAX]; /* by index, ascending */
};

/* Read n sectors at lba into buf: 0 or a negative E_* code. */
typedef long (*part_read_fn)(void *ctx, uint64_t lba, uint32_t n, void *buf);

/*
 * Read the partition table of a device of `sectors` sectors. 0: *t describes it (kind PART_NONE and count 0 when
 * sector 0 carries no MBR signature, i.e. no table). -E_INVAL: a table is there but is malformed or hostile
 * (*t is then empty, kind PART_NONE); -E_NOMEM; or the read's own error (*t empty).
 */
long partition_scan(part_read_fn read, void *ctx, uint64_t sectors, struct part_table *t);

/* The CRC32 of GPT (and zlib): crc32(0, buf, n) over a buffer. */
uint32_t partition_crc32(uint32_t crc, const void *buf, uint64_t n);

#endif
