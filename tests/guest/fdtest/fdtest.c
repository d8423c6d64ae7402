/*
 * fdtest: run as /bin/init by tests/test_fd.py. File descriptors and pipes: reads and writes
 * through every kind of descriptor, the refusals (bad numbers, wrong direction, seeking a
 * pipe), dup/dup2 sharing, close-on-exec across exec, pipe end-of-file and E_PIPE, blocking
 * between two processes with 1 MiB through a 4 KiB pipe checked byte for byte, the table
 * filling up, and 10,000 pipe create/close cycles that must give back every page.
 *
 *   /bin/init                 the tests
 *   /bin/init probe FD        (exec'd by the close-on-exec test) exit 0 if FD is closed
 */
#include <stdint.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define P(s) (s), (sizeof(s) - 1)

static uint8_t buf[8192];

static long probe(const char *arg)
{
    long fd = 0;
    for (; *arg; arg++)
        fd = fd * 10 + (*arg - '0');
    return wren_write((int32_t)fd, "x", 1) == -E_BADF ? 0 : 1;
}

static long same(const uint8_t *a, const char *b, long n)
{
    for (long i = 0; i < n; i++)
        if (a[i] != (uint8_t)b[i])
            return 0;
    return 1;
}

static void basics(void)
{
    int32_t fds[2] = {-1, -1};
    struct wren_stat st;

    wren_check("pipe", wren_pipe(fds, 0), 0);
    wren_check("  read end is the lowest free descriptor", fds[0], 3);
    wren_check("  write end next", fds[1], 4);
    wren_check("write 5 bytes", wren_write(fds[1], "hello", 5), 5);
    wren_check("fstat: a pipe", wren_fstat(fds[0], &st) == 0 ? (long)st.type : -1, WREN_FILE_TYPE_PIPE);
    wren_check("fstat: 5 bytes waiting", (long)st.size, 5);
    wren_check("read 3 of them", wren_read(fds[0], buf, 3), 3);
    wren_check("  in order", same(buf, "hel", 3), 1);
    wren_check("read asks 100, gets the 2 left", wren_read(fds[0], buf, 100), 2);
    wren_check("  in order", same(buf, "lo", 2), 1);
    wren_check("read from the write end", wren_read(fds[1], buf, 1), -E_BADF);
    wren_check("write to the read end", wren_write(fds[0], "x", 1), -E_BADF);
    wren_check("lseek a pipe", wren_lseek(fds[0], 0, WREN_WHENCE_SET), -E_SPIPE);
    wren_check("read(-1)", wren_read(-1, buf, 1), -E_BADF);
    wren_check("read(256)", wren_read(256, buf, 1), -E_BADF);
    wren_check("read(1 << 30)", wren_read(1 << 30, buf, 1), -E_BADF);
    wren_check("close(77)", wren_close(77), -E_BADF);
    wren_check("write from a kernel address", wren_write(fds[1], (const void *)0xffff000040200000ull, 4), -E_FAULT);
    wren_write(fds[1], "z", 1);
    wren_check("read into a kernel address", wren_read(fds[0], (void *)0xffff000040200000ull, 4), -E_FAULT);
    wren_check("  the byte stays in the pipe", wren_read(fds[0], buf, 4), 1);
    wren_check("pipe with unknown flags", wren_pipe(fds, WREN_OPEN_READ), -E_INVAL);
    wren_check("pipe into a kernel address", wren_pipe((int32_t *)0xffff000040200000ull, 0), -E_FAULT);
    wren_check("  and left no descriptor behind", wren_close(5), -E_BADF);

    /* dup shares the end: the data written through the copy comes out of the pipe. */
    wren_check("dup of the write end", wren_dup(fds[1]), 5);
    wren_check("dup2 onto 9", wren_dup2(fds[1], 9), 9);
    wren_check("dup2 onto itself", wren_dup2(9, 9), 9);
    wren_check("dup2 onto 256", wren_dup2(9, 256), -E_BADF);
    wren_check("close the original write end", wren_close(fds[1]), 0);
    wren_check("write through the dup2 copy", wren_write(9, "ab", 2), 2);
    wren_check("write through the dup copy", wren_write(5, "c", 1), 1);
    wren_check("read both", wren_read(fds[0], buf, 10), 3);
    wren_check("  in order", same(buf, "abc", 3), 1);
    wren_check("close one copy", wren_close(5), 0);
    int32_t nb[2];
    wren_check("a non-blocking pipe", wren_pipe(nb, WREN_OPEN_NONBLOCK), 0);
    wren_check("  empty read: E_AGAIN", wren_read(nb[0], buf, 1), -E_AGAIN);
    long filled = 0, r;
    while ((r = wren_write(nb[1], buf, sizeof(buf))) > 0)
        filled += r;
    wren_check("  fills at 4096 bytes", filled, 4096);
    wren_check("  then E_AGAIN", r, -E_AGAIN);
    wren_close(nb[0]);
    wren_check("  writing with no reader: E_PIPE", wren_write(nb[1], "x", 1), -E_PIPE);
    wren_close(nb[1]);
    wren_check("close the last write end", wren_close(9), 0);
    wren_check("read at end of file", wren_read(fds[0], buf, 10), 0);
    wren_check("close the read end", wren_close(fds[0]), 0);
}

