/*
 * File-system syscalls by path (interface/syscalls/fs.yaml): each resolves its path through the scheme layer
 * (scheme/scheme.h) for the caller and calls the scheme's operation; /scheme itself, the list of schemes, is
 * answered here.
 */
#include "lib/string.h"
#include "proc/cwd.h"
#include "proc/proc.h"
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
    return t.s->ops->mkdir ? t.s->ops->mkdir(t.s, t.path, t.len, 0755) : -E_NOTSUP;
}

long sys_rmdir(user_in_buf path)
{
    struct scheme_target t;
    long err = scheme_resolve_user(kpath, path, &t);
    if (err)
        return err;
    if (t.kind == SCHEME_PATH_LIST)
        return -E_BUSY; /* it is the root of everything */
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
    if (a.s != b.s)
        return -E_XDEV;
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
