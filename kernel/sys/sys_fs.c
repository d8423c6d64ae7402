/*
 * File-system syscalls by path (interface/syscalls/fs.yaml): each resolves its path through the scheme layer
 * (scheme/scheme.h) for the caller and calls the scheme's operation; /scheme itself, the list of schemes, is
 * answered here.
 */
#include "lib/pathname.h"
#include "lib/string.h"
#include "proc/cwd.h"
#include "proc/proc.h"
#include "scheme/mounts.h"
#include "scheme/scheme.h"
#include "scheme/scheme_call.h"
#include "syscall_table.h"

/* One CPU and a non-preemptible kernel: static path buffers are safe and keep 8 KiB off the stack. A scheme
 * operation that blocks copies its path first (scheme.h). */
static char kpath[PATH_BUF_SIZE];
static char kpath2[PATH_BUF_SIZE];

long sys_mkdir(user_in_buf path)
{
    struct scheme_target t;
    long err = scheme_resolve_user(kpath, path, &t);
    if (err)
        return err;
    if (t.kind == SCHEME_PATH_LIST || t.len == 1)
        return -E_EXIST; /* /scheme, or a scheme's root */
    if ((err = scheme_target_may_change(&t)))
        return err;
    return t.s->ops->mkdir ? t.s->ops->mkdir(t.s, t.path, t.len, 0755) : -E_NOTSUP;
}

long sys_rmdir(user_in_buf path)
{
    struct scheme_target t;
    long err = scheme_resolve_user(kpath, path, &t);
    if (err)
        return err;
    if (t.kind == SCHEME_PATH_LIST || (t.mount && t.len == 1))
        return -E_BUSY; /* the root of everything, or a mount point */
    if ((err = scheme_target_may_change(&t)))
        return err;
    return t.s->ops->rmdir ? t.s->ops->rmdir(t.s, t.path, t.len) : -E_NOTSUP;
}

long sys_unlink(user_in_buf path)
{
    struct scheme_target t;
    long err = scheme_resolve_user(kpath, path, &t);
    if (err)
        return err;
    if (t.kind == SCHEME_PATH_LIST)
        return -E_ISDIR;
    if ((err = scheme_target_may_change(&t)))
        return err;
    return t.s->ops->unlink ? t.s->ops->unlink(t.s, t.path, t.len) : -E_NOTSUP;
}

long sys_rename(user_in_buf old, user_in_buf new)
{
    struct scheme_target a, b;
    long err = scheme_resolve_user(kpath, old, &a);
    if (!err)
        err = scheme_resolve_user(kpath2, new, &b);
    if (err)
        return err;
    if (a.kind == SCHEME_PATH_LIST || b.kind == SCHEME_PATH_LIST)
        return -E_BUSY;
    if ((a.mount && a.len == 1) || (b.mount && b.len == 1))
        return -E_BUSY; /* a mount point */
    if (a.s != b.s)
        return -E_XDEV;
    if ((err = scheme_target_may_change(&a)) || (err = scheme_target_may_change(&b)))
        return err;
    return a.s->ops->rename ? a.s->ops->rename(a.s, a.path, a.len, b.path, b.len) : -E_NOTSUP;
}

long sys_truncate(user_in_buf path, uint64_t size)
{
    struct scheme_target t;
    long err = scheme_resolve_user(kpath, path, &t);
    if (err)
        return err;
    if (t.kind == SCHEME_PATH_LIST)
        return -E_ISDIR;
    if ((err = scheme_target_may_change(&t)))
        return err;
    return t.s->ops->truncate ? t.s->ops->truncate(t.s, t.path, t.len, size) : -E_NOTSUP;
}

/* Resolve the user's path (into kpath) and describe what it names: stat's and chdir's first steps. */
static long stat_path(user_in_buf path, struct scheme_target *t, struct wren_stat *ks)
{
    long err = scheme_resolve_user(kpath, path, t);
    if (err)
        return err;
    memset(ks, 0, sizeof(*ks));
    return scheme_target_stat(t, ks);
}

long sys_stat(user_in_buf path, user_out_ptr st)
{
    struct scheme_target t;
    struct wren_stat ks;
    long err = stat_path(path, &t, &ks);
    if (err)
        return err;
    return copy_to_user(st, &ks, sizeof(ks)) ? -E_FAULT : 0;
}

