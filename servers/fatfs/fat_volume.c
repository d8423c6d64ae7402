/*
 * Mounting a FAT volume and its allocation table. Sources: Microsoft's "FAT: General Overview of On-Disk Format"
 * (fatgen103, 2000): the BPB layout (§3), how the FAT type follows from the count of clusters (§3.5: fewer than
 * 4085 is FAT12, fewer than 65525 FAT16, else FAT32), FAT entry encodings (§4) and the FSInfo sector (§5).
 */
#include <string.h>

#include "fat.h"

uint16_t fat_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
uint32_t fat_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
void fat_put16(uint8_t *p, uint16_t x)
{
    p[0] = (uint8_t)x;
    p[1] = (uint8_t)(x >> 8);
}
void fat_put32(uint8_t *p, uint32_t x)
{
    fat_put16(p, (uint16_t)x);
    fat_put16(p + 2, (uint16_t)(x >> 16));
}

static int power_of_two(uint32_t x)
{
    return x && !(x & (x - 1));
}

int fat_cluster_ok(const struct fat_vol *v, uint32_t c)
{
    return c >= 2 && c - 2 < v->clusters;
}

uint32_t fat_eoc(const struct fat_vol *v)
{
    return v->type == 32 ? 0x0FFFFFFF : v->type == 16 ? 0xFFFF : 0xFFF;
}

uint64_t fat_cluster_offset(const struct fat_vol *v, uint32_t c)
{
    return v->data_offset + (uint64_t)(c - 2) * v->cluster_size;
}

/* The byte offset of cluster c's entry in FAT number `which`. */
static uint64_t entry_offset(const struct fat_vol *v, uint32_t which, uint32_t c)
{
    uint64_t in = v->type == 32 ? (uint64_t)c * 4 : v->type == 16 ? (uint64_t)c * 2 : c + c / 2;
    return v->fat_offset + which * v->fat_bytes + in;
}

long fat_get(struct fat_vol *v, uint32_t c, uint32_t *value)
{
    if (c >= v->clusters + 2)
        return -E_IO;
    uint8_t b[4];
    long r = bc_read(v->bc, entry_offset(v, v->active_fat, c), b, v->type == 32 ? 4 : 2);
    if (r < 0)
        return r;
    if (v->type == 32)
        *value = fat_le32(b) & 0x0FFFFFFF;
    else if (v->type == 16)
        *value = fat_le16(b);
    else
        *value = c & 1 ? fat_le16(b) >> 4 : fat_le16(b) & 0xFFF;
    return 0;
}

long fat_set(struct fat_vol *v, uint32_t c, uint32_t value)
{
    if (c >= v->clusters + 2 || c < 2)
        return -E_IO;
    for (uint32_t which = 0; which < v->num_fats; which++) {
        if (!v->mirror && which != v->active_fat)
            continue;
        uint64_t off = entry_offset(v, which, c);
        uint8_t b[4];
        size_t len = v->type == 32 ? 4 : 2;
        long r = bc_read(v->bc, off, b, len);
        if (r < 0)
            return r;
        if (v->type == 32) {
            fat_put32(b, (fat_le32(b) & 0xF0000000) | (value & 0x0FFFFFFF)); /* the top 4 bits are reserved */
        } else if (v->type == 16) {
            fat_put16(b, (uint16_t)value);
        } else {
            uint16_t old = fat_le16(b);
            uint16_t x = c & 1 ? (uint16_t)((old & 0x000F) | (value & 0xFFF) << 4)
                               : (uint16_t)((old & 0xF000) | (value & 0xFFF));
            fat_put16(b, x);
        }
        r = bc_write(v->bc, off, b, len, BC_CLASS_META);
        if (r < 0)
            return r;
    }
    return 0;
}

long fat_next(struct fat_vol *v, uint32_t c, uint32_t *next)
{
    uint32_t x;
    long r = fat_get(v, c, &x);
    if (r < 0)
        return r;
    uint32_t eoc_min = fat_eoc(v) - 7; /* 0x?FF8 and above end a chain; 0x?FF7 is a bad cluster */
    if (x >= eoc_min)
        return 1;
    if (!fat_cluster_ok(v, x))
        return -E_IO;
    *next = x;
    return 0;
}

