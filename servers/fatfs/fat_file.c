/*
 * The bytes of a file: its cluster chain, walked from where the last access ended (sequential I/O costs one FAT
 * lookup per cluster), grown on writes past the end (FAT has no holes: a gap is written as zeros), cut by truncate.
 */
#include <string.h>

#include "fat.h"

#define FAT_FILE_MAX 0xFFFFFFFFull /* a FAT size field is 32 bits */

static const uint8_t zeros[4096];

long fat_node_load_chain(struct fat_vol *v, struct fat_node *n)
{
    n->nclust = 0;
    n->last = 0;
    n->cur_index = 0;
    n->cur_cluster = 0;
    if (n->first == 0)
        return 0;
    long len = fat_chain_length(v, n->first);
    if (len < 0)
        return len;
    uint32_t c = n->first;
    for (long i = 1; i < len; i++) {
        long r = fat_next(v, c, &c);
        if (r)
            return r < 0 ? r : -E_IO;
    }
    n->nclust = (uint32_t)len;
    n->last = c;
    return 0;
}

void fat_node_touch(struct fat_vol *v, struct fat_node *n)
{
    fat_time_from_unix(v->now ? v->now() : -1, &n->wdate, &n->wtime);
    n->entry_dirty = 1;
}

/* The cluster holding byte index*cluster_size of the file: 0, or E_IO if the chain ends first. */
static long cluster_at(struct fat_vol *v, struct fat_node *n, uint32_t index, uint32_t *out)
{
    if (index >= n->nclust)
        return -E_IO;
    uint32_t c = n->first, at = 0;
    if (n->cur_cluster && n->cur_index <= index) {
        c = n->cur_cluster;
        at = n->cur_index;
    }
    if (index == n->nclust - 1) {
        c = n->last;
        at = index;
    }
    for (; at < index; at++) {
        long r = fat_next(v, c, &c);
        if (r)
            return r < 0 ? r : -E_IO;
    }
    n->cur_index = index;
    n->cur_cluster = c;
    *out = c;
    return 0;
}

long fat_node_read(struct fat_vol *v, struct fat_node *n, void *buf, size_t len, uint64_t off)
{
    if (n->attr & FAT_ATTR_DIRECTORY)
        return -E_ISDIR;
    if (off >= n->size)
        return 0;
    if (len > n->size - off)
        len = (size_t)(n->size - off);
    uint8_t *p = buf;
    size_t done = 0;
    while (done < len) {
        uint32_t c, in = (uint32_t)(off % v->cluster_size);
        long r = cluster_at(v, n, (uint32_t)(off / v->cluster_size), &c);
        if (r < 0)
            return done ? (long)done : r;
        /* Take in every following cluster that is also next on the disk: one cache call for the run. */
        size_t chunk = v->cluster_size - in;
        while (chunk < len - done) {
            uint32_t next;
            if (n->cur_index + 1 >= n->nclust || fat_next(v, n->cur_cluster, &next) != 0 || next != n->cur_cluster + 1)
                break;
            n->cur_index++;
            n->cur_cluster = next;
            chunk += v->cluster_size;
        }
        if (chunk > len - done)
            chunk = len - done;
        r = bc_read(v->bc, fat_cluster_offset(v, c) + in, p + done, chunk);
        if (r < 0)
            return done ? (long)done : r;
        done += chunk;
        off += chunk;
    }
    return (long)done;
}

/* Grow the chain to `count` clusters; E_NOSPC (with what could be had kept) when the volume is full. */
static long grow(struct fat_vol *v, struct fat_node *n, uint32_t count)
{
    while (n->nclust < count) {
        uint32_t c;
        long r = fat_alloc(v, n->last, &c);
        if (r < 0)
            return r;
        if (n->nclust == 0) {
            n->first = c;
            n->entry_dirty = 1;
        }
        n->last = c;
        n->nclust++;
    }
    return 0;
}

static long write_bytes(struct fat_vol *v, struct fat_node *n, const uint8_t *p, size_t len, uint64_t off)
{
    uint64_t end = off + len;
    long r = grow(v, n, (uint32_t)((end + v->cluster_size - 1) / v->cluster_size));
    if (r < 0) {
        uint64_t cap = (uint64_t)n->nclust * v->cluster_size;
        if (cap <= off)
            return r;
        len = (size_t)(cap - off);
    }
    size_t done = 0;
    while (done < len) {
        uint32_t c, in = (uint32_t)(off % v->cluster_size);
        r = cluster_at(v, n, (uint32_t)(off / v->cluster_size), &c);
        if (r < 0)
            return done ? (long)done : r;
        size_t chunk = v->cluster_size - in;
        if (chunk > len - done)
            chunk = len - done;
        r = bc_write(v->bc, fat_cluster_offset(v, c) + in, p ? p + done : zeros, chunk, BC_CLASS_DATA);
        if (r < 0)
            return done ? (long)done : r;
        done += chunk;
        off += chunk;
        if (off > n->size) {
            n->size = (uint32_t)off;
            n->entry_dirty = 1;
        }
    }
    return (long)done;
}

