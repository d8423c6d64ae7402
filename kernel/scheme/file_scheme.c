/*
 * The `file` scheme: the root ramfs (fs/rootfs.h), and the default for every path that names no scheme. Its paths
 * are the ramfs's own absolute paths, so "/bin/sh" and "/scheme/file/bin/sh" are the same file.
 */
#include "fs/ramfs.h"
#include "fs/ramfs_file.h"
#include "fs/rootfs.h"
#include "lib/string.h"
#include "mm/pmm.h"
#include "scheme/mounts.h"
#include "scheme/kernel_schemes.h"

static long file_open(struct scheme *s, const char *path, size_t len, uint32_t flags, struct kobject **out)
{
    (void)s;
    return ramfs_open(path, len, flags, out);
}

static long file_stat(struct scheme *s, const char *path, size_t len, struct wren_stat *st)
{
    struct ramfs_node *n;
    (void)s;
    int err = ramfs_lookup(rootfs(), path, len, &n);
    if (!err)
        rootfs_stat(n, st);
    return err;
}

static long file_readdir(struct scheme *s, const char *path, size_t len, uint64_t index, struct wren_dirent *d)
{
    struct ramfs_node *dir, *child;
    struct wren_stat st = {0};
    const char *name;
    size_t name_len;
    (void)s;
    int err = ramfs_lookup(rootfs(), path, len, &dir);
    if (!err)
        err = ramfs_readdir(dir, index, &name, &name_len, &child);
    if (err)
        return err;
    rootfs_stat(child, &st);
    d->type = st.type;
    d->size = st.size;
    d->id = st.id;
    d->name_len = (uint32_t)name_len;
    memcpy(d->name, name, name_len); /* name_len <= RAMFS_NAME_MAX < sizeof(d->name): the NUL is already there */
    return 0;
}

static long file_unlink(struct scheme *s, const char *path, size_t len)
{
    (void)s;
    return ramfs_unlink(rootfs(), path, len);
}

static long file_mkdir(struct scheme *s, const char *path, size_t len, uint32_t mode)
{
    (void)s;
    return ramfs_mkdir(rootfs(), path, len, mode);
}

static long file_rmdir(struct scheme *s, const char *path, size_t len)
{
    (void)s;
    if (mount_covers(path, len))
        return -E_BUSY; /* a mount point, reached as /scheme/file/...: it stays while mounted */
    return ramfs_rmdir(rootfs(), path, len);
}

static long file_rename(struct scheme *s, const char *old, size_t old_len, const char *new, size_t new_len)
{
    (void)s;
    if (mount_covers(old, old_len))
        return -E_BUSY; /* a mount point, or a directory above one */
    return ramfs_rename(rootfs(), old, old_len, new, new_len);
}

static long file_truncate(struct scheme *s, const char *path, size_t len, uint64_t size)
{
    struct ramfs_node *n;
    (void)s;
    int err = ramfs_lookup(rootfs(), path, len, &n);
    return err ? err : ramfs_truncate(rootfs(), n, size);
}

/* The RAM file system holds its files in the kernel's memory: its size is the RAM's, its free space the free pages. */
static long file_statfs(struct scheme *s, const char *path, size_t len, struct wren_statfs *st)
{
    struct ramfs_node *n;
    struct pmm_stats ps;
    (void)s;
    int err = ramfs_lookup(rootfs(), path, len, &n);
    if (err)
        return err;
    pmm_get_stats(&ps);
    st->block_size = PMM_PAGE_SIZE;
    st->blocks = ps.total_pages;
    st->blocks_free = ps.free_pages;
    st->files = ramfs_live_nodes(rootfs());
    st->name_max = RAMFS_NAME_MAX;
    return 0;
}

static const struct scheme_ops file_ops = {
    .open = file_open,
    .stat = file_stat,
    .readdir = file_readdir,
    .unlink = file_unlink,
    .mkdir = file_mkdir,
    .rmdir = file_rmdir,
    .rename = file_rename,
    .truncate = file_truncate,
    .statfs = file_statfs,
};

static struct scheme file_scheme = {.ops = &file_ops, .name = SCHEME_DEFAULT, .name_len = sizeof(SCHEME_DEFAULT) - 1};

void file_scheme_init(void)
{
    kernel_scheme_register(&file_scheme);
}
