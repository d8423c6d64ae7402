/*
 * printf-style formatting without libc. One pass over the format string: parse a conversion spec into
 * struct format_spec, fetch its argument, render it into a small buffer, emit with padding.
 */
#include "lib/format.h"

#include <stdbool.h>
#include <stdint.h>

/* Sink plus running count, so every helper can report how much it wrote. */
struct format_out {
    format_emit_fn emit;
    void *ctx;
    size_t count;
};

enum format_length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE, LEN_MAX, LEN_PTRDIFF };

struct format_spec {
    bool left;     /* '-' flag */
    bool zero;     /* '0' flag */
    bool alt;      /* '#' flag: "0x"/"0X" before non-zero hex */
    int width;     /* minimum field width, 0 if none */
    int precision; /* -1 if none */
    enum format_length length;
    char conv; /* conversion character */
};

/*
 * Longest rendering of a 64-bit number: 22 octal digits would be the worst case; we only do decimal (20) and hex (16),
 * plus "0x" and a sign. Precision can ask for more digits than that: those come from padding, not this buffer.
 */
#define FORMAT_NUM_BUF 24

static void format_put(struct format_out *out, char c)
{
    out->emit(out->ctx, c);
    out->count++;
}

static void format_repeat(struct format_out *out, char c, int n)
{
    for (int i = 0; i < n; i++)
        format_put(out, c);
}

static void format_puts_n(struct format_out *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        format_put(out, s[i]);
}

/* Parses a non-negative decimal number at *p, saturating instead of overflowing on absurd widths. */
static int format_parse_int(const char **p)
{
    int v = 0;

    while (**p >= '0' && **p <= '9') {
        int digit = **p - '0';
        v = (v > (INT32_MAX - digit) / 10) ? INT32_MAX : v * 10 + digit;
        (*p)++;
    }
    return v;
}

static void format_parse_flags(const char **p, struct format_spec *spec)
{
    for (;; (*p)++) {
        if (**p == '-')
            spec->left = true;
        else if (**p == '0')
            spec->zero = true;
        else if (**p == '#')
            spec->alt = true;
        else
            return;
    }
}

/* Width: digits or '*' (a negative '*' width means left-align, as in C). */
static void format_parse_width(const char **p, struct format_spec *spec, va_list *ap)
{
    if (**p == '*') {
        int w = va_arg(*ap, int);
        (*p)++;
        if (w < 0) {
            spec->left = true;
            w = (w == INT32_MIN) ? INT32_MAX : -w;
        }
        spec->width = w;
    } else {
        spec->width = format_parse_int(p);
    }
}

/* Precision: '.' then digits or '*' (a negative '*' precision counts as absent, as in C). */
static void format_parse_precision(const char **p, struct format_spec *spec, va_list *ap)
{
    spec->precision = -1;
    if (**p != '.')
        return;
    (*p)++;
    if (**p == '*') {
        int prec = va_arg(*ap, int);
        (*p)++;
        spec->precision = prec < 0 ? -1 : prec;
    } else {
        spec->precision = format_parse_int(p);
    }
}

static void format_parse_length(const char **p, struct format_spec *spec)
{
    spec->length = LEN_INT;
    switch (**p) {
    case 'h':
        (*p)++;
        spec->length = LEN_SHORT;
        if (**p == 'h') {
            (*p)++;
            spec->length = LEN_CHAR;
        }
        break;
    case 'l':
        (*p)++;
        spec->length = LEN_LONG;
        if (**p == 'l') {
            (*p)++;
            spec->length = LEN_LLONG;
        }
        break;
    case 'z':
        (*p)++;
        spec->length = LEN_SIZE;
        break;
    case 'j':
        (*p)++;
        spec->length = LEN_MAX;
        break;
    case 't':
        (*p)++;
        spec->length = LEN_PTRDIFF;
        break;
    default: break;
    }
}

/*
 * Fetches a signed argument of the spec's length, widened to 64 bits. Narrow lengths were promoted to int by the
 * call; convert back down so "%hhd" of 300 prints 44 like libc.
 */
