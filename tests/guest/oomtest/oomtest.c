/*
 * oomtest: run as /bin/init by tests/test_memory.py on a small machine (256 MiB), with /bin/nop.
 * Running out of memory ends or refuses only the process that asked, and the system goes on:
 *   - a child that touches far more memory than there is is ended ("out of memory", SIGSEGV);
 *   - a child that fills the ramfs until a write fails gets E_NOMEM from that write and lives on;
 *   - a forked child writing to every page it shares copy-on-write with its parent, when there is
 *     not enough memory for the copies, is ended, and the parent's pages are intact and writable;
 * and after each, every page comes back and another program still runs.
 */
#include <stdint.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define P(s)   (s), (sizeof(s) - 1)
#define PAGE   4096ul
#define RW     (WREN_PROT_READ | WREN_PROT_WRITE)
#define ANON   (WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS)
#define KILLED (WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGSEGV)

static uint8_t chunk[64 * 1024];

static void another_program_runs(const char *what)
{
    char args[] = "nop";
    long pid = wren_spawn(P("/bin/nop"), args, sizeof(args), 0);
    wren_check(what, wren_check_wait_status(pid), 0);
}

static void hog_is_ended(void)
{
    uint64_t before = wren_check_free_bytes();
    long pid = wren_fork();
    if (pid == 0) {
        const uint64_t len = 64ull << 30;
        long a = wren_mmap(0, len, RW, ANON, -1, 0);
        if (a < 0)
            wren_exit(1);
        for (uint64_t off = 0; off < len; off += PAGE)
            *(volatile uint8_t *)(a + off) = 1;
        wren_exit(2);
    }
    wren_check("a child touching 64 GiB is ended (SIGSEGV)", wren_check_wait_status(pid), KILLED);
    wren_check("  every page came back", (long)(before - wren_check_free_bytes()), 0);
    another_program_runs("  then /bin/nop runs and exits 0");
}

static void enomem_to_the_asker(void)
{
    uint64_t before = wren_check_free_bytes();
    long pid = wren_fork();
    if (pid == 0) {
        long fd = wren_open(P("/tmp/fill"), WREN_OPEN_WRITE | WREN_OPEN_CREATE);
        long ret;
        if (fd < 0)
            wren_exit(10);
        do
            ret = wren_write(fd, chunk, sizeof(chunk));
        while (ret == (long)sizeof(chunk));
        if (ret > 0) /* out of memory part-way: the next write gets the error */
            ret = wren_write(fd, chunk, sizeof(chunk));
        /* Memory is out now: only what is already mapped may be touched until the file is gone. */
        wren_close(fd);
        wren_unlink(P("/tmp/fill"));
        wren_exit(ret == -E_NOMEM ? 0 : 11);
    }
    wren_check("a child filling the ramfs gets E_NOMEM from write and goes on", wren_check_wait_status(pid), 0);
    wren_unlink(P("/tmp/fill")); /* in case the child did not get that far */
    wren_check("  every page came back", (long)(before - wren_check_free_bytes()), 0);
    another_program_runs("  then /bin/nop runs and exits 0");
}

static void cow_under_pressure(void)
{
    uint64_t before = wren_check_free_bytes();
    uint64_t len = (before * 6 / 10) & ~(PAGE - 1);
    long a = wren_mmap(0, len, RW, ANON, -1, 0);
    wren_check("map 60% of free memory", a > 0, 1);
    volatile uint64_t *p = (volatile uint64_t *)a;
    for (uint64_t i = 0; i < len / PAGE; i++)
        p[i * PAGE / 8] = i;
    long pid = wren_fork();
    if (pid == 0) {
        for (uint64_t i = 0; i < len / PAGE; i++)
            p[i * PAGE / 8] = ~i; /* a copy for each: more than there is */
        wren_exit(3);
    }
    wren_check("fork shares it copy-on-write", pid > 0, 1);
    wren_check("the child writing every page runs out and is ended (SIGSEGV)", wren_check_wait_status(pid), KILLED);
    int intact = 1;
    for (uint64_t i = 0; i < len / PAGE; i++)
        intact &= p[i * PAGE / 8] == i;
    wren_check("  the parent's pages are intact", intact, 1);
    for (uint64_t i = 0; i < len / PAGE; i++)
        p[i * PAGE / 8] = i + 1; /* the only holder again: no copy needed */
    wren_check("  and writable again without a copy",
               (long)(before - wren_check_free_bytes()) <= (long)(len + len / 256), 1);
    wren_check("munmap it", wren_munmap((void *)a, len), 0);
    wren_check("  every page came back", (long)(before - wren_check_free_bytes()), 0);
    another_program_runs("  then /bin/nop runs and exits 0");
}

int main(void)
{
    wren_check_begin("oomtest");
    wren_mkdir(P("/tmp"));
    uint64_t start = wren_check_free_bytes();
    hog_is_ended();
    enomem_to_the_asker();
    cow_under_pressure();
    wren_check("free memory as at the start", (long)(start - wren_check_free_bytes()), 0);
    return wren_check_end();
}
