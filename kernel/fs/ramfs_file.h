/*
 * Open files of the root file system as kernel objects (WREN_OBJECT_FILE): what open() puts in
 * the descriptor table for a path in the ramfs.
 */
#ifndef WREN_FS_RAMFS_FILE_H
#define WREN_FS_RAMFS_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "obj/object.h"

/*
 * Open `path` (a kernel copy, path_len bytes, no NUL needed) with WREN_OPEN_* flags: CREATE
 * makes a missing file (with EXCL, an existing one is -E_EXIST), TRUNCATE empties a regular
 * file opened for WRITE, APPEND makes every write go to the end. A directory opens for
 * reading only (-E_ISDIR with WRITE); reading it gives -E_ISDIR (use readdir).
 * 0 and *out (one reference, the caller's) or a negative E_*: INVAL (neither READ nor WRITE),
 * NOENT, NOTDIR, NAMETOOLONG, ISDIR, EXIST, NOMEM.
 * Read/write permission of the descriptor itself is the handle layer's to enforce.
 */
int ramfs_open(const char *path, size_t path_len, uint32_t open_flags, struct kobject **out);

#endif
