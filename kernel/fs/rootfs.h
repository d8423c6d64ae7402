/*
 * The kernel's one file system: a ramfs built from the initrd at boot. Programs are loaded
 * from it (proc.c), open() finds files in it (ramfs_file.h) and sys_fs.c changes it.
 */
#ifndef WREN_FS_ROOTFS_H
#define WREN_FS_ROOTFS_H

#include <stddef.h>

#include "fs/ramfs.h"

/* Build the root file system from the initrd (which may be NULL: an empty tree). Panics only without memory. */
void rootfs_init(const void *initrd, size_t size);
struct ramfs *rootfs(void);

/* Fill *st (struct wren_stat) for node n; type, size, id, block size and mtime. */
struct wren_stat;
void rootfs_stat(const struct ramfs_node *n, struct wren_stat *st);

#endif
