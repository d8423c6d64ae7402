/*
 * uscheme: run as /bin/init by tests/test_uscheme.py. User-space scheme servers end to end:
 *  - registration: privilege needed, names checked, one owner per name, freed by the last handle;
 *  - every operation forwarded with the caller's identity and path (open, read, write, lseek, fstat, close, stat,
 *    readdir, unlink, mkdir, rmdir, rename, truncate);
 *  - 32 concurrent clients of one server, each writing and reading back its own pattern (small copies and grants);
 *  - zero copy: a 64 KiB read and write through a grant shows the server the client's own pages (shared memory both
 *    map: the server sees its writes to the grant in its own view of the client's buffer before it replies), and
 *    kernel_stats counts pages granted and no bytes copied;
 *  - server death with 8 clients waiting: all E_IO at once, their descriptors E_IO after, the name free again;
 *  - cancel on signal: E_INTR for the client, a cancel for the server, its late reply refused (E_NOENT);
 *  - a hostile server (wrong tags, bogus results, double replies, bad buffers, unmapping its grant, never
 *    answering) hurts nobody, and the kernel holds what it held before (kernel_stats, free memory).
 */
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/scheme_server.h>
#include <wren/syscalls.h>

#define RW   (WREN_PROT_READ | WREN_PROT_WRITE)
#define ANON (WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS)
#define BIG  (64 * 1024)

static long sopen(const char *path, uint32_t flags)
{
    return wren_open(path, strlen(path), flags);
}

/* Wait (at most about 2 s) until process pid sleeps in the kernel. */
static int wait_blocked(long pid)
{
    for (int tries = 0; tries < 2000; tries++) {
        struct wren_proc_info pi;
        for (long c = 0; (c = wren_proc_info((uint32_t)c, &pi)) > 0;)
            if (pi.pid == pid && pi.state == WREN_PROC_STATE_BLOCKED)
                return 1;
        wren_sleep(1000000);
    }
    return 0;
}

/* Fork a server: the child registers `name`, writes one byte to the pipe, and runs fn; the parent waits for the
 * byte. The server's pid, or a negative error. */
static long start_server(const char *name, void (*fn)(wren_handle_t server))
{
    int32_t p[2];
    if (wren_pipe(p, 0) != 0)
        return -1;
    long pid = wren_fork();
    if (pid == 0) {
        wren_close(p[0]);
        long h = wren_scheme_register_name(name);
        char ok = h >= 0 ? 1 : 0;
        wren_write(p[1], &ok, 1);
        wren_close(p[1]);
        if (h < 0)
            wren_exit(90);
        fn((wren_handle_t)h);
        wren_exit(0);
    }
    wren_close(p[1]);
    char ok = 0;
    long n = wren_read(p[0], &ok, 1);
    wren_close(p[0]);
    return n == 1 && ok ? pid : -2;
}

static uint8_t pattern(uint64_t id, uint64_t off)
{
    return (uint8_t)(id * 131 + off * 7 + (off >> 9));
}

/* ---- the pattern server: every file is a buffer of its own; reads past what was written are a formula ---------- */

#define FILE_MAX (128 * 1024)

struct pfile {
    uint64_t number; /* from the path "/c<number>" */
    uint64_t size;
    uint8_t data[FILE_MAX];
};

static long last_pid, last_pgid, last_privileged;
static char last_path[128];
static long files_open;

static long p_open(void *ctx, const struct wren_scheme_request *req, const char *path, uint32_t flags, void **file)
{
    (void)ctx, (void)flags;
    last_pid = req->pid, last_pgid = req->pgid, last_privileged = req->privileged;
    strncpy(last_path, path, sizeof(last_path) - 1);
    if (strcmp(path, "/missing") == 0)
        return -E_NOENT;
    long a = wren_mmap(0, sizeof(struct pfile), RW, ANON, -1, 0);
    if (a < 0)
        return -E_NOMEM;
    struct pfile *f = (struct pfile *)a;
    f->number = 0;
    for (const char *p = path + 2; path[1] == 'c' && *p >= '0' && *p <= '9'; p++)
        f->number = f->number * 10 + (uint64_t)(*p - '0');
    f->size = 0;
    *file = f;
    files_open++;
    return 0;
}

