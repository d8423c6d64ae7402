/*
 * systest: run as /bin/init by tests/test_sys_scheme.py. Reads the kernel's files under /scheme/sys and checks
 * what can be checked from inside: syscall counts that rise by exactly the calls made in between (errors too),
 * snapshots that stay the same however they are read and sought, refusals of everything but reading, no leak
 * over many opens, uptime against the clock, memory against mem_info and kernel_stats. It prints the process
 * list (after spawning children), the cpu file and the log between "systest: begin NAME" and "systest: end NAME"
 * for the host to compare with what it knows.
 *
 * "systest flood" (booted with trace=syscalls) instead makes the kernel print far more than its log holds, prints
 * what the log file then says, and runs /bin/dmesg.
 */
#include <stddef.h>
#include <stdint.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define P(s) (s), (sizeof(s) - 1)

static char text[40000], again[40000];

static int str_eq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static int mem_eq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/* Read fd to its end in chunks of `chunk` bytes: the length, or a negative E_*. *reads counts the read calls. */
static long read_all(long fd, char *out, size_t cap, size_t chunk, long *reads)
{
    size_t len = 0;
    for (;;) {
        size_t want = chunk < cap - len ? chunk : cap - len;
        long n = wren_read((wren_fd_t)fd, out + len, want);
        if (reads)
            (*reads)++;
        if (n < 0)
            return n;
        if (n == 0 || want == 0)
            return (long)len;
        len += (size_t)n;
    }
}

/* The whole of a file: open, read (4 KiB at a time), close. */
static long slurp(const char *path, size_t path_len, char *out, size_t cap, long *reads)
{
    long fd = wren_open(path, path_len, WREN_OPEN_READ);
    if (fd < 0)
        return fd;
    long len = read_all(fd, out, cap, 4096, reads);
    wren_close((wren_fd_t)fd);
    return len;
}

/* The number after "key " at the start of a line of text[0..len), or -1. */
static long value_of(const char *t, long len, const char *key)
{
    size_t k = wren_strlen(key);
    for (long i = 0; i < len; i++) {
        if ((i == 0 || t[i - 1] == '\n') && i + (long)k < len && mem_eq(t + i, key, k) && t[i + k] == ' ') {
            long v = 0;
            for (long j = i + (long)k + 1; j < len && t[j] >= '0' && t[j] <= '9'; j++)
                v = v * 10 + (t[j] - '0');
            return v;
        }
    }
    return -1;
}

/* The calls and errors columns of syscall `name`'s line in the syscalls file; 0 if it has no line. */
static int counts_of(const char *t, long len, const char *name, long *calls, long *errors)
{
    size_t k = wren_strlen(name);
    *calls = *errors = 0;
    for (long i = 0; i < len; i++) {
        if ((i == 0 || t[i - 1] == '\n') && i + (long)k < len && mem_eq(t + i, name, k) && t[i + k] == ' ') {
            long j = i + (long)k + 1;
            for (; j < len && t[j] >= '0' && t[j] <= '9'; j++)
                *calls = *calls * 10 + (t[j] - '0');
            for (j++; j < len && t[j] >= '0' && t[j] <= '9'; j++)
                *errors = *errors * 10 + (t[j] - '0');
            return 1;
        }
    }
    return 0;
}

static void print_n(const char *s, long n)
{
    wren_write(1, s, (size_t)n);
}

