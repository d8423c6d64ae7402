/*
 * sysfuzz: the in-guest syscall fuzzer, run as /bin/init by tests/test_fuzz_guest.py.
 *
 *   /bin/init [SEED [SYSCALLS [ONLY [THREADS]]]]     (kernel command line: "-- SEED SYSCALLS ...")
 *
 * A child process issues random syscalls — every number in the interface plus numbers
 * outside it — with hostile arguments: kernel addresses, unmapped, misaligned and
 * read-only pointers, huge and negative lengths, random handles and descriptors. When the
 * child dies (it may well unmap its own stack) the next one starts. Each child's sequence
 * depends only on the seed and its generation, so a seed replays the same run. At the end
 * every child has been reaped and free memory must be back where it started: anything
 * else is a kernel leak. The kernel must not panic or hang (the test's timeout).
 *
 * Path-taking calls get, half the time, a path from a pool of scheme paths (both spellings,
 * /scheme itself, bad and unregistered names, "..", the schemes' own names), often cut short
 * or with a byte changed, so resolution sees near-misses rather than random bytes. What the
 * run creates in the file system is removed before memory is compared (remove_new).
 *
 * A hostile scheme server: each child registers a scheme of its own ("fz<generation>") and forks one client,
 * which makes random file operations on it (small and large reads and writes, good and bad buffers, paths). A
 * quarter of the child's calls are then server calls that draw the same random numbers whatever happens: receives
 * into good and bad memory, replies with wrong tags, lengths beyond what was asked, errors that are no error code,
 * replies to cancelled requests and notifications, twice or never; signals to the waiting client (its cancels);
 * unmapping a grant before answering. When the child ends, its client's requests must fail with E_IO and the
 * client end too: everything is reaped before memory is compared.
 *
 * With THREADS above 1 each child fuzzes from that many threads at once (on as many CPUs as there are), each with a
 * random sequence of its own, so that the kernel meets the same calls from several CPUs in one address space and
 * one handle table: one thread unmapping, closing or exiting under the others. Such a run depends on timing and
 * does not replay.
 */
#include <pthread.h>
#include <signal.h>
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

static __thread uint64_t rng_state; /* each fuzzing thread draws its own sequence */
static uint64_t only;               /* debugging aid: fuzz just this syscall number (third argument) */
static long threads = 1;            /* fuzzing threads in each child (fourth argument) */

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

static const char *const scheme_paths[] = {
    "/scheme",
    "/scheme/",
    "/scheme/console",
    "/scheme/console/",
    "/scheme/console/x",
    "console:",
    "console:x",
    "/scheme/file",
    "/scheme/file/",
    "/scheme/file/fz",
    "/scheme/file/fz/a",
    "file:fz",
    "file:/fz/b",
    "file:../fz",
    "/scheme/file/../console",
    "/scheme//file//fz",
    "/scheme/nosuch",
    "/scheme/nosuch/x",
    "nosuch:",
    "/scheme/Bad",
    "Bad:x",
    ":x",
    "a b:x",
    "/scheme/..",
    "/scheme/.",
    "/scheme/sys",
    "/scheme/sys/proc",
    "/scheme/sys/log",
    "/scheme/sys/processes",
    "/scheme/sys/cpu/",
    "sys:syscalls",
    "sys:",
    "/scheme/null",
    "null:",
    "/scheme/zero",
    "/scheme/memory",
    "/scheme/memory/fz",
    "memory:",
    "/scheme/pipe/fz",
    "pipe:fz",
    "/scheme/time/monotonic",
    "time:realtime",
    "/scheme/mmio",
    "/scheme/mmio/pl031@9010000",
    "mmio:/x",
    "/scheme/irq/pl031@9010000",
    "/scheme/rand",
    "rand:",
    "/scheme/rtc",
    "/fz",
    "/fz/c",
    "fz",
    "fz:",
    "/scheme/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/x",
    "/scheme/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/x",
};
#define NPATHS (sizeof(scheme_paths) / sizeof(scheme_paths[0]))

static char path_buf[2][128];

/* Put a pool path, perhaps cut or with a byte changed, into path_buf[which]: its address and length in *p, *len. */
static void scheme_path(int which, uint64_t *p, uint64_t *len)
{
    const char *s = scheme_paths[rng() % NPATHS];
    uint64_t n = 0;
    while (s[n])
        n++;
    for (uint64_t i = 0; i < n; i++)
        path_buf[which][i] = s[i];
    switch (rng() % 4) {
    case 0: n = n ? rng() % n : 0; break; /* cut short */
    case 1:
        if (n)
            path_buf[which][rng() % n] = "/:.\0aZ-_"[rng() % 9];
        break; /* one byte changed */
    default: break;
    }
    *p = (uint64_t)(uintptr_t)path_buf[which];
    *len = n;
}

