/*
 * Finding a virtio device by its ID (<wren/virtio.h>). QEMU virt's device tree has 32 "virtio,mmio" transports and
 * puts each -device on one of them; the rest read DeviceID 0 (§4.2.3.1.1). So every transport node is opened,
 * checked and closed again until one holds a device of the wanted kind.
 *
 * The transports come from the device tree: the mmio scheme lists, under /scheme/mmio/_compatible/virtio,mmio/,
 * every node whose "compatible" names a virtio-mmio transport, in document order, without opening any (the
 * binding: Linux's Documentation/devicetree/bindings/virtio/mmio.yaml). Nothing else is ever opened: reading
 * offset 0 of another kind of device could disturb it.
 *
 * QEMU virt's transports are eight to a page and a page opens for one driver at a time, so two drivers starting
 * together (init starts rng and vblk at once) can find a transport busy only because the other is looking at it:
 * a pass that found nothing but met a busy page is tried again, for up to a second.
 */
#include <dirent.h>
#include <string.h>
#include <wren/syscalls.h>
#include <wren/virtio.h>

#define NODE_MAX   128 /* device_open's longest name */
#define TRANSPORTS "/scheme/mmio/_compatible/virtio,mmio"

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
 * One pass over the transports: 0 when found, else -E_NOENT, with *busy set if a transport could not be opened
 * because its page was held (E_BUSY: another driver has it or one beside it, for good or while it looks).
 */
static long scan(struct virtio_dev *v, uint32_t device_id, char *node, size_t node_size, int *busy)
{
    DIR *d = opendir(TRANSPORTS);
    if (!d)
        return -E_NOENT; /* no transport in the tree (or no mmio scheme in our namespace) */
    long r = -E_NOENT;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[NODE_MAX + 1];
        size_t n = strlen(e->d_name);
        if (n + 1 > NODE_MAX)
            continue;
        path[0] = '/';
        memcpy(path + 1, e->d_name, n + 1);
        long t = try_node(v, path, device_id);
        if (t == 0) {
            copy_node(node, node_size, path);
            r = 0;
            break;
        }
        if (t == -E_BUSY)
            *busy = 1;
    }
    closedir(d);
    return r;
}

/* How long to keep looking while some transport's page is held: another driver's scan holds each page briefly. */
#define BUSY_RETRIES 50
#define BUSY_WAIT_NS 20000000

long virtio_find(struct virtio_dev *v, uint32_t device_id, char *node, size_t node_size)
{
    *v = (struct virtio_dev){.dev = {.handle = -1, .queue = -1}};
    for (int round = 0;; round++) {
        int busy = 0;
        long r = scan(v, device_id, node, node_size, &busy);
        if (r == 0 || !busy || round == BUSY_RETRIES)
            return r;
        wren_sleep(BUSY_WAIT_NS);
    }
}
