/* Sets of scheme names (scheme_set.h). */
#include "lib/scheme_set.h"

#include "lib/string.h"
#include <wren/abi.h>

static bool listed(const struct scheme_set *s, const char *name, size_t len)
{
    for (unsigned i = 0; i < s->count; i++)
        if (s->len[i] == len && memcmp(s->name[i], name, len) == 0)
            return true;
    return false;
}

bool scheme_set_has(const struct scheme_set *s, const char *name, size_t len)
{
    return listed(s, name, len) == (s->mode == SCHEME_SET_ONLY);
}

/* Add a name (valid, at most SCHEME_NAME_MAX bytes) unless it is there: 0 or -E_INVAL when the set is full. */
static int add(struct scheme_set *s, const char *name, size_t len)
{
    if (listed(s, name, len))
        return 0;
    if (s->count == SCHEME_SET_MAX)
        return -E_INVAL;
    memcpy(s->name[s->count], name, len);
    s->len[s->count++] = (uint8_t)len;
    return 0;
}

int scheme_set_parse(uint32_t mode, const char *list, size_t len, struct scheme_set *out)
{
    struct scheme_set s;

    if (mode != SCHEME_SET_ONLY && mode != SCHEME_SET_ALL_EXCEPT)
        return -E_INVAL;
    memset(&s, 0, sizeof(s));
    s.mode = (uint8_t)mode;
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && list[j] != ',')
            j++;
        if (!scheme_name_valid(list + i, j - i) || add(&s, list + i, j - i))
            return -E_INVAL; /* an empty element (",," or a trailing ',') is a bad name too */
        i = j + 1;
        if (j + 1 == len)
            return -E_INVAL; /* "a," */
    }
    *out = s;
    return 0;
}

/* out = the names of `from` that `keep` allows, as an ONLY set. */
static void only_allowed(const struct scheme_set *from, const struct scheme_set *keep, struct scheme_set *out)
{
    memset(out, 0, sizeof(*out));
    out->mode = SCHEME_SET_ONLY;
    for (unsigned i = 0; i < from->count; i++)
        if (scheme_set_has(keep, from->name[i], from->len[i]))
            add(out, from->name[i], from->len[i]); /* never more than from has: cannot fail */
}

int scheme_set_intersect(const struct scheme_set *parent, const struct scheme_set *req, struct scheme_set *out)
{
    if (!parent) {
        *out = *req;
        return 0;
    }
    if (req->mode == SCHEME_SET_ONLY) {
        only_allowed(req, parent, out);
        return 0;
    }
    if (parent->mode == SCHEME_SET_ONLY) {
        only_allowed(parent, req, out);
        return 0;
    }
    struct scheme_set u = *parent; /* both exclude: exclude what either does */
    for (unsigned i = 0; i < req->count; i++)
        if (add(&u, req->name[i], req->len[i]))
            return -E_INVAL;
    *out = u;
    return 0;
}
