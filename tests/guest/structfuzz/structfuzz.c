/*
 * structfuzz: the structure-building guest fuzzer, run as /bin/init by tests/test_structfuzz.py.
 *
 *   /bin/init [SEED [ROUNDS [CASES [FIRST_ROUND]]]]   (kernel command line: "-- SEED ROUNDS CASES")
 *
 * sysfuzz makes random calls with hostile arguments; this one builds the structures random
 * calls never reach and races them: chains and cycles of handles in flight, receives with
 * timeouts racing calls, huge address ranges, priority and limit changes, fork bursts and
 * kill(-1), forged kernel messages, shared memory of huge sizes. CASES is a bit mask of the
 * cases below (default: all), so one case can be run alone to confirm a fix; each case runs
 * ROUNDS rounds, and FIRST_ROUND skips straight to a round a finding named.
 *
 * Each round runs in a fresh worker process (plus the processes it makes). When the round
 * is over and every process of it has been reaped, free memory, kernel objects, channel
 * ends, heap allocations, shared-memory objects, handles and processes must be back to
 * where they were before it: anything else is reported as a leak of that round. A
 * watchdog child sleeps in short periods during the vm and procs cases and reports any
 * wake-up later than LATE_MS (a syscall that keeps interrupts masked, or a process that
 * starves the watchdog's priority). A round still running after its deadline is a hang.
 *
 * Every finding is printed once per case and kind as
 *   structfuzz: FOUND [case] round R: what
 * and counted; init exits 0 only if nothing was found. Randomness comes only from the seed:
 * a round's (and each of its processes') sequence depends on seed, case and round alone, so
 * SEED CASES FIRST_ROUND replays it. The cases with one process at a time (chain, cycle,
 * forge, vm) are deterministic outright and print a digest of every syscall result; where
 * processes race (race, procs, shm) the same calls are made but their interleaving follows
 * the timer.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include <wren/print.h>
#include <wren/syscalls.h>

#define PAGE      4096ull
#define MS        1000000ll
#define LATE_MS   250                   /* the watchdog's bound on a late wake-up */
#define MMAP_AREA 0x0000100000000000ull /* the mmap area (kernel/mm/vm.h) */
#define MMAP_TOP  0x0000f00000000000ull
/* The shared page sits at the very start of the area; the vm case has the rest of it. */
#define SHARED_AT MMAP_AREA
#define MMAP_BASE (MMAP_AREA + (2ull << 20))
#define GiB       (1ull << 30)

enum {
    CASE_CHAIN, /* long chains of ends in flight, each in the queue of the next; close the head */
    CASE_CYCLE, /* random handle graphs: cycles, nested transfers, ports, subscriptions, shm */
    CASE_RACE,  /* receives with short timeouts racing call/reply_receive; signals and kills */
    CASE_VM,    /* huge ranges to mmap/mprotect/munmap/fork under a high-priority watchdog */
    CASE_PROCS, /* priorities, limits, fork bursts, many children, kill(-1) */
    CASE_FORGE, /* kernel-only message types sent from user space */
    CASE_SHM,   /* shared memory of huge sizes, memory exhaustion, event_wait with a huge max */
    NCASES
};
static const char *const case_names[NCASES] = {"chain", "cycle", "race", "vm", "procs", "forge", "shm"};
/* How long a round may run before it counts as a hang (ms). */
static const long case_deadline_ms[NCASES] = {20000, 20000, 15000, 20000, 20000, 10000, 30000};

/* State shared by every process of the run: one MAP_SHARED|MAP_ANONYMOUS page made by init. */
struct shared {
    uint64_t syscalls, digest, findings;
    uint64_t kinds_seen[NCASES]; /* bit k: finding kind k of the case already printed */
    int32_t cur_case, cur_round;
    int64_t wd_max_late_ns;
    volatile int32_t wd_stop;
    volatile int32_t table_full, table_full_ack; /* procs: a burst filled the process table */
    volatile int32_t killed_all;                 /* procs: some process ran kill(-1, SIGKILL) */
};
static struct shared *sh;

static uint64_t seed;
static int cur_case;
static long cur_round;

/* ---- randomness and counting ---- */

static uint64_t rng_state;

