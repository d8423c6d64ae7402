/*
 * Finding a virtio device by its ID (<wren/virtio.h>). QEMU virt's device tree has 32 "virtio,mmio" transports and
 * puts each -device on one of them; the rest read DeviceID 0 (§4.2.3.1.1). So every transport node is opened,
 * checked and closed again until one holds a device of the wanted kind.
 *
 * The node names come from the device tree, listed by readdir of /scheme/mmio (the kernel's mmio scheme lists the
 * nodes a driver may open). Only nodes named as virtio-mmio transports are opened ("virtio_mmio@<address>" in
 * QEMU's tree, "virtio@<address>" in others): reading offset 0 of another kind of device could disturb it.
 */
#include <dirent.h>
#include <string.h>
#include <wren/syscalls.h>
#include <wren/virtio.h>

#define NODE_MAX 128 /* device_open's longest name */

/* Try the transport at `node`: 0 and v open on it if it holds a device_id device, else a negative E_*. */
static long try_node(struct virtio_dev *v, const char *node, uint32_t device_id)
{
    long r = virtio_open(v, node);
    if (r < 0)
        return r;
    if (v->device_id == device_id)
        return 0;
    virtio_close(v, NULL); /* leaves the device untouched: virtio_open only read its identity */
    return -E_NOENT;
}

static int is_transport_name(const char *name)
{
    return strncmp(name, "virtio_mmio@", 12) == 0 || strncmp(name, "virtio@", 7) == 0;
}

static void copy_node(char *out, size_t size, const char *node)
{
    if (!out || size == 0)
        return;
    size_t n = strlen(node);
    if (n >= size)
        n = size - 1;
    memcpy(out, node, n);
    out[n] = 0;
}

/*
 * Every transport node the mmio scheme lists: 0 on a match, E_NOENT if none matched, E_NOSYS if nothing could be
 * listed at all (no mmio scheme, or one that does not list its nodes yet).
 */
static long find_listed(struct virtio_dev *v, uint32_t device_id, char *node, size_t node_size)
{
    DIR *d = opendir("/scheme/mmio");
    if (!d)
        return -E_NOSYS;
    long r = -E_NOSYS;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (r == -E_NOSYS)
            r = -E_NOENT; /* the scheme lists nodes: its answer is final */
        /* A node below the root is listed by its path ("soc/virtio@..."): the last part names it. */
        const char *base = strrchr(e->d_name, '/');
        base = base ? base + 1 : e->d_name;
        char path[NODE_MAX + 1];
        size_t n = strlen(e->d_name);
        if (!is_transport_name(base) || n + 1 > NODE_MAX)
            continue;
        path[0] = '/';
        memcpy(path + 1, e->d_name, n + 1);
        if (try_node(v, path, device_id) == 0) {
            copy_node(node, node_size, path);
            r = 0;
            break;
        }
    }
    closedir(d);
    return r;
}

/*
 * Until the mmio scheme lists its nodes (issue 13, its kernel-schemes part): QEMU virt's transports, which its
 * device tree names virtio_mmio@<0xa000000 + 0x200 * i> for i in 0..31 (QEMU hw/arm/virt.c, create_virtio_devices).
 * Used only when /scheme/mmio lists nothing; delete it once the mmio scheme lists its nodes.
 */
static long find_qemu_virt(struct virtio_dev *v, uint32_t device_id, char *node, size_t node_size)
{
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        char path[32] = "/virtio_mmio@";
        uint32_t addr = 0xa000000u + 0x200u * i;
        char digits[8];
        int nd = 0;
        do {
            digits[nd++] = hex[addr & 15];
            addr >>= 4;
        } while (addr);
        size_t p = strlen(path);
        while (nd)
            path[p++] = digits[--nd];
        path[p] = 0;
        if (try_node(v, path, device_id) == 0) {
            copy_node(node, node_size, path);
            return 0;
        }
    }
    return -E_NOENT;
}

long virtio_find(struct virtio_dev *v, uint32_t device_id, char *node, size_t node_size)
{
    *v = (struct virtio_dev){.dev = {.handle = -1, .queue = -1}};
    long r = find_listed(v, device_id, node, node_size);
    if (r == -E_NOSYS)
        r = find_qemu_virt(v, device_id, node, node_size);
    return r;
}
