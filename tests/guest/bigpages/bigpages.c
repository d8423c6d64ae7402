/*
 * bigpages: run as /bin/init by tests/test_memory.py. Checks 2 MiB pages and PROT_NONE, counting pages with the
 * kernel's free-memory counter (mem_info):
 * - the first touch of a 2 MiB-aligned stretch of a large anonymous mapping takes a whole 2 MiB block at once (512
 *   pages), which reads as zero and is writable everywhere without any further allocation; an unaligned stretch
 *   still costs one page per touch;
 * - munmap and mprotect of one page inside a block split it: the neighbours keep their data and their access, the
 *   page itself faults (the toucher, a child, is killed by SIGSEGV);
 * - fork of a process with a block keeps parent and child isolated, a write copies one page;
 * - PROT_NONE (by mprotect, or mmap with prot 0) makes pages untouchable for the program and the kernel alike, and
 *   mprotect back to read/write gives them back with their contents;
 * - every page comes back (the host test also compares the free memory after this program with that at boot).
 */
#include <stdint.h>

#include <wren/check.h>
#include <wren/syscalls.h>

#define PAGE  4096ull
#define BLOCK (2ull << 20)
#define RW    (WREN_PROT_READ | WREN_PROT_WRITE)
#define ANON  (WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS)

/* A mapping of len bytes (+ 2 MiB of slack) and its first 2 MiB-aligned address. */
static uint64_t map_aligned(uint64_t len, uint64_t *raw)
{
    long a = wren_mmap(0, len + BLOCK, RW, ANON, -1, 0);
    if (a < 0)
        return 0;
    *raw = (uint64_t)a;
    return ((uint64_t)a + BLOCK - 1) & ~(BLOCK - 1);
}

/* Forks a child that reads (write = 0) or writes one byte at va; its wait status (SIGSEGV when the touch kills it). */
static long touch_in_child(uint64_t va, int write)
{
    long pid = wren_fork();
    if (pid == 0) {
        volatile uint8_t *p = (volatile uint8_t *)va;
        if (write)
            *p = 1;
        else
            (void)*p;
        wren_exit(0); /* the touch was allowed */
    }
    int32_t status = -1;
    return wren_wait((int32_t)pid, &status, 0) == pid ? status : -1;
}

static void check_block_on_first_touch(void)
{
    uint64_t before = wren_check_free_bytes(), raw;
    uint64_t a = map_aligned(2 * BLOCK, &raw);
    wren_check("mmap 4 MiB (+2 MiB to align)", a != 0, 1);
    wren_check("mmap allocates nothing yet", (long)(before - wren_check_free_bytes()), 0);
    volatile uint64_t *p = (volatile uint64_t *)(a + 12345 * 8);
    *p = 0x1234;
    long cost = (long)(before - wren_check_free_bytes());
    /* 512 pages, and maybe up to two page tables (L1, L2) for a new area; never an L3 table. */
    wren_check("one touch takes a whole 2 MiB block", cost >= (long)BLOCK && cost <= (long)(BLOCK + 2 * PAGE), 1);

    uint64_t after_first = wren_check_free_bytes();
    volatile uint64_t *q = (volatile uint64_t *)a;
    int zero = 1;
    for (uint64_t i = 0; i < BLOCK / 8; i += 7) /* every page, at varying offsets */
        if (i != 12345 && q[i] != 0)
            zero = 0;
    wren_check("the rest of the block reads as zero", zero, 1);
    for (uint64_t off = 0; off < BLOCK; off += PAGE)
        q[off / 8 + (off / PAGE) % 512] = off + 1;
    int back = 1;
    for (uint64_t off = 0; off < BLOCK; off += PAGE)
        back &= q[off / 8 + (off / PAGE) % 512] == off + 1;
    wren_check("every page of the block is writable and reads back", back, 1);
    wren_check("...without allocating anything more", (long)(after_first - wren_check_free_bytes()), 0);

    *(volatile uint8_t *)(a + BLOCK + 5 * PAGE) = 1;
    wren_check("the second 2 MiB: another block, no new table", (long)(after_first - wren_check_free_bytes()),
               (long)BLOCK);

    /* The slack below the aligned part is not a whole aligned 2 MiB: 4 KiB pages there. */
    if (a - raw >= 2 * PAGE) {
        uint64_t b = wren_check_free_bytes();
        *(volatile uint8_t *)(raw + PAGE) = 1;
        long c = (long)(b - wren_check_free_bytes());
        wren_check("an unaligned stretch costs a page (+ at most an L3 table)", c >= (long)PAGE && c <= 2 * (long)PAGE,
                   1);
    }
    wren_check("munmap", wren_munmap((void *)raw, 3 * BLOCK), 0);
    wren_check("munmap returns every page", (long)(before - wren_check_free_bytes()), 0);
}

