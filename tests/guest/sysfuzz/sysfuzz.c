/*
 * sysfuzz: the in-guest syscall fuzzer, run as /bin/init by tests/test_fuzz_guest.py.
 *
 *   /bin/init [SEED [SYSCALLS]]     (kernel command line: "-- SEED SYSCALLS")
 *
 * A child process issues random syscalls — every number in the interface plus numbers
 * outside it — with hostile arguments: kernel addresses, unmapped, misaligned and
 * read-only pointers, huge and negative lengths, random handles and descriptors. When the
 * child dies (it may well unmap its own stack) the next one starts. Each child's sequence
 * depends only on the seed and its generation, so a seed replays the same run. At the end
 * every child has been reaped and free memory must be back where it started: anything
 * else is a kernel leak. The kernel must not panic or hang (the test's timeout).
 */
#include <stdint.h>

#include <wren/print.h>
#include <wren/raw.h>
#include <wren/syscalls.h>

#define PER_CHILD     500
#define HUNG_AFTER_MS 3000 /* a child still running after this long is blocked for good */
#define PAGE          4096

#define NUMBER(nr) nr,
static const uint64_t numbers[] = {WREN_FOR_EACH_SYSCALL(NUMBER)};
#define NNUMBERS (sizeof(numbers) / sizeof(numbers[0]))

static uint64_t rng_state;
static uint64_t only; /* debugging aid: fuzz just this syscall number (third argument) */

