/*
 * Each process's current directory, and user paths resolved against the caller's. Every path-taking syscall copies
 * its path in through path_from_user, so relative paths mean the same thing everywhere. A directory removed while
 * it is some process's current directory leaves that process with a name that no longer resolves: its lookups get
 * -E_NOENT until it changes directory, as on Unix.
 */
#ifndef WREN_PROC_CWD_H
#define WREN_PROC_CWD_H

#include <stddef.h>

#include "fs/path.h"
#include "user_ptr.h"

struct proc;

/* path_join_user against the calling process's current directory. */
long path_from_user(char *buf, user_in_ptr path, size_t len);

/* The current directory of p, NUL-terminated. */
const char *path_cwd(const struct proc *p);
/* Give child the current directory of parent (NULL parent: the root). 0 or -E_NOMEM. */
int path_cwd_inherit(struct proc *child, const struct proc *parent);
/* Forget p's current directory (when its slot is freed). */
void path_cwd_release(struct proc *p);
/*
 * Make the canonical absolute path canon[0..len) (a directory the caller has checked) the caller's current
 * directory: 0 or -E_NOMEM.
 */
int path_set_cwd(const char *canon, size_t len);

#endif
