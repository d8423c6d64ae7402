/*
 * The rand scheme (rng -d): /scheme/rand is an endless stream of the entropy device's bytes. The server is a table
 * of callbacks for userlib's <wren/scheme_server.h>:
 *
 *   open     only the scheme's root ("/" : /scheme/rand itself), and only for reading: E_NOENT for another path,
 *            E_ACCES for writing. Open files hold no state (the stream has no position), so nothing a client opens
 *            costs the server memory.
 *   read     up to RAND_READ_MAX bytes per call (a stream may return fewer than asked; `head -c 32` asks for 32),
 *            straight into the client's buffer (copied, or granted for 16 KiB or more). If the device fails (E_IO,
 *            or no answer in 2 s) the read fails with E_IO and the device is reset and brought up again, so the
 *            next read can work.
 *   stat     the root is a character device of size 0; anything else E_NOENT. fstat the same.
 *   seek     E_SPIPE: a stream. Everything else (write, readdir, unlink, ...) E_NOTSUP or E_BADF.
 *
 * The driver registers the name while it holds the system privilege and then gives the privilege up
 * (port_drop_privilege): the device handle, its mapping and the registration keep working; nothing else can be
 * opened. One request at a time: a client's request costs at most the device's answer (bounded by the timeout).
 */
#include <string.h>
#include <wren/scheme_server.h>
#include <wren/syscalls.h>

#include "entropy.h"
#include "rng.h"

#define RAND_READ_MAX (64u * 1024) /* bytes per read: 16 device requests of a page */

static char open_file; /* what every open file's context points to: there is no per-file state */

static long rand_open(void *ctx, const struct wren_scheme_request *req, const char *path, uint32_t flags, void **file)
{
    (void)ctx;
    (void)req;
    long err = wren_scheme_open_root_read_only(path, flags);
    if (!err)
        *file = &open_file;
    return err;
}

static long rand_read(void *ctx, const struct wren_scheme_request *req, void *file, void *buf, size_t len,
                      uint64_t offset)
{
    (void)req;
    (void)file;
    (void)offset;
    struct entropy *e = ctx;
    if (len > RAND_READ_MAX)
        len = RAND_READ_MAX;
    if (len == 0)
        return 0;
    long n = entropy_read(e, buf, len);
    if (n >= 0)
        return n;
    /* The device failed or did not answer: start it again from a reset, for the next reader. */
    entropy_restart(e);
    return -E_IO;
}

static long rand_write(void *ctx, const struct wren_scheme_request *req, void *file, const void *buf, size_t len,
                       uint64_t offset)
{
    (void)ctx, (void)req, (void)file, (void)buf, (void)len, (void)offset;
    return -E_BADF; /* never opened for writing (open refuses it) */
}

static long rand_seek(void *ctx, const struct wren_scheme_request *req, void *file, int64_t offset, uint32_t whence,
                      uint64_t pos)
{
    (void)ctx, (void)req, (void)file, (void)offset, (void)whence, (void)pos;
    return -E_SPIPE;
}

static void describe(struct wren_stat *st)
{
    memset(st, 0, sizeof(*st));
    st->type = WREN_FILE_TYPE_CHAR_DEVICE;
}

static long rand_fstat(void *ctx, const struct wren_scheme_request *req, void *file, struct wren_stat *st)
{
    (void)ctx, (void)req, (void)file;
    describe(st);
    return 0;
}

static long rand_stat(void *ctx, const struct wren_scheme_request *req, const char *path, struct wren_stat *st)
{
    (void)ctx, (void)req;
    if (strcmp(path, "/") != 0)
        return -E_NOENT;
    describe(st);
    return 0;
}

static const struct wren_scheme_ops rand_ops = {
    .open = rand_open,
    .read = rand_read,
    .write = rand_write,
    .seek = rand_seek,
    .fstat = rand_fstat,
    .stat = rand_stat,
};

int rng_serve(void)
{
    static struct entropy e;
    if (entropy_open(&e) < 0)
        return 1; /* no device on this machine: nothing to serve (silently: init starts it everywhere) */
    long server = wren_scheme_register_name("rand");
    if (server < 0) {
        entropy_close(&e);
        return 1;
    }
    wren_port_drop_privilege();
    long r = wren_scheme_serve((wren_handle_t)server, &rand_ops, &e);
    entropy_close(&e);
    return r < 0 ? 1 : 0;
}
