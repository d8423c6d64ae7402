/*
 * Sets of scheme names, as namespaces hold them (proc/namespace.h): "only these" or "all but these", at most
 * SCHEME_SET_MAX names each. Pure code, host tested (tests/host/test_scheme_set.c).
 */
#ifndef WREN_LIB_SCHEME_SET_H
#define WREN_LIB_SCHEME_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/scheme_path.h"

#define SCHEME_SET_MAX 16

/* The modes, as spawn's options name them (WREN_NAMESPACE_*, interface/types.yaml). */
enum scheme_set_mode {
    SCHEME_SET_ONLY = 1,       /* exactly the names listed (none: a sandbox that reaches no scheme) */
    SCHEME_SET_ALL_EXCEPT = 2, /* every scheme, now or later registered, but the names listed */
};

struct scheme_set {
    uint8_t mode; /* enum scheme_set_mode */
    uint8_t count;
    uint8_t len[SCHEME_SET_MAX];
    char name[SCHEME_SET_MAX][SCHEME_NAME_MAX];
};

/* Is the scheme name[0..len) in the set (by its mode)? */
bool scheme_set_has(const struct scheme_set *s, const char *name, size_t len);

/*
 * Parse `mode` and a comma-separated list of names list[0..len) ("file,null,rand"; empty for none) into *out: 0,
 * or -E_INVAL for an unknown mode, a bad name (scheme_name_valid), an empty element or more than SCHEME_SET_MAX
 * different names. A name given twice counts once.
 */
int scheme_set_parse(uint32_t mode, const char *list, size_t len, struct scheme_set *out);

/*
 * The set a child gets when its parent has `parent` (NULL: every scheme) and asks for `req`: what both allow.
 * 0 and *out, or -E_INVAL if the result would need more than SCHEME_SET_MAX names (two long exclusion lists).
 */
int scheme_set_intersect(const struct scheme_set *parent, const struct scheme_set *req, struct scheme_set *out);

#endif