static void syscall_counts(void)
{
    long reads = 0, c0, e0, c1, e1;
    long len0 = slurp(P("/scheme/sys/syscalls"), text, sizeof(text), &reads);
    int had_shm = counts_of(text, len0, "shm_create", &c0, &e0);
    long base[6][2];
    static const char *const names[6] = {"get_pid", "get_time", "read", "open", "close", "debug_write"};
    for (int i = 0; i < 6; i++)
        counts_of(text, len0, names[i], &base[i][0], &base[i][1]);

    /* Between the two snapshots: exactly these calls, and the reads and close of the first file. */
    for (int i = 0; i < 37; i++)
        wren_get_pid();
    long bad = 0;
    for (int i = 0; i < 5; i++)
        bad += wren_get_time(0x4d) == -E_INVAL;
    for (int i = 0; i < 3; i++)
        bad += wren_close(-1) == -E_BADF;
    long shm = wren_shm_create(4096);
    long shm_closed = wren_close((wren_fd_t)shm);

    long len1 = slurp(P("/scheme/sys/syscalls"), again, sizeof(again), 0);
    /* Checks print (debug_write): only now. */
    wren_check("syscalls: read the file", len0 > 0, 1);
    wren_check("syscalls: header line", mem_eq(text, "name calls errors\n", 18), 1);
    wren_check("syscalls: a call never made has no line", had_shm, 0);
    wren_check("syscalls: the failing calls failed", bad, 8);
    wren_check("syscalls: shm_create and its close worked", shm >= 0 && shm_closed == 0, 1);
    counts_of(again, len1, "get_pid", &c1, &e1);
    wren_check("syscalls: get_pid calls rose by the 37 made", c1 - base[0][0], 37);
    wren_check("syscalls: get_pid errors did not rise", e1 - base[0][1], 0);
    counts_of(again, len1, "get_time", &c1, &e1);
    wren_check("syscalls: get_time calls rose by 5", c1 - base[1][0], 5);
    wren_check("syscalls: get_time errors rose by the 5 refused", e1 - base[1][1], 5);
    counts_of(again, len1, "read", &c1, &e1);
    wren_check("syscalls: read calls rose by the reads of the first snapshot", c1 - base[2][0], reads);
    counts_of(again, len1, "open", &c1, &e1);
    wren_check("syscalls: open calls rose by 1 (this snapshot's own)", c1 - base[3][0], 1);
    counts_of(again, len1, "close", &c1, &e1);
    wren_check("syscalls: close calls rose by 5", c1 - base[4][0], 5);
    wren_check("syscalls: close errors rose by the 3 on fd -1", e1 - base[4][1], 3);
    counts_of(again, len1, "debug_write", &c1, &e1);
    wren_check("syscalls: nothing was printed in between", c1 - base[5][0], 0);
    wren_check("syscalls: shm_create now has a line", counts_of(again, len1, "shm_create", &c1, &e1), 1);
    wren_check("syscalls: shm_create once, no error", c1 * 100 + e1, 100);
}

/* One snapshot read byte by byte, in 7-byte pieces, after seeks and in one go: the same bytes every time. */
static void snapshot_reads(void)
{
    long fd = wren_open(P("/scheme/sys/processes"), WREN_OPEN_READ);
    wren_check("snapshot: open processes", fd >= 0, 1);
    struct wren_stat st;
    wren_check("snapshot: fstat", wren_fstat((wren_fd_t)fd, &st), 0);
    wren_check("snapshot: fstat says a regular file", st.type, WREN_FILE_TYPE_REGULAR);
    long len = read_all(fd, text, sizeof(text), 1, 0);
    wren_check("snapshot: byte-by-byte length is fstat's size", len, (long)st.size);
    wren_check("snapshot: a read at the end gives 0", wren_read((wren_fd_t)fd, again, 10), 0);
    wren_check("snapshot: lseek to 0", wren_lseek((wren_fd_t)fd, 0, WREN_WHENCE_SET), 0);
    long len7 = read_all(fd, again, sizeof(again), 7, 0);
    wren_check("snapshot: 7-byte reads give the same length", len7, len);
    wren_check("snapshot: and the same bytes", mem_eq(text, again, (size_t)len), 1);
    wren_check("snapshot: lseek to the end gives the size", wren_lseek((wren_fd_t)fd, 0, WREN_WHENCE_END), len);
    wren_check("snapshot: lseek to the middle", wren_lseek((wren_fd_t)fd, len / 2, WREN_WHENCE_SET), len / 2);
    long rest = wren_read((wren_fd_t)fd, again, sizeof(again));
    wren_check("snapshot: the second half's length", rest, len - len / 2);
    wren_check("snapshot: the second half's bytes", mem_eq(text + len / 2, again, (size_t)rest), 1);
    wren_check("snapshot: lseek back by 3 from the end", wren_lseek((wren_fd_t)fd, -3, WREN_WHENCE_CUR), len - 3);
    wren_check("snapshot: 3 bytes left", wren_read((wren_fd_t)fd, again, 100), 3);
    wren_check("snapshot: lseek before the start", wren_lseek((wren_fd_t)fd, -1, WREN_WHENCE_SET), -E_INVAL);
    wren_check("snapshot: lseek past the end", wren_lseek((wren_fd_t)fd, len + 100, WREN_WHENCE_SET), len + 100);
    wren_check("snapshot: read past the end gives 0", wren_read((wren_fd_t)fd, again, 10), 0);

    /* A process started after the open is not in this snapshot, and is in a fresh one. */
    static const char argv[] = "child\0spin\0"
                               "100";
    long pid = wren_spawn(P("/bin/child"), argv, sizeof(argv), 0);
    wren_check("snapshot: spawn a child", pid > 1, 1);
    wren_lseek((wren_fd_t)fd, 0, WREN_WHENCE_SET);
    long len2 = read_all(fd, again, sizeof(again), 4096, 0);
    wren_check("snapshot: the old snapshot is unchanged", len2 == len && mem_eq(text, again, (size_t)len), 1);
    wren_close((wren_fd_t)fd);
    long len3 = slurp(P("/scheme/sys/processes"), again, sizeof(again), 0);
    wren_check("snapshot: a fresh one has one line more", len3 > len && again[len3 - 1] == '\n', 1);
    wren_check("snapshot: the child's exit", wren_check_wait_status(pid), 0);
}

