/*
 * proclimtest: hostile programs against the process table and the CPU (issue 11, symptoms 7 and 8), booted as
 * /bin/init by tests/test_proclimits.py.
 *
 * As init (privileged) it starts itself as "user", an ordinary program that leads its own session as the shell
 * does, and that checks, as "proclimuser":
 *   - priorities: it cannot go above the priority it started at (its parent's), nor put its child above the
 *     child's; lowering and coming back is fine;
 *   - WREN_LIMIT_PROCESSES on a tree: fork and spawn fail with E_AGAIN at the count, from the limited process
 *     and from a process below it, and a double fork does not take a process out of the count; get_limit
 *     reports the tree's processes;
 *   - kill(-1, SIGKILL) from a program of its session ends that session's programs but neither the leader nor a
 *     descendant that left for a session of its own; then a fork bomb fills the table up to the slots kept for
 *     the privileged, and no further.
 * Then init, with the table full for everyone else, still starts processes in the reserve, and ends and reaps
 * everything.
 *
 * Run from the shell (tests/test_shell.py), "proclimtest hog" ignores SIGINT, tries to climb above the shell and
 * spins; "proclimtest bomb [pid]" sends SIGKILL to pid (the shell) if given and kill(-1, SIGKILL), and then
 * forks until refused, and keeps trying.
 */
#include <stdbool.h>
#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define SELF     "/bin/proclimtest"
#define TABLE    64 /* PROC_MAX */
#define RESERVED 4  /* PROC_RESERVED: the slots only the privileged may take */
#define KILLED   (WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGKILL)

static _Noreturn void sleep_forever(void)
{
    for (;;)
        wren_sleep(1000000000);
}

/* A forked child that sleeps until it is killed: its pid, or the fork's error. */
static long sleeper(void)
{
    long pid = wren_fork();
    if (pid == 0)
        sleep_forever();
    return pid;
}

static long spawn_self(const char *args, size_t len)
{
    return wren_spawn(SELF, sizeof(SELF) - 1, args, len, 0);
}

/* The processes in the tree rooted at pid (get_limit's usage), or -1. */
static long tree_of(int pid)
{
    struct wren_limit_info info;
    return wren_get_limit(pid, WREN_LIMIT_PROCESSES, &info) == 0 ? (long)info.usage : -1;
}

static long status_of(long pid)
{
    return wren_check_wait_status(pid);
}

static long number(const char *s)
{
    long n = 0;
    while (*s >= '0' && *s <= '9')
        n = n * 10 + (*s++ - '0');
    return n;
}

