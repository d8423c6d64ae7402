/*
 * Device objects (device.h). The registers are not RAM: map_page hands out their physical
 * pages without a page reference, and the address space maps them as Device memory and never
 * gives them back to the page allocator (REGION_DEVICE in mm/vm.c).
 */
#include <wren/abi.h>

#include "irq.h"
#include "lib/list.h"
#include "mm/kmalloc.h"
#include "objects/device.h"

#define KERNEL_RANGES (PLATFORM_MAX_MEM + PLATFORM_MAX_RESERVED + 4)

struct device {
    struct kobject obj; /* first: the kobject pointer is the device pointer */
    struct list open;   /* open_devices */
    struct dt_device dt;
};

static const struct fdt *tree;
static uint64_t gic_dist;
static struct dt_range kernel_ranges[KERNEL_RANGES];
static int nkernel;
static struct list open_devices = LIST_INIT(open_devices);

static void add_range(uint64_t base, uint64_t size)
{
    if (size && nkernel < KERNEL_RANGES)
        kernel_ranges[nkernel++] = (struct dt_range){base, size};
}

void device_init(const struct fdt *f, const struct platform *p)
{
    tree = f;
    for (int i = 0; i < p->mem_count; i++)
        add_range(p->mem[i].base, p->mem[i].size);
    for (int i = 0; i < p->reserved_count; i++)
        add_range(p->reserved[i].base, p->reserved[i].size);
    /* The MMIO the kernel maps (main.c, init_memory): console UART and GIC. */
    if (p->console.present)
        add_range(p->console.base, p->console.size ? p->console.size : 0x1000);
    if (p->gic.present) {
        gic_dist = p->gic.dist_base;
        add_range(p->gic.dist_base, p->gic.dist_size);
        if (p->gic.version == 2)
            add_range(p->gic.cpu_base, p->gic.cpu_size);
        else
            add_range(p->gic.redist_base, p->gic.redist_size);
    }
}

static struct device *device_of(const struct kobject *o)
{
    return (struct device *)o;
}

const struct dt_device *device_desc(const struct kobject *o)
{
    return &device_of(o)->dt;
}

static void device_destroy(struct kobject *o)
{
    /* Its interrupt subscriptions watched the object and have ended already (kobj_put), releasing the line masked. */
    struct device *d = device_of(o);
    list_del(&d->open);
    kfree(d);
}

static int device_map_page(struct kobject *o, uint64_t offset, uint64_t *pa)
{
    const struct dt_device *dt = &device_of(o)->dt;
    if (offset >= dt->map_size)
        return -E_FAULT; /* mmap keeps mappings inside the registers; never reached */
    *pa = dt->map_base + offset;
    return 0;
}

static const struct kobject_ops device_ops = {
    .destroy = device_destroy,
    .map_page = device_map_page,
};

long device_decode_node(int node, struct dt_device *dt)
{
    if (!tree)
        return -E_NOENT;
    long err = dt_device_decode(tree, node, gic_dist, kernel_ranges, nkernel, dt);
    if (err)
        return err;
    if (dt->intid && !irq_valid(dt->intid))
        return -E_INVAL; /* an SPI this interrupt controller does not have */
    return 0;
}

long device_open_node(int node, struct kobject **out)
{
    struct dt_device dt;
    long err = device_decode_node(node, &dt);
    if (err)
        return err;
    for (struct list *l = open_devices.next; l != &open_devices; l = l->next) {
        if (dt_device_overlap(&list_entry(l, struct device, open)->dt, &dt))
            return -E_BUSY;
    }
    uint64_t cost = kmalloc_size(sizeof(struct device));
    if (kobj_charge_begin(cost) != 0)
        return -E_NOMEM;
    struct device *d = kmalloc(sizeof(*d));
    if (!d) {
        kobj_charge_cancel(cost);
        return -E_NOMEM;
    }
    kobj_init(&d->obj, &device_ops, WREN_OBJECT_DEVICE, WREN_FILE_TYPE_CHAR_DEVICE);
    kobj_charge_end(&d->obj, cost);
    d->dt = dt;
    list_add_tail(&open_devices, &d->open);
    *out = &d->obj;
    return 0;
}

long device_find(const char *name, size_t len)
{
    return tree ? dt_device_find(tree, name, len) : -E_NOENT;
}

long device_open(const char *name, size_t len, struct kobject **out)
{
    long node = device_find(name, len);
    return node < 0 ? node : device_open_node((int)node, out);
}

/* The nodes a driver may open, in document order: found on first use, not at boot (it decodes the whole tree). */
static int listed[DEVICE_LIST_MAX];
static int nlisted = -1;

int device_list(const int **nodes)
{
    if (nlisted < 0) {
        nlisted = 0;
        for (int node = tree ? fdt_next_node(tree, -1) : -1; node >= 0 && nlisted < DEVICE_LIST_MAX;
             node = fdt_next_node(tree, node)) {
            struct dt_device dt;
            if (fdt_node_is_okay(tree, node) && device_decode_node(node, &dt) == 0)
                listed[nlisted++] = node;
        }
    }
    *nodes = listed;
    return nlisted;
}

const char *device_node_name(int node, int *len)
{
    return fdt_node_name(tree, node, len);
}

const char *device_node_compatible(int node, int *len)
{
    const char *c = fdt_getprop(tree, node, "compatible", len);
    if (!c || *len <= 0 || c[*len - 1] != 0) {
        *len = 0;
        return 0; /* absent, or not a list of NUL-terminated strings: nothing to match */
    }
    return c;
}
