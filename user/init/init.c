/*
 * /bin/init: the first user program. It greets, checks its pid, and then, if the system has a shell (/bin/sh),
 * keeps one running on the console, with the environment every program starts from (PATH, HOME): it restarts the
 * shell whenever it exits, and reaps the orphans the kernel hands it meanwhile. When the shell ends, its session
 * ends with it: init ends whatever is left (SIGKILL to every process but itself: init starts nothing but the shell,
 * so that is all the old shell's) and reaps it before the next shell starts, so nothing a program left behind (a
 * fork bomb that killed its shell, say) holds the process table against the new shell, whose built-in kill could
 * not reach another session. When the shell exits with WREN_SH_EXIT_POWEROFF (its `poweroff` built-in), init exits,
 * and the kernel powers off. Without /bin/sh (the test initrds) init exits after the greeting, as it always did,
 * and the machine powers off.
 *
 * Kept to the wren_* stubs, without the C library: the first program stays small and its path
 * from the syscall stubs to the kernel easy to follow.
 */
#include <wren/init.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define SHELL "/bin/sh"

/*
 * The processes the shell's tree (the shell, its jobs, and everything they start, zombies and orphans included)
 * may hold: half the table (PROC_MAX is 64). A runaway program under the shell, a fork bomb, stops there and leaves
 * the other half for whatever a previous shell left running; the kernel keeps its last 4 slots for init, so a
 * new shell can be started whatever the rest of the table holds.
 */
#define SHELL_PROCESSES 32

static int has_shell(void)
{
    struct wren_stat st;
    return wren_stat(SHELL, sizeof(SHELL) - 1, &st) == 0 && st.type == WREN_FILE_TYPE_REGULAR;
}

/* The old shell's session is over: end and reap everything but init. */
static void end_leftovers(void)
{
    if (wren_kill(-1, WREN_SIGNAL_SIGKILL) < 0)
        return; /* nobody left */
    int32_t status;
    while (wren_wait(-1, &status, 0) > 0)
        ;
}

/* Run the shell until it asks for power-off; restart it whenever it ends otherwise. */
static int run_shell(void)
{
    static const char args[] = "sh";
    static const char env[] = "PATH=/bin\0HOME=/";
    /* The console (init's 0-2) as the shell's 0-2: the default, spelt out. */
    static const struct wren_spawn_options opts = {
        .envp = (uint64_t)(uintptr_t)env,
        .envp_len = sizeof(env),
        .fd_count = 3,
        .fds = {{0, 0}, {1, 1}, {2, 2}},
    };
    int quick_exits = 0;

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
        int32_t status = 0;
        long w;
        /* Any child may end here: orphans of the shell's jobs become init's to reap. */
        while ((w = wren_wait(-1, &status, 0)) != pid)
            if (w < 0)
                return 1; /* no children at all: cannot happen while the shell lives */
        if (status == WREN_SH_EXIT_POWEROFF) {
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
    return has_shell() ? run_shell() : 0;
}
