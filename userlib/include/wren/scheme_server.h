/*
 * Writing a user-space scheme server as a table of callbacks (interface/scheme_protocol.yaml is the protocol it
 * speaks; interface/syscalls/scheme_server.yaml the calls under it).
 *
 *     static long my_read(void *ctx, const struct wren_scheme_request *req, void *file, void *buf, size_t len,
 *                         uint64_t offset) { ...; return bytes; }
 *     static const struct wren_scheme_ops ops = { .open = my_open, .read = my_read };
 *     long server = wren_scheme_register("demo", 4);        // needs the system privilege
 *     wren_scheme_serve((wren_handle_t)server, &ops, my_ctx); // returns only on an error
 *
 * Every callback returns what the client's call returns: a value >= 0 (bytes, a position, 0) or a negative
 * -E_* code. A callback left NULL answers E_NOTSUP (seek: SET and CUR are computed, END is E_SPIPE; close and
 * cancel: nothing is done). `req` is the request as it came (the caller's pid, pgid, sid and privilege, the raw
 * fields); paths are NUL terminated, inside the scheme, absolute ("/" for its root). `file` is what open stored in
 * *file: the per-open-file context, given back to every operation on that file and to close, which is the last use.
 * A read or write buffer is valid only until the callback returns (a grant of the client's own pages for 16 KiB or
 * more: the bytes are in place, nothing is copied).
 */
#ifndef WREN_SCHEME_SERVER_H
#define WREN_SCHEME_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <wren/abi.h>

struct wren_scheme_ops {
    long (*open)(void *ctx, const struct wren_scheme_request *req, const char *path, uint32_t flags, void **file);
    long (*read)(void *ctx, const struct wren_scheme_request *req, void *file, void *buf, size_t len, uint64_t offset);
    long (*write)(void *ctx, const struct wren_scheme_request *req, void *file, const void *buf, size_t len,
                  uint64_t offset);
    /* The new position for `offset` from `whence` (WREN_WHENCE_*), `pos` being the current one. */
    long (*seek)(void *ctx, const struct wren_scheme_request *req, void *file, int64_t offset, uint32_t whence,
                 uint64_t pos);
    long (*fstat)(void *ctx, const struct wren_scheme_request *req, void *file, struct wren_stat *st);
    void (*close)(void *ctx, void *file);
    long (*stat)(void *ctx, const struct wren_scheme_request *req, const char *path, struct wren_stat *st);
    /* Entry `index` of directory `path`, or -E_NOENT past the last. */
    long (*readdir)(void *ctx, const struct wren_scheme_request *req, const char *path, uint64_t index,
                    struct wren_dirent *d);
    long (*unlink)(void *ctx, const struct wren_scheme_request *req, const char *path);
    long (*mkdir)(void *ctx, const struct wren_scheme_request *req, const char *path, uint32_t mode);
    long (*rmdir)(void *ctx, const struct wren_scheme_request *req, const char *path);
    long (*rename)(void *ctx, const struct wren_scheme_request *req, const char *old_path, const char *new_path);
    long (*truncate)(void *ctx, const struct wren_scheme_request *req, const char *path, uint64_t size);
    long (*ftruncate)(void *ctx, const struct wren_scheme_request *req, void *file, uint64_t size);
    long (*fsync)(void *ctx, const struct wren_scheme_request *req, void *file); /* NULL: 0, nothing to write back */
    /* The client of request `tag` gave up (a signal); a synchronous server has nothing to do. */
    void (*cancel)(void *ctx, uint64_t tag);
    /* Size and free space of the file system `path` is on (statfs; `st` is zeroed). */
    long (*statfs)(void *ctx, const struct wren_scheme_request *req, const char *path, struct wren_statfs *st);
};

/* Bytes of the buffer the serve loop receives into: reads and writes up to this size are copied, not granted. */
#define WREN_SCHEME_SERVE_BUF 16384

/* Register scheme `name` (NUL terminated): its server handle, or a negative -E_* (E_PERM without privilege). */
long wren_scheme_register_name(const char *name);

/*
 * The open check of a scheme that is one read-only stream at its root (a device such as rand or rtc): 0 if `path` is
 * "/" and `flags` ask only to read, -E_NOENT for any other path, -E_ACCES for write, create, truncate or append.
 */
long wren_scheme_open_root_read_only(const char *path, uint32_t flags);

/* Answer one request with the callbacks: fills *reply (tag and result; id for an open). 0 if the request needs a
 * reply, 1 for a notification (close, cancel), which needs none. For servers with a loop of their own. */
int wren_scheme_dispatch(const struct wren_scheme_ops *ops, void *ctx, const struct wren_scheme_request *req,
                         struct wren_scheme_reply *reply);

/*
 * Serve requests on `server` with the callbacks, one scheme_reply_receive per request, until a call fails for a
 * reason other than an interruption or a refused reply: returns that -E_* (the handle is bad, for instance).
 */
long wren_scheme_serve(wren_handle_t server, const struct wren_scheme_ops *ops, void *ctx);

#endif
