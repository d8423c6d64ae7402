/* GENERATED from interface/errors.yaml, interface/types.yaml, interface/rights.yaml, interface/ipc.yaml, interface/events.yaml, interface/schemes.yaml, interface/syscalls/channel.yaml, interface/syscalls/fd.yaml, interface/syscalls/proc.yaml by gen/wrengen.py; do not edit — edit the YAML. */
/* Interface version: c7d338cfbc6f03e7 */
#ifndef WREN_ABI_H
#define WREN_ABI_H

/*
 * The Wren kernel/user-space ABI: syscall numbers, error codes, IPC and event
 * layouts, rights, flags and enums, shared structs and scheme names.  Included
 * by the kernel and by user space alike, so it is freestanding C11 that needs
 * only <stdint.h> and <stddef.h>.  The #defines are plain integers and may be
 * used from assembly; types and layout checks are hidden from the assembler.
 * Calling convention and layout rules: docs/abi.md.  Reference: docs/syscalls.md.
 */

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>
#endif

/* Hash of the interface YAML this header was generated from. */
#define WREN_INTERFACE_VERSION "c7d338cfbc6f03e7"

/* ---- Syscall numbers: svc #0 with the number in x8 ---------------------- */

/* proc: Processes (block 0x100-0x1ff) */
#define SYS_EXIT 0x100 /* Leave. */
#define SYS_GET_PID 0x101 /* Who am I. */

/* fd: Files (block 0x600-0x6ff) */
#define SYS_READ 0x602 /* Read bytes. */
#define SYS_LSEEK 0x606 /* Seek. */
#define SYS_FSTAT 0x607 /* Describe. */

/* channel: Channels in a block above 0xffff (block 0x12300-0x123ff) */
#define SYS_SEND 0x12345 /* Send. */

/* Every syscall number, for code that must cover them all (tests, the syscall fuzzer): X(SYS_<NAME>). */
#define WREN_FOR_EACH_SYSCALL(X) \
	X(SYS_EXIT) \
	X(SYS_GET_PID) \
	X(SYS_READ) \
	X(SYS_LSEEK) \
	X(SYS_FSTAT) \
	X(SYS_SEND) \
	/* end */

/* ---- Errors: a failing syscall returns -E_<NAME> in x0 ------------------ */

#define E_INTR 4 /* Interrupted by a signal. */
#define E_BADF 9 /* Bad file descriptor. */
#define E_AGAIN 11 /* Try again. */
#define E_ACCES 13 /* Access denied. */
#define E_FAULT 14 /* Bad user pointer. */
#define E_INVAL 22 /* Invalid argument. */
#define E_NOSYS 38 /* No such syscall. */
#define E_BADHANDLE 256 /* Bad handle. */
#define E_WRONGTYPE 257 /* Handle names the wrong type of object. */
/* x0 in [-WREN_ERROR_MAX, -1] is an error; every other value is a result. */
#define WREN_ERROR_MAX 4095

/* ---- Flags: each set has a WREN_<SET>_ALL mask of its defined bits -------- */

/*
 * Open flags.
 * (u32, interface/types.yaml)
 */
#define WREN_OPEN_READ 0x00000001 /* Read. */
#define WREN_OPEN_WRITE 0x00000002 /* Write. */
#define WREN_OPEN_HUGE 0x80000000 /* The top bit, to check the mask. */
#define WREN_OPEN_ALL 0x80000003

/*
 * A 64-bit flags set.
 * (u64, interface/types.yaml)
 */
#define WREN_BIG_LOW 0x0000000000000001 /* Bit 0. */
#define WREN_BIG_HIGH 0x0000010000000000 /* Bit 40. */
#define WREN_BIG_ALL 0x0000010000000001

/*
 * Fixture rights.
 * (u32, interface/rights.yaml)
 */
#define WREN_RIGHT_READ 0x00000001 /* Read. */
#define WREN_RIGHT_WRITE 0x00000002 /* Write. */
#define WREN_RIGHT_ALL 0x00000003

/* ---- Enums ----------------------------------------------------------------- */

/*
 * Seek origin.
 * (u32, interface/types.yaml)
 */
#define WREN_WHENCE_SET 0 /* From the start. */
#define WREN_WHENCE_END 2 /* From the end (1 is deliberately unused). */

/*
 * Kernel object types.
 * (u32, interface/rights.yaml)
 */
#define WREN_OBJECT_CHANNEL 1 /* A channel. */
#define WREN_OBJECT_FILE 2 /* A file. */

/*
 * IPC message types.
 * (u32, interface/ipc.yaml)
 */
#define WREN_MSG_DATA 1 /* Data. */
#define WREN_MSG_CLOSE 2 /* Kernel only (a send from user space is E_INVAL). Close. */

/*
 * Event types.
 * (u32, interface/events.yaml)
 */
#define WREN_EVENT_TIMER 1 /* Timer. */

/* ---- Rights each object type can carry ------------------------------------- */

#define WREN_OBJECT_CHANNEL_RIGHTS (WREN_RIGHT_READ | WREN_RIGHT_WRITE)
#define WREN_OBJECT_FILE_RIGHTS (WREN_RIGHT_READ)

/* ---- Kernel schemes: open "<name>:<path>" or "/scheme/<name>/<path>" ------- */

#define WREN_SCHEME_CONSOLE "console" /* The console. */

/* ---- IPC --------------------------------------------------------------------- */

/* Bytes of inline payload in every message. */
#define WREN_MSG_PAYLOAD_SIZE 16

#ifndef __ASSEMBLER__

