/*
 * shmtest: run as /bin/init by tests/test_shm.py. Shared-memory objects: creation and the errors
 * of bad input, pages kept by the object across mappings, partial munmap and mprotect (offsets
 * stay right), fork keeping shared pages shared, a 1 MiB buffer handed to another process over
 * a channel (read-only: it cannot be mapped or made writable; read-write: the receiver's writes
 * come back), the object living on through a mapping after its handle is closed, and 1,000
 * create/map/touch/unmap/close cycles giving every page, object and heap allocation back.
 */
#include <stdint.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define PAGE   4096ul
#define RW     (WREN_PROT_READ | WREN_PROT_WRITE)
#define SHARED WREN_MAP_SHARED
#define MIB    (1ul << 20)

static long unmap(uint64_t a, uint64_t len)
{
    return wren_munmap((void *)(uintptr_t)a, len);
}

static long protect(uint64_t a, uint64_t len, uint32_t prot)
{
    return wren_mprotect((void *)(uintptr_t)a, len, prot);
}

static uint64_t pattern(uint64_t i, uint64_t seed)
{
    return (i * 0x9e3779b97f4a7c15ull) ^ seed;
}

static void bad_input(void)
{
    wren_handle_t ch[2];
    long h = wren_shm_create(PAGE);

    wren_check("shm_create(4096)", h >= 0, 1);
    wren_check("shm_create(0)", wren_shm_create(0), -E_INVAL);
    wren_check("shm_create(1 GiB + 1)", wren_shm_create((1ull << 30) + 1), -E_NOMEM);
    wren_check("shm_create(2^63)", wren_shm_create(1ull << 63), -E_NOMEM);
    wren_check("shm_size of a forged handle", wren_shm_size(50), -E_BADHANDLE);
    wren_check("shm_size of -1", wren_shm_size(-1), -E_BADHANDLE);
    wren_channel_create(ch, 0);
    wren_check("shm_size of a channel", wren_shm_size(ch[0]), -E_WRONGTYPE);
    wren_check("mmap a channel", wren_mmap(0, PAGE, RW, SHARED, ch[0], 0), -E_NOTSUP);
    wren_check("mmap a forged handle", wren_mmap(0, PAGE, RW, SHARED, 50, 0), -E_BADF);
    wren_check("mmap the shm private", wren_mmap(0, PAGE, RW, WREN_MAP_PRIVATE, h, 0), -E_INVAL);
    wren_check("mmap length 0", wren_mmap(0, 0, RW, SHARED, h, 0), -E_INVAL);
    wren_check("mmap past the end", wren_mmap(0, 2 * PAGE, RW, SHARED, h, 0), -E_INVAL);
    wren_check("mmap at offset = size", wren_mmap(0, PAGE, RW, SHARED, h, PAGE), -E_INVAL);
    wren_check("mmap at a misaligned offset", wren_mmap(0, 100, RW, SHARED, h, 100), -E_INVAL);
    wren_check("mmap at a huge offset", wren_mmap(0, PAGE, RW, SHARED, h, ~0ull & ~(PAGE - 1)), -E_INVAL);
    wren_check("mmap huge length", wren_mmap(0, ~0ul, RW, SHARED, h, 0), -E_INVAL);
    wren_check("mmap write+exec", wren_mmap(0, PAGE, RW | WREN_PROT_EXEC, SHARED, h, 0), -E_INVAL);
    wren_check("mmap private and shared", wren_mmap(0, PAGE, RW, SHARED | WREN_MAP_PRIVATE, h, 0), -E_INVAL);
    wren_check("shared anonymous over 1 GiB", wren_mmap(0, 2ul << 30, RW, SHARED | WREN_MAP_ANONYMOUS, -1, 0),
               -E_NOMEM);
    wren_check("shm_size rounds up to pages", wren_shm_size(h), (long)PAGE);
    long h2 = wren_shm_create(PAGE + 1);
    wren_check("shm_size(4097)", wren_shm_size(h2), (long)(2 * PAGE));
    wren_close(h2);
    wren_close(ch[0]);
    wren_close(ch[1]);
    wren_close(h);
}

