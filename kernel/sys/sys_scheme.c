/*
 * scheme_open (interface/syscalls/scheme.yaml): open with the scheme and the path inside it given apart. The two are
 * joined into "/scheme/<name>/<path>" and resolved like any open, so both calls reach exactly the same code.
 */
#include "lib/string.h"
#include "scheme/scheme_call.h"
#include "sys/handles.h"
#include "syscall_table.h"

long sys_scheme_open(user_in_buf scheme, user_in_buf path, uint32_t flags)
{
    static char buf[PATH_BUF_SIZE]; /* one CPU; a scheme operation that blocks copies the path first */
    static const char dir[] = SCHEME_DIR "/";
    char name[SCHEME_NAME_MAX];
    struct scheme_target t;
    struct kobject *o;

    if (!(flags & (WREN_OPEN_READ | WREN_OPEN_WRITE)))
        return -E_INVAL;
    if (scheme.len > SCHEME_NAME_MAX)
        return -E_NAMETOOLONG;
    if (scheme.len && copy_from_user(name, scheme.ptr, scheme.len))
        return -E_FAULT;
    if (!scheme_name_valid(name, scheme.len))
        return -E_INVAL;
    size_t n = sizeof(dir) - 1 + scheme.len + 1;
    if (path.len > RAMFS_PATH_MAX - n)
        return -E_NAMETOOLONG;
    memcpy(buf, dir, sizeof(dir) - 1);
    memcpy(buf + sizeof(dir) - 1, name, scheme.len);
    buf[n - 1] = '/';
    if (path.len && copy_from_user(buf + n, path.ptr, path.len))
        return -E_FAULT;
    buf[n + path.len] = 0;
    long err = scheme_resolve(buf, n + path.len, &t);
    uint32_t extra = !err && t.s ? t.s->open_rights : 0; /* read before the open, which may block */
    if (!err)
        err = scheme_target_open(&t, flags, &o);
    return err ? err : fd_install_extra(o, flags, extra);
}
