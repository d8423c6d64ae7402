/* Paths relative to the current directory, and the current directory itself (fs/path.h). */
#include "fs/path.h"

#include "fs/rootfs.h"
#include "lib/pathname.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "proc/proc.h"
#include "syscall_table.h"

/* A path needs the current directory in front unless it is absolute or names a scheme ("console:"). */
static bool is_relative(const char *p, size_t len)
{
    if (len == 0 || p[0] == '/')
        return false;
    for (size_t i = 0; i < len && p[i] != '/'; i++)
        if (p[i] == ':')
            return false;
    return true;
}

const char *path_cwd(const struct proc *p)
{
    return p && p->cwd ? p->cwd : "/";
}

long path_from_user(char *buf, user_in_ptr path, size_t len)
{
    if (len > RAMFS_PATH_MAX)
        return -E_NAMETOOLONG;
    /* Read the path first, at the end of buf, to see whether it is relative before placing it. */
    char *tail = buf + PATH_BUF_SIZE - 1 - len;
    if (len && copy_from_user(tail, path, len))
        return -E_FAULT;
    size_t pre = 0;
    if (is_relative(tail, len)) {
        const char *cwd = path_cwd(proc_current());
        size_t clen = strlen(cwd);
        pre = clen + (cwd[clen - 1] != '/'); /* "/a" + "/", but "/" alone */
        if (pre + len > RAMFS_PATH_MAX)
            return -E_NAMETOOLONG;
        memmove(buf + pre, tail, len);
        memcpy(buf, cwd, clen);
        buf[pre - 1] = '/';
    } else {
        memmove(buf, tail, len);
    }
    buf[pre + len] = 0;
    return (long)(pre + len);
}

int path_cwd_inherit(struct proc *child, const struct proc *parent)
{
    const char *cwd = path_cwd(parent);
    size_t n = strlen(cwd);
    if (n == 1) {
        child->cwd = 0; /* the root costs nothing */
        return 0;
    }
    child->cwd = kmalloc(n + 1);
    if (!child->cwd)
        return -E_NOMEM;
    memcpy(child->cwd, cwd, n + 1);
    return 0;
}

void path_cwd_release(struct proc *p)
{
    kfree(p->cwd);
    p->cwd = 0;
}

int path_chdir(const char *path, size_t len)
{
    static char canon[PATH_BUF_SIZE]; /* one CPU, non-preemptible kernel */
    struct ramfs_node *n;

    if (len == 0)
        return -E_NOENT;
    int err = ramfs_lookup(rootfs(), path, len, &n);
    if (err)
        return err;
    if (ramfs_type(n) != RAMFS_DIR)
        return -E_NOTDIR;
    memcpy(canon, path, len);
    size_t clen = path_canonical(canon, len);
    struct proc *p = proc_current();
    char *copy = 0;
    if (clen > 1) {
        copy = kmalloc(clen + 1);
        if (!copy)
            return -E_NOMEM;
        memcpy(copy, canon, clen + 1);
    }
    kfree(p->cwd);
    p->cwd = copy;
    return 0;
}