long sys_readdir(user_in_buf path, uint64_t index, user_out_ptr entry)
{
    struct scheme_target t;
    struct wren_dirent d;
    long err = scheme_resolve_user(kpath, path, &t);
    if (err)
        return err;
    memset(&d, 0, sizeof(d));
    if (t.kind == SCHEME_PATH_LIST)
        err = scheme_list_entry(index, &d);
    else
        err = t.s->ops->readdir ? t.s->ops->readdir(t.s, t.path, t.len, index, &d) : -E_NOTDIR;
    if (err)
        return err;
    return copy_to_user(entry, &d, sizeof(d)) ? -E_FAULT : 0;
}

long sys_chdir(user_in_buf path)
{
    struct scheme_target t;
    struct wren_stat ks;
    long err = stat_path(path, &t, &ks);
    if (err)
        return err;
    if (ks.type != WREN_FILE_TYPE_DIRECTORY)
        return -E_NOTDIR;
    /* The current directory is kept in the /scheme spelling, so relative paths join onto it like any other. */
    long len = scheme_target_absolute(&t, kpath2);
    return len < 0 ? len : path_set_cwd(kpath2, (size_t)len);
}

long sys_getcwd(user_out_buf buf)
{
    const char *cwd = path_cwd(proc_current());
    size_t n = strlen(cwd) + 1;
    if (buf.len < n)
        return -E_RANGE;
    return copy_to_user(buf.ptr, cwd, n) ? -E_FAULT : (long)(n - 1);
}

/* The mount point path names, resolved for the caller: it must be a directory of the RAM file system itself. */
static long mount_point(user_in_buf path, struct scheme_target *t)
{
    long err = scheme_resolve_user(kpath, path, t);
    if (err)
        return err;
    if (t->mount)
        return -E_BUSY; /* under a mount (or one already) */
    if (t->kind != SCHEME_PATH_DEFAULT || t->len == 1)
        return -E_INVAL; /* a named scheme's path, or the root */
    return 0;
}

long sys_mount(user_in_buf path, user_in_buf scheme, uint32_t flags)
{
    struct scheme_target t;
    struct wren_stat ks;
    char name[SCHEME_NAME_MAX];

    if (!proc_current_process()->privileged)
        return -E_PERM;
    if (flags & ~WREN_MOUNT_READ_ONLY)
        return -E_INVAL;
    if (scheme.len == 0 || scheme.len > sizeof(name))
        return -E_INVAL;
    if (copy_from_user(name, scheme.ptr, scheme.len))
        return -E_FAULT;
    if (!scheme_name_valid(name, scheme.len))
        return -E_INVAL;
    long err = mount_point(path, &t);
    if (err)
        return err;
    memset(&ks, 0, sizeof(ks));
    if ((err = scheme_target_stat(&t, &ks)))
        return err;
    if (ks.type != WREN_FILE_TYPE_DIRECTORY)
        return -E_NOTDIR;
    if (!scheme_find(name, scheme.len))
        return -E_NOENT;
    return mount_add(t.path, t.len, name, scheme.len, flags);
}

long sys_umount(user_in_buf path)
{
    if (!proc_current_process()->privileged)
        return -E_PERM;
    long len = path_from_user(kpath, path.ptr, path.len);
    if (len < 0)
        return len;
    if (len == 0 || strnlen(kpath, (size_t)len) != (size_t)len || kpath[0] != '/')
        return -E_INVAL;
    /* As mount resolved it: canonical, without a trailing slash. */
    size_t n = path_canonical(kpath, (size_t)len);
    return mount_remove(kpath, n);
}

long sys_statfs(user_in_buf path, user_out_ptr st)
{
    struct scheme_target t;
    struct wren_statfs ks;
    long err = scheme_resolve_user(kpath, path, &t);
    if (err)
        return err;
    if (t.kind == SCHEME_PATH_LIST)
        return -E_NOTSUP;
    memset(&ks, 0, sizeof(ks));
    err = t.s->ops->statfs ? t.s->ops->statfs(t.s, t.path, t.len, &ks) : -E_NOTSUP;
    if (err)
        return err;
    if (t.mount_flags & WREN_MOUNT_READ_ONLY)
        ks.flags |= WREN_STATFS_READ_ONLY;
    return copy_to_user(st, &ks, sizeof(ks)) ? -E_FAULT : 0;
}
