/*
 * Read-only lookup in a ustar archive (the initrd). The archive is untrusted: headers are
 * checksummed, sizes parsed strictly and bounded by the archive size.
 */
#ifndef WREN_LIB_TAR_H
#define WREN_LIB_TAR_H

#include <stddef.h>

/*
 * Find the regular file `path` ("bin/init"; a leading "/" or "./" on either side is ignored).
 * 0 and *data, *len set on success; -E_NOENT if absent; -E_INVAL if the archive is malformed
 * before the file is found.
 */
int tar_find(const void *archive, size_t size, const char *path, const void **data, size_t *len);

#endif
