/*
 * devicetest: run as /bin/init by tests/test_devices.py. The device syscalls a user-space driver uses, on a real
 * device, QEMU virt's PL031 real-time clock (the driver itself is drivers/rtc): it opens the device from the device
 * tree, maps its registers, watches the time advance, programs two alarms and takes both interrupts through an
 * event queue (the kernel masks the level-sensitive line when it fires, until the driver has cleared the device and
 * acknowledged). Then the refusals (bad names, the kernel's own devices, no privilege, bad pointers, mappings beyond
 * the registers), a device passed to an unprivileged process, a driver that dies holding everything, and 1,000
 * open/map/unmap/close cycles that must give every object, handle and page back. It makes the syscalls itself, not
 * through drivers/lib, so that each refusal is checked as the kernel gives it.
 *
 * PL031 registers, from the ARM PrimeCell Real Time Clock (PL031) Technical Reference Manual
 * (ARM DDI 0224), section 3.2 "Summary of RTC registers" and 3.3 "Register descriptions": RTCDR
 * 0x00 (the count of seconds, read only), RTCMR 0x04 (match: the interrupt is raised when RTCDR
 * equals it), RTCLR 0x08 (load), RTCCR 0x0C (control, bit 0 start), RTCIMSC 0x10 (interrupt mask
 * set/clear, bit 0 enables the interrupt), RTCRIS 0x14 (raw interrupt status), RTCMIS 0x18
 * (masked status), RTCICR 0x1C (write 1 to clear). QEMU's model (hw/rtc/pl031.c) drives its
 * line at level (RTCRIS & RTCIMSC); its DTB node is /pl031@9010000, compatible "arm,pl031",
 * reg 0x09010000 size 0x1000, interrupts <0 2 4>: SPI 2 (INTID 34), level-high
 * (shared/docs/hardware/bpi-r4.md §5, checked with `qemu-system-aarch64 -M virt,dumpdtb=... -nic none`).
 */
#include <stdint.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define PAGE 4096ul
#define MS   1000000ll
#define RW   (WREN_PROT_READ | WREN_PROT_WRITE)

enum { RTCDR = 0x00, RTCMR = 0x04, RTCCR = 0x0c, RTCIMSC = 0x10, RTCRIS = 0x14, RTCMIS = 0x18, RTCICR = 0x1c };

static const char RTC[] = "arm,pl031";

static long open_name(const char *name)
{
    uint64_t n = 0;
    while (name[n])
        n++;
    return wren_device_open(name, n);
}

static uint32_t rd(volatile uint32_t *regs, unsigned off)
{
    return regs[off / 4];
}

static void wr(volatile uint32_t *regs, unsigned off, uint32_t v)
{
    regs[off / 4] = v;
}

static long poll_q(long q)
{
    struct wren_event ev;
    return wren_event_wait((wren_handle_t)q, &ev, 1, 0);
}

/* The registers of an open RTC, mapped: their address, or 0. */
static volatile uint32_t *map_rtc(long dev, long *mapping)
{
    struct wren_device_info info;
    if (wren_device_info((wren_handle_t)dev, &info) != 0)
        return 0;
    *mapping = wren_mmap(0, info.map_size, RW, WREN_MAP_SHARED, (wren_fd_t)dev, 0);
    if (*mapping < 0)
        return 0;
    return (volatile uint32_t *)(uintptr_t)(*mapping + info.page_offset);
}

/* Wait for the alarm's interrupt record; the count of records of subscription id, or a negative error. */
static long wait_alarm(long q, long id)
{
    struct wren_event ev[4];
    long n = wren_event_wait((wren_handle_t)q, ev, 4, 3000 * MS);
    if (n < 0)
        return n;
    for (long i = 0; i < n; i++) {
        if (ev[i].type != WREN_EVENT_IRQ || ev[i].subscription != (uint32_t)id || ev[i].source != 34)
            return -1000;
    }
    return n;
}

