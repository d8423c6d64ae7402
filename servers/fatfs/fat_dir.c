/*
 * Directories: arrays of 32-byte entries in a cluster chain (or, on FAT12/16, the fixed root region), with VFAT
 * long names stored as runs of entries of attribute 0x0F before the short entry they name, last part first, each
 * carrying the short name's checksum (fatgen103 §6-7). A long name whose run is broken or whose checksum does not
 * match is ignored and the short name is used, as Windows does.
 */
#include <string.h>

#include "fat.h"

#define SLOTS_MAX (1u << 21) /* a directory may hold at most 65536 entries (fatgen103 §6); be generous */

static const uint8_t lfn_offsets[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};

uint32_t fat_dir_of_root(const struct fat_vol *v)
{
    return v->type == 32 ? v->root_cluster : 0;
}

uint32_t fat_entry_cluster(const struct fat_vol *v, const uint8_t raw[32])
{
    uint32_t lo = fat_le16(raw + 26), hi = v->type == 32 ? fat_le16(raw + 20) : 0;
    return hi << 16 | lo;
}

void fat_entry_set_cluster(uint8_t raw[32], uint32_t c)
{
    fat_put16(raw + 20, (uint16_t)(c >> 16));
    fat_put16(raw + 26, (uint16_t)c);
}

/* 0 and the byte offset of entry `slot`, 1 past the directory's end, or an error. */
long fat_dir_slot_offset(struct fat_vol *v, uint32_t dir, uint32_t slot, uint64_t *off)
{
    if (dir == 0) {
        if (v->type == 32)
            return -E_IO;
        if (slot >= v->root_entries)
            return 1;
        *off = v->root_offset + (uint64_t)slot * 32;
        return 0;
    }
    if (!fat_cluster_ok(v, dir) || slot >= SLOTS_MAX)
        return -E_IO;
    uint32_t per = v->cluster_size / 32, index = slot / per;
    uint32_t c = dir, at = 0;
    if (v->dir_hint.valid && v->dir_hint.dir == dir && v->dir_hint.index <= index) {
        c = v->dir_hint.cluster;
        at = v->dir_hint.index;
    }
    for (; at < index; at++) {
        if (at >= v->clusters)
            return -E_IO; /* longer than the volume: a cycle */
        uint32_t next;
        long r = fat_next(v, c, &next);
        if (r)
            return r;
        c = next;
    }
    v->dir_hint.valid = 1;
    v->dir_hint.dir = dir;
    v->dir_hint.index = index;
    v->dir_hint.cluster = c;
    *off = fat_cluster_offset(v, c) + (uint64_t)(slot % per) * 32;
    return 0;
}

static long read_slot(struct fat_vol *v, uint32_t dir, uint32_t slot, uint8_t raw[32])
{
    uint64_t off;
    long r = fat_dir_slot_offset(v, dir, slot, &off);
    if (r)
        return r;
    return bc_read(v->bc, off, raw, 32);
}

static long write_slot(struct fat_vol *v, uint32_t dir, uint32_t slot, const uint8_t raw[32])
{
    uint64_t off;
    long r = fat_dir_slot_offset(v, dir, slot, &off);
    if (r)
        return r < 0 ? r : -E_IO;
    return bc_write(v->bc, off, raw, 32, BC_CLASS_DIR);
}

