/*
 * The `null` and `zero` schemes: the two character devices every Unix program expects (/dev/null, /dev/zero).
 * Each scheme is one file, its root ("/scheme/null", "null:"); any other path is E_NOENT. A read of null is end of
 * file; a read of zero fills the buffer with zero bytes; a write to either is taken whole and dropped (its buffer is
 * never read, as on Linux). lseek succeeds and leaves nothing to move (position 0), as Linux's do; both are always
 * readable and writable to an event queue. Every open makes a new object, so each descriptor's flags are its own.
 */
#include <wren/abi.h>

#include "mm/kmalloc.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "scheme/kernel_schemes.h"
#include "scheme/scheme.h"

#define ZERO_PIECE   512  /* a zero read copies this much at a time from zeros[] ... */
#define ZERO_RESCHED 4096 /* ... and opens a window for interrupts after this much */

static const char zeros[ZERO_PIECE];

struct null_file {
    struct kobject obj;
    bool zero;
};

static void null_destroy(struct kobject *o)
{
    kfree(o);
}

static long null_read(struct kobject *o, user_out_ptr buf, size_t count)
{
    (void)buf;
    if (!((struct null_file *)o)->zero)
        return 0;
    /* However large the buffer, the caller's own pages bound the work; pieces keep interrupts from waiting on it. */
    size_t done = 0;
    while (done < count) {
        size_t n = count - done < ZERO_PIECE ? count - done : ZERO_PIECE;
        if (copy_to_user((user_out_ptr){buf.addr + done}, zeros, n))
            return done ? (long)done : -E_FAULT;
        done += n;
        if (done < count && done % ZERO_RESCHED == 0) {
            sched_cond_resched();
            if (signal_interrupted(proc_current()))
                break; /* a signal ends a long read early, with the bytes so far (as a pipe's read does) */
        }
    }
    return (long)done;
}

static long null_write(struct kobject *o, user_in_ptr buf, size_t count)
{
    (void)o, (void)buf;
    return (long)count;
}

static long null_lseek(struct kobject *o, int64_t offset, uint32_t whence)
{
    (void)o, (void)offset, (void)whence;
    return 0;
}

static uint32_t null_poll(struct kobject *o)
{
    (void)o;
    return WREN_POLL_READABLE | WREN_POLL_WRITABLE;
}

static const struct kobject_ops null_ops = {
    .destroy = null_destroy,
    .read = null_read,
    .write = null_write,
    .lseek = null_lseek,
    .poll = null_poll,
};

static bool is_root(const char *path, size_t len)
{
    return len == 1 && path[0] == '/';
}

static long null_open(struct scheme *s, const char *path, size_t len, uint32_t flags, struct kobject **out)
{
    if (!is_root(path, len))
        return -E_NOENT;
    if ((flags & (WREN_OPEN_CREATE | WREN_OPEN_EXCL)) == (WREN_OPEN_CREATE | WREN_OPEN_EXCL))
        return -E_EXIST; /* it always exists; a plain CREATE (and TRUNCATE) changes nothing, as on Linux */
    uint64_t cost = kmalloc_size(sizeof(struct null_file));
    if (kobj_charge_begin(cost) != 0)
        return -E_NOMEM;
    struct null_file *f = kzalloc(sizeof(*f));
    if (!f) {
        kobj_charge_cancel(cost);
        return -E_NOMEM;
    }
    kobj_init(&f->obj, &null_ops, WREN_OBJECT_FILE, WREN_FILE_TYPE_CHAR_DEVICE);
    kobj_charge_end(&f->obj, cost);
    f->obj.open_flags = flags;
    f->zero = s->priv != 0;
    *out = &f->obj;
    return 0;
}

static long null_stat(struct scheme *s, const char *path, size_t len, struct wren_stat *st)
{
    if (!is_root(path, len))
        return -E_NOENT;
    st->type = WREN_FILE_TYPE_CHAR_DEVICE;
    st->id = s->priv ? 2 : 1;
    st->block_size = ZERO_RESCHED;
    return 0;
}

static long null_readdir(struct scheme *s, const char *path, size_t len, uint64_t index, struct wren_dirent *d)
{
    (void)s, (void)index, (void)d;
    return is_root(path, len) ? -E_NOTDIR : -E_NOENT;
}

static const struct scheme_ops null_scheme_ops = {
    .open = null_open,
    .stat = null_stat,
    .readdir = null_readdir,
};

static struct scheme null_scheme = {.ops = &null_scheme_ops, .name = "null", .name_len = 4, .priv = 0};
static struct scheme zero_scheme = {.ops = &null_scheme_ops, .name = "zero", .name_len = 4, .priv = (void *)1};

void null_scheme_init(void)
{
    kernel_scheme_register(&null_scheme);
    kernel_scheme_register(&zero_scheme);
}
