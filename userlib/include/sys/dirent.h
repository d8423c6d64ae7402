/*
 * Directory streams for picolibc's <dirent.h>, which includes this file for the types (its own
 * sys/dirent.h is a stub that refuses to compile). Implemented in userlib/libc/dir.c over the
 * readdir syscall, which reads one entry by index.
 */
#ifndef WREN_SYS_DIRENT_H
#define WREN_SYS_DIRENT_H

#include <sys/types.h>

#define DT_UNKNOWN 0
#define DT_DIR     4
#define DT_REG     8
#define DT_CHR     2
#define DT_FIFO    1

struct dirent {
    ino_t d_ino;
    unsigned char d_type; /* DT_* */
    char d_name[256];
};

typedef struct wren_dir DIR;

#endif
