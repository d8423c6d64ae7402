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

/* How long a busy transport is tried again: another driver (rng, started with us) holds each page only briefly while it
 * looks for its own device, and one that holds a page for good keeps it busy through every try. */
#define BUSY_RETRIES 50
#define BUSY_WAIT_NS 20000000

/*
 * Open every block device among the transports: how many. Others are closed again untouched (virtio_open only reads
 * their identity). A transport that cannot be opened because its page is held (E_BUSY) is tried again for up to a
 * second, so that two drivers starting together do not each skip the other's device.
 */
static unsigned open_all(void)
{
    static char busy[32][64];
    unsigned n = 0, nbusy = 0;
    DIR *dir = opendir(TRANSPORTS);
    if (!dir)
        return 0;
    struct dirent *e;
    while (n < BLKDEV_MAX && (e = readdir(dir)) != NULL) {
        char node[64];
        if (snprintf(node, sizeof(node), "/%s", e->d_name) >= (int)sizeof(node))
            continue;
        long r = disk_open(&disks[n], node);
        if (r == 0)
            n++;
        else if (r == -E_BUSY && nbusy < 32)
            memcpy(busy[nbusy++], node, sizeof(node));
    }
    closedir(dir);
    for (int round = 0; nbusy && n < BLKDEV_MAX && round < BUSY_RETRIES; round++) {
        wren_sleep(BUSY_WAIT_NS);
        unsigned still = 0;
        for (unsigned i = 0; i < nbusy && n < BLKDEV_MAX; i++) {
            long r = disk_open(&disks[n], busy[i]);
            if (r == 0)
                n++;
            else if (r == -E_BUSY)
                memcpy(busy[still++], busy[i], sizeof(busy[i]));
        }
        nbusy = still;
    }
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