static int streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* ---- priorities (the user's part) ---- */

static void priorities(void)
{
    wren_check("user: start at 8, init's priority", wren_set_priority(0, 8), 8);
    wren_check("user: above the parent's priority is refused", wren_set_priority(0, 9), -E_PERM);
    wren_check("user: ...and 15, above the shell, too", wren_set_priority(0, 15), -E_PERM);
    wren_check("user: ...and the real-time class", wren_set_priority(0, 20), -E_PERM);
    wren_check("user: lowering is allowed", wren_set_priority(0, 4), 8);
    wren_check("user: ...and back to where it started", wren_set_priority(0, 8), 4);
    long child = sleeper();
    wren_check("user: a child above its limit (our 8) is refused", wren_set_priority((int32_t)child, 9), -E_PERM);
    wren_check("user: a child may be lowered", wren_set_priority((int32_t)child, 2), 8);
    wren_check("user: ...and raised back", wren_set_priority((int32_t)child, 8), 2);
    wren_kill((int32_t)child, WREN_SIGNAL_SIGKILL);
    wren_check("user: the child ends", status_of(child), KILLED);
}

/* ---- the process limit of a tree (run in a forked child, which limits itself) ---- */

/* In a child of the limited process: can it fork although its own tree has room? 0 if refused with E_AGAIN. */
static long fork_below(void)
{
    long pid = wren_fork();
    if (pid == 0) {
        long r = sleeper();
        wren_exit(r == -E_AGAIN ? 0 : 1);
    }
    return status_of(pid);
}

/* A child that forks a sleeper and exits at once, leaving it to init: its status (0: the fork worked). */
static long double_fork(void)
{
    long pid = wren_fork();
    if (pid == 0)
        wren_exit(sleeper() > 0 ? 0 : 1);
    return status_of(pid);
}

static int tree_limit(void)
{
    wren_check_begin("proclimtree");
    long kids[8];
    wren_check("tree: set_limit processes 6", wren_set_limit(0, WREN_LIMIT_PROCESSES, 6), 0);
    wren_check("tree: get_limit counts the tree: 1", tree_of(0), 1);
    int n = 0;
    for (int i = 0; i < 5; i++)
        n += (kids[i] = sleeper()) > 0;
    wren_check("tree: 5 children fit under 6", n, 5);
    wren_check("tree: get_limit counts 6", tree_of(0), 6);
    wren_check("tree: a child's own tree is 1", tree_of((int)kids[0]), 1);
    wren_check("tree: the 7th fork is refused", sleeper(), -E_AGAIN);
    static const char args[] = "proclimtest\0exit\0000";
    wren_check("tree: ...and spawn", spawn_self(args, sizeof(args)), -E_AGAIN);

    wren_kill((int32_t)kids[4], WREN_SIGNAL_SIGKILL);
    wren_check("tree: a child killed", status_of(kids[4]), KILLED);
    wren_check("tree: ...and reaped is counted out", tree_of(0), 5);
    wren_check("tree: a child cannot fork when the tree it is in is full", fork_below(), 0);
    wren_check("tree: ...the child counted out once reaped", tree_of(0), 5);

    wren_kill((int32_t)kids[3], WREN_SIGNAL_SIGKILL);
    wren_check("tree: another child killed", status_of(kids[3]), KILLED);
    wren_check("tree: a child forks and exits (a double fork)", double_fork(), 0);
    wren_check("tree: its orphan, init's to wait for, still counts here", tree_of(0), 5);
    wren_check("tree: one more fits", (kids[3] = sleeper()) > 0, 1);
    wren_check("tree: and then none", sleeper(), -E_AGAIN);

    /* Everything of ours, the orphan too: our session's programs but its leader, the user. */
    wren_check("tree: kill(-1, SIGKILL)", wren_kill(-1, WREN_SIGNAL_SIGKILL), 0);
    for (int i = 0; i < 4; i++)
        wren_check("tree: a child ended by it", status_of(kids[i]), KILLED);
    return wren_check_end();
}

/* ---- kill(-1) and the fork bomb (the user's part) ---- */

/* The bomb: kill(-1, SIGKILL), then fork until refused. Its exit status: the children it got, or 255. */
static _Noreturn void bomb(void)
{
    long away = wren_fork();
    if (away == 0) {
        wren_setsid(); /* a descendant in a session of its own: kill(-1) does not reach it */
        sleep_forever();
    }
    wren_sleep(5000000); /* let it get there */
    if (away < 0 || wren_kill(-1, WREN_SIGNAL_SIGKILL) != 0)
        wren_exit(255);
    int ok = wren_wait((int32_t)away, 0, WREN_WAIT_NOHANG) == -E_AGAIN; /* it lives */
    wren_kill((int32_t)away, WREN_SIGNAL_SIGKILL);                      /* by name: a descendant may be */
    if (!ok || status_of(away) != KILLED)
        wren_exit(254);
    int n = 0;
    while (sleeper() > 0)
        n++;
    wren_exit(n);
}

static long used_by_all(void)
{
    return tree_of(1); /* init's tree is every process */
}

static void bomb_and_kill_all(void)
{
    long sibling = sleeper();
    long b = wren_fork();
    if (b == 0)
        bomb();
    /* Slots: init, us, the sibling (killed, our zombie), the bomb, and its children up to TABLE - RESERVED. */
    wren_check("user: the bomb's kill(-1) spared its session leader (us), and fork stopped at the reserve",
               status_of(b), TABLE - RESERVED - 4);
    wren_check("user: the sibling in our session was killed by it", status_of(sibling), KILLED);
    wren_check("user: the bomb's orphans are still counted in our tree", tree_of(0), 1 + TABLE - RESERVED - 4);
    int more = 0;
    while (sleeper() > 0)
        more++;
    wren_check("user: we may fill the table up to the reserve", more, 2);
    wren_check("user: ...where get_limit of init counts every process", used_by_all(), TABLE - RESERVED);
    wren_check("user: ...and fork is refused", sleeper(), -E_AGAIN);
}

static int user(void)
{
    wren_check_begin("proclimuser");
    wren_check("user: setsid: we lead a session, as the shell does", wren_setsid() > 0, 1);
    priorities();
    long t = wren_fork();
    if (t == 0)
        wren_exit(tree_limit());
    wren_check("user: the tree-limit checks passed", status_of(t), 0);
    /* Its orphan is init's to reap: wait until it has. */
    for (int i = 0; i < 100 && tree_of(0) != 1; i++)
        wren_sleep(1000000);
    wren_check("user: our tree is back to 1", tree_of(0), 1);
    bomb_and_kill_all();
    return wren_check_end();
}

/* ---- init ---- */

/* Wait for pid, reaping whatever else ends meanwhile (orphans are init's): its status. */
static long wait_reaping(long pid)
{
    int32_t status = 0;
    long w;
    while ((w = wren_wait(-1, &status, 0)) != pid)
        if (w < 0)
            return -1000;
    return status;
}

static int init(void)
{
    wren_check_begin("proclimtest");
    static const char user_args[] = "proclimtest\0user";
    long u = spawn_self(user_args, sizeof(user_args));
    wren_check("spawn the user program", u > 0, 1);
    wren_check("the user program passed, and was not killed", wait_reaping(u), 0);
    /* It left TABLE - RESERVED - 2 sleepers behind (the bomb's and its own), now init's. */
    wren_check("the table holds init and the user's leftovers", used_by_all(), TABLE - RESERVED - 1);

    /* An ordinary program started now gets the last unreserved slot, and no other. */
    static const char probe_args[] = "proclimtest\0probe";
    long probe = spawn_self(probe_args, sizeof(probe_args));
    wren_check("init spawns a program in the last unreserved slot", probe > 0, 1);
    wren_check("...which cannot fork: the rest is reserved", wait_reaping(probe), 0);
    static const char hold_args[] = "proclimtest\0hold";
    int held = 0;
    while (spawn_self(hold_args, sizeof(hold_args)) > 0)
        held++;
    wren_check("init still starts programs in the reserve, up to the whole table", held, RESERVED + 1);
    wren_check("...and then the table is full", used_by_all(), TABLE);

    wren_check("init's kill(-1, SIGKILL) reaches every process", wren_kill(-1, WREN_SIGNAL_SIGKILL), 0);
    int reaped = 0, killed = 0;
    int32_t status;
    while (wren_wait(-1, &status, 0) > 0)
        reaped++, killed += status == KILLED;
    wren_check("...init reaps them all", reaped, TABLE - 1);
    wren_check("...all killed", killed, TABLE - 1);
    wren_check("init's tree is init alone", used_by_all(), 1);
    static const char exit7[] = "proclimtest\0exit\0007";
    wren_check("init starts programs as before", status_of(spawn_self(exit7, sizeof(exit7))), 7);
    return wren_check_end();
}

/* ---- hostile programs for tests/test_shell.py, run from the shell ---- */

/* Ignore Ctrl-C, try to climb above the shell, and spin. */
static _Noreturn void hog(void)
{
    struct wren_sigaction ign = {.handler = WREN_SIGNAL_HANDLER_IGNORE};
    wren_sigaction(WREN_SIGNAL_SIGINT, &ign, 0);
    wren_print("hog: set_priority 15 -> ");
    wren_print_dec(wren_set_priority(0, 15));
    wren_print("\n");
    for (;;)
        ;
}

/*
 * kill(-1, SIGKILL) (and SIGKILL to `victim`, if not 0: the shell, by its pid), then every process forks until
 * refused and, as a real bomb keeps trying, tries again every 10 ms, so that whatever slot comes free is taken at
 * once. The first reports the first refusal.
 */
static _Noreturn void fork_bomb(long victim)
{
    long first = wren_get_pid();
    if (victim) {
        wren_print("bomb: kill(victim, SIGKILL) -> ");
        wren_print_dec(wren_kill((int32_t)victim, WREN_SIGNAL_SIGKILL));
        wren_print("\n");
    }
    wren_print("bomb: kill(-1, SIGKILL) -> ");
    wren_print_dec(wren_kill(-1, WREN_SIGNAL_SIGKILL));
    wren_print("\n");
    bool reported = false;
    for (;;) {
        long r = wren_fork();
        if (r >= 0)
            continue; /* parent and child both go on */
        if (!reported && wren_get_pid() == first) {
            wren_print("bomb: fork refused with ");
            wren_print_dec(r);
            wren_print("\n");
            reported = true;
        }
        wren_sleep(10000000);
    }
}

int main(int argc, char **argv)
{
    if (argc >= 2 && streq(argv[1], "user"))
        return user();
    if (argc >= 2 && streq(argv[1], "probe")) /* the table full for the unprivileged: fork refused */
        return sleeper() == -E_AGAIN ? 0 : 1;
    if (argc >= 2 && streq(argv[1], "hold"))
        sleep_forever();
    if (argc >= 2 && streq(argv[1], "hog"))
        hog();
    if (argc >= 2 && streq(argv[1], "bomb"))
        fork_bomb(argc >= 3 ? number(argv[2]) : 0);
    if (argc >= 3 && streq(argv[1], "exit"))
        return argv[2][0] - '0';
    return init();
}
