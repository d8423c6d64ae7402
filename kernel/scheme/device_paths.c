/*
 * Device names in the mmio and irq schemes (device_paths.h). Everything is computed from the list of devices a
 * driver may open (device_list, at most DEVICE_LIST_MAX) on each call: nothing to keep in step with the tree, and the
 * quadratic walks (each compatible string once) stay within a few thousand string compares.
 *
 * A device node's name starts with a letter (Devicetree Specification v0.4 §2.2.1), so `_compatible` is never one.
 */
#include <wren/abi.h>

#include "lib/string.h"
#include "objects/device.h"
#include "scheme/device_paths.h"

static const char compat_dir[] = "_compatible";
#define NAME_MAX_BYTES 255 /* a dirent's name, without its NUL */

static bool eq(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

/* Does node's compatible list hold s[0..len)? */
static bool node_lists(int node, const char *s, size_t len)
{
    int clen;
    const char *c = device_node_compatible(node, &clen);
    for (int at = 0; c && at < clen; at += (int)strlen(c + at) + 1) {
        if (eq(c + at, strlen(c + at), s, len))
            return true;
    }
    return false;
}

/* A compatible string a directory can be named by: not empty, no "/", short enough. */
static bool nameable(const char *s, size_t len)
{
    if (len == 0 || len > NAME_MAX_BYTES)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '/')
            return false;
    }
    return true;
}

/* Every nameable compatible string the listed devices name, once each, in the order first met: made on first use
 * (the tree does not change), so listing `_compatible` is not quadratic in the strings. */
#define COMPATS_MAX 256 /* strings beyond it are not listed (their devices still are) */
static const char *compats[COMPATS_MAX];
static int ncompats = -1;

static void find_compats(void)
{
    const int *nodes;
    int n = device_list(&nodes);
    ncompats = 0;
    for (int i = 0; i < n; i++) {
        int clen;
        const char *c = device_node_compatible(nodes[i], &clen);
        for (int at = 0; c && at < clen && ncompats < COMPATS_MAX; at += (int)strlen(c + at) + 1) {
            const char *s = c + at;
            size_t l = strlen(s);
            bool seen = !nameable(s, l);
            for (int k = 0; k < ncompats && !seen; k++)
                seen = strcmp(compats[k], s) == 0;
            if (!seen)
                compats[ncompats++] = s;
        }
    }
}

/* Wanted device number `index` (of those listing compat, if compat is not NULL), or -1. */
static int nth_device(device_want_fn want, const char *compat, size_t compat_len, uint64_t index)
{
    const int *nodes;
    int n = device_list(&nodes);
    for (int i = 0; i < n; i++) {
        if (want(nodes[i]) && (!compat || node_lists(nodes[i], compat, compat_len)) && index-- == 0)
            return nodes[i];
    }
    return -1;
}

static uint64_t count_devices(device_want_fn want, const char *compat, size_t compat_len)
{
    const int *nodes;
    int n = device_list(&nodes);
    uint64_t count = 0;
    for (int i = 0; i < n; i++)
        count += want(nodes[i]) && (!compat || node_lists(nodes[i], compat, compat_len));
    return count;
}

/* Compatible string number `index` among those some wanted device lists, or NULL. */
static const char *nth_compatible(device_want_fn want, uint64_t index, size_t *len)
{
    if (ncompats < 0)
        find_compats();
    for (int k = 0; k < ncompats; k++) {
        size_t l = strlen(compats[k]);
        if (count_devices(want, compats[k], l) && index-- == 0) {
            *len = l;
            return compats[k];
        }
    }
    return 0;
}