/* Pages belong to the object: unmapped and mapped again (elsewhere), the bytes are still there. */
static void pages_stay(void)
{
    uint64_t before = wren_check_free_bytes();
    long h = wren_shm_create(4 * PAGE);
    wren_check("creating allocates no page yet", (long)(before - wren_check_free_bytes()) < (long)PAGE, 1);
    long a = wren_mmap(0, 4 * PAGE, RW, SHARED, h, 0);
    wren_check("mmap shared", a > 0, 1);
    volatile uint64_t *p = (volatile uint64_t *)a;
    wren_check("fresh pages read zero", p[0] == 0 && p[3 * PAGE / 8] == 0, 1);
    for (uint64_t pg = 0; pg < 4; pg++)
        p[pg * PAGE / 8] = 100 + pg;
    long b = wren_mmap(0, 4 * PAGE, RW, SHARED, h, 0);
    volatile uint64_t *q = (volatile uint64_t *)b;
    wren_check("a second mapping sees the first one's writes", q[2 * PAGE / 8], 102);
    q[1 * PAGE / 8] = 555;
    wren_check("  and the first sees the second's", p[1 * PAGE / 8], 555);
    wren_check("munmap both", unmap(a, 4 * PAGE) | unmap(b, 4 * PAGE), 0);
    long c = wren_mmap(0, 2 * PAGE, WREN_PROT_READ, SHARED, h, 2 * PAGE);
    volatile uint64_t *r = (volatile uint64_t *)c;
    wren_check("mapped again at offset 2 pages: the bytes stayed", c > 0 && r[0] == 102 && r[PAGE / 8] == 103, 1);

    /* Partial munmap and mprotect: the pieces keep their offsets. */
    long d = wren_mmap(0, 4 * PAGE, RW, SHARED, h, 0);
    volatile uint64_t *s = (volatile uint64_t *)d;
    wren_check("munmap the second page of four", unmap(d + PAGE, PAGE), 0);
    wren_check("  the pages after it still map their own offsets", s[2 * PAGE / 8] == 102 && s[3 * PAGE / 8] == 103, 1);
    wren_check("mprotect the third page read-only", protect(d + 2 * PAGE, PAGE, WREN_PROT_READ), 0);
    wren_check("mprotect it back to read-write", protect(d + 2 * PAGE, PAGE, RW), 0);
    s[2 * PAGE / 8] = 202;
    wren_check("  a write through it reaches the object", r[0], 202);
    wren_check("map the hole again with MAP_FIXED at offset 1 page",
               wren_mmap((void *)(d + PAGE), PAGE, RW, SHARED | WREN_MAP_FIXED, h, PAGE), d + PAGE);
    wren_check("  it shows page 1 of the object", s[PAGE / 8], 555);
    unmap(c, 2 * PAGE);
    unmap(d, 4 * PAGE);

    /* The object lives on in its mappings after its handle is closed, and goes with the last one. */
    struct wren_kernel_stats k0 = wren_check_kstats();
    long e = wren_mmap(0, 4 * PAGE, RW, SHARED, h, 0);
    wren_check("close the handle while mapped", wren_close(h), 0);
    wren_check("  the object is still there", (long)wren_check_kstats().shm_objects, (long)k0.shm_objects);
    volatile uint64_t *t = (volatile uint64_t *)e;
    wren_check("  and its bytes", t[0] == 100 && t[2 * PAGE / 8] == 202, 1);
    t[0] = 7;
    wren_check("  still writable", t[0], 7);
    wren_check("munmap the last mapping", unmap(e, 4 * PAGE), 0);
    wren_check("  the object is gone", (long)wren_check_kstats().shm_objects, (long)k0.shm_objects - 1);
    wren_check("  and every page came back", (long)(before - wren_check_free_bytes()), 0);
}

/* A handle without the write right: no writable mapping, no mprotect to writable, and a write faults. */
static void read_only_handles(void)
{
    wren_handle_t ch[2];
    struct wren_msg m;
    long h = wren_shm_create(PAGE);

    wren_channel_create(ch, 0);
    wren_check("transfer keeping read, map and transfer",
               wren_channel_transfer(ch[0], h, WREN_RIGHT_READ | WREN_RIGHT_MAP | WREN_RIGHT_TRANSFER), 0);
    wren_check("receive it", wren_receive(ch[1], &m, 0, 0), 4);
    wren_handle_t ro;
    __builtin_memcpy(&ro, m.payload, sizeof(ro));
    wren_check("map it writable", wren_mmap(0, PAGE, RW, SHARED, ro, 0), -E_ACCES);
    long a = wren_mmap(0, PAGE, WREN_PROT_READ, SHARED, ro, 0);
    wren_check("map it read-only", a > 0, 1);
    wren_check("mprotect it writable", protect(a, PAGE, RW), -E_ACCES);
    wren_check("mprotect it to no access and back to read", protect(a, PAGE, 0) | protect(a, PAGE, 1), 0);
    long pid = wren_fork();
    if (pid == 0) {
        *(volatile uint8_t *)a = 1;
        wren_exit(0);
    }
    wren_check("a write to it ends the writer (SIGSEGV)", wren_check_wait_status(pid),
               WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGSEGV);
    unmap(a, PAGE);

    wren_check("transfer keeping read only (no map right)", wren_channel_transfer(ch[0], ro, WREN_RIGHT_READ), 0);
    wren_check("receive it", wren_receive(ch[1], &m, WREN_IPC_NONBLOCK, 0), 4);
    __builtin_memcpy(&ro, m.payload, sizeof(ro));
    wren_check("map it", wren_mmap(0, PAGE, WREN_PROT_READ, SHARED, ro, 0), -E_ACCES);
    wren_check("map it with no access", wren_mmap(0, PAGE, 0, SHARED, ro, 0), -E_ACCES);
    long w = wren_shm_create(PAGE);
    wren_channel_transfer(ch[0], w, WREN_RIGHT_WRITE | WREN_RIGHT_MAP);
    wren_check("receive a write+map handle", wren_receive(ch[1], &m, WREN_IPC_NONBLOCK, 0), 4);
    __builtin_memcpy(&w, m.payload, sizeof(w));
    wren_check("write and map but no read: map readable", wren_mmap(0, PAGE, RW, SHARED, w, 0), -E_ACCES);
    wren_close(w);
    wren_close(ro);
    wren_close(ch[0]);
    wren_close(ch[1]);
}

