/*
 * The names of the device tree's devices inside the mmio and irq schemes (mmio_scheme.c, irq_scheme.c), which
 * share them: the root lists `_compatible` and then the devices (each under its node's name), `_compatible/` lists
 * the compatible strings those devices name, `_compatible/<string>/` the devices that list <string>, and a path of
 * several components is a path of the tree ("/soc/serial@11000000"). Each scheme lists only the devices its `want`
 * accepts (irq: those with an interrupt).
 */
#ifndef WREN_SCHEME_DEVICE_PATHS_H
#define WREN_SCHEME_DEVICE_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syscall_table.h"

enum device_path_kind {
    DEVICE_PATH_ROOT,       /* "/" */
    DEVICE_PATH_DEVICE,     /* a device: node */
    DEVICE_PATH_COMPAT_DIR, /* "/_compatible" */
    DEVICE_PATH_COMPAT,     /* "/_compatible/<string>": compat[0..compat_len) */
};

struct device_path {
    enum device_path_kind kind;
    int node;
    const char *compat;
    size_t compat_len;
};

/* Which devices a scheme offers. */
typedef bool (*device_want_fn)(int node);

/* What path names among the devices `want` accepts: 0 and *p, or -E_NOENT, -E_NOTDIR (a device with a "/" after). */
long device_path_parse(const char *path, size_t len, device_want_fn want, struct device_path *p);
/* stat and readdir of what parse found (st and d zeroed by the caller); a device is a char device whose size is its
 * register size and id its physical base address. */
long device_path_stat(const struct device_path *p, device_want_fn want, struct wren_stat *st);
long device_path_readdir(const struct device_path *p, device_want_fn want, uint64_t index, struct wren_dirent *d);

#endif
