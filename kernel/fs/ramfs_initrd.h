/*
 * Filling a ramfs from the initrd (a ustar archive, see lib/tar.h). Host-testable: no console,
 * the caller says how to report.
 */
#ifndef WREN_FS_RAMFS_INITRD_H
#define WREN_FS_RAMFS_INITRD_H

#include <stddef.h>

#include "fs/ramfs.h"

/* Told about each entry that is skipped: where its header is, its path if known, and why. */
typedef void (*ramfs_report_fn)(size_t offset, const char *path, const char *why);

/*
 * Add every directory and regular file of the archive to fs, making the directories above
 * each entry as needed. Regular files borrow their bytes from the archive, which must stay
 * in place (and unchanged) for as long as fs lives. An entry that cannot be used (malformed,
 * a link or device, a name clash with a directory, out of memory) is reported and skipped;
 * a later entry for the same file replaces an earlier one, as tar does on extraction.
 * Returns the number of entries added.
 */
size_t ramfs_load_tar(struct ramfs *fs, const void *archive, size_t size, ramfs_report_fn report);

#endif
