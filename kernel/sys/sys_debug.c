/* Debugging syscalls (interface/syscalls/debug.yaml). */
#include "irq.h"
#include "obj/console_file.h"
#include "obj/event_queue.h"
#include "syscall_table.h"

long sys_debug_write(user_in_ptr buf, size_t len)
{
    return console_write_user(buf, len);
}

long sys_debug_irq_raise(uint32_t intid)
{
    /* Only an interrupt a driver process has claimed: the kernel's own devices are not to be fooled. */
    if (!event_irq_claimed(intid))
        return -E_PERM;
    irq_raise(intid);
    return 0;
}
