/*
 * Port syscalls (interface/syscalls/port.yaml). Arguments are checked and names copied in
 * first; a call that makes a handle checks for room in the handle table before it changes
 * anything, so the object layer (objects/port.c) never has to undo a step.
 */
#include "objects/channel.h"
#include "obj/handle.h"
#include "objects/port.h"
#include "proc/proc.h"
#include "proc/waitq.h"
#include "syscall_table.h"

/* What a subscriber may do with its end: read, pass on, duplicate; never send. */
#define SUBSCRIBER_RIGHTS (WREN_OBJECT_CHANNEL_RIGHTS & ~WREN_RIGHT_WRITE)

static struct handle_table *my_table(void)
{
    return &proc_current()->handles;
}

static bool table_full(void)
{
    return handle_count(my_table()) >= HANDLE_MAX;
}

/* Copy a port name into buf (PORT_NAME_MAX bytes): 0 or E_*. */
static long fetch_name(char *buf, user_in_ptr name, size_t len)
{
    if (len == 0)
        return -E_INVAL;
    if (len > PORT_NAME_MAX)
        return -E_NAMETOOLONG;
    return copy_from_user(buf, name, len) ? -E_FAULT : 0;
}

static long get_port(wren_handle_t port, uint32_t rights, struct kobject **o)
{
    return handle_get(my_table(), port, WREN_OBJECT_PORT, rights, -E_BADHANDLE, o);
}

long sys_port_register(user_in_ptr name, size_t name_len)
{
    char buf[PORT_NAME_MAX];
    struct kobject *port;

    long err = fetch_name(buf, name, name_len);
    if (err)
        return err;
    if (port_name_restricted(buf, name_len) && !proc_current()->privileged)
        return -E_PERM;
    if (table_full())
        return -E_MFILE;
    err = port_register(buf, name_len, &port);
    if (err)
        return err;
    return handle_install(my_table(), port, WREN_OBJECT_PORT_RIGHTS, 0);
}

long sys_port_unregister(wren_handle_t port)
{
    struct kobject *o;
    long err = get_port(port, 0, &o);
    if (err)
        return err;
    port_unregister(o);
    kobj_put(o);
    return handle_close(my_table(), port, -E_BADHANDLE);
}

/*
 * Give the caller a new channel end. The table was checked for room before any wait; if it
 * filled meanwhile (threads sharing it), the end goes and its peer sees Close.
 */
static long install_end(struct kobject *end, uint32_t rights)
{
    long h = handle_install(my_table(), end, rights, 0);
    if (h < 0)
        kobj_put(end);
    return h;
}

long sys_port_connect(user_in_ptr name, size_t name_len, uint64_t timeout_ns)
{
    char buf[PORT_NAME_MAX];
    struct kobject *end;

    long err = fetch_name(buf, name, name_len);
    if (err)
        return err;
    if (table_full())
        return -E_MFILE;
    err = port_connect(buf, name_len, waitq_deadline_after(timeout_ns), &end);
    return err ? err : install_end(end, WREN_OBJECT_CHANNEL_RIGHTS);
}

long sys_port_accept(wren_handle_t port, uint32_t flags, uint64_t timeout_ns)
{
    struct kobject *o, *end;
    long err = get_port(port, WREN_RIGHT_READ, &o);
    if (err)
        return err;
    if (table_full())
        err = -E_MFILE; /* the request stays queued */
    else
        err = port_accept(o, flags & WREN_IPC_NONBLOCK, waitq_deadline_after(timeout_ns), &end);
    kobj_put(o);
    return err ? err : install_end(end, WREN_OBJECT_CHANNEL_RIGHTS);
}

long sys_port_drop_privilege(void)
{
    struct proc *self = proc_current();
    bool had = self->privileged;
    self->privileged = false;
    return had;
}

long sys_port_subscribe(user_in_ptr name, size_t name_len)
{
    char buf[PORT_NAME_MAX];
    struct kobject *end;

    long err = fetch_name(buf, name, name_len);
    if (err)
        return err;
    if (table_full())
        return -E_MFILE;
    err = port_subscribe(buf, name_len, &end);
    return err ? err : install_end(end, SUBSCRIBER_RIGHTS);
}

long sys_port_publish(wren_handle_t port, user_in_ptr msg, user_out_ptr skipped)
{
    struct kobject *o;
    struct wren_msg m;
    uint32_t full = 0;

    long ret = get_port(port, WREN_RIGHT_WRITE, &o);
    if (ret)
        return ret;
    if (skipped.addr && !user_writable(skipped, sizeof(full)))
        ret = -E_FAULT;
    else if (!(ret = channel_fetch_msg(&m, msg, 0)))
        ret = port_publish(o, &m, &full);
    kobj_put(o);
    if (ret >= 0 && skipped.addr && copy_to_user(skipped, &full, sizeof(full)))
        return -E_FAULT;
    return ret;
}
