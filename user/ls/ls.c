/*
 * ls [-l] [path...]: list directories (the current one by default) or name files. Each entry
 * shows its type (d directory, - file, c device, p pipe) and size; -l adds the file id.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <wren/syscalls.h>

static int long_format;

static char type_char(uint32_t t)
{
    switch (t) {
    case WREN_FILE_TYPE_DIRECTORY: return 'd';
    case WREN_FILE_TYPE_REGULAR: return '-';
    case WREN_FILE_TYPE_CHAR_DEVICE: return 'c';
    case WREN_FILE_TYPE_PIPE: return 'p';
    default: return '?';
    }
}

static void show(const char *name, const struct wren_stat *st)
{
    if (long_format)
        printf("%c %8llu %6llu %s%s\n", type_char(st->type), (unsigned long long)st->size, (unsigned long long)st->id,
               name, st->type == WREN_FILE_TYPE_DIRECTORY ? "/" : "");
    else
        printf("%c %8llu %s%s\n", type_char(st->type), (unsigned long long)st->size, name,
               st->type == WREN_FILE_TYPE_DIRECTORY ? "/" : "");
}

static int list(const char *path, int heading)
{
    struct wren_stat st;
    long r = wren_stat(path, strlen(path), &st);
    if (r < 0) {
        fprintf(stderr, "ls: %s: %s\n", path, r == -E_NOENT ? "No such file or directory" : "cannot stat");
        return 1;
    }
    if (st.type != WREN_FILE_TYPE_DIRECTORY) {
        show(path, &st);
        return 0;
    }
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (heading)
        printf("%s:\n", path);
    struct dirent *e;
    static char full[4200];
    while ((e = readdir(d))) {
        snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
        if (wren_stat(full, strlen(full), &st) == 0)
            show(e->d_name, &st);
    }
    closedir(d);
    return 0;
}

int main(int argc, char **argv)
{
    int i = 1, status = 0;
    if (argc > 1 && argv[1][0] == '-' && argv[1][1]) {
        if (strcmp(argv[1], "-l") != 0) {
            fprintf(stderr, "usage: ls [-l] [path...]\n");
            return 2;
        }
        long_format = 1;
        i = 2;
    }
    if (i == argc)
        return list(".", 0);
    for (int first = i; i < argc; i++)
        status |= list(argv[i], argc - first > 1);
    return status;
}
