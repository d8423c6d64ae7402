/*
 * irqaffinity: run as /bin/init by tests/test_irq_affinity.py on 4 CPUs ("irqaffinity 4"). IRQ affinity for device
 * interrupts (event_irq_set_affinity, /scheme/sys/irqs, hotplug moving a CPU's interrupts away), on a real device:
 * QEMU virt's PL031 real-time clock, INTID 34, level-sensitive (see tests/guest/devicetest for its registers).
 *
 * One alarm raises the clock's line, and it is left high: the kernel masks the line each time it fires, and every
 * event_irq_ack unmasks it, so it fires again at once. So each acknowledgement is one real delivery of the device's
 * interrupt, to whichever CPU it is routed to, and a burst of them shows in that CPU's `irqs` counter in
 * /scheme/sys/cpu. The test itself runs pinned to CPU 1, so the wake-ups it gets (IPIs to CPU 1) are not mistaken
 * for deliveries elsewhere. Each burst checks that the target CPU took at least BURST interrupts and the CPU it was
 * on before (or CPU 0, the default) fewer: a routing that did nothing fails both.
 *
 * Then: the line's route survives a CPU going offline (its interrupts move to CPU 0, the one pending then
 * arrives there) and coming back (they stay on CPU 0); an edge-triggered interrupt (a virtio-mmio transport with no
 * backend, raised from software) pending behind its mask at the moment it moves arrives at its new CPU, both for
 * event_irq_set_affinity and for hotplug; the route goes back to CPU 0 when the line is released; an irq: descriptor
 * holds a line as a subscription does; and the refusals. "irqaffinity other" is a child that holds nothing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define SELF     "/bin/init"
#define SELF_LEN 9
#define MS       1000000ll
#define RW       (WREN_PROT_READ | WREN_PROT_WRITE)
#define BURST    40
#define RTC_IRQ  34

enum { RTCDR = 0x00, RTCMR = 0x04, RTCCR = 0x0c, RTCIMSC = 0x10, RTCRIS = 0x14, RTCMIS = 0x18, RTCICR = 0x1c };

static char buf[4096];
static volatile uint32_t *rtc;
static long ncpu;

static long parse_long(const char *s)
{
    return strtol(s, 0, 10);
}

static int starts_with(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

static const char *next_line(const char *s)
{
    while (*s && *s != '\n')
        s++;
    return *s ? s + 1 : s;
}

/* The field after the `n`th space of the line (0: the first field). */
static const char *field(const char *line, int n)
{
    for (; n > 0 && *line && *line != '\n'; line++)
        if (*line == ' ')
            n--;
    return line;
}

/* A /scheme/sys file into buf; its length, or a negative error. */
static long read_sys(const char *path)
{
    long fd = wren_open(path, wren_strlen(path), WREN_OPEN_READ);
    if (fd < 0)
        return fd;
    long n = wren_read((wren_fd_t)fd, buf, sizeof(buf) - 1);
    wren_close((wren_fd_t)fd);
    buf[n > 0 ? n : 0] = 0;
    return n;
}

/* CPU c's `irqs` counter from /scheme/sys/cpu ("cpuN online B idle_ns N busy_pct P switches N irqs N ..."), or -1. */
static long cpu_irqs(long c)
{
    if (read_sys("/scheme/sys/cpu") <= 0)
        return -1;
    char want[8] = "cpu0 ";
    want[3] = (char)('0' + c);
    for (const char *line = buf; *line; line = next_line(line)) {
        if (!starts_with(line, want))
            continue;
        const char *irqs = line;
        while (*irqs && *irqs != '\n' && !starts_with(irqs, " irqs "))
            irqs++;
        return starts_with(irqs, " irqs ") ? parse_long(irqs + 6) : -1;
    }
    return -1;
}

struct irq_row {
    long cpu, count;
    int level;
};

/* INTID intid's line of /scheme/sys/irqs ("intid cpu count trigger"): 1 and the row, 0 if not listed, -1 if the
 * file is not as documented. */
