/*
 * schemetest: run as /bin/init by tests/test_schemes.py. The kernel's own schemes other than file, console and sys,
 * each through open and the path calls as a program reaches them: null and zero; time (the clocks as files, timers
 * as descriptors: one-shot, periodic, absolute, disarmed, watched by an event queue, interrupted by a signal); pipe
 * (named pipes between two processes, the blocking opens, end of file and E_PIPE, unlink and rename); memory
 * (anonymous and named objects sized by ftruncate, shared by two processes, refusals); mmio and irq (the DTB's
 * devices listed and found by compatible string, the PL031 RTC opened, mapped and its alarm taken through an irq
 * descriptor; busy devices and lines, no access without the privilege). Every refusal is checked as the kernel
 * gives it, and kernel_stats must come back to where it was.
 *
 * PL031 registers (ARM DDI 0224, §3.2/3.3): RTCDR 0x00 seconds, RTCMR 0x04 match, RTCIMSC 0x10 interrupt mask,
 * RTCRIS 0x14 raw status, RTCICR 0x1C clear. QEMU virt: node pl031@9010000, SPI 2 = INTID 34, level-sensitive.
 */
#include <signal.h>
#include <stdint.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define MS     1000000ll
#define PAGE   4096ul
#define RW     (WREN_PROT_READ | WREN_PROT_WRITE)
#define RDWR   (WREN_OPEN_READ | WREN_OPEN_WRITE)
#define CREATE WREN_OPEN_CREATE
#define BADPTR ((void *)0xffff000040200000ull)

enum { RTCDR = 0x00, RTCMR = 0x04, RTCIMSC = 0x10, RTCRIS = 0x14, RTCICR = 0x1c };

static uint64_t slen(const char *s)
{
    uint64_t n = 0;
    while (s[n])
        n++;
    return n;
}

static int streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static long op(const char *path, uint32_t flags)
{
    return wren_open(path, slen(path), flags);
}

static long st_of(const char *path, struct wren_stat *st)
{
    *st = (struct wren_stat){0};
    return wren_stat(path, slen(path), st);
}

static long dirent_at(const char *path, uint64_t i, struct wren_dirent *d)
{
    return wren_readdir(path, slen(path), i, d);
}

/* Index of entry `name` in directory `path`, or -1 (or the error if listing fails at once). */
static long find_entry(const char *path, const char *name, struct wren_dirent *d)
{
    for (uint64_t i = 0; i < 300; i++) {
        long r = dirent_at(path, i, d);
        if (r == -E_NOENT)
            return -1;
        if (r < 0)
            return r;
        if (streq((const char *)d->name, name))
            return (long)i;
    }
    return -1;
}

static uint64_t now(void)
{
    return (uint64_t)wren_get_time(WREN_CLOCK_MONOTONIC);
}

static long rd64(long fd, uint64_t *v)
{
    return wren_read((int32_t)fd, v, sizeof(*v));
}

static long arm(long fd, uint64_t value, uint64_t interval, uint32_t flags)
{
    struct wren_timer_setting t = {.value_ns = value, .interval_ns = interval, .flags = flags};
    return wren_write((int32_t)fd, &t, sizeof(t));
}

/* ---- null and zero ---- */

static void null_and_zero(void)
{
    char buf[8192];
    struct wren_stat st;
    struct wren_dirent d;

    long fd = op("/scheme/null", RDWR);
    wren_check("open /scheme/null", fd >= 0, 1);
    wren_check("  read: end of file", wren_read((int32_t)fd, buf, sizeof(buf)), 0);
    wren_check("  write 100 bytes: all taken", wren_write((int32_t)fd, buf, 100), 100);
    wren_check("  write from a kernel address: taken unread", wren_write((int32_t)fd, BADPTR, 64), 64);
    wren_check("  lseek: 0", wren_lseek((int32_t)fd, 100, WREN_WHENCE_SET), 0);
    wren_check("  fstat: a char device", wren_fstat((int32_t)fd, &st) == 0 && st.type == WREN_FILE_TYPE_CHAR_DEVICE, 1);
    wren_check("  mmap: not supported", wren_mmap(0, PAGE, WREN_PROT_READ, WREN_MAP_PRIVATE, (int32_t)fd, 0),
               -E_NOTSUP);
    wren_check("  ioctl: not a tty", wren_ioctl((int32_t)fd, 1, 0), -E_NOTTY);
    wren_check("  ftruncate: nothing to size", wren_ftruncate((int32_t)fd, 0), -E_INVAL);
    long q = wren_event_queue_create();
    struct wren_event ev;
    wren_event_subscribe((wren_handle_t)q, WREN_EVENT_FD_READABLE, (uint64_t)fd, 0, 0, 5);
    wren_check("  an event queue finds it readable at once", wren_event_wait((wren_handle_t)q, &ev, 1, 0), 1);
    wren_close((int32_t)q);
    wren_close((int32_t)fd);
    fd = op("null:", WREN_OPEN_WRITE);
    wren_check("open null: (the other spelling)", fd >= 0, 1);
    wren_check("  write-only: read is refused", wren_read((int32_t)fd, buf, 1), -E_BADF);
    wren_close((int32_t)fd);
    wren_check("stat /scheme/null: a char device",
               st_of("/scheme/null", &st) == 0 && st.type == WREN_FILE_TYPE_CHAR_DEVICE, 1);
    wren_check("readdir /scheme/null: not a directory", dirent_at("/scheme/null", 0, &d), -E_NOTDIR);
    wren_check("open /scheme/null/x", op("/scheme/null/x", WREN_OPEN_READ), -E_NOENT);
    wren_check("stat /scheme/null/x", st_of("/scheme/null/x", &st), -E_NOENT);
    wren_check("create /scheme/null exclusively", op("/scheme/null", WREN_OPEN_WRITE | CREATE | WREN_OPEN_EXCL),
               -E_EXIST);
    wren_check("unlink /scheme/null: not supported", wren_unlink("/scheme/null", 12), -E_NOTSUP);

    fd = op("/scheme/zero", RDWR);
    wren_check("open /scheme/zero", fd >= 0, 1);
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = (char)0xaa;
    long n = wren_read((int32_t)fd, buf, sizeof(buf));
    int zeros = 1;
    for (unsigned i = 0; i < sizeof(buf); i++)
        zeros &= buf[i] == 0;
    wren_check("  read 8 KiB: all of it, all zero", n == (long)sizeof(buf) && zeros, 1);
    wren_check("  read into a kernel address", wren_read((int32_t)fd, BADPTR, 16), -E_FAULT);
    wren_check("  write: taken", wren_write((int32_t)fd, buf, 77), 77);
    long m = wren_mmap(0, 64 * PAGE, RW, WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS, -1, 0);
    wren_check("  read 256 KiB into fresh memory",
               wren_read((int32_t)fd, (void *)(uintptr_t)m, 64 * PAGE) == (long)(64 * PAGE) &&
                   ((volatile char *)(uintptr_t)m)[64 * PAGE - 1] == 0,
               1);
    wren_munmap((void *)(uintptr_t)m, 64 * PAGE);
    wren_close((int32_t)fd);
}