/* ---- the hostile scheme server and its client ---------------------------------------------------------------- */

static long server = -1, client_pid = -1;
static char scheme_dir[32]; /* "/scheme/fz<gen>/" */
static size_t scheme_dir_len;
static struct wren_scheme_request sreq;
static uint8_t sbuf[16384] __attribute__((aligned(16)));

static void client_poke(int sig)
{
    (void)sig;
}

/* The client: random operations on the child's scheme, then exit. Everything it waits for ends with its server. */
static void client_loop(void)
{
    struct sigaction a = {.sa_handler = client_poke};
    sigaction(SIGUSR1, &a, 0);
    static const uint64_t lens[] = {0, 1, 100, 4096, 5000, 16383, 16384, 20000, 70000, 1 << 20};
    uint8_t *big = (uint8_t *)wren_mmap(0, 1 << 17, WREN_PROT_READ | WREN_PROT_WRITE,
                                        WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS, -1, 0);
    long fds[4] = {-1, -1, -1, -1};
    char path[48];
    for (int i = 0; i < 64; i++) {
        uint64_t r = rng(), len = lens[r % 10], which = (r >> 8) % 4;
        uint8_t *buf = (r >> 12) % 8 == 0 ? (uint8_t *)(uintptr_t)hostile() : big + (r >> 16) % 4096;
        if (len > (1 << 17) - 4096 && buf >= big && buf < big + (1 << 17))
            len = (1 << 17) - 4096;
        for (size_t k = 0; k < scheme_dir_len; k++)
            path[k] = scheme_dir[k];
        path[scheme_dir_len] = (char)('a' + (r >> 20) % 4);
        size_t plen = scheme_dir_len + 1;
        switch ((r >> 24) % 10) {
        case 0:
        case 1:
            if (fds[which] < 0)
                fds[which] = wren_open(path, plen, WREN_OPEN_READ | WREN_OPEN_WRITE);
            break;
        case 2:
        case 3: wren_read((int32_t)fds[which], buf, len); break;
        case 4: wren_write((int32_t)fds[which], buf, len); break;
        case 5: wren_lseek((int32_t)fds[which], (int64_t)hostile(), (uint32_t)(r >> 32) % 4); break;
        case 6: wren_fstat((int32_t)fds[which], (struct wren_stat *)big); break;
        case 7: wren_stat(path, plen, (struct wren_stat *)big); break;
        case 8: wren_readdir(path, plen, (r >> 32) % 4, (struct wren_dirent *)big); break;
        default:
            wren_close((int32_t)fds[which]);
            fds[which] = -1;
            break;
        }
    }
    wren_exit(0);
}

/* One server call; the same random numbers are drawn whatever the calls return, so a seed replays the run. */
static void server_step(void)
{
    uint64_t r = rng(), h = hostile(), tag_delta = rng() % 4;
    static const int64_t results[] = {0, 1, 3, -E_NOENT, -E_IO, -5000, INT64_MIN, 1 << 21};
    struct wren_scheme_reply rep = {.tag = sreq.tag + tag_delta - 1, .result = results[(r >> 8) % 8], .id = h};
    if ((r >> 16) % 4 == 0)
        rep.result = (int64_t)sreq.len + (int64_t)((r >> 20) % 3) - 1; /* about what was asked */
    const struct wren_scheme_reply *reply = (r >> 24) % 8 == 0 ? (const struct wren_scheme_reply *)h : &rep;
    struct wren_scheme_request *into = (r >> 28) % 8 == 0 ? (struct wren_scheme_request *)ro_page : &sreq;
    uint8_t *buf = (r >> 32) % 8 == 0 ? (uint8_t *)ro_page : sbuf;
    size_t buf_len = (r >> 36) % 8 == 0 ? (size_t)h : sizeof(sbuf);
    switch ((r >> 40) % 8) {
    case 0:
    case 1: wren_scheme_receive((wren_handle_t)server, into, buf, buf_len, WREN_IPC_NONBLOCK); break;
    case 2:
    case 3: wren_scheme_reply((wren_handle_t)server, reply); break;
    case 4: /* (reply_receive would block when the client has nothing queued: whether it has depends on timing) */
        wren_scheme_reply((wren_handle_t)server, reply);
        break;
    case 5: wren_kill((int32_t)client_pid, WREN_SIGNAL_SIGUSR1); break; /* the client's request is cancelled */
    case 6: /* unmap what may be a grant, before answering it */
        if (sreq.len >= 16384 && sreq.buf)
            wren_munmap((void *)(uintptr_t)(sreq.buf & ~4095ull), (size_t)sreq.len + 4096);
        break;
    default: break; /* never answering */
    }
}