static int irq_row(uint32_t intid, struct irq_row *row)
{
    if (read_sys("/scheme/sys/irqs") <= 0 || !starts_with(buf, "intid cpu count trigger\n"))
        return -1;
    for (const char *line = next_line(buf); *line; line = next_line(line)) {
        if (parse_long(line) != (long)intid)
            continue;
        row->cpu = parse_long(field(line, 1));
        row->count = parse_long(field(line, 2));
        row->level = starts_with(field(line, 3), "level\n");
        return 1;
    }
    return 0;
}

/* The CPU /scheme/sys/irqs says intid is routed to; -1 if not listed. */
static long routed_to(uint32_t intid)
{
    struct irq_row r;
    return irq_row(intid, &r) == 1 ? r.cpu : -1;
}

static long listed_count(uint32_t intid)
{
    struct irq_row r;
    return irq_row(intid, &r) == 1 ? r.count : -1;
}

/* One record of subscription id within 3 s: 1, or 0 (a timeout, or a record of something else). */
static int one_record(long q, long id)
{
    struct wren_event ev[2];
    long n = wren_event_wait((wren_handle_t)q, ev, 2, 3000 * MS);
    return n == 1 && ev[0].type == WREN_EVENT_IRQ && ev[0].subscription == (uint32_t)id;
}

/* n acknowledgements of the held-high clock line, each followed by the delivery it causes: how many arrived. */
static long burst(long q, long id, long n)
{
    long got = 0;
    for (long i = 0; i < n; i++) {
        if (wren_event_irq_ack((wren_handle_t)q, (uint32_t)id) != 0)
            break;
        if (!one_record(q, id))
            break;
        got++;
    }
    return got;
}

struct snap {
    long irqs[8];
    long count;
};

static void snap_take(struct snap *s, uint32_t intid)
{
    for (long c = 0; c < ncpu && c < 8; c++)
        s->irqs[c] = cpu_irqs(c);
    s->count = listed_count(intid);
}

/*
 * A burst of the clock's interrupt routed to CPU `to`: every one delivered, counted once in /scheme/sys/irqs, at
 * least BURST more interrupts on CPU `to` and fewer than BURST on CPU `other`.
 */
static void burst_on(long q, long id, long to, long other, const char *what)
{
    struct snap a, b;
    snap_take(&a, RTC_IRQ);
    long got = burst(q, id, BURST);
    snap_take(&b, RTC_IRQ);
    wren_print("irqaffinity: ");
    wren_print(what);
    wren_print(": cpu irqs deltas");
    for (long c = 0; c < ncpu; c++) {
        wren_print(" ");
        wren_print_dec(b.irqs[c] - a.irqs[c]);
    }
    wren_print("\n");
    wren_check("  every acknowledgement brought the next interrupt (the device works)", got, BURST);
    wren_check("  /scheme/sys/irqs counted each delivery", b.count - a.count, BURST);
    wren_check("  the target CPU took them (its irqs counter grew by the burst)", b.irqs[to] - a.irqs[to] >= BURST, 1);
    wren_check("  the other CPU did not", b.irqs[other] - a.irqs[other] < BURST, 1);
}

/* A child that holds no interrupt: it may not move the parent's (exit 0 if refused and nothing moved). */
static int other(void)
{
    long before = routed_to(RTC_IRQ);
    long r = wren_event_irq_set_affinity(RTC_IRQ, 1);
    return r == -E_PERM && before >= 0 && routed_to(RTC_IRQ) == before ? 0 : 1;
}

static long open_dev(const char *name)
{
    return wren_device_open(name, wren_strlen(name));
}

