/* Flat directories of names (flat_dir.h). */
#include "scheme/flat_dir.h"

#include <wren/abi.h>

#include "lib/string.h"

long flat_name_of(const char *path, size_t len, const char **name, size_t *name_len)
{
    if (len < 2 || path[0] != '/')
        return -E_NOENT;
    for (size_t i = 1; i < len; i++) {
        if (path[i] == '/')
            return -E_NOENT; /* no directories below the root */
    }
    *name = path + 1;
    *name_len = len - 1;
    return *name_len <= FLAT_NAME_MAX ? 0 : -E_NAMETOOLONG;
}

struct flat_entry *flat_find(struct flat_dir *d, const char *name, size_t len)
{
    for (struct list *l = d->entries.next; l != &d->entries; l = l->next) {
        struct flat_entry *e = list_entry(l, struct flat_entry, link);
        if (e->name_len == len && memcmp(e->name, name, len) == 0)
            return e;
    }
    return 0;
}

struct flat_entry *flat_at(struct flat_dir *d, const char *path, size_t len)
{
    const char *name;
    size_t name_len;
    return flat_name_of(path, len, &name, &name_len) == 0 ? flat_find(d, name, name_len) : 0;
}

long flat_reserve(const struct flat_dir *d)
{
    return d->count < d->max ? 0 : -E_NOSPC;
}

static void set_name(struct flat_entry *e, const char *name, size_t len)
{
    e->name_len = (uint32_t)len;
    memcpy(e->name, name, len);
    e->name[len] = 0;
}

void flat_add(struct flat_dir *d, struct flat_entry *e, const char *name, size_t len)
{
    e->id = d->next_id++;
    set_name(e, name, len);
    list_add_tail(&d->entries, &e->link);
    d->count++;
}

void flat_del(struct flat_dir *d, struct flat_entry *e)
{
    list_del(&e->link);
    d->count--;
}

struct flat_entry *flat_nth(struct flat_dir *d, uint64_t index)
{
    for (struct list *l = d->entries.next; l != &d->entries; l = l->next, index--) {
        if (index == 0)
            return list_entry(l, struct flat_entry, link);
    }
    return 0;
}

long flat_readdir_check(struct flat_dir *d, const char *path, size_t len)
{
    if (flat_is_root(path, len))
        return 0;
    return flat_at(d, path, len) ? -E_NOTDIR : -E_NOENT;
}

long flat_unlink(struct flat_dir *d, const char *path, size_t len)
{
    if (flat_is_root(path, len))
        return -E_ISDIR;
    struct flat_entry *e = flat_at(d, path, len);
    if (!e)
        return -E_NOENT;
    d->remove(e);
    return 0;
}

long flat_rename(struct flat_dir *d, const char *old, size_t old_len, const char *new, size_t new_len)
{
    const char *to;
    size_t to_len;

    if (flat_is_root(old, old_len) || flat_is_root(new, new_len))
        return -E_BUSY; /* the directory itself */
    struct flat_entry *e = flat_at(d, old, old_len);
    if (!e)
        return -E_NOENT;
    long err = flat_name_of(new, new_len, &to, &to_len);
    if (err)
        return err;
    struct flat_entry *there = flat_find(d, to, to_len);
    if (there == e)
        return 0;
    if (there)
        d->remove(there);
    set_name(e, to, to_len);
    return 0;
}
