/*
 * mounttest (as /bin/init): the mount table. Kernel schemes stand in for filesystem servers here (sys for a
 * read-only one, file itself for a writable one); tests/test_storage.py mounts FAT volumes.
 *
 *   mounttest              the checks
 *   mounttest probe WHAT   (spawned by the checks, so without the privilege) what a process without the
 *                          privilege or without the sys scheme sees: exit 0 if all is as it should be
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wren/check.h>
#include <wren/syscalls.h>

#define S(s) s, sizeof(s) - 1

/* What stat of path[...] gives: 0 or a negative E_*. */
static long stat_err(const char *path)
{
    struct wren_stat st;
    return wren_stat(path, strlen(path), &st);
}

/* The child's side: exit 1 + the error code of its first step that did not go as expected, 0 if all did. */
static int probe(const char *what)
{
    if (!strcmp(what, "unprivileged")) {
        if (wren_mount(S("/mnt/p"), S("sys"), 0) != -E_PERM)
            return 1;
        if (wren_umount(S("/mnt/s")) != -E_PERM)
            return 2;
        if (stat_err("/mnt/s/uptime") != 0) /* a mount is for every process */
            return 3;
        return 0;
    }
    if (!strcmp(what, "nosys")) /* its namespace lacks sys: the mount is as closed to it as /scheme/sys */
        return stat_err("/mnt/s/uptime") == -E_ACCES && stat_err("/scheme/sys/uptime") == -E_ACCES ? 0 : 4;
    return 9;
}

static long spawn_probe(const char *what, const char *not_schemes)
{
    char args[64];
    int n = snprintf(args, sizeof(args), "mounttest%cprobe%c%s", 0, 0, what) + 1;
    struct wren_spawn_options o = {.fd_count = 3, .fds = {{0, 0}, {1, 1}, {2, 2}}};
    if (not_schemes) {
        o.namespace = WREN_NAMESPACE_MODE_ALL_EXCEPT;
        o.schemes = (uint64_t)(uintptr_t)not_schemes;
        o.schemes_len = strlen(not_schemes);
    }
    long pid = wren_spawn(S("/bin/init"), args, (size_t)n, &o);
    return pid < 0 ? pid : wren_check_wait_status(pid);
}

static long read_first_line(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = 0;
    buf[strcspn(buf, "\n")] = 0;
    return n;
}

static void resolution(void)
{
    char a[256], b[256], cwd[256];
    mkdir("/mnt", 0755);
    mkdir("/mnt/s", 0755);
    wren_check("mount sys at /mnt/s", wren_mount(S("/mnt/s"), S("sys"), 0), 0);
    wren_check("/mnt/s/cpu reads as /scheme/sys/cpu does",
               read_first_line("/mnt/s/cpu", a, sizeof(a)) > 0 &&
                   read_first_line("/scheme/sys/cpu", b, sizeof(b)) > 0 && !strcmp(a, b),
               1);
    struct wren_stat st;
    wren_check("stat of the mount point: the scheme's root, a directory",
               wren_stat(S("/mnt/s"), &st) == 0 && st.type == WREN_FILE_TYPE_DIRECTORY, 1);
    struct wren_dirent d;
    int found = 0;
    for (uint64_t i = 0; wren_readdir(S("/mnt/s/"), i, &d) == 0; i++)
        found += !strcmp((char *)d.name, "uptime");
    wren_check("readdir of the mount point lists the scheme's files", found, 1);
    wren_check("a path below a file of it: E_NOTDIR or E_NOENT", stat_err("/mnt/s/uptime/x") < 0, 1);
    wren_check("/mnt/sx is not under /mnt/s", stat_err("/mnt/sx"), -E_NOENT);
    wren_check("chdir into the mount", chdir("/mnt/s"), 0);
    wren_check("... getcwd says the mount point, not the scheme", getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/mnt/s"),
               1);
    wren_check("... a relative path goes to the scheme", stat_err("uptime"), 0);
    wren_check("... and .. leads back out of it", chdir("..") == 0 && getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/mnt"),
               1);
    chdir("/");
    wren_check("the RAM file system's own directory is still there under it", stat_err("/scheme/file/mnt/s"), 0);
    wren_check("/scheme/sys/mounts lists it",
               read_first_line("/scheme/sys/mounts", a, sizeof(a)) > 0 && !strcmp(a, "scheme options point"), 1);
    int fd = open("/scheme/sys/mounts", O_RDONLY);
    long n = read(fd, b, sizeof(b) - 1);
    close(fd);
    b[n > 0 ? n : 0] = 0;
    wren_check("... as 'sys rw /mnt/s'", strstr(b, "\nsys rw /mnt/s\n") != 0, 1);
}

