/*
 * virtiotest: run as /bin/init by tests/test_virtio.py, on QEMU virt with a virtio-rng device, once with the legacy
 * transport (QEMU's default, Version 1) and once with the modern one (-global virtio-mmio.force-legacy=false,
 * Version 2). It checks the kernel's DMA memory (dma_create: contiguous, physical address known, refused without
 * the privilege, bad arguments refused without leaking) and then the virtio library of drivers/lib (<wren/virtio.h>)
 * against the device: finding it through the device tree by its device ID (4, entropy: virtio 1.1 §5.4), the status
 * handshake and feature negotiation, queue setup, requests on the split virtqueue completed with an interrupt,
 * chains, a full queue, and 200 open/request/close cycles that give every page back.
 *
 * §5.4.6: the entropy device has one queue, requestq (0); the driver places device-writable buffers on it and the
 * device fills them with random bytes (the used length says how many).
 */
#include <stdint.h>
#include <string.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>
#include <wren/virtio.h>

#define SEC 1000000000ll

static void print_line(const char *a, const char *b)
{
    wren_print("virtiotest: ");
    wren_print(a);
    wren_print(b);
    wren_print("\n");
}

/* One request of `len` bytes into buf (DMA memory): the bytes the device wrote, or E_*. */
static long request(struct virtio_dev *v, struct virtq *q, struct virtio_dma *buf, uint32_t off, uint32_t len)
{
    struct virtq_buf b = {.phys = buf->phys + off, .len = len, .write = 1};
    long head = virtq_add(q, &b, 1);
    if (head < 0)
        return head;
    virtq_kick(v, q);
    return virtq_wait(v, q, head, 5 * SEC);
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static void check_dma(void)
{
    uint64_t free0 = wren_check_free_bytes();
    struct wren_kernel_stats k0 = wren_check_kstats();
    uint64_t phys = 0;
    long h = wren_dma_create(3 * 4096 + 1, &phys);
    wren_check("dma_create 12289 bytes -> a handle", h >= 0, 1);
    wren_check("its physical address is page aligned and not 0", phys != 0 && (phys & 4095) == 0, 1);
    wren_check("dma_create rounds up: shm_size", wren_shm_size((wren_handle_t)h), 4 * 4096);
    long a = wren_mmap(0, 4 * 4096, WREN_PROT_READ | WREN_PROT_WRITE, WREN_MAP_SHARED, (wren_fd_t)h, 0);
    long b = wren_mmap(0, 4096, WREN_PROT_READ, WREN_MAP_SHARED, (wren_fd_t)h, 3 * 4096);
    wren_check("mapped twice", a > 0 && b > 0, 1);
    uint8_t *pa = (uint8_t *)(uintptr_t)a;
    wren_check("zero-filled", all_zero(pa, 4 * 4096), 1);
    pa[3 * 4096 + 5] = 0x5a;
    wren_check("both mappings are the same pages", ((volatile uint8_t *)(uintptr_t)b)[5], 0x5a);
    wren_munmap((void *)(uintptr_t)a, 4 * 4096);
    wren_munmap((void *)(uintptr_t)b, 4096);
    wren_close((wren_fd_t)h);

    wren_check("dma_create size 0 -> E_INVAL", wren_dma_create(0, &phys), -E_INVAL);
    wren_check("dma_create 4 MiB + 1 -> E_NOMEM", wren_dma_create((4ull << 20) + 1, &phys), -E_NOMEM);
    wren_check("dma_create 2^63 -> E_NOMEM", wren_dma_create(1ull << 63, &phys), -E_NOMEM);
    wren_check("dma_create with a bad phys pointer -> E_FAULT", wren_dma_create(4096, (uint64_t *)8), -E_FAULT);
    long big = wren_dma_create(4ull << 20, &phys);
    wren_check("dma_create 4 MiB -> a handle", big >= 0, 1);
    wren_check("4 MiB aligned to its size (one buddy block)", (phys & ((4ull << 20) - 1)) == 0, 1);
    wren_close((wren_fd_t)big);

    /* Without the privilege: a child that gives it up. */
    long pid = wren_fork();
    if (pid == 0) {
        wren_port_drop_privilege();
        uint64_t p = 0;
        long r = wren_dma_create(4096, &p);
        wren_exit(r == -E_PERM && p == 0 ? 0 : 1);
    }
    wren_check("an unprivileged dma_create -> E_PERM, nothing written", wren_check_wait_status(pid), 0);

    struct wren_kernel_stats k1 = wren_check_kstats();
    wren_check("every object given back", (long)k1.objects, (long)k0.objects);
    wren_check("every page given back", (long)wren_check_free_bytes(), (long)free0);
}

static void check_device(void)
{
    struct virtio_dev v;
    char node[64];
    long r = virtio_find(&v, VIRTIO_ID_ENTROPY, node, sizeof(node));
    wren_check("virtio_find(entropy)", r, 0);
    if (r < 0)
        return;
    print_line("entropy device at ", node);
    wren_check("transport version 1 or 2", v.version == 1 || v.version == 2, 1);
    print_line("transport version ", v.version == 2 ? "2 (modern)" : "1 (legacy)");
    long want_version = v.version;
    wren_check("device id", v.device_id, VIRTIO_ID_ENTROPY);
    wren_check("it is a virtio,mmio transport of 0x200 bytes", (long)v.dev.info.size, 0x200);
    wren_check("it has an interrupt", v.dev.info.intid >= 32, 1);
    wren_check("its node is held: a second open -> E_BUSY", wren_device_open(node, strlen(node)), -E_BUSY);
    struct virtio_dev none;
    wren_check("no device of ID 2 (block) attached -> E_NOENT", virtio_find(&none, VIRTIO_ID_BLOCK, 0, 0), -E_NOENT);

    wren_check("negotiate", virtio_negotiate(&v, 0), 0);
    uint32_t st = virtio_status(&v);
    wren_check("status ACKNOWLEDGE|DRIVER", st & 3u, 3);
    if (want_version == 2) {
        wren_check("modern: VERSION_1 accepted", (v.features & VIRTIO_F_VERSION_1) != 0, 1);
        wren_check("modern: FEATURES_OK kept by the device", (st & VIRTIO_STATUS_FEATURES_OK) != 0, 1);
    } else {
        wren_check("legacy: only 32 feature bits", v.features >> 32, 0);
        wren_check("legacy: no FEATURES_OK", st & VIRTIO_STATUS_FEATURES_OK, 0);
    }
    struct virtq q;
    wren_check("queue 1 does not exist -> E_NOENT", virtio_queue_setup(&v, &q, 1, 8), -E_NOENT);
    wren_check("queue size 0 -> E_INVAL", virtio_queue_setup(&v, &q, 0, 0), -E_INVAL);
    wren_check("queue 0, 8 descriptors", virtio_queue_setup(&v, &q, 0, 8), 0);
    wren_check("its size", q.size, 8);
    struct virtq q2;
    wren_check("queue 0 again while in use -> E_BUSY", virtio_queue_setup(&v, &q2, 0, 8), -E_BUSY);
    wren_check("interrupt claimed", virtio_irq_claim(&v), 0);
    virtio_driver_ok(&v);
    wren_check("DRIVER_OK set", (virtio_status(&v) & VIRTIO_STATUS_DRIVER_OK) != 0, 1);

    struct virtio_dma buf;
    wren_check("a DMA buffer", virtio_dma_alloc(&buf, 8192), 0);
    uint8_t *p = buf.virt;

    /* One request, taken by hand: the interrupt arrives, InterruptStatus says "used", the ring has it. */
    struct virtq_buf b = {.phys = buf.phys, .len = 64, .write = 1};
    long head = virtq_add(&q, &b, 1);
    wren_check("virtq_add -> head 0", head, 0);
    wren_check("nothing used before the kick", virtq_get_used(&q, 0), -E_AGAIN);
    virtq_kick(&v, &q);
    long fired = driver_irq_wait(&v.dev, 5 * SEC);
    wren_check("the interrupt fired", fired >= 1, 1);
    wren_check("InterruptStatus: used buffer", virtio_irq_ack(&v) & VIRTIO_INT_USED, VIRTIO_INT_USED);
    uint32_t len = 0;
    wren_check("the chain is used", virtq_get_used(&q, &len), head);
    wren_check("the device wrote 1..64 bytes", len >= 1 && len <= 64, 1);
    wren_check("random bytes are not all zero", all_zero(p, len), 0);
    wren_check("only one used", virtq_get_used(&q, 0), -E_AGAIN);

    /* Two more through virtq_wait: different bytes each time. */
    long n1 = request(&v, &q, &buf, 0, 32), n2 = request(&v, &q, &buf, 32, 32);
    wren_check("two requests of 32", n1 == 32 && n2 == 32, 1);
    wren_check("they differ", memcmp(p, p + 32, 32) != 0, 1);

    /* A chain of two device-writable buffers, across a page boundary of the buffer. */
    struct virtq_buf chain[2] = {{buf.phys + 4096 - 16, 16, 1}, {buf.phys + 4096, 48, 1}};
    memset(p + 4096 - 16, 0, 64);
    head = virtq_add(&q, chain, 2);
    virtq_kick(&v, &q);
    long n = virtq_wait(&v, &q, head, 5 * SEC);
    wren_check("a chain of 2 buffers: bytes written", n >= 1 && n <= 64, 1);
    wren_check("the first buffer was written", all_zero(p + 4096 - 16, 16), 0);

    /* A full queue: 8 descriptors, the 9th refused; all free again once used. */
    long heads[8];
    int ok = 1;
    for (int i = 0; i < 8; i++) {
        struct virtq_buf one = {buf.phys + 512 * (uint64_t)i, 8, 1};
        heads[i] = virtq_add(&q, &one, 1);
        ok &= heads[i] >= 0;
    }
    wren_check("8 chains fill the queue", ok, 1);
    struct virtq_buf extra = {buf.phys, 8, 1};
    wren_check("the 9th -> E_AGAIN", virtq_add(&q, &extra, 1), -E_AGAIN);
    wren_check("a chain longer than the queue -> E_INVAL", virtq_add(&q, chain, 9), -E_INVAL);
    wren_check("an empty chain -> E_INVAL", virtq_add(&q, chain, 0), -E_INVAL);
    virtq_kick(&v, &q);
    int got = 0;
    for (int tries = 0; got < 8 && tries < 50; tries++) {
        while (virtq_get_used(&q, 0) >= 0)
            got++;
        if (got < 8 && driver_irq_wait(&v.dev, SEC / 10) > 0)
            virtio_irq_ack(&v);
    }
    wren_check("all 8 used", got, 8);
    wren_check("all descriptors free again", q.num_free, 8);

    /* The ring wraps: 100 more requests on 8 descriptors. */
    ok = 1;
    for (int i = 0; i < 100; i++)
        ok &= request(&v, &q, &buf, 0, 16) == 16;
    wren_check("100 more requests, the ring index wrapping the queue 12 times", ok, 1);

    /* Back from a reset on the same memory (a driver that no longer may allocate DMA memory does this). */
    struct virtq_buf lost = {buf.phys, 8, 1};
    virtq_add(&q, &lost, 1); /* in flight when the device is reset: forgotten by both sides */
    wren_check("negotiate again", virtio_negotiate(&v, 0), 0);
    wren_check("the device was reset: DRIVER_OK gone", virtio_status(&v) & VIRTIO_STATUS_DRIVER_OK, 0);
    wren_check("virtio_queue_restart", virtio_queue_restart(&v, &q), 0);
    wren_check("restarted: every descriptor free", q.num_free, 8);
    virtio_driver_ok(&v);
    wren_check("a request after the restart", request(&v, &q, &buf, 0, 24), 24);

    virtio_dma_free(&buf);
    virtio_close(&v, &q);
    wren_check("closed: the node opens again", virtio_find(&v, VIRTIO_ID_ENTROPY, 0, 0), 0);
    virtio_close(&v, NULL);
}

/* Open, bring up, one request, close: 200 times, and nothing is left behind. */
static void check_cycles(void)
{
    uint64_t free0 = wren_check_free_bytes();
    struct wren_kernel_stats k0 = wren_check_kstats();
    int ok = 1;
    for (int i = 0; i < 200 && ok; i++) {
        struct virtio_dev v;
        struct virtq q;
        struct virtio_dma buf;
        ok &= virtio_find(&v, VIRTIO_ID_ENTROPY, 0, 0) == 0;
        ok &= virtio_negotiate(&v, 0) == 0;
        ok &= virtio_queue_setup(&v, &q, 0, 4) == 0;
        ok &= virtio_irq_claim(&v) == 0;
        virtio_driver_ok(&v);
        ok &= virtio_dma_alloc(&buf, 4096) == 0;
        ok &= request(&v, &q, &buf, 0, 8) == 8;
        virtio_dma_free(&buf);
        virtio_close(&v, &q);
    }
    wren_check("200 open/request/close cycles", ok, 1);
    struct wren_kernel_stats k1 = wren_check_kstats();
    wren_check("cycles: every object given back", (long)k1.objects, (long)k0.objects);
    wren_check("cycles: every page given back", (long)wren_check_free_bytes(), (long)free0);
}

int main(void)
{
    wren_check_begin("virtiotest");
    check_dma();
    check_device();
    check_cycles();
    return wren_check_end();
}