static long p_read(void *ctx, const struct wren_scheme_request *req, void *file, void *buf, size_t len, uint64_t offset)
{
    (void)ctx, (void)req;
    struct pfile *f = file;
    uint8_t *b = buf;
    for (size_t i = 0; i < len; i++) {
        uint64_t at = offset + i;
        b[i] = at < f->size ? f->data[at] : at < FILE_MAX ? pattern(f->number, at) : 0;
    }
    return offset >= FILE_MAX ? 0 : (long)(len < FILE_MAX - offset ? len : FILE_MAX - offset);
}

static long p_write(void *ctx, const struct wren_scheme_request *req, void *file, const void *buf, size_t len,
                    uint64_t offset)
{
    (void)ctx, (void)req;
    struct pfile *f = file;
    if (offset >= FILE_MAX)
        return -E_NOSPC;
    if (len > FILE_MAX - offset)
        len = FILE_MAX - offset;
    memcpy(f->data + offset, buf, len);
    if (offset + len > f->size)
        f->size = offset + len;
    return (long)len;
}

static long p_seek(void *ctx, const struct wren_scheme_request *req, void *file, int64_t offset, uint32_t whence,
                   uint64_t pos)
{
    (void)ctx, (void)req;
    struct pfile *f = file;
    int64_t base = whence == WREN_WHENCE_SET ? 0 : whence == WREN_WHENCE_CUR ? (int64_t)pos : (int64_t)f->size;
    return base + offset < 0 ? -E_INVAL : base + offset;
}

static long p_fstat(void *ctx, const struct wren_scheme_request *req, void *file, struct wren_stat *st)
{
    (void)ctx, (void)req;
    struct pfile *f = file;
    st->type = WREN_FILE_TYPE_REGULAR;
    st->size = f->size;
    st->id = f->number;
    return 0;
}

static void p_close(void *ctx, void *file)
{
    (void)ctx;
    wren_munmap(file, sizeof(struct pfile));
    files_open--;
}

static long p_stat(void *ctx, const struct wren_scheme_request *req, const char *path, struct wren_stat *st)
{
    (void)ctx, (void)req;
    strncpy(last_path, path, sizeof(last_path) - 1);
    if (strcmp(path, "/") == 0) {
        st->type = WREN_FILE_TYPE_DIRECTORY;
        st->size = 2;
        return 0;
    }
    st->type = WREN_FILE_TYPE_REGULAR;
    st->size = 1234;
    st->id = 77;
    return 0;
}

static long p_readdir(void *ctx, const struct wren_scheme_request *req, const char *path, uint64_t index,
                      struct wren_dirent *d)
{
    (void)ctx, (void)req, (void)path;
    static const char *names[] = {"alpha", "beta"};
    if (index >= 2)
        return -E_NOENT;
    strcpy((char *)d->name, names[index]);
    d->name_len = (uint32_t)strlen(names[index]);
    d->type = WREN_FILE_TYPE_REGULAR;
    d->size = index + 10;
    return 0;
}

/* The path ops answer with a code that says which path they saw, so the client can check both. */
static long p_path_only(const char *path, const char *want)
{
    strncpy(last_path, path, sizeof(last_path) - 1);
    return strcmp(path, want) == 0 ? 0 : -E_INVAL;
}

static long p_unlink(void *c, const struct wren_scheme_request *r, const char *path)
{
    (void)c, (void)r;
    return p_path_only(path, "/gone");
}

static long p_mkdir(void *c, const struct wren_scheme_request *r, const char *path, uint32_t mode)
{
    (void)c, (void)r;
    return mode == 0755 ? p_path_only(path, "/newdir") : -E_INVAL; /* what mkdir passes */
}

static long p_rmdir(void *c, const struct wren_scheme_request *r, const char *path)
{
    (void)c, (void)r;
    return p_path_only(path, "/olddir");
}

static long p_rename(void *c, const struct wren_scheme_request *r, const char *a, const char *b)
{
    (void)c, (void)r;
    return strcmp(a, "/from") == 0 && strcmp(b, "/to/there") == 0 ? 0 : -E_INVAL;
}

static long p_truncate(void *c, const struct wren_scheme_request *r, const char *path, uint64_t size)
{
    (void)c, (void)r;
    return size == 4321 ? p_path_only(path, "/short") : -E_INVAL;
}

static long p_ftruncate(void *c, const struct wren_scheme_request *r, void *file, uint64_t size)
{
    (void)c, (void)r;
    struct pfile *f = file;
    if (size > FILE_MAX)
        return -E_NOSPC;
    f->size = size;
    return 0;
}

