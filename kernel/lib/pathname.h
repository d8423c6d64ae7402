/* Path text without a file system: canonical absolute paths (used for the current directory). */
#ifndef WREN_LIB_PATHNAME_H
#define WREN_LIB_PATHNAME_H

#include <stddef.h>

/*
 * Rewrite the absolute path path[0..len) in place into canonical form: no empty, "." or ".."
 * components (".." removes the one before it; ".." of the root is the root) and no trailing
 * "/" except for the root itself. Returns the new length (never more than len, and at least 1)
 * and writes a NUL after it, so path needs len + 1 bytes.
 */
size_t path_canonical(char *path, size_t len);

#endif
