/*
 * sync: write back everything every mounted file system holds (fsync of each mount point's root, which a
 * filesystem server answers by writing all it has to its device). The RAM file system has nothing to write.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    FILE *f = fopen("/scheme/sys/mounts", "r");
    char line[600], scheme[64], opts[8];
    int n, status = 0;
    if (!f) {
        fprintf(stderr, "sync: /scheme/sys/mounts: %s\n", strerror(errno));
        return 1;
    }
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "%63s %7s %n", scheme, opts, &n) == 2 && strcmp(scheme, "scheme")) {
            line[strcspn(line, "\n")] = 0;
            const char *dir = line + n;
            int fd = open(dir, O_RDONLY);
            if (fd < 0 || (fsync(fd) < 0 && errno != EINVAL)) {
                fprintf(stderr, "sync: %s: %s\n", dir, strerror(errno));
                status = 1;
            }
            if (fd >= 0)
                close(fd);
        }
    fclose(f);
    return status;
}