static int64_t format_arg_signed(const struct format_spec *spec, va_list *ap)
{
    switch (spec->length) {
    case LEN_CHAR: return (signed char)va_arg(*ap, int);
    case LEN_SHORT: return (short)va_arg(*ap, int);
    case LEN_LONG: return va_arg(*ap, long);
    case LEN_LLONG: return va_arg(*ap, long long);
    case LEN_SIZE: return (int64_t)va_arg(*ap, size_t); /* %zd: the signed type matching size_t */
    case LEN_MAX: return va_arg(*ap, intmax_t);
    case LEN_PTRDIFF: return va_arg(*ap, ptrdiff_t);
    default: return va_arg(*ap, int);
    }
}

static uint64_t format_arg_unsigned(const struct format_spec *spec, va_list *ap)
{
    switch (spec->length) {
    case LEN_CHAR: return (unsigned char)va_arg(*ap, unsigned int);
    case LEN_SHORT: return (unsigned short)va_arg(*ap, unsigned int);
    case LEN_LONG: return va_arg(*ap, unsigned long);
    case LEN_LLONG: return va_arg(*ap, unsigned long long);
    case LEN_SIZE: return va_arg(*ap, size_t);
    case LEN_MAX: return va_arg(*ap, uintmax_t);
    case LEN_PTRDIFF: return (uint64_t)va_arg(*ap, ptrdiff_t);
    default: return va_arg(*ap, unsigned int);
    }
}

/*
 * Writes the digits of v in `base` backwards into the end of buf; returns the digit count (0 for v == 0, so that
 * a zero precision with a zero value prints nothing, as C requires).
 */
static int format_digits(char *buf_end, uint64_t v, unsigned base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0;

    while (v != 0) {
        *--buf_end = digits[v % base];
        v /= base;
        n++;
    }
    return n;
}

/* Emits prefix ("-", "0x" or ""), then digits, with width/precision/zero/left handling shared by all integers. */
static void format_emit_number(struct format_out *out, const struct format_spec *spec, const char *prefix,
                               uint64_t magnitude, unsigned base, bool upper)
{
    char buf[FORMAT_NUM_BUF];
    char *end = buf + sizeof(buf);
    int ndigits = format_digits(end, magnitude, base, upper);
    int prefix_len = 0;

    while (prefix[prefix_len] != '\0')
        prefix_len++;

    /* Without a precision at least one digit is printed; with one, at least `precision` digits. */
    int min_digits = spec->precision < 0 ? 1 : spec->precision;
    int zeros = min_digits > ndigits ? min_digits - ndigits : 0;
    int body = prefix_len + zeros + ndigits;
    int pad = spec->width > body ? spec->width - body : 0;

    /* The '0' flag pads with zeros between the prefix and the digits, unless '-' or a precision overrides it. */
    if (spec->zero && !spec->left && spec->precision < 0) {
        zeros += pad;
        pad = 0;
    }
    if (!spec->left)
        format_repeat(out, ' ', pad);
    format_puts_n(out, prefix, (size_t)prefix_len);
    format_repeat(out, '0', zeros);
    format_puts_n(out, end - ndigits, (size_t)ndigits);
    if (spec->left)
        format_repeat(out, ' ', pad);
}

static void format_emit_padded(struct format_out *out, const struct format_spec *spec, const char *s, size_t len)
{
    size_t width = (size_t)spec->width;
    size_t pad = width > len ? width - len : 0;

    if (!spec->left)
        format_repeat(out, ' ', (int)pad);
    format_puts_n(out, s, len);
    if (spec->left)
        format_repeat(out, ' ', (int)pad);
}

static void format_emit_string(struct format_out *out, const struct format_spec *spec, const char *s)
{
    size_t len = 0;

    if (s == NULL)
        s = "(null)";
    /* A precision bounds how far we may read: the string need not be terminated within it. */
    while ((spec->precision < 0 || len < (size_t)spec->precision) && s[len] != '\0')
        len++;
    format_emit_padded(out, spec, s, len);
}

