/*
 * A block cache device over a file descriptor: whatever the fd is (/scheme/disk/0p1, a ramfs file, or on the host
 * a plain image file), it is read and written at byte offsets with lseek + read/write, in 512-byte multiples.
 */
#include <unistd.h>

#include <wren/abi.h>
#include <wren/blockcache.h>
#ifndef WREN_HOST_TEST
#include <wren/syscalls.h>
#endif

static long fd_io(void *arg, uint64_t off, void *buf, size_t len, int writing)
{
    int fd = (int)(intptr_t)arg;
    if (lseek(fd, (off_t)off, SEEK_SET) != (off_t)off)
        return -E_IO;
    size_t done = 0;
    while (done < len) {
        ssize_t n =
            writing ? write(fd, (const char *)buf + done, len - done) : read(fd, (char *)buf + done, len - done);
        if (n < 0)
            return -E_IO;
        if (n == 0)
            break; /* the end of the file */
        done += (size_t)n;
    }
    return (long)done;
}

static long fd_read(void *arg, uint64_t off, void *buf, size_t len)
{
    return fd_io(arg, off, buf, len, 0);
}
static long fd_write(void *arg, uint64_t off, const void *buf, size_t len)
{
    return fd_io(arg, off, (void *)buf, len, 1);
}

static long fd_flush(void *arg)
{
#ifdef WREN_HOST_TEST
    return fsync((int)(intptr_t)arg) == 0 ? 0 : -E_IO;
#else
    long r = wren_fsync((wren_fd_t)(intptr_t)arg);
    return r == -E_NOTSUP ? 0 : r; /* a file with nothing to make durable (the ramfs) */
#endif
}

long bc_dev_from_fd(int fd, struct bc_dev *dev, uint64_t *size)
{
    off_t end = lseek(fd, 0, SEEK_END);
    if (end < 0)
        return -E_IO;
    dev->arg = (void *)(intptr_t)fd;
    dev->read = fd_read;
    dev->write = fd_write;
    dev->flush = fd_flush;
    *size = (uint64_t)end;
    return 0;
}
