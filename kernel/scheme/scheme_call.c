/* The path syscalls' shared steps (scheme_call.h). */
#include "scheme/scheme_call.h"

#include "lib/string.h"
#include "proc/cwd.h"
#include "scheme/mounts.h"

long scheme_resolve_user(char *buf, user_in_buf path, struct scheme_target *t)
{
    long len = path_from_user(buf, path.ptr, path.len);
    return len < 0 ? len : scheme_resolve(buf, (size_t)len, t);
}

long scheme_object_stat(struct kobject *o, struct wren_stat *st)
{
    st->type = o->file_type;
    st->open_flags = o->open_flags;
    st->block_size = 4096;
    return o->ops->fstat ? o->ops->fstat(o, st) : 0;
}

static uint64_t visible_count(void)
{
    uint64_t n = 0;
    for (struct scheme *s = scheme_next(0); s; s = scheme_next(s))
        n += scheme_visible(s->name, s->name_len, s);
    return n;
}

long scheme_target_stat(const struct scheme_target *t, struct wren_stat *st)
{
    struct kobject *o;

    if (t->kind == SCHEME_PATH_LIST) {
        st->type = WREN_FILE_TYPE_DIRECTORY;
        st->size = visible_count();
        st->block_size = 4096;
        return 0;
    }
    if (t->s->ops->stat)
        return t->s->ops->stat(t->s, t->path, t->len, st);
    if (!t->s->ops->open)
        return -E_NOTSUP;
    long err = t->s->ops->open(t->s, t->path, t->len, WREN_OPEN_READ, &o);
    if (err)
        return err;
    err = scheme_object_stat(o, st);
    st->open_flags = 0; /* a stat by path has no open flags: these were our own */
    kobj_put(o);
    return err;
}

long scheme_target_open(const struct scheme_target *t, uint32_t flags, struct kobject **out)
{
    if (t->kind == SCHEME_PATH_LIST)
        return -E_ISDIR; /* list it with readdir */
    return t->s->ops->open ? t->s->ops->open(t->s, t->path, t->len, flags, out) : -E_NOTSUP;
}

long scheme_list_entry(uint64_t index, struct wren_dirent *d)
{
    for (struct scheme *s = scheme_next(0); s; s = scheme_next(s)) {
        if (!scheme_visible(s->name, s->name_len, s))
            continue;
        if (index-- == 0) {
            d->type = WREN_FILE_TYPE_DIRECTORY;
            d->name_len = s->name_len;
            memcpy(d->name, s->name, s->name_len);
            return 0;
        }
    }
    return -E_NOENT;
}

long scheme_target_absolute(const struct scheme_target *t, char *out)
{
    static const char dir[] = SCHEME_DIR "/";
    size_t n = 0;

    if (t->kind == SCHEME_PATH_LIST) {
        memcpy(out, SCHEME_DIR, sizeof(SCHEME_DIR));
        return sizeof(SCHEME_DIR) - 1;
    }
    size_t len = t->len;
    if (len > 1 && t->path[len - 1] == '/')
        len--;
    if (t->mount) {
        /* Through a mount: spelled from its mount point, so that "cd /mnt/disk; cd .." is /mnt. */
        n = t->mount->path_len;
        if (len == 1)
            len = 0;
        if (n + len > RAMFS_PATH_MAX)
            return -E_NAMETOOLONG;
        memmove(out + n, t->path, len); /* t->path may be in out: move the rest first */
        memcpy(out, t->mount->path, n);
        out[n + len] = 0;
        return (long)(n + len);
    }
    if (t->kind == SCHEME_PATH_NAMED && strcmp(t->s->name, SCHEME_DEFAULT) != 0) {
        if (sizeof(dir) - 1 + t->s->name_len + len > RAMFS_PATH_MAX)
            return -E_NAMETOOLONG;
        memcpy(out, dir, sizeof(dir) - 1);
        n = sizeof(dir) - 1;
        memcpy(out + n, t->s->name, t->s->name_len);
        n += t->s->name_len;
        if (len == 1)
            len = 0; /* the scheme's root: "/scheme/sys", not "/scheme/sys/" */
    }
    memmove(out + n, t->path, len);
    n += len;
    out[n] = 0;
    return (long)n;
}