static void the_clock(void)
{
    long dev = open_name(RTC);
    struct wren_device_info info;

    wren_check("open the PL031 by its compatible string", dev >= 0, 1);
    wren_check("describe it", wren_device_info((wren_handle_t)dev, &info), 0);
    wren_check("  registers at 0x09010000, 4 KiB", info.base == 0x09010000 && info.size == 0x1000, 1);
    wren_check("  one page to map, the registers at its start", info.map_size == PAGE && info.page_offset == 0, 1);
    wren_check("  SPI 2 (INTID 34), level-sensitive", info.intid == 34 && info.irq_edge == 0, 1);
    long mapping;
    volatile uint32_t *rtc = map_rtc(dev, &mapping);
    wren_check("map the registers", rtc != 0, 1);
    if (!rtc)
        return;
    wren_check("  PrimeCell id (0xB105F00D, read from 0xFF0-0xFFC)",
               (rd(rtc, 0xff0) & 0xff) == 0x0d && (rd(rtc, 0xff4) & 0xff) == 0xf0 && (rd(rtc, 0xff8) & 0xff) == 0x05 &&
                   (rd(rtc, 0xffc) & 0xff) == 0xb1,
               1);
    wr(rtc, RTCCR, 1); /* started at reset in QEMU; a real PL031 needs it */
    uint32_t t0 = rd(rtc, RTCDR);
    wren_check("  RTCDR holds a plausible time (after 2020)", t0 > 1577836800u, 1);
    uint32_t t1 = t0;
    for (int i = 0; i < 300 && t1 == t0; i++) {
        wren_sleep(10 * MS);
        t1 = rd(rtc, RTCDR);
    }
    wren_check("  the time advances by a second", t1 - t0, 1);

    long q = wren_event_queue_create();
    long id = wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IRQ, (uint64_t)dev, 0, 0, 7);
    wren_check("subscribe to its interrupt", id > 0, 1);
    wr(rtc, RTCICR, 1);
    wr(rtc, RTCMR, rd(rtc, RTCDR) + 1);
    wr(rtc, RTCIMSC, 1);
    wren_check("first alarm: the interrupt arrives", wait_alarm(q, id), 1);
    wren_check("  the device raised it (RTCMIS)", rd(rtc, RTCMIS) & 1, 1);
    wren_sleep(20 * MS);
    wren_check("  the line is still high, but masked: nothing more", poll_q(q), -E_TIMEDOUT);
    wren_check("  acknowledged before the device is cleared", wren_event_irq_ack((wren_handle_t)q, (uint32_t)id), 0);
    wren_check("  the level-sensitive line fires again at once", wait_alarm(q, id), 1);
    wr(rtc, RTCICR, 1);
    wren_check("  cleared at the device (RTCRIS)", rd(rtc, RTCRIS) & 1, 0);
    wren_check("  acknowledged", wren_event_irq_ack((wren_handle_t)q, (uint32_t)id), 0);
    wren_sleep(20 * MS);
    wren_check("  quiet", poll_q(q), -E_TIMEDOUT);
    wr(rtc, RTCMR, rd(rtc, RTCDR) + 1);
    wren_check("second alarm: unmasked, it arrives too", wait_alarm(q, id), 1);
    wr(rtc, RTCICR, 1);
    wren_check("  acknowledged", wren_event_irq_ack((wren_handle_t)q, (uint32_t)id), 0);
    wr(rtc, RTCIMSC, 0);

    wren_check("open it a second time", open_name(RTC), -E_BUSY);
    wren_check("close the handle", wren_close((int32_t)dev), 0);
    wren_check("  the mapping keeps it open", open_name(RTC), -E_BUSY);
    wren_check("  and its interrupt claimed", wren_event_irq_raise(34), 0);
    wren_check("  the registers still answer", rd(rtc, RTCDR) >= t1, 1);
    wren_check("unmap", wren_munmap((void *)(uintptr_t)mapping, PAGE), 0);
    wren_check("  the subscription ended with the device", wren_event_irq_ack((wren_handle_t)q, (uint32_t)id),
               -E_NOENT);
    wren_check("  the line is released", wren_event_irq_raise(34), -E_PERM);
    dev = open_name("/pl031@9010000");
    wren_check("  it opens again, by its path", dev >= 0, 1);
    wren_check("  and its line is free",
               wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IRQ, (uint64_t)dev, 0, 0, 0) > 0, 1);
    wren_close((int32_t)dev);
    wren_close((int32_t)q);
}

