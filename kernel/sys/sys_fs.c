/* File-system syscalls (interface/syscalls/fs.yaml): names in the root ramfs, by path (proc/cwd.h). */
#include "proc/cwd.h"
#include "fs/ramfs.h"
#include "fs/rootfs.h"
#include "lib/string.h"
#include "proc/proc.h"
#include "scheme/scheme.h"
#include "syscall_table.h"

/* TEMPORARY (uscheme branch, until the scheme core is merged): a registered scheme's path operations. */
#define STUB_SCHEME(buf, len, call)                                                                                    \
    do {                                                                                                               \
        const char *r_;                                                                                                \
        size_t rl_;                                                                                                    \
        struct scheme *s_ = (len) >= 0 ? scheme_stub_target(buf, (size_t)(len), &r_, &rl_) : NULL;                     \
        if (s_)                                                                                                        \
            return s_->ops->call;                                                                                      \
    } while (0)

/* One CPU and a non-preemptible kernel: static path buffers are safe and keep 8 KiB off the stack. */
static char kpath[PATH_BUF_SIZE];
static char kpath2[PATH_BUF_SIZE];

long sys_mkdir(user_in_buf path)
{
    long len = path_from_user(kpath, path.ptr, path.len);
    STUB_SCHEME(kpath, len, mkdir(s_, r_, rl_, 0));
    return len < 0 ? len : ramfs_mkdir(rootfs(), kpath, (size_t)len, 0755);
}

long sys_rmdir(user_in_buf path)
{
    long len = path_from_user(kpath, path.ptr, path.len);
    STUB_SCHEME(kpath, len, rmdir(s_, r_, rl_));
    return len < 0 ? len : ramfs_rmdir(rootfs(), kpath, (size_t)len);
}

long sys_unlink(user_in_buf path)
{
    long len = path_from_user(kpath, path.ptr, path.len);
    STUB_SCHEME(kpath, len, unlink(s_, r_, rl_));
    return len < 0 ? len : ramfs_unlink(rootfs(), kpath, (size_t)len);
}

long sys_rename(user_in_buf old, user_in_buf new)
{
    long len = path_from_user(kpath, old.ptr, old.len);
    long len2 = len < 0 ? len : path_from_user(kpath2, new.ptr, new.len);
    const char *r2;
    size_t rl2;
    if (len2 >= 0 && scheme_stub_target(kpath2, (size_t)len2, &r2, &rl2))
        STUB_SCHEME(kpath, len, rename(s_, r_, rl_, r2, rl2));
    return len2 < 0 ? len2 : ramfs_rename(rootfs(), kpath, (size_t)len, kpath2, (size_t)len2);
}

long sys_truncate(user_in_buf path, uint64_t size)
{
    struct ramfs_node *n;
    long len = path_from_user(kpath, path.ptr, path.len);
    STUB_SCHEME(kpath, len, truncate(s_, r_, rl_, size));
    int err = len < 0 ? (int)len : ramfs_lookup(rootfs(), kpath, (size_t)len, &n);
    return err ? err : ramfs_truncate(rootfs(), n, size);
}

long sys_stat(user_in_buf path, user_out_ptr st)
{
    struct ramfs_node *n;
    struct wren_stat ks;
    long len = path_from_user(kpath, path.ptr, path.len);
    const char *r_;
    size_t rl_;
    struct scheme *s_ = len >= 0 ? scheme_stub_target(kpath, (size_t)len, &r_, &rl_) : NULL;
    if (s_) {
        memset(&ks, 0, sizeof(ks));
        long e = s_->ops->stat(s_, r_, rl_, &ks);
        return e ? e : copy_to_user(st, &ks, sizeof(ks)) ? -E_FAULT : 0;
    }
    int err = len < 0 ? (int)len : ramfs_lookup(rootfs(), kpath, (size_t)len, &n);
    if (err)
        return err;
    memset(&ks, 0, sizeof(ks));
    rootfs_stat(n, &ks);
    return copy_to_user(st, &ks, sizeof(ks)) ? -E_FAULT : 0;
}

long sys_readdir(user_in_buf path, uint64_t index, user_out_ptr entry)
{
    struct ramfs_node *dir, *child;
    struct wren_dirent d;
    struct wren_stat ks;
    const char *name;
    size_t len;
    long plen = path_from_user(kpath, path.ptr, path.len);
    const char *r_;
    size_t rl_;
    struct scheme *s_ = plen >= 0 ? scheme_stub_target(kpath, (size_t)plen, &r_, &rl_) : NULL;
    if (s_) {
        memset(&d, 0, sizeof(d));
        long e = s_->ops->readdir(s_, r_, rl_, index, &d);
        return e ? e : copy_to_user(entry, &d, sizeof(d)) ? -E_FAULT : 0;
    }
    int err = plen < 0 ? (int)plen : ramfs_lookup(rootfs(), kpath, (size_t)plen, &dir);
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

long sys_chdir(user_in_buf path)
{
    long len = path_from_user(kpath, path.ptr, path.len);
    return len < 0 ? len : path_chdir(kpath, (size_t)len);
}

long sys_getcwd(user_out_buf buf)
{
    const char *cwd = path_cwd(proc_current());
    size_t n = strlen(cwd) + 1;
    if (buf.len < n)
        return -E_RANGE;
    return copy_to_user(buf.ptr, cwd, n) ? -E_FAULT : (long)(n - 1);
}
