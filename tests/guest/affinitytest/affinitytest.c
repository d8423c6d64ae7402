/*
 * affinitytest: run as /bin/init by tests/test_affinity.py, with itself as /bin/affinitytest beside it; argv[1] is the
 * number of CPUs the machine was given (QEMU's -smp). Checks set_affinity and get_affinity: what is kept of a mask
 * (only CPUs that exist; none is E_INVAL), who may set it (the caller and its children, not its parent or a
 * grandchild) and read it (any live process), what a child gets (fork's and spawn's inherit, spawn's `affinity`
 * option sets another, exec keeps it), and, with 3 CPUs or more, that a process pinned to CPU 2 runs there
 * (proc_info's cpu). "affinitytest <mode>" is a child:
 *   mask      exit with its own mask
 *   cpu       yield a few times, then exit with the CPU proc_info says it is on
 *   parent    exit 0 if set_affinity of its parent is E_SRCH (and the parent's mask is still readable), 1 if not
 *   sleep MS  sleep MS milliseconds, then exit with its own mask
 *   grand     spawn "affinitytest sleep 400", sleep 300 ms, exit 0
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <wren/check.h>
#include <wren/syscalls.h>

#define SELF     "/bin/affinitytest"
#define SELF_LEN (sizeof(SELF) - 1)

static long spawn(const char *args, size_t len, const struct wren_spawn_options *o)
{
    return wren_spawn(SELF, SELF_LEN, args, len, o);
}

static long status_of(long pid)
{
    return pid < 0 ? pid : wren_check_wait_status(pid);
}

/* proc_info of pid into *pi; false if there is no such process. */
static bool info_of(long pid, struct wren_proc_info *pi)
{
    for (long c = 0; (c = wren_proc_info((uint32_t)c, pi)) > 0;)
        if (pi->pid == pid)
            return true;
    return false;
}

static long my_cpu(void)
{
    struct wren_proc_info pi;
    for (int i = 0; i < 5; i++)
        wren_yield(); /* a move to an allowed CPU happens at a switch */
    return info_of(wren_get_pid(), &pi) ? (long)pi.cpu : -1;
}

static int child(int argc, char **argv)
{
    if (!strcmp(argv[1], "mask"))
        return (int)wren_get_affinity(0);
    if (!strcmp(argv[1], "cpu"))
        return (int)my_cpu();
    if (!strcmp(argv[1], "parent"))
        return wren_set_affinity(1, 1) == -E_SRCH && wren_get_affinity(1) > 0 ? 0 : 1;
    if (!strcmp(argv[1], "sleep") && argc > 2) {
        wren_sleep((uint64_t)atol(argv[2]) * 1000000);
        return (int)wren_get_affinity(0);
    }
    if (!strcmp(argv[1], "grand")) {
        static const char sleep400[] = "affinitytest\0sleep\000400";
        if (spawn(sleep400, sizeof(sleep400), 0) < 0)
            return 1;
        wren_sleep(300 * 1000000ull);
        return 0;
    }
    return 99;
}

