/*
 * schemecore: run as /bin/init by tests/test_schemes.py, with itself as /bin/schemecore beside it. Checks how
 * paths reach schemes: both spellings and scheme_open, the default file scheme, /scheme as the list of schemes,
 * canonical paths, the path calls' errors through schemes, chdir into /scheme, and namespaces (spawn's narrowing,
 * E_ACCES before E_NOENT, a sandbox with no scheme at all, a child that cannot widen what it was given).
 * "schemecore <mode>" is a child.
 */
#include <stdio.h>
#include <string.h>
#include <wren/check.h>
#include <wren/syscalls.h>

#define SELF     "/bin/schemecore"
#define SELF_LEN (sizeof(SELF) - 1)

static long sopen(const char *path, uint32_t flags)
{
    return wren_open(path, strlen(path), flags);
}

static long sstat(const char *path, struct wren_stat *st)
{
    return wren_stat(path, strlen(path), st);
}

static long ok_open(const char *path)
{
    long fd = sopen(path, WREN_OPEN_READ | WREN_OPEN_WRITE);
    if (fd >= 0)
        wren_close((int32_t)fd);
    return fd >= 0 ? 0 : fd;
}

/* Is `name` one of the entries readdir gives for /scheme? */
static int listed(const char *name)
{
    struct wren_dirent d;
    for (uint64_t i = 0; wren_readdir("/scheme", 7, i, &d) == 0; i++)
        if (strcmp((const char *)d.name, name) == 0)
            return 1;
    return 0;
}

static uint64_t list_count(void)
{
    struct wren_dirent d;
    uint64_t i = 0;
    while (wren_readdir("/scheme", 7, i, &d) == 0)
        i++;
    return i;
}

/* Spawn ourselves as "schemecore <mode>" with a namespace option; the child's exit status. */
static long child(const char *mode, uint32_t ns, const char *schemes)
{
    static char args[64];
    int n = snprintf(args, sizeof(args), "schemecore%c%s", 0, mode);
    struct wren_spawn_options o = {.namespace = ns};
    o.schemes = (uint64_t)(uintptr_t)schemes;
    o.schemes_len = schemes ? strlen(schemes) : 0;
    long pid = wren_spawn(SELF, SELF_LEN, args, (size_t)n + 1, &o);
    return pid < 0 ? pid : wren_check_wait_status(pid);
}

/* Children: each checks what its namespace lets it reach, and exits with the number of failures. */
static int child_console_only(void)
{
    struct wren_stat st;
    wren_check("console-only: the console opens", ok_open("/scheme/console"), 0);
    wren_check("console-only: a file: E_ACCES", sopen("/bin/schemecore", WREN_OPEN_READ), -E_ACCES);
    wren_check("console-only: /scheme/file: E_ACCES", sstat("/scheme/file/bin", &st), -E_ACCES);
    wren_check("console-only: an unregistered scheme: E_ACCES, not E_NOENT", sstat("/scheme/nosuch", &st), -E_ACCES);
    wren_check("console-only: /scheme lists console", listed("console"), 1);
    wren_check("console-only: /scheme does not list file", listed("file"), 0);
    wren_check("console-only: /scheme has one entry", (long)list_count(), 1);
    wren_check("console-only: stat /scheme counts one", sstat("/scheme", &st) == 0 ? (long)st.size : -1, 1);
    wren_check("console-only: spawn needs the file scheme: E_ACCES", wren_spawn(SELF, SELF_LEN, "schemecore\0x", 13, 0),
               -E_ACCES);
    wren_check("console-only: exec too", wren_exec(SELF, SELF_LEN, "schemecore\0x", 13, 0, 0), -E_ACCES);
    return wren_check_end();
}

static int child_none(void)
{
    struct wren_stat st;
    wren_check("sandbox: the console: E_ACCES", sopen("console:", WREN_OPEN_WRITE), -E_ACCES);
    wren_check("sandbox: scheme_open too", wren_scheme_open("console", 7, "", 0, WREN_OPEN_WRITE), -E_ACCES);
    wren_check("sandbox: /scheme is empty", (long)list_count(), 0);
    wren_check("sandbox: stat of a file: E_ACCES", sstat("/bin", &st), -E_ACCES);
    wren_check("sandbox: mkdir: E_ACCES, nothing made", wren_mkdir("/sandboxed", 10), -E_ACCES);
    wren_check("sandbox: the descriptors it was given still work", wren_write(1, "", 0), 0);
    return wren_check_end();
}

