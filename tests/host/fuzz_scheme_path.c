// sources: kernel/lib/scheme_path.c
// libFuzzer entry point for the scheme-path parser (kernel/lib/scheme_path.c), which every path a process names will
// pass through. The input is parsed from a heap copy of exactly its size (so ASan sees any read past it), and the
// result must agree with a model written here from the rules in scheme_path.h: which form, which name, which rest,
// or the same refusal. A success must point inside the input and name a valid scheme.
// Build and run it as shown in tests/host/README.md; seeds are in tests/host/corpus/scheme_path/.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wren/abi.h>

#include "lib/scheme_path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static int model_name_ok(const char *s, size_t n)
{
    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return 0;
    }
    return 1;
}

/* The rules, the slow way: 0 with kind/name/rest offsets, or the error. */
static int model(const char *p, size_t n, int *kind, size_t *name_off, size_t *name_len, size_t *rest_off)
{
    if (n == 0)
        return -E_NOENT;
    for (size_t i = 0; i < n; i++)
        if (!p[i])
            return -E_INVAL;
    if (n >= 7 && !memcmp(p, "/scheme", 7) && (n == 7 || p[7] == '/')) {
        if (n <= 8) {
            *kind = SCHEME_PATH_LIST, *rest_off = n, *name_len = 0;
            return 0;
        }
        size_t e = 8;
        while (e < n && p[e] != '/')
            e++;
        if (!model_name_ok(p + 8, e - 8))
            return -E_INVAL;
        *kind = SCHEME_PATH_NAMED, *name_off = 8, *name_len = e - 8, *rest_off = e;
        return 0;
    }
    const char *slash = memchr(p, '/', n);
    const char *colon = memchr(p, ':', n);
    if (colon && (!slash || colon < slash)) {
        if (!model_name_ok(p, (size_t)(colon - p)))
            return -E_INVAL;
        *kind = SCHEME_PATH_NAMED, *name_off = 0, *name_len = (size_t)(colon - p), *rest_off = (size_t)(colon - p) + 1;
        return 0;
    }
    *kind = SCHEME_PATH_DEFAULT, *rest_off = 0;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *p = malloc(size ? size : 1);
    memcpy(p, data, size);
    struct scheme_path sp;
    int r = scheme_path_parse(p, size, &sp);
    int kind = -1;
    size_t name_off = 0, name_len = 0, rest_off = 0;
    int want = model(p, size, &kind, &name_off, &name_len, &rest_off);
    check(r == want);
    if (r == 0) {
        check((int)sp.kind == kind);
        check(sp.rest == p + rest_off && sp.rest_len == size - rest_off);
        if (kind == SCHEME_PATH_NAMED) {
            check(sp.name == p + name_off && sp.name_len == name_len);
            check(scheme_name_valid(sp.name, sp.name_len));
        } else if (kind == SCHEME_PATH_DEFAULT) {
            check(sp.name_len == 4 && !memcmp(sp.name, "file", 4));
        } else {
            check(sp.name_len == 0);
        }
    }
    free(p);
    return 0;
}