/* A child writes 1 MiB in odd-sized pieces; the parent reads it in other sizes and checks every byte. */
static void streaming(void)
{
    int32_t fds[2];
    enum { TOTAL = 1 << 20 };

    wren_check("pipe for streaming", wren_pipe(fds, 0), 0);
    long pid = wren_fork();
    if (pid == 0) {
        wren_close(fds[0]);
        uint8_t out[3001];
        long sent = 0;
        while (sent < TOTAL) {
            long n = TOTAL - sent < (long)sizeof(out) ? TOTAL - sent : (long)sizeof(out);
            for (long i = 0; i < n; i++)
                out[i] = (uint8_t)((sent + i) * 7 + (sent + i) / 251);
            if (wren_write(fds[1], out, (size_t)n) != n)
                wren_exit(3);
            sent += n;
        }
        wren_exit(0);
    }
    wren_close(fds[1]);
    long got = 0, bad = 0, r;
    while ((r = wren_read(fds[0], buf, 1 + got % 5000)) > 0) {
        for (long i = 0; i < r; i++)
            bad += buf[i] != (uint8_t)((got + i) * 7 + (got + i) / 251);
        got += r;
    }
    int32_t status = -1;
    wren_check("1 MiB through the pipe", got, TOTAL);
    wren_check("  every byte right", bad, 0);
    wren_check("  then end of file", r, 0);
    wren_check("  writer exited cleanly", wren_wait((int32_t)pid, &status, 0) == pid ? status : -1, 0);
    wren_close(fds[0]);
}

static void cloexec(void)
{
    int32_t fds[2];
    int32_t status = -1;

    wren_pipe(fds, 0);
    wren_check("set_cloexec on", wren_set_cloexec(fds[1], 1), 0);
    wren_check("set_cloexec reports it was on", wren_set_cloexec(fds[1], 1), 1);
    wren_check("set_cloexec(bad fd)", wren_set_cloexec(40, 1), -E_BADF);
    long pid = wren_fork();
    if (pid == 0) {
        static char argv[] = "init\0probe\0"
                             "4";
        wren_exec(P("/bin/init"), argv, sizeof(argv), 0, 0);
        wren_exit(9);
    }
    wren_check("exec closed the close-on-exec descriptor", wren_wait((int32_t)pid, &status, 0) == pid ? status : -1, 0);
    wren_set_cloexec(fds[1], 0);
    pid = wren_fork();
    if (pid == 0) {
        static char argv[] = "init\0probe\0"
                             "4";
        wren_exec(P("/bin/init"), argv, sizeof(argv), 0, 0);
        wren_exit(9);
    }
    wren_check("exec kept the other one", wren_wait((int32_t)pid, &status, 0) == pid ? status : -1, 1);
    wren_close(fds[0]);
    wren_close(fds[1]);
}