/* ---- time ---- */

static volatile int got_usr1;
static void on_usr1(int sig)
{
    (void)sig;
    got_usr1 = 1;
}

static void clocks(void)
{
    struct wren_stat st;
    struct wren_dirent d;
    struct wren_timespec ts, ts2;

    wren_check("readdir /scheme/time: monotonic",
               dirent_at("/scheme/time", 0, &d) == 0 && streq((char *)d.name, "monotonic"), 1);
    wren_check("  realtime", dirent_at("/scheme/time", 1, &d) == 0 && streq((char *)d.name, "realtime"), 1);
    wren_check("  timer", dirent_at("/scheme/time/", 2, &d) == 0 && streq((char *)d.name, "timer"), 1);
    wren_check("  and no more", dirent_at("/scheme/time", 3, &d), -E_NOENT);
    wren_check("stat /scheme/time: a directory of 3",
               st_of("/scheme/time", &st) == 0 && st.type == WREN_FILE_TYPE_DIRECTORY && st.size == 3, 1);
    wren_check("stat /scheme/time/monotonic",
               st_of("/scheme/time/monotonic", &st) == 0 && st.type == WREN_FILE_TYPE_CHAR_DEVICE, 1);
    wren_check("stat /scheme/time/sundial", st_of("/scheme/time/sundial", &st), -E_NOENT);
    wren_check("open /scheme/time/sundial", op("/scheme/time/sundial", WREN_OPEN_READ), -E_NOENT);
    wren_check("open /scheme/time itself", op("/scheme/time", WREN_OPEN_READ), -E_ISDIR);
    wren_check("readdir /scheme/time/timer", dirent_at("/scheme/time/timer", 0, &d), -E_NOTDIR);

    long fd = op("/scheme/time/monotonic", WREN_OPEN_READ);
    wren_check("open /scheme/time/monotonic", fd >= 0, 1);
    uint64_t before = now();
    long n = wren_read((int32_t)fd, &ts, sizeof(ts));
    uint64_t after = now();
    uint64_t t = (uint64_t)ts.sec * 1000000000ull + ts.nsec;
    wren_check("  read: a timespec", n, (long)sizeof(ts));
    wren_check("  between two get_time calls around it", t >= before && t <= after && ts.nsec < 1000000000u, 1);
    wren_sleep(2 * MS);
    wren_read((int32_t)fd, &ts2, sizeof(ts2));
    wren_check("  a later read is 2 ms on", (ts2.sec - ts.sec) * 1000000000ll + ts2.nsec - ts.nsec >= 2 * MS, 1);
    wren_check("  an 8-byte buffer is too short", wren_read((int32_t)fd, &ts, 8), -E_INVAL);
    wren_check("  into a kernel address", wren_read((int32_t)fd, BADPTR, sizeof(ts)), -E_FAULT);
    wren_check("  write (read-only descriptor)", wren_write((int32_t)fd, &ts, sizeof(ts)), -E_BADF);
    wren_close((int32_t)fd);
    wren_check("open monotonic for writing: a clock is not set here", op("/scheme/time/monotonic", RDWR), -E_ACCES);
    wren_check("  realtime neither", op("/scheme/time/realtime", WREN_OPEN_WRITE), -E_ACCES);
    fd = op("time:/realtime", WREN_OPEN_READ);
    wren_check("open time:/realtime", fd >= 0, 1);
    wren_check("  read: no time of day yet, as get_time says", wren_read((int32_t)fd, &ts, sizeof(ts)),
               wren_get_time(WREN_CLOCK_REALTIME));
    wren_close((int32_t)fd);
}

