/* rm [-r] path...: remove files; with -r also directories and everything in them. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wren/syscalls.h>

static int recursive;

static int is_dir(const char *path)
{
    struct wren_stat st;
    return wren_stat(path, strlen(path), &st) == 0 && st.type == WREN_FILE_TYPE_DIRECTORY;
}

static int remove_path(const char *path)
{
    if (recursive && is_dir(path)) {
        char full[512];
        DIR *d;
        struct dirent *e;
        /* Entries move down as they are removed: always take the first one again. */
        while ((d = opendir(path)) && (e = readdir(d))) {
            snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
            closedir(d);
            if (remove_path(full))
                return 1;
        }
        if (d)
            closedir(d);
        if (rmdir(path) < 0) {
            fprintf(stderr, "rm: %s: %s\n", path, strerror(errno));
            return 1;
        }
        return 0;
    }
    if (unlink(path) < 0) {
        fprintf(stderr, "rm: %s: %s\n", path, errno == EISDIR ? "is a directory (use rm -r)" : strerror(errno));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int i = 1, status = 0;
    if (argc > 1 && strcmp(argv[1], "-r") == 0)
        recursive = 1, i = 2;
    if (i >= argc || argv[i][0] == '-') {
        fprintf(stderr, "usage: rm [-r] path...\n");
        return 2;
    }
    for (; i < argc; i++)
        status |= remove_path(argv[i]);
    return status;
}
