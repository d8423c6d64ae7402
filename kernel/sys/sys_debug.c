/* Debugging syscalls (interface/syscalls/debug.yaml). */
#include "console.h"
#include "syscall_table.h"

#define DEBUG_WRITE_CHUNK 128

long sys_debug_write(user_in_ptr buf, size_t len)
{
    char chunk[DEBUG_WRITE_CHUNK];
    size_t done = 0;

    /* All or nothing: refuse a bad range before anything reaches the console. */
    if (!user_readable(buf, len))
        return -E_FAULT;
    /* Copy in bounded pieces: the kernel stack is small and len is the caller's to choose. */
    while (done < len) {
        size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
        if (copy_from_user(chunk, (user_in_ptr){buf.addr + done}, n) != 0)
            return -E_FAULT;
        console_write(chunk, n);
        done += n;
    }
    return (long)done;
}
