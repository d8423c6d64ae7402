/*
 * Schemes: the providers a path can name. Every path-taking syscall (open, stat, readdir, unlink, mkdir, rmdir,
 * rename, truncate, chdir) goes through scheme_resolve, which splits the path with lib/scheme_path.h, checks the
 * caller's namespace and finds the scheme in the registry; the syscall then calls the scheme's operation. Kernel
 * schemes (file, console, null, zero, pipe, memory, time, irq, mmio, sys) register at boot; a user-space server
 * registers one at run time and the kernel forwards each operation to it (scheme/user_scheme.c).
 *
 * What a scheme's operation is given: the path inside the scheme, absolute and canonical ("/" for its root,
 * "/proc/1" and never "proc/1", "/a/../b" or "/a//b"; a trailing "/" kept if the caller wrote one), NUL-terminated
 * and at most RAMFS_PATH_MAX bytes. It points into a buffer of the syscall's that stays valid only until the
 * operation first blocks: an operation that may block (a user scheme's) copies it before it does.
 *
 * An operation a scheme leaves NULL fails with E_NOTSUP, except stat (open for reading, fstat, close) and rmdir
 * (E_NOTSUP). An open object is an ordinary kobject (obj/object.h): read, write, lseek, fstat, mmap of the
 * descriptor go to its own ops, not through here.
 *
 * Lifetime: a kernel scheme is static and never unregistered. A user scheme stays registered until its server's
 * registration ends; scheme_resolve's pointer is valid until the caller next blocks, so an operation that blocks
 * holds a reference of its own on what it needs (the registration object) before it does.
 */
#ifndef WREN_SCHEME_SCHEME_H
#define WREN_SCHEME_SCHEME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/list.h"
#include "lib/scheme_path.h"
#include "obj/object.h"
#include "syscall_table.h"

struct scheme;
struct mount;

struct scheme_ops {
    /* Open `path` with WREN_OPEN_* `flags` (checked by the caller: known bits, READ or WRITE): 0 and a new object
     * with one reference in *out, or a negative E_*. The caller installs it as a descriptor. */
    long (*open)(struct scheme *s, const char *path, size_t len, uint32_t flags, struct kobject **out);
    /* Describe `path` (st is zeroed by the caller): 0 or E_*. */
    long (*stat)(struct scheme *s, const char *path, size_t len, struct wren_stat *st);
    /* Entry `index` of directory `path` (d is zeroed by the caller): 0, -E_NOENT past the last, or E_*. */
    long (*readdir)(struct scheme *s, const char *path, size_t len, uint64_t index, struct wren_dirent *d);
    long (*unlink)(struct scheme *s, const char *path, size_t len);
    long (*mkdir)(struct scheme *s, const char *path, size_t len, uint32_t mode);
    long (*rmdir)(struct scheme *s, const char *path, size_t len);
    /* Both paths are in this scheme (a rename across schemes is E_XDEV before it gets here). */
    long (*rename)(struct scheme *s, const char *old, size_t old_len, const char *new, size_t new_len);
    long (*truncate)(struct scheme *s, const char *path, size_t len, uint64_t size);
    /* Size and free space of the file system `path` is on (st is zeroed by the caller): 0 or E_*. */
    long (*statfs)(struct scheme *s, const char *path, size_t len, struct wren_statfs *st);
};

struct scheme {
    const struct scheme_ops *ops;
    char name[SCHEME_NAME_MAX + 1]; /* NUL-terminated */
    uint8_t name_len;
    bool privileged; /* reaching it at all needs the system privilege (mmio, irq) */
    /* Rights a descriptor opened from it gets beyond those its open flags give (READ, WRITE, TRANSFER, DUPLICATE):
     * WREN_RIGHT_MAP where its objects are mapped (memory, mmio). */
    uint32_t open_rights;
    struct list link; /* on the registry's list, in registration order */
    void *priv;       /* the provider's own */
};

/* At boot: register the kernel's own schemes (scheme/kernel_schemes.c lists them). */
void scheme_init(void);

/*
 * Add s (ops, name, name_len, privileged and priv filled in; name checked with scheme_name_valid) to the registry:
 * 0, or -E_EXIST if the name is taken, -E_INVAL for a bad name.
 */
long scheme_register(struct scheme *s);
/* Take s out of the registry: its name is free again. New resolutions no longer find it. */
void scheme_unregister(struct scheme *s);
/* The registered scheme called name[0..len), or NULL. */
struct scheme *scheme_find(const char *name, size_t len);
/* The scheme registered after `prev` (NULL: the first), or NULL: for listing /scheme. */
struct scheme *scheme_next(struct scheme *prev);

/* What a path resolved to. */
struct scheme_target {
    enum scheme_path_kind kind; /* SCHEME_PATH_LIST: /scheme itself, and s is NULL */
    struct scheme *s;
    const char *path; /* the path inside the scheme (see above) */
    size_t len;
    const struct mount *mount; /* the mount point it was reached through (scheme/mounts.h), or NULL */
    uint32_t mount_flags;      /* that mount's WREN_MOUNT_* (0 without one) */
};

/* May the caller change something at t (create, write, remove, rename)? 0, or -E_ROFS through a read-only mount. */
static inline long scheme_target_may_change(const struct scheme_target *t)
{
    return t->mount_flags & WREN_MOUNT_READ_ONLY ? -E_ROFS : 0;
}

/*
 * Resolve buf[0..len) (from path_from_user: the current directory is already in front of a relative path; buf has
 * PATH_BUF_SIZE bytes and is rewritten in place) for the calling process: 0 and *t, or -E_NOENT (empty path, or no
 * such scheme), -E_INVAL (a bad scheme name, a NUL byte), -E_ACCES (the caller's namespace does not hold the scheme,
 * or it is privileged and the caller is not), with nothing else done.
 */
long scheme_resolve(char *buf, size_t len, struct scheme_target *t);

/* May the calling process reach the scheme called name[0..len)? (Its namespace, and privilege for a privileged
 * scheme, whose struct is s; s may be NULL for a name that is not registered.) */
bool scheme_visible(const char *name, size_t len, const struct scheme *s);

#endif
