/*
 * fstest: run as /bin/init by tests/test_ramfs.py. Exercises the file-system syscalls
 * (mkdir, rmdir, unlink, rename, truncate, stat, readdir) and their refusals on the ramfs
 * built from the initrd, and spawns programs found at nested, renamed and odd-looking paths.
 * Expects /bin/nop, /usr/bin/x (a copy of nop) and /etc/data ("hello world") in the initrd.
 * Ends by listing the whole tree ("fstest: tree <path> <d|f> <size>"), which the test reads
 * to see what the initrd's GNU and pax entries became.
 */
#include <stdint.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define P(s) (s), (sizeof(s) - 1)

static long type_of(const char *path, size_t len)
{
    struct wren_stat st;
    long r = wren_stat(path, len, &st);
    return r < 0 ? r : st.type;
}

static long size_of(const char *path, size_t len)
{
    struct wren_stat st;
    long r = wren_stat(path, len, &st);
    return r < 0 ? r : (long)st.size;
}

static long name_at(const char *dir, size_t len, uint64_t index, const char *want)
{
    struct wren_dirent d;
    long r = wren_readdir(dir, len, index, &d);
    if (r < 0)
        return r;
    size_t n = wren_strlen(want);
    if (d.name_len != n || d.name[n] != 0)
        return -1000;
    for (size_t i = 0; i < n; i++)
        if (d.name[i] != (uint8_t)want[i])
            return -1001;
    return d.type;
}

static long run(const char *path)
{
    static const char argv[] = "x";
    int32_t status = -1;
    long pid = wren_spawn(path, wren_strlen(path), argv, sizeof(argv), 0);
    if (pid < 0)
        return pid;
    long r = wren_wait((int32_t)pid, &status, 0);
    return r == pid ? status : -2000 + r;
}

static void paths(void)
{
    static char p[4200];

    wren_check("stat / is a directory", type_of(P("/")), WREN_FILE_TYPE_DIRECTORY);
    wren_check("stat //bin/./../bin/init is a file", type_of(P("//bin/./../bin/init")), WREN_FILE_TYPE_REGULAR);
    wren_check("stat /etc/data size", size_of(P("/etc/data")), 11);
    wren_check("stat missing", type_of(P("/missing")), -E_NOENT);
    wren_check("stat through a file", type_of(P("/etc/data/x")), -E_NOTDIR);
    wren_check("stat a file with a trailing /", type_of(P("/etc/data/")), -E_NOTDIR);
    wren_check("stat relative (to /)", type_of(P("etc/data")), WREN_FILE_TYPE_REGULAR);
    wren_check("stat empty path", type_of("/", 0), -E_NOENT);
    wren_check("stat bad path pointer", wren_stat((const char *)0x10, 4, 0), -E_FAULT);
    struct wren_stat st;
    wren_check("stat bad out pointer", wren_stat(P("/etc"), (struct wren_stat *)0x10), -E_FAULT);
    wren_check("stat kernel out pointer", wren_stat(P("/etc"), (struct wren_stat *)0xffff000040200000ull), -E_FAULT);
    wren_check("stat id differs", wren_stat(P("/etc"), &st) == 0 && st.id != 0, 1);

    p[0] = '/';
    for (int i = 1; i <= 256; i++)
        p[i] = 'n';
    wren_check("mkdir 255-byte name", wren_mkdir(p, 256), 0);
    wren_check("mkdir 256-byte name", wren_mkdir(p, 257), -E_NAMETOOLONG);
    wren_check("rmdir 255-byte name", wren_rmdir(p, 256), 0);
    for (int i = 0; i < 4097; i++)
        p[i] = '/';
    wren_check("stat a 4096-byte path", type_of(p, 4096), WREN_FILE_TYPE_DIRECTORY);
    wren_check("stat a 4097-byte path", type_of(p, 4097), -E_NAMETOOLONG);
}