static void refusals(void)
{
    wren_check("refuse: open for writing", wren_open(P("/scheme/sys/log"), WREN_OPEN_WRITE), -E_ACCES);
    wren_check("refuse: open for reading and writing",
               wren_open(P("/scheme/sys/uptime"), WREN_OPEN_READ | WREN_OPEN_WRITE), -E_ACCES);
    wren_check("refuse: open to truncate", wren_open(P("/scheme/sys/cpu"), WREN_OPEN_READ | WREN_OPEN_TRUNCATE),
               -E_ACCES);
    wren_check("refuse: create a new file", wren_open(P("/scheme/sys/new"), WREN_OPEN_READ | WREN_OPEN_CREATE),
               -E_ACCES);
    wren_check("refuse: exclusive create of one that exists",
               wren_open(P("/scheme/sys/cpu"), WREN_OPEN_READ | WREN_OPEN_CREATE | WREN_OPEN_EXCL), -E_EXIST);
    wren_check("refuse: a name that is not there", wren_open(P("/scheme/sys/nothing"), WREN_OPEN_READ), -E_NOENT);
    wren_check("refuse: a path below a file", wren_open(P("/scheme/sys/cpu/x"), WREN_OPEN_READ), -E_NOENT);
    wren_check("refuse: open the directory", wren_open(P("/scheme/sys"), WREN_OPEN_READ), -E_ISDIR);
    wren_check("refuse: a file named as a directory", wren_open(P("/scheme/sys/cpu/"), WREN_OPEN_READ), -E_NOTDIR);
    long fd = wren_open(P("/scheme/sys/cpu"), WREN_OPEN_READ);
    wren_check("refuse: write to a descriptor opened for reading", wren_write((wren_fd_t)fd, "x", 1), -E_BADF);
    wren_close((wren_fd_t)fd);
    wren_check("refuse: unlink", wren_unlink(P("/scheme/sys/log")), -E_NOTSUP);
    wren_check("refuse: mkdir", wren_mkdir(P("/scheme/sys/d")), -E_NOTSUP);

    struct wren_stat st;
    wren_check("dir: stat /scheme/sys", wren_stat(P("/scheme/sys"), &st), 0);
    wren_check("dir: it is a directory", st.type, WREN_FILE_TYPE_DIRECTORY);
    static const char *const want[] = {"cpu",       "irqs",     "log",     "memory", "mounts",
                                       "processes", "syscalls", "threads", "uptime"};
    struct wren_dirent d;
    for (unsigned i = 0; i < 9; i++) {
        long r = wren_readdir(P("/scheme/sys"), i, &d);
        wren_check(want[i],
                   r == 0 && d.type == WREN_FILE_TYPE_REGULAR && str_eq((const char *)d.name, want[i]) &&
                       d.name_len == wren_strlen(want[i]),
                   1);
    }
    wren_check("dir: nothing after the ninth entry", wren_readdir(P("/scheme/sys"), 9, &d), -E_NOENT);
    wren_check("dir: a file is not a directory", wren_readdir(P("/scheme/sys/cpu"), 0, &d), -E_NOTDIR);
    /*
     * stat's size is what an open then reads. The cpu file's per-CPU counters move, but its length changes only when
     * one gains a digit: of a few tries in a row one sees no such change (a wrong size would fail every one).
     */
    wren_check("stat: cpu", wren_stat(P("/scheme/sys/cpu"), &st), 0);
    long got = 0;
    for (int try = 0; try < 5 && (long)st.size != got; try++)
        if (wren_stat(P("/scheme/sys/cpu"), &st) == 0)
            got = slurp(P("/scheme/sys/cpu"), text, sizeof(text), 0);
    wren_check("stat: cpu's size is the length read", (long)st.size, got);
    wren_check("stat: a name that is not there", wren_stat(P("/scheme/sys/nothing"), &st), -E_NOENT);
}

