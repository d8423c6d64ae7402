/*
 * Paths as processes name them: absolute ("/bin/sh"), relative to a current directory ("notes/a.txt", "../x"), or
 * scheme-qualified ("console:", whose first component ends in ':'), which is left alone. The file system keeps no
 * notion of whose directory is current: the caller names it (the process layer keeps each process's, proc/cwd.h).
 *
 * A current directory is a canonical absolute path string (no "//", "." or ".." components, no trailing "/" but for
 * the root itself). The ramfs has no links, so resolving ".." by text is the same as walking the tree.
 */
#ifndef WREN_FS_PATH_H
#define WREN_FS_PATH_H

#include <stddef.h>

#include "fs/ramfs.h"
#include "user_ptr.h"

/* A buffer for path_join_user: the longest path the file system takes, and a NUL. */
#define PATH_BUF_SIZE (RAMFS_PATH_MAX + 1)

/*
 * Copy the user's path (len bytes, no NUL needed) into buf (PATH_BUF_SIZE bytes), prefixed with the directory cwd
 * (canonical, NUL-terminated) if it is relative, and NUL-terminate it. Returns the length of the result, or
 * -E_FAULT, or -E_NAMETOOLONG (len, or the result, is longer than RAMFS_PATH_MAX). An empty path stays empty, for
 * the caller's own check.
 */
long path_join_user(char *buf, user_in_ptr path, size_t len, const char *cwd);
#endif
