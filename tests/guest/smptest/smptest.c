/*
 * smptest: run as /bin/init by tests/test_smp.py on a machine with several CPUs ("smptest N" with N = the CPUs QEMU
 * was given). Checks, each with many iterations:
 *   - every CPU the DTB names is online (/scheme/sys/cpu);
 *   - parallel spawn and exit: 4 spawners, each spawning and reaping children in a loop, all at once; every child's
 *     status arrives and nothing is left behind (kernel_stats before and after);
 *   - IPC across CPUs: 4 client/server pairs at once, each client pinned to one CPU and its server to the next, every
 *     call's 64-byte payload answered transformed, with the right txid;
 *   - hotplug under load: CPUs 1..N-1 taken offline and brought back, again and again, while workers that compute,
 *     sleep and exchange messages over pipes run; every worker finishes with the right answer (no thread lost or
 *     run twice), and cpus_online follows each step;
 *   - cpu_set_online's refusals (the boot CPU, no such CPU, a bad flag, the last CPU, an unprivileged caller).
 * "smptest worker K" and "smptest unpriv" are the children it spawns of itself.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define SELF     "/bin/init"
#define SELF_LEN 9
#define WORKERS  6
#define ROUNDS   5

static char buf[4096];

static long parse_long(const char *s)
{
    return strtol(s, 0, 10);
}

/* The value of `key` in /scheme/sys/cpu, or -1. */
static long cpu_fact(const char *key)
{
    long fd = wren_open("/scheme/sys/cpu", 15, WREN_OPEN_READ);
    if (fd < 0)
        return -1;
    long n = wren_read((wren_fd_t)fd, buf, sizeof(buf) - 1);
    wren_close((wren_fd_t)fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    size_t klen = 0;
    while (key[klen])
        klen++;
    for (char *line = buf; *line;) {
        int match = 1;
        for (size_t i = 0; i < klen; i++)
            if (line[i] != key[i])
                match = 0;
        if (match && line[klen] == ' ')
            return parse_long(line + klen + 1);
        while (*line && *line != '\n')
            line++;
        if (*line)
            line++;
    }
    return -1;
}

static long spawn_self(const char *argv, size_t len)
{
    return wren_spawn(SELF, SELF_LEN, argv, len, 0);
}

/*
 * A worker: K rounds of a little arithmetic, a 1 ms sleep (so it sits on a sleeper list too) and a message through
 * a pipe to itself; exits with a checksum the parent recomputes. Lost or doubly-run work shows as a wrong status.
 */
static uint32_t worker_sum(uint32_t k)
{
    uint32_t h = k * 2654435761u;
    for (uint32_t i = 0; i < 200; i++)
        h = h * 1103515245u + 12345u + i;
    return h & 0x7f;
}

static int worker(uint32_t k)
{
    int32_t fds[2];
    if (wren_pipe(fds, 0) < 0)
        return 200;
    uint32_t h = 0;
    for (uint32_t round = 0; round < 40; round++) {
        uint32_t v = worker_sum(k + round);
        if (wren_write(fds[1], &v, sizeof(v)) != sizeof(v))
            return 201;
        uint32_t got = 0;
        if (wren_read(fds[0], &got, sizeof(got)) != sizeof(got) || got != v)
            return 202;
        h = (h + got) & 0x7f;
        for (volatile int spin = 0; spin < 20000; spin++)
            ;
        wren_sleep(1000000);
    }
    return (int)h;
}

static uint32_t expected(uint32_t k)
{
    uint32_t h = 0;
    for (uint32_t round = 0; round < 40; round++)
        h = (h + worker_sum(k + round)) & 0x7f;
    return h;
}

static void test_parallel_spawn(void)
{
    struct wren_kernel_stats before = wren_check_kstats();
    long pids[4];
    /* Four spawners at once, each spawning and reaping 10 children. */
    static const char spawner[] = "init\0spawner";
    for (int i = 0; i < 4; i++)
        pids[i] = spawn_self(spawner, sizeof(spawner));
    int ok = 1;
    for (int i = 0; i < 4; i++)
        ok &= wren_check_wait_status(pids[i]) == 0;
    wren_check("4 spawners x 10 children, all reaped with their status", ok, 1);
    struct wren_kernel_stats after = wren_check_kstats();
    wren_check("no process left behind", after.processes, before.processes);
    wren_check("no handle left behind", after.handles, before.handles);
    wren_check("no kernel object left behind", after.objects, before.objects);
}

static int spawner(void)
{
    for (int i = 0; i < 10; i++) {
        static const char w[] = "init\0quick";
        long pid = spawn_self(w, sizeof(w));
        if (pid < 0 || wren_check_wait_status(pid) != 7)
            return 1;
    }
    return 0;
}

static void test_hotplug(long ncpu)
{
    long pids[WORKERS];
    for (int k = 0; k < WORKERS; k++) {
        char argv[32] = "init\0worker\0";
        argv[12] = (char)('0' + k);
        pids[k] = spawn_self(argv, 14);
    }
    int steps_ok = 1, online_ok = 1;
    for (int round = 0; round < ROUNDS; round++) {
        for (long c = 1; c < ncpu; c++) {
            steps_ok &= wren_cpu_set_online((uint32_t)c, 0) == 0;
            online_ok &= cpu_fact("cpus_online") == ncpu - c;
        }
        for (long c = 1; c < ncpu; c++) {
            steps_ok &= wren_cpu_set_online((uint32_t)c, 1) == 0;
            online_ok &= cpu_fact("cpus_online") == c + 1;
        }
    }
    wren_check("CPUs 1..N-1 offline and back online, 5 rounds, under load", steps_ok, 1);
    wren_check("cpus_online follows every step", online_ok, 1);
    int results_ok = 1;
    for (int k = 0; k < WORKERS; k++) {
        long st = wren_check_wait_status(pids[k]);
        if (st != (long)expected((uint32_t)k)) {
            wren_print("smptest: worker ");
            wren_print_dec(k);
            wren_print(" status ");
            wren_print_dec(st);
            wren_print("\n");
            results_ok = 0;
        }
    }
    wren_check("every worker finished with its own answer", results_ok, 1);
}

/* Cross-CPU calls answer (ipi_ping), and its refusals. */
static void test_ipi(long ncpu)
{
    wren_set_affinity(0, 1u << 0);
    wren_yield(); /* now on CPU 0 */
    wren_check("100 cross-CPU calls to CPU 1 answered", wren_ipi_ping(1, 100), 100);
    wren_check("each other CPU answers", wren_ipi_ping((uint32_t)(ncpu - 1), 10), 10);
    wren_check("not to itself", wren_ipi_ping(0, 1), -E_INVAL);
    wren_check("not to a CPU that does not exist", wren_ipi_ping(40, 1), -E_INVAL);
    wren_check("not 0 times", wren_ipi_ping(1, 0), -E_INVAL);
    wren_check("not over 100000 times", wren_ipi_ping(1, 100001), -E_INVAL);
    wren_cpu_set_online(1, 0);
    wren_check("not to an offline CPU", wren_ipi_ping(1, 1), -E_INVAL);
    wren_cpu_set_online(1, 1);
    wren_check("and again once it is back", wren_ipi_ping(1, 5), 5);
    wren_set_affinity(0, UINT32_MAX);
}

static void test_refusals(long ncpu)
{
    wren_check("the boot CPU stays online", wren_cpu_set_online(0, 0), -E_INVAL);
    wren_check("no such CPU", wren_cpu_set_online(64, 1), -E_INVAL);
    wren_check("online must be 0 or 1", wren_cpu_set_online(1, 2), -E_INVAL);
    wren_check("asking for the state it is in", wren_cpu_set_online(1, 1), 0);
    for (long c = 1; c < ncpu - 1; c++)
        wren_cpu_set_online((uint32_t)c, 0);
    if (ncpu > 1) {
        /* Now CPU 0 and CPU ncpu-1 are online; CPU 0 may not go, so ncpu-1 is the last that could. */
        wren_check("two left: one may still go", wren_cpu_set_online((uint32_t)(ncpu - 1), 0), 0);
        wren_check("one CPU left", cpu_fact("cpus_online"), 1);
        for (long c = 1; c < ncpu; c++)
            wren_cpu_set_online((uint32_t)c, 1);
        wren_check("all back", cpu_fact("cpus_online"), ncpu);
    }
    static const char unpriv[] = "init\0unpriv";
    wren_check("an unprivileged process may not", wren_check_wait_status(spawn_self(unpriv, sizeof(unpriv))), 0);
}

/*
 * Call/reply between processes on different CPUs: NPAIRS client/server pairs, the client of pair i pinned to CPU i
 * and its server to CPU i+1 (mod ncpu), all at once, each call carrying a payload the server transforms. A lost,
 * duplicated, misrouted or torn message shows as a wrong answer; each process exits with the count it got right.
 */
enum { IPC_PAIRS = 4, IPC_CALLS = 300 };

static uint8_t ipc_byte(uint64_t txid, unsigned i)
{
    return (uint8_t)(txid * 31u + i * 7u);
}

static _Noreturn void ipc_server(wren_handle_t end, unsigned cpu)
{
    struct wren_msg m;
    wren_set_affinity(0, 1u << cpu);
    wren_yield(); /* onto its CPU */
    long r = wren_reply_receive(-1, end, &m, 0);
    long served = 0;
    while (r >= 0 && m.header.type == WREN_MSG_REQUEST) {
        for (unsigned i = 0; i < m.header.length; i++)
            m.payload[i] = (uint8_t)~m.payload[i];
        m.header.type = WREN_MSG_REPLY;
        served++;
        r = wren_reply_receive(end, end, &m, 0);
    }
    wren_exit(served == IPC_CALLS ? 0 : 1); /* the client's close ends the loop */
}

static int ipc_client(wren_handle_t end, unsigned cpu)
{
    wren_set_affinity(0, 1u << cpu);
    wren_yield();
    int good = 0;
    for (uint64_t t = 1; t <= IPC_CALLS; t++) {
        struct wren_msg m = {0};
        m.header.type = WREN_MSG_REQUEST;
        m.header.txid = t;
        m.header.length = 64;
        for (unsigned i = 0; i < 64; i++)
            m.payload[i] = ipc_byte(t, i);
        if (wren_call(end, &m, 0) < 0 || m.header.type != WREN_MSG_REPLY || m.header.txid != t || m.header.length != 64)
            continue;
        int same = 1;
        for (unsigned i = 0; i < 64; i++)
            same &= m.payload[i] == (uint8_t)~ipc_byte(t, i);
        good += same;
    }
    return good == IPC_CALLS ? 0 : 1;
}

static void test_ipc_across_cpus(long ncpu)
{
    struct wren_kernel_stats before = wren_check_kstats();
    long pids[2 * IPC_PAIRS];
    for (unsigned p = 0; p < IPC_PAIRS; p++) {
        wren_handle_t ch[2];
        wren_channel_create(ch, 0);
        unsigned ccpu = p % (unsigned)ncpu, scpu = (p + 1) % (unsigned)ncpu;
        pids[2 * p] = wren_fork();
        if (pids[2 * p] == 0) {
            wren_channel_close(ch[0]);
            ipc_server(ch[1], scpu);
        }
        pids[2 * p + 1] = wren_fork();
        if (pids[2 * p + 1] == 0) {
            wren_channel_close(ch[1]);
            int r = ipc_client(ch[0], ccpu);
            wren_channel_close(ch[0]);
            wren_exit(r);
        }
        wren_channel_close(ch[0]);
        wren_channel_close(ch[1]);
    }
    int ok = 0;
    for (unsigned i = 0; i < 2 * IPC_PAIRS; i++)
        ok += wren_check_wait_status(pids[i]) == 0;
    wren_check("4 client/server pairs on neighbouring CPUs, 300 calls each: every answer right", ok, 2 * IPC_PAIRS);
    struct wren_kernel_stats after = wren_check_kstats();
    wren_check(
        "no process, handle or object left behind",
        after.processes == before.processes && after.handles == before.handles && after.objects == before.objects, 1);
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "worker"))
        return worker((uint32_t)parse_long(argv[2]));
    if (argc >= 2 && !strcmp(argv[1], "spawner"))
        return spawner();
    if (argc >= 2 && !strcmp(argv[1], "quick"))
        return 7;
    if (argc >= 2 && !strcmp(argv[1], "unpriv"))
        return wren_cpu_set_online(1, 0) == -E_PERM && wren_ipi_ping(1, 1) == -E_PERM ? 0 : 1;
    long ncpu = argc >= 2 ? parse_long(argv[1]) : 1;

    wren_check_begin("smptest");
    wren_check("every CPU of the DTB online", cpu_fact("cpus_online"), ncpu);
    test_parallel_spawn();
    test_ipc_across_cpus(ncpu);
    if (ncpu > 1) {
        test_ipi(ncpu);
        test_refusals(ncpu);
        test_hotplug(ncpu);
    }
    test_parallel_spawn();
    return wren_check_end();
}
