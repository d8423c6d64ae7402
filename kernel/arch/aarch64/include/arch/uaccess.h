/* Copies to and from user memory through the fault-fixup table (arch/aarch64/uaccess.S). */
#ifndef WREN_ARCH_UACCESS_H
#define WREN_ARCH_UACCESS_H

#include <stddef.h>
#include <stdint.h>

long arch_copy_from_user(void *dst, const void *user_src, size_t len);
long arch_copy_to_user(void *user_dst, const void *src, size_t len);

/* The same for one IPC message of exactly ARCH_UACCESS_MSG_SIZE bytes, unrolled. */
#define ARCH_UACCESS_MSG_SIZE 96
long arch_copy_msg_from_user(void *dst, const void *user_src);
long arch_copy_msg_to_user(void *user_dst, const void *src);

/* The fixup for a fault at kernel pc, or 0 if pc is not a user-access instruction. */
uintptr_t arch_uaccess_fixup(uintptr_t pc);

#endif