static uint64_t rng(void)
{
    /* xorshift64*: small, fast and good enough to pick cases. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static uint8_t scratch[3 * PAGE] __attribute__((aligned(PAGE)));
static uint64_t ro_page; /* a read-only mapping made at the start of each child */

static uint64_t hostile(void)
{
    switch (rng() % 16) {
    case 0: return 0;
    case 1: return 1;
    case 2: return (uint64_t)-1;
    case 3: return rng() % 64;
    case 4: return rng();
    case 5: return 0xffff000040200000ull + (rng() % 0x100000);             /* the kernel image */
    case 6: return 0xffff000000000000ull + (rng() << 12 >> 16);            /* anywhere in the kernel half */
    case 7: return 0x10 + rng() % 0x1000;                                  /* the never-mapped first pages */
    case 8: return (uint64_t)(uintptr_t)scratch + rng() % sizeof(scratch); /* valid, often misaligned */
    case 9: return (uint64_t)(uintptr_t)scratch;
    case 10: return ro_page + rng() % PAGE;
    case 11: return 1ull << (rng() % 64);
    case 12: return (uint64_t) - (int64_t)(rng() % 4096);           /* small negative */
    case 13: return 0x0000100000000000ull + ((rng() % 4096) << 12); /* the mmap area */
    case 14: return 0x0000fffffff00000ull + rng() % 0x100000;       /* around the stack */
    default: return (uint32_t)rng();
    }
}

static void fuzz_one(void)
{
    uint64_t nr = rng() % 10 == 0 ? rng() % 0x1000 : numbers[rng() % NNUMBERS];
    uint64_t a[6];
    for (int i = 0; i < 6; i++)
        a[i] = hostile();
    /* Keep the run finite and the console readable; everything else goes in as drawn. */
    if (nr == SYS_SLEEP)
        a[0] %= 1000000;
    if (nr == SYS_DEBUG_WRITE)
        a[1] %= 16;
    /*
     * Nothing would ever wake a blocked read or write here (the child holds both ends of its
     * pipes, and no one types): every descriptor the child makes is non-blocking, and it
     * closes its console descriptors at the start (it reports through debug_write).
     */
    if (nr == SYS_PIPE || nr == SYS_OPEN)
        a[nr == SYS_PIPE ? 1 : 2] |= WREN_OPEN_NONBLOCK;
    if (nr == SYS_SEND || nr == SYS_RECEIVE) /* the child holds both ends of its channels too */
        a[2] |= WREN_IPC_NONBLOCK;
    if (nr == SYS_CALL)
        a[2] = 1 + a[2] % 1000000; /* a timeout of at most 1 ms */
    /* A child would be the only client of its own ports, and the only server of its connects. */
    if (nr == SYS_PORT_ACCEPT)
        a[1] |= WREN_IPC_NONBLOCK;
    if (nr == SYS_PORT_CONNECT)
        a[2] = 1 + a[2] % 1000000;
    /*
     * Signals: only to ourselves (never init, our parent, or a sibling's run), and no
     * handler for SIGCHLD, whose arrival from a forked child would depend on timing and
     * make a run with a given seed unrepeatable. A forged sigreturn nearly always ends the
     * child, like exit: one in 16 goes through.
     */
    if (nr == SYS_KILL) { /* most signals end the child: let one in 8 through, check-only otherwise */
        a[0] = (uint64_t)wren_get_pid();
        if (rng() % 8)
            a[1] = 0;
    }
    if (nr == SYS_SIGACTION && (uint32_t)a[0] == WREN_SIGNAL_SIGCHLD)
        a[0] = WREN_SIGNAL_SIGUSR1;
    if (nr == SYS_SIGRETURN && rng() % 16)
        return;
    if (only && nr != only)
        return;
    if (nr == SYS_EXIT && rng() % 256) /* an exit ends this child: let one in 256 through */
        return;
    /* Mostly spare our own image and stack, or most children would die within a few calls. */
    if ((nr == SYS_MUNMAP || nr == SYS_MPROTECT || nr == SYS_MMAP) && rng() % 8 &&
        (a[0] < 0x0000100000000000ull || a[0] >= 0x0000f00000000000ull))
        return;
    long r = wren_syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    /* A fork (or a clone without shared memory) made a child that runs this loop too: end it. */
    if ((nr == SYS_FORK || nr == SYS_CLONE) && r == 0)
        wren_exit(0);
}

static long to_long(const char *s, long dflt)
{
    long v = 0;
    if (!s || !*s)
        return dflt;
    for (; *s >= '0' && *s <= '9'; s++)
        v = v * 10 + (*s - '0');
    return v;
}

static uint64_t free_bytes(void)
{
    struct wren_meminfo mi;
    return wren_mem_info(&mi) == 0 ? mi.free : 0;
}

/* Reap every child (and re-parented grandchild) there is. */
static void reap_all(void)
{
    while (wren_wait(-1, 0, 0) > 0)
        ;
}

int main(int argc, char **argv)
{
    uint64_t seed = (uint64_t)to_long(argc > 1 ? argv[1] : 0, 1);
    long total = to_long(argc > 2 ? argv[2] : 0, 20000);
    only = (uint64_t)to_long(argc > 3 ? argv[3] : 0, 0);
    long children = (total + PER_CHILD - 1) / PER_CHILD, deaths = 0, hung = 0;

    wren_print("sysfuzz: seed ");
    wren_print_dec((long)seed);
    wren_print(", ");
    wren_print_dec(total);
    wren_print(" syscalls\n");
    uint64_t before = free_bytes();
    struct wren_kernel_stats k0 = {0}, k1 = {0};
    wren_kernel_stats(&k0);
    for (long gen = 0; gen < children; gen++) {
        long pid = wren_fork();
        if (pid == 0) {
            rng_state = (seed + 1) * 0x9e3779b97f4a7c15ull ^ (uint64_t)gen;
            for (int fd = 0; fd < 3; fd++)
                wren_close(fd);
            ro_page = (uint64_t)wren_mmap(0, PAGE, WREN_PROT_READ, WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS, -1, 0);
            for (int i = 0; i < PER_CHILD; i++)
                fuzz_one();
            wren_exit(0);
        }
        if (pid < 0) {
            reap_all(); /* the process table may be full of fuzz-made children: clear it and go on */
            continue;
        }
        /*
         * A child can block for good on something only it could have woken (a read on a
         * channel it holds both ends of, say): that is not a kernel hang, so after
         * HUNG_AFTER_MS it is killed and counted, and the run goes on.
         */
        int32_t status = 0;
        long polls = 0, r;
        while ((r = wren_wait((int32_t)pid, &status, WREN_WAIT_NOHANG)) == -E_AGAIN || r == -E_INTR) {
            if (++polls == HUNG_AFTER_MS) {
                wren_kill((int32_t)pid, WREN_SIGNAL_SIGKILL);
                hung++;
            }
            wren_sleep(1000000);
        }
        deaths += status != 0;
        reap_all();
    }
    reap_all();
    uint64_t after = free_bytes();
    wren_kernel_stats(&k1);
    /*
     * The kernel heap is reported but not required to match: a fuzzed mkdir or open may
     * really create a file (a one-byte name found in our own data, say), which the ramfs
     * keeps. Objects, handles and processes have no such excuse.
     */
    int objects_back = k1.objects == k0.objects && k1.handles == k0.handles && k1.processes == k0.processes;
    wren_print("sysfuzz: ");
    wren_print_dec(children);
    wren_print(" children, ");
    wren_print_dec(deaths);
    wren_print(" ended abnormally (");
    wren_print_dec(hung);
    wren_print(" blocked and were killed); memory ");
    if (after == before) {
        wren_print("back to where it started\n");
    } else {
        wren_print("LEAKED: ");
        wren_print_dec((long)(before - after));
        wren_print(" bytes\n");
    }
    wren_print("sysfuzz: kernel objects, handles and processes ");
    if (objects_back) {
        wren_print("back to where they started (heap allocations ");
        wren_print_dec((long)(k1.heap_objects - k0.heap_objects));
        wren_print(" more: files the run created)\n");
    } else {
        wren_print("LEAKED: objects ");
        wren_print_dec((long)(k1.objects - k0.objects));
        wren_print(", heap ");
        wren_print_dec((long)(k1.heap_objects - k0.heap_objects));
        wren_print(", handles ");
        wren_print_dec((long)k1.handles - (long)k0.handles);
        wren_print(", processes ");
        wren_print_dec((long)k1.processes - (long)k0.processes);
        wren_print("\n");
    }
    return after == before && objects_back ? 0 : 1;
}
