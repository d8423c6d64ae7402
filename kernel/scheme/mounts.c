/* The mount table (scheme/mounts.h). */
#include "scheme/mounts.h"

#include "lib/string.h"
#include "mm/kmalloc.h"
#include "syscall_table.h"

static struct mount mounts[MOUNT_MAX];
static unsigned mount_count; /* slots in use: with none, a path costs one load and branch */

/* Is p[0..len) at or below the directory d[0..dlen)? ("/mnt/disk" is below "/mnt", "/mnt/diskette" is not.) */
static bool at_or_below(const char *p, size_t len, const char *d, size_t dlen)
{
    return len >= dlen && memcmp(p, d, dlen) == 0 && (len == dlen || p[dlen] == '/');
}

const struct mount *mount_find(const char *p, size_t len, const char **rest, size_t *rest_len)
{
    if (!mount_count)
        return 0;
    for (unsigned i = 0; i < MOUNT_MAX; i++) {
        const struct mount *m = &mounts[i];
        if (m->path && at_or_below(p, len, m->path, m->path_len)) {
            *rest = p + m->path_len;
            *rest_len = len - m->path_len;
            return m;
        }
    }
    return 0;
}

bool mount_covers(const char *p, size_t len)
{
    if (!mount_count)
        return false;
    for (unsigned i = 0; i < MOUNT_MAX; i++)
        if (mounts[i].path && at_or_below(mounts[i].path, mounts[i].path_len, p, len))
            return true;
    return false;
}

long mount_add(const char *p, size_t len, const char *scheme, size_t scheme_len, uint32_t flags)
{
    struct mount *free_slot = 0;
    if (mount_covers(p, len))
        return -E_BUSY; /* a mount here already, or one below that this one would hide */
    for (unsigned i = 0; i < MOUNT_MAX; i++)
        if (!mounts[i].path && !free_slot)
            free_slot = &mounts[i];
    if (!free_slot)
        return -E_NOSPC;
    char *copy = kmalloc(len + 1);
    if (!copy)
        return -E_NOMEM;
    memcpy(copy, p, len);
    copy[len] = 0;
    free_slot->path = copy;
    free_slot->path_len = len;
    memcpy(free_slot->scheme, scheme, scheme_len);
    free_slot->scheme[scheme_len] = 0;
    free_slot->scheme_len = (uint8_t)scheme_len;
    free_slot->flags = flags;
    mount_count++;
    return 0;
}

long mount_remove(const char *p, size_t len)
{
    for (unsigned i = 0; i < MOUNT_MAX; i++) {
        struct mount *m = &mounts[i];
        if (m->path && m->path_len == len && memcmp(m->path, p, len) == 0) {
            kfree(m->path);
            memset(m, 0, sizeof(*m));
            mount_count--;
            return 0;
        }
    }
    return -E_INVAL;
}

const struct mount *mount_at(unsigned i)
{
    return i < MOUNT_MAX && mounts[i].path ? &mounts[i] : 0;
}