/* The clock mapped and started, an event subscription for its interrupt in *q / *id, and its line raised. */
static int rtc_setup(long *dev, long *q, long *id)
{
    struct wren_device_info info;
    *dev = open_dev("arm,pl031");
    if (*dev < 0 || wren_device_info((wren_handle_t)*dev, &info) != 0 || info.intid != RTC_IRQ)
        return 0;
    long m = wren_mmap(0, info.map_size, RW, WREN_MAP_SHARED, (wren_fd_t)*dev, 0);
    if (m < 0)
        return 0;
    rtc = (volatile uint32_t *)(uintptr_t)(m + info.page_offset);
    rtc[RTCCR / 4] = 1;
    *q = wren_event_queue_create();
    *id = wren_event_subscribe((wren_handle_t)*q, WREN_EVENT_IRQ, (uint64_t)*dev, 0, 0, 0);
    return *q >= 0 && *id > 0;
}

static void routing_and_hotplug(long q, long id)
{
    struct irq_row row;
    wren_check("/scheme/sys/irqs lists the clock's INTID 34, level-sensitive", irq_row(RTC_IRQ, &row) == 1 && row.level,
               1);
    wren_check("  on CPU 0, where every SPI starts", row.cpu, 0);
    wren_check("  and the console's UART (INTID 33, the kernel's own) on CPU 0", routed_to(33), 0);

    /* One alarm, and the line stays high from now on: RTCRIS is cleared only by RTCICR. */
    rtc[RTCICR / 4] = 1;
    rtc[RTCMR / 4] = rtc[RTCDR / 4] + 1;
    rtc[RTCIMSC / 4] = 1;
    wren_check("the alarm's interrupt arrives (on CPU 0)", one_record(q, id), 1);
    wren_check("  the device raised it (RTCMIS)", rtc[RTCMIS / 4] & 1, 1);

    burst_on(q, id, 0, 2, "on CPU 0");
    wren_check("route it to CPU 2", wren_event_irq_set_affinity(RTC_IRQ, 2), 0);
    wren_check("  /scheme/sys/irqs says CPU 2", routed_to(RTC_IRQ), 2);
    burst_on(q, id, 2, 0, "routed to CPU 2");
    wren_check("  still on CPU 2 after every acknowledgement", routed_to(RTC_IRQ), 2);

    wren_check("route it to CPU 3", wren_event_irq_set_affinity(RTC_IRQ, 3), 0);
    wren_check("  /scheme/sys/irqs says CPU 3", routed_to(RTC_IRQ), 3);
    burst_on(q, id, 3, 2, "routed to CPU 3");

    /* The last delivery is not acknowledged: the line is high and masked, pending at the distributor for CPU 3. */
    wren_check("take CPU 3 offline while its interrupt is pending", wren_cpu_set_online(3, 0), 0);
    wren_check("  the interrupt moved to CPU 0", routed_to(RTC_IRQ), 0);
    wren_check("  no route to the offline CPU", wren_event_irq_set_affinity(RTC_IRQ, 3), -E_INVAL);
    wren_check("  (and it stayed on CPU 0)", routed_to(RTC_IRQ), 0);
    wren_check("  acknowledged: the pending interrupt arrives",
               wren_event_irq_ack((wren_handle_t)q, (uint32_t)id) == 0 && one_record(q, id), 1);
    burst_on(q, id, 0, 2, "CPU 3 offline");

    wren_check("bring CPU 3 back", wren_cpu_set_online(3, 1), 0);
    wren_check("  the interrupt stays on CPU 0", routed_to(RTC_IRQ), 0);
    burst_on(q, id, 0, 3, "CPU 3 back");
    wren_check("  and can be routed to CPU 3 again", wren_event_irq_set_affinity(RTC_IRQ, 3), 0);
    burst_on(q, id, 3, 0, "routed to CPU 3 again");
    wren_check("  asking for the CPU it is on already", wren_event_irq_set_affinity(RTC_IRQ, 3), 0);
    wren_check("  back to CPU 0", wren_event_irq_set_affinity(RTC_IRQ, 0), 0);
    burst_on(q, id, 0, 3, "routed back to CPU 0");
}

