/* Canonical absolute paths (lib/pathname.h). */
#include "lib/pathname.h"

size_t path_canonical(char *path, size_t len)
{
    size_t out = 0; /* path[0..out) is the canonical prefix, without a trailing "/" */
    size_t i = 0;

    while (i < len) {
        while (i < len && path[i] == '/')
            i++;
        size_t start = i;
        while (i < len && path[i] != '/')
            i++;
        size_t n = i - start;
        if (n == 0 || (n == 1 && path[start] == '.'))
            continue;
        if (n == 2 && path[start] == '.' && path[start + 1] == '.') {
            while (out > 0 && path[out - 1] != '/')
                out--;
            if (out > 0)
                out--; /* the "/" before the removed component */
            continue;
        }
        /* out <= start - 1 always holds (every kept component had a "/" before it), so copying forward is safe. */
        path[out++] = '/';
        for (size_t k = 0; k < n; k++)
            path[out++] = path[start + k];
    }
    if (out == 0)
        path[out++] = '/';
    path[out] = 0;
    return out;
}
