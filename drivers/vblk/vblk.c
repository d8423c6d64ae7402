/*
 * /bin/vblk: the virtio block driver (drivers/README.md, "virtio-blk").
 *
 *   vblk -d   the service: open every virtio block device the device tree has (in the tree's order: up to
 *             BLKDEV_MAX), and serve them as the scheme `disk` (/scheme/disk/0, /1, ... and their partitions,
 *             drivers/lib/blkserve.c). Needs the privilege (init, what init forks).
 *
 * Exit status: 1 when there is no device (silently, so that init can start it on any machine) or the scheme cannot
 * be served; 2 on bad arguments.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <wren/syscalls.h>

#include "disk.h"

#define TRANSPORTS "/scheme/mmio/_compatible/virtio,mmio" /* as virtio_find looks: the tree's transport nodes */

static struct disk disks[BLKDEV_MAX];

/* Open every block device among the transports: how many. Others are closed again untouched (virtio_open only
 * reads their identity); a transport that cannot be opened (E_BUSY: it shares a page with an open one) is skipped. */
static unsigned open_all(void)
{
    unsigned n = 0;
    DIR *dir = opendir(TRANSPORTS);
    if (!dir)
        return 0;
    struct dirent *e;
    while (n < BLKDEV_MAX && (e = readdir(dir)) != NULL) {
        char node[64];
        if (snprintf(node, sizeof(node), "/%s", e->d_name) >= (int)sizeof(node))
            continue;
        if (disk_open(&disks[n], node) == 0)
            n++;
    }
    closedir(dir);
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "-d") != 0) {
        fprintf(stderr, "usage: vblk -d\n");
        return 2;
    }
    unsigned n = open_all();
    if (n == 0)
        return 1;
    struct blkdev *devs[BLKDEV_MAX];
    for (unsigned i = 0; i < n; i++)
        devs[i] = &disks[i].blk;
    long r = blkdev_serve("disk", devs, n);
    fprintf(stderr, "vblk: serving the disk scheme failed (%ld)\n", r);
    for (unsigned i = 0; i < n; i++)
        disk_close(&disks[i]);
    return 1;
}
