/*
 * The `irq` scheme: a device's interrupt as a descriptor, for user-space drivers (privileged, as mmio is). Names are
 * the mmio scheme's (scheme/device_paths.h), limited to the devices that have an interrupt the kernel can deliver
 * (a GIC SPI of the kernel's interrupt controller): /scheme/irq/<node>, /scheme/irq/<path of the tree>, and the
 * `_compatible` directories.
 *
 * Opening one claims the line (E_BUSY while the kernel, an event subscription or another descriptor holds it) and
 * enables it at the interrupt controller. When it fires, the kernel masks it there and counts it; a read of at least
 * 8 bytes waits for the count to be non-zero (E_AGAIN at once with WREN_OPEN_NONBLOCK, E_INTR for a signal), returns
 * it as a u64 and resets it. The line stays masked until the driver, having quietened its device, acknowledges it
 * by writing a u64 (any value; exactly 8 bytes): then it is unmasked, and a level-sensitive line still asserted
 * fires again at once. An event queue sees the descriptor readable while the count is non-zero (and always
 * writable). Closing the last descriptor releases the line, disabled and no longer pending. This is the same
 * interrupt path as event_subscribe's WREN_EVENT_IRQ with a device handle, without needing the device open.
 */
#include <wren/abi.h>

#include "irq.h"
#include "lib/list.h"
#include "mm/kmalloc.h"
#include "objects/device.h"
#include "proc/proc.h"
#include "proc/waitq.h"
#include "scheme/device_paths.h"
#include "scheme/irq_scheme.h"
#include "scheme/kernel_schemes.h"
#include "scheme/scheme.h"

struct irq_file {
    struct kobject obj;
    struct list link; /* on irq_files while it holds its line */
    uint32_t intid;
    int owner;      /* the opener's pid: it may raise the line (event_irq_raise), as a subscriber may */
    uint64_t count; /* interrupts since the last read */
    struct waitq readers;
};

static struct list irq_files = LIST_INIT(irq_files); /* every descriptor object, each holding its line */

static struct irq_file *irq_of(struct kobject *o)
{
    return (struct irq_file *)o;
}

/* Interrupt context: masked until acknowledged (a level-sensitive line would fire again at once). */
static void irq_file_fired(uint32_t intid, void *arg)
{
    struct irq_file *f = arg;
    irq_mask(intid);
    f->count++;
    waitq_wake_all(&f->readers);
    kobj_notify(&f->obj, WREN_POLL_READABLE);
}

static void irq_file_destroy(struct kobject *o)
{
    struct irq_file *f = irq_of(o);
    irq_unregister(f->intid); /* disabled, its pending state forgotten: the next owner starts clean */
    list_del(&f->link);
    kfree(f);
}

static long irq_file_read(struct kobject *o, user_out_ptr buf, size_t count)
{
    struct irq_file *f = irq_of(o);

    if (count < sizeof(uint64_t))
        return -E_INVAL;
    while (!f->count) {
        if (o->open_flags & WREN_OPEN_NONBLOCK)
            return -E_AGAIN;
        long err = waitq_wait(&f->readers, WAITQ_FOREVER);
        if (err)
            return err; /* -E_INTR */
    }
    uint64_t n = f->count;
    if (copy_to_user(buf, &n, sizeof(n)))
        return -E_FAULT; /* the count stays for the next read */
    f->count = 0;
    return sizeof(n);
}

static long irq_file_write(struct kobject *o, user_in_ptr buf, size_t count)
{
    uint64_t v;
    if (count != sizeof(v))
        return -E_INVAL;
    if (copy_from_user(&v, buf, sizeof(v)))
        return -E_FAULT;
    irq_unmask(irq_of(o)->intid);
    return sizeof(v);
}

static uint32_t irq_file_poll(struct kobject *o)
{
    return (irq_of(o)->count ? WREN_POLL_READABLE : 0) | WREN_POLL_WRITABLE;
}

