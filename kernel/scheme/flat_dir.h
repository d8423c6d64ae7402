/*
 * A flat directory of names, for kernel schemes whose objects have names but no tree (pipe's FIFOs, memory's shared
 * objects): the paths are "/" (the directory) and "/<name>", one component. Each entry is embedded first in the
 * scheme's own struct; the directory keeps them in creation order, gives each an id, and does the path parts of
 * lookup, readdir, unlink and rename, calling back into the scheme when a name goes away (unlinked, or replaced by a
 * rename). One CPU and a kernel that is not preempted: no lock.
 */
#ifndef WREN_SCHEME_FLAT_DIR_H
#define WREN_SCHEME_FLAT_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/list.h"

#define FLAT_NAME_MAX 255 /* one path component */

struct flat_entry {
    struct list link; /* on its directory's list while it has a name */
    uint64_t id;
    uint32_t name_len;
    char name[FLAT_NAME_MAX + 1];
};

struct flat_dir {
    struct list entries;
    uint32_t count, max; /* max: a bound on the list every lookup walks */
    uint64_t next_id;
    void (*remove)(struct flat_entry *e); /* e lost its name: flat_del it and let go of what the name held */
};

#define FLAT_DIR_INIT(d, max_, remove_)                                                                                \
    {                                                                                                                  \
        LIST_INIT((d).entries), 0, (max_), 1, (remove_)                                                                \
    }

static inline bool flat_is_root(const char *path, size_t len)
{
    return len == 1 && path[0] == '/';
}

/* The name "/<name>" gives: 0, or -E_NOENT (the root, or a path below a name) or -E_NAMETOOLONG. */
long flat_name_of(const char *path, size_t len, const char **name, size_t *name_len);
struct flat_entry *flat_find(struct flat_dir *d, const char *name, size_t len);
/* The entry `path` names, or NULL. */
struct flat_entry *flat_at(struct flat_dir *d, const char *path, size_t len);
/* Room for one more name: 0 or -E_NOSPC. */
long flat_reserve(const struct flat_dir *d);
/* Give e (zeroed, room reserved) the name[0..len) and a fresh id, last in the directory. */
void flat_add(struct flat_dir *d, struct flat_entry *e, const char *name, size_t len);
/* Take e out of the directory (its name is free; the caller frees e). */
void flat_del(struct flat_dir *d, struct flat_entry *e);
/* Entry `index` in creation order, or NULL. */
struct flat_entry *flat_nth(struct flat_dir *d, uint64_t index);

/* The scheme operations' path parts. readdir_check: 0 for the root, else -E_NOTDIR (a name) or -E_NOENT. */
long flat_readdir_check(struct flat_dir *d, const char *path, size_t len);
long flat_unlink(struct flat_dir *d, const char *path, size_t len);
/* Move old's entry to new, replacing (removing) an entry already called that, as POSIX rename does. */
long flat_rename(struct flat_dir *d, const char *old, size_t old_len, const char *new, size_t new_len);

#endif