/* A handle names a kernel object in the calling process; -1 means none. */
typedef int32_t wren_handle_t;
/* A file descriptor; -1 means none. */
typedef int32_t wren_fd_t;
#define WREN_HANDLE_INVALID (-1)
#define WREN_FD_INVALID (-1)
/* A resource limit (set_limit, get_limit) meaning "no limit". */
#define WREN_LIMIT_UNLIMITED UINT64_MAX

/* ---- Structs: every byte is a named member; _padN is written as zero --------- */

/*
 * A time; its u32 field leaves a gap the generator must pad.
 * (interface/types.yaml)
 */
struct wren_timespec {
	int64_t sec; /* @0: Seconds. */
	uint32_t nsec; /* @8: Nanoseconds. */
	uint8_t _pad0[4]; /* @12: Padding: written as zero, ignored on read. */
};
_Static_assert(sizeof(struct wren_timespec) == 16, "struct wren_timespec must be 16 bytes");
_Static_assert(_Alignof(struct wren_timespec) == 8, "struct wren_timespec must be 8-byte aligned");
_Static_assert(offsetof(struct wren_timespec, sec) == 0, "struct wren_timespec.sec must be at offset 0");
_Static_assert(offsetof(struct wren_timespec, nsec) == 8, "struct wren_timespec.nsec must be at offset 8");
_Static_assert(offsetof(struct wren_timespec, _pad0) == 12, "struct wren_timespec._pad0 must be at offset 12");

/*
 * File status * / with a comment terminator to escape.
 * (interface/types.yaml)
 */
struct wren_stat {
	uint8_t kind; /* @0: One byte, then padding. */
	uint8_t _pad0[7]; /* @1: Padding: written as zero, ignored on read. */
	uint64_t size; /* @8: Size | with a pipe to escape. */
	wren_handle_t handles[3]; /* @16: An array. */
	uint32_t mode; /* @28: A flags field. */
	struct wren_timespec when; /* @32: A nested struct. */
};
_Static_assert(sizeof(struct wren_stat) == 48, "struct wren_stat must be 48 bytes");
_Static_assert(_Alignof(struct wren_stat) == 8, "struct wren_stat must be 8-byte aligned");
_Static_assert(offsetof(struct wren_stat, kind) == 0, "struct wren_stat.kind must be at offset 0");
_Static_assert(offsetof(struct wren_stat, _pad0) == 1, "struct wren_stat._pad0 must be at offset 1");
_Static_assert(offsetof(struct wren_stat, size) == 8, "struct wren_stat.size must be at offset 8");
_Static_assert(offsetof(struct wren_stat, handles) == 16, "struct wren_stat.handles must be at offset 16");
_Static_assert(offsetof(struct wren_stat, mode) == 28, "struct wren_stat.mode must be at offset 28");
_Static_assert(offsetof(struct wren_stat, when) == 32, "struct wren_stat.when must be at offset 32");

/*
 * Header.
 * (interface/ipc.yaml)
 */
struct wren_msg_header {
	uint32_t type; /* @0: Type. */
	uint8_t _pad0[4]; /* @4: Padding: written as zero, ignored on read. */
	uint64_t sender; /* @8: Sender, after a gap. */
};
_Static_assert(sizeof(struct wren_msg_header) == 16, "struct wren_msg_header must be 16 bytes");
_Static_assert(_Alignof(struct wren_msg_header) == 8, "struct wren_msg_header must be 8-byte aligned");
_Static_assert(offsetof(struct wren_msg_header, type) == 0, "struct wren_msg_header.type must be at offset 0");
_Static_assert(offsetof(struct wren_msg_header, _pad0) == 4, "struct wren_msg_header._pad0 must be at offset 4");
_Static_assert(offsetof(struct wren_msg_header, sender) == 8, "struct wren_msg_header.sender must be at offset 8");

/*
 * A complete IPC message: header and inline payload.
 * (interface/ipc.yaml)
 */
struct wren_msg {
	struct wren_msg_header header; /* @0: Message header. */
	uint8_t payload[16]; /* @16: Inline payload; `header.length` bytes are used. */
};
_Static_assert(sizeof(struct wren_msg) == 32, "struct wren_msg must be 32 bytes");
_Static_assert(_Alignof(struct wren_msg) == 8, "struct wren_msg must be 8-byte aligned");
_Static_assert(offsetof(struct wren_msg, header) == 0, "struct wren_msg.header must be at offset 0");
_Static_assert(offsetof(struct wren_msg, payload) == 16, "struct wren_msg.payload must be at offset 16");

/*
 * An event.
 * (interface/events.yaml)
 */
struct wren_event {
	uint32_t type; /* @0: Type. */
	uint8_t _pad0[4]; /* @4: Padding: written as zero, ignored on read. */
	uint64_t data; /* @8: Data. */
};
_Static_assert(sizeof(struct wren_event) == 16, "struct wren_event must be 16 bytes");
_Static_assert(_Alignof(struct wren_event) == 8, "struct wren_event must be 8-byte aligned");
_Static_assert(offsetof(struct wren_event, type) == 0, "struct wren_event.type must be at offset 0");
_Static_assert(offsetof(struct wren_event, _pad0) == 4, "struct wren_event._pad0 must be at offset 4");
_Static_assert(offsetof(struct wren_event, data) == 8, "struct wren_event.data must be at offset 8");
_Static_assert(sizeof(((struct wren_msg *)0)->payload) == WREN_MSG_PAYLOAD_SIZE, "payload must be WREN_MSG_PAYLOAD_SIZE bytes");

#endif /* !__ASSEMBLER__ */

#endif /* WREN_ABI_H */