long fat_chain_length(struct fat_vol *v, uint32_t first)
{
    if (first == 0)
        return 0;
    if (!fat_cluster_ok(v, first))
        return -E_IO;
    uint32_t c = first;
    for (uint32_t n = 1; n <= v->clusters; n++) {
        uint32_t next;
        long r = fat_next(v, c, &next);
        if (r < 0)
            return r;
        if (r == 1)
            return n;
        c = next;
    }
    return -E_IO; /* more links than clusters: a cycle */
}

long fat_alloc(struct fat_vol *v, uint32_t prev, uint32_t *out)
{
    if (v->free_count == 0)
        return -E_NOSPC;
    uint32_t start = fat_cluster_ok(v, v->next_free) ? v->next_free : 2;
    for (uint32_t i = 0; i < v->clusters; i++) {
        uint32_t c = 2 + (start - 2 + i) % v->clusters;
        uint32_t x;
        long r = fat_get(v, c, &x);
        if (r < 0)
            return r;
        if (x != 0)
            continue;
        r = fat_set(v, c, fat_eoc(v));
        if (r == 0 && prev)
            r = fat_set(v, prev, c);
        if (r < 0)
            return r;
        v->free_count--;
        v->next_free = c + 1;
        v->fsinfo_dirty = 1;
        *out = c;
        return 0;
    }
    v->free_count = 0; /* the count was wrong: there is no free cluster */
    return -E_NOSPC;
}

long fat_free_chain(struct fat_vol *v, uint32_t first)
{
    if (first == 0)
        return 0;
    if (!fat_cluster_ok(v, first))
        return -E_IO;
    v->dir_hint.valid = 0; /* the chain it remembers may be this one */
    uint32_t c = first;
    for (uint32_t n = 0; n <= v->clusters; n++) {
        uint32_t next;
        long r = fat_next(v, c, &next);
        /* Freed as we go: a cycle ends at a cluster already freed (0 reads as a bad link). */
        long w = fat_set(v, c, 0);
        if (w < 0)
            return w;
        v->free_count++;
        v->fsinfo_dirty = 1;
        if (r < 0)
            return r == -E_IO ? 0 : r;
        if (r == 1)
            return 0;
        c = next;
    }
    return 0;
}

long fat_count_free(struct fat_vol *v, uint32_t *free_out)
{
    uint32_t n = 0;
    for (uint32_t c = 2; c < v->clusters + 2; c++) {
        uint32_t x;
        long r = fat_get(v, c, &x);
        if (r < 0)
            return r;
        n += x == 0;
    }
    *free_out = n;
    return 0;
}

/* Check the BPB (fatgen103 §3) and derive the layout; E_INVAL for anything inconsistent. */
static long parse_bpb(struct fat_vol *v, const uint8_t *bs, uint64_t dev_size)
{
    if (bs[510] != 0x55 || bs[511] != 0xAA)
        return -E_INVAL;
    uint32_t bps = fat_le16(bs + 11), spc = bs[13], reserved = fat_le16(bs + 14), nfats = bs[16];
    uint32_t root_entries = fat_le16(bs + 17), total = fat_le16(bs + 19), fat_size = fat_le16(bs + 22);
    if (bps < 512 || bps > 4096 || !power_of_two(bps) || !power_of_two(spc) || spc > 128 || bps * spc > 65536)
        return -E_INVAL;
    if (reserved == 0 || nfats == 0 || nfats > 4)
        return -E_INVAL;
    if (total == 0)
        total = fat_le32(bs + 32);
    if (fat_size == 0)
        fat_size = fat_le32(bs + 36);
    if (total == 0 || fat_size == 0 || (uint64_t)total * bps > dev_size)
        return -E_INVAL;
    uint32_t root_sectors = (root_entries * 32 + bps - 1) / bps;
    uint64_t meta = (uint64_t)reserved + (uint64_t)nfats * fat_size + root_sectors;
    if (meta >= total)
        return -E_INVAL;
    uint32_t clusters = (uint32_t)((total - meta) / spc);
    /* fatgen103 §3.5 types a volume by its count of clusters alone; Linux and mtools (and mkfs.fat -F 32 on a
     * small volume) take a 16-bit FAT size of 0 to mean FAT32 whatever the count: so do we. */
    v->type = fat_le16(bs + 22) == 0 ? 32 : clusters < 4085 ? 12 : 16;
    if (v->type != 32 && clusters >= 65525)
        return -E_INVAL;
    if (clusters == 0 || clusters > 0x0FFFFFF5)
        return -E_INVAL;
    /* The FAT must hold an entry for every cluster (plus the two reserved ones). */
    uint64_t entries = (uint64_t)fat_size * bps * 8 / (v->type == 32 ? 32 : v->type == 16 ? 16 : 12);
    if (entries < (uint64_t)clusters + 2)
        return -E_INVAL;
    v->sector_size = bps;
    v->cluster_size = bps * spc;
    v->num_fats = nfats;
    v->fat_offset = (uint64_t)reserved * bps;
    v->fat_bytes = (uint64_t)fat_size * bps;
    v->root_offset = v->fat_offset + nfats * v->fat_bytes;
    v->root_entries = root_entries;
    v->data_offset = v->root_offset + (uint64_t)root_sectors * bps;
    v->clusters = clusters;
    v->mirror = 1;
    v->active_fat = 0;
    if (v->type == 32) {
        if (root_entries != 0 || fat_le16(bs + 22) != 0 || fat_le16(bs + 42) != 0) /* version 0.0 only */
            return -E_INVAL;
        uint16_t ext = fat_le16(bs + 40);
        if (ext & 0x80) { /* mirroring off: only the active FAT is used (fatgen103 §3.3, BPB_ExtFlags) */
            v->mirror = 0;
            v->active_fat = ext & 0x0F;
            if (v->active_fat >= nfats)
                return -E_INVAL;
        }
        v->root_cluster = fat_le32(bs + 44);
        if (!fat_cluster_ok(v, v->root_cluster))
            return -E_INVAL;
        uint32_t fsinfo = fat_le16(bs + 48);
        v->fsinfo_sector = fsinfo > 0 && fsinfo < reserved ? fsinfo : 0;
    } else {
        if (root_entries == 0)
            return -E_INVAL;
        v->root_cluster = 0;
    }
    return 0;
}

