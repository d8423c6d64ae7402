/*
 * The heap under picolibc's malloc, which grows it with sbrk().
 *
 * The first call reserves HEAP_RESERVE bytes of address space with no access (free: no
 * memory until touched); the break moves up inside it and the reservation is made
 * read-write in HEAP_STEP pieces as it goes, so the heap stays contiguous.
 *
 * The kernel overcommits: it maps memory when a page is first touched and ends a process
 * that touches a page when RAM has run out. malloc must instead return NULL with ENOMEM,
 * so growth is refused unless mem_info reports enough free memory (and a margin for page
 * tables), and the new pages are touched at once, which makes the next check exact.
 *
 * picolibc's libc.a has its own sbrk over a fixed linker-script heap; the link redirects
 * references to sbrk here with --wrap=sbrk (build.ninja.in), whatever order the linker
 * meets the archives in.
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#include <wren/syscalls.h>

#define PAGE         4096ul
#define HEAP_RESERVE (64ul << 30)
#define HEAP_STEP    (256ul << 10)

static uintptr_t heap_base, heap_brk, heap_rw_end;

static int reserve(void)
{
    long a = wren_mmap(0, HEAP_RESERVE, 0, WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS, -1, 0);
    if (a < 0)
        return -1;
    heap_base = heap_brk = heap_rw_end = (uintptr_t)a;
    return 0;
}

/* Make [heap_rw_end, heap_rw_end + len) usable, or fail leaving everything as it was. */
static int grow(uintptr_t len)
{
    struct wren_meminfo mi;
    /* Touching len bytes costs len of RAM plus up to a page-table page per 512 pages. */
    uint64_t margin = (1ul << 20) + len / 256;
    if (wren_mem_info(&mi) < 0 || mi.free < len + margin)
        return -1;
    if (wren_mprotect((void *)heap_rw_end, len, WREN_PROT_READ | WREN_PROT_WRITE) < 0)
        return -1;
    for (uintptr_t p = heap_rw_end; p < heap_rw_end + len; p += PAGE)
        *(volatile char *)p = 0;
    heap_rw_end += len;
    return 0;
}

void *__wrap_sbrk(ptrdiff_t incr)
{
    if (!heap_base && reserve() < 0)
        goto nomem;
    uintptr_t old = heap_brk;
    if (incr < 0) {
        /* Shrinking keeps the pages: malloc will want them again. */
        if ((uintptr_t)-incr > heap_brk - heap_base) {
            errno = EINVAL;
            return (void *)-1;
        }
    } else if ((uintptr_t)incr > heap_base + HEAP_RESERVE - heap_brk) {
        goto nomem;
    } else if (heap_brk + incr > heap_rw_end) {
        uintptr_t want = heap_brk + incr - heap_rw_end;
        uintptr_t len = (want + HEAP_STEP - 1) & ~(HEAP_STEP - 1);
        uintptr_t room = heap_base + HEAP_RESERVE - heap_rw_end;
        if (len > room)
            len = room;
        if (grow(len) < 0)
            goto nomem;
    }
    heap_brk += incr;
    return (void *)old;
nomem:
    errno = ENOMEM;
    return (void *)-1;
}
