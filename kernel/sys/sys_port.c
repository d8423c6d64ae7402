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
#include "sys/handles.h"
#include "syscall_table.h"

/* What a subscriber may do with its end: read, pass on, duplicate; never send. */
#define SUBSCRIBER_RIGHTS (WREN_OBJECT_CHANNEL_RIGHTS & ~WREN_RIGHT_WRITE)

static bool table_full(void)
{
    return handle_count(caller_handles()) >= HANDLE_MAX;
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

long sys_port_register(user_in_buf name)
{
    char buf[PORT_NAME_MAX];
    struct kobject *port;

    long err = fetch_name(buf, name.ptr, name.len);
    if (err)
        return err;
    if (port_name_restricted(buf, name.len) && !proc_current_process()->privileged)
        return -E_PERM;
    if (table_full())
        return -E_MFILE;
    err = port_register(buf, name.len, &port);
    if (err)
        return err;
    return handle_install(caller_handles(), port, WREN_OBJECT_PORT_RIGHTS, 0);
}

long sys_port_unregister(struct handle *port)
{
    port_unregister(port->obj); /* the entry still holds the port */
    handle_close_entry(caller_handles(), port);
    return 0;
}

/*
 * Give the caller a new channel end. The table was checked for room before any wait; if it
 * filled meanwhile (threads sharing it), the end goes and its peer sees Close.
 */
static long install_end(struct kobject *end, uint32_t rights)
{
    long h = handle_install(caller_handles(), end, rights, 0);
    if (h < 0)
        kobj_put(end);
    return h;
}

long sys_port_connect(user_in_buf name, uint64_t timeout_ns)
{
    char buf[PORT_NAME_MAX];
    struct kobject *end;

    long err = fetch_name(buf, name.ptr, name.len);
    if (err)
        return err;
    if (table_full())
        return -E_MFILE;
    err = port_connect(buf, name.len, waitq_deadline_after(timeout_ns), &end);
    return err ? err : install_end(end, WREN_OBJECT_CHANNEL_RIGHTS);
}

long sys_port_accept(struct kobject *port, uint32_t flags, uint64_t timeout_ns)
{
    struct kobject *end;
    long err;
    if (table_full())
        err = -E_MFILE; /* the request stays queued */
    else
        err = port_accept(port, flags & WREN_IPC_NONBLOCK, waitq_deadline_after(timeout_ns), &end);
    return err ? err : install_end(end, WREN_OBJECT_CHANNEL_RIGHTS);
}

long sys_port_drop_privilege(void)
{
    struct proc *self = proc_current_process();
    bool had = self->privileged;
    self->privileged = false;
    return had;
}

long sys_port_subscribe(user_in_buf name)
{
    char buf[PORT_NAME_MAX];
    struct kobject *end;

    long err = fetch_name(buf, name.ptr, name.len);
    if (err)
        return err;
    if (table_full())
        return -E_MFILE;
    err = port_subscribe(buf, name.len, &end);
    return err ? err : install_end(end, SUBSCRIBER_RIGHTS);
}

long sys_port_publish(struct kobject *port, user_in_ptr msg, user_out_ptr skipped)
{
    struct wren_msg m;
    uint32_t full = 0;
    long ret = 0;

    if (skipped.addr && !user_writable(skipped, sizeof(full)))
        ret = -E_FAULT;
    else if (!(ret = channel_fetch_msg(&m, msg, 0)))
        ret = port_publish(port, &m, &full);
    if (ret >= 0 && skipped.addr && copy_to_user(skipped, &full, sizeof(full)))
        return -E_FAULT;
    return ret;
}