static uint64_t mix(uint64_t z)
{
    /* splitmix64's finaliser: turns (seed, case, round, role) into an independent stream. */
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void rng_seed(uint64_t role)
{
    rng_state = mix(mix(mix(seed) ^ (uint64_t)cur_case) ^ (uint64_t)cur_round) ^ mix(role);
    if (!rng_state)
        rng_state = 1;
}

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static uint64_t below(uint64_t n)
{
    return n ? rng() % n : 0;
}
static int one_in(uint64_t n)
{
    return below(n) == 0;
}

/* Every fuzzer syscall goes through SC: counted, and its result folded into this process's digest. */
static uint64_t my_calls, my_digest;
static long note(long r)
{
    my_calls++;
    my_digest = my_digest * 1099511628211ull + (uint64_t)r;
    return r;
}
#define SC(call) note((long)(call))

static void flush_counts(void)
{
    __atomic_fetch_add(&sh->syscalls, my_calls, __ATOMIC_RELAXED);
    __atomic_fetch_add(&sh->digest, mix(my_digest), __ATOMIC_RELAXED);
    my_calls = my_digest = 0;
}

static _Noreturn void leave(int code)
{
    flush_counts();
    wren_exit(code);
}

/* ---- reporting ---- */

static void say(const char *s)
{
    wren_debug_write(s, wren_strlen(s));
}

/* A finding: printed the first time its kind shows up in this case, counted every time. */
static void found(int kind, const char *what)
{
    __atomic_fetch_add(&sh->findings, 1, __ATOMIC_RELAXED);
    uint64_t bit = 1ull << (kind & 63);
    if (__atomic_fetch_or(&sh->kinds_seen[cur_case], bit, __ATOMIC_RELAXED) & bit)
        return;
    char line[320];
    snprintf(line, sizeof(line), "structfuzz: FOUND [%s] round %ld (seed %llu): %s\n", case_names[cur_case], cur_round,
             (unsigned long long)seed, what);
    say(line);
}

static int64_t now_ns(void)
{
    return wren_get_time(WREN_CLOCK_MONOTONIC);
}

static uint64_t free_bytes(void)
{
    struct wren_meminfo mi;
    return wren_mem_info(&mi) == 0 ? mi.free : 0;
}

static void spin_ns(int64_t ns)
{
    int64_t end = now_ns() + ns;
    while (now_ns() < end)
        ;
}

static struct wren_msg msg_of(uint32_t type, uint64_t tag)
{
    struct wren_msg m = {0};
    m.header.type = type;
    m.header.length = 8;
    m.header.txid = tag;
    *(uint64_t *)m.payload = tag;
    return m;
}

/* Wait for pid until deadline_ms has passed; kill it then. Returns its status, or -1 if it hung. */
static long wait_deadline(long pid, long deadline_ms)
{
    int64_t end = now_ns() + deadline_ms * MS;
    int32_t st = 0;
    long r;
    while ((r = wren_wait((int32_t)pid, &st, WREN_WAIT_NOHANG)) == -E_AGAIN || r == -E_INTR) {
        if (now_ns() > end) {
            wren_kill((int32_t)pid, WREN_SIGNAL_SIGKILL);
            wren_wait((int32_t)pid, &st, 0);
            return -1;
        }
        wren_sleep(1 * MS);
    }
    return r == pid ? st : -2;
}

/* Reap every child this process has, however long they take (children always end on their own). */
static void reap_children(void)
{
    while (wren_wait(-1, 0, 0) > 0 || 0)
        ;
}

/* ===================================================================================== */
/* chain: an end in flight in the queue of the next end, thousands deep, then the head goes. */

static long chain_length(void)
{
    switch (below(4)) {
    case 0: return 1 + (long)below(64);
    case 1: return 64 + (long)below(448);
    default: return 512 + (long)below(3584);
    }
}

/* A passenger put in a link's queue beside the previous end: a port, a subscription, an shm. */
static void add_passenger(long link, wren_handle_t over)
{
    char name[24];
    int n = snprintf(name, sizeof(name), "sf.chain.%ld", link);
    long h = -1;
    switch (below(3)) {
    case 0: h = SC(wren_port_register(name, (size_t)n)); break;
    case 1: {
        long port = SC(wren_port_register(name, (size_t)n));
        if (port >= 0) {
            h = SC(wren_port_subscribe(name, (size_t)n));
            /* The port goes in flight too, holding its subscriber's sending end. */
            if (SC(wren_channel_transfer(over, (wren_handle_t)port, WREN_RIGHT_ALL)) < 0)
                SC(wren_close((wren_fd_t)port));
        }
        break;
    }
    default: h = SC(wren_shm_create(PAGE * (1 + below(16)))); break;
    }
    if (h >= 0 && SC(wren_channel_transfer(over, (wren_handle_t)h, WREN_RIGHT_ALL)) < 0)
        SC(wren_close((wren_fd_t)h));
}

static void build_chain_and_drop(void)
{
    long len = chain_length();
    wren_handle_t ends[2];
    if (SC(wren_channel_create(ends, 0)) < 0)
        return;
    wren_handle_t cur = ends[0];
    SC(wren_close(ends[1]));
    for (long i = 0; i < len; i++) {
        /* cur goes into the queue of n[0] (sent over n[1]); only n[0] is kept. */
        wren_handle_t n[2];
        if (SC(wren_channel_create(n, one_in(2) ? 0 : 3 + (uint32_t)below(6))) < 0)
            break;
        if (one_in(16))
            add_passenger(i, n[1]);
        if (SC(wren_channel_transfer(n[1], cur, WREN_RIGHT_ALL)) < 0) {
            SC(wren_close(n[0]));
            SC(wren_close(n[1]));
            break;
        }
        SC(wren_close(n[1]));
        cur = n[0];
    }
    switch (below(3)) {
    case 0: SC(wren_channel_close(cur)); break; /* the head goes: the whole chain is torn down */
    case 1: {                                   /* a child inherits the head and exits with it */
        long pid = SC(wren_fork());
        if (pid == 0)
            leave(0);
        SC(wren_channel_close(cur));
        if (pid > 0)
            SC(wren_wait((int32_t)pid, 0, 0));
        break;
    }
    default: break; /* kept: it goes when the worker exits */
    }
}

static void case_chain(void)
{
    for (int k = 0; k < 3; k++)
        build_chain_and_drop();
}

/* ===================================================================================== */
/* cycle: random graphs of handles, in flight in each other's queues, held or dropped. */

enum kind { K_END, K_PORT, K_SUB, K_SHM, K_OTHER };
#define MAXH 48
static struct held {
    long h;
    enum kind kind;
} held[MAXH];
static int nheld;
static int nports;
static int in_child;

static void hold(long h, enum kind k)
{
    if (h < 0)
        return;
    if (nheld == MAXH) {
        SC(wren_close((wren_fd_t)h));
        return;
    }
    held[nheld].h = h;
    held[nheld++].kind = k;
}

static void drop(int i)
{
    held[i] = held[--nheld];
}

static int pick(enum kind k)
{
    if (!nheld)
        return -1;
    for (int tries = 0; tries < 8; tries++) {
        int i = (int)below((uint64_t)nheld);
        if (k == K_OTHER || held[i].kind == k)
            return i;
    }
    return -1;
}

static uint32_t some_rights(void)
{
    return one_in(4) ? (uint32_t)below(0x40) : WREN_RIGHT_ALL;
}

/* A k-cycle: end a[i] in a[i+1]'s queue (sent over b[i+1]); with every b closed, nothing holds it. */
static void make_cycle(int k)
{
    wren_handle_t a[8], b[8];
    int made = 0;
    for (; made < k; made++) {
        wren_handle_t e[2];
        if (SC(wren_channel_create(e, 0)) < 0)
            break;
        a[made] = e[0];
        b[made] = e[1];
    }
    for (int i = 0; i < made; i++) {
        int next = (i + 1) % made;
        if (one_in(6)) { /* a passenger rides along: an shm or a subscription */
            long p = SC(wren_shm_create(PAGE));
            if (p >= 0 && SC(wren_channel_transfer(b[next], (wren_handle_t)p, WREN_RIGHT_ALL)) < 0)
                SC(wren_close((wren_fd_t)p));
        }
        if (SC(wren_channel_transfer(b[next], a[i], WREN_RIGHT_ALL)) < 0)
            hold(a[i], K_END);
    }
    for (int i = 0; i < made; i++) {
        if (one_in(3))
            hold(b[i], K_END);
        else
            SC(wren_close(b[i]));
    }
}

static void cycle_op(void)
{
    int i, j;
    switch (below(16)) {
    case 0:
    case 1: {
        wren_handle_t e[2];
        if (SC(wren_channel_create(e, one_in(4) ? (uint32_t)below(70) : 0)) == 0) {
            hold(e[0], K_END);
            hold(e[1], K_END);
        }
        break;
    }
    case 2:
    case 3:
    case 4: /* a transfer: something into the queue of some end's peer */
        if ((i = pick(K_END)) >= 0 && (j = pick(K_OTHER)) >= 0 && i != j) {
            long h = held[j].h;
            if (SC(wren_channel_transfer((wren_handle_t)held[i].h, (wren_handle_t)h, some_rights())) == 0) {
                for (int x = nheld - 1; x >= 0; x--) /* it left the table, under every alias we know */
                    if (held[x].h == h)
                        drop(x);
            }
        }
        break;
    case 5: /* a receive: maybe a handle comes back out of flight */
        if ((i = pick(K_END)) >= 0) {
            struct wren_msg m;
            if (SC(wren_receive((wren_handle_t)held[i].h, &m, WREN_IPC_NONBLOCK, 0)) >= 0 && m.header.handle_count)
                hold((long)*(wren_handle_t *)m.payload, K_OTHER);
        }
        break;
    case 6:
        if ((i = pick(K_OTHER)) >= 0) {
            long h = held[i].h;
            SC(wren_close((wren_fd_t)h));
            for (int x = nheld - 1; x >= 0; x--)
                if (held[x].h == h)
                    drop(x);
        }
        break;
    case 7:
        if ((i = pick(K_OTHER)) >= 0)
            hold(SC(wren_dup((wren_fd_t)held[i].h)), held[i].kind);
        break;
    case 8: {
        char name[32];
        int n = snprintf(name, sizeof(name), "sf.cyc.%d", nports++ % 6);
        if (one_in(2))
            hold(SC(wren_port_register(name, (size_t)n)), K_PORT);
        else
            hold(SC(wren_port_subscribe(name, (size_t)n)), K_SUB);
        break;
    }
    case 9:
        if ((i = pick(K_PORT)) >= 0) {
            struct wren_msg m = msg_of(WREN_MSG_DATA, rng());
            SC(wren_port_publish((wren_handle_t)held[i].h, &m, 0));
        }
        break;
    case 10: hold(SC(wren_shm_create(one_in(8) ? GiB : PAGE * (1 + below(64)))), K_SHM); break;
    case 11:
    case 12: make_cycle(2 + (int)below(7)); break;
    case 13:
        if ((i = pick(K_END)) >= 0) {
            struct wren_msg m = msg_of(WREN_MSG_DATA, rng());
            SC(wren_send((wren_handle_t)held[i].h, &m, WREN_IPC_NONBLOCK, 0));
        }
        break;
    case 14: { /* a child inherits everything, rearranges some of it and exits with it in flight */
        if (in_child)
            break; /* no grandchildren: keep the run sequential (and finite) */
        uint64_t child_seed = rng();
        long pid = SC(wren_fork());
        if (pid == 0) {
            rng_state = child_seed | 1;
            in_child = 1;
            for (int k = 0; k < 40; k++)
                cycle_op();
            leave(0);
        }
        if (pid > 0)
            SC(wren_wait((int32_t)pid, 0, 0));
        break;
    }
    default:
        if ((i = pick(K_PORT)) >= 0) {
            SC(wren_port_unregister((wren_handle_t)held[i].h));
            drop(i);
        }
        break;
    }
}

static void case_cycle(void)
{
    nheld = 0;
    for (int k = 0; k < 200; k++)
        cycle_op();
    if (one_in(2)) /* close every head, or exit with everything as it is */
        while (nheld) {
            SC(wren_close((wren_fd_t)held[0].h));
            drop(0);
        }
}

/* ===================================================================================== */
/* race: servers receive with short timeouts while clients at the same priority call. */

static volatile long interrupted;
static void on_usr1(int sig)
{
    (void)sig;
    interrupted++;
}

static int64_t short_timeout(void)
{
    switch (below(4)) {
    case 0: return 0; /* no limit: the peers' exits still end it */
    case 1: return 1000 + (int64_t)below(100000);
    default: return (int64_t)(1 + below(3)) * MS;
    }
}

static void race_server(wren_handle_t ch)
{
    struct wren_msg m = {0};
    int have_request = 0;
    for (int k = 0; k < 150; k++) {
        long r;
        if (one_in(2)) {
            struct wren_msg reply = msg_of(WREN_MSG_REPLY, m.header.txid);
            r = SC(wren_reply_receive(have_request ? ch : (wren_handle_t)-1, ch, have_request ? &reply : &m,
                                      (uint64_t)short_timeout()));
            if (have_request && r >= 0)
                m = reply;
        } else {
            if (have_request) {
                struct wren_msg reply = msg_of(WREN_MSG_REPLY, m.header.txid);
                SC(wren_send(ch, &reply, WREN_IPC_NONBLOCK, 0));
            }
            r = SC(wren_receive(ch, &m, 0, (uint64_t)short_timeout()));
        }
        have_request = r >= 0 && m.header.type == WREN_MSG_REQUEST;
        if (r == -E_PIPE || (r >= 0 && m.header.type == WREN_MSG_CLOSE))
            break;
        if (one_in(3))
            spin_ns((int64_t)below(2 * MS));
    }
}

static void race_client(wren_handle_t ch)
{
    for (int k = 0; k < 150; k++) {
        spin_ns((int64_t)below(3 * MS)); /* be running when a server's timeout fires */
        struct wren_msg m = msg_of(WREN_MSG_REQUEST, rng());
        long r =
            one_in(5) ? SC(wren_send(ch, &m, WREN_IPC_NONBLOCK, 0)) : SC(wren_call(ch, &m, (uint64_t)short_timeout()));
        if (r == -E_PIPE)
            break;
    }
}

static void race_signaller(const long *pids, int n)
{
    for (int k = 0; k < 30; k++) {
        wren_sleep((uint64_t)(100000 + below(3 * MS)));
        int32_t pid = (int32_t)pids[below((uint64_t)n)];
        switch (below(8)) {
        case 0: SC(wren_kill(pid, WREN_SIGNAL_SIGKILL)); break;
        case 1:
            SC(wren_kill(pid, WREN_SIGNAL_SIGSTOP));
            wren_sleep((uint64_t)below(2 * MS));
            SC(wren_kill(pid, WREN_SIGNAL_SIGCONT));
            break;
        default: SC(wren_kill(pid, WREN_SIGNAL_SIGUSR1)); break;
        }
    }
}

static void case_race(void)
{
    signal(SIGUSR1, on_usr1);
    wren_handle_t ch[2];
    if (SC(wren_channel_create(ch, (uint32_t)(1 + below(8)))) < 0)
        return;
    long pids[8];
    int n = 0, servers = 1 + (int)below(3), clients = 1 + (int)below(4);
    for (int k = 0; k < servers + clients; k++) {
        uint64_t child_seed = rng();
        long pid = wren_fork();
        if (pid == 0) {
            rng_state = child_seed | 1;
            int server = k < servers;
            SC(wren_close(ch[server ? 1 : 0]));
            if (server)
                race_server(ch[0]);
            else
                race_client(ch[1]);
            leave(0);
        }
        if (pid > 0)
            pids[n++] = pid;
    }
    SC(wren_close(ch[0]));
    SC(wren_close(ch[1]));
    if (n && one_in(4) == 0)
        race_signaller(pids, n);
    reap_children();
}

/* ===================================================================================== */
/* watchdog: sleeps in short periods with a deadline and reports every late wake-up. */

static long start_watchdog(uint32_t priority)
{
    sh->wd_stop = 0;
    sh->wd_max_late_ns = 0;
    long pid = wren_fork();
    if (pid != 0)
        return pid;
    wren_set_priority(0, priority);
    const int64_t period = 2 * MS;
    while (!sh->wd_stop) {
        int64_t t0 = now_ns();
        wren_sleep((uint64_t)period);
        int64_t late = now_ns() - t0 - period;
        if (late > sh->wd_max_late_ns)
            sh->wd_max_late_ns = late;
        if (late > LATE_MS * MS) {
            char what[160];
            snprintf(what, sizeof(what), "the watchdog (priority %u) woke %lld ms late (bound %d ms)%s", priority,
                     (long long)(late / MS), LATE_MS,
                     sh->cur_case == CASE_VM ? ": a syscall kept interrupts masked"
                                             : ": something starved its priority");
            found(0, what);
        }
    }
    wren_exit(0);
}

/* ===================================================================================== */
/* vm: huge ranges, up to the whole mmap area, to mmap, mprotect, munmap and fork. */

struct region {
    uint64_t addr, len;
    uint32_t prot; /* what every page has now, or ~0 when mixed */
};

static uint64_t huge_len(void)
{
    switch (below(6)) {
    case 0: return MMAP_TOP - MMAP_BASE; /* the whole mmap area */
    case 1: return PAGE * (1 + below(512));
    default: return 1ull << (21 + below(27)); /* 2 MiB to 64 TiB */
    }
}

static void vm_log(const char *op, uint64_t addr, uint64_t len)
{
    if (len < GiB)
        return;
    /* Printed before the call: if the machine freezes, this is the call that froze it. */
    char line[128];
    snprintf(line, sizeof(line), "structfuzz: vm round %ld: %s 0x%llx + %llu GiB\n", cur_round, op,
             (unsigned long long)addr, (unsigned long long)(len / GiB));
    say(line);
}

static void touch(const struct region *r)
{
    if (r->prot == ~0u || !(r->prot & WREN_PROT_READ))
        return;
    for (int k = 0; k < 4; k++) {
        volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)(r->addr + (below(r->len / PAGE) * PAGE));
        if (r->prot & WREN_PROT_WRITE)
            *p = (uint8_t)k;
        else
            (void)*p;
    }
}

