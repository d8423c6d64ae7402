/*
 * File-descriptor syscalls (interface/syscalls/fd.yaml). A descriptor is an entry of the
 * caller's handle table (obj/handle.h) whose object does byte I/O; its READ and WRITE rights
 * come from the open flags. The dispatcher looks each descriptor up and checks the right the
 * call needs (E_BADF when it is missing, as POSIX says) before the object sees it.
 */
#include "obj/handle.h"
#include "objects/pipe.h"
#include "panic.h"
#include "scheme/scheme_call.h"
#include "sys/handles.h"
#include "syscall_table.h"

/* Rights a descriptor opened with `flags` carries. */
static uint32_t fd_rights(uint32_t flags)
{
    uint32_t r = WREN_RIGHT_TRANSFER | WREN_RIGHT_DUPLICATE;
    if (flags & WREN_OPEN_READ)
        r |= WREN_RIGHT_READ;
    if (flags & WREN_OPEN_WRITE)
        r |= WREN_RIGHT_WRITE;
    return r;
}

long fd_install(struct kobject *o, uint32_t flags)
{
    return fd_install_extra(o, flags, 0);
}

long fd_install_extra(struct kobject *o, uint32_t flags, uint32_t extra_rights)
{
    long fd = handle_install(caller_handles(), o, fd_rights(flags) | extra_rights, 0);
    if (fd < 0)
        kobj_put(o);
    else if (flags & WREN_OPEN_CLOEXEC)
        handle_entry(caller_handles(), fd)->flags |= HANDLE_CLOEXEC;
    return fd;
}

long sys_open(user_in_buf path, uint32_t flags)
{
    static char buf[PATH_BUF_SIZE]; /* one CPU; a scheme operation that blocks copies the path first (scheme.h) */
    struct scheme_target t;
    struct kobject *o;

    if (!(flags & (WREN_OPEN_READ | WREN_OPEN_WRITE)))
        return -E_INVAL;
    long err = scheme_resolve_user(buf, path, &t);
    if (!err && (flags & (WREN_OPEN_WRITE | WREN_OPEN_CREATE | WREN_OPEN_TRUNCATE | WREN_OPEN_APPEND)))
        err = scheme_target_may_change(&t);
    uint32_t extra = !err && t.s ? t.s->open_rights : 0; /* read before the open, which may block */
    if (!err)
        err = scheme_target_open(&t, flags, &o);
    return err ? err : fd_install_extra(o, flags, extra);
}

long sys_close(wren_fd_t fd)
{
    return handle_close(caller_handles(), fd, -E_BADF);
}

long sys_read(struct kobject *fd, user_out_buf buf)
{
    if (fd->file_type == WREN_FILE_TYPE_DIRECTORY)
        return -E_ISDIR;
    return fd->ops->read ? fd->ops->read(fd, buf.ptr, buf.len) : -E_NOTSUP;
}

long sys_write(struct kobject *fd, user_in_buf buf)
{
    return fd->ops->write ? fd->ops->write(fd, buf.ptr, buf.len) : -E_NOTSUP;
}

long sys_dup(struct handle *fd)
{
    struct handle *e = fd;
    long nfd = handle_install(caller_handles(), kobj_get(e->obj), e->rights, 0);
    if (nfd < 0)
        kobj_put(e->obj);
    return nfd;
}

long sys_dup2(struct handle *old_fd, wren_fd_t new_fd)
{
    struct handle_table *t = caller_handles();
    struct handle *e = old_fd;

    if (new_fd < 0 || new_fd >= HANDLE_MAX)
        return -E_BADF;
    if (handle_number(t, e) == new_fd)
        return new_fd;
    struct kobject *o = kobj_get(e->obj);
    uint32_t rights = e->rights;
    handle_close(t, new_fd, 0); /* may run a destroy; e is not used after this */
    long r = handle_install(t, o, rights, (int)new_fd);
    KASSERT(r == new_fd); /* the entry was just freed, and nothing ran in between to take it */
    return new_fd;
}

long sys_lseek(struct kobject *fd, int64_t offset, uint32_t whence)
{
    return fd->ops->lseek ? fd->ops->lseek(fd, offset, whence) : -E_SPIPE;
}

long sys_fstat(struct kobject *fd, user_out_ptr st)
{
    struct wren_stat s = {0};
    long ret = scheme_object_stat(fd, &s);
    if (!ret && copy_to_user(st, &s, sizeof(s)))
        ret = -E_FAULT;
    return ret;
}

long sys_ftruncate(struct kobject *fd, uint64_t size)
{
    return fd->ops->truncate ? fd->ops->truncate(fd, size) : -E_INVAL; /* POSIX: EINVAL for what cannot be sized */
}

long sys_fsync(struct kobject *fd)
{
    if (fd->ops->sync)
        return fd->ops->sync(fd);
    /* The kernel's files live in RAM, with nothing to write back; a stream has nothing to write back at all. */
    bool stored = fd->file_type == WREN_FILE_TYPE_REGULAR || fd->file_type == WREN_FILE_TYPE_DIRECTORY;
    return stored ? 0 : -E_INVAL;
}

long sys_ioctl(struct kobject *fd, uint32_t cmd, uint64_t arg)
{
    return fd->ops->ioctl ? fd->ops->ioctl(fd, cmd, arg) : -E_NOTTY;
}

long sys_pipe(user_out_ptr fds, uint32_t flags)
{
    struct handle_table *t = caller_handles();
    struct kobject *r, *w;

    if (flags & ~(WREN_OPEN_NONBLOCK | WREN_OPEN_CLOEXEC))
        return -E_INVAL;
    if (HANDLE_MAX - handle_count(t) < 2)
        return -E_MFILE;
    long err = pipe_create(flags, &r, &w);
    if (err)
        return err;
    int32_t pair[2];
    pair[0] = (int32_t)fd_install(r, WREN_OPEN_READ | flags);
    pair[1] = (int32_t)fd_install(w, WREN_OPEN_WRITE | flags);
    if (copy_to_user(fds, pair, sizeof(pair))) {
        handle_close(t, pair[0], 0);
        handle_close(t, pair[1], 0);
        return -E_FAULT;
    }
    return 0;
}

long sys_set_cloexec(struct handle *fd, uint32_t enable)
{
    struct handle *e = fd;
    long old = (e->flags & HANDLE_CLOEXEC) != 0;
    if (enable)
        e->flags |= HANDLE_CLOEXEC;
    else
        e->flags &= ~HANDLE_CLOEXEC;
    return old;
}
