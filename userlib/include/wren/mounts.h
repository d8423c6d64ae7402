/*
 * Reading the mount table, /scheme/sys/mounts (a header line "scheme options point", then one line per mount): what
 * mount, umount, df and sync share.
 *
 *     FILE *f = wren_mounts_open();
 *     struct wren_mount_entry m;
 *     while (f && wren_mounts_next(f, &m)) ...;
 *     if (f) fclose(f);
 */
#ifndef WREN_MOUNTS_H
#define WREN_MOUNTS_H

#include <stdio.h>

#define WREN_MOUNTS_FILE "/scheme/sys/mounts"

struct wren_mount_entry {
    char scheme[64];
    char options[8]; /* "rw" or "ro" */
    char point[512]; /* the mount point, absolute and canonical */
};

/* The table, opened for reading with its header line read past; NULL (errno set) if it cannot be opened. */
FILE *wren_mounts_open(void);
/* The next mount into *m: 1, or 0 at the end. */
int wren_mounts_next(FILE *f, struct wren_mount_entry *m);

#endif