static void directories(void)
{
    wren_check("mkdir /tmp", wren_mkdir(P("/tmp")), 0);
    wren_check("mkdir /tmp again", wren_mkdir(P("/tmp")), -E_EXIST);
    wren_check("mkdir / ", wren_mkdir(P("/")), -E_EXIST);
    wren_check("mkdir under a missing directory", wren_mkdir(P("/nope/x")), -E_NOENT);
    wren_check("mkdir under a file", wren_mkdir(P("/etc/data/x")), -E_NOTDIR);
    wren_check("mkdir bad pointer", wren_mkdir((const char *)0x10, 4), -E_FAULT);
    wren_check("mkdir with a NUL inside", wren_mkdir(P("/t\0x")), -E_INVAL);
    wren_check("mkdir /tmp/a", wren_mkdir(P("/tmp/a")), 0);
    wren_check("mkdir /tmp/b/ (trailing slash)", wren_mkdir(P("/tmp/b/")), 0);
    wren_check("stat /tmp size is its entry count", size_of(P("/tmp")), 2);

    wren_check("readdir /tmp 0", name_at(P("/tmp"), 0, "a"), WREN_FILE_TYPE_DIRECTORY);
    wren_check("readdir /tmp 1", name_at(P("/tmp"), 1, "b"), WREN_FILE_TYPE_DIRECTORY);
    wren_check("readdir /tmp 2 (past the end)", name_at(P("/tmp"), 2, ""), -E_NOENT);
    wren_check("readdir huge index", name_at(P("/tmp"), ~0ull, ""), -E_NOENT);
    wren_check("readdir /etc 0", name_at(P("/etc"), 0, "data"), WREN_FILE_TYPE_REGULAR);
    wren_check("readdir a file", name_at(P("/etc/data"), 0, ""), -E_NOTDIR);
    wren_check("readdir missing", name_at(P("/nope"), 0, ""), -E_NOENT);
    wren_check("readdir bad out pointer", wren_readdir(P("/tmp"), 0, (struct wren_dirent *)0x10), -E_FAULT);

    wren_check("rename /tmp/a -> /tmp/c", wren_rename(P("/tmp/a"), P("/tmp/c")), 0);
    wren_check("...old name gone", type_of(P("/tmp/a")), -E_NOENT);
    wren_check("...readdir keeps the place", name_at(P("/tmp"), 1, "c"), WREN_FILE_TYPE_DIRECTORY);
    wren_check("rename into itself", wren_rename(P("/tmp"), P("/tmp/c/x")), -E_INVAL);
    wren_check("rename the root", wren_rename(P("/"), P("/r")), -E_BUSY);
    wren_check("rename missing", wren_rename(P("/tmp/zz"), P("/tmp/y")), -E_NOENT);
    wren_check("rename dir onto a file", wren_rename(P("/tmp/c"), P("/etc/data")), -E_NOTDIR);
    wren_check("rename file onto a dir", wren_rename(P("/etc/data"), P("/tmp/c")), -E_ISDIR);
    wren_check("rename bad new pointer", wren_rename(P("/tmp/c"), (const char *)0x10, 4), -E_FAULT);
    wren_check("mkdir /tmp/c/d", wren_mkdir(P("/tmp/c/d")), 0);
    wren_check("rename onto a non-empty dir", wren_rename(P("/tmp/b"), P("/tmp/c")), -E_NOTEMPTY);
    wren_check("rename onto an empty dir", wren_rename(P("/tmp/c/d"), P("/tmp/b")), 0);

    wren_check("rmdir non-empty", wren_rmdir(P("/tmp")), -E_NOTEMPTY);
    wren_check("rmdir the root", wren_rmdir(P("/")), -E_BUSY);
    wren_check("rmdir a file", wren_rmdir(P("/etc/data")), -E_NOTDIR);
    wren_check("rmdir missing", wren_rmdir(P("/tmp/zz")), -E_NOENT);
    wren_check("rmdir /tmp/b", wren_rmdir(P("/tmp/b")), 0);
    wren_check("rmdir /tmp/c", wren_rmdir(P("/tmp/c")), 0);
    wren_check("rmdir /tmp", wren_rmdir(P("/tmp")), 0);
    wren_check("...gone", type_of(P("/tmp")), -E_NOENT);
}

static void files(void)
{
    wren_check("truncate /etc/data to 5", wren_truncate(P("/etc/data"), 5), 0);
    wren_check("...size 5", size_of(P("/etc/data")), 5);
    wren_check("truncate to 10000 (grows)", wren_truncate(P("/etc/data"), 10000), 0);
    wren_check("...size 10000", size_of(P("/etc/data")), 10000);
    wren_check("truncate a directory", wren_truncate(P("/etc"), 0), -E_ISDIR);
    wren_check("truncate past the file size limit", wren_truncate(P("/etc/data"), 1ull << 40), -E_NOSPC);
    wren_check("truncate missing", wren_truncate(P("/etc/none"), 0), -E_NOENT);

    wren_check("unlink a directory", wren_unlink(P("/etc")), -E_ISDIR);
    wren_check("unlink missing", wren_unlink(P("/etc/none")), -E_NOENT);
    wren_check("unlink bad pointer", wren_unlink((const char *)0x10, 4), -E_FAULT);
    wren_check("rename /etc/data -> /data", wren_rename(P("/etc/data"), P("/data")), 0);
    wren_check("unlink /data", wren_unlink(P("/data")), 0);
    wren_check("...gone", type_of(P("/data")), -E_NOENT);
    wren_check("/etc is empty now", name_at(P("/etc"), 0, ""), -E_NOENT);
}

