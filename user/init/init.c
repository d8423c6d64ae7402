/*
 * /bin/init: the first user program. It greets, checks its pid, and then, if the system has a shell (/bin/sh), keeps
 * one running on the console, with the environment every program starts from (PATH, HOME) and a namespace without
 * the drivers' schemes (mmio, irq), which only init and its services reach: it restarts the shell
 * whenever it exits, and reaps the orphans the kernel hands it meanwhile. Right after the first shell it starts the
 * system's services, the drivers: the RTC service (`/bin/rtc -d`), the entropy driver (`/bin/rng -d`), the virtio
 * block driver (`/bin/vblk -d`) and the boot's mount (`/bin/mount -a /mnt/disk`, which stays as the filesystem
 * server's parent), each if its program exists, by fork and exec, so that they keep the privilege spawn would drop;
 * it does not wait for them (one that has nothing to serve exits and is reaped with the orphans). When the shell ends,
 * its session ends with it: init ends whatever is left (SIGKILL to every process but itself and its services:
 * everything else is the old shell's) and reaps it before the next shell starts, so nothing a program left behind (a
 * fork bomb that killed its shell, say) holds the process table against the new shell, whose built-in kill could not
 * reach another session. When the shell exits with WREN_SH_EXIT_POWEROFF (its `poweroff` built-in), init runs /bin/sync
 * (so mounted file systems write back what they hold) and exits, and the kernel powers off. Without /bin/sh (the test
 * initrds) init exits after the greeting, as it always did, and the machine powers off.
 *
 * Kept to the wren_* stubs, without the C library: the first program stays small and its path from the syscall stubs
 * to the kernel easy to follow.
 */
#include <wren/init.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define SHELL "/bin/sh"
/* The services, in the order they start: a program and its arguments (NUL-separated, as exec takes them). */
static const struct service {
    const char *path;
    uint64_t path_len;
    const char *args;
    uint64_t args_len;
} services[] = {
    {"/bin/rtc", 8, "rtc\0-d", 7},
    {"/bin/rng", 8, "rng\0-d", 7},
    {"/bin/vblk", 9, "vblk\0-d", 8},
    /* After the disk driver: the first disk's FAT volume at /mnt/disk, if there is one (user/mount/mount.c). */
    {"/bin/mount", 10, "mount\0-a\0/mnt/disk", 19},
};
#define SERVICES (sizeof(services) / sizeof(services[0]))

/*
 * The processes the shell's tree (the shell, its jobs, and everything they start, zombies and orphans included)
 * may hold: half the table (PROC_MAX is 64). A runaway program under the shell, a fork bomb, stops there and leaves
 * the other half for whatever a previous shell left running; the kernel keeps its last 4 slots for init, so a
 * new shell can be started whatever the rest of the table holds.
 */
#define SHELL_PROCESSES 32

static int is_file(const char *path, uint64_t len)
{
    struct wren_stat st;
    return wren_stat(path, len, &st) == 0 && st.type == WREN_FILE_TYPE_REGULAR;
}

static long service_pid[SERVICES]; /* each service, while it runs; 0 if there is none */

/*
 * Start the services: fork, and exec in the child, which keeps the system privilege (spawn would drop it) to open
 * its device and register its name. Each leads a session of its own, so no signal meant for init's group reaches it.
 */
static void start_services(void)
{
    static const char env[] = "PATH=/bin";
    for (unsigned i = 0; i < SERVICES; i++) {
        const struct service *s = &services[i];
        if (!is_file(s->path, s->path_len))
            continue;
        long pid = wren_fork();
        if (pid == 0) {
            wren_setsid();
            wren_exec(s->path, s->path_len, s->args, s->args_len, env, sizeof(env));
            wren_exit(127);
        }
        if (pid > 0)
            service_pid[i] = pid;
    }
}

static int is_service(long pid)
{
    for (unsigned i = 0; i < SERVICES; i++)
        if (service_pid[i] == pid)
            return 1;
    return 0;
}

/* A child ended: if it was a service, forget its pid (which may be reused). */
static void reaped(long pid)
{
    for (unsigned i = 0; i < SERVICES; i++)
        if (service_pid[i] == pid)
            service_pid[i] = 0;
}

/* SIGKILL every process but init, the services and their children: how many there were (zombies included, which a kill
 * skips). */
static int kill_all_but_services(void)
{
    struct wren_proc_info pi;
    int left = 0;
    for (long c = 0; (c = wren_proc_info((uint32_t)c, &pi)) > 0;) {
        if (pi.pid == 1 || is_service(pi.pid) || is_service(pi.ppid)) /* a service's helper (rtc's scheme) too */
            continue;
        left++;
        if (pi.state != WREN_PROC_STATE_ZOMBIE)
            wren_kill(pi.pid, WREN_SIGNAL_SIGKILL);
    }
    return left;
}

