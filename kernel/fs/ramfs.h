/*
 * The RAM file system: a directory tree of kmalloc'd nodes. This core knows nothing of
 * processes or user memory (host tests build it alone); kernel/fs/ramfs_file.c wraps it in
 * kernel objects and kernel/sys/sys_fs.c gives it syscalls.
 *
 * Paths are absolute, passed with their length and need no NUL: "//", "." and ".." are
 * resolved as they are met (".." of the root is the root), a trailing "/" is allowed.
 * Names are 1..RAMFS_NAME_MAX bytes, paths at most RAMFS_PATH_MAX (-E_NAMETOOLONG); a file in
 * the middle of a path is -E_NOTDIR.
 *
 * File data lives in RAMFS_CHUNK-byte chunks that are allocated when first written: a chunk
 * never written (a hole, or the tail grown by truncate) reads as zeros. A file made from the
 * initrd borrows the archive's bytes until it is first changed, then copies them.
 *
 * Nodes are reference counted: the tree holds one reference to each node in it and an open
 * file another, so a file unlinked while open lives on until it is closed. One CPU and a
 * kernel that is not preempted: no locks.
 */
#ifndef WREN_FS_RAMFS_H
#define WREN_FS_RAMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RAMFS_NAME_MAX 255
#define RAMFS_PATH_MAX 4096
/* A page less kmalloc's large-block header: each chunk costs exactly one page. */
#define RAMFS_CHUNK    4080
/* Files never grow past this: offsets stay far from overflow, and it is more than our RAM. */
#define RAMFS_FILE_MAX (1ull << 32)

enum ramfs_type { RAMFS_FILE = 1, RAMFS_DIR = 2 };

struct ramfs;
struct ramfs_node;

struct ramfs_stat {
    enum ramfs_type type;
    uint32_t mode;     /* permission bits, kept for stat (nothing enforces them yet) */
    uint64_t size;     /* bytes of a file; entries of a directory */
    uint64_t id;       /* unique for the life of the file system */
    uint64_t mtime_ns; /* last change of the data (or the entries), by the clock given at creation */
};

/* A new file system holding an empty root, or NULL. now_ns dates changes (may be NULL: all 0). */
struct ramfs *ramfs_new(uint64_t (*now_ns)(void));
/* Free every node; nodes still referenced from outside must have been put first. */
void ramfs_destroy(struct ramfs *fs);

/* The node at path, without taking a reference: valid until the tree next changes. */
int ramfs_lookup(struct ramfs *fs, const char *path, size_t len, struct ramfs_node **out);

/*
 * The file at path, created empty (with `mode`) if absent. -E_EXIST if it exists and excl is
 * set; -E_ISDIR if it is a directory (and not excl). *out is not referenced.
 */
int ramfs_create(struct ramfs *fs, const char *path, size_t len, uint32_t mode, bool excl, struct ramfs_node **out);
int ramfs_mkdir(struct ramfs *fs, const char *path, size_t len, uint32_t mode);
/* -E_NOTEMPTY for a directory with entries, -E_BUSY for the root, -E_NOTDIR for a file. */
int ramfs_rmdir(struct ramfs *fs, const char *path, size_t len);
/* Files only: -E_ISDIR for a directory. */
int ramfs_unlink(struct ramfs *fs, const char *path, size_t len);
/*
 * Move old to new. A file replaces a file; a directory replaces an empty directory; anything
 * else at new is -E_EXIST (file onto directory: -E_ISDIR; directory onto file: -E_NOTDIR;
 * onto a non-empty directory: -E_NOTEMPTY). Moving a directory into itself is -E_INVAL, as is
 * moving the root or onto it (-E_BUSY). Renaming a node onto itself does nothing.
 */
int ramfs_rename(struct ramfs *fs, const char *old, size_t old_len, const char *new, size_t new_len);

/* Bytes read (0 at or past the end), or -E_ISDIR. */
long ramfs_read(struct ramfs_node *n, uint64_t off, void *buf, size_t count);
/*
 * Bytes written: all of them, or fewer if memory ran out part-way. -E_ISDIR; -E_NOMEM if
 * nothing could be written; -E_NOSPC if the file would grow past RAMFS_FILE_MAX.
 */
long ramfs_write(struct ramfs *fs, struct ramfs_node *n, uint64_t off, const void *buf, size_t count);
/* Shrink or grow (with zeros) to size. -E_ISDIR, -E_NOSPC, -E_NOMEM. */
int ramfs_truncate(struct ramfs *fs, struct ramfs_node *n, uint64_t size);

/*
 * The bytes of file n in one piece: *data points into the file itself when they already are
 * (borrowed from the initrd, or within one chunk), and *copy is NULL; otherwise they are
 * copied into a kmalloc'd buffer that *data and *copy both point to and the caller kfrees.
 * Valid until the file next changes. -E_ISDIR, -E_NOMEM.
 */
int ramfs_contents(struct ramfs_node *n, const void **data, size_t *size, void **copy);

void ramfs_stat(const struct ramfs_node *n, struct ramfs_stat *st);
enum ramfs_type ramfs_type(const struct ramfs_node *n);

/*
 * Entry `index` of directory dir (in creation order): 0 with *name (not NUL-terminated),
 * *name_len and *child set; -E_NOENT past the last; -E_NOTDIR if dir is a file.
 */
int ramfs_readdir(const struct ramfs_node *dir, size_t index, const char **name, size_t *name_len,
                  struct ramfs_node **child);

/* References held outside the tree (an open file). The last put of an unlinked node frees it. */
void ramfs_get(struct ramfs_node *n);
void ramfs_put(struct ramfs *fs, struct ramfs_node *n);

/*
 * For the initrd: a file at path whose contents are `data` itself, borrowed (never written
 * to, never freed) until the file first changes. The directories above must exist.
 */
int ramfs_create_borrowed(struct ramfs *fs, const char *path, size_t len, uint32_t mode, const void *data, size_t size);

/* Nodes live (in the tree or referenced), for leak checks. */
uint64_t ramfs_live_nodes(const struct ramfs *fs);

#endif