static void programs(void)
{
    wren_check("spawn /usr/bin/x (nested, from the initrd)", run("/usr/bin/x"), 0);
    wren_check("spawn /usr//bin/../bin/./x", run("/usr//bin/../bin/./x"), 0);
    wren_check("rename /usr/bin/x -> /bin/moved", wren_rename(P("/usr/bin/x"), P("/bin/moved")), 0);
    wren_check("spawn the renamed program", run("/bin/moved"), 0);
    wren_check("spawn its old name", run("/usr/bin/x"), -E_NOENT);
    wren_check("spawn a directory", run("/usr/bin"), -E_ISDIR);
    wren_check("spawn through a file", run("/bin/nop/x"), -E_NOTDIR);
    wren_check("spawn a relative path", run("bin/nop"), 0);
    wren_check("truncate a program to 0", wren_truncate(P("/bin/moved"), 0), 0);
    wren_check("spawn the empty file", run("/bin/moved"), -E_NOEXEC);
    wren_check("unlink it", wren_unlink(P("/bin/moved")), 0);
}

/* Print every node under path (len bytes in buf), depth first. */
static void list(char *buf, size_t len)
{
    struct wren_dirent d;
    for (uint64_t i = 0; wren_readdir(buf, len ? len : 1, i, &d) == 0; i++) {
        size_t n = len;
        buf[n++] = '/';
        for (uint32_t k = 0; k < d.name_len; k++)
            buf[n++] = (char)d.name[k];
        buf[n] = 0;
        wren_print("fstest: tree ");
        wren_print(buf);
        wren_print(d.type == WREN_FILE_TYPE_DIRECTORY ? " d " : " f ");
        wren_print_dec((long)d.size);
        wren_print("\n");
        if (d.type == WREN_FILE_TYPE_DIRECTORY)
            list(buf, n);
        buf[len] = len ? 0 : '/'; /* back to this directory's own path */
    }
}

static long cwd_is(const char *want)
{
    static char buf[64];
    long r = wren_getcwd(buf, sizeof(buf));
    if (r < 0)
        return r;
    size_t n = wren_strlen(want);
    if ((size_t)r != n || buf[n] != 0)
        return -1000;
    for (size_t i = 0; i < n; i++)
        if (buf[i] != want[i])
            return -1001;
    return 0;
}