static void refusals(void)
{
    int fd = open("/mnt/file", O_WRONLY | O_CREAT, 0644);
    close(fd);
    wren_check("mount at a missing directory: E_NOENT", wren_mount(S("/mnt/none"), S("sys"), 0), -E_NOENT);
    wren_check("mount at a file: E_NOTDIR", wren_mount(S("/mnt/file"), S("sys"), 0), -E_NOTDIR);
    wren_check("mount at the root: E_INVAL", wren_mount(S("/"), S("sys"), 0), -E_INVAL);
    wren_check("mount at a scheme's path: E_INVAL", wren_mount(S("/scheme/sys"), S("sys"), 0), -E_INVAL);
    wren_check("mount at /scheme itself: E_INVAL", wren_mount(S("/scheme"), S("sys"), 0), -E_INVAL);
    wren_check("mount of a scheme nobody registered: E_NOENT", wren_mount(S("/mnt"), S("nosuch"), 0), -E_NOENT);
    wren_check("mount of a malformed scheme name: E_INVAL", wren_mount(S("/mnt"), S("Bad/name"), 0), -E_INVAL);
    wren_check("mount of an empty scheme name: E_INVAL", wren_mount(S("/mnt"), "", 0, 0), -E_INVAL);
    wren_check("mount with an unknown flag: E_INVAL", wren_mount(S("/mnt"), S("sys"), 1u << 7), -E_INVAL);
    wren_check("mount with a bad path pointer: E_FAULT", wren_mount((const char *)8, 5, S("sys"), 0), -E_FAULT);
    wren_check("mount with a bad name pointer: E_FAULT", wren_mount(S("/mnt"), (const char *)8, 3, 0), -E_FAULT);
    wren_check("mount on a mount point again: E_BUSY", wren_mount(S("/mnt/s"), S("null"), 0), -E_BUSY);
    wren_check("mount on /mnt/s/../s: the same point, E_BUSY", wren_mount(S("/mnt/s/../s"), S("null"), 0), -E_BUSY);
    wren_check("mount above a mount point: E_BUSY", wren_mount(S("/mnt"), S("null"), 0), -E_BUSY);
    wren_check("rmdir of a mount point: E_BUSY", rmdir("/mnt/s") < 0, 1);
    wren_check("... nor through /scheme/file", wren_rmdir(S("/scheme/file/mnt/s")), -E_BUSY);
    wren_check("rename of a directory above one: E_BUSY", wren_rename(S("/mnt"), S("/elsewhere")), -E_BUSY);
    wren_check("rename of the mount point: E_BUSY", wren_rename(S("/mnt/s"), S("/mnt/t")), -E_BUSY);
    wren_check("umount of a directory that is no mount point: E_INVAL", wren_umount(S("/mnt")), -E_INVAL);
    wren_check("umount of a path under one: E_INVAL", wren_umount(S("/mnt/s/cpu")), -E_INVAL);
    wren_check("umount with a bad pointer: E_FAULT", wren_umount((const char *)8, 4), -E_FAULT);
    wren_check("a process without the privilege may not mount or umount, and sees the mount",
               spawn_probe("unprivileged", 0), 0);
    wren_check("a namespace without sys reaches neither /scheme/sys nor the mount", spawn_probe("nosys", "sys"), 0);

    /* The table has 16 places; the 17th mount is refused, and umount gives every place back. */
    char p[32];
    long last = 0;
    int made = 1; /* /mnt/s */
    for (int i = 0; i < 16; i++) {
        snprintf(p, sizeof(p), "/mnt/m%d", i);
        mkdir(p, 0755);
        last = wren_mount(p, strlen(p), S("null"), 0);
        made += last == 0;
    }
    wren_check("sixteen mounts fit; the seventeenth: E_NOSPC", made == 16 && last == -E_NOSPC, 1);
    int gone = 0;
    for (int i = 0; i < 16; i++) {
        snprintf(p, sizeof(p), "/mnt/m%d/", i); /* a trailing slash names the same point */
        gone += wren_umount(p, strlen(p)) == 0;
    }
    wren_check("... and each comes off again", gone, 15);
}