static void refusals(void)
{
    wren_check("refused: INTID 0, an SGI", wren_event_irq_set_affinity(0, 1), -E_INVAL);
    wren_check("refused: INTID 27, the timer's PPI", wren_event_irq_set_affinity(27, 1), -E_INVAL);
    wren_check("refused: INTID 31, the last PPI", wren_event_irq_set_affinity(31, 1), -E_INVAL);
    wren_check("refused: an INTID past the controller's", wren_event_irq_set_affinity(1019, 1), -E_INVAL);
    wren_check("refused: an INTID past any GIC's", wren_event_irq_set_affinity(100000, 1), -E_INVAL);
    wren_check("refused: a CPU that does not exist", wren_event_irq_set_affinity(RTC_IRQ, (uint32_t)ncpu), -E_INVAL);
    wren_check("refused: CPU 99", wren_event_irq_set_affinity(RTC_IRQ, 99), -E_INVAL);
    wren_check("refused: CPU 2^32-1", wren_event_irq_set_affinity(RTC_IRQ, UINT32_MAX), -E_INVAL);
    wren_check("refused: the console's interrupt, the kernel's", wren_event_irq_set_affinity(33, 1), -E_PERM);
    wren_check("  it did not move", routed_to(33), 0);
    static const char child[] = "init\0other";
    wren_check("refused: a process that does not hold it (a child)",
               wren_check_wait_status(wren_spawn(SELF, SELF_LEN, child, sizeof(child), 0)), 0);
    wren_check("  what the refusals left: still on CPU 0", routed_to(RTC_IRQ), 0);
}

/* Wait for one record of subscription id after raising its (edge-triggered) interrupt. */
static int raise_and_wait(long q, long id, uint32_t intid)
{
    return wren_event_irq_raise(intid) == 0 && one_record(q, id);
}

/*
 * An edge-triggered interrupt pending behind its mask when it moves: raised once (delivered, and masked by the
 * kernel), raised again (pending), moved, acknowledged: the second one must arrive, at the new CPU.
 */
static void edge_pending_moves(void)
{
    long dev = open_dev("virtio,mmio");
    struct wren_device_info info;
    wren_check("open a virtio-mmio transport (edge-triggered)",
               dev >= 0 && wren_device_info((wren_handle_t)dev, &info) == 0 && info.irq_edge == 1, 1);
    uint32_t v = info.intid;
    wren_check("  its interrupt is not held: refused", wren_event_irq_set_affinity(v, 2), -E_PERM);
    long q = wren_event_queue_create();
    long id = wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IRQ, (uint64_t)dev, 0, 0, 0);
    wren_check("  subscribed", id > 0, 1);
    wren_check("  route it to CPU 2", wren_event_irq_set_affinity(v, 2), 0);
    long c2 = cpu_irqs(2), c0;
    wren_check("  raised: it arrives", raise_and_wait(q, id, v), 1);
    wren_check("  on CPU 2", cpu_irqs(2) > c2 && listed_count(v) == 1, 1);
    wren_check("  raised again, behind the mask", wren_event_irq_raise(v), 0);
    wren_check("  moved to CPU 3 while pending", wren_event_irq_set_affinity(v, 3), 0);
    long c3 = cpu_irqs(3);
    wren_check("  acknowledged: the pending one arrives",
               wren_event_irq_ack((wren_handle_t)q, (uint32_t)id) == 0 && one_record(q, id), 1);
    wren_check("  on CPU 3, counted once", cpu_irqs(3) > c3 && listed_count(v) == 2, 1);

    wren_check("  raised again, behind the mask", wren_event_irq_raise(v), 0);
    wren_check("  CPU 3 taken offline while it is pending", wren_cpu_set_online(3, 0), 0);
    wren_check("  the interrupt moved to CPU 0", routed_to(v), 0);
    c0 = cpu_irqs(0);
    wren_check("  acknowledged: the pending one arrives",
               wren_event_irq_ack((wren_handle_t)q, (uint32_t)id) == 0 && one_record(q, id), 1);
    wren_check("  on CPU 0, counted once", cpu_irqs(0) > c0 && listed_count(v) == 3, 1);
    wren_check("  nothing more: one interrupt raised, one delivered",
               wren_event_irq_ack((wren_handle_t)q, (uint32_t)id) == 0 &&
                   wren_event_wait((wren_handle_t)q, (struct wren_event *)buf, 1, 50 * MS) == -E_TIMEDOUT,
               1);
    wren_check("  CPU 3 back", wren_cpu_set_online(3, 1), 0);

    wren_check("  route it to CPU 1", wren_event_irq_set_affinity(v, 1), 0);
    wren_close((wren_fd_t)dev);
    wren_close((wren_fd_t)q);
    wren_check("released: no longer listed", routed_to(v), -1);
    wren_check("  and no longer ours to route", wren_event_irq_set_affinity(v, 1), -E_PERM);
    dev = open_dev("virtio,mmio");
    q = wren_event_queue_create();
    id = wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IRQ, (uint64_t)dev, 0, 0, 0);
    wren_check("  claimed again: it starts on CPU 0, its count at 0",
               id > 0 && routed_to(v) == 0 && listed_count(v) == 0, 1);
    wren_close((wren_fd_t)dev);
    wren_close((wren_fd_t)q);
}

