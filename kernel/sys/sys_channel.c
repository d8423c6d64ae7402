/*
 * IPC channel syscalls (interface/syscalls/channel.yaml). Messages are copied into the kernel
 * whole (96 bytes) and checked there, so the user cannot change one after it was checked.
 */
#include "objects/channel.h"
#include "obj/handle.h"
#include "proc/proc.h"
#include "proc/waitq.h"
#include "syscall_table.h"

static struct handle_table *my_table(void)
{
    return &proc_current()->handles;
}

static long get_channel(wren_handle_t ch, uint32_t rights, struct kobject **o)
{
    return handle_get(my_table(), ch, WREN_OBJECT_CHANNEL, rights, -E_BADHANDLE, o);
}

long sys_channel_create(user_out_ptr ends, uint32_t depth)
{
    struct handle_table *t = my_table();
    struct kobject *a, *b;
    const uint32_t rights = WREN_OBJECT_CHANNEL_RIGHTS;

    if (depth > CHANNEL_MAX_DEPTH)
        return -E_INVAL;
    if (HANDLE_MAX - handle_count(t) < 2)
        return -E_MFILE;
    long err = channel_create(depth ? depth : CHANNEL_DEFAULT_DEPTH, &a, &b);
    if (err)
        return err;
    wren_handle_t h[2];
    h[0] = (wren_handle_t)handle_install(t, a, rights, 0);
    h[1] = (wren_handle_t)handle_install(t, b, rights, 0);
    if (copy_to_user(ends, h, sizeof(h))) {
        handle_close(t, h[0], 0);
        handle_close(t, h[1], 0);
        return -E_FAULT;
    }
    return 0;
}

long sys_channel_close(wren_handle_t ch)
{
    struct handle *e = handle_entry(my_table(), ch);
    if (!e)
        return -E_BADHANDLE;
    if (e->obj->type != WREN_OBJECT_CHANNEL)
        return -E_WRONGTYPE;
    return handle_close(my_table(), ch, -E_BADHANDLE);
}

long sys_send(wren_handle_t ch, user_in_ptr msg, uint32_t flags, uint64_t timeout_ns)
{
    struct kobject *o;
    long err = get_channel(ch, WREN_RIGHT_WRITE, &o);
    if (err)
        return err;
    err = channel_send_user(o, msg, flags & WREN_IPC_NONBLOCK, waitq_deadline_after(timeout_ns));
    kobj_put(o);
    return err;
}

long sys_receive(wren_handle_t ch, user_out_ptr msg, uint32_t flags, uint64_t timeout_ns)
{
    struct kobject *o;
    long ret = get_channel(ch, WREN_RIGHT_READ, &o);
    if (ret)
        return ret;
    /* Straight from the queue to the user's buffer; a bad buffer leaves the message queued. */
    ret = channel_receive(o, 0, msg, flags & WREN_IPC_NONBLOCK, waitq_deadline_after(timeout_ns));
    kobj_put(o);
    return ret;
}

long sys_channel_transfer(wren_handle_t ch, wren_handle_t handle, uint32_t rights)
{
    struct handle_table *t = my_table();
    struct kobject *o, *moving;
    struct wren_msg m = {0};

    long err = get_channel(ch, WREN_RIGHT_WRITE, &o);
    if (err)
        return err;
    if (handle == ch) {
        kobj_put(o);
        return -E_BADHANDLE;
    }
    err = handle_get(t, handle, 0, WREN_RIGHT_TRANSFER, -E_BADHANDLE, &moving);
    if (err) {
        kobj_put(o);
        return err;
    }
    /* A move that could close a cycle of handles in flight (which nothing could ever free) is refused. */
    err = channel_check_transfer(o, moving);
    if (err) {
        kobj_put(moving);
        kobj_put(o);
        return err;
    }
    m.header.type = WREN_MSG_DATA;
    m.header.length = sizeof(wren_handle_t);
    uint32_t keep = handle_entry(t, handle)->rights & rights;
    /* Never blocks: the handle is still ours until the message is queued. */
    err = channel_send(o, &m, moving, keep, true, 0);
    if (err)
        kobj_put(moving);
    else
        handle_close(t, handle, 0); /* the message holds its own reference */
    kobj_put(o);
    return err;
}

long sys_call(wren_handle_t ch, user_inout_ptr msg, uint64_t timeout_ns)
{
    struct kobject *o;
    long ret = get_channel(ch, WREN_RIGHT_READ | WREN_RIGHT_WRITE, &o);
    if (ret)
        return ret;
    ret = channel_call(o, msg, waitq_deadline_after(timeout_ns));
    kobj_put(o);
    return ret;
}

long sys_reply_receive(wren_handle_t reply_ch, wren_handle_t receive_ch, user_inout_ptr msg, uint64_t timeout_ns)
{
    struct kobject *reply = 0, *from;
    /* A server usually answers and receives on one channel: then one lookup checks both rights. */
    bool same = reply_ch == receive_ch;
    long ret = get_channel(receive_ch, same ? WREN_RIGHT_READ | WREN_RIGHT_WRITE : WREN_RIGHT_READ, &from);
    if (ret)
        return ret;
    if (same)
        reply = from; /* the one reference covers both uses */
    else if (reply_ch != -1)
        ret = get_channel(reply_ch, WREN_RIGHT_WRITE, &reply);
    if (!ret)
        ret = channel_reply_receive(reply, from, msg, waitq_deadline_after(timeout_ns));
    if (!same)
        kobj_put(reply);
    kobj_put(from);
    return ret;
}