/* File 6 answers E_IO, the rest 0: the client can tell a forwarded fsync from the kernel's own answer (0). */
static long p_fsync(void *c, const struct wren_scheme_request *r, void *file)
{
    (void)c, (void)r;
    struct pfile *f = file;
    return f->number == 6 ? -E_IO : 0;
}

static const struct wren_scheme_ops pattern_ops = {
    .ftruncate = p_ftruncate,
    .fsync = p_fsync,
    .open = p_open,
    .read = p_read,
    .write = p_write,
    .seek = p_seek,
    .fstat = p_fstat,
    .close = p_close,
    .stat = p_stat,
    .readdir = p_readdir,
    .unlink = p_unlink,
    .mkdir = p_mkdir,
    .rmdir = p_rmdir,
    .rename = p_rename,
    .truncate = p_truncate,
};

static void serve_pattern(wren_handle_t h)
{
    wren_scheme_serve(h, &pattern_ops, 0);
}

/* ---- registration ------------------------------------------------------------------------------------------- */

static void registration(void)
{
    long h = wren_scheme_register_name("ustreg");
    wren_check("init registers a scheme", h >= 0, 1);
    wren_check("the same name again (E_EXIST)", wren_scheme_register_name("ustreg"), -E_EXIST);
    wren_check("a kernel scheme's name (E_EXIST)", wren_scheme_register_name("console"), -E_EXIST);
    wren_check("a bad name (E_INVAL)", wren_scheme_register_name("Bad"), -E_INVAL);
    wren_check("an empty name (E_INVAL)", wren_scheme_register(0, 0), -E_INVAL);
    wren_check("a name over 32 bytes (E_NAMETOOLONG)",
               wren_scheme_register_name("abcdefghijklmnopqrstuvwxyz0123456789"), -E_NAMETOOLONG);
    wren_check("a bad name pointer (E_FAULT)", wren_scheme_register((const char *)0x10, 4), -E_FAULT);
    struct wren_scheme_request req;
    static uint8_t buf[4096];
    wren_check("receive with nothing queued, non-blocking (E_AGAIN)",
               wren_scheme_receive((wren_handle_t)h, &req, buf, sizeof(buf), WREN_IPC_NONBLOCK), -E_AGAIN);
    wren_check("receive into less than 4096 bytes (E_INVAL)",
               wren_scheme_receive((wren_handle_t)h, &req, buf, 100, WREN_IPC_NONBLOCK), -E_INVAL);
    struct wren_scheme_reply rep = {.tag = 12345, .result = 0};
    wren_check("a reply to no request (E_NOENT)", wren_scheme_reply((wren_handle_t)h, &rep), -E_NOENT);
    wren_check("a reply from a bad pointer (E_FAULT)",
               wren_scheme_reply((wren_handle_t)h, (const struct wren_scheme_reply *)0x10), -E_FAULT);
    wren_check("receive on a pipe (E_WRONGTYPE)", wren_scheme_receive(0, &req, buf, sizeof(buf), 0), -E_WRONGTYPE);
    long dup = wren_dup((int32_t)h);
    wren_close((int32_t)h);
    wren_check("a second handle keeps the name", wren_scheme_register_name("ustreg"), -E_EXIST);
    wren_close((int32_t)dup);
    h = wren_scheme_register_name("ustreg");
    wren_check("the last handle freed the name: registered again", h >= 0, 1);
    wren_close((int32_t)h);

    long pid = wren_fork();
    if (pid == 0) {
        wren_port_drop_privilege();
        wren_exit(wren_scheme_register_name("ustunpriv") == -E_PERM ? 0 : 1);
    }
    wren_check("without the system privilege registering is refused (E_PERM)", wren_check_wait_status(pid), 0);
}

/* ---- every operation ---------------------------------------------------------------------------------------- */