long fat_dir_next(struct fat_vol *v, uint32_t dir, uint32_t *pos, struct fat_entry *e)
{
    uint16_t units[20 * 13];
    int lfn_count = 0, lfn_expect = 0, lfn_sum = 0;
    uint32_t lfn_first = 0;
    for (uint32_t slot = *pos;; slot++) {
        uint8_t raw[32];
        long r = read_slot(v, dir, slot, raw);
        if (r)
            return r;
        if (raw[0] == 0)
            return 1; /* the end marker: nothing follows */
        if (raw[0] == 0xE5) {
            lfn_expect = 0;
            continue;
        }
        if ((raw[11] & 0x3F) == FAT_ATTR_LFN) {
            int ord = raw[0] & 0x1F;
            if (ord < 1 || ord > 20) {
                lfn_expect = 0;
            } else if (raw[0] & 0x40) {
                lfn_count = ord;
                lfn_sum = raw[13];
                lfn_first = slot;
                lfn_expect = ord;
            } else if (!(lfn_expect && ord == lfn_expect - 1 && raw[13] == lfn_sum)) {
                lfn_expect = 0;
                continue;
            } else {
                lfn_expect = ord;
            }
            if (lfn_expect)
                for (int i = 0; i < 13; i++)
                    units[(ord - 1) * 13 + i] = fat_le16(raw + lfn_offsets[i]);
            continue;
        }
        if (raw[11] & FAT_ATTR_VOLUME_ID || raw[0] == '.') {
            lfn_expect = 0;
            continue;
        }
        memcpy(e->raw, raw, 32);
        e->slot = slot;
        e->first_slot = slot;
        int named = 0;
        if (lfn_expect == 1 && fat_lfn_checksum(raw) == lfn_sum) {
            int n = 0;
            while (n < lfn_count * 13 && units[n] != 0)
                n++;
            if (n > 0 && fat_utf16_to_name(units, n, e->name, sizeof(e->name)) == 0 && strcmp(e->name, ".") != 0 &&
                strcmp(e->name, "..") != 0) {
                e->first_slot = lfn_first;
                named = 1;
            }
        }
        if (!named)
            fat_short_to_name(raw, e->name);
        *pos = slot + 1;
        return 0;
    }
}

long fat_dir_lookup(struct fat_vol *v, uint32_t dir, const char *name, struct fat_entry *e)
{
    uint32_t pos = 0;
    char short_form[13];
    for (;;) {
        long r = fat_dir_next(v, dir, &pos, e);
        if (r < 0)
            return r;
        if (r == 1)
            return -E_NOENT;
        if (fat_name_equal(e->name, name))
            return 0;
        fat_short_to_name(e->raw, short_form);
        if (fat_name_equal(short_form, name))
            return 0;
    }
}

/* 1 if some entry of the directory (live, long-name parts aside) has this short name. */
static long short_taken(struct fat_vol *v, uint32_t dir, const uint8_t sn[11])
{
    for (uint32_t slot = 0;; slot++) {
        uint8_t raw[32];
        long r = read_slot(v, dir, slot, raw);
        if (r)
            return r < 0 ? r : 0;
        if (raw[0] == 0)
            return 0;
        if (raw[0] != 0xE5 && (raw[11] & 0x3F) != FAT_ATTR_LFN && memcmp(raw, sn, 11) == 0)
            return 1;
    }
}

/* Append a zeroed cluster to directory `dir` (not the fixed root). The zeros are made durable before the FAT
 * links the cluster in, so a power loss never leaves old data as directory entries. */
static long extend_dir(struct fat_vol *v, uint32_t dir)
{
    if (dir == 0)
        return -E_NOSPC;
    long len = fat_chain_length(v, dir);
    if (len < 0)
        return len;
    uint32_t last = dir;
    for (long i = 1; i < len; i++) {
        long r = fat_next(v, last, &last);
        if (r)
            return r < 0 ? r : -E_IO;
    }
    uint32_t c;
    long r = fat_alloc(v, 0, &c);
    if (r < 0)
        return r;
    static const uint8_t zero[512];
    for (uint32_t o = 0; o < v->cluster_size && r == 0; o += sizeof(zero))
        r = bc_write(v->bc, fat_cluster_offset(v, c) + o, zero, sizeof(zero), BC_CLASS_DATA);
    if (r == 0)
        r = bc_sync(v->bc);
    if (r == 0)
        r = fat_set(v, last, c);
    if (r < 0) {
        fat_set(v, c, 0);
        v->free_count++;
    }
    return r;
}