static void timers(void)
{
    uint64_t v = 0;
    struct wren_stat st;

    long fd = op("/scheme/time/timer", RDWR);
    long nb = op("/scheme/time/timer", RDWR | WREN_OPEN_NONBLOCK);
    wren_check("open two timers", fd >= 0 && nb >= 0 && fd != nb, 1);
    wren_check("  fstat: a scheme resource", wren_fstat((int32_t)fd, &st) == 0 && st.type == WREN_FILE_TYPE_SCHEME, 1);
    wren_check("  disarmed, non-blocking: E_AGAIN", rd64(nb, &v), -E_AGAIN);

    uint64_t t0 = now();
    wren_check("arm a 20 ms one-shot", arm(fd, 20 * MS, 0, 0), (long)sizeof(struct wren_timer_setting));
    long n = rd64(fd, &v);
    uint64_t dt = now() - t0;
    wren_check("  read waits for it: one expiry", n == 8 && v == 1, 1);
    wren_check("  not before 20 ms, nor much after (< 500 ms)", dt >= 20 * MS && dt < 500 * MS, 1);
    arm(nb, 5 * MS, 0, 0);
    wren_sleep(15 * MS);
    wren_check("  a one-shot fires once", rd64(nb, &v) == 8 && v == 1 && rd64(nb, &v) == -E_AGAIN, 1);

    /* Periodic from an absolute first expiry, so the count at any moment is exact: floor((now - t0) / 10 ms). */
    t0 = now();
    arm(fd, t0 + 10 * MS, 10 * MS, WREN_TIMER_ABSOLUTE);
    wren_sleep(55 * MS);
    uint64_t before = now();
    n = rd64(fd, &v);
    uint64_t after = now();
    wren_check("periodic 10 ms, read 55 ms on: every expiry so far (5, more if the sleep ran late)",
               n == 8 && v >= 5 && v >= (before - t0) / (10 * MS) && v <= (after - t0) / (10 * MS), 1);
    uint64_t total = v;
    rd64(fd, &v);
    dt = now() - t0;
    wren_check("  the next read waits for the next one: none early, none lost",
               v >= 1 && dt >= (total + v) * 10 * MS && (total + v) <= dt / (10 * MS), 1);
    wren_check("  disarmed by a zero value", arm(fd, 0, 10 * MS, 0), (long)sizeof(struct wren_timer_setting));
    wren_close((int32_t)nb);
    nb = op("/scheme/time/timer", RDWR | WREN_OPEN_NONBLOCK);
    arm(nb, 10 * MS, 0, 0);
    arm(nb, 0, 0, 0);
    wren_sleep(20 * MS);
    wren_check("  (a disarmed timer never fires)", rd64(nb, &v), -E_AGAIN);

    uint64_t at = now() + 15 * MS;
    arm(fd, at, 0, WREN_TIMER_ABSOLUTE);
    rd64(fd, &v);
    wren_check("absolute: fires at the time given, not before", v == 1 && now() >= at && now() < at + 500 * MS, 1);
    arm(fd, 1, 0, WREN_TIMER_ABSOLUTE);
    wren_check("  a time already past: at once", rd64(fd, &v) == 8 && v == 1, 1);
    arm(nb, 1000 * MS, 0, 0);
    arm(nb, 1, 0, WREN_TIMER_ABSOLUTE);
    wren_sleep(1 * MS);
    wren_check("  re-armed: the new setting replaces the old", rd64(nb, &v) == 8 && v == 1, 1);

    /* A 1 ns period nobody reads costs one interrupt, not a billion a second: a sleep beside it keeps its time. */
    t0 = now();
    arm(nb, 1, 1, 0);
    wren_sleep(20 * MS);
    dt = now() - t0;
    n = rd64(nb, &v);
    uint64_t upto = now() - t0;
    wren_check("a 1 ns periodic timer, unread, leaves a 20 ms sleep on time", dt >= 20 * MS && dt < 500 * MS, 1);
    wren_check("  and counts every expiry (one a nanosecond)", n == 8 && v >= 20000000 && v <= upto, 1);
    arm(nb, 0, 0, 0);

    struct wren_timer_setting bad = {.value_ns = MS, .flags = 1u << 7};
    wren_check("write: unknown flags", wren_write((int32_t)fd, &bad, sizeof(bad)), -E_INVAL);
    bad = (struct wren_timer_setting){.value_ns = MS, .reserved = 1};
    wren_check("  reserved not 0", wren_write((int32_t)fd, &bad, sizeof(bad)), -E_INVAL);
    wren_check("  8 bytes", wren_write((int32_t)fd, &bad, 8), -E_INVAL);
    wren_check("  from a kernel address", wren_write((int32_t)fd, BADPTR, sizeof(bad)), -E_FAULT);
    wren_check("read: 4 bytes", wren_read((int32_t)fd, &v, 4), -E_INVAL);
    arm(nb, 1, 0, WREN_TIMER_ABSOLUTE);
    wren_check("  into a kernel address", wren_read((int32_t)nb, BADPTR, 8), -E_FAULT);
    wren_check("  the count is kept for the next read", rd64(nb, &v) == 8 && v == 1, 1);
    wren_check("lseek: a timer has no position", wren_lseek((int32_t)fd, 0, WREN_WHENCE_SET), -E_SPIPE);

    /* An event queue wakes when the timer fires, with nobody reading it. */
    long q = wren_event_queue_create();
    struct wren_event ev;
    long id = wren_event_subscribe((wren_handle_t)q, WREN_EVENT_FD_READABLE, (uint64_t)fd, 0, 0, 42);
    wren_check("event queue watches a timer", id > 0, 1);
    wren_check("  not readable while disarmed", wren_event_wait((wren_handle_t)q, &ev, 1, 0), -E_TIMEDOUT);
    t0 = now();
    arm(fd, 25 * MS, 0, 0);
    n = wren_event_wait((wren_handle_t)q, &ev, 1, 1000 * MS);
    dt = now() - t0;
    wren_check("  event_wait returns when it fires", n == 1 && ev.cookie == 42 && (ev.data & WREN_POLL_READABLE), 1);
    wren_check("  not before 25 ms", dt >= 25 * MS && dt < 500 * MS, 1);
    wren_check("  the read then has it", rd64(fd, &v) == 8 && v == 1, 1);
    wren_check("  and it is quiet again", wren_event_wait((wren_handle_t)q, &ev, 1, 0), -E_TIMEDOUT);
    wren_close((int32_t)q);

    /* A signal interrupts a read that waits. */
    long pid = wren_fork();
    if (pid == 0) {
        signal(SIGUSR1, on_usr1);
        long r = rd64(fd, &v); /* disarmed: waits until the signal */
        wren_exit(r == -E_INTR && got_usr1 ? 0 : 1);
    }
    wren_sleep(20 * MS);
    wren_kill((int32_t)pid, WREN_SIGNAL_SIGUSR1);
    wren_check("a signal ends a waiting read with E_INTR", wren_check_wait_status(pid), 0);
    wren_close((int32_t)fd);
    wren_close((int32_t)nb);
    wren_check("create a timer exclusively", op("/scheme/time/timer", RDWR | CREATE | WREN_OPEN_EXCL), -E_EXIST);
}

