/*
 * Names in the file system: directories, renaming, the current directory, and directory
 * streams (<dirent.h>) over the readdir syscall (interface/syscalls/fs.yaml).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wren/libc.h>
#include <wren/syscalls.h>

/* A stream remembers the path it was opened with and the index of the next entry to read. */
struct wren_dir {
    size_t next;
    size_t path_len;
    struct dirent ent;
    char path[];
};

int mkdir(const char *path, mode_t mode)
{
    (void)mode; /* nothing enforces permissions yet */
    return (int)wren_posix_result(wren_mkdir(path, strlen(path)));
}

int rmdir(const char *path)
{
    return (int)wren_posix_result(wren_rmdir(path, strlen(path)));
}

int rename(const char *old, const char *new)
{
    return (int)wren_posix_result(wren_rename(old, strlen(old), new, strlen(new)));
}

int chdir(const char *path)
{
    return (int)wren_posix_result(wren_chdir(path, strlen(path)));
}

char *getcwd(char *buf, size_t size)
{
    long r = wren_getcwd(buf, size);
    if (r < 0) {
        wren_posix_result(r);
        return NULL;
    }
    return buf;
}

int truncate(const char *path, off_t length)
{
    if (length < 0) {
        errno = EINVAL;
        return -1;
    }
    return (int)wren_posix_result(wren_truncate(path, strlen(path), (uint64_t)length));
}

DIR *opendir(const char *path)
{
    struct wren_stat st;
    size_t len = strlen(path);
    long r = wren_stat(path, len, &st);
    if (r < 0) {
        wren_posix_result(r);
        return NULL;
    }
    if (st.type != WREN_FILE_TYPE_DIRECTORY) {
        errno = ENOTDIR;
        return NULL;
    }
    DIR *d = malloc(sizeof(*d) + len + 1);
    if (!d)
        return NULL;
    d->next = 0;
    d->path_len = len;
    memcpy(d->path, path, len + 1);
    return d;
}

static unsigned char dt_of(uint32_t type)
{
    switch (type) {
    case WREN_FILE_TYPE_REGULAR: return DT_REG;
    case WREN_FILE_TYPE_DIRECTORY: return DT_DIR;
    case WREN_FILE_TYPE_CHAR_DEVICE: return DT_CHR;
    case WREN_FILE_TYPE_PIPE: return DT_FIFO;
    default: return DT_UNKNOWN;
    }
}

struct dirent *readdir(DIR *d)
{
    struct wren_dirent we;
    long r = wren_readdir(d->path, d->path_len, d->next, &we);
    if (r == -E_NOENT)
        return NULL; /* the end: errno untouched, as POSIX asks */
    if (r < 0) {
        wren_posix_result(r);
        return NULL;
    }
    d->next++;
    d->ent.d_ino = (ino_t)we.id;
    d->ent.d_type = dt_of(we.type);
    memcpy(d->ent.d_name, we.name, we.name_len);
    d->ent.d_name[we.name_len] = 0;
    return &d->ent;
}

void rewinddir(DIR *d)
{
    d->next = 0;
}

int closedir(DIR *d)
{
    free(d);
    return 0;
}
