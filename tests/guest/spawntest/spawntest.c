/*
 * spawntest: run as /bin/init by tests/test_proc.py, with itself as /bin/spawntest beside it.
 * Checks what a program is started with: the environment spawn and exec pass (environ and
 * getenv in the child, the System V initial stack with argc, argv, envp and auxv), spawn's
 * descriptor map and its refusals, and the signal actions spawn and exec hand down (ignored
 * stays ignored, handled goes back to the default), and the paths spawn and exec accept.
 * "spawntest <mode> ..." is a child.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wren/check.h>
#include <wren/syscalls.h>

#define SELF     "/bin/spawntest"
#define SELF_LEN (sizeof(SELF) - 1)

extern char **environ;

static long spawn(const char *args, size_t len, const struct wren_spawn_options *o)
{
    return wren_spawn(SELF, SELF_LEN, args, len, o);
}

static long status_of(long pid)
{
    int32_t st = -1;
    long r = wren_wait((int32_t)pid, &st, 0);
    return r == pid ? st : -1000 + r;
}

static struct wren_spawn_options env_only(const char *env, size_t len)
{
    struct wren_spawn_options o = {.envp = (uint64_t)(uintptr_t)env, .envp_len = len};
    return o;
}

/* ---- children ---- */

/* getenv NAME VALUE: 0 if getenv(NAME) is VALUE ("-" for unset). */
static int child_getenv(char **argv)
{
    const char *v = getenv(argv[2]);
    if (!strcmp(argv[3], "-"))
        return v ? 1 : 0;
    return v && !strcmp(v, argv[3]) ? 0 : 2;
}

/*
 * layout N: main's envp is environ and has N entries, and the initial stack is the System V
 * one: argv[argc] is NULL, envp follows it, and after envp's NULL the auxiliary vector holds
 * AT_PAGESZ 4096 and AT_ENTRY, ending with AT_NULL.
 */
static int child_layout(int argc, char **argv, char **envp)
{
    long n = atol(argv[2]);
    long envc = 0;
    if (envp != environ)
        return 10;
    if (argv[argc] != 0 || envp != argv + argc + 1)
        return 11;
    if (((long *)argv)[-1] != argc)
        return 12; /* argc sits just below argv[0], where sp pointed */
    while (envp[envc])
        envc++;
    if (envc != n)
        return 13;
    uint64_t *aux = (uint64_t *)(envp + envc + 1);
    int pagesz = 0, entry = 0;
    for (int i = 0; aux[i] != 0 && i < 32; i += 2) {
        pagesz |= aux[i] == 6 && aux[i + 1] == 4096;
        entry |= aux[i] == 9 && aux[i + 1] != 0;
    }
    return pagesz && entry ? 0 : 14;
}

/* execenv: exec ourselves with a new environment, which "getenv" then checks. */
static int child_execenv(void)
{
    static const char args[] = "spawntest\0getenv\0X\0after exec";
    static const char env[] = "X=after exec";
    long r = wren_exec(SELF, SELF_LEN, args, sizeof(args), env, sizeof(env));
    return 100 + (int)-r;
}

/*
 * fds: write "<n>" to each descriptor n given, check that each "+n" given is open (an empty
 * write succeeds), and that 0-2 are closed unless given.
 */
static int child_fds(int argc, char **argv)
{
    bool given[3] = {false, false, false};
    for (int i = 2; i < argc; i++) {
        bool quiet = argv[i][0] == '+';
        int fd = atoi(argv[i] + quiet);
        if (fd < 3)
            given[fd] = true;
        size_t n = quiet ? 0 : strlen(argv[i]);
        if (wren_write(fd, argv[i], n) != (long)n)
            return 20 + i;
    }
    for (int fd = 0; fd < 3; fd++)
        if (!given[fd] && wren_write(fd, "", 0) != -E_BADF)
            return 30 + fd;
    return 0;
}

