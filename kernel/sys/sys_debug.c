/* Debugging syscalls (interface/syscalls/debug.yaml). */
#include "obj/console_file.h"
#include "syscall_table.h"

long sys_debug_write(user_in_ptr buf, size_t len)
{
    return console_write_user(buf, len);
}
