/*
 * The rtc scheme (part of rtc -d, in a process of its own: see service.c): /scheme/rtc is a one-line text file, the
 * seconds since 1970-01-01 00:00:00 UTC as the PL031 counts them, read at the open ("1796645131\n"). Each open takes
 * its own reading, so a reader that reads the line in pieces never sees two times spliced together; the reading is
 * all an open file holds, and it is kept in the file's context pointer itself, so clients that open without end
 * cost the server no memory. Only the root ("/") exists, only for reading (E_NOENT, E_ACCES otherwise); stat gives
 * a regular file of the line's length.
 */
#include <string.h>
#include <wren/scheme_server.h>
#include <wren/syscalls.h>

#include "pl031.h"
#include "rtc.h"

#define LINE_MAX 16 /* "4294967295\n" and a NUL */

/* An open file's context: the seconds read at its open, with bit 32 set so that it is never NULL. */
static void *file_of(uint32_t seconds)
{
    return (void *)(uintptr_t)((1ull << 32) | seconds);
}

static uint32_t seconds_of(const void *file)
{
    return (uint32_t)(uintptr_t)file;
}

/* The line for `seconds`: its length. */
static size_t format_line(uint32_t seconds, char *out)
{
    char digits[10];
    size_t n = 0, len = 0;
    do {
        digits[n++] = (char)('0' + seconds % 10);
        seconds /= 10;
    } while (seconds);
    while (n)
        out[len++] = digits[--n];
    out[len++] = '\n';
    out[len] = 0;
    return len;
}

static long rtc_open(void *ctx, const struct wren_scheme_request *req, const char *path, uint32_t flags, void **file)
{
    (void)req;
    long err = wren_scheme_open_root_read_only(path, flags);
    if (!err)
        *file = file_of(pl031_now(ctx));
    return err;
}

static long rtc_read(void *ctx, const struct wren_scheme_request *req, void *file, void *buf, size_t len,
                     uint64_t offset)
{
    (void)ctx, (void)req;
    char line[LINE_MAX];
    size_t n = format_line(seconds_of(file), line);
    if (offset >= n)
        return 0;
    if (len > n - offset)
        len = n - (size_t)offset;
    memcpy(buf, line + offset, len);
    return (long)len;
}

static long rtc_write(void *ctx, const struct wren_scheme_request *req, void *file, const void *buf, size_t len,
                      uint64_t offset)
{
    (void)ctx, (void)req, (void)file, (void)buf, (void)len, (void)offset;
    return -E_BADF; /* never opened for writing (open refuses it): the clock is not set from here */
}

static void describe(uint32_t seconds, struct wren_stat *st)
{
    char line[LINE_MAX];
    memset(st, 0, sizeof(*st));
    st->type = WREN_FILE_TYPE_REGULAR;
    st->size = format_line(seconds, line);
}

static long rtc_fstat(void *ctx, const struct wren_scheme_request *req, void *file, struct wren_stat *st)
{
    (void)ctx, (void)req;
    describe(seconds_of(file), st);
    return 0;
}

static long rtc_stat(void *ctx, const struct wren_scheme_request *req, const char *path, struct wren_stat *st)
{
    (void)req;
    if (strcmp(path, "/") != 0)
        return -E_NOENT;
    describe(pl031_now(ctx), st);
    return 0;
}

static const struct wren_scheme_ops rtc_ops = {
    .open = rtc_open,
    .read = rtc_read,
    .write = rtc_write,
    .fstat = rtc_fstat,
    .stat = rtc_stat,
};

int rtc_serve_scheme(struct driver_device *rtc, wren_handle_t server)
{
    long r = wren_scheme_serve(server, &rtc_ops, rtc);
    return r < 0 ? 1 : 0;
}
