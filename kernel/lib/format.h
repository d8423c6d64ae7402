/*
 * A small printf-style formatter for the kernel console and for building strings.
 *
 * Conversions: %s (NULL prints "(null)"), %c, %d %i %u %x %X %p, %%. Flags '-' (left-align), '0' (zero pad) and
 * '#' ("0x" before non-zero hex);
 * a width and a precision, either given as digits or as '*'; length modifiers hh h l ll z j t.
 * %p prints like %#lx ("0x" then lowercase hex; NULL prints "0x0"). Anything else (an unknown conversion, a
 * format ending in the middle of a conversion) is copied to the output literally, so a typo shows up as text.
 */
#ifndef WREN_LIB_FORMAT_H
#define WREN_LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Receives the output one character at a time. */
typedef void (*format_emit_fn)(void *ctx, char c);

/* Formats `fmt` with `ap` and passes each character to emit(ctx, c). Returns the number of characters emitted. */
size_t format_v(format_emit_fn emit, void *ctx, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

size_t format(format_emit_fn emit, void *ctx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * snprintf-like: writes at most size-1 characters plus a terminating NUL (always terminated when size > 0;
 * buf may be NULL when size is 0). Returns the length the full output would have had, capped at INT_MAX.
 */
int format_vbuf(char *buf, size_t size, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
int format_buf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* WREN_LIB_FORMAT_H */
