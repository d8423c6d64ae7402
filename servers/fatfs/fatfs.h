/* The fatfs server: the volume (fat.h) served as a scheme (scheme.c) by main (fatfs.c). */
#ifndef FATFS_FATFS_H
#define FATFS_FATFS_H

#include <wren/scheme_server.h>

#include "fat.h"

extern const struct wren_scheme_ops fatfs_ops;

#endif
