/* GENERATED from interface/errors.yaml, interface/types.yaml, interface/rights.yaml, interface/ipc.yaml, interface/events.yaml, interface/schemes.yaml, interface/syscalls/channel.yaml, interface/syscalls/fd.yaml, interface/syscalls/proc.yaml by gen/wrengen.py; do not edit — edit the YAML. */
/* Interface version: c7d338cfbc6f03e7 */
#ifndef WREN_SYSCALLS_H
#define WREN_SYSCALLS_H

/*
 * User-space system calls.  Each wren_<name>() is a three-instruction stub in
 * userlib/syscalls.S; it returns the kernel's answer unchanged: a result >= 0,
 * or -E_<NAME> (see <wren/abi.h>) on failure.  Reference: docs/syscalls.md.
 */

#include <stddef.h>
#include <stdint.h>
#include <wren/abi.h>

#ifdef __cplusplus
extern "C" {
#endif

/* proc: Processes */

/* 0x100: Leave. */
_Noreturn void wren_exit(int32_t code);

/* 0x101: Who am I. */
long wren_get_pid(void);

/* fd: Files */

/* 0x602: Read bytes. */
long wren_read(wren_fd_t fd, void *buf, size_t count);

/* 0x606: Seek. */
long wren_lseek(wren_fd_t fd, int64_t offset, uint32_t whence);

/* 0x607: Describe. */
long wren_fstat(wren_fd_t fd, struct wren_stat *st, uint64_t opts);

/* channel: Channels in a block above 0xffff */

/* 0x12345: Send. */
long wren_send(wren_handle_t ch, const struct wren_msg *msg, wren_handle_t *handles, wren_handle_t any, const char *text, uint32_t text_len);

#ifdef __cplusplus
}
#endif

#endif /* WREN_SYSCALLS_H */
