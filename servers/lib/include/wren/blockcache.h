/*
 * A block cache for file-system servers: fixed-size blocks of a device read through callbacks (an fd, a memory
 * image), kept in a bounded number of slots with least-recently-used replacement, written back only on bc_sync
 * or when a dirty block must make room.
 *
 * Why a library and not a server: a cache between a file system and its device is on the path of every read and
 * write. As a server of its own it would add an IPC round trip and a copy per block to every access and would need
 * its own protocol for the write ordering below; as a library each file-system server links it, owns its cache (its
 * memory is charged to that server and dies with it) and calls it like memcpy. Sharing a cache between servers would
 * only help two servers mounting the same device, which must not happen anyway.
 *
 * Write ordering: every write names a class (BC_CLASS_DATA < BC_CLASS_META < BC_CLASS_DIR). bc_sync writes every
 * dirty block of the lowest class first, in ascending block order, asks the device to flush, then the next class,
 * and so on: a block of class k never reaches the device before every dirty block of a lower class is durable. A
 * dirty least-recently-used block that must make room triggers a whole bc_sync, so eviction keeps that order too.
 * A file system uses it to keep its volume repairable after a power loss (servers/fatfs/fat.h says how FAT does).
 */
#ifndef WREN_BLOCKCACHE_H
#define WREN_BLOCKCACHE_H

#include <stddef.h>
#include <stdint.h>

/* The device under the cache. Offsets and lengths are multiples of 512; each callback returns the bytes moved
 * (read: fewer only at the device's end) or a negative -E_* code. flush may be NULL (nothing to make durable). */
struct bc_dev {
    void *arg;
    long (*read)(void *arg, uint64_t offset, void *buf, size_t len);
    long (*write)(void *arg, uint64_t offset, const void *buf, size_t len);
    long (*flush)(void *arg);
};

enum bc_class {
    BC_CLASS_DATA = 0, /* file contents */
    BC_CLASS_META = 1, /* allocation tables */
    BC_CLASS_DIR = 2,  /* directory entries, which point at the other two */
    BC_CLASSES = 3,
};

struct bc_stats {
    uint64_t hits, misses, dev_reads, dev_writes, flushes, evictions;
    uint32_t dirty, used, slots;
};

struct blockcache;

/* A cache of `slots` blocks of `block_size` bytes (a power of two, at least 512) over the first `dev_size` bytes of
 * `dev`. NULL when memory runs out or an argument is bad. */
struct blockcache *bc_create(const struct bc_dev *dev, uint64_t dev_size, uint32_t block_size, uint32_t slots);
/* Frees the cache without writing anything back (call bc_sync first to keep what was written). */
void bc_destroy(struct blockcache *bc);

/* Copy `len` bytes at device byte `offset` out of (read) or into (write) the cache. 0 or a negative -E_* code:
 * E_INVAL past dev_size, E_IO (or the device's error) if a block could not be read or room made. A write marks
 * its blocks dirty with class `cls` (a block dirty in two classes keeps the higher one). */
long bc_read(struct blockcache *bc, uint64_t offset, void *buf, size_t len);
long bc_write(struct blockcache *bc, uint64_t offset, const void *buf, size_t len, enum bc_class cls);

/* Write every dirty block back, class by class in ascending block order, flushing the device after each class.
 * 0, or the first error (the blocks not written stay dirty). */
long bc_sync(struct blockcache *bc);

/* Drop every clean block (the next reads go to the device); dirty blocks stay. */
void bc_drop_clean(struct blockcache *bc);

/* A device over file descriptor `fd` (a disk scheme's device, an image file): lseek + read/write, and fsync as the
 * flush. *size is the file's size (from lseek to its end). blockcache_fd.c. */
long bc_dev_from_fd(int fd, struct bc_dev *dev, uint64_t *size);

void bc_get_stats(const struct blockcache *bc, struct bc_stats *st);
uint64_t bc_dev_size(const struct blockcache *bc);

#endif