static void case_vm(void)
{
    struct region reg[8];
    int n = 0;
    for (int k = 0; k < 14; k++) {
        int i = n ? (int)below((uint64_t)n) : -1;
        switch (below(7)) {
        case 0:
        case 1: {
            if (n == 8)
                break;
            uint64_t len = huge_len();
            uint32_t prot = (uint32_t[]){0, WREN_PROT_READ, WREN_PROT_READ | WREN_PROT_WRITE}[below(3)];
            uint64_t addr = 0, flags = WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS;
            if (one_in(3) && len < MMAP_TOP - MMAP_BASE) {
                addr = MMAP_BASE + (below((MMAP_TOP - MMAP_BASE - len) >> 21) << 21);
                flags |= WREN_MAP_FIXED;
            }
            vm_log("mmap", addr, len);
            long r = SC(wren_mmap((void *)(uintptr_t)addr, len, prot, (uint32_t)flags, -1, 0));
            if (r >= 0) {
                /* A fixed mapping may replace part of another: forget those we overlapped. */
                for (int x = n - 1; x >= 0; x--)
                    if (reg[x].addr < (uint64_t)r + len && (uint64_t)r < reg[x].addr + reg[x].len)
                        reg[x] = reg[--n];
                reg[n++] = (struct region){(uint64_t)r, len, prot};
            }
            break;
        }
        case 2:
            if (i >= 0)
                touch(&reg[i]);
            break;
        case 3:
            if (i >= 0) { /* all of it, or a huge part of it */
                uint64_t off = one_in(2) ? 0 : below(reg[i].len / PAGE) * PAGE;
                uint64_t len = reg[i].len - off;
                uint32_t prot = (uint32_t[]){0, WREN_PROT_READ, WREN_PROT_READ | WREN_PROT_WRITE}[below(3)];
                vm_log("mprotect", reg[i].addr + off, len);
                if (SC(wren_mprotect((void *)(uintptr_t)(reg[i].addr + off), len, prot)) == 0)
                    reg[i].prot = off ? ~0u : prot;
            }
            break;
        case 4:
            if (i >= 0) {
                vm_log("munmap", reg[i].addr, reg[i].len);
                SC(wren_munmap((void *)(uintptr_t)reg[i].addr, reg[i].len));
                reg[i] = reg[--n];
            } else {
                vm_log("munmap", MMAP_BASE, MMAP_TOP - MMAP_BASE);
                SC(wren_munmap((void *)(uintptr_t)MMAP_BASE, MMAP_TOP - MMAP_BASE));
            }
            break;
        case 5: { /* a range nothing is mapped in: must fail, and fast */
            uint64_t len = huge_len();
            uint64_t addr = MMAP_BASE + (below((MMAP_TOP - MMAP_BASE - len) >> 21 | 1) << 21);
            vm_log("mprotect (unmapped)", addr, len);
            SC(wren_mprotect((void *)(uintptr_t)addr, len, WREN_PROT_READ));
            break;
        }
        default: { /* fork copies every reservation */
            uint64_t total = 0;
            for (int x = 0; x < n; x++)
                total += reg[x].len;
            vm_log("fork with reservations of", 0, total);
            uint64_t child_seed = rng();
            long pid = SC(wren_fork());
            if (pid == 0) {
                rng_state = child_seed | 1;
                if (n) {
                    int c = (int)below((uint64_t)n);
                    touch(&reg[c]);
                    vm_log("mprotect (in the child)", reg[c].addr, reg[c].len);
                    wren_mprotect((void *)(uintptr_t)reg[c].addr, reg[c].len, WREN_PROT_READ);
                }
                leave(0);
            }
            if (pid > 0)
                SC(wren_wait((int32_t)pid, 0, 0));
            break;
        }
        }
    }
}

