/*
 * mount: list the mounts, or mount a FAT volume or a scheme at a directory.
 *
 *   mount                          list the mounts (/scheme/sys/mounts)
 *   mount [-r] DEVICE DIR          start /bin/fatfs on DEVICE (a disk, a partition, an image file) and mount it at DIR
 *   mount [-r] -s SCHEME DIR       mount a registered scheme at DIR
 *   mount -w [-r] DEVICE DIR       as mount DEVICE DIR, but stay: wait for the server, and when it ends, unmount
 *   mount -a DIR                   the boot's mount (init runs it): wait for the first disk while its driver runs,
 *                                  mount its first partition (/scheme/disk/0p1) or else the whole disk
 *                                  (/scheme/disk/0) at DIR, made if missing, and stay as -w does; exit 1 when no
 *                                  disk driver runs
 *
 * Staying (-w, -a) keeps the server a child of the mount process, which init keeps as a service, so the server
 * lives as long as the system does and its end (a crash) takes the mount away instead of leaving it dangling.
 *
 * -r mounts read-only: the kernel refuses every change through the mount (E_ROFS), and fatfs opens the volume
 * read-only too. The filesystem server's scheme is named after the mount point ("/mnt/disk" -> "mnt.disk"), and its
 * pid is kept in /run/mount/<scheme>.pid so that umount can stop it. Mounting needs the system privilege (init's;
 * the shell does not have it): the mount table is one for the whole system.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wren/libc.h>
#include <wren/mounts.h>
#include <wren/syscalls.h>

#define FATFS            "/bin/fatfs"
#define MOUNT_SCHEME_MAX 32 /* a scheme name's longest (lib/scheme_path.h) */

/* The scheme name for a mount point: its components joined by '.', lower case, other bytes as '-'. */
static int mount_scheme_name(const char *dir, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = dir; *p; p++) {
        char c = *p;
        if (c == '/') {
            if (n == 0 || out[n - 1] == '.')
                continue;
            c = '.';
        } else if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')) {
            c = '-';
        }
        if (n + 1 >= size)
            return -1;
        out[n++] = c;
    }
    while (n && out[n - 1] == '.')
        n--;
    out[n] = 0;
    return n && out[0] != '.' && out[0] != '-' && out[0] != '_' ? 0 : -1;
}

/* Keep the server's pid where umount finds it. */
static int mount_save_pid(const char *scheme, long pid)
{
    char path[96];
    mkdir("/run", 0755);
    mkdir("/run/mount", 0755);
    snprintf(path, sizeof(path), "/run/mount/%s.pid", scheme);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "%ld\n", pid);
    return fclose(f);
}

static int usage(void)
{
    fprintf(stderr, "usage: mount\n"
                    "       mount [-r] DEVICE DIR\n"
                    "       mount [-r] -s SCHEME DIR\n"
                    "       mount -w [-r] DEVICE DIR\n"
                    "       mount -a DIR\n");
    return 2;
}

static int list(void)
{
    FILE *f = wren_mounts_open();
    struct wren_mount_entry m;
    if (!f) {
        fprintf(stderr, "mount: " WREN_MOUNTS_FILE ": %s\n", strerror(errno));
        return 1;
    }
    while (wren_mounts_next(f, &m))
        printf("%s on %s (%s)\n", m.scheme, m.point, m.options);
    fclose(f);
    return 0;
}

static int fail(const char *what, long err)
{
    fprintf(stderr, "mount: %s: %s%s\n", what, strerror(wren_errno_from(err)),
            err == -E_PERM ? " (mounting needs the system privilege, which init has and the shell does not)" : "");
    return 1;
}

/* Start fatfs on `device` serving `scheme`, and wait (up to 5 s) until the scheme is there. Its pid, or < 0. */
static long start_server(const char *device, const char *scheme, bool read_only)
{
    char args[600];
    size_t n = 0;
    const char *argv[] = {"fatfs", read_only ? "-r" : 0, device, scheme};
    for (unsigned i = 0; i < 4; i++) {
        if (!argv[i])
            continue;
        size_t l = strlen(argv[i]) + 1;
        if (n + l > sizeof(args))
            return -E_NAMETOOLONG;
        memcpy(args + n, argv[i], l);
        n += l;
    }
    static const char env[] = "PATH=/bin";
    long pid = wren_fork();
    if (pid == 0) {
        /* The server keeps the privilege (exec, not spawn) to register its scheme; a session of its own keeps the
         * shell's signals (Ctrl-C) from it. */
        wren_setsid();
        wren_exec(FATFS, sizeof(FATFS) - 1, args, n, env, sizeof(env));
        fprintf(stderr, "mount: cannot run " FATFS "\n");
        wren_exit(127);
    }
    if (pid < 0)
        return pid;
    char path[80];
    snprintf(path, sizeof(path), "/scheme/%s", scheme);
    for (int i = 0; i < 500; i++) {
        struct stat st;
        if (stat(path, &st) == 0)
            return pid;
        int32_t status;
        if (wren_wait((int32_t)pid, &status, WREN_WAIT_NOHANG) == pid) {
            fprintf(stderr, "mount: fatfs could not serve %s (exit status %d)\n", device, (int)status);
            return -E_IO;
        }
        wren_sleep(10000000);
    }
    wren_kill(pid, WREN_SIGNAL_SIGKILL);
    fprintf(stderr, "mount: fatfs did not come up for %s\n", device);
    return -E_TIMEDOUT;
}

