/* Event syscalls (interface/syscalls/event.yaml): wait for the events work. */
#include "syscall_table.h"

long sys_event_subscribe(uint32_t type, uint64_t source)
{
    (void)type, (void)source;
    return -E_NOSYS;
}

long sys_event_unsubscribe(uint32_t id)
{
    (void)id;
    return -E_NOSYS;
}

long sys_event_wait(user_out_ptr events, uint32_t max, int64_t timeout_ns)
{
    (void)events, (void)max, (void)timeout_ns;
    return -E_NOSYS;
}

long sys_event_post(int32_t pid, uint32_t type, uint64_t data)
{
    (void)pid, (void)type, (void)data;
    return -E_NOSYS;
}