/* ===================================================================================== */
/* procs: priorities, limits, fork bursts, many children and kill(-1), in a session of its own. */

/* A burst of children, each blocked on `gate` until it closes; under a process limit or not. */
static void fork_burst(void)
{
    wren_handle_t gate[2];
    if (SC(wren_channel_create(gate, 0)) < 0)
        return;
    long limit = -1;
    if (one_in(2)) {
        limit = 1 + (long)below(20);
        SC(wren_set_limit(0, WREN_LIMIT_PROCESSES, (uint64_t)limit));
    }
    long made = 0, r = 0;
    for (long k = 0; k < 80; k++) {
        r = SC(wren_fork());
        if (r == 0) {
            struct wren_msg m;
            SC(wren_channel_close(gate[0]));
            SC(wren_receive(gate[1], &m, 0, 3000 * MS)); /* ends when the gate closes */
            leave(0);
        }
        if (r < 0)
            break;
        made++;
    }
    SC(wren_channel_close(gate[1]));
    if (limit > 0 && 1 + made > limit) {
        char what[160];
        snprintf(what, sizeof(what),
                 "set_limit(WREN_LIMIT_PROCESSES, %ld) not enforced: the tree grew to %ld processes", limit, 1 + made);
        found(1, what);
    }
    if (r == -E_AGAIN && (limit < 0 || 1 + made < limit)) {
        /* The process table is full: init must still be able to make a process. */
        sh->table_full = 1;
        int64_t end = now_ns() + 2000 * MS;
        while (!sh->table_full_ack && now_ns() < end)
            wren_sleep(1 * MS);
        sh->table_full = sh->table_full_ack = 0;
    }
    SC(wren_channel_close(gate[0]));
    reap_children();
}