static void check_split_by_munmap_and_mprotect(void)
{
    uint64_t before = wren_check_free_bytes(), raw;
    uint64_t a = map_aligned(BLOCK, &raw);
    volatile uint64_t *p = (volatile uint64_t *)a;
    for (uint64_t i = 0; i < 512; i++)
        p[i * PAGE / 8] = 1000 + i;
    uint64_t full = wren_check_free_bytes();
    wren_check("munmap one page inside the block", wren_munmap((void *)(a + 100 * PAGE), PAGE), 0);
    /* The page comes back, an L3 table is taken for the 511 left. */
    wren_check("...frees that page and costs one table", (long)(full - wren_check_free_bytes()), 0);
    int kept = 1;
    for (uint64_t i = 0; i < 512; i++)
        if (i != 100)
            kept &= p[i * PAGE / 8] == 1000 + i;
    wren_check("the other 511 pages keep their data", kept, 1);
    wren_check("reading the unmapped page kills the reader", touch_in_child(a + 100 * PAGE, 0),
               WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGSEGV);
    wren_check("...while its neighbours stay readable", touch_in_child(a + 99 * PAGE, 0), 0);
    p[101 * PAGE / 8] = 7;
    wren_check("...and writable", (long)p[101 * PAGE / 8], 7);

    wren_check("mprotect one page read-only", wren_mprotect((void *)(a + 300 * PAGE), PAGE, WREN_PROT_READ), 0);
    wren_check("writing it kills the writer", touch_in_child(a + 300 * PAGE, 1),
               WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGSEGV);
    wren_check("reading it is fine and sees the data", (long)p[300 * PAGE / 8], 1300);
    p[299 * PAGE / 8] = 8;
    p[301 * PAGE / 8] = 9;
    wren_check("its neighbours stay writable", (long)(p[299 * PAGE / 8] + p[301 * PAGE / 8]), 17);
    wren_check("munmap the rest", wren_munmap((void *)raw, 2 * BLOCK), 0);
    wren_check("every page comes back", (long)(before - wren_check_free_bytes()), 0);

    /* mprotect of a whole block keeps it a block: no table needed, nothing allocated. */
    a = map_aligned(BLOCK, &raw);
    p = (volatile uint64_t *)a;
    p[0] = 55;
    uint64_t b = wren_check_free_bytes();
    wren_check("mprotect a whole block read-only", wren_mprotect((void *)a, BLOCK, WREN_PROT_READ), 0);
    wren_check("...allocates nothing", (long)(b - wren_check_free_bytes()), 0);
    wren_check("...and writing it kills the writer", touch_in_child(a + 7 * PAGE, 1),
               WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGSEGV);
    wren_check("mprotect it back", wren_mprotect((void *)a, BLOCK, RW), 0);
    p[7 * PAGE / 8] = 56;
    wren_check("writable again, data kept", (long)(p[0] + p[7 * PAGE / 8]), 111);
    wren_munmap((void *)raw, 2 * BLOCK);
    wren_check("every page comes back again", (long)(before - wren_check_free_bytes()), 0);
}