static void refusals(void)
{
    char long_name[130];
    for (int i = 0; i < 130; i++)
        long_name[i] = 'a';

    wren_check("an unknown compatible string", open_name("acme,flux-capacitor"), -E_NOENT);
    wren_check("an unknown path", open_name("/nothing@0"), -E_NOENT);
    wren_check("a name with a NUL inside", wren_device_open("arm,pl031\0x", 11), -E_NOENT);
    wren_check("the console UART is the kernel's", open_name("arm,pl011"), -E_BUSY);
    wren_check("the timer is the kernel's", open_name("arm,armv8-timer"), -E_BUSY);
    wren_check("PSCI is the kernel's", open_name("arm,psci-1.0") == -E_BUSY && open_name("arm,psci-0.2") == -E_BUSY, 1);
    wren_check("the GIC is the kernel's",
               open_name("arm,cortex-a15-gic") == -E_BUSY || open_name("arm,gic-v3") == -E_BUSY, 1);
    wren_check("so is its MSI frame",
               open_name("arm,gic-v2m-frame") == -E_BUSY || open_name("arm,gic-v3-its") == -E_BUSY, 1);
    wren_check("memory is the kernel's", open_name("/memory@40000000"), -E_BUSY);
    wren_check("the root node has no registers", open_name("/"), -E_INVAL);
    wren_check("an empty name", wren_device_open("x", 0), -E_INVAL);
    wren_check("129 bytes", wren_device_open(long_name, 129), -E_NAMETOOLONG);
    wren_check("128 bytes are looked up", wren_device_open(long_name, 128), -E_NOENT);
    wren_check("a NULL name", wren_device_open(0, 9), -E_FAULT);
    wren_check("a kernel address", wren_device_open((const char *)0xffff000040000000ull, 9), -E_FAULT);

    long dev = open_name(RTC);
    long q = wren_event_queue_create();
    wren_check("device_info into NULL", wren_device_info((wren_handle_t)dev, 0), -E_FAULT);
    wren_check("device_info of handle 200", wren_device_info(200, &(struct wren_device_info){0}), -E_BADHANDLE);
    wren_check("device_info of a queue", wren_device_info((wren_handle_t)q, &(struct wren_device_info){0}),
               -E_WRONGTYPE);
    wren_check("map two pages of a one-page device", wren_mmap(0, 2 * PAGE, RW, WREN_MAP_SHARED, (wren_fd_t)dev, 0),
               -E_INVAL);
    wren_check("map at offset 4096", wren_mmap(0, PAGE, RW, WREN_MAP_SHARED, (wren_fd_t)dev, PAGE), -E_INVAL);
    wren_check("map at a huge offset", wren_mmap(0, PAGE, RW, WREN_MAP_SHARED, (wren_fd_t)dev, ~0ull << 12), -E_INVAL);
    wren_check("map privately", wren_mmap(0, PAGE, RW, WREN_MAP_PRIVATE, (wren_fd_t)dev, 0), -E_INVAL);
    wren_check("map executable",
               wren_mmap(0, PAGE, WREN_PROT_READ | WREN_PROT_EXEC, WREN_MAP_SHARED, (wren_fd_t)dev, 0), -E_ACCES);
    long a = wren_mmap(0, PAGE, WREN_PROT_READ, WREN_MAP_SHARED, (wren_fd_t)dev, 0);
    wren_check("map read-only", a > 0, 1);
    wren_check("  mprotect to executable", wren_mprotect((void *)(uintptr_t)a, PAGE, WREN_PROT_READ | WREN_PROT_EXEC),
               -E_ACCES);
    wren_check("  mprotect to no access and back",
               wren_mprotect((void *)(uintptr_t)a, PAGE, 0) | wren_mprotect((void *)(uintptr_t)a, PAGE, WREN_PROT_READ),
               0);
    wren_check("  still reads the clock", *(volatile uint32_t *)(uintptr_t)a > 1577836800u, 1);
    /* The kernel reading registers on the caller's behalf (unaligned, byte by byte or not) must not bring it down. */
    int32_t p[2];
    wren_pipe(p, 0);
    long w = wren_write(p[1], (const void *)(uintptr_t)(a + 1), 5);
    wren_check("  a write(2) from the registers: copied or refused", w == 5 || w == -E_FAULT, 1);
    if (w == 5)
        wren_check("  a read(2) into read-only registers", wren_read(p[0], (void *)(uintptr_t)a, 1), -E_FAULT);
    wren_close(p[0]);
    wren_close(p[1]);
    wren_munmap((void *)(uintptr_t)a, PAGE);

    /* A handle without the write right (passed over a channel with fewer rights). */
    wren_handle_t ch[2];
    struct wren_msg m;
    wren_channel_create(ch, 0);
    wren_check("pass the device on with read, map and transfer only",
               wren_channel_transfer(ch[0], (wren_handle_t)dev, WREN_RIGHT_READ | WREN_RIGHT_MAP | WREN_RIGHT_TRANSFER),
               0);
    wren_check("  received", wren_receive(ch[1], &m, 0, 0), 4);
    wren_handle_t ro;
    __builtin_memcpy(&ro, m.payload, sizeof(ro));
    wren_check("  map it writable", wren_mmap(0, PAGE, RW, WREN_MAP_SHARED, ro, 0), -E_ACCES);
    a = wren_mmap(0, PAGE, WREN_PROT_READ, WREN_MAP_SHARED, ro, 0);
    wren_check("  map it read-only", a > 0, 1);
    wren_check("  mprotect it writable", wren_mprotect((void *)(uintptr_t)a, PAGE, RW), -E_ACCES);
    wren_munmap((void *)(uintptr_t)a, PAGE);
    wren_check("pass it on with read only", wren_channel_transfer(ch[0], ro, WREN_RIGHT_READ), 0);
    wren_receive(ch[1], &m, 0, 0);
    __builtin_memcpy(&ro, m.payload, sizeof(ro));
    wren_check("  map it", wren_mmap(0, PAGE, WREN_PROT_READ, WREN_MAP_SHARED, ro, 0), -E_ACCES);
    wren_check("  its interrupt can still be claimed",
               wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IRQ, (uint64_t)ro, 0, 0, 0) > 0, 1);
    wren_close(ro);
    wren_close(ch[0]);
    wren_close(ch[1]);
    wren_close((int32_t)q);
    wren_check("all closed: it opens again", (dev = open_name(RTC)) >= 0, 1);
    wren_close((int32_t)dev);
}