static void files(void)
{
    struct wren_stat st;

    wren_mkdir(P("/tmp"));
    long fd = wren_open(P("/tmp/f"), WREN_OPEN_READ | WREN_OPEN_WRITE | WREN_OPEN_CREATE);
    wren_check("open /tmp/f to create it", fd, 3);
    wren_check("write to the file", wren_write((int32_t)fd, "file data", 9), 9);
    wren_check("fstat: regular, 9 bytes",
               wren_fstat((int32_t)fd, &st) == 0 && st.type == WREN_FILE_TYPE_REGULAR ? (long)st.size : -1, 9);
    wren_check("lseek to 5", wren_lseek((int32_t)fd, 5, WREN_WHENCE_SET), 5);
    wren_check("read the rest", wren_read((int32_t)fd, buf, 100), 4);
    wren_check("  right bytes", same(buf, "data", 4), 1);
    wren_check("dup shares the position", wren_lseek((int32_t)wren_dup((int32_t)fd), 0, WREN_WHENCE_CUR), 9);
    wren_close(4);
    wren_close((int32_t)fd);
    fd = wren_open(P("/tmp/f"), WREN_OPEN_READ);
    wren_check("open read-only", fd, 3);
    wren_check("  write refused", wren_write((int32_t)fd, "x", 1), -E_BADF);
    wren_check("  read works", wren_read((int32_t)fd, buf, 100), 9);
    wren_close((int32_t)fd);
    wren_check("open a missing file", wren_open(P("/tmp/nothing"), WREN_OPEN_READ), -E_NOENT);
    wren_check("open with no access mode", wren_open(P("/tmp/f"), 0), -E_INVAL);
    wren_check("open with an unknown flag", wren_open(P("/tmp/f"), WREN_OPEN_READ | (1u << 20)), -E_INVAL);
    wren_check("open from a kernel address", wren_open((const char *)0xffff000040200000ull, 4, WREN_OPEN_READ),
               -E_FAULT);
    fd = wren_open(P("/tmp"), WREN_OPEN_READ);
    wren_check("read a directory", wren_read((int32_t)fd, buf, 1), -E_ISDIR);
    wren_close((int32_t)fd);
    fd = wren_open(P("console:"), WREN_OPEN_WRITE);
    wren_check("open console:", fd, 3);
    wren_check("  write to it", wren_write((int32_t)fd, P("fdtest: through console:\n")), 25);
    wren_check("  fstat: a character device", wren_fstat((int32_t)fd, &st) == 0 ? (long)st.type : -1,
               WREN_FILE_TYPE_CHAR_DEVICE);
    wren_check("  not readable (opened write-only)", wren_read((int32_t)fd, buf, 1), -E_BADF);
    wren_close((int32_t)fd);
    wren_check("stdout works", wren_write(1, P("fdtest: through fd 1\n")), 21);
    wren_check("unlink /tmp/f", wren_unlink(P("/tmp/f")), 0);
    wren_check("rmdir /tmp", wren_rmdir(P("/tmp")), 0);
}

static void table_full(void)
{
    long n = 0, r;
    while ((r = wren_dup(1)) >= 0)
        n++;
    wren_check("dup until the table is full", r, -E_MFILE);
    wren_check("  253 more fit beside 0-2", n, 253);
    int32_t fds[2];
    wren_check("  pipe refused", wren_pipe(fds, 0), -E_MFILE);
    for (long fd = 3; fd < 256; fd++)
        wren_close((int32_t)fd);
    wren_check("  and works again after closing", wren_pipe(fds, 0), 0);
    wren_close(fds[0]);
    wren_close(fds[1]);
}

/*
 * A call whose answer carries a handle (channel_transfer) into a full table: E_MFILE, and the answer
 * stays queued for a receive once there is room (nothing lost, as with receive).
 */
static void call_answer_into_full_table(void)
{
    int32_t ch[2];
    wren_channel_create(ch, 0);
    long pid = wren_fork();
    if (pid == 0) {
        struct wren_msg req;
        int32_t x[2];
        wren_receive(ch[1], &req, 0, 0);
        wren_channel_create(x, 0);
        wren_exit(wren_channel_transfer(ch[1], x[0], WREN_RIGHT_ALL) == 0 ? 0 : 1);
    }
    long n = 0;
    while (wren_dup(1) >= 0)
        n++;
    struct wren_msg m = {0};
    m.header.type = WREN_MSG_REQUEST;
    wren_check("a call answered with a handle, table full: E_MFILE", wren_call(ch[0], &m, 0), -E_MFILE);
    for (long fd = 256 - n; fd < 256; fd++)
        wren_close((int32_t)fd);
    wren_check("  the answer stayed queued: receive gets it", wren_receive(ch[0], &m, 0, 0), 4);
    wren_check("  with its handle", (long)m.header.handle_count, 1);
    int32_t h;
    __builtin_memcpy(&h, m.payload, sizeof(h));
    wren_check("  which is a channel end", wren_channel_close(h), 0);
    int32_t status = -1;
    wren_check("  the server sent it", wren_wait((int32_t)pid, &status, 0) == pid ? status : -1, 0);
    wren_channel_close(ch[0]);
    wren_channel_close(ch[1]);
}

static void no_leaks(void)
{
    int32_t fds[2];
    long bad = 0;
    uint64_t before = wren_check_free_bytes();
    struct wren_kernel_stats k0 = wren_check_kstats();
    for (int i = 0; i < 10000; i++) {
        bad += wren_pipe(fds, 0) != 0;
        bad += wren_write(fds[1], "x", 1) != 1;
        bad += wren_close(fds[0]) != 0;
        bad += wren_close(fds[1]) != 0;
    }
    wren_check("10,000 pipes made, used and closed", bad, 0);
    wren_mkdir(P("/tmp"));
    for (int i = 0; i < 10000; i++) {
        long fd = wren_open(P("/tmp/cycle"), WREN_OPEN_WRITE | WREN_OPEN_CREATE | WREN_OPEN_TRUNCATE);
        bad += fd < 0 || wren_write((int32_t)fd, "data", 4) != 4 || wren_close((int32_t)fd) != 0;
    }
    bad += wren_unlink(P("/tmp/cycle")) != 0 || wren_rmdir(P("/tmp")) != 0;
    wren_check("10,000 file opens, writes and closes", bad, 0);
    wren_check("  free memory back where it was", (long)(wren_check_free_bytes() - before), 0);
    struct wren_kernel_stats k1 = wren_check_kstats();
    wren_check("  kernel objects back where they were", (long)(k1.objects - k0.objects), 0);
    wren_check("  kernel heap allocations too", (long)(k1.heap_objects - k0.heap_objects), 0);
    wren_check("  and open handles", (long)(k1.handles - k0.handles), 0);
}