/* The current directory: chdir, getcwd, relative paths in every kind of syscall, fork's copy. */
static void current_directory(void)
{
    char small[4];
    wren_check("getcwd at start", cwd_is("/"), 0);
    wren_check("getcwd too small", wren_getcwd(small, 1), -E_RANGE);
    wren_check("getcwd bad buffer", wren_getcwd((char *)0x10, 8), -E_FAULT);
    wren_check("chdir missing", wren_chdir(P("/nowhere")), -E_NOENT);
    wren_check("chdir to a file", wren_chdir(P("/etc/data")), -E_NOTDIR);
    wren_check("chdir empty", wren_chdir("", 0), -E_NOENT);
    wren_check("cwd unchanged by failures", cwd_is("/"), 0);
    wren_check("chdir /etc", wren_chdir(P("/etc")), 0);
    wren_check("getcwd /etc", cwd_is("/etc"), 0);
    wren_check("stat relative to /etc", type_of(P("data")), WREN_FILE_TYPE_REGULAR);
    wren_check("stat ./data", type_of(P("./data")), WREN_FILE_TYPE_REGULAR);
    wren_check("stat ../etc/data", type_of(P("../etc/data")), WREN_FILE_TYPE_REGULAR);
    wren_check("mkdir relative", wren_mkdir(P("sub")), 0);
    wren_check("it is /etc/sub", type_of(P("/etc/sub")), WREN_FILE_TYPE_DIRECTORY);
    wren_check("chdir relative", wren_chdir(P("sub/")), 0);
    wren_check("getcwd canonical", cwd_is("/etc/sub"), 0);
    long fd = wren_open(P("f"), WREN_OPEN_WRITE | WREN_OPEN_CREATE);
    wren_check("open relative creates", fd >= 0, 1);
    wren_close((wren_fd_t)fd);
    wren_check("it is /etc/sub/f", type_of(P("/etc/sub/f")), WREN_FILE_TYPE_REGULAR);
    wren_check("rename relative", wren_rename(P("f"), P("../g")), 0);
    wren_check("it is /etc/g", type_of(P("/etc/g")), WREN_FILE_TYPE_REGULAR);
    wren_check("readdir relative", name_at(P("."), 0, "g") < 0, 1); /* sub is empty now */
    wren_check("spawn relative to /etc/sub", run("../../bin/nop"), 0);
    wren_check("console: is not relative", wren_open(P("console:"), WREN_OPEN_WRITE) >= 0, 1);
    wren_check("chdir ../../..", wren_chdir(P("../../..")), 0);
    wren_check("getcwd / again", cwd_is("/"), 0);
    wren_check("chdir /etc/sub", wren_chdir(P("/etc//./sub")), 0);
    long pid = wren_fork();
    if (pid == 0)
        wren_exit(cwd_is("/etc/sub") == 0 && wren_chdir(P("/")) == 0 ? 7 : 8);
    int32_t status = -1;
    wren_check("fork copies the cwd", pid > 0 && wren_wait((int32_t)pid, &status, 0) == pid ? status : -1, 7);
    wren_check("the child's chdir is its own", cwd_is("/etc/sub"), 0);
    wren_check("rmdir the cwd", wren_rmdir(P("/etc/sub")), 0);
    wren_check("a removed cwd no longer resolves", type_of(P(".")), -E_NOENT);
    wren_check("getcwd still names it", cwd_is("/etc/sub"), 0);
    wren_check("unlink /etc/g", wren_unlink(P("/etc/g")), 0);
    wren_check("chdir / at the end", wren_chdir(P("/")), 0);
}

static int64_t mtime_of(const char *path, size_t len)
{
    struct wren_stat st;
    long r = wren_stat(path, len, &st);
    return r < 0 ? r : st.mtime.sec * 1000000000 + st.mtime.nsec;
}

/* Metadata through stat and fstat: the modification time is the monotonic clock of the last change. */
static void timestamps(void)
{
    int64_t t0 = wren_get_time(WREN_CLOCK_MONOTONIC);
    long fd = wren_open(P("/stamp"), WREN_OPEN_WRITE | WREN_OPEN_CREATE | WREN_OPEN_EXCL);
    wren_check("create /stamp", fd >= 0, 1);
    int64_t t1 = wren_get_time(WREN_CLOCK_MONOTONIC), made = mtime_of(P("/stamp"));
    wren_check("...its mtime is when it was made", made >= t0 && made <= t1, 1);
    wren_check("...and the root's, whose entries changed", mtime_of(P("/")) >= made, 1);
    wren_sleep(2000000);
    int64_t t2 = wren_get_time(WREN_CLOCK_MONOTONIC);
    wren_check("write 3 bytes", wren_write((wren_fd_t)fd, "abc", 3), 3);
    int64_t t3 = wren_get_time(WREN_CLOCK_MONOTONIC), written = mtime_of(P("/stamp"));
    wren_check("...the write moves mtime to its own time", written >= t2 && written <= t3, 1);
    struct wren_stat st;
    wren_check("fstat of the open file", wren_fstat((wren_fd_t)fd, &st), 0);
    wren_check(
        "...agrees with stat (mtime, size, type)",
        st.mtime.sec * 1000000000 + st.mtime.nsec == written && st.size == 3 && st.type == WREN_FILE_TYPE_REGULAR, 1);
    wren_close((wren_fd_t)fd);
    char back[4];
    fd = wren_open(P("/stamp"), WREN_OPEN_READ);
    wren_check("read it back", wren_read((wren_fd_t)fd, back, sizeof(back)), 3);
    wren_close((wren_fd_t)fd);
    wren_check("...a read leaves mtime alone", mtime_of(P("/stamp")), written);
    wren_check("unlink /stamp", wren_unlink(P("/stamp")), 0);
}

int main(void)
{
    static char buf[4200] = "/";

    wren_check_begin("fstest");
    current_directory(); /* first: it needs /etc/data, which the others change */
    paths();
    directories();
    files();
    programs();
    timestamps();
    int status = wren_check_end();
    list(buf, 0);
    return status;
}
