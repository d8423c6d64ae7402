/*
 * memcheck: run as /bin/init by tests/test_memory.py. Checks mmap/munmap/mprotect, demand
 * paging (memory is allocated on first touch, not at mmap) and that no page leaks, using
 * the kernel's own free-memory counter (mem_info), and that bad user pointers are refused.
 */
#include <stdint.h>

#include <wren/check.h>
#include <wren/syscalls.h>

#define PAGE 4096
#define RW   (WREN_PROT_READ | WREN_PROT_WRITE)
#define ANON (WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS)

static void check_info(void)
{
    struct wren_meminfo mi;
    wren_check("mem_info()", wren_mem_info(&mi), 0);
    wren_check("page_size", mi.page_size, PAGE);
    wren_check("0 < free < total", mi.free > 0 && mi.free < mi.total, 1);
    wren_check("kernel + free <= total", mi.kernel + mi.free <= mi.total, 1);
    wren_check("mem_info(NULL)", wren_mem_info(0), -E_FAULT);
    wren_check("mem_info(kernel address)", wren_mem_info((struct wren_meminfo *)0xffff000040200000ull), -E_FAULT);
    static uint64_t buf[8];
    wren_check("mem_info(misaligned)", wren_mem_info((struct wren_meminfo *)((char *)buf + 4)), -E_FAULT);
}

static void check_demand_paging(void)
{
    uint64_t before = wren_check_free_bytes();
    long a = wren_mmap(0, 16 * PAGE, RW, ANON, -1, 0);
    wren_check("mmap 16 pages succeeds", a > 0 && (a & (PAGE - 1)) == 0, 1);
    wren_check("mmap allocates nothing yet", (long)(before - wren_check_free_bytes()), 0);
    volatile uint8_t *p = (volatile uint8_t *)a;
    wren_check("untouched memory reads as zero", p[3 * PAGE + 17], 0);
    /* The first page of a new area may also need page tables (up to three levels). */
    long first = (long)(before - wren_check_free_bytes());
    wren_check("first touch allocates one page (+ tables)", first >= PAGE && first <= 4 * PAGE, 1);
    p[5 * PAGE] = 0x5a;
    p[5 * PAGE + 1] = 0xa5;
    wren_check("written value reads back", p[5 * PAGE] + (p[5 * PAGE + 1] << 8), 0xa55a);
    wren_check("the second page costs exactly one page", (long)(before - wren_check_free_bytes()) - first, PAGE);
    wren_check("munmap", wren_munmap((void *)a, 16 * PAGE), 0);
    wren_check("munmap returns every page", (long)(before - wren_check_free_bytes()), 0);
}

static void check_partial(void)
{
    long a = wren_mmap(0, 4 * PAGE, RW, ANON, -1, 0);
    volatile uint32_t *p = (volatile uint32_t *)a;
    for (int i = 0; i < 4; i++)
        p[i * PAGE / 4] = 100 + i;
    wren_check("mprotect middle two pages read-only", wren_mprotect((void *)(a + PAGE), 2 * PAGE, WREN_PROT_READ), 0);
    wren_check("read-only page keeps its data", p[PAGE / 4] + p[2 * PAGE / 4], 101 + 102);
    p[0] = 7;
    p[3 * PAGE / 4] = 9;
    wren_check("pages outside the mprotect stay writable", p[0] + p[3 * PAGE / 4], 16);
    wren_check("munmap the middle page", wren_munmap((void *)(a + 2 * PAGE), PAGE), 0);
    wren_check("the rest survives a partial munmap", p[PAGE / 4] + p[3 * PAGE / 4], 101 + 9);
    wren_check("munmap the rest (with a hole)", wren_munmap((void *)a, 4 * PAGE), 0);
}

