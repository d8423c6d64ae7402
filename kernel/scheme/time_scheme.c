/*
 * The `time` scheme: the clocks as files and timers as descriptors.
 *
 *   /monotonic, /realtime   read-only; each read of at least 16 bytes gives the clock's value now as a
 *                           `struct wren_timespec` (realtime: E_NOTSUP until the kernel knows the time of day,
 *                           as get_time says). Opening one for writing is E_ACCES.
 *   /timer                  each open makes a new timer on the monotonic clock, like Linux's timerfd. A write of
 *                           a `struct wren_timer_setting` arms it (first expiry after value_ns, or at value_ns with
 *                           WREN_TIMER_ABSOLUTE; then every interval_ns if that is not 0) or, with value_ns 0,
 *                           disarms it; either way the count of expiries not yet read starts again at 0. A read of
 *                           at least 8 bytes waits for the count to be non-zero (E_AGAIN at once with
 *                           WREN_OPEN_NONBLOCK, E_INTR for a signal), returns it as a u64 and resets it. An event
 *                           queue sees the descriptor readable while the count is non-zero.
 *
 * A timer does not need a reader to fire: a callout (proc/sched.h) runs at its expiry in the timer interrupt,
 * counts it, wakes readers and tells the event queues watching the descriptor. Expiries are counted from the clock
 * (as the event layer's timer_check counts them: (now - due) / interval more), so one callout per read suffices.
 */
#include <wren/abi.h>

#include "lib/string.h"
#include "mm/kmalloc.h"
#include "proc/sched.h"
#include "proc/waitq.h"
#include "scheme/kernel_schemes.h"
#include "scheme/scheme.h"
#include "timer.h"

#define NS_PER_SEC 1000000000ull

enum time_node { NODE_ROOT, NODE_MONOTONIC, NODE_REALTIME, NODE_TIMER, NODE_NONE };

static const char *const node_names[] = {"", "monotonic", "realtime", "timer"};

/* The node path names ("/" is the root), or NODE_NONE. */
static enum time_node node_of(const char *path, size_t len)
{
    if (len == 1 && path[0] == '/')
        return NODE_ROOT;
    for (int n = NODE_MONOTONIC; n <= NODE_TIMER; n++) {
        size_t l = strlen(node_names[n]);
        if (len == l + 1 && path[0] == '/' && memcmp(path + 1, node_names[n], l) == 0)
            return (enum time_node)n;
    }
    return NODE_NONE;
}

/* ---- clocks ---- */

struct clock_file {
    struct kobject obj;
    uint32_t clock; /* WREN_CLOCK_* */
};

static void free_object(struct kobject *o)
{
    kfree(o);
}

static long clock_read(struct kobject *o, user_out_ptr buf, size_t count)
{
    if (count < sizeof(struct wren_timespec))
        return -E_INVAL; /* a time cut short is no time at all */
    if (((struct clock_file *)o)->clock != WREN_CLOCK_MONOTONIC)
        return -E_NOTSUP; /* no time of day yet (sys_time.c) */
    uint64_t now = timer_now_ns();
    struct wren_timespec ts = {.sec = (int64_t)(now / NS_PER_SEC), .nsec = (uint32_t)(now % NS_PER_SEC)};
    return copy_to_user(buf, &ts, sizeof(ts)) ? -E_FAULT : (long)sizeof(ts);
}

static uint32_t always_readable(struct kobject *o)
{
    (void)o;
    return WREN_POLL_READABLE;
}

static const struct kobject_ops clock_ops = {
    .destroy = free_object,
    .read = clock_read,
    .poll = always_readable,
};

/* ---- timers ---- */

struct timer_file {
    struct kobject obj;
    struct callout callout; /* pending while armed */
    uint64_t due;           /* the next expiry (monotonic ns); 0: disarmed */
    uint64_t interval;      /* ns between expiries; 0: one-shot */
    uint64_t expired;       /* expiries since the last read or write */
    struct waitq readers;
};

static struct timer_file *timer_of(struct kobject *o)
{
    return (struct timer_file *)o;
}

