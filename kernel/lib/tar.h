/*
 * Reading ustar archives (the initrd). The archive is untrusted: headers are checksummed,
 * sizes parsed strictly and bounded by the archive size, and nothing is ever read outside it.
 *
 * Two views of the same archive:
 *  - tar_find looks a regular file up by the name in its ustar header (prefix/name), treating
 *    extension entries ('L', 'K', 'x', 'g') as opaque: a quick lookup that needs no buffer.
 *  - tar_next walks every entry as an archiver would show it: GNU long names and pax 'path'
 *    and 'size' records apply to the entry they precede, so names longer than the header can
 *    hold come out whole. This is what the ramfs is built from.
 */
#ifndef WREN_LIB_TAR_H
#define WREN_LIB_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest path tar_next reports, in bytes (without the NUL); longer entries are rejected. */
#define TAR_PATH_MAX 4096

/*
 * Find the regular file `path` ("bin/init"; a leading "/" or "./" on either side is ignored).
 * 0 and *data, *len set on success; -E_NOENT if absent; -E_INVAL if the archive is malformed
 * before the file is found.
 */
int tar_find(const void *archive, size_t size, const char *path, const void **data, size_t *len);

/* Entry types tar_next reports (the ustar typeflag; '\0' and '7' come out as TAR_REGULAR). */
#define TAR_REGULAR   '0'
#define TAR_HARDLINK  '1'
#define TAR_SYMLINK   '2'
#define TAR_DIRECTORY '5'

struct tar_entry {
    const char *path; /* NUL-terminated, without leading "/" or "./"; valid until the next call */
    size_t path_len;
    char type;     /* TAR_* or whatever other typeflag the header had */
    uint32_t mode; /* permission bits from the header (07777) */
    const void *data;
    size_t size;
    size_t offset; /* of the entry's first header block (its extension headers included) */
};

struct tar_iter {
    const uint8_t *archive;
    size_t size;
    size_t off;        /* next header block */
    bool done;         /* end reached, or damage past which nothing can be trusted */
    const char *error; /* why the last -E_INVAL was returned (a constant string) */
    char path[TAR_PATH_MAX + 1];
};

void tar_iter_init(struct tar_iter *it, const void *archive, size_t size);

/*
 * The next entry: 1 and *e filled in; 0 at the end of the archive; or -E_INVAL with e->offset
 * and it->error saying what was wrong with the entry there. After an -E_INVAL the walk goes on
 * with the entry behind the bad one when the damage left its position known (a bad pax record,
 * a name too long), and ends (the next call returns 0) when it did not (a bad checksum or size).
 */
int tar_next(struct tar_iter *it, struct tar_entry *e);

#endif
