/*
 * User-space schemes, the clients' side (user_scheme_core.h): the scheme's operations by path and the open files
 * they return, each turned into one request the client waits for.
 *
 * The wait ends three ways. The server's reply (the usual one); the registration's death (E_IO); or a signal for
 * the client: a request no server has received yet is withdrawn, one a server holds is taken back (its grant
 * unmapped) and the server sent a cancel, and the call returns E_INTR. Either way the request is off every list
 * before the client's stack frame goes, so nothing can reach it afterwards.
 */
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/waitq.h"
#include "scheme/user_scheme_core.h"

/* A client's open file: the server's id for it and the position the kernel keeps. */
struct us_file {
    struct kobject obj;
    struct us_core *core;
    uint64_t id;
    uint64_t pos;
    struct us_note *close_note; /* made at open, so the close can never fail to be sent */
};

/* A signal ended the wait of a request the server has not answered. */
static void abandon(struct us_req *req)
{
    struct us_core *c = req->core;
    bool held = req->state == US_HELD;
    list_del(&req->link);
    req->state = US_DONE;
    if (!held)
        return; /* no server saw it */
    us_data_unmap_remote(req);
    struct us_note *n = kmalloc(sizeof(*n));
    if (n) { /* without memory the server is not told; its late reply is refused just the same */
        n->op = WREN_SCHEME_OP_CANCEL;
        n->value = req->msg.tag;
        us_queue_note(c, n);
    }
}

long us_call(struct us_req *req)
{
    struct us_core *c = req->core;
    struct proc *self = proc_current();
    long err = 0;

    if (c->dead)
        return -E_IO;
    req->msg.tag = ++c->next_tag;
    req->msg.pid = self->pid;
    req->msg.pgid = self->leader->pgid;
    req->msg.sid = self->leader->sid;
    req->msg.privileged = self->leader->privileged;
    req->state = US_PENDING;
    req->wq.head = NULL;
    list_add_tail(&c->pending, &req->link);
    us_core_get(c); /* the request's: the server may die while we wait */
    /* A server waiting and nothing to outrank it: switch straight to it (the IPC fast path). */
    struct proc *server = c->servers.head;
    if (server && !signal_interrupted(self) && sched_can_handoff(server)) {
        err = waitq_pass_first(&c->servers, &req->wq);
    } else {
        waitq_wake_all(&c->servers);
    }
    while (req->state != US_DONE) {
        if (err) {            /* a signal; a wait without a deadline ends no other way */
            while (req->busy) /* a server's copy slept on a fault: rare, and short */
                sched_yield();
            if (req->state == US_DONE)
                break; /* it was answered meanwhile: the answer stands */
            abandon(req);
            us_core_put(c);
            return -E_INTR;
        }
        err = waitq_wait(&req->wq, WAITQ_FOREVER);
    }
    us_core_put(c);
    return req->result;
}

/* A request of `op` with no data yet, for core c. */
static void req_init(struct us_req *req, struct us_core *c, uint32_t op)
{
    memset(req, 0, offsetof(struct us_req, pages));
    req->core = c;
    req->msg.op = op;
    list_init(&req->link);
}

/* Make the request's path data: "path\0" or "old\0new\0", kmalloc'd (paths may be 4 KiB each). */
static char *path_data(struct us_req *req, const char *a, size_t alen, const char *b, size_t blen)
{
    size_t total = alen + 1 + (b ? blen + 1 : 0);
    if (total > US_BUF_MIN)
        return NULL; /* more than the least buffer a server has */
    char *p = kmalloc(total);
    if (!p)
        return NULL;
    memcpy(p, a, alen);
    p[alen] = 0;
    if (b) {
        memcpy(p + alen + 1, b, blen);
        p[alen + 1 + blen] = 0;
        req->msg.len2 = blen;
    }
    req->msg.len = alen;
    req->kin = p;
    req->kin_len = total;
    return p;
}

/* A request by path: the path(s), an optional record to receive, and the call. */
static long path_call(struct scheme *s, uint32_t op, const char *a, size_t alen, const char *b, size_t blen,
                      uint32_t flags, uint64_t offset, void *out, size_t out_len, uint64_t *id)
{
    struct us_core *c = s->priv;
    struct us_req req;
    req_init(&req, c, op);
    req.msg.flags = flags;
    req.msg.offset = offset;
    req.kout = out;
    req.kout_len = out_len;
    char *p = path_data(&req, a, alen, b, blen);
    if (!p)
        return alen + 1 + (b ? blen + 1 : 0) > US_BUF_MIN ? -E_NAMETOOLONG : -E_NOMEM;
    long ret = us_call(&req);
    kfree(p);
    if (id)
        *id = req.id;
    return ret;
}

