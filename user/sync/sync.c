/*
 * sync: write back everything every mounted file system holds (fsync of each mount point's root, which a
 * filesystem server answers by writing all it has to its device). The RAM file system has nothing to write.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wren/mounts.h>

int main(void)
{
    FILE *f = wren_mounts_open();
    struct wren_mount_entry m;
    int status = 0;
    if (!f) {
        fprintf(stderr, "sync: " WREN_MOUNTS_FILE ": %s\n", strerror(errno));
        return 1;
    }
    while (wren_mounts_next(f, &m)) {
        int fd = open(m.point, O_RDONLY);
        if (fd < 0 || (fsync(fd) < 0 && errno != EINVAL)) {
            fprintf(stderr, "sync: %s: %s\n", m.point, strerror(errno));
            status = 1;
        }
        if (fd >= 0)
            close(fd);
    }
    fclose(f);
    return status;
}
