/* Current directories of processes (proc/cwd.h); the path arithmetic is the file system's (fs/path.h). */
#include "proc/cwd.h"

#include "lib/string.h"
#include "mm/kmalloc.h"
#include "proc/proc.h"
#include "syscall_table.h"

const char *path_cwd(const struct proc *p)
{
    p = p ? p->leader : 0; /* a thread's directory is its process's */
    return p && p->cwd ? p->cwd : "/";
}

long path_from_user(char *buf, user_in_ptr path, size_t len)
{
    return path_join_user(buf, path, len, path_cwd(proc_current()));
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

int path_set_cwd(const char *canon, size_t len)
{
    struct proc *p = proc_current_process(); /* the process's directory, for all its threads */
    char *copy = 0;
    if (len > 1) {
        copy = kmalloc(len + 1);
        if (!copy)
            return -E_NOMEM;
        memcpy(copy, canon, len);
        copy[len] = 0;
    }
    kfree(p->cwd);
    p->cwd = copy;
    return 0;
}
