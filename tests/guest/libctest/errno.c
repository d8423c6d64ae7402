/* errno: Wren's E_* codes translated to picolibc's numbers, through real calls too. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <wren/abi.h>
#include <wren/libc.h>

#include "libctest.h"

/* Written out independently of userlib/libc/errno.c, with the pairs whose numbers differ. */
static const struct {
    long wren;
    int posix;
} pairs[] = {
    {E_PERM, EPERM}, {E_NOENT, ENOENT},   {E_BADF, EBADF},      {E_NOMEM, ENOMEM},    {E_INVAL, EINVAL},
    {E_DEADLK, 45},  {E_NAMETOOLONG, 91}, {E_NOSYS, 88},        {E_OVERFLOW, 139},    {E_MSGSIZE, 122},
    {E_NOTSUP, 134}, {E_TIMEDOUT, 116},   {E_CONNREFUSED, 111}, {E_BADHANDLE, EBADF},
};

void test_errno(void)
{
    int all = 1;
    for (unsigned i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        if (wren_errno_from(pairs[i].wren) != pairs[i].posix) {
            wren_check("errno translation of E_ code", pairs[i].wren, -1);
            all = 0;
        }
    wren_check("errno translation table", all, 1);
    wren_check("an unknown code is EIO", wren_errno_from(4000), EIO);

    /* A real failing call: EBADF once the fd layer exists, ENOSYS before; never Wren's raw 38. */
    errno = 0;
    wren_check("close of a bad fd fails", close(1000), -1);
    wren_check("... with EBADF or ENOSYS", errno == EBADF || errno == ENOSYS, 1);
    errno = 0;
    wren_check("open of a missing file fails", open("/no/such/file", O_RDONLY), -1);
    wren_check("... with ENOENT or ENOSYS", errno == ENOENT || errno == ENOSYS, 1);
    wren_check("lseek with a bad whence", lseek(1, 0, 99) == -1 && errno == EINVAL, 1);
    wren_check("kill of a process that does not exist", kill(getpid() + 1000, SIGTERM) == -1 && errno == ESRCH, 1);
    wren_check("kill(self, 0) checks only", kill(getpid(), 0), 0);
    wren_check("strerror names ENOMEM", strlen(strerror(ENOMEM)) > 0, 1);
}
