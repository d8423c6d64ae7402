/* GENERATED from interface/errors.yaml, interface/types.yaml, interface/rights.yaml, interface/ipc.yaml, interface/events.yaml, interface/schemes.yaml, interface/syscalls/channel.yaml, interface/syscalls/fd.yaml, interface/syscalls/proc.yaml by gen/wrengen.py; do not edit — edit the YAML. */
/* Interface version: c7d338cfbc6f03e7 */
#ifndef WREN_KERNEL_SYSCALL_TABLE_H
#define WREN_KERNEL_SYSCALL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "user_ptr.h"
#include <wren/abi.h>

/*
 * What the kernel must implement: one sys_<name>() per syscall, in
 * kernel/sys/sys_<family>.c (the build's check-impl step fails until each one
 * exists).  syscall_dispatch() calls them after it has
 *  - truncated each integer to its declared width (AAPCS64 leaves the upper
 *    bits of a narrower argument undefined, so they carry no meaning),
 *  - rejected unknown flag bits and unknown enum values with -E_INVAL,
 *  - wrapped every user pointer in a user_in_ptr/user_out_ptr/user_inout_ptr,
 *    which cannot be dereferenced, only passed to the user-copy helpers; a
 *    pointer with a `len:` argument arrives with its length as one
 *    user_in_buf/user_out_buf/user_inout_buf (the length in elements of what
 *    it points to, bytes for plain memory),
 *  - looked up every handle or fd argument in the caller's table and checked
 *    its type and rights (E_BADHANDLE, E_WRONGTYPE, E_ACCES; E_BADF for a
 *    descriptor): `pass: object` (the default) hands over a struct kobject *
 *    holding a reference the dispatcher drops after the call, `pass: entry`
 *    the checked struct handle * of the caller's table (no reference: valid
 *    until the handler blocks or changes the table), `pass: number` the raw
 *    number.
 * Each returns a result >= 0 or -E_<NAME>; see docs/syscalls.md.
 */
struct handle;
struct kobject;

typedef struct {
	user_in_ptr ptr;
	size_t len;
} user_in_buf; /* a user buffer the kernel reads */
typedef struct {
	user_out_ptr ptr;
	size_t len;
} user_out_buf; /* one it writes */
typedef struct {
	user_inout_ptr ptr;
	size_t len;
} user_inout_buf; /* both */

/* proc: Processes (interface/syscalls/proc.yaml, implemented in kernel/sys/sys_proc.c) */
_Noreturn void sys_exit(int32_t code); /* 0x100 */
long sys_get_pid(void); /* 0x101 */

/* fd: Files (interface/syscalls/fd.yaml, implemented in kernel/sys/sys_fd.c) */
long sys_read(struct kobject *fd, user_out_buf buf); /* 0x602 */
long sys_lseek(struct kobject *fd, int64_t offset, uint32_t whence); /* 0x606 */
long sys_fstat(wren_fd_t fd, user_out_ptr st, uint64_t opts); /* 0x607 */

/* channel: Channels in a block above 0xffff (interface/syscalls/channel.yaml, implemented in kernel/sys/sys_channel.c) */
long sys_send(struct kobject *ch, user_in_ptr msg, user_inout_ptr handles, struct handle *any, user_in_buf text); /* 0x12345 */

/* ---- Trace decoding: a compact copy of the interface for the kernel -------- */

/* How a trace prints an argument. */
enum syscall_arg_kind {
	SYSARG_INT,
	SYSARG_UINT,
	SYSARG_HEX,
	SYSARG_SIZE,
	SYSARG_USER_PTR,
	SYSARG_HANDLE,
	SYSARG_FD,
	SYSARG_FLAGS,
	SYSARG_ENUM,
};

struct syscall_arg_desc {
	const char *name;
	uint8_t kind; /* enum syscall_arg_kind */
};

struct syscall_desc {
	uint32_t nr;
	const char *name;
	uint8_t nargs;
	uint8_t blocking;
	uint8_t noreturn; /* never returns to the caller (exit) */
	struct syscall_arg_desc args[6];
};

/* Every syscall, sorted by number. */
extern const struct syscall_desc syscall_descs[];
extern const size_t syscall_desc_count;

/* The descriptor of syscall `nr`, or NULL if there is none. */
const struct syscall_desc *syscall_desc_lookup(uint64_t nr);

/*
 * May syscall `nr` be made again after a signal interrupted it (E_INTR) and the
 * handler has WREN_SIGACTION_RESTART?  The calls marked `restartable: true` in
 * interface/syscalls/.
 */
bool syscall_restartable(uint64_t nr);

/* "E_NOMEM" for -E_NOMEM (or E_NOMEM); "E_?" for a value errors.yaml does not define. */
const char *syscall_error_name(long err);

/*
 * May a user send a message of type `type`?  The types ipc.yaml defines,
 * except those it marks `kernel_only` (the kernel refuses them with -E_INVAL
 * on every path that takes a message from user space).  It is on the IPC fast
 * path: with every such type below 32 it is one bound and one bit test.
 */
#define MSG_TYPES_USER_MAY_SEND ((1u << WREN_MSG_DATA))
static inline int msg_type_user_may_send(uint32_t type)
{
	return type < 32 && ((MSG_TYPES_USER_MAY_SEND >> type) & 1);
}

/*
 * Decode x8 (`nr`) and x0-x5 (`args`) and call the implementation.  Returns
 * what it returns, or -E_NOSYS for an unknown number.
 */
long syscall_dispatch(uint64_t nr, const uint64_t args[6]);

/*
 * Per-syscall statistics (/scheme/sys/syscalls).  syscall_dispatch counts each
 * call of a known number before its decoder runs (a call that never returns,
 * or is restarted after a signal, counts once per entry); the syscall layer
 * reports each negative result with syscall_count_error.  Unknown numbers
 * (E_NOSYS) are counted nowhere.  One CPU: plain increments.
 */
void syscall_count_error(uint64_t nr);
/* The counts of syscall `nr` so far: false (and zeros) if there is no such syscall. */
bool syscall_counts(uint64_t nr, uint64_t *calls, uint64_t *errors);

#endif /* WREN_KERNEL_SYSCALL_TABLE_H */
