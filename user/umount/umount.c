/*
 * umount DIR: write everything the mounted filesystem holds back to its device, remove the mount, and stop the
 * filesystem server that mount started for it (its pid is in /run/mount/<scheme>.pid). Needs the system privilege,
 * as mount does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wren/libc.h>
#include <wren/mounts.h>
#include <wren/syscalls.h>

/* The scheme mounted at `dir`, from /scheme/sys/mounts ("scheme options point" lines): 0, or -1 if none. */
static int mounted_scheme(const char *dir, char *scheme, size_t size)
{
    char cwd[512], want[600];
    int found = -1;
    /* The table holds canonical absolute paths; compare with dir made so (relative to here, no trailing '/'). */
    if (dir[0] != '/' && getcwd(cwd, sizeof(cwd)))
        snprintf(want, sizeof(want), "%s/%s", strcmp(cwd, "/") ? cwd : "", dir);
    else
        snprintf(want, sizeof(want), "%s", dir);
    size_t wl = strlen(want);
    while (wl > 1 && want[wl - 1] == '/')
        want[--wl] = 0;
    FILE *f = wren_mounts_open();
    struct wren_mount_entry m;
    if (!f)
        return -1;
    while (wren_mounts_next(f, &m))
        if (!strcmp(m.point, want) && strlen(m.scheme) < size) {
            strcpy(scheme, m.scheme);
            found = 0;
        }
    fclose(f);
    return found;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: umount DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    char scheme[64];
    if (mounted_scheme(dir, scheme, sizeof(scheme)) < 0) {
        fprintf(stderr, "umount: %s: not a mount point\n", dir);
        return 1;
    }
    /* Write back first, while the mount still names the volume. */
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        if (fsync(fd) < 0 && errno != EINVAL && errno != ENOTSUP)
            fprintf(stderr, "umount: %s: sync: %s\n", dir, strerror(errno));
        close(fd);
    }
    long err = wren_umount(dir, strlen(dir));
    if (err) {
        fprintf(stderr, "umount: %s: %s%s\n", dir, strerror(wren_errno_from(err)),
                err == -E_PERM ? " (unmounting needs the system privilege, which init has and the shell does not)"
                               : "");
        return 1;
    }
    char path[96];
    snprintf(path, sizeof(path), "/run/mount/%s.pid", scheme);
    FILE *f = fopen(path, "r");
    long pid = 0;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
        unlink(path);
    }
    if (pid > 1)
        wren_kill((int32_t)pid, WREN_SIGNAL_SIGTERM); /* it has nothing left to write: the sync above did it */
    return 0;
}