static void no_leak(void)
{
    static const char *const files[] = {"/scheme/sys/cpu",       "/scheme/sys/log",      "/scheme/sys/memory",
                                        "/scheme/sys/processes", "/scheme/sys/syscalls", "/scheme/sys/threads",
                                        "/scheme/sys/uptime"};
    struct wren_kernel_stats k0 = wren_check_kstats();
    uint64_t free0 = wren_check_free_bytes();
    long ok = 0;
    for (int round = 0; round < 100; round++) {
        for (int i = 0; i < 7; i++) {
            long fd = wren_open(files[i], wren_strlen(files[i]), WREN_OPEN_READ);
            long dup = wren_dup((wren_fd_t)fd);
            ok += fd >= 0 && dup >= 0 && wren_read((wren_fd_t)dup, text, 100) > 0;
            wren_close((wren_fd_t)fd);
            wren_close((wren_fd_t)dup);
        }
    }
    struct wren_kernel_stats k1 = wren_check_kstats();
    wren_check("leak: 700 opens read", ok, 700);
    wren_check("leak: objects", (long)k1.objects, (long)k0.objects);
    wren_check("leak: files", (long)k1.files, (long)k0.files);
    wren_check("leak: heap objects", (long)k1.heap_objects, (long)k0.heap_objects);
    wren_check("leak: heap pages", (long)k1.heap_pages, (long)k0.heap_pages);
    wren_check("leak: handles", (long)k1.handles, (long)k0.handles);
    wren_check("leak: free memory", (long)(wren_check_free_bytes() - free0), 0);
}

static void uptime(void)
{
    long t0 = wren_get_time(WREN_CLOCK_MONOTONIC);
    long len = slurp(P("/scheme/sys/uptime"), text, sizeof(text), 0);
    long t1 = wren_get_time(WREN_CLOCK_MONOTONIC);
    long ns0 = value_of(text, len, "ns");
    wren_check("uptime: ns between two get_time calls", t0 <= ns0 && ns0 <= t1, 1);
    /* "seconds S.NNNNNNNNN" is the same instant. */
    long secs = value_of(text, len, "seconds"), frac = -1;
    for (long i = 0; i + 1 < len; i++) {
        if (text[i] == '.') {
            frac = 0;
            for (long j = i + 1; j < i + 10; j++)
                frac = frac * 10 + (text[j] - '0');
            break;
        }
    }
    wren_check("uptime: seconds is ns in seconds", secs * 1000000000 + frac, ns0);
    wren_sleep(50 * 1000 * 1000);
    len = slurp(P("/scheme/sys/uptime"), text, sizeof(text), 0);
    long ns1 = value_of(text, len, "ns");
    wren_check("uptime: grew by the 50 ms slept (and less than a second)",
               ns1 - ns0 >= 50000000 && ns1 - ns0 < 1000000000, 1);
}