static void operations(void)
{
    long srv = start_server("ust", serve_pattern);
    wren_check("the pattern server started", srv > 0, 1);
    long fd = sopen("/scheme/ust/c5", WREN_OPEN_READ | WREN_OPEN_WRITE);
    wren_check("open /scheme/ust/c5", fd >= 0, 1);
    long fd2 = sopen("ust:/c6", WREN_OPEN_READ);
    wren_check("open ust:/c6 (the colon form)", fd2 >= 0, 1);
    wren_check("open of a path the server refuses (E_NOENT)", sopen("/scheme/ust/missing", WREN_OPEN_READ), -E_NOENT);
    char small[100];
    wren_check("read 100 bytes", wren_read((int32_t)fd, small, sizeof(small)), 100);
    int good = 1;
    for (int i = 0; i < 100; i++)
        good &= (uint8_t)small[i] == pattern(5, (uint64_t)i);
    wren_check("...the server's bytes", good, 1);
    wren_check("the position moved: lseek(0, CUR) = 100", wren_lseek((int32_t)fd, 0, WREN_WHENCE_CUR), 100);
    wren_check("write 5 bytes at 100", wren_write((int32_t)fd, "hello", 5), 5);
    wren_check("lseek(0, END) = the server's size 105", wren_lseek((int32_t)fd, 0, WREN_WHENCE_END), 105);
    wren_check("lseek to -1 (the server's E_INVAL)", wren_lseek((int32_t)fd, -1, WREN_WHENCE_SET), -E_INVAL);
    wren_check("lseek(100, SET)", wren_lseek((int32_t)fd, 100, WREN_WHENCE_SET), 100);
    wren_check("read back", wren_read((int32_t)fd, small, 5), 5);
    wren_check("...hello", memcmp(small, "hello", 5), 0);
    struct wren_stat st;
    wren_check("fstat", wren_fstat((int32_t)fd, &st), 0);
    wren_check("...size from the server", (long)st.size, 105);
    wren_check("...type from the server", st.type, WREN_FILE_TYPE_REGULAR);
    wren_check("...open flags from the kernel", st.open_flags, WREN_OPEN_READ | WREN_OPEN_WRITE);
    wren_check("stat by path", wren_stat("/scheme/ust/x", 13, &st), 0);
    wren_check("...its size", (long)st.size, 1234);
    struct wren_dirent d;
    wren_check("readdir entry 0", wren_readdir("/scheme/ust/", 12, 0, &d), 0);
    wren_check("...alpha", strcmp((char *)d.name, "alpha"), 0);
    wren_check("...its length", d.name_len, 5);
    wren_check("readdir entry 1", wren_readdir("/scheme/ust/", 12, 1, &d), 0);
    wren_check("...beta", strcmp((char *)d.name, "beta"), 0);
    wren_check("readdir entry 2: past the end (E_NOENT)", wren_readdir("/scheme/ust/", 12, 2, &d), -E_NOENT);
    wren_check("unlink forwarded with its path", wren_unlink("/scheme/ust/gone", 16), 0);
    wren_check("mkdir forwarded with its path", wren_mkdir("/scheme/ust/newdir", 18), 0);
    wren_check("rmdir forwarded with its path", wren_rmdir("/scheme/ust/olddir", 18), 0);
    wren_check("rename forwarded with both paths", wren_rename("/scheme/ust/from", 16, "/scheme/ust/to/there", 20), 0);
    wren_check("truncate forwarded with path and size", wren_truncate("/scheme/ust/short", 17, 4321), 0);
    wren_check("a read into a bad buffer (E_FAULT, nothing sent)", wren_read((int32_t)fd, (void *)0x10, 10), -E_FAULT);
    wren_check("ftruncate forwarded: 0", wren_ftruncate((int32_t)fd, 50), 0);
    wren_check("...fstat gives the server's new size", wren_fstat((int32_t)fd, &st) == 0 ? (long)st.size : -1, 50);
    wren_check("ftruncate past what the server holds: its E_NOSPC", wren_ftruncate((int32_t)fd, 1ull << 40), -E_NOSPC);
    wren_check("ftruncate of a read-only descriptor: E_BADF (never sent)", wren_ftruncate((int32_t)fd2, 1), -E_BADF);
    wren_check("fsync forwarded: file 5 says 0", wren_fsync((int32_t)fd), 0);
    wren_check("fsync forwarded: file 6 says E_IO", wren_fsync((int32_t)fd2), -E_IO);
    wren_close((int32_t)fd);
    wren_close((int32_t)fd2);
    wren_kill((int32_t)srv, WREN_SIGNAL_SIGKILL);
    wren_check_wait_status(srv);
}

/* ---- 32 clients at once --------------------------------------------------------------------------------------- */

