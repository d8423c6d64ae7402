/*
 * Whole-call locking of streams, as POSIX asks: every stdio function behaves as if it held the stream's lock
 * (flockfile) for the whole call, so a line that one thread prints never mixes with another thread's.
 *
 * picolibc's tiny stdio locks a descriptor ("bufio") FILE only around each buffer operation, which for printf,
 * puts, fputs and fwrite is each character, so two threads printing at once interleave mid-line. The link
 * (build.ninja.in's ulink) sends every call of the functions below here with --wrap, libc.a's own calls too
 * (printf and fprintf call vfprintf, scanf and fscanf call vfscanf), and each wrapper holds the stream's lock
 * around picolibc's function. The lock is recursive (lock.c), so the per-character locking inside then only
 * counts, which makes a whole-call lock cheaper than the per-character one for a single thread too.
 * A FILE that is not bufio (snprintf's and sscanf's string streams) has no lock and passes straight through.
 * puts is not wrapped but replaced, in stdio.c: lld fetches the member of a --wrap'ed function from libc.a even
 * into a program that never calls it, and libc.a's puts names stdout, which would bring the standard streams and
 * their buffers into every program.
 */
#include <stdarg.h>
#include <stdio-bufio.h>
#include <stdio.h>

static _LOCK_T lock_of(FILE *f)
{
    return f && (f->flags & __SBUF) ? ((struct __file_bufio *)f)->lock : 0;
}

/* Held from here to unlock(): the stream's lock, if it has one. */
static _LOCK_T lock(FILE *f)
{
    _LOCK_T l = lock_of(f);
    if (l)
        __retarget_lock_acquire_recursive(l);
    return l;
}

static void unlock(_LOCK_T l)
{
    if (l)
        __retarget_lock_release_recursive(l);
}

int __real_vfprintf(FILE *f, const char *fmt, va_list ap);
int __real_vfscanf(FILE *f, const char *fmt, va_list ap);
int __real_fputs(const char *s, FILE *f);
size_t __real_fwrite(const void *p, size_t size, size_t n, FILE *f);
size_t __real_fread(void *p, size_t size, size_t n, FILE *f);
char *__real_fgets(char *s, int size, FILE *f);

int __wrap_vfprintf(FILE *f, const char *fmt, va_list ap)
{
    _LOCK_T l = lock(f);
    int r = __real_vfprintf(f, fmt, ap);
    unlock(l);
    return r;
}

int __wrap_vfscanf(FILE *f, const char *fmt, va_list ap)
{
    _LOCK_T l = lock(f);
    int r = __real_vfscanf(f, fmt, ap);
    unlock(l);
    return r;
}

int __wrap_fputs(const char *s, FILE *f)
{
    _LOCK_T l = lock(f);
    int r = __real_fputs(s, f);
    unlock(l);
    return r;
}

size_t __wrap_fwrite(const void *p, size_t size, size_t n, FILE *f)
{
    _LOCK_T l = lock(f);
    size_t r = __real_fwrite(p, size, n, f);
    unlock(l);
    return r;
}

size_t __wrap_fread(void *p, size_t size, size_t n, FILE *f)
{
    _LOCK_T l = lock(f);
    size_t r = __real_fread(p, size, n, f);
    unlock(l);
    return r;
}

char *__wrap_fgets(char *s, int size, FILE *f)
{
    _LOCK_T l = lock(f);
    char *r = __real_fgets(s, size, f);
    unlock(l);
    return r;
}