/* Without the privilege nothing opens; a device handle passed by a privileged process still works. */
static void privilege(void)
{
    wren_handle_t ch[2];
    wren_channel_create(ch, 0);
    long dev = open_name(RTC);
    wren_check("hand the clock to a process without the privilege",
               wren_channel_transfer(ch[0], (wren_handle_t)dev, WREN_RIGHT_READ | WREN_RIGHT_MAP), 0);
    long pid = wren_fork();
    if (pid == 0) {
        int bad = 0;
        long gpio = open_name("arm,pl061"); /* fork keeps the privilege */
        bad |= (gpio < 0) << 0;
        wren_close((int32_t)gpio);
        bad |= (wren_port_drop_privilege() != 1) << 1;
        bad |= (open_name("arm,pl061") != -E_PERM) << 2;
        bad |= (open_name("nothing") != -E_PERM) << 3; /* not even told it does not exist */
        struct wren_msg m;
        bad |= (wren_receive(ch[1], &m, 0, 0) != 4) << 4;
        wren_handle_t d;
        __builtin_memcpy(&d, m.payload, sizeof(d));
        long a = wren_mmap(0, PAGE, WREN_PROT_READ, WREN_MAP_SHARED, d, 0);
        bad |= (a < 0 || *(volatile uint32_t *)(uintptr_t)a < 1577836800u) << 5;
        wren_exit(bad);
    }
    wren_check("  it could not open one, but maps and reads the handle it was given", wren_check_wait_status(pid), 0);
    wren_check("  its exit closed it", (dev = open_name(RTC)) >= 0, 1);
    wren_close((int32_t)dev);
    wren_close(ch[0]);
    wren_close(ch[1]);
}