/* Is a disk driver (/bin/vblk) running? From /scheme/sys/processes, whose lines end in the program's name. */
static bool disk_driver_runs(void)
{
    FILE *f = fopen("/scheme/sys/processes", "r");
    char line[300];
    bool runs = false;
    if (!f)
        return false;
    while (fgets(line, sizeof(line), f)) {
        size_t n = strcspn(line, "\n");
        if (n >= 10 && !memcmp(line + n - 10, " /bin/vblk", 10) && !strstr(line, " zombie "))
            runs = true;
    }
    fclose(f);
    return runs;
}

/*
 * The boot's disk: its first partition, or else the whole of it; NULL if there is none. A driver may take a while to
 * find its device and register the disk scheme (a loaded host, a slow device): wait for as long as one runs, up to a
 * minute, and give up as soon as none does (no driver, or one that found no device and exited).
 */
static const char *boot_disk(void)
{
    struct stat st;
    for (int i = 0; i < 600; i++) {
        if (stat("/scheme/disk/0", &st) == 0)
            return stat("/scheme/disk/0p1", &st) == 0 ? "/scheme/disk/0p1" : "/scheme/disk/0";
        if (i >= 10 && !disk_driver_runs())
            return 0;
        wren_sleep(100000000);
    }
    return 0;
}

/* Wait for the server, and when it ends take its mount away. */
static int supervise(long pid, const char *dir, const char *scheme)
{
    int32_t status = 0;
    while (wren_wait((int32_t)pid, &status, 0) != pid)
        ;
    char path[96];
    snprintf(path, sizeof(path), "/run/mount/%s.pid", scheme);
    unlink(path);
    if (wren_umount(dir, strlen(dir)) == 0)
        fprintf(stderr, "mount: the server of %s ended (status %d): unmounted\n", dir, (int)status);
    return 0;
}

int main(int argc, char **argv)
{
    bool read_only = false, stay = false, boot = false;
    const char *scheme = 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-r"))
            read_only = true;
        else if (!strcmp(argv[i], "-w"))
            stay = true;
        else if (!strcmp(argv[i], "-a"))
            boot = stay = true;
        else if (!strcmp(argv[i], "-s") && i + 1 < argc)
            scheme = argv[++i];
        else
            return usage();
    }
    if (i == argc && !scheme && !read_only && !stay)
        return list();
    if (argc - i != (scheme || boot ? 1 : 2) || (scheme && stay))
        return usage();
    const char *dir = argv[argc - 1];
    const char *device = boot ? boot_disk() : argv[i];
    if (!device)
        return 1; /* no disk: nothing to mount, silently (init runs this on every machine) */
    if (boot) {
        mkdir("/mnt", 0755); /* the usual parent of a boot mount point; harmless when dir is elsewhere */
        mkdir(dir, 0755);
    }
    uint32_t flags = read_only ? WREN_MOUNT_READ_ONLY : 0;
    char name[MOUNT_SCHEME_MAX + 1];
    long pid = 0;
    if (!scheme) {
        if (mount_scheme_name(dir, name, sizeof(name)) < 0) {
            fprintf(stderr, "mount: %s: no scheme name can be made from it\n", dir);
            return 1;
        }
        struct stat st;
        if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
            return fail(dir, stat(dir, &st) < 0 ? -E_NOENT : -E_NOTDIR);
        scheme = name;
        pid = start_server(device, scheme, read_only);
        if (pid < 0)
            return 1;
    }
    long err = wren_mount(dir, strlen(dir), scheme, strlen(scheme), flags);
    if (err) {
        if (pid > 0)
            wren_kill(pid, WREN_SIGNAL_SIGTERM);
        return fail(dir, err);
    }
    if (pid > 0 && mount_save_pid(scheme, pid) < 0)
        fprintf(stderr, "mount: could not record fatfs's pid; umount will not stop it\n");
    return stay ? supervise(pid, dir, scheme) : 0;
}
