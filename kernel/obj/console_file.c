/* Console descriptors (console_file.h). */
#include "console.h"
#include "mm/kmalloc.h"
#include "obj/console_file.h"
#include "proc/waitq.h"
#include "timer.h"

#define CHUNK          128
#define POLL_PERIOD_NS 10000000ull /* without a receive interrupt, look at the UART this often */

static struct waitq readers;

static void input_arrived(void)
{
    waitq_wake_all(&readers);
}

void console_file_init(uint32_t intid, bool edge)
{
    if (!console_rx_start(intid, edge, input_arrived))
        kprintf("console: no receive interrupt, input is polled every 10 ms\n");
}

static void destroy(struct kobject *o)
{
    kfree(o);
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
        waitq_wait(&readers, console_rx_by_irq() ? WAITQ_FOREVER : timer_now_ns() + POLL_PERIOD_NS);
    }
    /*
     * Bytes already taken from the ring cannot be put back: if the buffer turns out bad they
     * are lost, as they would be on a terminal whose reader crashed.
     */
    if (copy_to_user(buf, chunk, n))
        return -E_FAULT;
    return (long)n;
}

static long con_write(struct kobject *o, user_in_ptr buf, size_t count)
{
    char chunk[CHUNK];
    size_t done = 0;

    (void)o;
    if (!user_readable(buf, count))
        return -E_FAULT;
    while (done < count) {
        size_t n = count - done < CHUNK ? count - done : CHUNK;
        if (copy_from_user(chunk, (user_in_ptr){buf.addr + done}, n))
            return done ? (long)done : -E_FAULT;
        console_write(chunk, n);
        done += n;
    }
    return (long)done;
}

static const struct kobject_ops console_ops = {
    .destroy = destroy,
    .read = con_read,
    .write = con_write,
};

struct kobject *console_file_open(uint32_t flags)
{
    struct kobject *o = kmalloc(sizeof(*o));
    if (!o)
        return 0;
    kobj_init(o, &console_ops, WREN_OBJECT_FILE, WREN_FILE_TYPE_CHAR_DEVICE);
    o->open_flags = flags;
    return o;
}
