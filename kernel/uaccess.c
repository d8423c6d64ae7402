/*
 * User-memory access. With the MMU off (until the memory-management work) a user pointer
 * is a physical address, so the check is a range check against the running program's
 * window; a fault-fixup table replaces it once user memory is mapped.
 */
#include <wren/abi.h>

#include "lib/string.h"
#include "user.h"
#include "user_ptr.h"

bool user_readable(user_in_ptr p, size_t len)
{
    return user_range_ok(p.addr, len);
}

int copy_from_user(void *dst, user_in_ptr src, size_t len)
{
    if (!user_range_ok(src.addr, len))
        return -E_FAULT;
    memcpy(dst, (const void *)src.addr, len);
    return 0;
}

int copy_to_user(user_out_ptr dst, const void *src, size_t len)
{
    if (!user_range_ok(dst.addr, len))
        return -E_FAULT;
    memcpy((void *)dst.addr, src, len);
    return 0;
}
