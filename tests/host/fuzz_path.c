// sources: kernel/lib/pathname.c
// libFuzzer entry point for path canonicalisation (kernel/lib/pathname.c), which every current directory passes
// through. The input, made absolute with a leading "/" and cut at its first NUL, is canonicalised in a buffer of
// exactly the size the API asks for (so ASan sees any overrun), and the result must be canonical: it starts with "/",
// has no empty, "." or ".." component and no trailing "/" (but for the root), is no longer than the input, and is a
// fixed point (canonicalising it again changes nothing). A model written here the slow, obvious way — split into
// components, push and pop — must agree with it.
// Build and run it as shown in tests/host/README.md; seeds are in tests/host/corpus/path/.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pathname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The obvious model: a stack of components. out needs len + 2 bytes. */
static size_t model(const char *in, size_t len, char *out)
{
    size_t starts[4096], depth = 0, n = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && in[i] == '/')
            i++;
        size_t b = i;
        while (i < len && in[i] != '/')
            i++;
        size_t cl = i - b;
        if (cl == 0 || (cl == 1 && in[b] == '.'))
            continue;
        if (cl == 2 && in[b] == '.' && in[b + 1] == '.') {
            if (depth)
                n = starts[--depth];
            continue;
        }
        starts[depth++] = n;
        out[n++] = '/';
        memcpy(out + n, in + b, cl);
        n += cl;
    }
    if (n == 0)
        out[n++] = '/';
    out[n] = 0;
    return n;
}

static void check(int ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4000)
        return 0;
    size_t len = 1;
    char *buf = malloc(size + 2);
    buf[0] = '/';
    for (size_t i = 0; i < size && data[i]; i++)
        buf[len++] = (char)data[i];
    buf[len] = 0;
    char *want = malloc(len + 2);
    size_t wn = model(buf, len, want);

    size_t n = path_canonical(buf, len);
    check(n >= 1 && n <= len && buf[n] == 0 && buf[0] == '/');
    check(n == wn && memcmp(buf, want, n) == 0);
    check(n == 1 || buf[n - 1] != '/');
    check(strstr(buf, "//") == NULL && strstr(buf, "/./") == NULL && strstr(buf, "/../") == NULL);

    char *again = malloc(n + 1);
    memcpy(again, buf, n + 1);
    check(path_canonical(again, n) == n && memcmp(again, buf, n) == 0);
    free(again);
    free(want);
    free(buf);
    return 0;
}