static void read_only_and_writable(void)
{
    mkdir("/tmp", 0755);
    mkdir("/mnt/ro", 0755);
    mkdir("/mnt/rw", 0755);
    wren_check("mount the root file system read-only at /mnt/ro",
               wren_mount(S("/mnt/ro"), S("file"), WREN_MOUNT_READ_ONLY), 0);
    wren_check("... and writable at /mnt/rw", wren_mount(S("/mnt/rw"), S("file"), 0), 0);
    wren_check("through ro, reading works", stat_err("/mnt/ro/bin/init"), 0);
    wren_check("through ro, open for writing: E_ROFS",
               wren_open(S("/mnt/ro/tmp/x"), WREN_OPEN_WRITE | WREN_OPEN_CREATE), -E_ROFS);
    wren_check("... open to truncate: E_ROFS", wren_open(S("/mnt/ro/bin/init"), WREN_OPEN_READ | WREN_OPEN_TRUNCATE),
               -E_ROFS);
    wren_check("... mkdir: E_ROFS", wren_mkdir(S("/mnt/ro/tmp/d")), -E_ROFS);
    wren_check("... unlink: E_ROFS", wren_unlink(S("/mnt/ro/bin/init")), -E_ROFS);
    wren_check("... truncate: E_ROFS", wren_truncate(S("/mnt/ro/bin/init"), 0), -E_ROFS);
    wren_check("... rename into it: E_ROFS (the same scheme both sides)",
               wren_rename(S("/mnt/rw/mnt/file"), S("/mnt/ro/mnt/file2")), -E_ROFS);
    struct wren_statfs sf;
    wren_check("statfs through ro says read-only",
               wren_statfs(S("/mnt/ro"), &sf) == 0 && (sf.flags & WREN_STATFS_READ_ONLY), 1);
    wren_check("statfs of / does not, and counts the RAM",
               wren_statfs(S("/"), &sf) == 0 && !(sf.flags & WREN_STATFS_READ_ONLY) && sf.block_size == 4096 &&
                   sf.blocks > sf.blocks_free && sf.blocks_free > 0,
               1);
    int fd = wren_open(S("/mnt/rw/tmp/made"), WREN_OPEN_WRITE | WREN_OPEN_CREATE);
    wren_check("through rw, create a file", fd >= 0, 1);
    wren_check("... write it", wren_write(fd, "hello", 5), 5);
    wren_close(fd);
    struct wren_stat st;
    wren_check("... it is the RAM file system's /tmp/made", wren_stat(S("/tmp/made"), &st) == 0 && st.size == 5, 1);
    wren_check("a mount inside a mounted scheme's path: E_BUSY", wren_mount(S("/mnt/rw/tmp"), S("null"), 0), -E_BUSY);
    wren_check("umount ro", wren_umount(S("/mnt/ro")), 0);
    wren_check("... its directory is the RAM file system's again (empty)", stat_err("/mnt/ro/bin"), -E_NOENT);
    wren_check("umount rw", wren_umount(S("/mnt/rw")), 0);
    wren_check("umount s", wren_umount(S("/mnt/s")), 0);
    wren_check("... and again: E_INVAL", wren_umount(S("/mnt/s")), -E_INVAL);
    wren_check("the mount table is empty: rmdir works again", rmdir("/mnt/s"), 0);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "probe"))
        return probe(argv[2]);
    wren_check_begin("mounttest");
    uint64_t free0 = wren_check_free_bytes();
    resolution();
    refusals();
    read_only_and_writable();
    wren_check("no memory lost to the mount table", wren_check_free_bytes() >= free0 - 64 * 1024, 1);
    return wren_check_end();
}
