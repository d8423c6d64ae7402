/*
 * IPC channel syscalls (interface/syscalls/channel.yaml). Messages are copied into the kernel
 * whole (96 bytes) and checked there, so the user cannot change one after it was checked. The
 * dispatcher has looked each channel up and checked its type and rights (syscall_dispatch.c).
 */
#include "objects/channel.h"
#include "obj/handle.h"
#include "proc/waitq.h"
#include "sys/handles.h"
#include "syscall_table.h"

/*
 * The deadline of a timeout (waitq_deadline_after), out of line: the handlers below reach the
 * channel code by a tail call and need no stack frame of their own, so the calls cost no more
 * than before the dispatcher took over their lookups (docs/benchmarks.md, ipc_call_rtt).
 */
static __attribute__((noinline)) uint64_t deadline_after(uint64_t timeout_ns)
{
    return waitq_deadline_after(timeout_ns);
}

long sys_channel_create(user_out_ptr ends, uint32_t depth)
{
    struct handle_table *t = caller_handles();
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

long sys_channel_close(struct handle *ch)
{
    handle_close_entry(caller_handles(), ch);
    return 0;
}

static __attribute__((noinline)) long send_timed(struct kobject *ch, user_in_ptr msg, uint32_t flags,
                                                 uint64_t timeout_ns)
{
    return channel_send_user(ch, msg, flags & WREN_IPC_NONBLOCK, deadline_after(timeout_ns));
}

long sys_send(struct kobject *ch, user_in_ptr msg, uint32_t flags, uint64_t timeout_ns)
{
    if (timeout_ns)
        return send_timed(ch, msg, flags, timeout_ns);
    return channel_send_user(ch, msg, flags & WREN_IPC_NONBLOCK, WAITQ_FOREVER);
}

static __attribute__((noinline)) long receive_timed(struct kobject *ch, user_out_ptr msg, uint32_t flags,
                                                    uint64_t timeout_ns)
{
    return channel_receive(ch, 0, msg, flags & WREN_IPC_NONBLOCK, deadline_after(timeout_ns));
}

long sys_receive(struct kobject *ch, user_out_ptr msg, uint32_t flags, uint64_t timeout_ns)
{
    /* Straight from the queue to the user's buffer; a bad buffer leaves the message queued. */
    if (timeout_ns)
        return receive_timed(ch, msg, flags, timeout_ns);
    return channel_receive(ch, 0, msg, flags & WREN_IPC_NONBLOCK, WAITQ_FOREVER);
}

/* Both are entries, as the handle moves out of the table and must not be `ch` itself. */
long sys_channel_transfer(struct handle *ch, struct handle *handle, uint32_t rights)
{
    struct wren_msg m = {0};

    if (handle == ch)
        return -E_BADHANDLE;
    struct kobject *o = ch->obj, *moving = handle->obj;
    /* A move that could close a cycle of handles in flight (which nothing could ever free) is refused. */
    long err = channel_check_transfer(o, moving);
    if (err)
        return err;
    m.header.type = WREN_MSG_DATA;
    m.header.length = sizeof(wren_handle_t);
    uint32_t keep = handle->rights & rights;
    /* Never blocks, and the entries hold both objects until the message is queued. The message takes its own
     * reference to `moving`; closing the entry then drops the table's. */
    err = channel_send(o, &m, kobj_get(moving), keep, true, 0);
    if (err)
        kobj_put(moving);
    else
        handle_close_entry(caller_handles(), handle);
    return err;
}

static __attribute__((noinline)) long call_timed(struct kobject *ch, user_inout_ptr msg, uint64_t timeout_ns)
{
    return channel_call(ch, msg, deadline_after(timeout_ns));
}

long sys_call(struct kobject *ch, user_inout_ptr msg, uint64_t timeout_ns)
{
    if (timeout_ns)
        return call_timed(ch, msg, timeout_ns);
    return channel_call(ch, msg, WAITQ_FOREVER);
}

/* reply_ch is NULL for -1 (receive only); it may be the same object as receive_ch. */
static __attribute__((noinline)) long reply_receive_timed(struct kobject *reply_ch, struct kobject *receive_ch,
                                                          user_inout_ptr msg, uint64_t timeout_ns)
{
    return channel_reply_receive(reply_ch, receive_ch, msg, deadline_after(timeout_ns));
}

long sys_reply_receive(struct kobject *reply_ch, struct kobject *receive_ch, user_inout_ptr msg, uint64_t timeout_ns)
{
    if (timeout_ns)
        return reply_receive_timed(reply_ch, receive_ch, msg, timeout_ns);
    return channel_reply_receive(reply_ch, receive_ch, msg, WAITQ_FOREVER);
}