static void priority_spin(void)
{
    uint32_t p = 1 + (uint32_t)below(31);
    long old = SC(wren_set_priority(0, p));
    spin_ns((int64_t)(300 + below(300)) * MS); /* long enough to starve a lower priority past the bound */
    if (old > 0)
        SC(wren_set_priority(0, (uint32_t)old));
}

static void limit_checks(void)
{
    uint32_t res = one_in(8) ? (uint32_t)below(6) : (uint32_t)(1 + below(2));
    struct wren_limit_info before, after;
    long g = SC(wren_get_limit(0, res, &before));
    if (g < 0)
        return;
    uint64_t v = one_in(4) ? WREN_LIMIT_UNLIMITED : (res == WREN_LIMIT_MEMORY ? (1 + below(512)) << 20 : below(64));
    long r = SC(wren_set_limit(0, res, v));
    SC(wren_get_limit(0, res, &after));
    /* Documented: without the privilege, never above one's own limit (E_PERM); otherwise 0, and get_limit reads
     * the new limit. */
    if (v > before.limit && (after.limit == v || r != -E_PERM))
        found(2, "an unprivileged set_limit raised a limit above the caller's own, or was not refused with E_PERM");
    if (r == 0 && after.limit != v)
        found(3, "set_limit returned 0 but get_limit reads another limit");
    if (r < 0 && after.limit != before.limit)
        found(3, "a refused set_limit changed the limit");
}

static void memory_limit_check(void)
{
    uint64_t delta = (256 + below(4096)) << 10;
    long pid = SC(wren_fork());
    if (pid == 0) {
        struct wren_limit_info li;
        /* (Whether set_limit worked is read back: its -1 is both "was unlimited" and -E_PERM.) */
        if (wren_get_limit(0, WREN_LIMIT_MEMORY, &li) < 0)
            leave(0);
        uint64_t want = li.usage + delta;
        wren_set_limit(0, WREN_LIMIT_MEMORY, want);
        if (wren_get_limit(0, WREN_LIMIT_MEMORY, &li) < 0 || li.limit != want)
            leave(0);
        uint64_t len = 2 * delta + (1 << 20);
        long a = wren_mmap(0, len, WREN_PROT_READ | WREN_PROT_WRITE, WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS, -1, 0);
        if (a < 0)
            leave(0); /* refused: enforced */
        for (uint64_t off = 0; off < len; off += PAGE)
            *(volatile uint8_t *)(uintptr_t)(a + off) = 1; /* a fault over the limit ends us */
        leave(3);
    }
    if (pid > 0) {
        int32_t st = 0;
        SC(wren_wait((int32_t)pid, &st, 0));
        if (st == 3) {
            char what[160];
            snprintf(what, sizeof(what),
                     "WREN_LIMIT_MEMORY not enforced: a child wrote %llu KiB of fresh pages under a limit of %llu KiB "
                     "more than it used",
                     (unsigned long long)((2 * delta + (1 << 20)) >> 10), (unsigned long long)(delta >> 10));
            found(4, what);
        }
    }
}

