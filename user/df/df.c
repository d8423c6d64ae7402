/*
 * df [PATH...]: size, use and free space of file systems (the statfs syscall), in KiB. Without a path: the root and
 * every mount point (/scheme/sys/mounts).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <wren/libc.h>
#include <wren/mounts.h>
#include <wren/syscalls.h>

static int show(const char *path, const char *what)
{
    struct wren_statfs st;
    long err = wren_statfs(path, strlen(path), &st);
    if (err) {
        fprintf(stderr, "df: %s: %s\n", path, strerror(wren_errno_from(err)));
        return 1;
    }
    unsigned long long unit = st.block_size ? st.block_size : 1;
    unsigned long long total = st.blocks * unit / 1024, avail = st.blocks_free * unit / 1024;
    unsigned long long used = st.blocks >= st.blocks_free ? (st.blocks - st.blocks_free) * unit / 1024 : 0;
    unsigned pct = total ? (unsigned)((used * 100 + total - 1) / total) : 0;
    printf("%-12s %10llu %10llu %10llu %3u%% %s%s\n", what, total, used, avail, pct, path,
           st.flags & WREN_STATFS_READ_ONLY ? " (ro)" : "");
    return 0;
}

int main(int argc, char **argv)
{
    int status = 0;
    printf("%-12s %10s %10s %10s %4s %s\n", "Filesystem", "1K-blocks", "Used", "Available", "Use%", "Mounted on");
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            status |= show(argv[i], "-");
        return status;
    }
    status |= show("/", "file");
    FILE *f = wren_mounts_open();
    struct wren_mount_entry m;
    if (!f)
        return status;
    while (wren_mounts_next(f, &m))
        status |= show(m.point, m.scheme);
    fclose(f);
    return status;
}
