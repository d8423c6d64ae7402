/*
 * Kernel string and memory primitives (the freestanding subset of <string.h>).
 *
 * The kernel must define memcpy/memset/memmove/memcmp under their standard names: compilers emit calls to them
 * for struct copies and zeroing even with -ffreestanding.
 *
 * Host unit tests (WREN_HOST_TEST): libc and the sanitizers' interceptors already own those names, so kernel code
 * compiled for the host uses libc's (checked by ASan), and this file's implementations are built under a
 * `kstring_` prefix so tests/host/test_string.c can test them against libc without a symbol clash.
 */
#ifndef WREN_LIB_STRING_H
#define WREN_LIB_STRING_H

#include <stddef.h>

#ifdef WREN_HOST_TEST
#include <string.h>
/* strnlen is POSIX, not C11: glibc hides it under -std=c11, so declare it (same prototype as glibc's). */
size_t strnlen(const char *s, size_t maxlen);
#define KSTRING(name) kstring_##name
#else
#define KSTRING(name) name
#endif

void *KSTRING(memcpy)(void *restrict dst, const void *restrict src, size_t n);
void *KSTRING(memmove)(void *dst, const void *src, size_t n);
void *KSTRING(memset)(void *dst, int c, size_t n);
int KSTRING(memcmp)(const void *a, const void *b, size_t n);
size_t KSTRING(strlen)(const char *s);
size_t KSTRING(strnlen)(const char *s, size_t maxlen);
int KSTRING(strcmp)(const char *a, const char *b);
int KSTRING(strncmp)(const char *a, const char *b, size_t n);

#endif /* WREN_LIB_STRING_H */
