/*
 * mapfile: run as /bin/init by tests/test_shm.py, with /data/file (10,000 bytes, byte i = 7i + 3) in the
 * initrd. Memory-mapped ramfs files (MAP_PRIVATE): contents, offsets, zeros past the end of the file,
 * private writes that never reach the file, a fork keeping them apart, the mapping outliving its
 * descriptor, what later writes and truncation do (pages already touched keep their copy), the errors
 * of bad input, and 1,000 map/touch/unmap cycles without a leak.
 */
#include <stdint.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define P(s)    (s), (sizeof(s) - 1)
#define PAGE    4096ul
#define RW      (WREN_PROT_READ | WREN_PROT_WRITE)
#define PRIVATE WREN_MAP_PRIVATE
#define SIZE    10000ul

static uint8_t byte_at(uint64_t i)
{
    return (uint8_t)(7 * i + 3);
}

static long unmap(uint64_t a, uint64_t len)
{
    return wren_munmap((void *)(uintptr_t)a, len);
}

static long protect(uint64_t a, uint64_t len, uint32_t prot)
{
    return wren_mprotect((void *)(uintptr_t)a, len, prot);
}

/* Whether bytes [from, to) of the mapping at a (of the file from offset off) are the file's, zeros past SIZE. */
static int matches(long a, uint64_t off, uint64_t from, uint64_t to)
{
    const volatile uint8_t *p = (const volatile uint8_t *)a;
    for (uint64_t i = from; i < to; i++) {
        uint8_t want = off + i < SIZE ? byte_at(off + i) : 0;
        if (p[i] != want)
            return 0;
    }
    return 1;
}

static void contents(void)
{
    long fd = wren_open(P("/data/file"), WREN_OPEN_READ);
    wren_check("open /data/file", fd >= 0, 1);
    long a = wren_mmap(0, 4 * PAGE, WREN_PROT_READ, PRIVATE, fd, 0);
    wren_check("mmap it read-only, 4 pages", a > 0, 1);
    wren_check("  its 10,000 bytes are the file's", matches(a, 0, 0, SIZE), 1);
    wren_check("  the rest of the last page reads zeros", matches(a, 0, SIZE, 3 * PAGE), 1);
    wren_check("  a page wholly past the end reads zeros", matches(a, 0, 3 * PAGE, 4 * PAGE), 1);
    long b = wren_mmap(0, PAGE, WREN_PROT_READ, PRIVATE, fd, 2 * PAGE);
    wren_check("mmap at offset 2 pages", b > 0 && matches(b, 2 * PAGE, 0, PAGE), 1);
    wren_check("munmap the middle of the first", unmap(a + PAGE, PAGE), 0);
    wren_check("  the rest keeps its offsets", matches(a, 0, 0, PAGE) && matches(a + 2 * PAGE, 2 * PAGE, 0, PAGE), 1);
    unmap(a, 4 * PAGE);
    unmap(b, PAGE);

    /* Private writes: allowed on a read-only descriptor, never seen by the file or by a child after fork. */
    long c = wren_mmap(0, 3 * PAGE, RW, PRIVATE, fd, 0);
    wren_check("mmap read-write private (descriptor read-only)", c > 0, 1);
    volatile uint8_t *q = (volatile uint8_t *)c;
    q[5] = 0xee;
    wren_check("  the write is in the mapping", q[5], 0xee);
    uint8_t buf[8];
    wren_lseek(fd, 0, WREN_WHENCE_SET);
    wren_read(fd, buf, 8);
    wren_check("  not in the file", buf[5], byte_at(5));
    long pid = wren_fork();
    if (pid == 0) {
        if (q[5] != 0xee || q[6] != byte_at(6))
            wren_exit(1);
        q[5] = 0x11;
        q[PAGE] = 0x22; /* a page the parent never touched */
        wren_exit(0);
    }
    wren_check("a child sees the parent's copy and writes its own", wren_check_wait_status(pid), 0);
    wren_check("  the parent's bytes are untouched", q[5] == 0xee && q[PAGE] == byte_at(PAGE), 1);
    wren_check("mprotect it read-only", protect(c, 3 * PAGE, WREN_PROT_READ), 0);
    wren_check("  still the private copy", q[5], 0xee);

    /* The mapping holds the file: closing the descriptor changes nothing. */
    wren_check("close the descriptor", wren_close(fd), 0);
    wren_check("  the mapping is still readable", matches(c, 0, 6, 3 * PAGE), 1);
    unmap(c, 3 * PAGE);

    /* A program file from the initrd maps too (an ELF header). */
    fd = wren_open(P("/bin/init"), WREN_OPEN_READ);
    long e = wren_mmap(0, PAGE, WREN_PROT_READ | WREN_PROT_EXEC, PRIVATE, fd, 0);
    const volatile uint8_t *elf = (const volatile uint8_t *)e;
    wren_check("mmap /bin/init read+exec: an ELF header", e > 0 && elf[0] == 0x7f && elf[1] == 'E' && elf[3] == 'F', 1);
    unmap(e, PAGE);
    wren_close(fd);
}