/* Keep the FSInfo sector only if its three signatures are right (fatgen103 §5). */
static long check_fsinfo(struct fat_vol *v)
{
    if (!v->fsinfo_sector)
        return 0;
    uint8_t s[512];
    long r = bc_read(v->bc, (uint64_t)v->fsinfo_sector * v->sector_size, s, sizeof(s));
    if (r < 0)
        return r;
    if (fat_le32(s) != 0x41615252 || fat_le32(s + 484) != 0x61417272 || fat_le32(s + 508) != 0xAA550000) {
        v->fsinfo_sector = 0;
        return 0;
    }
    v->next_free = fat_le32(s + 492);
    return 0;
}

static long write_fsinfo(struct fat_vol *v)
{
    if (!v->fsinfo_sector || !v->fsinfo_dirty || v->read_only)
        return 0;
    uint64_t off = (uint64_t)v->fsinfo_sector * v->sector_size;
    uint8_t b[8];
    fat_put32(b, v->free_count);
    fat_put32(b + 4, fat_cluster_ok(v, v->next_free) ? v->next_free : 0xFFFFFFFF);
    long r = bc_write(v->bc, off + 488, b, sizeof(b), BC_CLASS_META);
    if (r == 0)
        v->fsinfo_dirty = 0;
    return r;
}

long fat_mount(struct fat_vol *v, struct blockcache *bc, int read_only, int64_t (*now)(void))
{
    memset(v, 0, sizeof(*v));
    v->bc = bc;
    v->read_only = read_only;
    v->now = now;
    uint8_t bs[512];
    if (bc_dev_size(bc) < 512)
        return -E_INVAL;
    long r = bc_read(bc, 0, bs, sizeof(bs));
    if (r < 0)
        return r;
    r = parse_bpb(v, bs, bc_dev_size(bc));
    if (r < 0)
        return r;
    r = check_fsinfo(v);
    if (r < 0)
        return r;
    /* FSInfo's count is only a hint (fatgen103 §5): count the free clusters, and write the right count back. */
    r = fat_count_free(v, &v->free_count);
    if (r < 0)
        return r;
    v->fsinfo_dirty = 1;
    v->root.is_root = 1;
    v->root.refs = 1;
    v->root.attr = FAT_ATTR_DIRECTORY;
    v->root.first = v->root_cluster;
    return 0;
}

void fat_unmount(struct fat_vol *v)
{
    fat_free_nodes(v);
}

long fat_sync(struct fat_vol *v)
{
    if (v->read_only)
        return 0;
    for (struct fat_node *n = v->nodes; n; n = n->next) {
        long r = fat_node_write_entry(v, n);
        if (r < 0)
            return r;
    }
    long r = write_fsinfo(v);
    if (r < 0)
        return r;
    return bc_sync(v->bc);
}
