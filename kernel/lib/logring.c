/* A byte ring for a log, oldest bytes dropped first (lib/logring.h). */
#include "lib/logring.h"

#include <stdbool.h>

void logring_init(struct logring *r, char *buf, size_t size)
{
    r->buf = buf;
    r->size = size;
    r->written = 0;
}

void logring_write(struct logring *r, const char *s, size_t n)
{
    /* Of a write longer than the ring only its last `size` bytes survive: skip the rest, but count it. */
    if (n > r->size) {
        r->written += n - r->size;
        s += n - r->size;
        n = r->size;
    }
    for (size_t i = 0; i < n; i++)
        logring_putc(r, s[i]);
}

/* The byte written as number i (i retained). */
static char byte_at(const struct logring *r, uint64_t i)
{
    return r->buf[i & (r->size - 1)];
}

void logring_view(const struct logring *r, struct logring_view *v, size_t max)
{
    uint64_t start = 0;
    if (max > r->size)
        max = r->size;
    if (r->written > max) {
        /*
         * Something is left out: begin at `oldest` if the byte before it is a newline the ring still holds, else
         * after the first newline from `oldest` on (which may be `oldest` itself, ending a line left out), unless
         * there is none.
         */
        uint64_t oldest = r->written - max;
        uint64_t held_from = r->written > r->size ? r->written - r->size : 0;
        bool line_start = oldest - 1 >= held_from && byte_at(r, oldest - 1) == '\n';
        start = oldest;
        for (uint64_t i = oldest; !line_start && i < r->written; i++) {
            if (byte_at(r, i) == '\n') {
                start = i + 1;
                break;
            }
        }
    }
    size_t len = (size_t)(r->written - start);
    size_t at = (size_t)(start & (r->size - 1));
    size_t run = r->size - at; /* bytes from `at` to the end of the buffer */
    v->dropped = start;
    v->first = r->buf + at;
    v->first_len = len < run ? len : run;
    v->second = r->buf;
    v->second_len = len - v->first_len;
}