static void memory(void)
{
    struct wren_meminfo mi;
    wren_mem_info(&mi);
    struct wren_kernel_stats k = wren_check_kstats();
    long len = slurp(P("/scheme/sys/memory"), text, sizeof(text), 0);
    long total = value_of(text, len, "total"), free = value_of(text, len, "free");
    long kernel = value_of(text, len, "kernel"), used = value_of(text, len, "used");
    wren_check("memory: total is mem_info's", total, (long)mi.total);
    wren_check("memory: kernel is mem_info's", kernel, (long)mi.kernel);
    wren_check("memory: free is mem_info's, give or take the snapshot's pages",
               free <= (long)mi.free && free >= (long)mi.free - 16 * 4096, 1);
    wren_check("memory: used is the rest", used, total - free - kernel);
    wren_check("memory: page_size", value_of(text, len, "page_size"), 4096);
    wren_check("memory: objects is kernel_stats'", value_of(text, len, "objects"), (long)k.objects);
    wren_check("memory: processes is kernel_stats'", value_of(text, len, "processes"), k.processes);
    wren_check("memory: handles is kernel_stats'", value_of(text, len, "handles"), k.handles);
    long heap = value_of(text, len, "heap_objects");
    wren_check("memory: heap_objects counts the snapshot's own buffer",
               heap >= (long)k.heap_objects + 1 && heap <= (long)k.heap_objects + 4, 1);
    wren_check("memory: heap_pages is there", value_of(text, len, "heap_pages") > 0, 1);
}

/* Print a file between markers, for the host. */
static void show(const char *name, const char *path)
{
    long len = slurp(path, wren_strlen(path), text, sizeof(text), 0);
    wren_print("systest: begin ");
    wren_print(name);
    wren_print("\n");
    if (len > 0)
        print_n(text, len);
    wren_print("systest: end ");
    wren_print(name);
    wren_print("\n");
}

static void processes(void)
{
    static const char argv[] = "child\0spin\0"
                               "300";
    long a = wren_spawn(P("/bin/child"), argv, sizeof(argv), 0);
    long b = wren_spawn(P("/bin/child"), argv, sizeof(argv), 0);
    wren_print("systest: spawned ");
    wren_print_dec(a);
    wren_print(" ");
    wren_print_dec(b);
    wren_print("\n");
    show("processes", "/scheme/sys/processes");
    wren_check("processes: first child", wren_check_wait_status(a), 0);
    wren_check("processes: second child", wren_check_wait_status(b), 0);
}

/* One line built in a buffer and printed with one call: with every syscall traced, a trace line would otherwise
 * land between each piece. */
static char line[512];
static size_t line_len;

static void add(const char *s, size_t n)
{
    for (size_t i = 0; i < n && line_len < sizeof(line); i++)
        line[line_len++] = s[i];
}

static void add_dec(long v)
{
    char d[24];
    int n = 0;
    do
        d[sizeof(d) - 1 - n++] = (char)('0' + v % 10);
    while ((v /= 10) && n < 23);
    add(d + sizeof(d) - n, (size_t)n);
}

static void flush_line(void)
{
    print_n(line, (long)line_len);
    line_len = 0;
}

/* Make the kernel print far more than its log keeps (every syscall is traced), then read the log. */
static int flood(void)
{
    for (int i = 0; i < 3000; i++)
        wren_get_pid();
    long len = slurp(P("/scheme/sys/log"), text, sizeof(text), 0);
    long dropped = value_of(text, len, "dropped");
    long header = 0;
    while (header < len && text[header] != '\n')
        header++;
    add(P("systest: log dropped "));
    add_dec(dropped);
    add(P(" kept "));
    add_dec(len - header - 1);
    add(P("\n"));
    flush_line();
    long end = header + 1;
    while (end < len && text[end] != '\n')
        end++;
    add(P("systest: log first line: "));
    add(text + header + 1, (size_t)(end + 1 - (header + 1)));
    flush_line();
    static const char argv[] = "dmesg";
    long pid = wren_spawn(P("/bin/dmesg"), argv, sizeof(argv), 0);
    long status = wren_check_wait_status(pid);
    add(P("systest: dmesg exited "));
    add_dec(status);
    add(P("\n"));
    flush_line();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && str_eq(argv[1], "flood"))
        return flood();
    wren_check_begin("systest");
    syscall_counts();
    snapshot_reads();
    refusals();
    no_leak();
    uptime();
    memory();
    processes();
    show("cpu", "/scheme/sys/cpu");
    show("log", "/scheme/sys/log");
    return wren_check_end();
}
