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

/* 0, or -E_FAULT if [src, src + len) is not memory of the calling program. */
int copy_from_user(void *dst, user_in_ptr src, size_t len);
int copy_to_user(user_out_ptr dst, const void *src, size_t len);

#endif