/* ---- open files -------------------------------------------------------------------------------------------- */

static void file_destroy(struct kobject *o)
{
    struct us_file *f = (struct us_file *)o;
    f->close_note->op = WREN_SCHEME_OP_CLOSE;
    f->close_note->value = f->id;
    us_queue_note(f->core, f->close_note); /* freed at once if the server is gone */
    us_core_put(f->core);
    kfree(f);
}

/* A read (into_client) or write of the client's buffer on f. */
static long file_io(struct us_file *f, uint32_t op, uint64_t addr, size_t count, bool into_client)
{
    struct us_req req;
    if (f->core->dead)
        return -E_IO;
    if (count == 0)
        return 0;
    if (count > US_IO_MAX)
        count = US_IO_MAX; /* a short read or write, as POSIX allows */
    req_init(&req, f->core, op);
    req.msg.id = f->id;
    req.msg.offset = f->pos;
    req.msg.len = count;
    req.msg.flags = f->obj.open_flags & WREN_OPEN_NONBLOCK;
    req.uaddr = addr;
    req.ulen = count;
    req.write_client = into_client;
    long ret = us_data_prepare(&req);
    if (!ret)
        ret = us_call(&req);
    us_data_release(&req);
    if (ret > 0)
        f->pos += (uint64_t)ret;
    return ret;
}

static long file_read(struct kobject *o, user_out_ptr buf, size_t count)
{
    return file_io((struct us_file *)o, WREN_SCHEME_OP_READ, buf.addr, count, true);
}

static long file_write(struct kobject *o, user_in_ptr buf, size_t count)
{
    return file_io((struct us_file *)o, WREN_SCHEME_OP_WRITE, buf.addr, count, false);
}

static long file_lseek(struct kobject *o, int64_t offset, uint32_t whence)
{
    struct us_file *f = (struct us_file *)o;
    struct us_req req;
    if (f->core->dead)
        return -E_IO;
    req_init(&req, f->core, WREN_SCHEME_OP_SEEK);
    req.msg.id = f->id;
    req.msg.offset = (uint64_t)offset;
    req.msg.flags = whence;
    req.msg.len = f->pos;
    long ret = us_call(&req);
    if (ret >= 0)
        f->pos = (uint64_t)ret;
    return ret;
}

static long file_fstat(struct kobject *o, struct wren_stat *st)
{
    struct us_file *f = (struct us_file *)o;
    struct us_req req;
    struct wren_stat got;
    if (f->core->dead)
        return -E_IO;
    req_init(&req, f->core, WREN_SCHEME_OP_FSTAT);
    req.msg.id = f->id;
    memset(&got, 0, sizeof(got));
    req.kout = &got;
    req.kout_len = sizeof(got);
    req.msg.buf = 0;
    long ret = us_call(&req);
    if (ret < 0)
        return ret;
    /* What the kernel knows itself stays the kernel's. */
    got.open_flags = st->open_flags;
    if (!got.type)
        got.type = st->type;
    if (!got.block_size)
        got.block_size = st->block_size;
    *st = got;
    return 0;
}

/* ftruncate and fsync: a request on the open file with no data, the size (if any) in `offset`. */
static long file_simple(struct kobject *o, uint32_t op, uint64_t offset)
{
    struct us_file *f = (struct us_file *)o;
    struct us_req req;
    if (f->core->dead)
        return -E_IO;
    req_init(&req, f->core, op);
    req.msg.id = f->id;
    req.msg.offset = offset;
    return us_call(&req); /* 0 or E_*: the reply check refuses any other result (E_IO) */
}

static long file_truncate(struct kobject *o, uint64_t size)
{
    return file_simple(o, WREN_SCHEME_OP_FTRUNCATE, size);
}

static long file_sync(struct kobject *o)
{
    return file_simple(o, WREN_SCHEME_OP_FSYNC, 0);
}

static const struct kobject_ops file_ops = {
    .destroy = file_destroy,
    .read = file_read,
    .write = file_write,
    .lseek = file_lseek,
    .fstat = file_fstat,
    .truncate = file_truncate,
    .sync = file_sync,
};

