/*
 * memacct: run as /bin/init by tests/test_memacct.py (256 MiB). Kernel memory is charged to the
 * process that causes it (WREN_LIMIT_MEMORY), and running out of RAM kills the largest consumer,
 * never an innocent one:
 *   - get_limit reports a use that rises with what a process holds (a shared-memory object, its
 *     touched pages, anonymous pages, a channel) and falls back exactly when it lets go;
 *   - a child whose parent set it a memory limit gets E_NOMEM from object-creating syscalls and is
 *     ended when a page fault would go over, while the parent is unaffected;
 *   - children creating untouched 1 GiB shared-memory objects until RAM is gone do not get their
 *     parent killed when it then writes its own stack (copy-on-write with them): the largest child
 *     is; with init as the parent (the machine would power off) and with another process as it.
 * After each case free memory and the kernel's object counts are exactly as before.
 */
#include <stdint.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define PAGE     4096ul
#define GIB      (1ull << 30)
#define RW       (WREN_PROT_READ | WREN_PROT_WRITE)
#define ANON     (WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS)
#define SEGV     (WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGSEGV)
#define KILL     (WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGKILL)
#define CHILDREN 4

static uint64_t usage(int pid)
{
    struct wren_limit_info li = {0, 0};
    return wren_get_limit(pid, WREN_LIMIT_MEMORY, &li) == 0 ? li.usage : ~0ull;
}

/* Free memory and object counts as they were. */
static void all_back(uint64_t free0, struct wren_kernel_stats ks0)
{
    struct wren_kernel_stats ks = wren_check_kstats();
    wren_check("  free memory back to its start", (long)(free0 - wren_check_free_bytes()), 0);
    wren_check("  kernel objects back to their start", (long)(ks.objects - ks0.objects), 0);
    wren_check("  kernel heap back to its start", (long)(ks.heap_objects - ks0.heap_objects), 0);
}

static void usage_follows_holdings(void)
{
    uint64_t free0 = wren_check_free_bytes();
    struct wren_kernel_stats ks0 = wren_check_kstats();
    uint64_t u0 = usage(0);
    wren_check("get_limit reports a use", u0 > 0 && u0 != ~0ull, 1);

    long h = wren_shm_create(GIB);
    wren_check("shm_create(1 GiB)", h >= 0, 1);
    uint64_t u1 = usage(0);
    wren_check("  its page array is charged (1 MiB or more)", u1 - u0 >= (1ul << 20), 1);
    long a = wren_mmap(0, 16 * PAGE, RW, WREN_MAP_SHARED, (int)h, 0);
    wren_check("  mapped", a > 0, 1);
    for (int i = 0; i < 16; i++)
        ((volatile uint8_t *)a)[i * PAGE] = 1;
    uint64_t u2 = usage(0);
    wren_check("  its 16 touched pages are charged", u2 - u1 >= 16 * PAGE && u2 - u1 < 24 * PAGE, 1);
    wren_munmap((void *)a, 16 * PAGE);
    wren_check("  unmapped, the object keeps them (and their charge)", usage(0) - u1 >= 16 * PAGE, 1);
    wren_close((int)h);
    wren_check("  closed: the use is back exactly", (long)(usage(0) - u0), 0);

    long m = wren_mmap(0, 64 * PAGE, RW, ANON, -1, 0);
    for (int i = 0; i < 64; i++)
        ((volatile uint8_t *)m)[i * PAGE] = 1;
    wren_check("64 anonymous pages touched are charged", usage(0) - u0 >= 64 * PAGE, 1);
    wren_munmap((void *)m, 64 * PAGE);
    wren_check("  unmapped: the use is back exactly", (long)(usage(0) - u0), 0);

    wren_handle_t ch[2];
    wren_check("channel_create", wren_channel_create(ch, 64), 0);
    wren_check("  its ends and slots are charged", usage(0) > u0, 1);
    wren_close(ch[0]);
    wren_close(ch[1]);
    wren_check("  closed: the use is back exactly", (long)(usage(0) - u0), 0);
    all_back(free0, ks0);
}

/* Child of limit_is_enforced: 0 if every refusal came as it should; then it touches past its limit. */
static int limited_child(int go)
{
    char c;
    wren_read(go, &c, 1);
    if (wren_shm_create(GIB) != -E_NOMEM)
        return 10;
    wren_handle_t ch[2 * 64];
    int made = 0;
    long err = 0;
    while (made < 64 && (err = wren_channel_create(&ch[2 * made], 64)) == 0)
        made++;
    if (err != -E_NOMEM || made == 0)
        return 11; /* some fit, then the limit refused */
    for (int i = 0; i < 2 * made; i++)
        wren_close(ch[i]);
    if (wren_channel_create(ch, 64) != 0) /* room again once they are gone */
        return 12;
    wren_close(ch[0]);
    wren_close(ch[1]);
    const uint64_t len = 16ul << 20;
    long a = wren_mmap(0, len, RW, ANON, -1, 0); /* a reservation costs nothing yet */
    if (a < 0)
        return 13;
    for (uint64_t off = 0; off < len; off += PAGE)
        ((volatile uint8_t *)a)[off] = 1; /* goes over: ended here */
    return 14;
}

