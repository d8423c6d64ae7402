/* IPC channel syscalls (interface/syscalls/channel.yaml): wait for the IPC work. */
#include "syscall_table.h"

long sys_channel_create(user_out_ptr ends)
{
    (void)ends;
    return -E_NOSYS;
}

long sys_channel_close(wren_handle_t ch)
{
    (void)ch;
    return -E_NOSYS;
}

long sys_send(wren_handle_t ch, user_in_ptr msg, uint32_t flags)
{
    (void)ch, (void)msg, (void)flags;
    return -E_NOSYS;
}

long sys_receive(wren_handle_t ch, user_out_ptr msg, uint32_t flags)
{
    (void)ch, (void)msg, (void)flags;
    return -E_NOSYS;
}

long sys_channel_transfer(wren_handle_t ch, wren_handle_t handle)
{
    (void)ch, (void)handle;
    return -E_NOSYS;
}