long device_path_parse(const char *path, size_t len, device_want_fn want, struct device_path *p)
{
    if (len == 0 || path[0] != '/')
        return -E_NOENT;
    if (len == 1) {
        p->kind = DEVICE_PATH_ROOT;
        return 0;
    }
    const char *first = path + 1;
    size_t first_len = 0;
    while (1 + first_len < len && first[first_len] != '/')
        first_len++;
    const char *rest = first + first_len + (1 + first_len < len); /* past the "/" after the first component */
    size_t rest_len = len - (size_t)(rest - path);
    bool trailing = rest_len == 0 && 1 + first_len < len; /* "/x/" */

    if (eq(first, first_len, compat_dir, sizeof(compat_dir) - 1)) {
        if (rest_len == 0) {
            p->kind = DEVICE_PATH_COMPAT_DIR;
            return 0;
        }
        if (rest[rest_len - 1] == '/')
            rest_len--; /* "/_compatible/<s>/": a directory may be named with its "/" */
        if (!nameable(rest, rest_len) || count_devices(want, rest, rest_len) == 0)
            return -E_NOENT;
        p->kind = DEVICE_PATH_COMPAT;
        p->compat = rest;
        p->compat_len = rest_len;
        return 0;
    }
    int node = -1;
    if (rest_len == 0) {
        /* One component: a device by its node's name, the first listed in document order. */
        for (uint64_t i = 0; (node = nth_device(want, 0, 0, i)) >= 0; i++) {
            int nlen;
            const char *name = device_node_name(node, &nlen);
            if (name && eq(name, (size_t)nlen, first, first_len))
                break;
        }
        if (node >= 0 && trailing)
            return -E_NOTDIR;
    } else {
        /* A path of the tree, which must name a listed device. */
        long found = path[len - 1] == '/' ? -E_NOTDIR : device_find(path, len);
        if (found == -E_NOTDIR)
            return -E_NOTDIR;
        node = found >= 0 && want((int)found) ? (int)found : -1;
        if (node >= 0) {
            const int *nodes;
            int n = device_list(&nodes), i = 0;
            while (i < n && nodes[i] != node)
                i++;
            if (i == n)
                node = -1; /* enabled, but not one a driver may open */
        }
    }
    if (node < 0)
        return -E_NOENT;
    p->kind = DEVICE_PATH_DEVICE;
    p->node = node;
    return 0;
}

static void describe_device(int node, struct wren_stat *st)
{
    struct dt_device dt;
    st->type = WREN_FILE_TYPE_CHAR_DEVICE;
    st->block_size = 4096;
    if (device_decode_node(node, &dt) == 0) { /* it did when the list was made; the tree does not change */
        st->size = dt.size;
        st->id = dt.base;
    }
}

long device_path_stat(const struct device_path *p, device_want_fn want, struct wren_stat *st)
{
    uint64_t n = 0;
    size_t l;
    st->block_size = 4096;
    switch (p->kind) {
    case DEVICE_PATH_ROOT:
        st->type = WREN_FILE_TYPE_DIRECTORY;
        st->size = 1 + count_devices(want, 0, 0);
        return 0;
    case DEVICE_PATH_COMPAT_DIR:
        while (nth_compatible(want, n, &l))
            n++;
        st->type = WREN_FILE_TYPE_DIRECTORY;
        st->size = n;
        return 0;
    case DEVICE_PATH_COMPAT:
        st->type = WREN_FILE_TYPE_DIRECTORY;
        st->size = count_devices(want, p->compat, p->compat_len);
        return 0;
    case DEVICE_PATH_DEVICE: describe_device(p->node, st); return 0;
    }
    return -E_NOENT;
}

static long device_dirent(int node, struct wren_dirent *d)
{
    struct wren_stat st = {0};
    int nlen;
    const char *name = device_node_name(node, &nlen);
    if (!name || nlen <= 0 || nlen > NAME_MAX_BYTES)
        return -E_NOENT; /* a validated tree has none such; never a short or cut name */
    describe_device(node, &st);
    d->type = st.type;
    d->size = st.size;
    d->id = st.id;
    d->name_len = (uint32_t)nlen;
    memcpy(d->name, name, (size_t)nlen);
    d->name[nlen] = 0;
    return 0;
}

long device_path_readdir(const struct device_path *p, device_want_fn want, uint64_t index, struct wren_dirent *d)
{
    int node;
    switch (p->kind) {
    case DEVICE_PATH_ROOT:
        if (index == 0) {
            d->type = WREN_FILE_TYPE_DIRECTORY;
            d->name_len = sizeof(compat_dir) - 1;
            memcpy(d->name, compat_dir, sizeof(compat_dir));
            return 0;
        }
        node = nth_device(want, 0, 0, index - 1);
        return node >= 0 ? device_dirent(node, d) : -E_NOENT;
    case DEVICE_PATH_COMPAT_DIR: {
        size_t l;
        const char *s = nth_compatible(want, index, &l);
        if (!s)
            return -E_NOENT;
        d->type = WREN_FILE_TYPE_DIRECTORY;
        d->size = count_devices(want, s, l);
        d->name_len = (uint32_t)l;
        memcpy(d->name, s, l);
        d->name[l] = 0;
        return 0;
    }
    case DEVICE_PATH_COMPAT:
        node = nth_device(want, p->compat, p->compat_len, index);
        return node >= 0 ? device_dirent(node, d) : -E_NOENT;
    case DEVICE_PATH_DEVICE: return -E_NOTDIR;
    }
    return -E_NOENT;
}