static long irq_file_fstat(struct kobject *o, struct wren_stat *st)
{
    st->id = irq_of(o)->intid;
    st->size = irq_of(o)->count;
    return 0;
}

static const struct kobject_ops irq_file_ops = {
    .destroy = irq_file_destroy,
    .read = irq_file_read,
    .write = irq_file_write,
    .fstat = irq_file_fstat,
    .poll = irq_file_poll,
};

/* Devices with an interrupt the kernel delivers. */
static bool has_interrupt(int node)
{
    struct dt_device dt;
    return device_decode_node(node, &dt) == 0 && dt.intid != 0;
}

bool irq_scheme_held_by(uint32_t intid, int pid)
{
    for (struct list *l = irq_files.next; l != &irq_files; l = l->next) {
        struct irq_file *f = list_entry(l, struct irq_file, link);
        if (f->intid == intid)
            return f->owner == pid; /* a line has one holder */
    }
    return false;
}

static long irq_open(struct scheme *s, const char *path, size_t len, uint32_t flags, struct kobject **out)
{
    (void)s;
    struct device_path p;
    struct dt_device dt;
    long err = device_path_parse(path, len, has_interrupt, &p);
    if (err)
        return err;
    if (p.kind != DEVICE_PATH_DEVICE)
        return -E_ISDIR;
    if ((flags & (WREN_OPEN_CREATE | WREN_OPEN_EXCL)) == (WREN_OPEN_CREATE | WREN_OPEN_EXCL))
        return -E_EXIST;
    err = device_decode_node(p.node, &dt);
    if (err)
        return err;
    uint64_t cost = kmalloc_size(sizeof(struct irq_file));
    if (kobj_charge_begin(cost) != 0)
        return -E_NOMEM;
    struct irq_file *f = kzalloc(sizeof(*f));
    if (!f) {
        kobj_charge_cancel(cost);
        return -E_NOMEM;
    }
    err = irq_register(dt.intid, dt.edge, irq_file_fired, f);
    if (err) {
        kfree(f);
        kobj_charge_cancel(cost);
        return err; /* -E_BUSY: the kernel's, a subscription's or another descriptor's */
    }
    kobj_init(&f->obj, &irq_file_ops, WREN_OBJECT_FILE, WREN_FILE_TYPE_CHAR_DEVICE);
    kobj_charge_end(&f->obj, cost);
    f->obj.open_flags = flags;
    f->intid = dt.intid;
    f->owner = proc_current()->pid;
    list_add_tail(&irq_files, &f->link);
    *out = &f->obj;
    return 0;
}

static long irq_stat(struct scheme *s, const char *path, size_t len, struct wren_stat *st)
{
    (void)s;
    struct device_path p;
    long err = device_path_parse(path, len, has_interrupt, &p);
    if (err)
        return err;
    err = device_path_stat(&p, has_interrupt, st);
    if (!err && p.kind == DEVICE_PATH_DEVICE) {
        struct dt_device dt;
        device_decode_node(p.node, &dt);
        st->size = 0;
        st->id = dt.intid; /* an interrupt's identity is its INTID */
    }
    return err;
}

static long irq_readdir(struct scheme *s, const char *path, size_t len, uint64_t index, struct wren_dirent *d)
{
    (void)s;
    struct device_path p;
    long err = device_path_parse(path, len, has_interrupt, &p);
    return err ? err : device_path_readdir(&p, has_interrupt, index, d);
}

static const struct scheme_ops irq_scheme_ops = {
    .open = irq_open,
    .stat = irq_stat,
    .readdir = irq_readdir,
};

static struct scheme irq_scheme = {
    .ops = &irq_scheme_ops,
    .name = "irq",
    .name_len = 3,
    .privileged = true,
};

void irq_scheme_init(void)
{
    kernel_scheme_register(&irq_scheme);
}
