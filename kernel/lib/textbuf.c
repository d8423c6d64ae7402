/* A bounded text builder that also measures (lib/textbuf.h). */
#include "lib/textbuf.h"

#include <stdarg.h>

#include "lib/format.h"
#include "lib/string.h"

void textbuf_init(struct textbuf *t, char *buf, size_t cap)
{
    t->buf = buf;
    t->cap = buf ? cap : 0;
    t->len = 0;
}

void textbuf_put(struct textbuf *t, const char *s, size_t n)
{
    if (t->len < t->cap) {
        size_t room = t->cap - t->len;
        memcpy(t->buf + t->len, s, n < room ? n : room);
    }
    t->len += n;
}

static void put_char(void *ctx, char c)
{
    struct textbuf *t = ctx;
    if (t->len < t->cap)
        t->buf[t->len] = c;
    t->len++;
}

void textbuf_put_clean(struct textbuf *t, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put_char(t, s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
}

void textbuf_printf(struct textbuf *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    format_v(put_char, t, fmt, ap);
    va_end(ap);
}