static int child_no_console(void)
{
    wren_check("no-console: the console: E_ACCES", ok_open("/scheme/console"), -E_ACCES);
    wren_check("no-console: console: too", ok_open("console:"), -E_ACCES);
    wren_check("no-console: files open", sopen("/bin/schemecore", WREN_OPEN_READ) >= 0, 1);
    wren_check("no-console: /scheme lists file", listed("file"), 1);
    wren_check("no-console: /scheme does not list console", listed("console"), 0);
    /* Asking for more than it has gets no more: the grandchild still cannot reach the console. */
    wren_check("no-console: a grandchild asking for console only gets nothing it lacks",
               child("grandchild", WREN_NAMESPACE_MODE_ONLY, "console,file"), 0);
    wren_check("no-console: inherit keeps the exclusion", child("grandchild", WREN_NAMESPACE_MODE_INHERIT, 0), 0);
    return wren_check_end();
}

static int child_grandchild(void)
{
    wren_check("grandchild: the console stays out of reach", ok_open("/scheme/console"), -E_ACCES);
    wren_check("grandchild: files open", sopen("/bin/schemecore", WREN_OPEN_READ) >= 0, 1);
    return wren_check_end();
}

static void spellings(void)
{
    struct wren_stat a, b;
    char cwd[64];

    wren_check("open /scheme/console", ok_open("/scheme/console"), 0);
    wren_check("open /scheme/console/", ok_open("/scheme/console/"), 0);
    wren_check("open console:", ok_open("console:"), 0);
    wren_check("open console:/", ok_open("console:/"), 0);
    long fd = wren_scheme_open("console", 7, "", 0, WREN_OPEN_WRITE);
    wren_check("scheme_open(console, \"\")", fd >= 0, 1);
    wren_check("it is the console: fstat says a character device", wren_fstat((int32_t)fd, &a) == 0 ? a.type : 0,
               WREN_FILE_TYPE_CHAR_DEVICE);
    wren_close((int32_t)fd);
    wren_check("a path in the console scheme it does not have: E_NOENT", ok_open("/scheme/console/x"), -E_NOENT);
    wren_check("console:x too", ok_open("console:x"), -E_NOENT);

    wren_check("stat /bin/schemecore", sstat("/bin/schemecore", &a), 0);
    wren_check("stat /scheme/file/bin/schemecore", sstat("/scheme/file/bin/schemecore", &b), 0);
    wren_check("the same file through the file scheme", b.id == a.id && b.size == a.size, 1);
    wren_check("file:/bin/schemecore", sstat("file:/bin/schemecore", &b) == 0 && b.id == a.id, 1);
    wren_check("file:bin/schemecore (relative to the scheme's root)",
               sstat("file:bin/schemecore", &b) == 0 && b.id == a.id, 1);
    wren_check("scheme_open(file, bin/schemecore)",
               (fd = wren_scheme_open("file", 4, "bin/schemecore", 14, WREN_OPEN_READ)) >= 0, 1);
    wren_check("the same file", wren_fstat((int32_t)fd, &b) == 0 && b.id == a.id, 1);
    wren_close((int32_t)fd);
    wren_check("canonical: /scheme/console/../file/bin/schemecore",
               sstat("/scheme/console/../file/bin/schemecore", &b) == 0 && b.id == a.id, 1);
    wren_check("canonical: file:a/../../bin/schemecore", sstat("file:a/../../bin/schemecore", &b) == 0 && b.id == a.id,
               1);
    wren_check("a trailing / on a file still says ENOTDIR", sstat("/scheme/file/bin/schemecore/", &b), -E_NOTDIR);

    wren_check("stat /scheme: a directory", sstat("/scheme", &b) == 0 ? b.type : 0, WREN_FILE_TYPE_DIRECTORY);
    wren_check("its size is the number of schemes", (long)b.size, (long)list_count());
    wren_check("/scheme/file/.. is /scheme", sstat("/scheme/file/..", &b) == 0 ? b.type : 0, WREN_FILE_TYPE_DIRECTORY);
    wren_check("/scheme lists file", listed("file"), 1);
    wren_check("/scheme lists console", listed("console"), 1);
    wren_check("/scheme lists nothing unregistered", listed("nosuch"), 0);
    wren_check("open /scheme: E_ISDIR", sopen("/scheme", WREN_OPEN_READ), -E_ISDIR);
    wren_check("mkdir /scheme: E_EXIST", wren_mkdir("/scheme", 7), -E_EXIST);
    wren_check("mkdir /scheme/nosuch: E_NOENT", wren_mkdir("/scheme/nosuch", 14), -E_NOENT);
    wren_check("rmdir /scheme: E_BUSY", wren_rmdir("/scheme", 7), -E_BUSY);
    wren_check("unlink /scheme: E_ISDIR", wren_unlink("/scheme", 7), -E_ISDIR);

    wren_check("bad names: /scheme/Console", sstat("/scheme/Console", &b), -E_INVAL);
    wren_check("/scheme//file//bin is an ordinary absolute path: /bin", sstat("/scheme//file//bin", &b), 0);
    wren_check("bad names: Bad:x", sstat("Bad:x", &b), -E_INVAL);
    wren_check("bad names: :x", sstat(":x", &b), -E_INVAL);
    wren_check("bad names: a 33-byte name", sstat("/scheme/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &b), -E_INVAL);
    wren_check("an unregistered scheme: E_NOENT", sstat("/scheme/nosuch/x", &b), -E_NOENT);
    wren_check("nosuch: too", sstat("nosuch:", &b), -E_NOENT);
    wren_check("a NUL byte: E_INVAL", wren_stat("/scheme/fi\0le", 12, &b), -E_INVAL);
    wren_check("scheme_open with a bad name: E_INVAL", wren_scheme_open("a/b", 3, "", 0, WREN_OPEN_READ), -E_INVAL);
    wren_check("scheme_open with an empty name: E_INVAL", wren_scheme_open("", 0, "", 0, WREN_OPEN_READ), -E_INVAL);
    wren_check("scheme_open with a 33-byte name: E_NAMETOOLONG",
               wren_scheme_open("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 33, "", 0, WREN_OPEN_READ), -E_NAMETOOLONG);
    wren_check("scheme_open of nosuch: E_NOENT", wren_scheme_open("nosuch", 6, "", 0, WREN_OPEN_READ), -E_NOENT);
    wren_check("scheme_open without READ or WRITE: E_INVAL", wren_scheme_open("console", 7, "", 0, 0), -E_INVAL);
    wren_check("scheme_open of unreadable memory: E_FAULT", wren_scheme_open((const char *)8, 4, "", 0, WREN_OPEN_READ),
               -E_FAULT);

    /* Path calls through a scheme that does not do them, and across schemes. */
    wren_check("mkdir in the console scheme: E_NOTSUP", wren_mkdir("/scheme/console/d", 17), -E_NOTSUP);
    wren_check("unlink in the console scheme: E_NOTSUP", wren_unlink("console:x", 9), -E_NOTSUP);
    long f = sopen("/scheme/file/moveme", WREN_OPEN_WRITE | WREN_OPEN_CREATE);
    wren_check("create through /scheme/file", f >= 0, 1);
    wren_close((int32_t)f);
    wren_check("it is /moveme", sstat("/moveme", &b), 0);
    f = sopen("/moveme", WREN_OPEN_READ);
    wren_check("fsync of a ramfs file: 0 (nothing to write back)", wren_fsync((int32_t)f), 0);
    wren_close((int32_t)f);
    f = sopen("/scheme/console", WREN_OPEN_WRITE);
    wren_check("fsync of the console: E_INVAL (a stream)", wren_fsync((int32_t)f), -E_INVAL);
    wren_close((int32_t)f);
    int32_t p[2];
    wren_check("a pipe", wren_pipe(p, 0), 0);
    wren_check("fsync of a pipe: E_INVAL", wren_fsync(p[1]), -E_INVAL);
    wren_close(p[0]);
    wren_close(p[1]);
    wren_check("fsync of no descriptor: E_BADF", wren_fsync(200), -E_BADF);
    wren_check("rename into another scheme: E_XDEV", wren_rename("/moveme", 7, "console:m", 9), -E_XDEV);
    wren_check("rename through both spellings of file", wren_rename("file:moveme", 11, "/scheme/file/moved", 18), 0);
    wren_check("it moved", sstat("/moved", &b) == 0 && sstat("/moveme", &a) == -E_NOENT, 1);
    wren_check("truncate through the scheme", wren_truncate("/scheme/file/moved", 18, 1000), 0);
    wren_check("it grew", sstat("/moved", &b) == 0 ? (long)b.size : -1, 1000);
    wren_check("unlink through file:", wren_unlink("file:/moved", 11), 0);
    wren_check("mkdir through the scheme", wren_mkdir("/scheme/file/sd", 15), 0);
    wren_check("rmdir through file:", wren_rmdir("file:sd", 7), 0);

    /* chdir: into /scheme and a scheme's directory; the current directory is kept in the /scheme spelling. */
    wren_check("chdir /scheme", wren_chdir("/scheme", 7), 0);
    wren_check("getcwd: /scheme", wren_getcwd(cwd, sizeof(cwd)) > 0 && strcmp(cwd, "/scheme") == 0, 1);
    wren_check("a relative path from /scheme: console", ok_open("console"), 0);
    wren_check("chdir console: (not a directory): E_NOTDIR", wren_chdir("console:", 8), -E_NOTDIR);
    wren_check("chdir file:/bin", wren_chdir("file:/bin", 9), 0);
    wren_check("getcwd: /bin", wren_getcwd(cwd, sizeof(cwd)) > 0 && strcmp(cwd, "/bin") == 0, 1);
    wren_check("chdir ../scheme/file", wren_chdir("../scheme/file", 14), 0);
    wren_check("getcwd: / (the file scheme's root)", wren_getcwd(cwd, sizeof(cwd)) > 0 && strcmp(cwd, "/") == 0, 1);
    wren_check(
        "programs load through /scheme/file",
        wren_check_wait_status(wren_spawn("/scheme/file" SELF, 12 + SELF_LEN, "schemecore\0grandchild-file", 27, 0)),
        0);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        wren_check_begin(argv[1]);
        if (strcmp(argv[1], "console-only") == 0)
            return child_console_only();
        if (strcmp(argv[1], "none") == 0)
            return child_none();
        if (strcmp(argv[1], "no-console") == 0)
            return child_no_console();
        if (strcmp(argv[1], "grandchild") == 0)
            return child_grandchild();
        if (strcmp(argv[1], "grandchild-file") == 0)
            return wren_check_end();
        return 99;
    }
    wren_check_begin("schemecore");
    struct wren_kernel_stats k0 = wren_check_kstats();
    spellings();
    wren_check("a console-only child", child("console-only", WREN_NAMESPACE_MODE_ONLY, "console"), 0);
    wren_check("a sandboxed child with no scheme", child("none", WREN_NAMESPACE_MODE_ONLY, ""), 0);
    wren_check("a child without the console", child("no-console", WREN_NAMESPACE_MODE_ALL_EXCEPT, "console"), 0);
    wren_check("a bad name in the list: E_INVAL", child("x", WREN_NAMESPACE_MODE_ONLY, "file,Bad"), -E_INVAL);
    wren_check("an empty element: E_INVAL", child("x", WREN_NAMESPACE_MODE_ONLY, "file,,console"), -E_INVAL);
    wren_check("a trailing comma: E_INVAL", child("x", WREN_NAMESPACE_MODE_ONLY, "file,"), -E_INVAL);
    wren_check("17 names: E_INVAL", child("x", WREN_NAMESPACE_MODE_ALL_EXCEPT, "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q"),
               -E_INVAL);
    wren_check("16 names are fine",
               child("grandchild", WREN_NAMESPACE_MODE_ALL_EXCEPT, "console,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p"), 0);
    wren_check("unreadable names: E_FAULT", ({
                   struct wren_spawn_options o = {
                       .namespace = WREN_NAMESPACE_MODE_ONLY, .schemes = 8, .schemes_len = 4};
                   wren_spawn(SELF, SELF_LEN, "schemecore\0x", 13, &o);
               }),
               -E_FAULT);
    struct wren_kernel_stats k1 = wren_check_kstats();
    wren_check("no objects left behind", (long)(k1.objects - k0.objects), 0);
    wren_check("no heap left behind", (long)(k1.heap_objects - k0.heap_objects), 0);
    return wren_check_end();
}
