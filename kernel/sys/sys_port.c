/* Port syscalls (interface/syscalls/port.yaml): wait for the IPC work. */
#include "syscall_table.h"

long sys_port_register(user_in_ptr name, size_t name_len)
{
    (void)name, (void)name_len;
    return -E_NOSYS;
}

long sys_port_unregister(wren_handle_t port)
{
    (void)port;
    return -E_NOSYS;
}

long sys_port_connect(user_in_ptr name, size_t name_len)
{
    (void)name, (void)name_len;
    return -E_NOSYS;
}

long sys_port_accept(wren_handle_t port)
{
    (void)port;
    return -E_NOSYS;
}
