/*
 * The mount table: directories of the RAM file system at which a scheme appears (the mount and umount syscalls).
 *
 * A mount is a path alias resolved with the rest of a path (scheme_resolve): a path that names no scheme and lies at
 * or below a mount point goes to the mounted scheme, the mount point itself being the scheme's root. So a
 * filesystem server reached as /scheme/fat0 also appears at /mnt/disk, for every path-taking syscall and for
 * relative paths, and namespaces still decide who reaches it: resolution checks the mounted scheme's name against
 * the caller's namespace as for /scheme/<name>. The table is the kernel's because every path is resolved here; a
 * user-space table would cost every open a round trip to a server. It is one table for the system (mounting needs
 * the system privilege), of at most MOUNT_MAX entries, searched linearly: one comparison per mount per path.
 *
 * The spelled-out form /scheme/file/<path> does not see mounts: it is the RAM file system as it is, under them.
 */
#ifndef WREN_SCHEME_MOUNTS_H
#define WREN_SCHEME_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/scheme_path.h"

#define MOUNT_MAX 16

struct mount {
    char *path; /* the mount point, absolute and canonical, NUL-terminated; NULL: the slot is free */
    size_t path_len;
    char scheme[SCHEME_NAME_MAX + 1];
    uint8_t scheme_len;
    uint32_t flags; /* WREN_MOUNT_* */
};

/*
 * The mount that canonical absolute path p[0..len) lies at or below, with *rest and *rest_len the path inside the
 * mounted scheme ("" for the mount point itself, else starting at a '/'); NULL when it lies under none.
 */
const struct mount *mount_find(const char *p, size_t len, const char **rest, size_t *rest_len);
/* Is there a mount point at or below p[0..len) (so that the directory there must not be removed or renamed)? */
bool mount_covers(const char *p, size_t len);
/* Add a mount (arguments checked by the caller): 0, -E_BUSY (a mount at or below p), -E_NOSPC, -E_NOMEM. */
long mount_add(const char *p, size_t len, const char *scheme, size_t scheme_len, uint32_t flags);
/* Remove the mount whose point is exactly p[0..len): 0, or -E_INVAL if there is none. */
long mount_remove(const char *p, size_t len);
/* The mount in slot i (0..MOUNT_MAX-1), or NULL if the slot is free: for /scheme/sys/mounts. */
const struct mount *mount_at(unsigned i);

#endif