/* Zeros from the end of the file to `to` (FAT cannot leave a hole). */
static long fill_zeros(struct fat_vol *v, struct fat_node *n, uint64_t to)
{
    while (n->size < to) {
        uint64_t want = to - n->size;
        size_t chunk = want < sizeof(zeros) ? (size_t)want : sizeof(zeros);
        long r = write_bytes(v, n, NULL, chunk, n->size);
        if (r < 0)
            return r;
        if ((size_t)r < chunk)
            return -E_NOSPC;
    }
    return 0;
}

long fat_node_write(struct fat_vol *v, struct fat_node *n, const void *buf, size_t len, uint64_t off)
{
    if (v->read_only)
        return -E_ROFS;
    if (n->attr & FAT_ATTR_DIRECTORY)
        return -E_ISDIR;
    if (len == 0)
        return 0;
    if (off >= FAT_FILE_MAX)
        return -E_TOOBIG;
    if (len > FAT_FILE_MAX - off)
        len = (size_t)(FAT_FILE_MAX - off);
    fat_node_touch(v, n);
    if (off > n->size) {
        long r = fill_zeros(v, n, off);
        if (r < 0)
            return r;
    }
    return write_bytes(v, n, buf, len, off);
}

long fat_node_write_entry(struct fat_vol *v, struct fat_node *n)
{
    if (!n->entry_dirty || n->is_root || n->unlinked || v->read_only)
        return 0;
    uint64_t off;
    long r = fat_dir_slot_offset(v, n->dir, n->slot, &off);
    if (r)
        return r < 0 ? r : -E_IO;
    uint8_t raw[32];
    r = bc_read(v->bc, off, raw, 32);
    if (r < 0)
        return r;
    fat_entry_set_cluster(raw, n->first);
    fat_put32(raw + 28, n->attr & FAT_ATTR_DIRECTORY ? 0 : n->size);
    fat_put16(raw + 22, n->wtime);
    fat_put16(raw + 24, n->wdate);
    fat_put16(raw + 18, n->wdate); /* last access date */
    if (!(n->attr & FAT_ATTR_DIRECTORY))
        raw[11] |= FAT_ATTR_ARCHIVE;
    r = bc_write(v->bc, off, raw, 32, BC_CLASS_DIR);
    if (r == 0)
        n->entry_dirty = 0;
    return r;
}

long fat_node_truncate(struct fat_vol *v, struct fat_node *n, uint64_t size)
{
    if (v->read_only)
        return -E_ROFS;
    if (n->attr & FAT_ATTR_DIRECTORY)
        return -E_ISDIR;
    if (size > FAT_FILE_MAX)
        return -E_TOOBIG;
    fat_node_touch(v, n);
    if (size >= n->size)
        return fill_zeros(v, n, size);
    uint32_t keep = (uint32_t)((size + v->cluster_size - 1) / v->cluster_size);
    uint32_t cut_after = 0, old_first = n->first;
    if (keep > 0 && keep < n->nclust) {
        long r = cluster_at(v, n, keep - 1, &cut_after);
        if (r < 0)
            return r;
    }
    int shrink_chain = keep < n->nclust;
    n->size = (uint32_t)size;
    if (keep == 0)
        n->first = 0;
    n->entry_dirty = 1;
    if (!shrink_chain)
        return 0;
    /* The entry no longer names the clusters before any of them is freed (fat.h: freeing). */
    long r = fat_node_write_entry(v, n);
    if (r == 0)
        r = bc_sync(v->bc);
    if (r < 0)
        return r;
    uint32_t tail = old_first;
    if (cut_after) {
        r = fat_next(v, cut_after, &tail);
        if (r == 0)
            r = fat_set(v, cut_after, fat_eoc(v));
        else
            r = r < 0 ? r : 0, tail = 0;
    }
    if (r == 0 && tail)
        r = fat_free_chain(v, tail);
    long l = fat_node_load_chain(v, n);
    return r < 0 ? r : l;
}
