/* Scheme server syscalls (interface/syscalls/scheme_server.yaml): argument checks, then scheme/user_scheme.c. */
#include "lib/scheme_path.h"
#include "obj/handle.h"
#include "proc/proc.h"
#include "scheme/user_scheme.h"
#include "sys/handles.h"
#include "syscall_table.h"

long sys_scheme_register(user_in_buf name)
{
    char buf[SCHEME_NAME_MAX];
    struct kobject *reg;

    if (name.len == 0)
        return -E_INVAL;
    if (name.len > SCHEME_NAME_MAX)
        return -E_NAMETOOLONG;
    if (copy_from_user(buf, name.ptr, name.len))
        return -E_FAULT;
    if (!proc_current_process()->privileged)
        return -E_PERM;
    if (handle_count(caller_handles()) >= HANDLE_MAX)
        return -E_MFILE;
    long err = user_scheme_register(buf, name.len, &reg);
    if (err)
        return err;
    long h = handle_install(caller_handles(), reg, WREN_OBJECT_SCHEME_SERVER_RIGHTS, 0);
    if (h < 0)
        kobj_put(reg);
    return h;
}

long sys_scheme_receive(struct kobject *server, user_out_ptr request, user_inout_buf buf, uint32_t flags)
{
    uint32_t how = US_SERVE_RECEIVE | (flags & WREN_IPC_NONBLOCK ? US_SERVE_NONBLOCK : 0);
    return user_scheme_serve(server, (user_in_ptr){0}, request, buf, how);
}

long sys_scheme_reply(struct kobject *server, user_in_ptr reply)
{
    return user_scheme_serve(server, reply, (user_out_ptr){0}, (user_inout_buf){{0}, 0}, US_SERVE_REPLY);
}

long sys_scheme_reply_receive(struct kobject *server, user_in_ptr reply, user_out_ptr request, user_inout_buf buf)
{
    uint32_t how = US_SERVE_RECEIVE | (reply.addr ? US_SERVE_REPLY : 0);
    return user_scheme_serve(server, reply, request, buf, how);
}