static void limit_is_enforced(void)
{
    uint64_t free0 = wren_check_free_bytes();
    struct wren_kernel_stats ks0 = wren_check_kstats();
    int go[2];
    wren_pipe(go, 0);
    long pid = wren_fork();
    if (pid == 0)
        wren_exit(limited_child(go[0]));
    uint64_t cu = usage((int)pid);
    wren_check("set_limit on the child: its use + 256 KiB",
               wren_set_limit((int)pid, WREN_LIMIT_MEMORY, cu + (256u << 10)), 0);
    wren_write(go[1], "g", 1);
    wren_check("the limited child is refused with E_NOMEM, then ended by the fault over its limit",
               wren_check_wait_status(pid), SEGV);
    struct wren_limit_info li;
    wren_get_limit(0, WREN_LIMIT_MEMORY, &li);
    wren_check("  the parent's limit is untouched", li.limit == WREN_LIMIT_UNLIMITED, 1);
    wren_handle_t ch[2];
    wren_check("  and it still creates objects", wren_channel_create(ch, 64), 0);
    wren_close(ch[0]);
    wren_close(ch[1]);
    wren_close(go[0]);
    wren_close(go[1]);
    all_back(free0, ks0);
}

/* A flooding child: shared-memory objects, untouched, from 1 GiB down, until none more fits; then it waits. */
static void flood_child(int go, int full)
{
    char c;
    wren_read(go, &c, 1);
    uint64_t size = GIB;
    int held = 0;
    while (held < 250) {
        if (wren_shm_create(size) >= 0)
            held++;
        else if (size > (2ul << 20))
            size /= 2; /* the large blocks are gone: smaller page arrays take what is left */
        else
            break;
    }
    wren_write(full, "f", 1);
    for (;;)
        wren_sleep(1000000000ull);
}

/*
 * The parent's side: CHILDREN flooders, then, with RAM gone, it writes every page of a stack array it had
 * touched before the forks (each a copy-on-write break needing a page). 0 if it came through intact.
 */
static int flood_and_write_stack(void)
{
    volatile uint8_t stack[8 * PAGE];
    for (unsigned i = 0; i < sizeof(stack); i += PAGE)
        stack[i] = (uint8_t)(i / PAGE);
    int go[2], full[2];
    wren_pipe(go, 0);
    wren_pipe(full, 0);
    long pids[CHILDREN];
    for (int i = 0; i < CHILDREN; i++) {
        pids[i] = wren_fork();
        if (pids[i] == 0)
            flood_child(go[0], full[1]);
    }
    static char buf[16]; /* written now, while there is memory for its copy */
    buf[0] = 0;
    static const char gos[CHILDREN] = {0};
    wren_write(go[1], gos, CHILDREN);
    for (int got = 0; got < CHILDREN;) {
        long n = wren_read(full[0], buf, CHILDREN - got);
        if (n <= 0)
            return 20;
        got += (int)n;
    }
    uint64_t left = wren_check_free_bytes();
    int bad = 0;
    for (unsigned i = 0; i < sizeof(stack); i += PAGE) {
        bad |= stack[i] != (uint8_t)(i / PAGE);
        stack[i] = (uint8_t)(i / PAGE + 1); /* a page for the copy: none is free */
    }
    for (unsigned i = 0; i < sizeof(stack); i += PAGE)
        bad |= stack[i] != (uint8_t)(i / PAGE + 1);
    int oom_killed = 0;
    for (int i = 0; i < CHILDREN; i++) {
        wren_kill((int)pids[i], WREN_SIGNAL_SIGKILL);
        oom_killed += wren_check_wait_status(pids[i]) == KILL;
    }
    wren_close(go[0]), wren_close(go[1]), wren_close(full[0]), wren_close(full[1]);
    if (left > (256u << 10))
        return 21; /* RAM was not used up: the case tested nothing */
    if (oom_killed != CHILDREN)
        return 22;
    return bad ? 23 : 0;
}

static void flood_as_init(void)
{
    uint64_t free0 = wren_check_free_bytes();
    struct wren_kernel_stats ks0 = wren_check_kstats();
    wren_check("init writes its stack after children used up RAM with shm objects, and lives", flood_and_write_stack(),
               0);
    all_back(free0, ks0);
}

static void flood_under_a_parent(void)
{
    uint64_t free0 = wren_check_free_bytes();
    struct wren_kernel_stats ks0 = wren_check_kstats();
    long pid = wren_fork();
    if (pid == 0)
        wren_exit(flood_and_write_stack());
    wren_check("so does another parent of such children", wren_check_wait_status(pid), 0);
    all_back(free0, ks0);
}

/* Touch the stack the cases will use, so that their "free memory as before" counts only what they hold. */
static __attribute__((noinline)) void warm_stack(void)
{
    volatile uint8_t deep[64 * 1024];
    for (unsigned i = 0; i < sizeof(deep); i += PAGE)
        deep[i] = 0;
}

int main(void)
{
    wren_check_begin("memacct");
    warm_stack();
    uint64_t start = wren_check_free_bytes();
    usage_follows_holdings();
    limit_is_enforced();
    flood_as_init();
    flood_under_a_parent();
    wren_check("free memory as at the start", (long)(start - wren_check_free_bytes()), 0);
    return wren_check_end();
}