/* ---- pipe ---- */

static void named_pipes(void)
{
    char buf[4000];
    struct wren_stat st;
    struct wren_dirent d;
    struct wren_sigaction ign = {.handler = WREN_SIGNAL_HANDLER_IGNORE};
    wren_sigaction(WREN_SIGNAL_SIGPIPE, &ign, 0);

    wren_check("open a pipe that is not there", op("/scheme/pipe/nope", WREN_OPEN_READ), -E_NOENT);
    long r = op("/scheme/pipe/one", WREN_OPEN_READ | CREATE | WREN_OPEN_NONBLOCK);
    wren_check("create /scheme/pipe/one, reading, non-blocking: at once", r >= 0, 1);
    wren_check("  readdir lists it", find_entry("/scheme/pipe", "one", &d) >= 0 && d.type == WREN_FILE_TYPE_PIPE, 1);
    wren_check("  stat: a pipe, empty",
               st_of("/scheme/pipe/one", &st) == 0 && st.type == WREN_FILE_TYPE_PIPE && st.size == 0, 1);
    wren_check("  no writer yet: end of file", wren_read((int32_t)r, buf, 10), 0);
    wren_check("  created again exclusively", op("/scheme/pipe/one", WREN_OPEN_WRITE | CREATE | WREN_OPEN_EXCL),
               -E_EXIST);
    wren_check("  both ends in one descriptor", op("/scheme/pipe/one", RDWR), -E_INVAL);
    long w = op("/scheme/pipe/one", WREN_OPEN_WRITE);
    wren_check("  a writer: the reader is there, no wait", w >= 0, 1);
    wren_check("  write 5 bytes", wren_write((int32_t)w, "hello", 5), 5);
    wren_check("  stat: 5 bytes waiting", st_of("/scheme/pipe/one", &st) == 0 && st.size == 5, 1);
    wren_check("  read them", wren_read((int32_t)r, buf, sizeof(buf)) == 5 && buf[0] == 'h' && buf[4] == 'o', 1);
    wren_check("  empty, a writer open: E_AGAIN", wren_read((int32_t)r, buf, 1), -E_AGAIN);
    wren_check("rename one -> two", wren_rename("/scheme/pipe/one", 16, "/scheme/pipe/two", 16), 0);
    wren_check("  one is gone", st_of("/scheme/pipe/one", &st), -E_NOENT);
    wren_check("  two is the same pipe",
               wren_write((int32_t)w, "x", 1) == 1 && st_of("/scheme/pipe/two", &st) == 0 && st.size == 1, 1);
    wren_check("unlink two", wren_unlink("/scheme/pipe/two", 16), 0);
    wren_check("  gone from the directory", find_entry("/scheme/pipe", "two", &d), -1);
    wren_check("  its ends still work", wren_read((int32_t)r, buf, 10) == 1 && buf[0] == 'x', 1);
    wren_check("unlink it again", wren_unlink("/scheme/pipe/two", 16), -E_NOENT);
    wren_close((int32_t)r);
    wren_check("no reader: write is E_PIPE", wren_write((int32_t)w, "y", 1), -E_PIPE);
    wren_close((int32_t)w);

    wren_check("a writer, non-blocking, nobody reading",
               op("/scheme/pipe/lonely", WREN_OPEN_WRITE | CREATE | WREN_OPEN_NONBLOCK), -E_AGAIN);
    wren_check("  (the name was made)", wren_unlink("/scheme/pipe/lonely", 19), 0);
    wren_check("a path below a pipe", op("/scheme/pipe/a/b", WREN_OPEN_READ | CREATE), -E_NOENT);
    wren_check("open the directory", op("/scheme/pipe", WREN_OPEN_READ), -E_ISDIR);
    wren_check("mkdir inside: not supported", wren_mkdir("/scheme/pipe/dir", 16), -E_NOTSUP);
    wren_check("stat the directory", st_of("/scheme/pipe/", &st) == 0 && st.type == WREN_FILE_TYPE_DIRECTORY, 1);

    /* Two processes: the writer's open waits for the reader, data passes, end of file when it is done. */
    wren_check("create /scheme/pipe/fifo (reading, non-blocking) and close it",
               wren_close((int32_t)op("/scheme/pipe/fifo", WREN_OPEN_READ | CREATE | WREN_OPEN_NONBLOCK)), 0);
    long pid = wren_fork();
    if (pid == 0) {
        long cw = op("/scheme/pipe/fifo", WREN_OPEN_WRITE); /* waits for the parent's open */
        char out[3000];
        for (int i = 0; i < 3000; i++)
            out[i] = (char)(i * 7 + 1);
        long ok =
            cw >= 0 && wren_write((int32_t)cw, out, 1000) == 1000 && wren_write((int32_t)cw, out + 1000, 2000) == 2000;
        wren_exit(ok ? 0 : 1);
    }
    wren_sleep(30 * MS);
    uint64_t t0 = now();
    r = op("/scheme/pipe/fifo", WREN_OPEN_READ);
    wren_check("the other process's writer waited for this reader", r >= 0, 1);
    long total = 0, good = 1;
    for (;;) {
        long n = wren_read((int32_t)r, buf + total, sizeof(buf) - (uint64_t)total);
        if (n <= 0)
            break;
        total += n;
    }
    for (long i = 0; i < total; i++)
        good &= buf[i] == (char)(i * 7 + 1);
    wren_check("  3,000 bytes came through, in order, then end of file", total == 3000 && good, 1);
    wren_check("  the writer exited cleanly", wren_check_wait_status(pid), 0);
    (void)t0;
    wren_close((int32_t)r);

    /* A reader's blocking open waits for a writer; a signal ends the wait. */
    pid = wren_fork();
    if (pid == 0) {
        signal(SIGUSR1, on_usr1);
        long cr = op("/scheme/pipe/fifo", WREN_OPEN_READ);
        wren_exit(cr == -E_INTR && got_usr1 ? 0 : 1);
    }
    wren_sleep(20 * MS);
    wren_kill((int32_t)pid, WREN_SIGNAL_SIGUSR1);
    wren_check("a reader's open waits for a writer; a signal ends it with E_INTR", wren_check_wait_status(pid), 0);
    wren_check("unlink fifo", wren_unlink("/scheme/pipe/fifo", 17), 0);
}

