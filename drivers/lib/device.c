/* Device open, register mapping and interrupts for user-space drivers (see wren/driver.h). */
#include <wren/driver.h>
#include <wren/syscalls.h>

#define MMIO        "/scheme/mmio"
#define MMIO_COMPAT "/scheme/mmio/_compatible/"

static uint64_t append(char *buf, uint64_t at, uint64_t cap, const char *s)
{
    while (*s && at < cap)
        buf[at++] = *s++;
    return *s ? cap + 1 : at; /* cap + 1: it did not fit */
}

/*
 * The mmio scheme's path of the device `name` names: a node path appended to /scheme/mmio, or for a compatible
 * string the first device its _compatible directory lists (document order, as device_open picks). Its length, or a
 * negative E_*.
 */
static long mmio_path(const char *name, char *path, uint64_t cap)
{
    uint64_t n;
    if (name[0] == '/') {
        n = append(path, append(path, 0, cap, MMIO), cap, name);
    } else {
        char dir[DRIVER_PATH_MAX];
        struct wren_dirent d;
        uint64_t dl = append(dir, append(dir, 0, sizeof(dir), MMIO_COMPAT), sizeof(dir), name);
        if (dl > sizeof(dir))
            return -E_NAMETOOLONG;
        long r = wren_readdir(dir, dl, 0, &d);
        if (r < 0)
            return r; /* -E_NOENT: no device a driver may open lists it */
        n = append(path, append(path, 0, cap, MMIO "/"), cap, (const char *)d.name);
    }
    return n > cap ? -E_NAMETOOLONG : (long)n;
}

long driver_open(struct driver_device *dev, const char *name)
{
    char path[DRIVER_PATH_MAX];
    *dev = (struct driver_device){.handle = -1, .queue = -1};
    long len = mmio_path(name, path, sizeof(path));
    if (len < 0)
        return len;
    long h = wren_open(path, (uint64_t)len, WREN_OPEN_READ | WREN_OPEN_WRITE);
    if (h < 0)
        return h;
    dev->handle = (wren_handle_t)h;
    long r = wren_device_info(dev->handle, &dev->info);
    if (r < 0)
        driver_close(dev);
    return r;
}

long driver_map(struct driver_device *dev)
{
    long a =
        wren_mmap(0, dev->info.map_size, WREN_PROT_READ | WREN_PROT_WRITE, WREN_MAP_SHARED, (wren_fd_t)dev->handle, 0);
    if (a < 0)
        return a;
    dev->mapping = (uint64_t)a;
    dev->regs = (volatile uint32_t *)(uintptr_t)(dev->mapping + dev->info.page_offset);
    return 0;
}

long driver_irq_claim(struct driver_device *dev)
{
    if (dev->info.intid == 0)
        return -E_NOENT;
    long q = wren_event_queue_create();
    if (q < 0)
        return q;
    long id = wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IRQ, (uint64_t)dev->handle, 0, 0, 0);
    if (id < 0) {
        wren_close((wren_fd_t)q);
        return id;
    }
    dev->queue = (wren_handle_t)q;
    dev->irq_id = (uint32_t)id;
    return 0;
}

long driver_irq_wait(struct driver_device *dev, int64_t timeout_ns)
{
    struct wren_event ev[4];
    long n = wren_event_wait(dev->queue, ev, 4, timeout_ns);
    if (n < 0)
        return n;
    /* The queue is the driver's own and holds this one subscription: every record is the interrupt. */
    long fired = 0;
    for (long i = 0; i < n; i++)
        if (ev[i].type == WREN_EVENT_IRQ && ev[i].subscription == dev->irq_id)
            fired += (long)ev[i].data;
    return fired;
}

long driver_irq_ack(struct driver_device *dev)
{
    return wren_event_irq_ack(dev->queue, dev->irq_id);
}

void driver_close(struct driver_device *dev)
{
    if (dev->queue >= 0)
        wren_close((wren_fd_t)dev->queue);
    if (dev->mapping)
        wren_munmap((void *)(uintptr_t)dev->mapping, dev->info.map_size);
    if (dev->handle >= 0)
        wren_close((wren_fd_t)dev->handle);
    *dev = (struct driver_device){.handle = -1, .queue = -1};
}