int main(int argc, char **argv)
{
    if (argc > 1 && wren_get_pid() != 1)
        return child(argc, argv);
    long ncpu = argc > 1 ? atol(argv[1]) : 1;
    long all = (long)((1ull << ncpu) - 1), last = 1l << (ncpu - 1);
    wren_check_begin("affinitytest");
    wren_check("the machine's CPUs, as QEMU was told", ncpu >= 1 && ncpu <= 8, 1);

    /* What is kept of a mask. */
    wren_check("init may run on every CPU", wren_get_affinity(0), all);
    wren_check("...and so says get_affinity of its pid", wren_get_affinity(1), all);
    wren_check("mask 0 is refused", wren_set_affinity(0, 0), -E_INVAL);
    wren_check("a mask of CPUs the machine lacks is refused", wren_set_affinity(0, (uint32_t)(0xffu << ncpu)),
               -E_INVAL);
    wren_check("...and changes nothing", wren_get_affinity(0), all);
    wren_check("CPU 0 only", wren_set_affinity(0, 1), 0);
    wren_check("...is what get_affinity returns", wren_get_affinity(0), 1);
    wren_check("...and proc_info puts us on CPU 0", my_cpu(), 0);
    wren_check("a mask with bits past the last CPU", wren_set_affinity(0, 0xffffffffu), 0);
    wren_check("...keeps the CPUs that exist", wren_get_affinity(0), all);
    if (ncpu >= 2) {
        wren_check("the last CPU only", wren_set_affinity(0, (uint32_t)last), 0);
        wren_check("...is what get_affinity returns", wren_get_affinity(0), last);
    }

    /* Who may. */
    wren_check("set_affinity of a process that does not exist", wren_set_affinity(999, 1), -E_SRCH);
    wren_check("get_affinity of a process that does not exist", wren_get_affinity(999), -E_SRCH);
    wren_check("get_affinity of pid -1", wren_get_affinity(-1), -E_SRCH);
    static const char parent[] = "affinitytest\0parent";
    wren_check("a child cannot set its parent's mask (but can read it)", status_of(spawn(parent, sizeof(parent), 0)),
               0);
    static const char grand[] = "affinitytest\0grand";
    long child_pid = spawn(grand, sizeof(grand), 0);
    wren_sleep(100 * 1000000ull);
    long grand_pid = -1;
    struct wren_proc_info pi;
    for (long c = 0; (c = wren_proc_info((uint32_t)c, &pi)) > 0;)
        if (pi.ppid == child_pid)
            grand_pid = pi.pid;
    wren_check("the child started a grandchild", grand_pid > 0, 1);
    wren_check("...whose mask we may not set", wren_set_affinity((int32_t)grand_pid, 1), -E_SRCH);
    wren_check("...but may read", wren_get_affinity((int32_t)grand_pid), wren_get_affinity(0));
    wren_check("...and the child ends", status_of(child_pid), 0);
    /* The grandchild, re-parented to us, ends with the mask it inherited: ours when the child was spawned. */
    wren_check("...and so does the grandchild, with the mask it inherited", wren_check_wait_status(grand_pid), last);
    static const char sleep200[] = "affinitytest\0sleep\000200";
    long kid = spawn(sleep200, sizeof(sleep200), 0);
    wren_check("the parent sets a child's mask", wren_set_affinity((int32_t)kid, 1), 0);
    wren_check("...reads it back", wren_get_affinity((int32_t)kid), 1);
    wren_check("...and the child sees it", status_of(kid), 1);
    wren_check("a reaped child has no mask", wren_get_affinity((int32_t)kid), -E_SRCH);
    static const char mask0[] = "affinitytest\0mask";
    kid = spawn(mask0, sizeof(mask0), 0);
    wren_sleep(100 * 1000000ull);
    wren_check("nor has a zombie", wren_get_affinity((int32_t)kid), -E_SRCH);
    wren_check("...(reaped)", status_of(kid), last);

    /* What a child gets. */
    wren_check("back to CPU 0 only", wren_set_affinity(0, 1), 0);
    static const char mask[] = "affinitytest\0mask";
    wren_check("a spawned child inherits the mask", status_of(spawn(mask, sizeof(mask), 0)), 1);
    struct wren_spawn_options o = {.affinity = 0};
    wren_check("...and with options and affinity 0 too", status_of(spawn(mask, sizeof(mask), &o)), 1);
    o.affinity = (uint32_t)all;
    wren_check("spawn's option gives it another", status_of(spawn(mask, sizeof(mask), &o)), all);
    o.affinity = 0xffffff00u | 1;
    wren_check("...with only the CPUs that exist", status_of(spawn(mask, sizeof(mask), &o)), 1);
    o.affinity = (uint32_t)(0xffu << ncpu);
    wren_check("...and none is refused", spawn(mask, sizeof(mask), &o), -E_INVAL);
    long pid = wren_fork();
    if (pid == 0)
        wren_exit((int)wren_get_affinity(0));
    wren_check("a forked child inherits the mask", status_of(pid), 1);
    wren_check("every CPU again", wren_set_affinity(0, (uint32_t)all), 0);
    pid = wren_fork();
    if (pid == 0) {
        wren_set_affinity(0, 1);
        wren_exec(SELF, SELF_LEN, mask, sizeof(mask), 0, 0);
        wren_exit(98);
    }
    wren_check("exec keeps the mask", status_of(pid), 1);

    /* Where it runs. */
    if (ncpu >= 3) {
        static const char cpu[] = "affinitytest\0cpu";
        o.affinity = 1u << 2;
        wren_check("a child spawned for CPU 2 runs on CPU 2", status_of(spawn(cpu, sizeof(cpu), &o)), 2);
        wren_check("pin ourselves to CPU 2", wren_set_affinity(0, 1u << 2), 0);
        wren_check("...and proc_info puts us there", my_cpu(), 2);
        pid = wren_fork();
        if (pid == 0)
            wren_exit((int)my_cpu());
        wren_check("a child we fork there stays there", status_of(pid), 2);
        wren_check("CPU 1 now", wren_set_affinity(0, 1u << 1), 0);
        wren_check("...and we move there", my_cpu(), 1);
    }
    return wren_check_end();
}
