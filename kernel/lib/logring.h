/*
 * A byte ring for a log: writes never fail and never block; when the ring is full the oldest bytes go first. The
 * ring counts every byte ever written, so a reader learns how many it has lost (the kernel log, dev/klog.c).
 *
 * Reading takes a view: the retained bytes (or the newest `max` of them) as at most two spans, oldest first. Once
 * bytes have been left out, the view starts at the first line boundary after the oldest byte it could show, so a
 * reader never sees half a line; the line it skips counts as dropped. (A single line longer than the view keeps
 * its tail.)
 * A view is valid until the next write; the caller copies it out before anything can log.
 */
#ifndef WREN_LIB_LOGRING_H
#define WREN_LIB_LOGRING_H

#include <stddef.h>
#include <stdint.h>

struct logring {
    char *buf;
    size_t size;      /* a power of two */
    uint64_t written; /* every byte ever written; byte i lives at buf[i % size] while i >= written - size */
};

struct logring_view {
    const char *first, *second; /* second may be empty (second_len 0) */
    size_t first_len, second_len;
    uint64_t dropped; /* bytes written before first[0] that the view leaves out */
};

/* A ring over buf[0..size), size a power of two, empty. */
void logring_init(struct logring *r, char *buf, size_t size);
void logring_write(struct logring *r, const char *s, size_t n);
static inline void logring_putc(struct logring *r, char c)
{
    r->buf[r->written++ & (r->size - 1)] = c;
}
/* The newest at most `max` retained bytes (max >= size: all of them), as described above. */
void logring_view(const struct logring *r, struct logring_view *v, size_t max);

#endif