/* Count the expiries up to `now` and move `due` past it (or disarm a one-shot); true if there were any. */
static bool timer_catch_up(struct timer_file *t, uint64_t now)
{
    if (!t->due || now < t->due)
        return false;
    uint64_t n = 1;
    if (t->interval) {
        n += (now - t->due) / t->interval;
        uint64_t step = n * t->interval;                         /* at most now - due + interval: no overflow */
        t->due = t->due > UINT64_MAX - step ? 0 : t->due + step; /* past the end of time: never again */
    } else {
        t->due = 0;
    }
    t->expired = t->expired > UINT64_MAX - n ? UINT64_MAX : t->expired + n;
    return true;
}

/* Nothing waiting to be read: have the interrupt tell readers and watchers of the next expiry. */
static void timer_watch(struct timer_file *t)
{
    if (t->due && !t->expired && (!t->callout.pending || t->callout.deadline != t->due))
        callout_add(&t->callout, t->due);
}

/*
 * Interrupt context, at (or after) t->due. The callout runs only when the timer goes from nothing to read to
 * something: once expiries are waiting, more of them change nobody's readiness, so the next callout is added by
 * the read that takes the count (timer_read). A 1 ns period therefore costs one interrupt per read, not one per
 * nanosecond.
 */
static void timer_fired(struct callout *c)
{
    struct timer_file *t = (struct timer_file *)((char *)c - offsetof(struct timer_file, callout));
    if (!timer_catch_up(t, timer_now_ns())) {
        timer_watch(t); /* set for an expiry a read has counted already: wait for the next one */
        return;
    }
    waitq_wake_all(&t->readers);
    kobj_notify(&t->obj, WREN_POLL_READABLE);
}

static void timer_destroy(struct kobject *o)
{
    callout_cancel(&timer_of(o)->callout); /* nobody waits: a waiter holds a reference */
    kfree(o);
}

static long timer_read(struct kobject *o, user_out_ptr buf, size_t count)
{
    struct timer_file *t = timer_of(o);

    if (count < sizeof(uint64_t))
        return -E_INVAL;
    for (;;) {
        timer_catch_up(t, timer_now_ns()); /* the callout may not have run yet */
        if (t->expired)
            break;
        if (o->open_flags & WREN_OPEN_NONBLOCK)
            return -E_AGAIN;
        timer_watch(t);
        long err = waitq_wait(&t->readers, WAITQ_FOREVER); /* the callout wakes us */
        if (err)
            return err; /* -E_INTR */
    }
    uint64_t n = t->expired;
    if (copy_to_user(buf, &n, sizeof(n)))
        return -E_FAULT; /* the count stays for the next read */
    t->expired = 0;
    timer_watch(t);
    return sizeof(n);
}

static long timer_write(struct kobject *o, user_in_ptr buf, size_t count)
{
    struct timer_file *t = timer_of(o);
    struct wren_timer_setting set;

    if (count != sizeof(set))
        return -E_INVAL;
    if (copy_from_user(&set, buf, sizeof(set)))
        return -E_FAULT;
    if ((set.flags & ~(uint32_t)WREN_TIMER_ALL) || set.reserved)
        return -E_INVAL;
    callout_cancel(&t->callout);
    t->expired = 0;
    t->interval = set.interval_ns;
    if (set.value_ns == 0) {
        t->due = 0;
        t->interval = 0;
    } else {
        t->due = (set.flags & WREN_TIMER_ABSOLUTE) ? set.value_ns : timer_deadline_after(set.value_ns);
        timer_watch(t); /* a time already past fires at the next interrupt, armed for it now */
    }
    return sizeof(set);
}

static uint32_t timer_poll(struct kobject *o)
{
    struct timer_file *t = timer_of(o);
    timer_catch_up(t, timer_now_ns());
    return t->expired ? WREN_POLL_READABLE : 0;
}

static long timer_fstat(struct kobject *o, struct wren_stat *st)
{
    (void)o;
    st->id = NODE_TIMER;
    return 0;
}

