/*
 * File-descriptor syscalls (interface/syscalls/fd.yaml). A descriptor is an entry of the
 * caller's handle table (obj/handle.h) whose object does byte I/O; its READ and WRITE rights
 * come from the open flags, and each call checks the right it needs before the object sees it.
 */
#include "proc/cwd.h"
#include "fs/ramfs_file.h"
#include "lib/string.h"
#include "objects/console_file.h"
#include "obj/handle.h"
#include "objects/pipe.h"
#include "panic.h"
#include "proc/proc.h"
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

static struct handle_table *my_table(void)
{
    return &proc_current()->handles;
}

/* The object behind fd, which must allow `rights` (a missing right is E_BADF, as POSIX says). */
static long fd_get(wren_fd_t fd, uint32_t rights, struct kobject **o)
{
    long err = handle_get(my_table(), fd, 0, 0, -E_BADF, o);
    if (err)
        return err;
    if ((handle_entry(my_table(), fd)->rights & rights) != rights) {
        kobj_put(*o);
        return -E_BADF;
    }
    return 0;
}

/* Give `o` (the caller's reference) a descriptor, or drop it and return the error. */
static long fd_install(struct kobject *o, uint32_t flags)
{
    long fd = handle_install(my_table(), o, fd_rights(flags), 0);
    if (fd < 0)
        kobj_put(o);
    else if (flags & WREN_OPEN_CLOEXEC)
        handle_entry(my_table(), fd)->flags |= HANDLE_CLOEXEC;
    return fd;
}

/* Open a kernel-named resource: the console scheme, or a path in the RAM file system. */
static long open_path(const char *path, size_t len, uint32_t flags, struct kobject **out)
{
    static const char console[] = "console:";
    if (len == sizeof(console) - 1 && memcmp(path, console, len) == 0) {
        *out = console_file_open(flags);
        return *out ? 0 : -E_NOMEM;
    }
    return ramfs_open(path, len, flags, out);
}

long sys_open(user_in_ptr path, size_t path_len, uint32_t flags)
{
    static char buf[PATH_BUF_SIZE]; /* one CPU, and open does not block before it is done with it */
    struct kobject *o;

    if (!(flags & (WREN_OPEN_READ | WREN_OPEN_WRITE)))
        return -E_INVAL;
    long len = path_from_user(buf, path, path_len);
    if (len < 0)
        return len;
    long err = open_path(buf, (size_t)len, flags, &o);
    if (err)
        return err;
    return fd_install(o, flags);
}

long sys_close(wren_fd_t fd)
{
    return handle_close(my_table(), fd, -E_BADF);
}

long sys_read(wren_fd_t fd, user_out_ptr buf, size_t count)
{
    struct kobject *o;
    long ret = fd_get(fd, WREN_RIGHT_READ, &o);
    if (ret)
        return ret;
    if (o->file_type == WREN_FILE_TYPE_DIRECTORY)
        ret = -E_ISDIR;
    else
        ret = o->ops->read ? o->ops->read(o, buf, count) : -E_NOTSUP;
    kobj_put(o);
    return ret;
}

long sys_write(wren_fd_t fd, user_in_ptr buf, size_t count)
{
    struct kobject *o;
    long ret = fd_get(fd, WREN_RIGHT_WRITE, &o);
    if (ret)
        return ret;
    ret = o->ops->write ? o->ops->write(o, buf, count) : -E_NOTSUP;
    kobj_put(o);
    return ret;
}

long sys_dup(wren_fd_t fd)
{
    struct handle *e = handle_entry(my_table(), fd);
    if (!e)
        return -E_BADF;
    long nfd = handle_install(my_table(), kobj_get(e->obj), e->rights, 0);
    if (nfd < 0)
        kobj_put(e->obj);
    return nfd;
}

long sys_dup2(wren_fd_t old_fd, wren_fd_t new_fd)
{
    struct handle_table *t = my_table();
    struct handle *e = handle_entry(t, old_fd);

    if (!e || new_fd < 0 || new_fd >= HANDLE_MAX)
        return -E_BADF;
    if (old_fd == new_fd)
        return new_fd;
    struct kobject *o = kobj_get(e->obj);
    uint32_t rights = e->rights;
    handle_close(t, new_fd, 0); /* may run a destroy; e is not used after this */
    long r = handle_install(t, o, rights, (int)new_fd);
    KASSERT(r == new_fd); /* the entry was just freed, and nothing ran in between to take it */
    return new_fd;
}

long sys_lseek(wren_fd_t fd, int64_t offset, uint32_t whence)
{
    struct kobject *o;
    long ret = fd_get(fd, 0, &o);
    if (ret)
        return ret;
    ret = o->ops->lseek ? o->ops->lseek(o, offset, whence) : -E_SPIPE;
    kobj_put(o);
    return ret;
}

long sys_fstat(wren_fd_t fd, user_out_ptr st)
{
    struct kobject *o;
    struct wren_stat s = {0};
    long ret = fd_get(fd, 0, &o);
    if (ret)
        return ret;
    s.type = o->file_type;
    s.open_flags = o->open_flags;
    s.block_size = 4096;
    if (o->ops->fstat)
        ret = o->ops->fstat(o, &s);
    kobj_put(o);
    if (!ret && copy_to_user(st, &s, sizeof(s)))
        ret = -E_FAULT;
    return ret;
}

long sys_ioctl(wren_fd_t fd, uint32_t cmd, uint64_t arg)
{
    struct kobject *o;
    long ret = fd_get(fd, 0, &o);
    if (ret)
        return ret;
    ret = o->ops->ioctl ? o->ops->ioctl(o, cmd, arg) : -E_NOTTY;
    kobj_put(o);
    return ret;
}

long sys_pipe(user_out_ptr fds, uint32_t flags)
{
    struct handle_table *t = my_table();
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

long sys_set_cloexec(wren_fd_t fd, uint32_t enable)
{
    struct handle *e = handle_entry(my_table(), fd);
    if (!e)
        return -E_BADF;
    long old = (e->flags & HANDLE_CLOEXEC) != 0;
    if (enable)
        e->flags |= HANDLE_CLOEXEC;
    else
        e->flags &= ~HANDLE_CLOEXEC;
    return old;
}