/* sigstate: SIGUSR1 ignored, SIGUSR2 and SIGTERM back to the default; blocked must be argv[2] (hex). */
static int child_sigstate(char **argv)
{
    struct wren_sigaction a;
    uint64_t blocked;
    if (wren_sigaction(WREN_SIGNAL_SIGUSR1, 0, &a) || a.handler != WREN_SIGNAL_HANDLER_IGNORE)
        return 40;
    if (wren_sigaction(WREN_SIGNAL_SIGUSR2, 0, &a) || a.handler != WREN_SIGNAL_HANDLER_USE_DEFAULT)
        return 41;
    if (wren_sigaction(WREN_SIGNAL_SIGTERM, 0, &a) || a.handler != WREN_SIGNAL_HANDLER_USE_DEFAULT)
        return 42;
    wren_sigprocmask(WREN_SIGMASK_HOW_BLOCK, 0, &blocked);
    if (blocked != strtoull(argv[2], 0, 16))
        return 43;
    /* An ignored signal sent now is discarded: we live on. */
    wren_kill(wren_get_pid(), WREN_SIGNAL_SIGUSR1);
    return 0;
}

/* ---- the checks ---- */

static void handler(int sig)
{
    (void)sig;
}

static void test_environment(void)
{
    static const char env[] = "FOO=bar\0EMPTY=\0PATH=/bin";
    struct wren_spawn_options o = env_only(env, sizeof(env));
    static const char foo[] = "spawntest\0getenv\0FOO\0bar";
    static const char empty[] = "spawntest\0getenv\0EMPTY\0";
    static const char none[] = "spawntest\0getenv\0NONE\0-";
    wren_check("spawn's environment: getenv(FOO) in the child", status_of(spawn(foo, sizeof(foo), &o)), 0);
    wren_check("...an empty value", status_of(spawn(empty, sizeof(empty), &o)), 0);
    wren_check("...a name it does not have", status_of(spawn(none, sizeof(none), &o)), 0);
    static const char fooless[] = "spawntest\0getenv\0FOO\0-";
    wren_check("without options the environment is empty", status_of(spawn(fooless, sizeof(fooless), 0)), 0);

    static const char layout3[] = "spawntest\0layout\0003";
    wren_check("initial stack: argc, argv, envp (3), auxv", status_of(spawn(layout3, sizeof(layout3), &o)), 0);
    static const char layout0[] = "spawntest\0layout\0000";
    wren_check("...and with no environment", status_of(spawn(layout0, sizeof(layout0), 0)), 0);
    /* 63 strings fit; 64 do not. */
    static char many[64 * 4];
    for (int i = 0; i < 64; i++)
        memcpy(many + 4 * i, "A=1", 4);
    struct wren_spawn_options m63 = env_only(many, 63 * 4), m64 = env_only(many, sizeof(many));
    static const char layout63[] = "spawntest\0layout\00063";
    wren_check("63 environment strings", status_of(spawn(layout63, sizeof(layout63), &m63)), 0);
    wren_check("64 environment strings: E_TOOBIG", spawn(layout63, sizeof(layout63), &m64), -E_TOOBIG);

    static const char execenv[] = "spawntest\0execenv";
    wren_check("exec passes its environment", status_of(spawn(execenv, sizeof(execenv), &o)), 0);

    struct wren_spawn_options bad = env_only("FOO=bar", 7);
    wren_check("an environment without its last NUL: E_INVAL", spawn(foo, sizeof(foo), &bad), -E_INVAL);
    bad = env_only((const char *)0x10, 8);
    wren_check("an unreadable environment: E_FAULT", spawn(foo, sizeof(foo), &bad), -E_FAULT);
    bad = env_only(env, 4097);
    wren_check("4097 bytes of environment: E_TOOBIG", spawn(foo, sizeof(foo), &bad), -E_TOOBIG);
    wren_check("unreadable options: E_FAULT", spawn(foo, sizeof(foo), (const void *)0x10), -E_FAULT);
    wren_check("exec with an unreadable environment: E_FAULT",
               wren_exec(SELF, SELF_LEN, foo, sizeof(foo), (const char *)0x10, 8), -E_FAULT);
    wren_check("exec with an unterminated environment: E_INVAL", wren_exec(SELF, SELF_LEN, foo, sizeof(foo), "A=b", 3),
               -E_INVAL);
    wren_check("exec with 4097 bytes of environment: E_TOOBIG", wren_exec(SELF, SELF_LEN, foo, sizeof(foo), env, 4097),
               -E_TOOBIG);
}