static int client_work(int i)
{
    char path[32] = "/scheme/ust/c";
    int n = 13;
    if (i >= 10)
        path[n++] = (char)('0' + i / 10);
    path[n++] = (char)('0' + i % 10);
    path[n] = 0;
    long fd = sopen(path, WREN_OPEN_READ | WREN_OPEN_WRITE);
    if (fd < 0)
        return 1;
    static uint8_t mine[BIG], back[BIG];
    size_t len = 3000 + (size_t)i * 1024; /* 3000 B .. 34 KiB: copies and grants */
    for (int round = 0; round < 4; round++) {
        for (size_t k = 0; k < len; k++)
            mine[k] = (uint8_t)(i * 37 + k * 3 + (size_t)round);
        if (wren_lseek((int32_t)fd, 0, WREN_WHENCE_SET) != 0 || wren_write((int32_t)fd, mine, len) != (long)len)
            return 2;
        wren_yield();
        if (wren_lseek((int32_t)fd, 0, WREN_WHENCE_SET) != 0 || wren_read((int32_t)fd, back + 1, len) != (long)len)
            return 3;
        if (memcmp(mine, back + 1, len) != 0)
            return 4;
        /* Past what this client wrote: the server's formula for this file, through an unaligned grant. */
        if (wren_read((int32_t)fd, back + 7, 20000) != 20000)
            return 5;
        for (size_t k = 0; k < 20000; k++)
            if (back[7 + k] != pattern((uint64_t)i, len + k))
                return 6;
    }
    wren_close((int32_t)fd);
    return 0;
}

static void many_clients(void)
{
    long srv = start_server("ust", serve_pattern);
    wren_check("the pattern server started again", srv > 0, 1);
    long pids[32];
    for (int i = 0; i < 32; i++) {
        pids[i] = wren_fork();
        if (pids[i] == 0)
            wren_exit(client_work(i));
    }
    int good = 0;
    for (int i = 0; i < 32; i++)
        good += wren_check_wait_status(pids[i]) == 0;
    wren_check("32 concurrent clients each got their own bytes back", good, 32);
    wren_kill((int32_t)srv, WREN_SIGNAL_SIGKILL);
    wren_check_wait_status(srv);
}

/* ---- zero copy ------------------------------------------------------------------------------------------------ */

static volatile uint8_t *shared; /* BIG bytes: the client's buffer, mapped by the server too */
static volatile long *proof;     /* after it: what the server saw */

static long z_read(void *ctx, const struct wren_scheme_request *req, void *file, void *buf, size_t len, uint64_t offset)
{
    (void)ctx, (void)req, (void)file, (void)offset;
    uint8_t *b = buf;
    long in_place = 1;
    for (size_t i = 0; i < len; i++) {
        b[i] = (uint8_t)(i * 5 + 1);
        in_place &= shared[i] == b[i]; /* the server's own view of the client's buffer shows it at once */
    }
    proof[0] = in_place;
    /* A fork of the server gets none of the lent pages: its child faults where they are. */
    long pid = wren_fork();
    if (pid == 0) {
        volatile uint8_t x = *(volatile uint8_t *)buf;
        (void)x;
        wren_exit(0);
    }
    int32_t status = 0;
    wren_wait((int32_t)pid, &status, 0);
    proof[3] = status;
    return (long)len;
}

static long z_write(void *ctx, const struct wren_scheme_request *req, void *file, const void *buf, size_t len,
                    uint64_t offset)
{
    (void)ctx, (void)req, (void)file, (void)offset;
    const volatile uint8_t *b = buf;
    long in_place = 1;
    for (size_t i = 0; i < len; i += 4096) {
        shared[i] ^= 0xff; /* change the client's page: a read-only grant of that very page sees it */
        in_place &= b[i] == shared[i];
        shared[i] ^= 0xff;
    }
    proof[1] = in_place;
    proof[2] = wren_mprotect((void *)((uintptr_t)buf & ~4095ul), 4096, RW); /* lent to be read: never writable */
    return (long)len;
}

static long z_open(void *ctx, const struct wren_scheme_request *req, const char *path, uint32_t flags, void **file)
{
    (void)ctx, (void)req, (void)path, (void)flags;
    *file = (void *)1;
    return 0;
}

static const struct wren_scheme_ops zero_ops = {.open = z_open, .read = z_read, .write = z_write};

static void serve_zero(wren_handle_t h)
{
    wren_scheme_serve(h, &zero_ops, 0);
}