/* ---- memory ---- */

static void memory_objects(void)
{
    struct wren_stat st;
    struct wren_dirent d;
    char c;

    wren_check("open /scheme/memory read-only: a directory", op("/scheme/memory", WREN_OPEN_READ), -E_ISDIR);
    long a = op("/scheme/memory/", RDWR);
    wren_check("open /scheme/memory/ for writing: a new anonymous object", a >= 0, 1);
    wren_check("  fstat: size 0", wren_fstat((int32_t)a, &st) == 0 && st.size == 0 && st.type == WREN_FILE_TYPE_REGULAR,
               1);
    wren_check("  mmap of nothing", wren_mmap(0, PAGE, RW, WREN_MAP_SHARED, (int32_t)a, 0), -E_INVAL);
    wren_check("  ftruncate to 3 pages", wren_ftruncate((int32_t)a, 3 * PAGE - 100), 0);
    wren_check("  fstat: 12 KiB (whole pages)", wren_fstat((int32_t)a, &st) == 0 && st.size == 3 * PAGE, 1);
    wren_check("  shm_size agrees", wren_shm_size((wren_handle_t)a), (long)(3 * PAGE));
    long m = wren_mmap(0, 3 * PAGE, RW, WREN_MAP_SHARED, (int32_t)a, 0);
    wren_check("  mmap it shared", m > 0, 1);
    volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)m;
    p[0] = 0x1234;
    p[2 * PAGE / 4] = 0x5678;
    wren_check("  a second mapping sees the same pages", ({
                   long m2 = wren_mmap(0, 3 * PAGE, WREN_PROT_READ, WREN_MAP_SHARED, (int32_t)a, 0);
                   long ok = m2 > 0 && ((volatile uint32_t *)(uintptr_t)m2)[0] == 0x1234;
                   wren_munmap((void *)(uintptr_t)m2, 3 * PAGE);
                   ok;
               }),
               1);
    wren_check("  privately: refused", wren_mmap(0, PAGE, RW, WREN_MAP_PRIVATE, (int32_t)a, 0), -E_INVAL);
    wren_check("  shrink while page 3 is mapped: E_BUSY", wren_ftruncate((int32_t)a, PAGE), -E_BUSY);
    wren_check("  grow while mapped", wren_ftruncate((int32_t)a, 4 * PAGE), 0);
    wren_check("  the bytes stay", p[0] == 0x1234 && p[2 * PAGE / 4] == 0x5678, 1);
    wren_munmap((void *)(uintptr_t)m, 3 * PAGE);
    wren_check("  unmapped: shrink to 1 page", wren_ftruncate((int32_t)a, PAGE), 0);
    wren_check("  grow again: the cut page is zero", ({
                   wren_ftruncate((int32_t)a, 3 * PAGE);
                   long m3 = wren_mmap(0, 3 * PAGE, WREN_PROT_READ, WREN_MAP_SHARED, (int32_t)a, 0);
                   long ok = m3 > 0 && ((volatile uint32_t *)(uintptr_t)m3)[0] == 0x1234 &&
                             ((volatile uint32_t *)(uintptr_t)m3)[2 * PAGE / 4] == 0;
                   wren_munmap((void *)(uintptr_t)m3, 3 * PAGE);
                   ok;
               }),
               1);
    wren_check("  larger than 1 GiB", wren_ftruncate((int32_t)a, 2ull << 30), -E_NOMEM);
    wren_check("  read: not supported (map it)", wren_read((int32_t)a, &c, 1), -E_NOTSUP);
    wren_check("  write: not supported", wren_write((int32_t)a, &c, 1), -E_NOTSUP);
    wren_close((int32_t)a);

    wren_check("open a name that is not there", op("/scheme/memory/nope", RDWR), -E_NOENT);
    long n = op("/scheme/memory/shared", RDWR | CREATE | WREN_OPEN_EXCL);
    wren_check("create /scheme/memory/shared", n >= 0, 1);
    wren_check("  again exclusively", op("/scheme/memory/shared", RDWR | CREATE | WREN_OPEN_EXCL), -E_EXIST);
    wren_check("  truncate by name to 2 pages", wren_truncate("/scheme/memory/shared", 21, 2 * PAGE), 0);
    wren_check("  stat: 8 KiB", st_of("/scheme/memory/shared", &st) == 0 && st.size == 2 * PAGE, 1);
    wren_check("  readdir lists it", find_entry("/scheme/memory", "shared", &d) >= 0 && d.size == 2 * PAGE, 1);
    m = wren_mmap(0, 2 * PAGE, RW, WREN_MAP_SHARED, (int32_t)n, 0);
    p = (volatile uint32_t *)(uintptr_t)m;
    p[1] = 0xfeed;
    long pid = wren_fork();
    if (pid == 0) {
        /* A process of its own that opens the object by name and maps it (not the inherited mapping). */
        wren_munmap((void *)(uintptr_t)m, 2 * PAGE);
        long cfd = op("/scheme/memory/shared", RDWR);
        long cm = wren_mmap(0, 2 * PAGE, RW, WREN_MAP_SHARED, (int32_t)cfd, 0);
        if (cm <= 0)
            wren_exit(2);
        volatile uint32_t *cp = (volatile uint32_t *)(uintptr_t)cm;
        int saw = cp[1] == 0xfeed;
        cp[PAGE / 4] = 0xbeef;
        wren_exit(saw ? 0 : 1);
    }
    wren_check("another process opened it by name and saw this one's write", wren_check_wait_status(pid), 0);
    wren_check("  and this one sees its write", p[PAGE / 4], 0xbeef);
    wren_munmap((void *)(uintptr_t)m, 2 * PAGE);

    long ro = op("/scheme/memory/shared", WREN_OPEN_READ);
    wren_check("open it read-only", ro >= 0, 1);
    wren_check("  map for writing: refused", wren_mmap(0, PAGE, RW, WREN_MAP_SHARED, (int32_t)ro, 0), -E_ACCES);
    m = wren_mmap(0, PAGE, WREN_PROT_READ, WREN_MAP_SHARED, (int32_t)ro, 0);
    wren_check("  map for reading", m > 0 && ((volatile uint32_t *)(uintptr_t)m)[1] == 0xfeed, 1);
    wren_check("  ftruncate: not open for writing", wren_ftruncate((int32_t)ro, 0), -E_BADF);
    wren_check("rename shared -> kept", wren_rename("/scheme/memory/shared", 21, "/scheme/memory/kept", 19), 0);
    wren_check("  shared is gone", st_of("/scheme/memory/shared", &st), -E_NOENT);
    wren_check("unlink kept", wren_unlink("/scheme/memory/kept", 19), 0);
    wren_check("  gone", op("/scheme/memory/kept", RDWR), -E_NOENT);
    wren_check("  the mapping still reads it", ((volatile uint32_t *)(uintptr_t)m)[1], 0xfeed);
    wren_munmap((void *)(uintptr_t)m, PAGE);
    wren_close((int32_t)ro);
    wren_close((int32_t)n);
    wren_check("a path below a name", op("/scheme/memory/a/b", RDWR | CREATE), -E_NOENT);
    wren_check("truncate the directory", wren_truncate("/scheme/memory", 14, 0), -E_ISDIR);
}