/* Read what the children wrote into the pipe (the write ends are closed): the bytes as a string. */
static const char *drain(int fd)
{
    static char buf[64];
    long n = 0, r;
    while (n < (long)sizeof(buf) - 1 && (r = wren_read(fd, buf + n, sizeof(buf) - 1 - (size_t)n)) > 0)
        n += r;
    buf[n] = 0;
    return buf;
}

static void test_fd_map(void)
{
    int32_t p[2];
    struct wren_kernel_stats k0, k1;
    wren_kernel_stats(&k0);

    wren_pipe(p, WREN_OPEN_CLOEXEC); /* close-on-exec here: the map gives it to the child all the same */
    struct wren_spawn_options o = {.fd_count = 2, .fds = {{p[1], 1}, {p[1], 7}}};
    static const char fds17[] = "spawntest\0fds\0001\0007";
    long pid = spawn(fds17, sizeof(fds17), &o);
    wren_close(p[1]);
    wren_check("a mapped child writes to its fds 1 and 7 (0 and 2 closed)", status_of(pid), 0);
    wren_check("...and the bytes arrive through the pipe", strcmp(drain(p[0]), "17"), 0);
    wren_close(p[0]);

    wren_pipe(p, 0);
    struct wren_spawn_options std = {.fd_count = 3, .fds = {{0, 0}, {p[1], 1}, {2, 2}}};
    static const char fds012[] = "spawntest\0fds\0+0\0001\0+2";
    pid = spawn(fds012, sizeof(fds012), &std);
    wren_close(p[1]);
    wren_check("fd 1 redirected into a pipe, 0 and 2 kept", status_of(pid), 0);
    wren_check("...and its output is in the pipe", strcmp(drain(p[0]), "1"), 0);
    wren_close(p[0]);

    static const char fds[] = "spawntest\0fds";
    struct wren_spawn_options b = {.fd_count = 1, .fds = {{40, 1}}};
    wren_check("a parent fd that is not open: E_BADF", spawn(fds, sizeof(fds), &b), -E_BADF);
    b.fds[0] = (struct wren_spawn_fd){-1, 1};
    wren_check("a negative parent fd: E_BADF", spawn(fds, sizeof(fds), &b), -E_BADF);
    b.fds[0] = (struct wren_spawn_fd){1, 256};
    wren_check("child fd 256: E_INVAL", spawn(fds, sizeof(fds), &b), -E_INVAL);
    b.fds[0] = (struct wren_spawn_fd){1, -1};
    wren_check("child fd -1: E_INVAL", spawn(fds, sizeof(fds), &b), -E_INVAL);
    struct wren_spawn_options d = {.fd_count = 2, .fds = {{1, 3}, {2, 3}}};
    wren_check("the same child fd twice: E_INVAL", spawn(fds, sizeof(fds), &d), -E_INVAL);
    d.fd_count = 17;
    wren_check("17 map entries: E_INVAL", spawn(fds, sizeof(fds), &d), -E_INVAL);
    d = (struct wren_spawn_options){.namespace = 3};
    wren_check("unknown namespace mode: E_INVAL", spawn(fds, sizeof(fds), &d), -E_INVAL);
    d = (struct wren_spawn_options){.schemes = (uint64_t)(uintptr_t) "file", .schemes_len = 4};
    wren_check("scheme names without a namespace mode: E_INVAL", spawn(fds, sizeof(fds), &d), -E_INVAL);
    d = (struct wren_spawn_options){.fd_count = 0};
    static const char fds_std[] = "spawntest\0fds\0+0\0+1\0+2";
    wren_check("fd_count 0: 0-2 inherited", status_of(spawn(fds_std, sizeof(fds_std), &d)), 0);

    wren_kernel_stats(&k1);
    wren_check("no handle, object or process left behind",
               (long)(k1.handles - k0.handles) + (long)(k1.objects - k0.objects) + (long)(k1.processes - k0.processes),
               0);
}