/*
 * The old shell's session is over: end and reap everything but init and the services. A kill(-1) from init would
 * reach the services too, and a blocking wait(-1) would wait for them, so the processes are named one by one and reaped
 * without blocking until none is left; the killed die when next scheduled, and their children, handed to init, are
 * killed in the next round. The rounds are bounded (about 5 s): a process that would not go must not keep the next
 * shell from starting.
 */
static void end_leftovers(void)
{
    for (int round = 0; round < 500 && kill_all_but_services() > 0; round++) {
        int32_t status;
        long w;
        while ((w = wren_wait(-1, &status, WREN_WAIT_NOHANG)) > 0)
            reaped(w);
        wren_sleep(10000000);
    }
}

/*
 * Before power-off: /bin/sync, so that what the mounted file systems hold in their caches reaches their devices.
 * Bounded (10 s): a server that does not answer must not keep the machine from going off.
 */
static void write_back(void)
{
    static const char args[] = "sync";
    static const char env[] = "PATH=/bin";
    if (!is_file("/bin/sync", 9))
        return;
    long pid = wren_fork();
    if (pid == 0) {
        wren_exec("/bin/sync", 9, args, sizeof(args), env, sizeof(env));
        wren_exit(127);
    }
    if (pid < 0)
        return;
    int32_t status;
    for (int i = 0; i < 1000; i++) {
        long w = wren_wait((int32_t)pid, &status, WREN_WAIT_NOHANG);
        if (w != -E_AGAIN) /* E_AGAIN: it still runs */
            return;
        wren_sleep(10000000);
    }
    wren_print("init: sync did not finish in 10 s\n");
    wren_kill(pid, WREN_SIGNAL_SIGKILL);
}

/* Run the shell until it asks for power-off; restart it whenever it ends otherwise. */
static int run_shell(void)
{
    static const char args[] = "sh";
    static const char env[] = "PATH=/bin\0HOME=/";
    /* Drivers' schemes stay with init and the services it starts: the shell reaches every scheme but these. */
    static const char not_for_the_shell[] = "mmio,irq";
    /* The console (init's 0-2) as the shell's 0-2: the default, spelt out. */
    static const struct wren_spawn_options opts = {
        .envp = (uint64_t)(uintptr_t)env,
        .envp_len = sizeof(env),
        .fd_count = 3,
        .fds = {{0, 0}, {1, 1}, {2, 2}},
        .namespace = WREN_NAMESPACE_MODE_ALL_EXCEPT,
        .schemes = (uint64_t)(uintptr_t)not_for_the_shell,
        .schemes_len = sizeof(not_for_the_shell) - 1,
    };
    int quick_exits = 0;
    int services_started = 0;

    for (;;) {
        long t0 = wren_get_time(WREN_CLOCK_MONOTONIC);
        long pid = wren_spawn(SHELL, sizeof(SHELL) - 1, args, sizeof(args), &opts);
        if (pid < 0) {
            wren_print("init: cannot start " SHELL ": error ");
            wren_print_dec(-pid);
            wren_print("\n");
            return 1;
        }
        /*
         * Set before the shell can have started anything of its own that matters: it reads a line first. A child it
         * did start before this would still be counted in its tree, and so under this limit.
         */
        wren_set_limit((int32_t)pid, WREN_LIMIT_PROCESSES, SHELL_PROCESSES);
        /*
         * The services start after the first shell, so they never delay its prompt: the shell is ahead of them in the
         * ready queue and runs first, and they start while it waits for the first line.
         */
        if (!services_started) {
            start_services();
            services_started = 1;
        }
        int32_t status = 0;
        long w;
        /* Any child may end here: orphans of the shell's jobs become init's to reap. */
        while ((w = wren_wait(-1, &status, 0)) != pid) {
            if (w < 0)
                return 1; /* no children at all: cannot happen while the shell lives */
            reaped(w);    /* a service that ended (no device to serve), or an orphan */
        }
        if (status == WREN_SH_EXIT_POWEROFF) {
            write_back();
            wren_print("init: powering off\n");
            return 0;
        }
        wren_print("init: " SHELL " exited with status ");
        wren_print_dec(status);
        wren_print(", restarting it\n");
        end_leftovers();
        /* A shell that dies at once, over and over, must not keep the CPU spinning. */
        if (wren_get_time(WREN_CLOCK_MONOTONIC) - t0 < 1000000000)
            quick_exits++;
        else
            quick_exits = 0;
        if (quick_exits >= 3)
            wren_sleep(1000000000);
    }
}

int main(void)
{
    wren_print("init: hello from EL0\n");
    if (wren_get_pid() != 1) {
        wren_print("init: wrong pid\n");
        return 1;
    }
    return is_file(SHELL, sizeof(SHELL) - 1) ? run_shell() : 0;
}
