/*
 * Building a text of unknown length in two passes: measure, allocate, fill. A textbuf with no buffer (cap 0) only
 * counts; with one, bytes past `cap` are counted and dropped. So one function that writes the text can do both
 * passes, and the second never overruns the size the first measured, even if what it describes has grown in
 * between (the kernel's files under /scheme/sys, scheme/sys_files.c).
 */
#ifndef WREN_LIB_TEXTBUF_H
#define WREN_LIB_TEXTBUF_H

#include <stddef.h>

struct textbuf {
    char *buf; /* NULL when only measuring */
    size_t cap;
    size_t len; /* bytes written so far, including any past cap */
};

/* A textbuf over buf[0..cap) (buf NULL, cap 0: measuring). */
void textbuf_init(struct textbuf *t, char *buf, size_t cap);
void textbuf_put(struct textbuf *t, const char *s, size_t n);
/* s, with every byte outside printable ASCII turned into '?': a name cannot break the line it is on. */
void textbuf_put_clean(struct textbuf *t, const char *s, size_t n);
void textbuf_printf(struct textbuf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The bytes held: min(len, cap). */
static inline size_t textbuf_held(const struct textbuf *t)
{
    return t->len < t->cap ? t->len : t->cap;
}

#endif
