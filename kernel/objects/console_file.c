/* Console descriptors (console_file.h). */
#include "console.h"
#include "mm/kmalloc.h"
#include "objects/console_file.h"
#include "proc/pgroup.h"
#include "proc/proc.h"
#include "proc/waitq.h"
#include "timer.h"

#define CHUNK          128
#define POLL_PERIOD_NS 10000000ull /* without a receive interrupt, look at the UART this often */

static struct waitq readers;
static struct list opened = LIST_INIT(opened); /* every console descriptor, for their event watchers */

struct console_file {
    struct kobject obj;
    struct list link; /* on `opened` */
};
static int foreground; /* the foreground process group; 0: none, Ctrl-C is plain input */

#define CTRL_C         0x03
#define CTRL_Z         0x1a
#define CTRL_BACKSLASH 0x1c

/* Ctrl-C, Ctrl-\ and Ctrl-Z typed on the console signal the foreground group instead of being read. */
static bool signal_keys(char c)
{
    int sig = c == CTRL_C           ? WREN_SIGNAL_SIGINT
              : c == CTRL_BACKSLASH ? WREN_SIGNAL_SIGQUIT
              : c == CTRL_Z         ? WREN_SIGNAL_SIGTSTP
                                    : 0;
    if (!foreground || !sig)
        return false;
    pgroup_signal(foreground, sig);
    return true;
}

static void input_arrived(void)
{
    waitq_wake_all(&readers);
    for (struct list *l = opened.next; l != &opened; l = l->next)
        kobj_notify(&list_entry(l, struct console_file, link)->obj, WREN_POLL_READABLE);
}

void console_file_init(uint32_t intid, bool edge)
{
    console_rx_filter(signal_keys);
    if (!console_rx_start(intid, edge, input_arrived))
        kprintf("console: no receive interrupt, input is polled every 10 ms\n");
}

static void destroy(struct kobject *o)
{
    struct console_file *f = (struct console_file *)o;
    list_del(&f->link);
    kfree(f);
}

static long con_read(struct kobject *o, user_out_ptr buf, size_t count)
{
    char chunk[CHUNK];
    size_t n;

    if (count == 0)
        return 0;
    while ((n = console_read(chunk, count < CHUNK ? count : CHUNK)) == 0) {
        if (o->open_flags & WREN_OPEN_NONBLOCK)
            return -E_AGAIN;
        long err = waitq_wait(&readers, console_rx_by_irq() ? WAITQ_FOREVER : timer_now_ns() + POLL_PERIOD_NS);
        if (err == -E_INTR)
            return err;
    }
    /*
     * Bytes already taken from the ring cannot be put back: if the buffer turns out bad they
     * are lost, as they would be on a terminal whose reader crashed.
     */
    if (copy_to_user(buf, chunk, n))
        return -E_FAULT;
    return (long)n;
}

long console_write_user(user_in_ptr buf, size_t count)
{
    char chunk[CHUNK];
    size_t done = 0;

    /*
     * At most CONSOLE_WRITE_MAX bytes a call: the UART is written with interrupts masked (the kernel is not
     * preemptible), so the count the caller chooses must not decide how long the machine stops; the rest is a short
     * write, for the caller to write again.
     */
    if (count > CONSOLE_WRITE_MAX)
        count = CONSOLE_WRITE_MAX;
    /* All or nothing: refuse a bad range before anything reaches the console. */
    if (!user_readable(buf, count))
        return -E_FAULT;
    /* Copy in bounded pieces: the kernel stack is small and count is the caller's to choose. */
    while (done < count) {
        size_t n = count - done < CHUNK ? count - done : CHUNK;
        if (copy_from_user(chunk, (user_in_ptr){buf.addr + done}, n))
            return done ? (long)done : -E_FAULT;
        console_write(chunk, n);
        done += n;
        if (done < count)
            sched_cond_resched(); /* a UART takes its time: let a due timer (another thread's deadline) in */
    }
    return (long)done;
}

static long con_write(struct kobject *o, user_in_ptr buf, size_t count)
{
    (void)o;
    return console_write_user(buf, count);
}

static long con_ioctl(struct kobject *o, uint32_t cmd, uint64_t arg)
{
    struct proc *self = proc_current_process();

    (void)o;
    switch (cmd) {
    case WREN_CONSOLE_IOCTL_SET_FOREGROUND_GROUP:
        /* Only a group of the caller's own session: a program cannot aim Ctrl-C at strangers. */
        if (arg != 0 && (arg > INT32_MAX || !pgroup_exists((int)arg, self->sid)))
            return -E_INVAL;
        foreground = (int)arg;
        return 0;
    case WREN_CONSOLE_IOCTL_GET_FOREGROUND_GROUP: return foreground;
    default: return -E_NOTTY;
    }
}

/*
 * Input is announced by the receive interrupt; without one (input polled every 10 ms) a
 * level-triggered subscription still sees it at the next wait that something else ends.
 */
static uint32_t con_poll(struct kobject *o)
{
    (void)o;
    return WREN_POLL_WRITABLE | (console_rx_ready() ? WREN_POLL_READABLE : 0);
}

static const struct kobject_ops console_ops = {
    .destroy = destroy,
    .read = con_read,
    .write = con_write,
    .ioctl = con_ioctl,
    .poll = con_poll,
};

struct kobject *console_file_open(uint32_t flags)
{
    struct console_file *f = kmalloc(sizeof(*f));
    if (!f)
        return 0;
    kobj_init(&f->obj, &console_ops, WREN_OBJECT_FILE, WREN_FILE_TYPE_CHAR_DEVICE);
    f->obj.open_flags = flags;
    list_add_tail(&opened, &f->link);
    return &f->obj;
}