/* fork keeps shared pages shared, both ways, for shm objects and shared anonymous memory alike. */
static void fork_shares(void)
{
    long h = wren_shm_create(2 * PAGE);
    volatile uint64_t *p = (volatile uint64_t *)wren_mmap(0, 2 * PAGE, RW, SHARED, h, 0);
    volatile uint64_t *q = (volatile uint64_t *)wren_mmap(0, 2 * PAGE, RW, SHARED | WREN_MAP_ANONYMOUS, -1, 0);
    wren_check("shared anonymous mmap", (long)q > 0, 1);
    p[0] = 1;
    q[0] = 1;
    wren_handle_t ch[2];
    wren_channel_create(ch, 0);
    long pid = wren_fork();
    if (pid == 0) {
        struct wren_msg m;
        if (p[0] != 1 || q[0] != 1)
            wren_exit(1);
        p[0] = 2, q[0] = 2;               /* the parent must see these */
        p[PAGE / 8] = 3, q[PAGE / 8] = 3; /* a page only the child touched */
        wren_send(ch[1], &(struct wren_msg){.header = {.type = WREN_MSG_DATA}}, 0, 0);
        wren_receive(ch[1], &m, 0, 0); /* the parent has written */
        wren_exit(p[0] == 4 && q[0] == 4 ? 0 : 5);
    }
    struct wren_msg m;
    wren_receive(ch[0], &m, 0, 0);
    wren_check("the child's write to shm is seen by the parent", p[0], 2);
    wren_check("  to shared anonymous memory too", q[0], 2);
    wren_check("  on a page only the child touched too", p[PAGE / 8] == 3 && q[PAGE / 8] == 3, 1);
    p[0] = 4, q[0] = 4;
    wren_send(ch[0], &(struct wren_msg){.header = {.type = WREN_MSG_DATA}}, 0, 0);
    wren_check("the parent's writes after fork are seen by the child", wren_check_wait_status(pid), 0);
    unmap((uint64_t)p, 2 * PAGE);
    unmap((uint64_t)q, 2 * PAGE);
    wren_close(h);
    wren_close(ch[0]);
    wren_close(ch[1]);
}

/*
 * Zero-copy large messages: a 1 MiB buffer written by one process, its handle sent over a channel to another
 * (forked before the buffer existed, so it shares nothing else with it), which reads it; and the other way round
 * with a read-write handle.
 */
