/*
 * randtest: run as /bin/init by tests/test_rng.py, with /bin/rng in the initrd and a virtio-rng device attached. It
 * starts the driver (`rng -d`, by fork and exec, as init does) and checks /scheme/rand from the client's side:
 * random bytes, reads of every size (a grant from 16 KiB on), and bad requests (other paths, writing, seeking,
 * bad buffers, stat and directory calls, hundreds of files left open, an unprivileged client), after which the
 * driver is the same process and still answers. Then the driver's death: a reader waiting on it (the driver is
 * stopped with SIGSTOP, so the read stays queued) gets E_IO as soon as it is killed, an fd opened before fails
 * with E_IO, the name is gone; a restarted driver serves again, and the old fd still fails.
 */
#include <stdint.h>
#include <string.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define RAND "/scheme/rand"
#define MS   1000000ll

static long open_path(const char *p, uint32_t flags)
{
    return wren_open(p, strlen(p), flags);
}

/* Start `rng -d` and wait (up to 5 s) until /scheme/rand opens: the driver's pid, or a negative value. */
static long start_driver(void)
{
    static const char args[] = "rng\0-d";
    static const char env[] = "PATH=/bin";
    long pid = wren_fork();
    if (pid == 0) {
        wren_setsid();
        wren_exec("/bin/rng", 8, args, sizeof(args), env, sizeof(env));
        wren_exit(127);
    }
    for (int i = 0; i < 500; i++) {
        long fd = open_path(RAND, WREN_OPEN_READ);
        if (fd >= 0) {
            wren_close((wren_fd_t)fd);
            return pid;
        }
        wren_sleep(10 * MS);
    }
    return -1;
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static uint8_t big[100000];

static void check_reads(void)
{
    long fd = open_path(RAND, WREN_OPEN_READ);
    wren_check("open " RAND, fd >= 0, 1);
    uint8_t a[32], b[32];
    wren_check("read 32", wren_read((wren_fd_t)fd, a, 32), 32);
    wren_check("read 32 again", wren_read((wren_fd_t)fd, b, 32), 32);
    wren_check("the two differ", memcmp(a, b, 32) != 0, 1);
    wren_check("read 1", wren_read((wren_fd_t)fd, a, 1), 1);
    wren_check("read 0 -> 0", wren_read((wren_fd_t)fd, a, 0), 0);
    wren_check("read 20000 (granted pages) -> 20000", wren_read((wren_fd_t)fd, big, 20000), 20000);
    wren_check("  filled", all_zero(big + 19000, 1000), 0);
    wren_check("read 100000 -> at most 64 KiB", wren_read((wren_fd_t)fd, big, sizeof(big)), 65536);
    wren_close((wren_fd_t)fd);
    fd = open_path("rand:", WREN_OPEN_READ);
    wren_check("open rand: (the other spelling)", fd >= 0, 1);
    wren_check("  read 16", wren_read((wren_fd_t)fd, a, 16), 16);
    wren_close((wren_fd_t)fd);
}

static void check_bad_requests(long driver)
{
    wren_check("open " RAND "/x -> E_NOENT", open_path(RAND "/x", WREN_OPEN_READ), -E_NOENT);
    wren_check("open for writing -> E_ACCES", open_path(RAND, WREN_OPEN_WRITE), -E_ACCES);
    wren_check("open read-write -> E_ACCES", open_path(RAND, WREN_OPEN_READ | WREN_OPEN_WRITE), -E_ACCES);
    wren_check("open with create -> E_ACCES", open_path(RAND, WREN_OPEN_READ | WREN_OPEN_CREATE), -E_ACCES);
    struct wren_stat st;
    wren_check("stat " RAND, wren_stat(RAND, strlen(RAND), &st), 0);
    wren_check("  a character device", st.type, WREN_FILE_TYPE_CHAR_DEVICE);
    wren_check("stat " RAND "/nothing -> E_NOENT", wren_stat(RAND "/nothing", strlen(RAND "/nothing"), &st), -E_NOENT);
    struct wren_dirent d;
    wren_check("readdir " RAND " fails", wren_readdir(RAND, strlen(RAND), 0, &d) < 0, 1);
    wren_check("unlink fails", wren_unlink(RAND, strlen(RAND)) < 0, 1);
    long fd = open_path(RAND, WREN_OPEN_READ);
    wren_check("lseek -> E_SPIPE", wren_lseek((wren_fd_t)fd, 0, WREN_WHENCE_SET), -E_SPIPE);
    wren_check("write on a read-only fd fails", wren_write((wren_fd_t)fd, "x", 1) < 0, 1);
    wren_check("read into a bad buffer -> E_FAULT", wren_read((wren_fd_t)fd, (void *)8, 32), -E_FAULT);
    wren_check("read into a read-only page -> E_FAULT", wren_read((wren_fd_t)fd, (void *)(uintptr_t)start_driver, 32),
               -E_FAULT);
    wren_check("a read after them -> 8", wren_read((wren_fd_t)fd, big, 8), 8);
    wren_close((wren_fd_t)fd);

    /* Many files left open, then all closed: the server keeps no state per file. */
    static long fds[200];
    int opened = 0;
    for (int i = 0; i < 200; i++)
        if ((fds[i] = open_path(RAND, WREN_OPEN_READ)) >= 0)
            opened++;
    wren_check("200 opens at once", opened, 200);
    for (int i = 0; i < 200; i++)
        if (fds[i] >= 0)
            wren_close((wren_fd_t)fds[i]);

    /* An unprivileged client. */
    long pid = wren_fork();
    if (pid == 0) {
        wren_port_drop_privilege();
        long f = open_path(RAND, WREN_OPEN_READ);
        uint8_t x[64];
        wren_exit(f >= 0 && wren_read((wren_fd_t)f, x, 64) == 64 ? 0 : 1);
    }
    wren_check("an unprivileged client reads 64", wren_check_wait_status(pid), 0);
    wren_check("the driver is still the same process", wren_kill((int32_t)driver, WREN_SIGNAL_NONE), 0);
    fd = open_path(RAND, WREN_OPEN_READ);
    wren_check("and still answers", wren_read((wren_fd_t)fd, big, 32), 32);
    wren_close((wren_fd_t)fd);
}

static void check_death_and_restart(long driver)
{
    long fd = open_path(RAND, WREN_OPEN_READ);
    wren_check("an fd opened before the death", fd >= 0, 1);
    wren_kill((int32_t)driver, WREN_SIGNAL_SIGSTOP);
    long reader = wren_fork();
    if (reader == 0) {
        uint8_t x[32];
        long r = wren_read((wren_fd_t)fd, x, 32); /* queued: the driver is stopped */
        wren_exit(r == -E_IO ? 0 : 1);
    }
    wren_sleep(200 * MS);
    int32_t status;
    wren_check("the reader waits while the driver is stopped", wren_wait((int32_t)reader, &status, WREN_WAIT_NOHANG),
               -E_AGAIN);
    long t0 = wren_get_time(WREN_CLOCK_MONOTONIC);
    wren_kill((int32_t)driver, WREN_SIGNAL_SIGKILL);
    wren_check("the waiting reader gets E_IO", wren_check_wait_status(reader), 0);
    long waited = wren_get_time(WREN_CLOCK_MONOTONIC) - t0;
    wren_check("  within 500 ms of the kill", waited < 500 * MS, 1);
    wren_check_wait_status(driver);
    uint8_t x[32];
    wren_check("the old fd -> E_IO", wren_read((wren_fd_t)fd, x, 32), -E_IO);
    wren_check("while no driver runs, open -> E_NOENT", open_path(RAND, WREN_OPEN_READ), -E_NOENT);

    long again = start_driver();
    wren_check("the driver restarted", again > 0, 1);
    long fd2 = open_path(RAND, WREN_OPEN_READ);
    wren_check("reads work again", wren_read((wren_fd_t)fd2, x, 32), 32);
    wren_check("the old fd still -> E_IO", wren_read((wren_fd_t)fd, x, 32), -E_IO);
    wren_close((wren_fd_t)fd2);
    wren_close((wren_fd_t)fd);
    wren_kill((int32_t)again, WREN_SIGNAL_SIGKILL);
    wren_check_wait_status(again);
}

int main(void)
{
    wren_check_begin("randtest");
    long driver = start_driver();
    wren_check("rng -d serves " RAND, driver > 0, 1);
    if (driver > 0) {
        check_reads();
        check_bad_requests(driver);
        check_death_and_restart(driver);
    }
    return wren_check_end();
}