static void procs_agent(void)
{
    for (int k = 0; k < 6; k++) {
        switch (below(8)) {
        case 0:
        case 1: fork_burst(); break;
        case 2: priority_spin(); break;
        case 3: limit_checks(); break;
        case 4: memory_limit_check(); break;
        case 5: { /* many children that end at once */
            for (int c = 0; c < 20; c++)
                if (SC(wren_fork()) == 0)
                    leave(0);
            reap_children();
            break;
        }
        case 6:
            if (one_in(3)) {
                sh->killed_all = 1;
                SC(wren_kill(-1, WREN_SIGNAL_SIGKILL));
            } else {
                SC(wren_kill(-1, WREN_SIGNAL_NONE));
            }
            break;
        default: { /* a child's priority, from its parent */
            long pid = SC(wren_fork());
            if (pid == 0) {
                wren_sleep(20 * MS);
                leave(0);
            }
            if (pid > 0) {
                SC(wren_set_priority((int32_t)pid, 1 + (uint32_t)below(31)));
                SC(wren_wait((int32_t)pid, 0, 0));
            }
            break;
        }
        }
    }
}

static void case_procs(void)
{
    /* An ordinary program: a session of its own and no system privilege. */
    SC(wren_setsid());
    SC(wren_port_drop_privilege());
    int agents = 1 + (int)below(3);
    for (int a = 0; a < agents; a++) {
        uint64_t child_seed = rng();
        if (SC(wren_fork()) == 0) {
            rng_state = child_seed | 1;
            procs_agent();
            leave(0);
        }
    }
    reap_children();
}

/* ===================================================================================== */
/* forge: message types only the kernel may send, from user space. */

static void forge_one(void)
{
    static const uint32_t types[] = {WREN_MSG_DATA,
                                     WREN_MSG_REQUEST,
                                     WREN_MSG_REPLY,
                                     WREN_MSG_ERROR,
                                     WREN_MSG_CLOSE,
                                     WREN_MSG_CONNECT,
                                     WREN_MSG_ACCEPT,
                                     0,
                                     8,
                                     0xffffffffu};
    uint32_t type = one_in(2) ? WREN_MSG_CLOSE : types[below(sizeof(types) / sizeof(types[0]))];
    int kernel_only = type == WREN_MSG_CLOSE; /* ipc.yaml: "Sent by the kernel when the peer closed its end" */
    int unknown = type == 0 || type > WREN_MSG_ACCEPT;
    wren_handle_t e[2];
    if (SC(wren_channel_create(e, 0)) < 0)
        return;
    struct wren_msg m = msg_of(type, rng());
    m.header.flags = (uint32_t)below(4);
    long r;
    const char *how;
    int way = (int)below(3);
    switch (way) {
    case 0:
        how = "send";
        r = SC(wren_send(e[0], &m, WREN_IPC_NONBLOCK, 0));
        break;
    case 1:
        how = "reply_receive";
        r = SC(wren_reply_receive(e[0], e[0], &m, 1000));
        if (r == -E_TIMEDOUT)
            r = 0; /* the answer went; nothing came back */
        break;
    default: { /* a publish reaches a subscriber the same way */
        how = "port_publish";
        char name[24];
        int n = snprintf(name, sizeof(name), "sf.forge.%ld", cur_round);
        long port = SC(wren_port_register(name, (size_t)n));
        long sub = port >= 0 ? SC(wren_port_subscribe(name, (size_t)n)) : -1;
        if (sub < 0) {
            if (port >= 0)
                SC(wren_close((wren_fd_t)port));
            goto out;
        }
        r = SC(wren_port_publish((wren_handle_t)port, &m, 0));
        if (r >= 0)
            r = 0;
        /* Read the subscription, whose sender (the port) lives on, published to or not: the channel's own peer is
         * closed just below, and the Close that brings is the kernel's. */
        SC(wren_close(e[1]));
        e[1] = (wren_handle_t)sub;
        /* The port stays open (held in e[0]'s place would be wrong): keep it until the end. */
        SC(wren_channel_close(e[0]));
        e[0] = (wren_handle_t)port;
        break;
    }
    }
    char what[200];
    if ((kernel_only || unknown) && r != -E_INVAL) {
        snprintf(what, sizeof(what), "%s of message type %u from user space returned %ld, not E_INVAL (%s)", how, type,
                 r, kernel_only ? "WREN_MSG_CLOSE is the kernel's" : "unknown type");
        found((kernel_only ? 10 : 14) + way, what);
    }
    /* Whatever was accepted: while the sender lives, no Close may reach its peer, and nothing may follow one. */
    struct wren_msg got;
    int saw_close = 0;
    for (int k = 0; k < 3; k++) {
        if (k == 1) {
            struct wren_msg d = msg_of(WREN_MSG_DATA, 7);
            if (wren_shm_size(e[0]) == -E_WRONGTYPE && SC(wren_send(e[0], &d, WREN_IPC_NONBLOCK, 0)) < 0)
                break;
        }
        long g = SC(wren_receive(e[1], &got, WREN_IPC_NONBLOCK, 0));
        if (g < 0)
            continue;
        if (saw_close) {
            found(17, "a message was delivered after a Close (the \"last message\") on a live channel");
            break;
        }
        if (got.header.type == WREN_MSG_CLOSE) {
            saw_close = 1;
            snprintf(what, sizeof(what), "a Close reached the peer of a live channel end (forged through %s)", how);
            found(18 + way, what);
        }
    }
out:
    SC(wren_close(e[0]));
    SC(wren_close(e[1]));
}

static void case_forge(void)
{
    for (int k = 0; k < 30; k++)
        forge_one();
}

/* ===================================================================================== */
/* shm: children make shared memory of huge sizes until memory runs out; the parent is innocent. */