static void zero_copy(void)
{
    long shm = wren_shm_create(BIG + 4096);
    long ma = wren_mmap(0, BIG + 4096, RW, WREN_MAP_SHARED, (int32_t)shm, 0);
    wren_check("a shared buffer for the zero-copy proof", ma > 0, 1);
    void *m = (void *)ma;
    shared = m;
    proof = (volatile long *)((uint8_t *)m + BIG);
    memset(m, 0, BIG + 4096);
    long srv = start_server("ustzero", serve_zero);
    long fd = sopen("/scheme/ustzero/x", WREN_OPEN_READ | WREN_OPEN_WRITE);
    wren_check("open on the zero-copy server", fd >= 0, 1);
    struct wren_kernel_stats before = wren_check_kstats();
    wren_check("a 64 KiB read into the shared buffer", wren_read((int32_t)fd, (void *)shared, BIG), BIG);
    struct wren_kernel_stats after = wren_check_kstats();
    wren_check("the server saw its bytes in the client's own pages before replying", proof[0], 1);
    wren_check("a fork of the server does not get the lent pages (its child faults)", proof[3],
               WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGSEGV);
    wren_check("16 pages granted", (long)(after.scheme_pages_granted - before.scheme_pages_granted), 16);
    wren_check("no byte copied", (long)(after.scheme_bytes_copied - before.scheme_bytes_copied), 0);
    int good = 1;
    for (int i = 0; i < BIG; i++)
        good &= shared[i] == (uint8_t)(i * 5 + 1);
    wren_check("the client has the bytes", good, 1);
    before = wren_check_kstats();
    wren_check("a 64 KiB write from the shared buffer", wren_write((int32_t)fd, (const void *)shared, BIG), BIG);
    after = wren_check_kstats();
    wren_check("the server read the client's own pages (a change to them showed through)", proof[1], 1);
    wren_check("the server cannot make a write's read-only grant writable (E_ACCES)", proof[2], -E_ACCES);
    wren_check("16 pages granted for the write", (long)(after.scheme_pages_granted - before.scheme_pages_granted), 16);
    wren_check("no byte copied for the write", (long)(after.scheme_bytes_copied - before.scheme_bytes_copied), 0);
    /* An unaligned one: whole pages granted, only the partial first and last copied. */
    before = wren_check_kstats();
    wren_check("a read of 40000 bytes at offset 100", wren_read((int32_t)fd, (void *)(shared + 100), 40000), 40000);
    after = wren_check_kstats();
    wren_check("...8 whole pages granted", (long)(after.scheme_pages_granted - before.scheme_pages_granted), 8);
    wren_check("...the partial pages' bytes copied", (long)(after.scheme_bytes_copied - before.scheme_bytes_copied),
               (4096 - 100) + (40100 - 9 * 4096));
    wren_check("...the byte before untouched", shared[99], (uint8_t)(99 * 5 + 1));
    wren_check("...the first byte the server's", shared[100], 1);
    wren_close((int32_t)fd);
    wren_kill((int32_t)srv, WREN_SIGNAL_SIGKILL);
    wren_check_wait_status(srv);
    wren_munmap(m, BIG + 4096);
    wren_close((int32_t)shm);
}

/* ---- server death ------------------------------------------------------------------------------------------------ */

/* Answers opens, holds every other request for ever. */
static void serve_hold(wren_handle_t h)
{
    static uint8_t buf[4096];
    struct wren_scheme_request req;
    uint64_t id = 1;
    for (;;) {
        if (wren_scheme_receive(h, &req, buf, sizeof(buf), 0) != 0)
            continue;
        if (req.op == WREN_SCHEME_OP_OPEN) {
            struct wren_scheme_reply r = {.tag = req.tag, .result = 0, .id = id++};
            wren_scheme_reply(h, &r);
        }
    }
}

static void server_death(void)
{
    long srv = start_server("ustdie", serve_hold);
    wren_check("the holding server started", srv > 0, 1);
    long pids[8];
    for (int i = 0; i < 8; i++) {
        pids[i] = wren_fork();
        if (pids[i] == 0) {
            long fd = sopen("/scheme/ustdie/f", WREN_OPEN_READ | WREN_OPEN_WRITE);
            if (fd < 0)
                wren_exit(1);
            static char b[32768];
            long r = i % 2 ? wren_read((int32_t)fd, b, 64) : wren_write((int32_t)fd, b, 20000);
            if (r != -E_IO)
                wren_exit(2);
            if (wren_read((int32_t)fd, b, 64) != -E_IO || wren_lseek((int32_t)fd, 0, 0) != -E_IO)
                wren_exit(3);
            struct wren_stat st;
            if (wren_fstat((int32_t)fd, &st) != -E_IO)
                wren_exit(4);
            if (sopen("/scheme/ustdie/f", WREN_OPEN_READ) != -E_NOENT)
                wren_exit(5);
            wren_exit(0);
        }
    }
    int blocked = 0;
    for (int i = 0; i < 8; i++)
        blocked += wait_blocked(pids[i]);
    wren_check("8 clients wait on the server", blocked, 8);
    wren_sleep(20000000); /* let the last of them get from open into its read */
    uint64_t t0 = (uint64_t)wren_get_time(WREN_CLOCK_MONOTONIC);
    wren_kill((int32_t)srv, WREN_SIGNAL_SIGKILL);
    wren_check_wait_status(srv);
    int good = 0;
    for (int i = 0; i < 8; i++)
        good += wren_check_wait_status(pids[i]) == 0;
    uint64_t t1 = (uint64_t)wren_get_time(WREN_CLOCK_MONOTONIC);
    wren_check("every waiting client got E_IO, and E_IO on its descriptor after", good, 8);
    wren_check("...within half a second of the kill", t1 - t0 < 500000000ull, 1);
    long h = wren_scheme_register_name("ustdie");
    wren_check("the dead server's name can be registered again", h >= 0, 1);
    wren_close((int32_t)h);
}

