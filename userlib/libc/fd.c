/*
 * POSIX file-descriptor calls over Wren's fd syscalls (interface/syscalls/fd.yaml): flags,
 * whence values and struct stat are translated, errors become -1 and errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wren/libc.h>
#include <wren/syscalls.h>

static uint32_t open_flags(int flags)
{
    uint32_t w = 0;
    switch (flags & O_ACCMODE) {
    case O_RDONLY: w = WREN_OPEN_READ; break;
    case O_WRONLY: w = WREN_OPEN_WRITE; break;
    case O_RDWR: w = WREN_OPEN_READ | WREN_OPEN_WRITE; break;
    }
    if (flags & O_CREAT)
        w |= WREN_OPEN_CREATE;
    if (flags & O_TRUNC)
        w |= WREN_OPEN_TRUNCATE;
    if (flags & O_APPEND)
        w |= WREN_OPEN_APPEND;
    if (flags & O_EXCL)
        w |= WREN_OPEN_EXCL;
    if (flags & O_NONBLOCK)
        w |= WREN_OPEN_NONBLOCK;
    return w;
}

int open(const char *path, int flags, ...)
{
    /* Wren files have no permission bits yet: the mode argument of O_CREAT is not read. */
    if ((flags & O_ACCMODE) == O_ACCMODE) {
        errno = EINVAL;
        return -1;
    }
    return (int)wren_posix_result(wren_open(path, strlen(path), open_flags(flags)));
}

int close(int fd)
{
    return (int)wren_posix_result(wren_close(fd));
}

ssize_t read(int fd, void *buf, size_t count)
{
    return wren_posix_result(wren_read(fd, buf, count));
}

ssize_t write(int fd, const void *buf, size_t count)
{
    return wren_posix_result(wren_write(fd, buf, count));
}

off_t lseek(int fd, off_t offset, int whence)
{
    uint32_t w;
    switch (whence) {
    case SEEK_SET: w = WREN_WHENCE_SET; break;
    case SEEK_CUR: w = WREN_WHENCE_CUR; break;
    case SEEK_END: w = WREN_WHENCE_END; break;
    default: errno = EINVAL; return -1;
    }
    return wren_posix_result(wren_lseek(fd, offset, w));
}

int dup(int fd)
{
    return (int)wren_posix_result(wren_dup(fd));
}

int dup2(int old_fd, int new_fd)
{
    return (int)wren_posix_result(wren_dup2(old_fd, new_fd));
}

static mode_t mode_of(uint32_t type)
{
    switch (type) {
    case WREN_FILE_TYPE_REGULAR: return S_IFREG | 0644;
    case WREN_FILE_TYPE_DIRECTORY: return S_IFDIR | 0755;
    case WREN_FILE_TYPE_CHAR_DEVICE: return S_IFCHR | 0666;
    case WREN_FILE_TYPE_CHANNEL: return S_IFIFO | 0666; /* pipes and channels: a stream that cannot seek */
    default: return 0;
    }
}

int fstat(int fd, struct stat *st)
{
    struct wren_stat ws;
    long r = wren_fstat(fd, &ws);
    if (r < 0)
        return (int)wren_posix_result(r);
    memset(st, 0, sizeof(*st));
    st->st_ino = ws.id;
    st->st_mode = mode_of(ws.type);
    st->st_nlink = 1;
    st->st_size = (off_t)ws.size;
    st->st_blksize = ws.block_size;
    st->st_blocks = (blkcnt_t)((ws.size + 511) / 512);
    st->st_mtim.tv_sec = ws.mtime.sec;
    st->st_mtim.tv_nsec = ws.mtime.nsec;
    st->st_atim = st->st_ctim = st->st_mtim;
    return 0;
}

int stat(const char *path, struct stat *st)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int r = fstat(fd, st);
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}

int isatty(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return 0;
    if (!S_ISCHR(st.st_mode)) {
        errno = ENOTTY;
        return 0;
    }
    return 1;
}

int unlink(const char *path)
{
    return wren_posix_result(wren_unlink(path, strlen(path)));
}

int fsync(int fd)
{
    return (int)wren_posix_result(wren_fsync(fd));
}
