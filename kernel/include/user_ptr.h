/*
 * User pointers as the kernel sees them: opaque addresses that cannot be dereferenced,
 * only copied through the user-access functions, which check them first. The generated
 * dispatcher (build/gen/kernel/syscall_dispatch.c) wraps every argument the interface
 * marks `user: true` in one of these, so "the kernel touched a user pointer directly"
 * does not compile.
 */
#ifndef WREN_USER_PTR_H
#define WREN_USER_PTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/uaccess.h"

#define USER_ADDR_TOP   0x0001000000000000ull /* 2^48, the top of TTBR0's range: mm/vm.h's VM_USER_TOP */
#define USER_PTR_EFAULT 14                    /* E_FAULT (interface/errors.yaml; asserted in uaccess.c) */

typedef struct {
    uintptr_t addr;
} user_in_ptr; /* the kernel reads through it */
typedef struct {
    uintptr_t addr;
} user_out_ptr; /* the kernel writes through it */
typedef struct {
    uintptr_t addr;
} user_inout_ptr; /* both */

/* Is all of [p, p + len) memory of the calling program? Checks before any side effect. */
bool user_readable(user_in_ptr p, size_t len);
/* Is all of [p, p + len) memory the calling program may write (a later copy_to_user can still fault in a page)? */
bool user_writable(user_out_ptr p, size_t len);

/*
 * 0, or -E_FAULT if [src, src + len) is not memory of the calling program. Inline, as every
 * IPC message goes through two of them: the range must lie in the user half (so the MMU's
 * EL0 checks apply to all of it), and the copy itself uses unprivileged loads and stores
 * with a fault fixup (arch/uaccess.h). With no program running, TTBR0 holds an empty table
 * (exit switches to it before freeing its own), so a stray copy faults to -E_FAULT too.
 */
static inline bool user_range_ok(uintptr_t addr, size_t len)
{
    return addr < USER_ADDR_TOP && len <= USER_ADDR_TOP - addr;
}

static inline int copy_from_user(void *dst, user_in_ptr src, size_t len)
{
    if (!user_range_ok(src.addr, len))
        return -USER_PTR_EFAULT;
    return (int)arch_copy_from_user(dst, (const void *)src.addr, len);
}

static inline int copy_to_user(user_out_ptr dst, const void *src, size_t len)
{
    if (!user_range_ok(dst.addr, len))
        return -USER_PTR_EFAULT;
    return (int)arch_copy_to_user((void *)dst.addr, src, len);
}

/* copy_from_user/copy_to_user of one IPC message (ARCH_UACCESS_MSG_SIZE bytes), the hot case. */
static inline int copy_msg_from_user(void *dst, user_in_ptr src)
{
    if (!user_range_ok(src.addr, ARCH_UACCESS_MSG_SIZE))
        return -USER_PTR_EFAULT;
    return (int)arch_copy_msg_from_user(dst, (const void *)src.addr);
}

static inline int copy_msg_to_user(user_out_ptr dst, const void *src)
{
    if (!user_range_ok(dst.addr, ARCH_UACCESS_MSG_SIZE))
        return -USER_PTR_EFAULT;
    return (int)arch_copy_msg_to_user((void *)dst.addr, src);
}

#endif