/* At the start of each child: register its scheme and fork its client. */
static void start_scheme(long gen)
{
    char name[24] = "fz";
    int n = 2;
    char digits[20];
    int d = 0;
    do
        digits[d++] = (char)('0' + gen % 10);
    while ((gen /= 10) && d < 19);
    while (d)
        name[n++] = digits[--d];
    scheme_dir_len = 0;
    for (const char *p = "/scheme/"; *p; p++)
        scheme_dir[scheme_dir_len++] = *p;
    for (int i = 0; i < n; i++)
        scheme_dir[scheme_dir_len++] = name[i];
    scheme_dir[scheme_dir_len++] = '/';
    server = wren_scheme_register(name, (size_t)n);
    uint64_t client_seed = rng();
    client_pid = wren_fork();
    if (client_pid == 0) {
        wren_close((int32_t)server); /* else its own handle would keep the scheme alive after the server */
        rng_state = client_seed;
        client_loop();
    }
}

static void fuzz_one(void)
{
    if (server >= 0 && rng() % 4 == 0) {
        server_step();
        return;
    }
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
    /*
     * A scheme server's receive waits for its client, whose requests come when they come: non-blocking only, and
     * reply_receive (which always waits) only on what is no registration at all (a probe says), so that a seed
     * replays the same run.
     */
    if (nr == SYS_SCHEME_RECEIVE)
        a[4] |= WREN_IPC_NONBLOCK;
    if (nr == SYS_SCHEME_REPLY_RECEIVE) {
        long probe = wren_scheme_receive((wren_handle_t)a[0], &sreq, sbuf, sizeof(sbuf), WREN_IPC_NONBLOCK);
        if (probe != -E_BADHANDLE && probe != -E_WRONGTYPE && probe != -E_ACCES)
            return;
    }
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
    /*
     * Threads: a futex wait on a word that holds the value would last forever, and a join of a thread that never ends
     * too: at most 1 ms, and joins only detach. thread_kill as kill, to ourselves; thread_exit as exit below. A clone
     * that works starts a thread at a drawn address, which mostly faults and ends the child, as a signal does.
     */
    if (nr == SYS_FUTEX_WAIT)
        a[2] = 1 + a[2] % 1000000;
    if (nr == SYS_THREAD_JOIN)
        a[2] |= WREN_THREAD_JOIN_DETACH;
    if (nr == SYS_THREAD_KILL) {
        a[0] = 0;
        if (rng() % 8)
            a[1] = 0;
    }
    if (nr == SYS_SIGACTION && (uint32_t)a[0] == WREN_SIGNAL_SIGCHLD)
        a[0] = WREN_SIGNAL_SIGUSR1;
    if (nr == SYS_SIGRETURN && rng() % 16)
        return;
    if (rng() % 2 && (nr == SYS_OPEN || nr == SYS_STAT || nr == SYS_READDIR || nr == SYS_UNLINK || nr == SYS_MKDIR ||
                      nr == SYS_RMDIR || nr == SYS_TRUNCATE || nr == SYS_CHDIR || nr == SYS_RENAME))
        scheme_path(0, &a[0], &a[1]);
    if (nr == SYS_RENAME && rng() % 2)
        scheme_path(1, &a[2], &a[3]);
    if (nr == SYS_SCHEME_OPEN && rng() % 2) {
        static const char *const names[] = {"console", "file", "sys", "null", "nosuch", "Bad", "", "a/b"};
        const char *nm = names[rng() % 8];
        a[0] = (uint64_t)(uintptr_t)nm;
        for (a[1] = 0; nm[a[1]]; a[1]++)
            ;
        scheme_path(1, &a[2], &a[3]);
        a[4] |= WREN_OPEN_NONBLOCK;
    }
    if (only && nr != only)
        return;
    if ((nr == SYS_EXIT || nr == SYS_THREAD_EXIT) && rng() % 256) /* ends this child: let one in 256 through */
        return;
    /* Mostly spare our own image and stack, or most children would die within a few calls. */
    if ((nr == SYS_MUNMAP || nr == SYS_MPROTECT || nr == SYS_MMAP) && rng() % 8 &&
        (a[0] < 0x0000100000000000ull || a[0] >= 0x0000f00000000000ull))
        return;
    long r = wren_syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    /* A fork made a child that runs this loop too: end it. (A clone's thread starts elsewhere; it never sees 0.) */
    if (nr == SYS_FORK && r == 0)
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

/*
 * What the file system held before the run (full paths, at most 64), so that remove_new can take away what the
 * run made: files and directories through any spelling, named pipes and memory objects.
 */
static char before_paths[64][64];
static int nbefore;

static uint64_t length(const char *s)
{
    uint64_t n = 0;
    while (s[n])
        n++;
    return n;
}

static int was_there(const char *path)
{
    for (int i = 0; i < nbefore; i++) {
        uint64_t j = 0;
        while (before_paths[i][j] && before_paths[i][j] == path[j])
            j++;
        if (before_paths[i][j] == path[j])
            return 1;
    }
    return 0;
}

/* path[0..n) + "/" + name into out (at most 512 bytes): its length, or 0 if it does not fit. */
static uint64_t join(char *out, const char *path, uint64_t n, const uint8_t *name, uint32_t name_len)
{
    if (n + 1 + name_len + 1 > 512)
        return 0;
    for (uint64_t i = 0; i < n; i++)
        out[i] = path[i];
    if (n != 1) /* "/" + "x", not "//x" */
        out[n++] = '/';
    for (uint32_t i = 0; i < name_len; i++)
        out[n++] = (char)name[i];
    out[n] = 0;
    return n;
}

/* Walk the tree under path: with record, remember every path; else remove every one that was not there. */
static void walk(const char *path, uint64_t n, int record, int depth)
{
    struct wren_dirent d;
    char child[512];
    uint64_t i = 0;

    if (depth > 8)
        return;
    while (wren_readdir(path, n, i, &d) == 0) {
        uint64_t m = join(child, path, n, d.name, d.name_len);
        i++;
        if (!m)
            continue;
        if (record) {
            if (nbefore < 64 && m < 64) {
                for (uint64_t k = 0; k <= m; k++)
                    before_paths[nbefore][k] = child[k];
                nbefore++;
            }
            if (d.type == WREN_FILE_TYPE_DIRECTORY)
                walk(child, m, 1, depth + 1);
            continue;
        }
        if (d.type == WREN_FILE_TYPE_DIRECTORY)
            walk(child, m, 0, depth + 1);
        if (!was_there(child) && (wren_unlink(child, m) == 0 || wren_rmdir(child, m) == 0))
            i--; /* the entries after it moved up one */
    }
}

/*
 * A directory keeps the room its entry array grew to (ramfs.c doubles it) when entries go: grow the root's before
 * the baseline, so that files the run makes there and remove_new takes away leave memory as it was.
 */
static void grow_root(void)
{
    char name[8] = "/fzg";
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < 512; i++) {
            name[4] = (char)('a' + i / 26 / 26 % 26);
            name[5] = (char)('a' + i / 26 % 26);
            name[6] = (char)('a' + i % 26);
            if (pass == 0)
                wren_close((int32_t)wren_open(name, 7, WREN_OPEN_WRITE | WREN_OPEN_CREATE));
            else
                wren_unlink(name, 7);
        }
}

