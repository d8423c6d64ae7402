/* What a picolibc lock (<sys/lock.h>'s opaque struct __lock) is in Wren's C library: lock.c's recursive futex lock. */
#ifndef WREN_LIBC_LIBC_LOCK_H
#define WREN_LIBC_LIBC_LOCK_H

#include <stdint.h>

struct __lock {
    volatile uint32_t state; /* thread_lock.h */
    unsigned count;          /* depth of the owner's acquisitions */
    uintptr_t owner;         /* the owner's thread pointer */
};

#endif
