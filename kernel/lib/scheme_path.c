/* Which scheme a path names (lib/scheme_path.h). */
#include <wren/abi.h>

#include "lib/scheme_path.h"
#include "lib/string.h"

static int name_char(char c, int first)
{
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return 1;
    return !first && (c == '.' || c == '_' || c == '-');
}

int scheme_name_valid(const char *name, size_t len)
{
    if (len == 0 || len > SCHEME_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!name_char(name[i], i == 0))
            return 0;
    return 1;
}

/* Does path[0..len) start with the component "/scheme", ending there or at a '/'? */
static int in_scheme_dir(const char *path, size_t len)
{
    size_t n = sizeof(SCHEME_DIR) - 1;
    return len >= n && memcmp(path, SCHEME_DIR, n) == 0 && (len == n || path[n] == '/');
}

static int parse_scheme_dir(const char *path, size_t len, struct scheme_path *out)
{
    size_t i = sizeof(SCHEME_DIR) - 1;
    if (i == len || (i + 1 == len && path[i] == '/')) {
        *out = (struct scheme_path){SCHEME_PATH_LIST, "", 0, path + len, 0};
        return 0;
    }
    size_t start = i + 1, end = start;
    while (end < len && path[end] != '/')
        end++;
    if (!scheme_name_valid(path + start, end - start))
        return -E_INVAL;
    *out = (struct scheme_path){SCHEME_PATH_NAMED, path + start, end - start, path + end, len - end};
    return 0;
}

int scheme_path_parse(const char *path, size_t len, struct scheme_path *out)
{
    if (len == 0)
        return -E_NOENT;
    for (size_t i = 0; i < len; i++)
        if (path[i] == 0)
            return -E_INVAL;
    if (in_scheme_dir(path, len))
        return parse_scheme_dir(path, len, out);
    /* The colon form: a ':' in the first component, which then has to be a whole, valid name before it. */
    for (size_t i = 0; i < len && path[i] != '/'; i++) {
        if (path[i] != ':')
            continue;
        if (!scheme_name_valid(path, i))
            return -E_INVAL;
        *out = (struct scheme_path){SCHEME_PATH_NAMED, path, i, path + i + 1, len - i - 1};
        return 0;
    }
    *out = (struct scheme_path){SCHEME_PATH_DEFAULT, SCHEME_DEFAULT, sizeof(SCHEME_DEFAULT) - 1, path, len};
    return 0;
}