static void shm_hog(int index)
{
    if (index == 0 && one_in(2)) { /* event_wait with a huge max into an untouched 200 GiB mapping */
        long q = SC(wren_event_queue_create());
        long a =
            SC(wren_mmap(0, 200 * GiB, WREN_PROT_READ | WREN_PROT_WRITE, WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS, -1, 0));
        if (q >= 0 && a >= 0) {
            SC(wren_event_post((wren_handle_t)q, 1));
            uint64_t f0 = free_bytes();
            long r = SC(wren_event_wait((wren_handle_t)q, (struct wren_event *)(uintptr_t)a, 0xffffffffu, 0));
            uint64_t f1 = free_bytes();
            if (f0 > f1 + (32 << 20)) {
                char what[160];
                snprintf(what, sizeof(what),
                         "event_wait(max 0xffffffff) into an untouched 200 GiB mapping took %llu MiB of memory "
                         "(returned %ld)",
                         (unsigned long long)((f0 - f1) >> 20), r);
                found(21, what);
            }
            SC(wren_munmap((void *)(uintptr_t)a, 200 * GiB));
        }
    }
    for (int k = 0; k < 250; k++) {
        uint64_t size = one_in(8) ? (below(2) ? 0 : GiB + PAGE) : (one_in(2) ? GiB : PAGE * (1 + below(GiB / PAGE)));
        long h = SC(wren_shm_create(size));
        if (h == -E_NOMEM && size && size <= GiB)
            break;
        if (h >= 0 && one_in(8)) {
            long a = SC(wren_mmap(0, 16 * PAGE, WREN_PROT_READ | WREN_PROT_WRITE, WREN_MAP_SHARED, (wren_fd_t)h, 0));
            if (a >= 0)
                *(volatile uint8_t *)(uintptr_t)a = 1;
        }
        if (h == -E_MFILE)
            break;
    }
    wren_sleep(30 * MS); /* hold it all while the parent writes its own pages */
}

static void case_shm(void)
{
    /* 1 MiB of the parent's own pages, present before the fork and copy-on-write after it. */
    static uint8_t mine[1 << 20];
    for (unsigned i = 0; i < sizeof(mine); i += PAGE)
        mine[i] = 1;
    int hogs = 1 + (int)below(3);
    for (int h = 0; h < hogs; h++) {
        uint64_t child_seed = rng();
        long limit = one_in(2) ? -1 : (long)((16 + below(128)) << 20);
        long pid = SC(wren_fork());
        if (pid == 0) {
            rng_state = child_seed | 1;
            if (limit > 0)
                wren_set_limit(0, WREN_LIMIT_MEMORY, (uint64_t)limit);
            shm_hog(h);
            leave(0);
        }
    }
    /*
     * The innocent parent writes pages it already has, one more each millisecond while the
     * hogs exhaust memory, so that some copy-on-write break comes when memory is short: it
     * allocates nothing of its own and must never be the one that dies.
     */
    long r;
    for (unsigned pass = 0; (r = wren_wait(-1, 0, WREN_WAIT_NOHANG)) != -E_CHILD; pass++) {
        volatile uint8_t stack[256];
        stack[pass % sizeof(stack)] = (uint8_t)pass;
        mine[(pass * PAGE) % sizeof(mine)] = (uint8_t)pass;
        if (r <= 0)
            wren_sleep(1 * MS);
    }
}

/* ===================================================================================== */
/* init: the rounds, the deadlines and the "back to where it started" checks. */

static void (*const case_fns[NCASES])(void) = {case_chain, case_cycle, case_race, case_vm,
                                               case_procs, case_forge, case_shm};

struct baseline {
    struct wren_kernel_stats k;
    uint64_t free;
};

static struct baseline measure(void)
{
    struct baseline b = {0};
    wren_kernel_stats(&b.k);
    b.free = free_bytes();
    return b;
}

/* Everything back where it was? Report what is not, and take the new state as the baseline. */
static int check_baseline(struct baseline *b, int whole_run)
{
    struct baseline now = measure();
    if (now.free == b->free && now.k.objects == b->k.objects && now.k.channels == b->k.channels &&
        now.k.heap_objects == b->k.heap_objects && now.k.processes == b->k.processes && now.k.handles == b->k.handles &&
        now.k.shm_objects == b->k.shm_objects)
        return 1;
    char what[280];
    snprintf(what, sizeof(what),
             "not back to where it started after the %s: objects %+lld, channel ends %+lld, heap allocations "
             "%+lld, heap pages %+lld, shm objects %+lld, handles %+lld, processes %+lld, free memory %+lld KiB",
             whole_run ? "whole run" : "round", (long long)(now.k.objects - b->k.objects),
             (long long)(now.k.channels - b->k.channels), (long long)(now.k.heap_objects - b->k.heap_objects),
             (long long)(now.k.heap_pages - b->k.heap_pages),
             (long long)now.k.shm_objects - (long long)b->k.shm_objects,
             (long long)now.k.handles - (long long)b->k.handles, (long long)now.k.processes - (long long)b->k.processes,
             ((long long)now.free - (long long)b->free) / 1024);
    if (whole_run) {
        say("structfuzz: ");
        say(what);
        say("\n");
    } else {
        found(30, what);
    }
    *b = now;
    return 0;
}

static const char *status_text(long st, char *buf, size_t n)
{
    if (st == -1)
        return "still running at its deadline (killed)";
    if (st & WREN_WAIT_STATUS_SIGNALED)
        snprintf(buf, n, "killed by signal %ld", st & 0xff);
    else
        snprintf(buf, n, "exit status %ld", st & 0xff);
    return buf;
}

/* Reap what is left of the round (orphans come to init); anything still alive after 5 s is stuck. */
static void reap_round(void)
{
    int64_t end = now_ns() + 5000 * MS;
    long r;
    while ((r = wren_wait(-1, 0, WREN_WAIT_NOHANG)) > 0 || r == -E_AGAIN || r == -E_INTR) {
        if (r > 0)
            continue;
        if (now_ns() > end) {
            found(31, "processes of the round were still alive 5 s after it ended (blocked for good?)");
            wren_kill(-1, WREN_SIGNAL_SIGKILL);
            while (wren_wait(-1, 0, 0) > 0)
                ;
            return;
        }
        wren_sleep(1 * MS);
    }
}

