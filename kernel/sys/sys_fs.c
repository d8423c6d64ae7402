/* File-system syscalls (interface/syscalls/fs.yaml): names in the root ramfs, by path. */
#include "fs/ramfs.h"
#include "fs/rootfs.h"
#include "lib/string.h"
#include "syscall_table.h"

/* One CPU and a non-preemptible kernel: static path buffers are safe and keep 8 KiB off the stack. */
static char kpath[RAMFS_PATH_MAX];
static char kpath2[RAMFS_PATH_MAX];

/* Copy a user path into buf: 0, -E_NAMETOOLONG or -E_FAULT. The ramfs checks the rest. */
static int copy_path(char *buf, user_in_ptr path, size_t len)
{
    if (len > RAMFS_PATH_MAX)
        return -E_NAMETOOLONG;
    if (len && copy_from_user(buf, path, len))
        return -E_FAULT;
    return 0;
}

long sys_mkdir(user_in_ptr path, size_t path_len)
{
    int err = copy_path(kpath, path, path_len);
    return err ? err : ramfs_mkdir(rootfs(), kpath, path_len, 0755);
}

long sys_rmdir(user_in_ptr path, size_t path_len)
{
    int err = copy_path(kpath, path, path_len);
    return err ? err : ramfs_rmdir(rootfs(), kpath, path_len);
}

long sys_unlink(user_in_ptr path, size_t path_len)
{
    int err = copy_path(kpath, path, path_len);
    return err ? err : ramfs_unlink(rootfs(), kpath, path_len);
}

long sys_rename(user_in_ptr old, size_t old_len, user_in_ptr new, size_t new_len)
{
    int err = copy_path(kpath, old, old_len);
    if (!err)
        err = copy_path(kpath2, new, new_len);
    return err ? err : ramfs_rename(rootfs(), kpath, old_len, kpath2, new_len);
}

long sys_truncate(user_in_ptr path, size_t path_len, uint64_t size)
{
    struct ramfs_node *n;
    int err = copy_path(kpath, path, path_len);
    if (!err)
        err = ramfs_lookup(rootfs(), kpath, path_len, &n);
    return err ? err : ramfs_truncate(rootfs(), n, size);
}

long sys_stat(user_in_ptr path, size_t path_len, user_out_ptr st)
{
    struct ramfs_node *n;
    struct wren_stat ks;
    int err = copy_path(kpath, path, path_len);
    if (!err)
        err = ramfs_lookup(rootfs(), kpath, path_len, &n);
    if (err)
        return err;
    memset(&ks, 0, sizeof(ks));
    rootfs_stat(n, &ks);
    return copy_to_user(st, &ks, sizeof(ks)) ? -E_FAULT : 0;
}

long sys_readdir(user_in_ptr path, size_t path_len, uint64_t index, user_out_ptr entry)
{
    struct ramfs_node *dir, *child;
    struct wren_dirent d;
    struct wren_stat ks;
    const char *name;
    size_t len;
    int err = copy_path(kpath, path, path_len);
    if (!err)
        err = ramfs_lookup(rootfs(), kpath, path_len, &dir);
    if (!err)
        err = ramfs_readdir(dir, index, &name, &len, &child);
    if (err)
        return err;
    memset(&d, 0, sizeof(d));
    memset(&ks, 0, sizeof(ks));
    rootfs_stat(child, &ks);
    d.type = ks.type;
    d.size = ks.size;
    d.id = ks.id;
    d.name_len = (uint32_t)len;
    memcpy(d.name, name, len); /* len <= 255: the NUL after it is already there */
    return copy_to_user(entry, &d, sizeof(d)) ? -E_FAULT : 0;
}
