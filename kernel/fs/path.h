/*
 * Paths as processes name them: absolute ("/bin/sh"), relative to the process's current
 * directory ("notes/a.txt", "../x"), or scheme-qualified ("console:", whose first component
 * ends in ':'), which is left alone. Every path-taking syscall copies its path in through
 * path_from_user, so relative paths mean the same thing everywhere.
 *
 * The current directory is kept as a canonical absolute path string (no "//", "." or ".."
 * components, no trailing "/" but for the root itself). The ramfs has no links, so resolving
 * ".." by text is the same as walking the tree. A directory removed while it is some process's
 * current directory leaves that process with a name that no longer resolves: its lookups get
 * -E_NOENT until it changes directory, as on Unix.
 */
#ifndef WREN_FS_PATH_H
#define WREN_FS_PATH_H

#include <stddef.h>

#include "fs/ramfs.h"
#include "user_ptr.h"

/* A buffer for path_from_user: the longest path the file system takes, and a NUL. */
#define PATH_BUF_SIZE (RAMFS_PATH_MAX + 1)

struct proc;

/*
 * Copy the user's path (len bytes, no NUL needed) into buf (PATH_BUF_SIZE bytes), prefixed
 * with the caller's current directory if it is relative, and NUL-terminate it. Returns the
 * length of the result, or -E_FAULT, or -E_NAMETOOLONG (len, or the result, is longer than
 * RAMFS_PATH_MAX). An empty path stays empty, for the caller's own check.
 */
long path_from_user(char *buf, user_in_ptr path, size_t len);

/* The current directory of p, NUL-terminated. */
const char *path_cwd(const struct proc *p);
/* Give child the current directory of parent (NULL parent: the root). 0 or -E_NOMEM. */
int path_cwd_inherit(struct proc *child, const struct proc *parent);
/* Forget p's current directory (when its slot is freed). */
void path_cwd_release(struct proc *p);
/*
 * Make the absolute path (len bytes, from path_from_user) the caller's current directory:
 * 0, or the lookup's error, -E_NOTDIR for a file, -E_NOMEM.
 */
int path_chdir(const char *path, size_t len);

#endif
