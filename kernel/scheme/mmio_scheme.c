/*
 * The `mmio` scheme: the registers of the device tree's devices, for user-space drivers (privileged: only a process
 * holding the system privilege reaches it). Opening a device is device_open (objects/device.c), by a name instead of
 * a syscall of its own:
 *
 *   /<node>                    the device whose node is called <node> ("pl031@9010000", "virtio_mmio@a000000"): the
 *                              first in document order of the nodes the root lists. The descriptor is a device
 *                              handle: mmap of it maps the registers, device_info describes them, event_subscribe
 *                              (WREN_EVENT_IRQ) takes its interrupt; it carries WREN_RIGHT_MAP besides the rights
 *                              its open flags give. A device is open in one place at a time (E_BUSY).
 *   /<path>/<node>             the node at that path of the tree ("/soc/serial@11000000"): for nodes below the root
 *                              whose names repeat.
 *   /_compatible/              a directory of every compatible string the listed devices name ...
 *   /_compatible/<string>/     ... each a directory of the devices whose "compatible" lists <string>, in document
 *                              order: how a driver finds its devices without opening (and so claiming) others.
 *
 * readdir of the root lists `_compatible` and then every device a driver may open (enabled, registers described,
 * not one the kernel drives), each a char device whose dirent/stat size is its register size and id its physical
 * base address (scheme/device_paths.c, which the irq scheme shares).
 */
#include <wren/abi.h>

#include "objects/device.h"
#include "scheme/device_paths.h"
#include "scheme/kernel_schemes.h"
#include "scheme/scheme.h"

/* Every device a driver may open (device_list has left out the rest). */
static bool every_device(int node)
{
    (void)node;
    return true;
}

static long mmio_open(struct scheme *s, const char *path, size_t len, uint32_t flags, struct kobject **out)
{
    (void)s;
    struct device_path p;
    long err = device_path_parse(path, len, every_device, &p);
    if (err)
        return err;
    if (p.kind != DEVICE_PATH_DEVICE)
        return -E_ISDIR;
    if ((flags & (WREN_OPEN_CREATE | WREN_OPEN_EXCL)) == (WREN_OPEN_CREATE | WREN_OPEN_EXCL))
        return -E_EXIST;
    err = device_open_node(p.node, out);
    if (!err)
        (*out)->open_flags = flags;
    return err;
}

static long mmio_stat(struct scheme *s, const char *path, size_t len, struct wren_stat *st)
{
    (void)s;
    struct device_path p;
    long err = device_path_parse(path, len, every_device, &p);
    return err ? err : device_path_stat(&p, every_device, st);
}

static long mmio_readdir(struct scheme *s, const char *path, size_t len, uint64_t index, struct wren_dirent *d)
{
    (void)s;
    struct device_path p;
    long err = device_path_parse(path, len, every_device, &p);
    return err ? err : device_path_readdir(&p, every_device, index, d);
}

static const struct scheme_ops mmio_scheme_ops = {
    .open = mmio_open,
    .stat = mmio_stat,
    .readdir = mmio_readdir,
};

static struct scheme mmio_scheme = {
    .ops = &mmio_scheme_ops,
    .name = "mmio",
    .name_len = 4,
    .privileged = true,
    .open_rights = WREN_RIGHT_MAP,
};

void mmio_scheme_init(void)
{
    kernel_scheme_register(&mmio_scheme);
}