static void remove_new(void)
{
    static const char *const kernel_dirs[] = {"/scheme/pipe", "/scheme/memory"};
    wren_chdir("/", 1);
    walk("/", 1, 0, 0);
    for (int k = 0; k < 2; k++) {
        struct wren_dirent d;
        char child[512];
        uint64_t n = length(kernel_dirs[k]);
        while (wren_readdir(kernel_dirs[k], n, 0, &d) == 0) {
            uint64_t m = join(child, kernel_dirs[k], n, d.name, d.name_len);
            if (!m || wren_unlink(child, m) != 0)
                break; /* nothing the run made is left, or what is left cannot go: report what it holds */
        }
    }
}

/* A second, third ... fuzzing thread of a child: its own sequence, the same calls. */
static void *fuzz_thread(void *arg)
{
    rng_state = (uint64_t)(uintptr_t)arg;
    for (int i = 0; i < PER_CHILD; i++)
        fuzz_one();
    return 0;
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
    threads = to_long(argc > 4 ? argv[4] : 0, 1);
    long children = (total + PER_CHILD - 1) / PER_CHILD, deaths = 0, hung = 0;

    wren_print("sysfuzz: seed ");
    wren_print_dec((long)seed);
    wren_print(", ");
    wren_print_dec(total);
    wren_print(" syscalls");
    if (threads > 1) {
        wren_print(", ");
        wren_print_dec(threads);
        wren_print(" threads per child");
    }
    wren_print("\n");
    walk("/", 1, 1, 0);
    grow_root();
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
            start_scheme(gen);
            /* The other threads start drawing now; whichever ends the child (exit, a fault) ends them all. */
            for (long t = 1; t < threads; t++) {
                pthread_t th;
                pthread_create(&th, 0, fuzz_thread, (void *)(uintptr_t)(rng() | 1));
            }
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
    remove_new();
    uint64_t after = free_bytes();
    wren_kernel_stats(&k1);
    /*
     * The kernel heap is reported but not required to match: remove_new takes away what the
     * run made in the file system, but a rename may have moved something that was there
     * before. Objects, handles and processes have no such excuse.
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