static void run_round(void)
{
    char line[64];
    /* One line per round, so that a panic or a freeze is attributed to its round. */
    snprintf(line, sizeof(line), "structfuzz: %s round %ld\n", case_names[cur_case], cur_round);
    say(line);
    sh->cur_case = cur_case;
    sh->cur_round = (int32_t)cur_round;
    sh->killed_all = 0;
    long wd = 0;
    if (cur_case == CASE_VM)
        wd = start_watchdog(20); /* real-time: only interrupts masked in the kernel can make it late */
    else if (cur_case == CASE_PROCS)
        wd = start_watchdog(8); /* init's and the shell's priority */
    long pid = wren_fork();
    if (pid == 0) {
        rng_seed(0);
        case_fns[cur_case]();
        leave(0);
    }
    if (pid < 0) {
        found(32, "init could not fork a round's worker");
        return;
    }
    /* Wait for the worker; meanwhile, if a burst says the process table is full, try a fork. */
    int64_t end = now_ns() + case_deadline_ms[cur_case] * MS;
    int32_t st = 0;
    long r;
    while ((r = wren_wait((int32_t)pid, &st, WREN_WAIT_NOHANG)) == -E_AGAIN || r == -E_INTR) {
        if (sh->table_full && !sh->table_full_ack) {
            long c = wren_fork();
            if (c == 0)
                wren_exit(0);
            if (c < 0)
                found(33, "init could not fork while an unprivileged session filled the process table "
                          "(no reserve for init)");
            else
                wren_wait((int32_t)c, 0, 0);
            sh->table_full_ack = 1;
        }
        if (now_ns() > end) {
            char what[120];
            snprintf(what, sizeof(what), "the round's worker was still running after %ld ms: a hang",
                     case_deadline_ms[cur_case]);
            found(34, what);
            wren_kill((int32_t)pid, WREN_SIGNAL_SIGKILL);
            wren_wait((int32_t)pid, &st, 0);
            r = pid;
            break;
        }
        wren_sleep(1 * MS);
    }
    char buf[48], what[160];
    /* A worker ends with status 0, or by a kill(-1) some process of its own round made. */
    if (r == pid && st != 0 && !(sh->killed_all && st == (WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGKILL))) {
        snprintf(what, sizeof(what), "the round's worker ended abnormally: %s%s", status_text(st, buf, sizeof(buf)),
                 cur_case == CASE_SHM ? " (the innocent parent: it allocated nothing)" : "");
        found(35, what);
    }
    if (wd > 0) {
        sh->wd_stop = 1;
        long ws = wait_deadline(wd, 2000);
        if (ws != 0) {
            snprintf(what, sizeof(what), "the watchdog (in init's session) %s%s", status_text(ws, buf, sizeof(buf)),
                     sh->killed_all ? " after an unprivileged process in another session ran kill(-1, SIGKILL)" : "");
            found(36, what);
        }
    }
    reap_round();
}

static long to_long(const char *s, long dflt)
{
    long v = 0;
    if (!s || !*s)
        return dflt;
    if (s[0] == '0' && s[1] == 'x') {
        for (s += 2; *s; s++)
            v = v * 16 + (*s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10);
        return v;
    }
    for (; *s >= '0' && *s <= '9'; s++)
        v = v * 10 + (*s - '0');
    return v;
}

/* Touch the stack init will use, so its own first use of a page never looks like a leak. */
static void prefault_stack(void)
{
    volatile uint8_t pad[64 * 1024];
    for (unsigned i = 0; i < sizeof(pad); i += PAGE)
        pad[i] = 0;
}

int main(int argc, char **argv)
{
    seed = (uint64_t)to_long(argc > 1 ? argv[1] : 0, 1);
    long rounds = to_long(argc > 2 ? argv[2] : 0, 10);
    long mask = to_long(argc > 3 ? argv[3] : 0, (1 << NCASES) - 1);
    long first = to_long(argc > 4 ? argv[4] : 0, 0);
    for (int fd = 0; fd < 3; fd++) /* reports go through debug_write; no descriptor to inherit */
        wren_close(fd);
    long a = wren_mmap((void *)(uintptr_t)SHARED_AT, PAGE, WREN_PROT_READ | WREN_PROT_WRITE,
                       WREN_MAP_SHARED | WREN_MAP_ANONYMOUS | WREN_MAP_FIXED, -1, 0);
    if (a < 0) {
        say("structfuzz: no shared page\n");
        return 2;
    }
    sh = (struct shared *)(uintptr_t)a;
    char line[200];
    snprintf(line, sizeof(line), "structfuzz: seed %llu, %ld rounds per case from round %ld, cases 0x%lx\n",
             (unsigned long long)seed, rounds, first, mask);
    say(line);
    prefault_stack();
    struct baseline start;
    int started = 0;
    for (cur_case = 0; cur_case < NCASES; cur_case++) {
        if (!(mask & (1 << cur_case)))
            continue;
        uint64_t f0 = sh->findings, c0 = sh->syscalls;
        sh->digest = 0;
        int64_t t0 = now_ns();
        snprintf(line, sizeof(line), "structfuzz: case %s\n", case_names[cur_case]);
        say(line);
        struct baseline b = measure();
        if (!started++)
            start = b; /* (measured here, after init's own first use of what it prints with) */
        for (cur_round = first; cur_round < first + rounds; cur_round++) {
            run_round();
            check_baseline(&b, 0);
        }
        snprintf(line, sizeof(line), "structfuzz: case %s: %ld rounds, %llu syscalls, %lld ms, digest 0x%016llx, %s\n",
                 case_names[cur_case], rounds, (unsigned long long)(sh->syscalls - c0),
                 (long long)((now_ns() - t0) / MS), (unsigned long long)sh->digest,
                 sh->findings == f0 ? "nothing found" : "FOUND problems");
        say(line);
    }
    int back = !started || check_baseline(&start, 1);
    snprintf(line, sizeof(line), "structfuzz: %llu syscalls, %llu findings; %s\n", (unsigned long long)sh->syscalls,
             (unsigned long long)sh->findings,
             back ? "memory, kernel objects, handles and processes back to where they started"
                  : "NOT back to where it started");
    say(line);
    return sh->findings ? 1 : 0;
}