static void test_signal_inheritance(void)
{
    signal(SIGUSR1, SIG_IGN);
    signal(SIGUSR2, handler);
    signal(SIGTERM, handler);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, 0);

    static const char spawned[] = "spawntest\0sigstate\0000";
    wren_check("spawn: ignored stays ignored, handled is default, nothing blocked",
               status_of(spawn(spawned, sizeof(spawned), 0)), 0);

    long pid = wren_fork();
    if (pid == 0) {
        char mask[20];
        static char args[64];
        snprintf(mask, sizeof(mask), "%x", 1u << WREN_SIGNAL_SIGTERM);
        int n = snprintf(args, sizeof(args), "spawntest%csigstate%c%s", 0, 0, mask);
        _exit(100 - (int)wren_exec(SELF, SELF_LEN, args, (size_t)n + 1, 0, 0));
    }
    wren_check("exec: ignored stays ignored, handled is default, the mask is kept", status_of(pid), 0);

    sigprocmask(SIG_UNBLOCK, &set, 0);
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}

/* How spawn and exec read `path`: absolute, or relative to the current directory; never a scheme. */
static void test_paths(void)
{
    static const char args[] = "spawntest\0getenv\0FOO\0-";
    wren_check("chdir /bin", wren_chdir("/bin", 4), 0);
    wren_check("spawn of a relative path (from /bin)", status_of(wren_spawn("spawntest", 9, args, sizeof(args), 0)), 0);
    wren_check("...and of one with ..", status_of(wren_spawn("../bin/spawntest", 16, args, sizeof(args), 0)), 0);
    wren_check("chdir /", wren_chdir("/", 1), 0);
    wren_check("a relative path not found from /: E_NOENT", wren_spawn("spawntest", 9, args, sizeof(args), 0),
               -E_NOENT);
    wren_check("a program outside the file scheme: E_NOTSUP", wren_spawn("console:x", 9, args, sizeof(args), 0),
               -E_NOTSUP);
    wren_check("a NUL inside the path: E_INVAL", wren_spawn("/bin/spawntest\0x", 16, args, sizeof(args), 0), -E_INVAL);
    wren_check("path_len 0: E_INVAL", wren_spawn(SELF, 0, args, sizeof(args), 0), -E_INVAL);
    wren_check("a directory: E_ISDIR", wren_spawn("/bin", 4, args, sizeof(args), 0), -E_ISDIR);
    wren_check("a file as a directory: E_NOTDIR", wren_spawn("/bin/spawntest/x", 16, args, sizeof(args), 0), -E_NOTDIR);
    wren_check("exec outside the file scheme: E_NOTSUP", wren_exec("console:x", 9, args, sizeof(args), 0, 0),
               -E_NOTSUP);
    wren_check("exec, path_len 0: E_INVAL", wren_exec(SELF, 0, args, sizeof(args), 0, 0), -E_INVAL);
}

int main(int argc, char **argv, char **envp)
{
    if (argc > 3 && !strcmp(argv[1], "getenv"))
        return child_getenv(argv);
    if (argc > 2 && !strcmp(argv[1], "layout"))
        return child_layout(argc, argv, envp);
    if (argc > 1 && !strcmp(argv[1], "execenv"))
        return child_execenv();
    if (argc > 1 && !strcmp(argv[1], "fds"))
        return child_fds(argc, argv);
    if (argc > 2 && !strcmp(argv[1], "sigstate"))
        return child_sigstate(argv);

    wren_check_begin("spawntest");
    test_environment();
    test_fd_map();
    test_signal_inheritance();
    test_paths();
    return wren_check_end();
}