static void check_fork(void)
{
    uint64_t before = wren_check_free_bytes(), raw;
    uint64_t a = map_aligned(BLOCK, &raw);
    volatile uint64_t *p = (volatile uint64_t *)a;
    for (uint64_t i = 0; i < 512; i++)
        p[i * PAGE / 8] = 2000 + i;

    long pid = wren_fork();
    if (pid == 0) {
        int bad = 0;
        for (uint64_t i = 0; i < 512; i++)
            bad |= p[i * PAGE / 8] != 2000 + i;
        wren_check_free_bytes(); /* its first call copies our stack page (mem_info writes there): not the cost measured
                                  */
        uint64_t b = wren_check_free_bytes();
        p[10 * PAGE / 8] = 1; /* a copy of that page alone */
        if (b - wren_check_free_bytes() != PAGE)
            bad |= 2;
        p[11 * PAGE / 8] = 2;
        wren_exit(bad ? 100 + bad : (p[10 * PAGE / 8] == 1 && p[11 * PAGE / 8] == 2 ? 0 : 99));
    }
    int32_t status = -1;
    wren_check("fork with a block", wren_wait((int32_t)pid, &status, 0), pid);
    wren_check("the child saw the block and its writes copied one page each (0 = good)", status, 0);
    int same = 1;
    for (uint64_t i = 0; i < 512; i++)
        same &= p[i * PAGE / 8] == 2000 + i;
    wren_check("the child's writes did not reach the parent", same, 1);
    p[10 * PAGE / 8] = 3;
    p[400 * PAGE / 8] = 4;
    wren_check("the parent writes its pages again", (long)(p[10 * PAGE / 8] + p[400 * PAGE / 8]), 7);

    /* The other way round: the parent writes while the child still holds the pages. */
    pid = wren_fork();
    if (pid == 0) {
        wren_sleep(20000000); /* 20 ms: the parent writes meanwhile */
        wren_exit(p[10 * PAGE / 8] == 3 && p[20 * PAGE / 8] == 2020 ? 0 : 1);
    }
    p[20 * PAGE / 8] = 5;
    wren_check("the parent's write after fork", (long)p[20 * PAGE / 8], 5);
    wren_check("wait", wren_wait((int32_t)pid, &status, 0), pid);
    wren_check("the child still saw the old data", status, 0);
    wren_munmap((void *)raw, 2 * BLOCK);
    wren_check("every page comes back after fork and exit", (long)(before - wren_check_free_bytes()), 0);
}

static void check_prot_none(void)
{
    uint64_t before = wren_check_free_bytes();
    long a = wren_mmap(0, 3 * PAGE, RW, ANON, -1, 0);
    volatile uint64_t *p = (volatile uint64_t *)a;
    p[0] = 11;
    p[PAGE / 8] = 22;
    wren_check("mprotect PROT_NONE", wren_mprotect((void *)a, 3 * PAGE, 0), 0);
    wren_check("reading a PROT_NONE page kills the reader", touch_in_child((uint64_t)a, 0),
               WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGSEGV);
    wren_check("writing it kills the writer", touch_in_child((uint64_t)a + PAGE, 1),
               WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGSEGV);
    wren_check("touching a never-touched PROT_NONE page kills too", touch_in_child((uint64_t)a + 2 * PAGE, 0),
               WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGSEGV);
    wren_check("the kernel cannot write there either", wren_mem_info((struct wren_meminfo *)(a + 64)), -E_FAULT);
    wren_check("mprotect back to read/write", wren_mprotect((void *)a, 3 * PAGE, RW), 0);
    wren_check("contents intact", (long)(p[0] + p[PAGE / 8] + p[2 * PAGE / 8]), 33);
    p[0] = 44;
    wren_check("writable again", (long)p[0], 44);
    wren_check("munmap", wren_munmap((void *)a, 3 * PAGE), 0);

    long n = wren_mmap(0, 2 * PAGE, 0, ANON, -1, 0);
    wren_check("mmap with prot 0", n > 0, 1);
    wren_check("touching it kills the toucher", touch_in_child((uint64_t)n, 0),
               WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGSEGV);
    wren_check("mprotect it read/write", wren_mprotect((void *)n, 2 * PAGE, RW), 0);
    wren_check("then it reads zero", (long)*(volatile uint64_t *)n, 0);
    wren_munmap((void *)n, 2 * PAGE);

    /* Part of a 2 MiB block, and a fork in between: still no access in the child, contents back in the parent. */
    uint64_t raw, b = map_aligned(BLOCK, &raw);
    volatile uint64_t *q = (volatile uint64_t *)b;
    for (uint64_t i = 0; i < 512; i++)
        q[i * PAGE / 8] = 3000 + i;
    wren_check("PROT_NONE on two pages of a block", wren_mprotect((void *)(b + 8 * PAGE), 2 * PAGE, 0), 0);
    wren_check("touching one kills the toucher", touch_in_child(b + 9 * PAGE, 0),
               WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGSEGV);
    wren_check("a neighbour is fine", touch_in_child(b + 10 * PAGE, 1), 0);
    wren_check("back to read/write", wren_mprotect((void *)(b + 8 * PAGE), 2 * PAGE, RW), 0);
    int kept = 1;
    for (uint64_t i = 0; i < 512; i++)
        kept &= q[i * PAGE / 8] == 3000 + i;
    wren_check("the whole block kept its data", kept, 1);
    wren_munmap((void *)raw, 2 * BLOCK);
    wren_check("every page comes back", (long)(before - wren_check_free_bytes()), 0);
}

int main(void)
{
    wren_check_begin("bigpages");
    check_block_on_first_touch();
    check_split_by_munmap_and_mprotect();
    check_fork();
    check_prot_none();
    return wren_check_end();
}