/* ---- cancel on signal -------------------------------------------------------------------------------------------- */

static int32_t report_pipe[2];

static void serve_cancel(wren_handle_t h)
{
    static uint8_t buf[4096];
    struct wren_scheme_request req;
    uint64_t held = 0;
    long seen[3] = {0, 0, 0};
    for (;;) {
        if (wren_scheme_receive(h, &req, buf, sizeof(buf), 0) != 0)
            continue;
        if (req.op == WREN_SCHEME_OP_OPEN) {
            struct wren_scheme_reply r = {.tag = req.tag, .result = 0, .id = 9};
            wren_scheme_reply(h, &r);
        } else if (req.op == WREN_SCHEME_OP_READ) {
            held = req.tag; /* never answered in time */
        } else if (req.op == WREN_SCHEME_OP_CANCEL) {
            seen[0] = req.tag == held && held;
            struct wren_scheme_reply r = {.tag = held, .result = 1};
            seen[1] = wren_scheme_reply(h, &r); /* late: refused */
            seen[2] = 1;
            wren_write(report_pipe[1], seen, sizeof(seen));
        }
    }
}

static void poke(int sig)
{
    (void)sig;
}

static void cancel_on_signal(void)
{
    wren_pipe(report_pipe, 0);
    long srv = start_server("ustcancel", serve_cancel);
    long pid = wren_fork();
    if (pid == 0) {
        struct sigaction a = {.sa_handler = poke};
        sigaction(SIGUSR1, &a, 0);
        long fd = sopen("/scheme/ustcancel/f", WREN_OPEN_READ);
        char b[16];
        wren_exit(fd >= 0 && wren_read((int32_t)fd, b, sizeof(b)) == -E_INTR ? 0 : 1);
    }
    wren_check("the client waits in its read", wait_blocked(pid), 1);
    wren_sleep(20000000);
    wren_kill((int32_t)pid, WREN_SIGNAL_SIGUSR1);
    wren_check("the signalled client's read returned E_INTR", wren_check_wait_status(pid), 0);
    long seen[3] = {0, 0, 0};
    wren_check("the server reported", wren_read(report_pipe[0], seen, sizeof(seen)), (long)sizeof(seen));
    wren_check("the server received a cancel for the request's tag", seen[0], 1);
    wren_check("its late reply was refused (E_NOENT)", seen[1], -E_NOENT);
    wren_kill((int32_t)srv, WREN_SIGNAL_SIGKILL);
    wren_check_wait_status(srv);
    wren_close(report_pipe[0]);
    wren_close(report_pipe[1]);
}

/* ---- a hostile server ----------------------------------------------------------------------------------------------
 */