/* The same through an irq: descriptor: holding it lets its opener route the line. */
static void irq_descriptor(long q, long id)
{
    wren_check("end the clock's subscription", wren_event_unsubscribe((wren_handle_t)q, (uint32_t)id), 0);
    wren_check("  its line is not listed", routed_to(RTC_IRQ), -1);
    static const char path[] = "/scheme/irq/pl031@9010000";
    long fd = wren_open(path, sizeof(path) - 1, WREN_OPEN_READ | WREN_OPEN_WRITE);
    wren_check("open it as an irq: descriptor", fd >= 0, 1);
    uint64_t n = 0;
    /* The line is still high: it fired at once, on CPU 0, and is masked. */
    wren_check("  route it to CPU 2", wren_event_irq_set_affinity(RTC_IRQ, 2), 0);
    wren_check("  the interrupt that came first", wren_read((wren_fd_t)fd, &n, sizeof(n)) == 8 && n >= 1, 1);
    long before = cpu_irqs(2), before0 = cpu_irqs(0), got = 0;
    for (int i = 0; i < BURST; i++) {
        if (wren_write((wren_fd_t)fd, &n, sizeof(n)) != 8 || wren_read((wren_fd_t)fd, &n, sizeof(n)) != 8)
            break;
        got += (long)n;
    }
    wren_check("  each acknowledgement brought one more", got, BURST);
    wren_check("  CPU 2 took them", cpu_irqs(2) - before >= BURST, 1);
    wren_check("  CPU 0 did not", cpu_irqs(0) - before0 < BURST, 1);
    rtc[RTCICR / 4] = 1; /* the device quiet, then the line let through: nothing more comes */
    rtc[RTCIMSC / 4] = 0;
    wren_write((wren_fd_t)fd, &n, sizeof(n));
    wren_close((wren_fd_t)fd);
    wren_check("  closed: released, not listed", routed_to(RTC_IRQ), -1);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "other"))
        return other();
    ncpu = argc >= 2 ? parse_long(argv[1]) : 1;

    wren_check_begin("irqaffinity");
    wren_check("run with 4 CPUs", ncpu, 4);
    if (ncpu != 4)
        return wren_check_end();
    /* On CPU 1, which none of the checks routes to: its wake-up IPIs are not counted as deliveries anywhere. */
    wren_check("pin the test to CPU 1", wren_set_affinity(0, 1u << 1), 0);
    wren_yield();
    long dev, q, id;
    wren_check("the clock opened, mapped, its interrupt subscribed", rtc_setup(&dev, &q, &id), 1);
    if (read_sys("/scheme/sys/irqs") > 0)
        wren_print(buf);
    routing_and_hotplug(q, id);
    refusals();
    edge_pending_moves();
    irq_descriptor(q, id);
    wren_close((wren_fd_t)q);
    wren_close((wren_fd_t)dev);
    return wren_check_end();
}
