/* Filling a ramfs from the initrd's ustar archive (see ramfs_initrd.h). */
#include <wren/abi.h>

#include "fs/ramfs_initrd.h"
#include "lib/string.h"
#include "lib/tar.h"

/* Boot-time only, one CPU: static rather than 8 KiB of someone's stack. */
static struct tar_iter iter;
static char path[RAMFS_PATH_MAX + 2];

static const char *error_name(int err)
{
    switch (err) {
    case -E_NOMEM: return "out of memory";
    case -E_NOTDIR: return "a file is in the way of a directory above it";
    case -E_ISDIR: return "a directory of that name exists";
    case -E_EXIST: return "a file of that name exists";
    case -E_NAMETOOLONG: return "name too long";
    case -E_NOSPC: return "file too large";
    default: return "cannot be added";
    }
}

/* Make every directory above path[0..len) (path starts with "/"). */
static int make_parents(struct ramfs *fs, size_t len)
{
    for (size_t i = 1; i < len; i++) {
        if (path[i] != '/')
            continue;
        int err = ramfs_mkdir(fs, path, i, 0755);
        if (err && err != -E_EXIST)
            return err;
    }
    return 0;
}

static int add_entry(struct ramfs *fs, const struct tar_entry *e, size_t len)
{
    struct ramfs_node *n;
    int err = make_parents(fs, len);
    if (err)
        return err;
    if (e->type == TAR_DIRECTORY) {
        err = ramfs_mkdir(fs, path, len, e->mode);
        if (err == -E_EXIST && ramfs_lookup(fs, path, len, &n) == 0 && ramfs_type(n) == RAMFS_DIR)
            return 0; /* made already, for an entry below it */
        return err;
    }
    if (ramfs_lookup(fs, path, len, &n) == 0 && ramfs_type(n) == RAMFS_FILE)
        ramfs_unlink(fs, path, len); /* the later copy wins */
    return ramfs_create_borrowed(fs, path, len, e->mode, e->data, e->size);
}

size_t ramfs_load_tar(struct ramfs *fs, const void *archive, size_t size, ramfs_report_fn report)
{
    struct tar_entry e;
    size_t added = 0;
    int r;

    tar_iter_init(&iter, archive, size);
    while ((r = tar_next(&iter, &e)) != 0) {
        if (r < 0) {
            report(e.offset, 0, iter.error);
            continue;
        }
        if (e.type != TAR_REGULAR && e.type != TAR_DIRECTORY) {
            report(e.offset, e.path,
                   e.type == TAR_SYMLINK || e.type == TAR_HARDLINK ? "links are not supported"
                                                                   : "not a file or directory");
            continue;
        }
        if (e.path_len + 1 > RAMFS_PATH_MAX) {
            report(e.offset, e.path, "name too long");
            continue;
        }
        path[0] = '/';
        memcpy(path + 1, e.path, e.path_len + 1);
        size_t len = e.path_len + 1;
        if (len == 1 || (len == 2 && path[1] == '.') || (len == 3 && path[1] == '.' && path[2] == '/')) {
            if (e.type == TAR_DIRECTORY)
                continue; /* the root itself ("./") */
            report(e.offset, e.path, "a file cannot be the root");
            continue;
        }
        int err = add_entry(fs, &e, len);
        if (err)
            report(e.offset, e.path, error_name(err));
        else
            added++;
    }
    return added;
}
