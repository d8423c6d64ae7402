/* The root file system: the initrd unpacked into a ramfs at boot (see rootfs.h). */
#include <wren/abi.h>

#include "console.h"
#include "fs/ramfs_initrd.h"
#include "fs/rootfs.h"
#include "panic.h"
#include "timer.h"

static struct ramfs *root;

/* A bad initrd entry costs that entry, not the boot: say which and why. */
static void report(size_t offset, const char *path, const char *why)
{
    kprintf("initrd: entry at offset %lu%s%s skipped: %s\n", (unsigned long)offset, path ? " " : "", path ? path : "",
            why);
}

void rootfs_init(const void *initrd, size_t size)
{
    root = ramfs_new(timer_now_ns);
    if (!root)
        panic("rootfs: no memory for the root directory");
    if (initrd) {
        size_t n = ramfs_load_tar(root, initrd, size, report);
        kprintf("rootfs: %lu files and directories from the initrd\n", (unsigned long)n);
    }
}

struct ramfs *rootfs(void)
{
    return root;
}

void rootfs_stat(const struct ramfs_node *n, struct wren_stat *st)
{
    struct ramfs_stat rs;
    ramfs_stat(n, &rs);
    st->type = rs.type == RAMFS_DIR ? WREN_FILE_TYPE_DIRECTORY : WREN_FILE_TYPE_REGULAR;
    st->size = rs.size;
    st->id = rs.id;
    st->block_size = RAMFS_CHUNK;
    st->mtime.sec = (int64_t)(rs.mtime_ns / 1000000000u);
    st->mtime.nsec = (uint32_t)(rs.mtime_ns % 1000000000u);
}