static const struct kobject_ops timer_ops = {
    .destroy = timer_destroy,
    .read = timer_read,
    .write = timer_write,
    .fstat = timer_fstat,
    .poll = timer_poll,
};

/* ---- the scheme ---- */

static long time_open(struct scheme *s, const char *path, size_t len, uint32_t flags, struct kobject **out)
{
    (void)s;
    enum time_node n = node_of(path, len);
    if (n == NODE_NONE)
        return -E_NOENT;
    if (n == NODE_ROOT)
        return -E_ISDIR; /* a directory: readdir lists it */
    if ((flags & (WREN_OPEN_CREATE | WREN_OPEN_EXCL)) == (WREN_OPEN_CREATE | WREN_OPEN_EXCL))
        return -E_EXIST; /* every node always exists; a plain CREATE (and TRUNCATE) changes nothing */
    if (n != NODE_TIMER && (flags & WREN_OPEN_WRITE))
        return -E_ACCES; /* a clock is read, never set, here */
    size_t size = n == NODE_TIMER ? sizeof(struct timer_file) : sizeof(struct clock_file);
    uint64_t cost = kmalloc_size(size);
    if (kobj_charge_begin(cost) != 0)
        return -E_NOMEM;
    struct kobject *o = kzalloc(size);
    if (!o) {
        kobj_charge_cancel(cost);
        return -E_NOMEM;
    }
    if (n == NODE_TIMER) {
        kobj_init(o, &timer_ops, WREN_OBJECT_FILE, WREN_FILE_TYPE_SCHEME);
        timer_of(o)->callout.fn = timer_fired;
    } else {
        kobj_init(o, &clock_ops, WREN_OBJECT_FILE, WREN_FILE_TYPE_CHAR_DEVICE);
        ((struct clock_file *)o)->clock = n == NODE_MONOTONIC ? WREN_CLOCK_MONOTONIC : WREN_CLOCK_REALTIME;
    }
    kobj_charge_end(o, cost);
    o->open_flags = flags;
    *out = o;
    return 0;
}

static void describe(enum time_node n, struct wren_stat *st)
{
    switch (n) {
    case NODE_ROOT:
        st->type = WREN_FILE_TYPE_DIRECTORY;
        st->size = NODE_TIMER; /* a directory's size is its count of entries (dirent) */
        st->block_size = 4096;
        break;
    case NODE_TIMER:
        st->type = WREN_FILE_TYPE_SCHEME;
        st->block_size = sizeof(uint64_t);
        break;
    default:
        st->type = WREN_FILE_TYPE_CHAR_DEVICE;
        st->block_size = sizeof(struct wren_timespec);
        break;
    }
    st->id = n;
}

static long time_stat(struct scheme *s, const char *path, size_t len, struct wren_stat *st)
{
    (void)s;
    enum time_node n = node_of(path, len);
    if (n == NODE_NONE)
        return -E_NOENT;
    describe(n, st);
    return 0;
}

static long time_readdir(struct scheme *s, const char *path, size_t len, uint64_t index, struct wren_dirent *d)
{
    (void)s;
    enum time_node n = node_of(path, len);
    if (n == NODE_NONE)
        return -E_NOENT;
    if (n != NODE_ROOT)
        return -E_NOTDIR;
    if (index >= NODE_TIMER)
        return -E_NOENT;
    enum time_node e = (enum time_node)(NODE_MONOTONIC + index);
    struct wren_stat st = {0};
    describe(e, &st);
    d->type = st.type;
    d->id = st.id;
    d->name_len = (uint32_t)strlen(node_names[e]);
    memcpy(d->name, node_names[e], d->name_len + 1);
    return 0;
}

static const struct scheme_ops time_scheme_ops = {
    .open = time_open,
    .stat = time_stat,
    .readdir = time_readdir,
};

static struct scheme time_scheme = {.ops = &time_scheme_ops, .name = "time", .name_len = 4};

void time_scheme_init(void)
{
    kernel_scheme_register(&time_scheme);
}
