/* Paths relative to a directory the caller names, and directories to change to (fs/path.h). */
#include "fs/path.h"

#include "lib/string.h"
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

long path_join_user(char *buf, user_in_ptr path, size_t len, const char *cwd)
{
    if (len > RAMFS_PATH_MAX)
        return -E_NAMETOOLONG;
    /* Read the path first, at the end of buf, to see whether it is relative before placing it. */
    char *tail = buf + PATH_BUF_SIZE - 1 - len;
    if (len && copy_from_user(tail, path, len))
        return -E_FAULT;
    size_t pre = 0;
    if (is_relative(tail, len)) {
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
