/*
 * The fatfs scheme: userlib's scheme server callbacks over fat_ops.c. One request at a time (the serve loop is
 * single-threaded), so the volume needs no lock. An open file is its node plus the flags it was opened with.
 */
#include <stdlib.h>
#include <string.h>

#include <wren/scheme_server.h>

#include "fatfs.h"

struct open_file {
    struct fat_node *node;
    uint32_t flags;
};

static long fs_open(void *ctx, const struct wren_scheme_request *req, const char *path, uint32_t flags, void **file)
{
    (void)req;
    struct fat_vol *v = ctx;
    struct open_file *f = malloc(sizeof(*f));
    if (!f)
        return -E_NOMEM;
    long r = fat_open(v, path, flags, &f->node);
    if (r < 0) {
        free(f);
        return r;
    }
    f->flags = flags;
    *file = f;
    return 0;
}

static long fs_read(void *ctx, const struct wren_scheme_request *req, void *file, void *buf, size_t len,
                    uint64_t offset)
{
    (void)req;
    struct open_file *f = file;
    if (!(f->flags & WREN_OPEN_READ))
        return -E_BADF;
    return fat_node_read(ctx, f->node, buf, len, offset);
}

static long fs_write(void *ctx, const struct wren_scheme_request *req, void *file, const void *buf, size_t len,
                     uint64_t offset)
{
    (void)req;
    struct open_file *f = file;
    if (!(f->flags & WREN_OPEN_WRITE))
        return -E_BADF;
    if (f->flags & WREN_OPEN_APPEND)
        offset = f->node->size;
    return fat_node_write(ctx, f->node, buf, len, offset);
}

static long fs_seek(void *ctx, const struct wren_scheme_request *req, void *file, int64_t offset, uint32_t whence,
                    uint64_t pos)
{
    (void)ctx, (void)req;
    struct open_file *f = file;
    int64_t base = whence == WREN_WHENCE_SET   ? 0
                   : whence == WREN_WHENCE_CUR ? (int64_t)pos
                   : whence == WREN_WHENCE_END ? (int64_t)f->node->size
                                               : -1;
    if (base < 0)
        return -E_INVAL;
    if ((offset < 0 && base + offset < 0) || (offset > 0 && base > INT64_MAX - offset))
        return -E_INVAL;
    return base + offset;
}

static long fs_fstat(void *ctx, const struct wren_scheme_request *req, void *file, struct wren_stat *st)
{
    (void)req;
    struct open_file *f = file;
    fat_node_stat(ctx, f->node, st);
    st->open_flags = f->flags;
    return 0;
}

static void fs_close(void *ctx, void *file)
{
    struct open_file *f = file;
    fat_close(ctx, f->node);
    free(f);
}

static long fs_stat(void *ctx, const struct wren_scheme_request *req, const char *path, struct wren_stat *st)
{
    (void)req;
    return fat_stat(ctx, path, st);
}

static long fs_readdir(void *ctx, const struct wren_scheme_request *req, const char *path, uint64_t index,
                       struct wren_dirent *d)
{
    (void)req;
    return fat_readdir(ctx, path, index, d);
}

static long fs_unlink(void *ctx, const struct wren_scheme_request *req, const char *path)
{
    (void)req;
    return fat_unlink(ctx, path);
}

static long fs_mkdir(void *ctx, const struct wren_scheme_request *req, const char *path, uint32_t mode)
{
    (void)req, (void)mode;
    return fat_mkdir(ctx, path);
}

static long fs_rmdir(void *ctx, const struct wren_scheme_request *req, const char *path)
{
    (void)req;
    return fat_rmdir(ctx, path);
}

static long fs_rename(void *ctx, const struct wren_scheme_request *req, const char *from, const char *to)
{
    (void)req;
    return fat_rename(ctx, from, to);
}

static long fs_truncate(void *ctx, const struct wren_scheme_request *req, const char *path, uint64_t size)
{
    (void)req;
    return fat_truncate(ctx, path, size);
}

static long fs_ftruncate(void *ctx, const struct wren_scheme_request *req, void *file, uint64_t size)
{
    (void)req;
    struct open_file *f = file;
    if (!(f->flags & WREN_OPEN_WRITE))
        return ((struct fat_vol *)ctx)->read_only ? -E_ROFS : -E_BADF;
    return fat_node_truncate(ctx, f->node, size);
}

static long fs_fsync(void *ctx, const struct wren_scheme_request *req, void *file)
{
    (void)req;
    struct open_file *f = file;
    return fat_fsync(ctx, f->node);
}

static long fs_statfs(void *ctx, const struct wren_scheme_request *req, const char *path, struct wren_statfs *st)
{
    (void)req;
    return fat_statfs(ctx, path, st);
}

const struct wren_scheme_ops fatfs_ops = {
    .open = fs_open,
    .read = fs_read,
    .write = fs_write,
    .seek = fs_seek,
    .fstat = fs_fstat,
    .close = fs_close,
    .stat = fs_stat,
    .readdir = fs_readdir,
    .unlink = fs_unlink,
    .mkdir = fs_mkdir,
    .rmdir = fs_rmdir,
    .rename = fs_rename,
    .truncate = fs_truncate,
    .ftruncate = fs_ftruncate,
    .fsync = fs_fsync,
    .statfs = fs_statfs,
};