static void format_emit_signed(struct format_out *out, const struct format_spec *spec, int64_t v)
{
    /* Negate in unsigned arithmetic: -INT64_MIN overflows a signed type. */
    uint64_t magnitude = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    format_emit_number(out, spec, v < 0 ? "-" : "", magnitude, 10, false);
}

/* %x/%X; with '#', a non-zero value gets a "0x"/"0X" prefix, as in C. */
static void format_emit_hex(struct format_out *out, const struct format_spec *spec, uint64_t v)
{
    bool upper = spec->conv == 'X';
    const char *prefix = (spec->alt && v != 0) ? (upper ? "0X" : "0x") : "";

    format_emit_number(out, spec, prefix, v, 16, upper);
}

/* Handles one conversion whose spec has been parsed. Returns false for an unknown conversion character. */
static bool format_convert(struct format_out *out, const struct format_spec *spec, va_list *ap)
{
    char c;

    switch (spec->conv) {
    case 'd':
    case 'i': format_emit_signed(out, spec, format_arg_signed(spec, ap)); return true;
    case 'u': format_emit_number(out, spec, "", format_arg_unsigned(spec, ap), 10, false); return true;
    case 'x':
    case 'X': format_emit_hex(out, spec, format_arg_unsigned(spec, ap)); return true;
    case 'p': format_emit_number(out, spec, "0x", (uintptr_t)va_arg(*ap, void *), 16, false); return true;
    case 'c':
        c = (char)va_arg(*ap, int);
        format_emit_padded(out, spec, &c, 1);
        return true;
    case 's': format_emit_string(out, spec, va_arg(*ap, const char *)); return true;
    case '%': format_put(out, '%'); return true;
    default: return false;
    }
}

/* Parses and performs the conversion starting just after a '%'. Returns the position after it. */
static const char *format_conversion(struct format_out *out, const char *p, va_list *ap)
{
    const char *start = p - 1; /* the '%' */
    struct format_spec spec = {0};

    format_parse_flags(&p, &spec);
    format_parse_width(&p, &spec, ap);
    format_parse_precision(&p, &spec, ap);
    format_parse_length(&p, &spec);
    spec.conv = *p;
    if (spec.conv != '\0' && format_convert(out, &spec, ap))
        return p + 1;

    /* Unknown or truncated conversion: show it as written (including its conversion character, if any). */
    if (spec.conv != '\0')
        p++;
    format_puts_n(out, start, (size_t)(p - start));
    return p;
}

size_t format_v(format_emit_fn emit, void *ctx, const char *fmt, va_list ap)
{
    struct format_out out = {emit, ctx, 0};
    va_list args;
    const char *p = fmt;

    /* Work on a copy so helpers can take its address portably (va_list may be an array type). */
    va_copy(args, ap);
    while (*p != '\0') {
        if (*p != '%') {
            format_put(&out, *p++);
            continue;
        }
        p = format_conversion(&out, p + 1, &args);
    }
    va_end(args);
    return out.count;
}

size_t format(format_emit_fn emit, void *ctx, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    size_t n = format_v(emit, ctx, fmt, ap);
    va_end(ap);
    return n;
}

/* Sink that stores into a buffer while room remains and silently drops the rest. */
struct format_bufsink {
    char *buf;
    size_t size; /* capacity excluding the terminating NUL */
    size_t used;
};

static void format_buf_emit(void *ctx, char c)
{
    struct format_bufsink *sink = ctx;

    if (sink->used < sink->size)
        sink->buf[sink->used++] = c;
}

int format_vbuf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct format_bufsink sink = {buf, size > 0 ? size - 1 : 0, 0};
    size_t n = format_v(format_buf_emit, &sink, fmt, ap);

    if (size > 0)
        buf[sink.used] = '\0';
    return n > INT32_MAX ? INT32_MAX : (int)n;
}

int format_buf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = format_vbuf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