static void transfer_1mib(void)
{
    wren_handle_t ch[2];
    wren_channel_create(ch, 0);
    long pid = wren_fork();
    if (pid == 0) {
        struct wren_msg m;
        wren_handle_t h;
        if (wren_receive(ch[1], &m, 0, 0) != 4 || m.header.handle_count != 1)
            wren_exit(10);
        __builtin_memcpy(&h, m.payload, sizeof(h));
        if (wren_shm_size(h) != (long)MIB)
            wren_exit(11);
        if (wren_mmap(0, MIB, RW, SHARED, h, 0) != -E_ACCES)
            wren_exit(12);
        long a = wren_mmap(0, MIB, WREN_PROT_READ, SHARED, h, 0);
        if (a < 0)
            wren_exit(13);
        const uint64_t *p = (const uint64_t *)a;
        for (uint64_t i = 0; i < MIB / 8; i++) {
            if (p[i] != pattern(i, 1))
                wren_exit(14);
        }
        /* The second buffer comes with every right: fill it for the parent. */
        if (wren_receive(ch[1], &m, 0, 0) != 4)
            wren_exit(15);
        __builtin_memcpy(&h, m.payload, sizeof(h));
        uint64_t *q = (uint64_t *)wren_mmap(0, MIB, RW, SHARED, h, 0);
        if ((long)q < 0)
            wren_exit(16);
        for (uint64_t i = 0; i < MIB / 8; i++)
            q[i] = pattern(i, 2);
        wren_exit(0);
    }
    long h = wren_shm_create(MIB);
    uint64_t *p = (uint64_t *)wren_mmap(0, MIB, RW, SHARED, h, 0);
    for (uint64_t i = 0; i < MIB / 8; i++)
        p[i] = pattern(i, 1);
    wren_check("send a 1 MiB buffer's handle, read-only",
               wren_channel_transfer(ch[0], h, WREN_RIGHT_READ | WREN_RIGHT_MAP), 0);
    long h2 = wren_shm_create(MIB);
    wren_check("send a second one with every right", wren_channel_transfer(ch[0], h2, WREN_RIGHT_ALL), 0);
    wren_check("the receiver read all of the first and filled the second", wren_check_wait_status(pid), 0);
    wren_check("  (the first is still ours to map)", p[MIB / 8 - 1], (long)pattern(MIB / 8 - 1, 1));
    unmap((uint64_t)p, MIB);
    wren_close(ch[0]);
    wren_close(ch[1]);
    /* The second handle went to the child, whose exit dropped it and its mapping: the object is gone. */
    wren_check("no shm object is left", (long)wren_check_kstats().shm_objects, 0);

    /* Again, keeping the second handle's mapping in the parent: the child's bytes arrive. */
    wren_channel_create(ch, 0);
    pid = wren_fork();
    if (pid == 0) {
        struct wren_msg m;
        wren_handle_t hc;
        if (wren_receive(ch[1], &m, 0, 0) != 4)
            wren_exit(20);
        __builtin_memcpy(&hc, m.payload, sizeof(hc));
        uint64_t *q = (uint64_t *)wren_mmap(0, MIB, RW, SHARED, hc, 0);
        if ((long)q < 0)
            wren_exit(21);
        for (uint64_t i = 0; i < MIB / 8; i++)
            q[i] = pattern(i, 3);
        wren_exit(0);
    }
    h2 = wren_shm_create(MIB);
    uint64_t *q = (uint64_t *)wren_mmap(0, MIB, WREN_PROT_READ, SHARED, h2, 0);
    wren_channel_transfer(ch[0], h2, WREN_RIGHT_ALL);
    wren_check("a receiver with every right fills 1 MiB", wren_check_wait_status(pid), 0);
    int same = 1;
    for (uint64_t i = 0; i < MIB / 8; i++)
        same &= q[i] == pattern(i, 3);
    wren_check("  the sender reads all of it through its own mapping", same, 1);
    unmap((uint64_t)q, MIB);
    wren_close(ch[0]);
    wren_close(ch[1]);
}

static void no_leaks(void)
{
    enum { N = 1000 };
    struct wren_kernel_stats k0 = wren_check_kstats();
    uint64_t before = wren_check_free_bytes();
    long bad = 0;

    for (int i = 0; i < N; i++) {
        long h = wren_shm_create(3 * PAGE);
        long a = wren_mmap(0, 3 * PAGE, RW, SHARED, h, 0);
        if (h < 0 || a < 0) {
            bad++;
            continue;
        }
        ((volatile uint8_t *)a)[i % (3 * PAGE)] = 1;
        if (i % 2)
            bad += wren_close(h) != 0; /* closed before the unmap half the time */
        bad += unmap(a + PAGE, PAGE) != 0;
        bad += unmap(a, 3 * PAGE) != 0;
        if (!(i % 2))
            bad += wren_close(h) != 0;
    }
    wren_check("1,000 create/map/touch/unmap/close cycles", bad, 0);
    struct wren_kernel_stats k1 = wren_check_kstats();
    wren_check("  every page back", (long)(before - wren_check_free_bytes()), 0);
    wren_check("  kernel objects back where they were", (long)(k1.objects - k0.objects), 0);
    wren_check("  shm objects too", (long)(k1.shm_objects - k0.shm_objects), 0);
    wren_check("  kernel heap allocations too", (long)(k1.heap_objects - k0.heap_objects), 0);
    wren_check("  and open handles", (long)(k1.handles - k0.handles), 0);
}

int main(void)
{
    wren_check_begin("shmtest");
    struct wren_kernel_stats k0 = wren_check_kstats();
    uint64_t before = wren_check_free_bytes();
    bad_input();
    pages_stay();
    read_only_handles();
    fork_shares();
    transfer_1mib();
    no_leaks();
    struct wren_kernel_stats k1 = wren_check_kstats();
    wren_check("at the end: no shm object", (long)k1.shm_objects, 0);
    wren_check("  kernel objects as at the start", (long)(k1.objects - k0.objects), 0);
    wren_check("  free memory as at the start", (long)(before - wren_check_free_bytes()), 0);
    return wren_check_end();
}