static void check_refusals(void)
{
    wren_check("mmap W+X", wren_mmap(0, PAGE, WREN_PROT_WRITE | WREN_PROT_EXEC, ANON, -1, 0), -E_INVAL);
    wren_check("mmap len 0", wren_mmap(0, 0, RW, ANON, -1, 0), -E_INVAL);
    wren_check("mmap unknown prot bit", wren_mmap(0, PAGE, 0x80, ANON, -1, 0), -E_INVAL);
    wren_check("mmap private and shared", wren_mmap(0, PAGE, RW, ANON | WREN_MAP_SHARED, -1, 0), -E_INVAL);
    long shared = wren_mmap(0, PAGE, RW, WREN_MAP_SHARED | WREN_MAP_ANONYMOUS, -1, 0);
    wren_check("mmap shared anonymous (tested in shmtest)", shared > 0, 1);
    wren_check("  munmap it", wren_munmap((void *)shared, PAGE), 0);
    wren_check("mmap a file without fds", wren_mmap(0, PAGE, RW, WREN_MAP_PRIVATE, 3, 0), -E_BADF);
    wren_check("mmap fixed unaligned", wren_mmap((void *)0x20000001, PAGE, RW, ANON | WREN_MAP_FIXED, -1, 0), -E_INVAL);
    wren_check("mmap fixed in kernel space",
               wren_mmap((void *)0xffff000040000000ull, PAGE, RW, ANON | WREN_MAP_FIXED, -1, 0), -E_INVAL);
    wren_check("mmap fixed at page 0", wren_mmap(0, PAGE, RW, ANON | WREN_MAP_FIXED, -1, 0), -E_INVAL);
    wren_check("mmap larger than user space", wren_mmap(0, 1ull << 50, RW, ANON, -1, 0), -E_INVAL);
    long a = wren_mmap((void *)0x30000000, PAGE, RW, ANON | WREN_MAP_FIXED, -1, 0);
    wren_check("mmap fixed", a, 0x30000000);
    wren_check("mprotect W+X", wren_mprotect((void *)a, PAGE, WREN_PROT_WRITE | WREN_PROT_EXEC), -E_INVAL);
    wren_check("mprotect a hole", wren_mprotect((void *)(a + PAGE), PAGE, WREN_PROT_READ), -E_NOMEM);
    wren_check("munmap unaligned", wren_munmap((void *)(a + 1), PAGE), -E_INVAL);
    wren_check("munmap kernel space", wren_munmap((void *)0xffff000040000000ull, PAGE), -E_INVAL);
    wren_check("munmap", wren_munmap((void *)a, PAGE), 0);
    /* A buffer in a read-only mapping cannot receive data from the kernel. */
    long ro = wren_mmap(0, PAGE, WREN_PROT_READ, ANON, -1, 0);
    wren_check("mem_info into a read-only page", wren_mem_info((struct wren_meminfo *)ro), -E_FAULT);
    wren_check("debug_write from an unmapped page", wren_debug_write((const void *)(a + 64), 8), -E_FAULT);
    /* The kernel writing into a page the program never touched faults it in (demand paging under a syscall). */
    long fresh = wren_mmap(0, 2 * PAGE, RW, ANON, -1, 0);
    *(volatile uint8_t *)fresh = 1; /* its page tables exist now */
    uint64_t before = wren_check_free_bytes();
    wren_check("mem_info into an untouched page", wren_mem_info((struct wren_meminfo *)(fresh + PAGE + 64)), 0);
    wren_check("...which allocated exactly that page", (long)(before - wren_check_free_bytes()), PAGE);
    wren_munmap((void *)fresh, 2 * PAGE);
    wren_munmap((void *)ro, PAGE);
}

static void check_no_leaks(void)
{
    uint64_t before = wren_check_free_bytes();
    int ok = 1;
    for (int i = 0; i < 10000 && ok; i++) {
        long a = wren_mmap(0, 3 * PAGE, RW, ANON, -1, 0);
        volatile uint8_t *p = (volatile uint8_t *)a;
        p[0] = (uint8_t)i;
        p[2 * PAGE] = (uint8_t)i;
        ok = a > 0 && p[0] == (uint8_t)i && wren_munmap((void *)a, 3 * PAGE) == 0;
    }
    wren_check("10,000 mmap/touch/munmap cycles", ok, 1);
    wren_check("free memory back to where it started", (long)(before - wren_check_free_bytes()), 0);

    /* Issue 3's other half: 10,000 spawn/exit/wait cycles (of /bin/nop, which the test packs) give back every page. */
    struct wren_kernel_stats k0 = wren_check_kstats();
    before = wren_check_free_bytes();
    ok = 1;
    for (int i = 0; i < 10000 && ok; i++)
        ok = wren_check_wait_status(wren_spawn("/bin/nop", 8, "nop", 4, 0)) == 0;
    struct wren_kernel_stats k1 = wren_check_kstats();
    wren_check("10,000 spawn/exit/wait cycles", ok, 1);
    wren_check("  free memory back to where it started", (long)(before - wren_check_free_bytes()), 0);
    wren_check("  kernel objects too", (long)(k1.objects - k0.objects), 0);
    wren_check("  and processes", (long)(k1.processes - k0.processes), 0);
}

int main(void)
{
    wren_check_begin("memcheck");
    check_info();
    check_demand_paging();
    check_partial();
    check_refusals();
    check_no_leaks();
    return wren_check_end();
}
