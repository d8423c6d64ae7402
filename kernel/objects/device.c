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

long device_open(const char *name, size_t len, struct kobject **out)
{
    if (!tree)
        return -E_NOENT;
    int node = dt_device_find(tree, name, len);
    if (node < 0)
        return node;
    struct dt_device dt;
    long err = dt_device_decode(tree, node, gic_dist, kernel_ranges, nkernel, &dt);
    if (err)
        return err;
    if (dt.intid && !irq_valid(dt.intid))
        return -E_INVAL; /* an SPI this interrupt controller does not have */
    for (struct list *l = open_devices.next; l != &open_devices; l = l->next) {
        if (dt_device_overlap(&list_entry(l, struct device, open)->dt, &dt))
            return -E_BUSY;
    }
    struct device *d = kmalloc(sizeof(*d));
    if (!d)
        return -E_NOMEM;
    kobj_init(&d->obj, &device_ops, WREN_OBJECT_DEVICE, 0);
    d->dt = dt;
    list_add_tail(&open_devices, &d->open);
    *out = &d->obj;
    return 0;
}
