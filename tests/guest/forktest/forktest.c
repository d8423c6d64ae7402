/*
 * forktest: run as /bin/init by tests/test_proc.py. Checks fork with copy-on-write: both
 * sides see the memory as it was, writes stay private to the writer, a write copies exactly
 * one page, the kernel writing into a shared page (a syscall's output) copies it too, and
 * 100 fork/exit/wait cycles give every page back.
 */
#include <stdint.h>

#include <wren/check.h>
#include <wren/syscalls.h>

#define PAGE 4096

static volatile long global = 7; /* in .data: a page of the program image */

/* The child's side; its exit status is the number of the first check that failed. */
static int child(volatile uint64_t *buf)
{
    if (global != 7 || buf[0] != 111 || buf[PAGE / 8] != 222)
        return 1;
    uint64_t before = wren_check_free_bytes();
    buf[0] = 333; /* copy-on-write: exactly one new page */
    if (buf[0] != 333 || before - wren_check_free_bytes() != PAGE)
        return 2;
    global = 8;
    if (global != 8)
        return 3;
    /* The kernel writes into a shared page (mem_info's output): it must copy it first. */
    struct wren_meminfo *mi = (struct wren_meminfo *)(buf + 2 * PAGE / 8);
    if (wren_mem_info(mi) != 0 || mi->page_size != PAGE)
        return 4;
    return 0;
}

int main(void)
{
    wren_check_begin("forktest");
    long a = wren_mmap(0, 3 * PAGE, WREN_PROT_READ | WREN_PROT_WRITE, WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS, -1, 0);
    volatile uint64_t *buf = (volatile uint64_t *)a;
    buf[0] = 111;
    buf[PAGE / 8] = 222;
    buf[2 * PAGE / 8] = 0;

    long pid = wren_fork();
    if (pid == 0)
        wren_exit(child(buf));
    wren_check("fork returns the child's pid", pid > 1, 1);
    int32_t status = -1;
    wren_check("wait for the child", wren_wait((int32_t)pid, &status, 0), pid);
    wren_check("the child saw the parent's memory and its writes worked (0 = all good)", status, 0);
    wren_check("the child's write did not reach the parent's heap", (long)buf[0], 111);
    wren_check("the child's write did not reach the parent's .data", global, 7);
    wren_check("the kernel's write in the child did not reach the parent", (long)buf[2 * PAGE / 8], 0);
    buf[PAGE / 8] = 444; /* our page is ours alone again: no copy needed, but it must be writable */
    wren_check("the parent can write after the child is gone", (long)buf[PAGE / 8], 444);

    uint64_t before = wren_check_free_bytes();
    int ok = 1;
    for (int i = 0; i < 100 && ok; i++) {
        long p = wren_fork();
        if (p == 0) {
            buf[0] = (uint64_t)i; /* force a copy in every child */
            wren_exit(buf[0] == (uint64_t)i ? 0 : 1);
        }
        ok = p > 0 && wren_wait((int32_t)p, &status, 0) == p && status == 0;
    }
    wren_check("100 fork/write/exit/wait cycles", ok, 1);
    wren_check("free memory back to where it started", (long)(before - wren_check_free_bytes()), 0);
    return wren_check_end();
}
