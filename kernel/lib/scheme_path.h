/*
 * Which scheme a path names, and the path inside it: the one parser for both spellings.
 *
 *   /scheme/<name>/<path>   the primary form: an ordinary absolute path to POSIX programs (Redox's choice)
 *   /scheme/<name>          the scheme's root
 *   /scheme or /scheme/     the list of schemes (SCHEME_PATH_LIST)
 *   <name>:<path>           the original form, kept as an alias: the first component ends in ':'
 *   anything else           the default scheme, "file" (the ramfs), with the whole path
 *
 * A scheme name is 1 to SCHEME_NAME_MAX bytes of [a-z0-9._-], starting with a letter or digit. A path that
 * names a scheme by a bad name ("/scheme//x", "/scheme/Bad/x", ":x", "a b:x") is refused with -E_INVAL, never
 * read as a file name. The parser only looks at the bytes: it allocates nothing, copies nothing and does not
 * care whether the scheme exists. Relative paths are the default scheme's, resolved by the caller against its
 * current directory; a ':' after the first '/' is an ordinary character of a file name.
 */
#ifndef WREN_LIB_SCHEME_PATH_H
#define WREN_LIB_SCHEME_PATH_H

#include <stddef.h>

#define SCHEME_NAME_MAX 32
#define SCHEME_DEFAULT  "file"
#define SCHEME_DIR      "/scheme"

enum scheme_path_kind {
    SCHEME_PATH_DEFAULT, /* no scheme named: the whole path is the default scheme's */
    SCHEME_PATH_NAMED,   /* /scheme/<name>[/...] or <name>:... */
    SCHEME_PATH_LIST,    /* /scheme itself: the directory of schemes */
};

struct scheme_path {
    enum scheme_path_kind kind;
    const char *name; /* into the input; SCHEME_DEFAULT for the default scheme, "" for the list */
    size_t name_len;
    const char *rest; /* into the input: the path inside the scheme, possibly empty */
    size_t rest_len;
};

/*
 * Split path[0..len) (not NUL-terminated; a NUL byte inside is refused). 0 and *out filled, or -E_NOENT for an
 * empty path, -E_INVAL for a bad scheme name or a NUL byte. In the /scheme form, rest starts at the '/' after the
 * name ("/scheme/console/x" -> "/x"; "/scheme/console" -> ""); in the colon form it is what follows the ':'.
 */
int scheme_path_parse(const char *path, size_t len, struct scheme_path *out);

/* Is name[0..len) a well-formed scheme name? */
int scheme_name_valid(const char *name, size_t len);

#endif
