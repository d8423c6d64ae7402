/* The scheme server helper (wren/scheme_server.h): requests to callbacks, and the serve loop. */
#include <string.h>

#include <wren/scheme_server.h>
#include <wren/syscalls.h>

long wren_scheme_register_name(const char *name)
{
    return wren_scheme_register(name, strlen(name));
}

long wren_scheme_open_root_read_only(const char *path, uint32_t flags)
{
    if (strcmp(path, "/") != 0)
        return -E_NOENT;
    if (flags & (WREN_OPEN_WRITE | WREN_OPEN_CREATE | WREN_OPEN_TRUNCATE | WREN_OPEN_APPEND))
        return -E_ACCES;
    return 0;
}

static long default_seek(int64_t offset, uint32_t whence, uint64_t pos)
{
    int64_t base;
    if (whence == WREN_WHENCE_SET)
        base = 0;
    else if (whence == WREN_WHENCE_CUR)
        base = (int64_t)pos;
    else
        return whence == WREN_WHENCE_END ? -E_SPIPE : -E_INVAL;
    if ((offset < 0 && base + offset < 0) || (offset > 0 && base > INT64_MAX - offset))
        return -E_INVAL;
    return base + offset;
}

int wren_scheme_dispatch(const struct wren_scheme_ops *ops, void *ctx, const struct wren_scheme_request *req,
                         struct wren_scheme_reply *reply)
{
    void *file = (void *)(uintptr_t)req->id; /* the kernel gives back only ids our open replies chose */
    const char *path = (const char *)(uintptr_t)req->buf;
    void *buf = (void *)(uintptr_t)req->buf;
    long r = -E_NOTSUP;

    reply->tag = req->tag;
    reply->id = 0;
    switch (req->op) {
    case WREN_SCHEME_OP_CLOSE:
        if (ops->close)
            ops->close(ctx, file);
        return 1;
    case WREN_SCHEME_OP_CANCEL:
        if (ops->cancel)
            ops->cancel(ctx, req->tag);
        return 1;
    case WREN_SCHEME_OP_OPEN:
        if (ops->open) {
            void *f = NULL;
            r = ops->open(ctx, req, path, req->flags, &f);
            reply->id = (uint64_t)(uintptr_t)f;
        }
        break;
    case WREN_SCHEME_OP_READ:
        if (ops->read)
            r = ops->read(ctx, req, file, buf, (size_t)req->len, req->offset);
        break;
    case WREN_SCHEME_OP_WRITE:
        if (ops->write)
            r = ops->write(ctx, req, file, buf, (size_t)req->len, req->offset);
        break;
    case WREN_SCHEME_OP_SEEK:
        r = ops->seek ? ops->seek(ctx, req, file, (int64_t)req->offset, req->flags, req->len)
                      : default_seek((int64_t)req->offset, req->flags, req->len);
        break;
    case WREN_SCHEME_OP_FSTAT:
        if (ops->fstat) {
            memset(buf, 0, sizeof(struct wren_stat));
            r = ops->fstat(ctx, req, file, buf);
        }
        break;
    case WREN_SCHEME_OP_STAT:
        if (ops->stat) {
            struct wren_stat st;
            memset(&st, 0, sizeof(st));
            r = ops->stat(ctx, req, path, &st);
            memcpy(buf, &st, sizeof(st)); /* the path was in the same buffer */
        }
        break;
    case WREN_SCHEME_OP_READDIR:
        if (ops->readdir) {
            struct wren_dirent d;
            memset(&d, 0, sizeof(d));
            r = ops->readdir(ctx, req, path, req->offset, &d);
            memcpy(buf, &d, sizeof(d));
        }
        break;
    case WREN_SCHEME_OP_UNLINK:
        if (ops->unlink)
            r = ops->unlink(ctx, req, path);
        break;
    case WREN_SCHEME_OP_MKDIR:
        if (ops->mkdir)
            r = ops->mkdir(ctx, req, path, req->flags);
        break;
    case WREN_SCHEME_OP_RMDIR:
        if (ops->rmdir)
            r = ops->rmdir(ctx, req, path);
        break;
    case WREN_SCHEME_OP_RENAME:
        if (ops->rename)
            r = ops->rename(ctx, req, path, path + req->len + 1);
        break;
    case WREN_SCHEME_OP_TRUNCATE:
        if (ops->truncate)
            r = ops->truncate(ctx, req, path, req->offset);
        break;
    case WREN_SCHEME_OP_FTRUNCATE:
        if (ops->ftruncate)
            r = ops->ftruncate(ctx, req, file, req->offset);
        break;
    case WREN_SCHEME_OP_FSYNC: r = ops->fsync ? ops->fsync(ctx, req, file) : 0; break;
    case WREN_SCHEME_OP_STATFS:
        if (ops->statfs) {
            struct wren_statfs st;
            memset(&st, 0, sizeof(st));
            r = ops->statfs(ctx, req, path, &st);
            memcpy(buf, &st, sizeof(st)); /* the path was in the same buffer */
        }
        break;
    default: break;
    }
    reply->result = r;
    return 0;
}

long wren_scheme_serve(wren_handle_t server, const struct wren_scheme_ops *ops, void *ctx)
{
    _Alignas(16) uint8_t data[WREN_SCHEME_SERVE_BUF]; /* on the stack: a thread per loop may serve at once */
    struct wren_scheme_request req;
    struct wren_scheme_reply reply;
    const struct wren_scheme_reply *answer = NULL;

    for (;;) {
        long err = wren_scheme_reply_receive(server, answer, &req, data, sizeof(data));
        if (err == -E_INTR || (answer && (err == -E_NOENT || err == -E_INVAL || err == -E_FAULT))) {
            /* Interrupted, or the answer was refused (its client gave up, or a bad result): go on receiving. */
            answer = NULL;
            continue;
        }
        if (err)
            return err;
        answer = wren_scheme_dispatch(ops, ctx, &req, &reply) ? NULL : &reply;
    }
}