long fat_dir_add(struct fat_vol *v, uint32_t dir, const char *name, const uint8_t proto[32], struct fat_entry *e)
{
    uint16_t units[FAT_NAME_MAX + 1];
    long nunits = fat_name_to_utf16(name, units);
    if (nunits < 0)
        return nunits;
    long r;
    uint8_t sn[11];
    int nlfn = 0;
    if (!fat_name_is_short(name, sn)) {
        nlfn = (int)((nunits + 12) / 13);
        uint8_t basis[11];
        fat_short_basis(name, basis);
        uint32_t hash = 2166136261u; /* FNV-1a of the long name */
        for (const char *p = name; *p; p++)
            hash = (hash ^ (uint8_t)*p) * 16777619u;
        for (uint32_t n = 1;; n++) {
            if (n > 999999)
                return -E_EXIST; /* every numeric tail is taken */
            memcpy(sn, basis, 11);
            if (n > 4 && n <= 4 + 64) {
                /* As Windows does after four collisions: two characters of the basis and four hex digits of a
                 * hash of the long name, so names with a common start do not each try every tail before theirs. */
                static const char hex[] = "0123456789ABCDEF";
                uint32_t h = (hash + n - 5) & 0xFFFF;
                for (int i = 0; i < 4; i++)
                    sn[2 + i] = (uint8_t)hex[(h >> (12 - 4 * i)) & 15];
                if (sn[1] == ' ')
                    sn[1] = '_';
                sn[6] = sn[7] = ' ';
                fat_short_tail(sn, 1);
            } else {
                fat_short_tail(sn, n > 4 ? n - 64 : n);
            }
            r = short_taken(v, dir, sn);
            if (r < 0)
                return r;
            if (!r)
                break;
        }
    } else {
        r = short_taken(v, dir, sn);
        if (r)
            return r < 0 ? r : -E_EXIST;
    }
    uint32_t need = (uint32_t)nlfn + 1, run = 0, start = 0;
    for (uint32_t slot = 0;; slot++) {
        uint8_t raw[32];
        r = read_slot(v, dir, slot, raw);
        if (r < 0)
            return r;
        if (r == 1) {
            r = extend_dir(v, dir);
            if (r < 0)
                return r;
            slot--; /* read it again, now zeroed */
            continue;
        }
        if (raw[0] == 0 || raw[0] == 0xE5) {
            if (run++ == 0)
                start = slot;
            if (run == need)
                break;
        } else {
            run = 0;
        }
    }
    uint8_t sum = fat_lfn_checksum(sn);
    for (int i = 0; i < nlfn; i++) {
        int ord = nlfn - i;
        uint8_t raw[32];
        memset(raw, 0, 32);
        raw[0] = (uint8_t)(ord | (i == 0 ? 0x40 : 0));
        raw[11] = FAT_ATTR_LFN;
        raw[13] = sum;
        for (int k = 0; k < 13; k++) {
            long at = (long)(ord - 1) * 13 + k;
            uint16_t u = at < nunits ? units[at] : at == nunits ? 0 : 0xFFFF;
            fat_put16(raw + lfn_offsets[k], u);
        }
        r = write_slot(v, dir, start + (uint32_t)i, raw);
        if (r < 0)
            return r;
    }
    uint8_t raw[32];
    memcpy(raw, proto, 32);
    memcpy(raw, sn, 11);
    raw[12] = 0; /* no case bits: a mixed-case name has its long name */
    r = write_slot(v, dir, start + (uint32_t)nlfn, raw);
    if (r < 0)
        return r;
    memcpy(e->raw, raw, 32);
    e->first_slot = start;
    e->slot = start + (uint32_t)nlfn;
    size_t len = strlen(name);
    memcpy(e->name, name, len + 1);
    v->generation++;
    return 0;
}

long fat_dir_remove(struct fat_vol *v, uint32_t dir, const struct fat_entry *e)
{
    for (uint32_t slot = e->first_slot; slot <= e->slot; slot++) {
        uint64_t off;
        long r = fat_dir_slot_offset(v, dir, slot, &off);
        if (r)
            return r < 0 ? r : -E_IO;
        static const uint8_t deleted = 0xE5;
        r = bc_write(v->bc, off, &deleted, 1, BC_CLASS_DIR);
        if (r < 0)
            return r;
    }
    v->generation++;
    return 0;
}

long fat_dir_is_empty(struct fat_vol *v, uint32_t dir)
{
    struct fat_entry e;
    uint32_t pos = 0;
    long r = fat_dir_next(v, dir, &pos, &e);
    return r < 0 ? r : r == 1;
}