/* Each request answered badly in a different way, its own call's results reported through the pipe. */
static void serve_hostile(wren_handle_t h)
{
    static uint8_t buf[4096];
    struct wren_scheme_request req;
    long out[4], fault = 0;
    int turn = 0;
    for (;;) {
        struct wren_scheme_request *into = turn == 3 ? (struct wren_scheme_request *)0x10 : &req;
        long err = wren_scheme_receive(h, into, buf, sizeof(buf), 0);
        if (turn == 3) { /* a bad request pointer: E_FAULT, and the request stays queued for a good one */
            fault = err;
            turn++;
            continue;
        }
        if (err != 0)
            continue;
        struct wren_scheme_reply r = {.tag = req.tag, .result = 0, .id = 5};
        if (req.op == WREN_SCHEME_OP_OPEN) {
            wren_scheme_reply(h, &r);
            continue;
        }
        if (req.op == WREN_SCHEME_OP_CLOSE || req.op == WREN_SCHEME_OP_CANCEL) {
            r.tag = req.tag ? req.tag : 1;
            wren_scheme_reply(h, &r); /* a reply to a notification: refused, nothing happens */
            continue;
        }
        r.tag = req.tag + 1000;
        out[0] = wren_scheme_reply(h, &r); /* a wrong tag */
        r.tag = req.tag;
        switch (turn++) {
        case 0:
            r.result = (long)req.len + 1; /* more bytes than asked */
            break;
        case 1:
            r.result = -5000; /* not an error code */
            break;
        case 2:
            r.result = 3; /* a fine answer, then answered again */
            break;
        default:
            /* a grant it unmaps before answering, with more than it was asked, then the right length */
            if (req.len >= 16384)
                wren_munmap((void *)(req.buf & ~4095ull), req.len + 4096);
            r.result = (long)req.len;
            break;
        }
        out[1] = wren_scheme_reply(h, &r);
        out[2] = wren_scheme_reply(h, &r); /* a second reply to the same request */
        if (turn == 5)
            out[0] = fault;
        out[3] = turn;
        wren_write(report_pipe[1], out, sizeof(out));
    }
}

static void hostile(void)
{
    struct wren_kernel_stats k0 = wren_check_kstats();
    wren_pipe(report_pipe, 0);
    long srv = start_server("usthostile", serve_hostile);
    long fd = sopen("/scheme/usthostile/f", WREN_OPEN_READ | WREN_OPEN_WRITE);
    wren_check("open on the hostile server", fd >= 0, 1);
    static char b[32768];
    long out[4];
    wren_check("a result larger than asked: the client gets E_IO", wren_read((int32_t)fd, b, 10), -E_IO);
    wren_read(report_pipe[0], out, sizeof(out));
    wren_check("...a wrong tag was refused (E_NOENT)", out[0], -E_NOENT);
    wren_check("...the bogus length was refused (E_INVAL)", out[1], -E_INVAL);
    wren_check("...and the reply after it (E_NOENT)", out[2], -E_NOENT);
    wren_check("a result that is no error code: E_IO", wren_write((int32_t)fd, b, 10), -E_IO);
    wren_read(report_pipe[0], out, sizeof(out));
    wren_check("...refused (E_INVAL)", out[1], -E_INVAL);
    wren_check("a good answer still works", wren_read((int32_t)fd, b, 10), 3);
    wren_read(report_pipe[0], out, sizeof(out));
    wren_check("...its second reply refused (E_NOENT)", out[2], -E_NOENT);
    wren_check("a read whose grant the server unmapped before it answered", wren_read((int32_t)fd, b, 20000), 20000);
    wren_read(report_pipe[0], out, sizeof(out));
    wren_check("...and the receive into a bad buffer before it failed (E_FAULT), the request kept", out[0], -E_FAULT);
    wren_close((int32_t)fd);
    wren_kill((int32_t)srv, WREN_SIGNAL_SIGKILL);
    wren_check_wait_status(srv);
    /* Never answering: covered by server_death and cancel_on_signal; here a client left waiting on a server that
     * exits on its own. */
    srv = start_server("usthostile", serve_hold);
    long pid = wren_fork();
    if (pid == 0) {
        long f = sopen("/scheme/usthostile/f", WREN_OPEN_READ);
        wren_exit(f >= 0 && wren_read((int32_t)f, b, sizeof(b)) == -E_IO ? 0 : 1);
    }
    wait_blocked(pid);
    wren_sleep(20000000);
    wren_kill((int32_t)srv, WREN_SIGNAL_SIGTERM);
    wren_check_wait_status(srv);
    wren_check("a client of a server that never answers gets E_IO when it goes", wren_check_wait_status(pid), 0);
    wren_close(report_pipe[0]);
    wren_close(report_pipe[1]);
    struct wren_kernel_stats k1 = wren_check_kstats();
    wren_check("no kernel object left behind", (long)(k1.objects - k0.objects), 0);
    wren_check("no kernel heap allocation left behind", (long)(k1.heap_objects - k0.heap_objects), 0);
    wren_check("no handle left behind", (long)k1.handles - (long)k0.handles, 0);
}

int main(void)
{
    wren_check_begin("uscheme");
    registration();
    operations();
    many_clients();
    zero_copy();
    server_death();
    cancel_on_signal();
    hostile();
    return wren_check_end();
}