/* ---- mmio and irq ---- */

static uint32_t reg(volatile uint32_t *r, unsigned off)
{
    return r[off / 4];
}

static void devices(void)
{
    struct wren_stat st;
    struct wren_dirent d;

    wren_check("readdir /scheme/mmio: _compatible first",
               dirent_at("/scheme/mmio", 0, &d) == 0 && streq((char *)d.name, "_compatible") &&
                   d.type == WREN_FILE_TYPE_DIRECTORY,
               1);
    wren_check("  the RTC is listed, its size and base",
               find_entry("/scheme/mmio", "pl031@9010000", &d) > 0 && d.type == WREN_FILE_TYPE_CHAR_DEVICE &&
                   d.size == 0x1000 && d.id == 0x9010000,
               1);
    wren_check("  a virtio-mmio transport too", find_entry("/scheme/mmio", "virtio_mmio@a000000", &d) > 0, 1);
    wren_check("  not the console UART (the kernel's)", find_entry("/scheme/mmio", "pl011@9000000", &d), -1);
    wren_check("  nor memory", find_entry("/scheme/mmio", "memory@40000000", &d), -1);
    wren_check("_compatible lists arm,pl031",
               find_entry("/scheme/mmio/_compatible", "arm,pl031", &d) >= 0 && d.size == 1, 1);
    long virtio = 0, ok = 1;
    for (uint64_t i = 0; dirent_at("/scheme/mmio/_compatible/virtio,mmio", i, &d) == 0; i++) {
        virtio++;
        ok &= d.type == WREN_FILE_TYPE_CHAR_DEVICE && d.name[0] == 'v' && d.name[11] == '@';
    }
    wren_check("_compatible/virtio,mmio lists QEMU's 32 transports", virtio == 32 && ok, 1);
    wren_check("  stat: a directory of 32", st_of("/scheme/mmio/_compatible/virtio,mmio/", &st) == 0 && st.size == 32,
               1);
    wren_check("_compatible/acme,flux", dirent_at("/scheme/mmio/_compatible/acme,flux", 0, &d), -E_NOENT);
    wren_check("stat the RTC", st_of("/scheme/mmio/pl031@9010000", &st) == 0 && st.size == 0x1000 && st.id == 0x9010000,
               1);
    wren_check("open an unknown device", op("/scheme/mmio/nothing@0", RDWR), -E_NOENT);
    wren_check("open the console UART", op("/scheme/mmio/pl011@9000000", RDWR), -E_NOENT);
    wren_check("open the RTC as a directory", op("/scheme/mmio/pl031@9010000/", RDWR), -E_NOTDIR);
    wren_check("open /scheme/mmio", op("/scheme/mmio", RDWR), -E_ISDIR);
    wren_check("open a _compatible directory", op("/scheme/mmio/_compatible/arm,pl031", RDWR), -E_ISDIR);

    long dev = op("/scheme/mmio/pl031@9010000", RDWR);
    wren_check("open /scheme/mmio/pl031@9010000", dev >= 0, 1);
    struct wren_device_info info;
    wren_check("  device_info on it: the PL031's registers and SPI 2",
               wren_device_info((wren_handle_t)dev, &info) == 0 && info.base == 0x9010000 && info.intid == 34, 1);
    long m = wren_mmap(0, PAGE, RW, WREN_MAP_SHARED, (int32_t)dev, 0);
    volatile uint32_t *rtc = (volatile uint32_t *)(uintptr_t)m;
    wren_check("  mmap maps the registers: RTCDR after 2020", m > 0 && reg(rtc, RTCDR) > 1577836800u, 1);
    wren_check("  a second open: E_BUSY", op("/scheme/mmio/pl031@9010000", RDWR), -E_BUSY);
    wren_check("  device_open of it: E_BUSY", wren_device_open("arm,pl031", 9), -E_BUSY);

    long irq = op("/scheme/irq/pl031@9010000", RDWR);
    wren_check("open /scheme/irq/pl031@9010000", irq >= 0, 1);
    wren_check("  stat: its id is INTID 34", st_of("/scheme/irq/pl031@9010000", &st) == 0 && st.id == 34, 1);
    wren_check("  a second open: E_BUSY", op("/scheme/irq/pl031@9010000", RDWR), -E_BUSY);
    long q = wren_event_queue_create();
    wren_check("  an IRQ subscription to the device: E_BUSY",
               wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IRQ, (uint64_t)dev, 0, 0, 0), -E_BUSY);
    wren_check("  /scheme/irq lists it", find_entry("/scheme/irq", "pl031@9010000", &d) > 0, 1);
    wren_check("  but not fw-cfg, which has no interrupt", find_entry("/scheme/irq", "fw-cfg@9020000", &d), -1);
    wren_check("  (/scheme/mmio does list fw-cfg)", find_entry("/scheme/mmio", "fw-cfg@9020000", &d) > 0, 1);
    wren_check("  /scheme/irq/fw-cfg@9020000", op("/scheme/irq/fw-cfg@9020000", RDWR), -E_NOENT);
    long id = wren_event_subscribe((wren_handle_t)q, WREN_EVENT_FD_READABLE, (uint64_t)irq, 0, 0, 9);
    struct wren_event ev;
    wren_check("  quiet: not readable", wren_event_wait((wren_handle_t)q, &ev, 1, 0), -E_TIMEDOUT);

    uint64_t v = 0;
    rtc[RTCICR / 4] = 1;
    rtc[RTCMR / 4] = reg(rtc, RTCDR) + 1;
    rtc[RTCIMSC / 4] = 1;
    long n = wren_event_wait((wren_handle_t)q, &ev, 1, 3000 * MS);
    wren_check("the alarm: the event queue sees the descriptor readable", n == 1 && ev.subscription == (uint32_t)id, 1);
    wren_check("  read: one interrupt", rd64(irq, &v) == 8 && v == 1, 1);
    wren_check("  the device raised it", reg(rtc, RTCRIS) & 1, 1);
    wren_sleep(20 * MS);
    wren_check("  masked until acknowledged: nothing more", wren_event_wait((wren_handle_t)q, &ev, 1, 0), -E_TIMEDOUT);
    wren_check("  acknowledge before the device is cleared", wren_write((int32_t)irq, &v, 8), 8);
    wren_check("  the level-sensitive line fires again at once", rd64(irq, &v) == 8 && v == 1, 1);
    rtc[RTCICR / 4] = 1;
    rtc[RTCIMSC / 4] = 0;
    wren_check("  cleared at the device, acknowledged", wren_write((int32_t)irq, &v, 8), 8);
    wren_sleep(20 * MS);
    wren_check("  quiet", wren_event_wait((wren_handle_t)q, &ev, 1, 0), -E_TIMEDOUT);
    wren_check("  acknowledge: exactly 8 bytes", wren_write((int32_t)irq, &v, 4), -E_INVAL);
    wren_check("  read: at least 8", wren_read((int32_t)irq, &v, 4), -E_INVAL);
    wren_check("event_irq_raise of the line this descriptor holds", wren_event_irq_raise(34), 0);
    wren_check("  read: it arrived", rd64(irq, &v) == 8 && v == 1, 1);
    wren_write((int32_t)irq, &v, 8);
    wren_close((int32_t)q);
    wren_close((int32_t)irq);
    wren_check("closed: the line is released", wren_event_irq_raise(34), -E_PERM);
    irq = op("/scheme/irq/_compatible/arm,pl031/", WREN_OPEN_READ);
    wren_check("  /scheme/irq/_compatible/arm,pl031 is a directory", irq, -E_ISDIR);
    wren_check("  and lists the RTC",
               dirent_at("/scheme/irq/_compatible/arm,pl031", 0, &d) == 0 && streq((char *)d.name, "pl031@9010000"), 1);
    irq = op("/scheme/irq/pl031@9010000", WREN_OPEN_READ | WREN_OPEN_NONBLOCK);
    wren_check("  it opens again, non-blocking", irq >= 0, 1);
    wren_check("  nothing pending: E_AGAIN", rd64(irq, &v), -E_AGAIN);
    wren_close((int32_t)irq);

    wren_close((int32_t)dev);
    wren_check("closed, still mapped: still busy", op("/scheme/mmio/pl031@9010000", RDWR), -E_BUSY);
    wren_munmap((void *)(uintptr_t)m, PAGE);
    dev = op("/scheme/mmio/pl031@9010000", WREN_OPEN_READ);
    wren_check("unmapped: it opens again (read-only)", dev >= 0, 1);
    wren_check("  map for writing: refused", wren_mmap(0, PAGE, RW, WREN_MAP_SHARED, (int32_t)dev, 0), -E_ACCES);
    wren_close((int32_t)dev);

    long pid = wren_fork();
    if (pid == 0) {
        wren_port_drop_privilege();
        long bits = 0;
        bits |= (op("/scheme/mmio/pl031@9010000", RDWR) != -E_ACCES) << 0;
        bits |= (op("/scheme/irq/pl031@9010000", RDWR) != -E_ACCES) << 1;
        bits |= (dirent_at("/scheme/mmio", 0, &d) != -E_ACCES) << 2;
        bits |= (st_of("/scheme/irq/pl031@9010000", &st) != -E_ACCES) << 3;
        bits |= (op("/scheme/null", RDWR) < 0) << 4; /* the rest stay reachable */
        wren_exit((int)bits);
    }
    wren_check("without the privilege: mmio and irq are E_ACCES (open, readdir, stat)", wren_check_wait_status(pid), 0);
}

int main(void)
{
    wren_check_begin("schemetest");
    struct wren_kernel_stats k0 = wren_check_kstats();
    null_and_zero();
    clocks();
    timers();
    named_pipes();
    memory_objects();
    devices();
    struct wren_kernel_stats k1 = wren_check_kstats();
    wren_check("everything released: objects", (long)(k1.objects - k0.objects), 0);
    wren_check("  shared-memory objects", (long)k1.shm_objects - (long)k0.shm_objects, 0);
    wren_check("  handles", (long)k1.handles - (long)k0.handles, 0);
    wren_check("  heap allocations", (long)(k1.heap_objects - k0.heap_objects), 0);
    /* Free memory is compared by the host test, after init has exited: init's own stack and data grow meanwhile. */
    return wren_check_end();
}
