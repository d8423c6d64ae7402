/*
 * stdin, stdout and stderr for picolibc's tiny stdio.
 *
 * Debian's picolibc is built with tiny stdio and its POSIX I/O layer ("bufio": a FILE
 * buffered over read/write/lseek/close on a file descriptor, as fopen and fdopen make), but
 * leaves the three standard streams for the program to define. They are bufio FILEs over
 * fds 0, 1 and 2 — so they follow whatever the fds are (console, file, pipe) — and this
 * object is linked only into programs that use them. stdout and stderr are line-buffered
 * (C only requires stderr not to be fully buffered); a destructor, which exit() runs,
 * flushes what is left. abort() does not flush, as in other C libraries. Each stream has a lock (lock.c), so that
 * threads may share them: FDEV_SETUP_BUFIO leaves it NULL (no lock), and a constructor points it at static storage.
 */
#include <stdio-bufio.h>
#include <stdio.h>
#include <unistd.h>

#include "libc_lock.h"

static char in_buf[BUFSIZ], out_buf[BUFSIZ], err_buf[256];

static struct __file_bufio in =
    FDEV_SETUP_BUFIO(STDIN_FILENO, in_buf, sizeof(in_buf), read, write, lseek, close, __SRD, 0);
static struct __file_bufio out =
    FDEV_SETUP_BUFIO(STDOUT_FILENO, out_buf, sizeof(out_buf), read, write, lseek, close, __SWR, __BLBF);
static struct __file_bufio err =
    FDEV_SETUP_BUFIO(STDERR_FILENO, err_buf, sizeof(err_buf), read, write, lseek, close, __SWR, __BLBF);

FILE *const stdin = &in.xfile.cfile.file;
FILE *const stdout = &out.xfile.cfile.file;
FILE *const stderr = &err.xfile.cfile.file;

static struct __lock in_lock, out_lock, err_lock;

__attribute__((constructor)) static void lock_standard_streams(void)
{
    in.lock = &in_lock;
    out.lock = &out_lock;
    err.lock = &err_lock;
}

/*
 * puts, here rather than libc.a's (libwren.a comes first in the link): the line is put under stdout's lock as one
 * piece, as stdio_lock.c does for the other calls that put more than a character.
 */
int puts(const char *s)
{
    __retarget_lock_acquire_recursive(out.lock);
    int r = fputs(s, stdout) < 0 || putc('\n', stdout) < 0 ? EOF : 0;
    __retarget_lock_release_recursive(out.lock);
    return r;
}

__attribute__((destructor)) static void flush_standard_streams(void)
{
    fflush(stdout);
    fflush(stderr);
}
