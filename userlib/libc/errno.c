/*
 * Wren's E_* codes (interface/errors.yaml) follow Linux's numbers; picolibc's errno.h uses
 * newlib's, which differ for several (ENOSYS is 88, not 38). This table translates.
 * tests/test_libc.py checks that it names every error the interface defines.
 */
#include <errno.h>
#include <stdint.h>
#include <wren/abi.h>
#include <wren/libc.h>

static const uint8_t errno_of[] = {
    [E_PERM] = EPERM,
    [E_NOENT] = ENOENT,
    [E_SRCH] = ESRCH,
    [E_INTR] = EINTR,
    [E_IO] = EIO,
    [E_TOOBIG] = E2BIG,
    [E_NOEXEC] = ENOEXEC,
    [E_BADF] = EBADF,
    [E_CHILD] = ECHILD,
    [E_AGAIN] = EAGAIN,
    [E_NOMEM] = ENOMEM,
    [E_ACCES] = EACCES,
    [E_FAULT] = EFAULT,
    [E_BUSY] = EBUSY,
    [E_EXIST] = EEXIST,
    [E_XDEV] = EXDEV,
    [E_NOTDIR] = ENOTDIR,
    [E_ISDIR] = EISDIR,
    [E_INVAL] = EINVAL,
    [E_MFILE] = EMFILE,
    [E_NOTTY] = ENOTTY,
    [E_NOSPC] = ENOSPC,
    [E_ROFS] = EROFS,
    [E_SPIPE] = ESPIPE,
    [E_PIPE] = EPIPE,
    [E_RANGE] = ERANGE,
    [E_DEADLK] = EDEADLK,
    [E_NAMETOOLONG] = ENAMETOOLONG,
    [E_NOSYS] = ENOSYS,
    [E_NOTEMPTY] = ENOTEMPTY,
    [E_OVERFLOW] = EOVERFLOW,
    [E_MSGSIZE] = EMSGSIZE,
    [E_NOTSUP] = ENOTSUP,
    [E_TIMEDOUT] = ETIMEDOUT,
    [E_CONNREFUSED] = ECONNREFUSED,
    /* Wren's own errors have no POSIX name: the nearest meaning. */
    [E_BADHANDLE] = EBADF,
    [E_WRONGTYPE] = EINVAL,
};

int wren_errno_from(long wren_error)
{
    if (wren_error > 0 && (unsigned long)wren_error < sizeof(errno_of) && errno_of[wren_error])
        return errno_of[wren_error];
    return EIO;
}

long wren_posix_result(long r)
{
    if (r >= 0)
        return r;
    errno = wren_errno_from(-r);
    return -1;
}