/* A driver that dies with the device open, mapped and its interrupt claimed and pending: all of it is released. */
static void driver_death(void)
{
    long pid = wren_fork();
    if (pid == 0) {
        long dev = open_name(RTC), mapping;
        long q = wren_event_queue_create();
        volatile uint32_t *rtc = map_rtc(dev, &mapping);
        if (!rtc || wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IRQ, (uint64_t)dev, 0, 0, 0) <= 0)
            wren_exit(1);
        wren_event_irq_raise(34);
        wren_exit(rtc[RTCDR / 4] > 1577836800u ? 0 : 2);
    }
    wren_check("a driver exits holding the device", wren_check_wait_status(pid), 0);
    long dev = open_name(RTC);
    wren_check("  the device is free again", dev >= 0, 1);
    long q = wren_event_queue_create();
    long id = wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IRQ, (uint64_t)dev, 0, 0, 0);
    wren_check("  its interrupt too", id > 0, 1);
    wren_close((int32_t)dev);
    wren_close((int32_t)q);
}

/* fork gives the child the mapping (faulted in again there, never copy-on-write) and the device outlives the parent's.
 */
static void fork_mapping(void)
{
    long dev = open_name(RTC), mapping;
    volatile uint32_t *rtc = map_rtc(dev, &mapping);
    uint32_t t = rtc ? rd(rtc, RTCDR) : 0;
    long pid = wren_fork();
    if (pid == 0) {
        wren_exit(rd(rtc, RTCDR) >= t ? 0 : 1);
    }
    wren_check("a forked child reads the clock through the mapping it inherited", wren_check_wait_status(pid), 0);
    wren_check("  the parent still does", rd(rtc, RTCDR) >= t, 1);
    wren_close((int32_t)dev);
    wren_munmap((void *)(uintptr_t)mapping, PAGE);
}

/* 1,000 open/describe/map/read/subscribe/unmap/close cycles: nothing left behind. */
static void no_leaks(void)
{
    struct wren_kernel_stats k0 = wren_check_kstats();
    uint64_t free0 = wren_check_free_bytes();
    long q = wren_event_queue_create();
    int bad = 0;
    for (int i = 0; i < 1000; i++) {
        long dev = open_name(i & 1 ? "/pl031@9010000" : RTC), mapping;
        volatile uint32_t *rtc = map_rtc(dev, &mapping);
        long id = wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IRQ, (uint64_t)dev, 0, 0, 0);
        bad += dev < 0 || !rtc || rtc[RTCDR / 4] < 1577836800u || id <= 0;
        if (i & 2)
            wren_close((int32_t)dev); /* the mapping keeps it: closed by the unmap */
        bad += wren_munmap((void *)(uintptr_t)mapping, PAGE) != 0;
        if (!(i & 2))
            wren_close((int32_t)dev);
        bad += wren_event_irq_ack((wren_handle_t)q, (uint32_t)id) != -E_NOENT;
    }
    wren_close((int32_t)q);
    wren_check("1,000 open/map/subscribe/unmap/close cycles", bad, 0);
    struct wren_kernel_stats k1 = wren_check_kstats();
    wren_check("  objects as before", (long)(k1.objects - k0.objects), 0);
    wren_check("  handles as before", (long)k1.handles - (long)k0.handles, 0);
    wren_check("  heap allocations as before", (long)(k1.heap_objects - k0.heap_objects), 0);
    wren_check("  free memory as before", (long)(wren_check_free_bytes() - free0), 0);
}

int main(void)
{
    wren_check_begin("devicetest");
    struct wren_kernel_stats k0 = wren_check_kstats();
    the_clock();
    refusals();
    privilege();
    driver_death();
    fork_mapping();
    no_leaks();
    struct wren_kernel_stats k1 = wren_check_kstats();
    wren_check("everything released: objects", (long)(k1.objects - k0.objects), 0);
    wren_check("  heap allocations", (long)(k1.heap_objects - k0.heap_objects), 0);
    return wren_check_end();
}