/* ---- the scheme's operations ------------------------------------------------------------------------------- */

static long us_open(struct scheme *s, const char *path, size_t len, uint32_t flags, struct kobject **out)
{
    struct us_core *c = s->priv;
    if (c->dead)
        return -E_IO;
    /* Everything the open file needs comes first: once the server has opened it, nothing may fail. */
    if (kobj_charge_begin(sizeof(struct us_file) + sizeof(struct us_note)))
        return -E_NOMEM;
    struct us_file *f = kzalloc(sizeof(*f));
    struct us_note *n = kmalloc(sizeof(*n));
    if (!f || !n) {
        kfree(f);
        kfree(n);
        kobj_charge_cancel(sizeof(struct us_file) + sizeof(struct us_note));
        return -E_NOMEM;
    }
    us_core_get(c); /* the file's, or given back below */
    uint64_t id = 0;
    long err = path_call(s, WREN_SCHEME_OP_OPEN, path, len, NULL, 0, flags, 0, NULL, 0, &id);
    if (err) {
        kfree(f);
        kfree(n);
        kobj_charge_cancel(sizeof(struct us_file) + sizeof(struct us_note));
        us_core_put(c);
        return err;
    }
    kobj_init(&f->obj, &file_ops, WREN_OBJECT_FILE, WREN_FILE_TYPE_SCHEME);
    f->obj.open_flags = flags & ~(WREN_OPEN_CREATE | WREN_OPEN_TRUNCATE | WREN_OPEN_EXCL | WREN_OPEN_CLOEXEC);
    kobj_charge_end(&f->obj, sizeof(struct us_file) + sizeof(struct us_note));
    f->core = c;
    f->id = id;
    f->close_note = n;
    *out = &f->obj;
    return 0;
}

static long us_stat(struct scheme *s, const char *path, size_t len, struct wren_stat *st)
{
    return path_call(s, WREN_SCHEME_OP_STAT, path, len, NULL, 0, 0, 0, st, sizeof(*st), NULL);
}

static long us_readdir(struct scheme *s, const char *path, size_t len, uint64_t index, struct wren_dirent *d)
{
    long err = path_call(s, WREN_SCHEME_OP_READDIR, path, len, NULL, 0, 0, index, d, sizeof(*d), NULL);
    if (err)
        return err;
    /* The server's record: its name is made a string, and its length the string's. */
    d->name[sizeof(d->name) - 1] = 0;
    d->name_len = (uint32_t)strlen((const char *)d->name);
    return 0;
}

static long us_unlink(struct scheme *s, const char *path, size_t len)
{
    return path_call(s, WREN_SCHEME_OP_UNLINK, path, len, NULL, 0, 0, 0, NULL, 0, NULL);
}

static long us_mkdir(struct scheme *s, const char *path, size_t len, uint32_t mode)
{
    return path_call(s, WREN_SCHEME_OP_MKDIR, path, len, NULL, 0, mode, 0, NULL, 0, NULL);
}

static long us_rmdir(struct scheme *s, const char *path, size_t len)
{
    return path_call(s, WREN_SCHEME_OP_RMDIR, path, len, NULL, 0, 0, 0, NULL, 0, NULL);
}

static long us_rename(struct scheme *s, const char *old, size_t old_len, const char *new, size_t new_len)
{
    return path_call(s, WREN_SCHEME_OP_RENAME, old, old_len, new, new_len, 0, 0, NULL, 0, NULL);
}

static long us_truncate(struct scheme *s, const char *path, size_t len, uint64_t size)
{
    return path_call(s, WREN_SCHEME_OP_TRUNCATE, path, len, NULL, 0, 0, size, NULL, 0, NULL);
}

static long us_statfs(struct scheme *s, const char *path, size_t len, struct wren_statfs *st)
{
    return path_call(s, WREN_SCHEME_OP_STATFS, path, len, NULL, 0, 0, 0, st, sizeof(*st), NULL);
}

const struct scheme_ops us_scheme_ops = {
    .open = us_open,
    .stat = us_stat,
    .readdir = us_readdir,
    .unlink = us_unlink,
    .mkdir = us_mkdir,
    .rmdir = us_rmdir,
    .rename = us_rename,
    .truncate = us_truncate,
    .statfs = us_statfs,
};