/* Fill the process table with children blocked on a pipe: fork must fail cleanly, then recover. */
static void process_table_full(void)
{
    int32_t fds[2];
    long n = 0, r;
    int32_t status;

    wren_pipe(fds, 0);
    while ((r = wren_fork()) > 0)
        n++;
    if (r == 0) { /* a child: wait for the parent to let go, then end */
        wren_close(fds[1]);
        char c;
        wren_read(fds[0], &c, 1);
        wren_exit(0);
    }
    wren_check("fork until the process table is full: E_AGAIN", r, -E_AGAIN);
    wren_check("  after a table's worth of children", n > 40, 1);
    wren_close(fds[1]); /* every child's read ends: end of file */
    wren_close(fds[0]);
    long reaped = 0;
    while (wren_wait(-1, &status, 0) > 0)
        reaped++;
    wren_check("  every child ended and was reaped", reaped, n);
    long pid = wren_fork();
    if (pid == 0)
        wren_exit(7);
    wren_check("  and fork works again", pid > 0 && wren_wait((int32_t)pid, &status, 0) == pid ? status : -1, 7);
}

/* ioctl: the console's foreground-group commands and the refusals (issue 6's ioctl on typed descriptors). */
static void ioctls(void)
{
    int32_t fds[2];
    wren_pipe(fds, 0);
    wren_check("ioctl on a pipe: E_NOTTY", wren_ioctl(fds[0], WREN_CONSOLE_IOCTL_GET_FOREGROUND_GROUP, 0), -E_NOTTY);
    wren_close(fds[0]);
    wren_close(fds[1]);
    wren_check("ioctl on fd 200 (not open): E_BADF", wren_ioctl(200, WREN_CONSOLE_IOCTL_GET_FOREGROUND_GROUP, 0),
               -E_BADF);
    wren_check("ioctl on fd -1: E_BADF", wren_ioctl(-1, WREN_CONSOLE_IOCTL_GET_FOREGROUND_GROUP, 0), -E_BADF);
    long was = wren_ioctl(0, WREN_CONSOLE_IOCTL_GET_FOREGROUND_GROUP, 0);
    wren_check("console: get the foreground group", was >= 0, 1);
    long me = wren_getpgid(0);
    wren_check("console: make our group the foreground",
               wren_ioctl(0, WREN_CONSOLE_IOCTL_SET_FOREGROUND_GROUP, (uint64_t)me), 0);
    wren_check("  get reads it back (through fd 1 too)", wren_ioctl(1, WREN_CONSOLE_IOCTL_GET_FOREGROUND_GROUP, 0), me);
    wren_check("console: a group that does not exist: E_INVAL",
               wren_ioctl(0, WREN_CONSOLE_IOCTL_SET_FOREGROUND_GROUP, 999), -E_INVAL);
    wren_check("console: a group number above INT32_MAX: E_INVAL",
               wren_ioctl(0, WREN_CONSOLE_IOCTL_SET_FOREGROUND_GROUP, 1ull << 32 | (uint64_t)me), -E_INVAL);
    wren_check("  the foreground group is unchanged", wren_ioctl(0, WREN_CONSOLE_IOCTL_GET_FOREGROUND_GROUP, 0), me);
    wren_check("console: an unknown command: E_NOTTY", wren_ioctl(0, 0x7777, 0), -E_NOTTY);
    wren_check("console: back to the group it had",
               wren_ioctl(0, WREN_CONSOLE_IOCTL_SET_FOREGROUND_GROUP, (uint64_t)was), 0);
}

int main(int argc, char **argv)
{
    if (argc == 3 && argv[1][0] == 'p')
        return (int)probe(argv[2]);
    wren_check_begin("fdtest");
    /* E_PIPE is checked here; the SIGPIPE that comes with it is tests/test_signals.py's business. */
    struct wren_sigaction ign = {.handler = WREN_SIGNAL_HANDLER_IGNORE};
    wren_check("ignore SIGPIPE", wren_sigaction(WREN_SIGNAL_SIGPIPE, &ign, 0), 0);
    basics();
    streaming();
    cloexec();
    files();
    ioctls();
    table_full();
    call_answer_into_full_table();
    process_table_full();
    no_leaks();
    return wren_check_end();
}