/* Writes and truncation after mmap: touched pages keep the copy made at first touch; untouched ones see the file. */
static void later_changes(void)
{
    long fd = wren_open(P("/tmp/m"), WREN_OPEN_READ | WREN_OPEN_WRITE | WREN_OPEN_CREATE);
    uint8_t page[PAGE];
    for (uint64_t i = 0; i < PAGE; i++)
        page[i] = 'a';
    wren_write(fd, page, PAGE);
    for (uint64_t i = 0; i < PAGE; i++)
        page[i] = 'b';
    wren_write(fd, page, PAGE);
    long a = wren_mmap(0, 2 * PAGE, WREN_PROT_READ, PRIVATE, fd, 0);
    const volatile uint8_t *p = (const volatile uint8_t *)a;
    wren_check("map a 2-page file; touch the first page", p[0], 'a');
    wren_lseek(fd, 0, WREN_WHENCE_SET);
    wren_write(fd, "XY", 2);
    wren_check("  a later write to that page is not seen (copied at first touch)", p[0], 'a');
    wren_lseek(fd, PAGE, WREN_WHENCE_SET);
    wren_write(fd, "Z", 1);
    wren_check("  a write to an untouched page is", p[PAGE], 'Z');
    long b = wren_mmap(0, 2 * PAGE, WREN_PROT_READ, PRIVATE, fd, 0);
    const volatile uint8_t *r = (const volatile uint8_t *)b;
    wren_check("truncate to 0 after touching only the first page of a new mapping",
               r[1] == 'Y' && wren_truncate(P("/tmp/m"), 0) == 0, 1);
    wren_check("  the touched page keeps its bytes", r[0] == 'X' && r[1] == 'Y' && r[2] == 'a', 1);
    wren_check("  the untouched one reads zeros", r[PAGE] == 0 && r[2 * PAGE - 1] == 0, 1);
    unmap(a, 2 * PAGE);
    unmap(b, 2 * PAGE);
    wren_close(fd);
    wren_unlink(P("/tmp/m"));
}

static void bad_input(void)
{
    long fd = wren_open(P("/data/file"), WREN_OPEN_READ);
    wren_check("offset not page aligned", wren_mmap(0, PAGE, WREN_PROT_READ, PRIVATE, fd, 100), -E_INVAL);
    wren_check("length 0", wren_mmap(0, 0, WREN_PROT_READ, PRIVATE, fd, 0), -E_INVAL);
    wren_check("MAP_SHARED of a file", wren_mmap(0, PAGE, WREN_PROT_READ, WREN_MAP_SHARED, fd, 0), -E_NOTSUP);
    wren_check("write and exec", wren_mmap(0, PAGE, RW | WREN_PROT_EXEC, PRIVATE, fd, 0), -E_INVAL);
    wren_check("an offset that wraps", wren_mmap(0, 2 * PAGE, WREN_PROT_READ, PRIVATE, fd, ~0ull & ~(PAGE - 1)),
               -E_INVAL);
    wren_check("a closed descriptor", wren_mmap(0, PAGE, WREN_PROT_READ, PRIVATE, 40, 0), -E_BADF);
    wren_close(fd);
    fd = wren_open(P("/data"), WREN_OPEN_READ);
    wren_check("a directory", wren_mmap(0, PAGE, WREN_PROT_READ, PRIVATE, fd, 0), -E_ISDIR);
    wren_close(fd);
    fd = wren_open(P("console:"), WREN_OPEN_READ);
    wren_check("the console", wren_mmap(0, PAGE, WREN_PROT_READ, PRIVATE, fd, 0), -E_NOTSUP);
    wren_close(fd);
    int32_t pfd[2];
    wren_pipe(pfd, 0);
    wren_check("a pipe", wren_mmap(0, PAGE, WREN_PROT_READ, PRIVATE, pfd[0], 0), -E_NOTSUP);
    wren_close(pfd[0]);
    wren_close(pfd[1]);
    fd = wren_open(P("/tmp/w"), WREN_OPEN_WRITE | WREN_OPEN_CREATE);
    wren_check("a file open for writing only", wren_mmap(0, PAGE, WREN_PROT_READ, PRIVATE, fd, 0), -E_ACCES);
    wren_close(fd);
    wren_unlink(P("/tmp/w"));
}

static void no_leaks(void)
{
    enum { N = 1000 };
    struct wren_kernel_stats k0 = wren_check_kstats();
    uint64_t before = wren_check_free_bytes();
    long bad = 0;

    for (int i = 0; i < N; i++) {
        long fd = wren_open(P("/data/file"), WREN_OPEN_READ);
        long a = wren_mmap(0, 3 * PAGE, RW, PRIVATE, fd, 0);
        if (fd < 0 || a < 0) {
            bad++;
            continue;
        }
        volatile uint8_t *p = (volatile uint8_t *)a;
        bad += p[i % SIZE] != byte_at((uint64_t)i % SIZE);
        p[2 * PAGE] = 1;
        if (i % 2)
            bad += wren_close(fd) != 0;
        bad += unmap(a, 3 * PAGE) != 0;
        if (!(i % 2))
            bad += wren_close(fd) != 0;
    }
    wren_check("1,000 open/map/touch/unmap/close cycles", bad, 0);
    struct wren_kernel_stats k1 = wren_check_kstats();
    wren_check("  every page back", (long)(before - wren_check_free_bytes()), 0);
    wren_check("  kernel objects back where they were", (long)(k1.objects - k0.objects), 0);
    wren_check("  kernel heap allocations too", (long)(k1.heap_objects - k0.heap_objects), 0);
}

int main(void)
{
    wren_check_begin("mapfile");
    wren_mkdir(P("/tmp"));
    contents();
    later_changes();
    bad_input();
    no_leaks();
    return wren_check_end();
}
