/* GENERATED from interface/errors.yaml, interface/types.yaml, interface/rights.yaml, interface/ipc.yaml, interface/events.yaml, interface/schemes.yaml, interface/syscalls/channel.yaml, interface/syscalls/fd.yaml, interface/syscalls/proc.yaml by gen/wrengen.py; do not edit — edit the YAML. */
/* Interface version: c7d338cfbc6f03e7 */

/*
 * Syscall dispatch: the only place that turns raw registers into typed
 * arguments.  Decoding is uniform (truncate, check flags and enums, wrap user
 * pointers and buffers, look up handles and check their type and rights) so
 * that every implementation starts from checked values.  A looked-up object
 * carries a reference for the call, dropped here after the handler returns
 * (Zircon's GetDispatcherWithRights, generated from the YAML).
 */

#include "obj/handle.h"
#include "sys/handles.h"
#include "syscall_table.h"

/* Is `value` one of WREN_WHENCE_*? */
static int whence_is_valid(uint32_t value)
{
	switch (value) {
	case WREN_WHENCE_SET:
	case WREN_WHENCE_END:
		return 1;
	default:
		return 0;
	}
}

/*
 * One decoder per syscall, reached through a table per block of 256 numbers: the cost of
 * reaching a syscall is the same few instructions whatever its number or how many blocks
 * there are. An unused number below a block's last decodes to decode_nosys, so a number
 * inside a table needs no NULL test on the way.
 */
typedef long (*syscall_decoder)(const uint64_t args[6]);

static long decode_nosys(const uint64_t args[6])
{
	(void)args;
	return -E_NOSYS;
}

static long decode_exit(const uint64_t args[6])
{
	(void)args;
	sys_exit(
		(int32_t)args[0]); /* code */
}

static long decode_get_pid(const uint64_t args[6])
{
	(void)args;
	return sys_get_pid();
}

static long decode_read(const uint64_t args[6])
{
	(void)args;
	struct handle_table *handles = caller_handles();
	struct handle *entry_fd = handle_entry(handles, (wren_fd_t)args[0]);
	if (!entry_fd)
		return -E_BADF; /* fd is not open */
	if (~entry_fd->rights & (WREN_RIGHT_READ))
		return -E_BADF; /* fd lacks a right */
	struct kobject *fd = kobj_get(entry_fd->obj);
	long ret = sys_read(
		fd, /* fd */
		(user_out_buf){ { args[1] }, (size_t)args[2] }); /* buf */
	kobj_put(fd);
	return ret;
}

static long decode_lseek(const uint64_t args[6])
{
	(void)args;
	if (!whence_is_valid((uint32_t)args[2]))
		return -E_INVAL; /* unknown whence */
	struct handle_table *handles = caller_handles();
	struct handle *entry_fd = handle_entry(handles, (wren_fd_t)args[0]);
	if (!entry_fd)
		return -E_BADF; /* fd is not open */
	struct kobject *fd = kobj_get(entry_fd->obj);
	long ret = sys_lseek(
		fd, /* fd */
		(int64_t)args[1], /* offset */
		(uint32_t)args[2]); /* whence */
	kobj_put(fd);
	return ret;
}

static long decode_fstat(const uint64_t args[6])
{
	(void)args;
	if (args[1] & (_Alignof(struct wren_stat) - 1))
		return -E_FAULT; /* st is not aligned for struct wren_stat */
	if (((uint64_t)args[2]) & ~(uint64_t)WREN_BIG_ALL)
		return -E_INVAL; /* unknown bits in opts */
	return sys_fstat(
		(wren_fd_t)args[0], /* fd */
		(user_out_ptr){ args[1] }, /* st */
		(uint64_t)args[2]); /* opts */
}

static long decode_send(const uint64_t args[6])
{
	(void)args;
	if (args[1] & (_Alignof(struct wren_msg) - 1))
		return -E_FAULT; /* msg is not aligned for struct wren_msg */
	if (args[2] & (_Alignof(wren_handle_t) - 1))
		return -E_FAULT; /* handles is not aligned for wren_handle_t */
	struct handle_table *handles = caller_handles();
	struct handle *entry_ch = 0;
	if ((wren_handle_t)args[0] != -1) {
		entry_ch = handle_entry(handles, (wren_handle_t)args[0]);
		if (!entry_ch)
			return -E_BADHANDLE; /* ch is not open */
		if (entry_ch->obj->type != WREN_OBJECT_CHANNEL)
			return -E_WRONGTYPE; /* ch is not a channel */
		if (~entry_ch->rights & (WREN_RIGHT_WRITE))
			return -E_ACCES; /* ch lacks a right */
	}
	struct handle *entry_any = handle_entry(handles, (wren_handle_t)args[3]);
	if (!entry_any)
		return -E_BADHANDLE; /* any is not open */
	struct kobject *ch = entry_ch ? kobj_get(entry_ch->obj) : 0;
	long ret = sys_send(
		ch, /* ch */
		(user_in_ptr){ args[1] }, /* msg */
		(user_inout_ptr){ args[2] }, /* handles */
		entry_any, /* any */
		(user_in_buf){ { args[4] }, (uint32_t)args[5] }); /* text */
	kobj_put(ch);
	return ret;
}

static const syscall_decoder block_0x100[] = {
	[0x0] = decode_exit,
	[0x1] = decode_get_pid,
};
/* Calls and negative results of each number of the block, by the same index. */
static uint64_t calls_0x100[sizeof(block_0x100) / sizeof(syscall_decoder)];
static uint64_t errors_0x100[sizeof(block_0x100) / sizeof(syscall_decoder)];

static const syscall_decoder block_0x600[] = {
	[0x0] = decode_nosys,
	[0x1] = decode_nosys,
	[0x2] = decode_read,
	[0x3] = decode_nosys,
	[0x4] = decode_nosys,
	[0x5] = decode_nosys,
	[0x6] = decode_lseek,
	[0x7] = decode_fstat,
};
/* Calls and negative results of each number of the block, by the same index. */
static uint64_t calls_0x600[sizeof(block_0x600) / sizeof(syscall_decoder)];
static uint64_t errors_0x600[sizeof(block_0x600) / sizeof(syscall_decoder)];

static const syscall_decoder block_0x12300[] = {
	[0x0] = decode_nosys,
	[0x1] = decode_nosys,
	[0x2] = decode_nosys,
	[0x3] = decode_nosys,
	[0x4] = decode_nosys,
	[0x5] = decode_nosys,
	[0x6] = decode_nosys,
	[0x7] = decode_nosys,
	[0x8] = decode_nosys,
	[0x9] = decode_nosys,
	[0xa] = decode_nosys,
	[0xb] = decode_nosys,
	[0xc] = decode_nosys,
	[0xd] = decode_nosys,
	[0xe] = decode_nosys,
	[0xf] = decode_nosys,
	[0x10] = decode_nosys,
	[0x11] = decode_nosys,
	[0x12] = decode_nosys,
	[0x13] = decode_nosys,
	[0x14] = decode_nosys,
	[0x15] = decode_nosys,
	[0x16] = decode_nosys,
	[0x17] = decode_nosys,
	[0x18] = decode_nosys,
	[0x19] = decode_nosys,
	[0x1a] = decode_nosys,
	[0x1b] = decode_nosys,
	[0x1c] = decode_nosys,
	[0x1d] = decode_nosys,
	[0x1e] = decode_nosys,
	[0x1f] = decode_nosys,
	[0x20] = decode_nosys,
	[0x21] = decode_nosys,
	[0x22] = decode_nosys,
	[0x23] = decode_nosys,
	[0x24] = decode_nosys,
	[0x25] = decode_nosys,
	[0x26] = decode_nosys,
	[0x27] = decode_nosys,
	[0x28] = decode_nosys,
	[0x29] = decode_nosys,
	[0x2a] = decode_nosys,
	[0x2b] = decode_nosys,
	[0x2c] = decode_nosys,
	[0x2d] = decode_nosys,
	[0x2e] = decode_nosys,
	[0x2f] = decode_nosys,
	[0x30] = decode_nosys,
	[0x31] = decode_nosys,
	[0x32] = decode_nosys,
	[0x33] = decode_nosys,
	[0x34] = decode_nosys,
	[0x35] = decode_nosys,
	[0x36] = decode_nosys,
	[0x37] = decode_nosys,
	[0x38] = decode_nosys,
	[0x39] = decode_nosys,
	[0x3a] = decode_nosys,
	[0x3b] = decode_nosys,
	[0x3c] = decode_nosys,
	[0x3d] = decode_nosys,
	[0x3e] = decode_nosys,
	[0x3f] = decode_nosys,
	[0x40] = decode_nosys,
	[0x41] = decode_nosys,
	[0x42] = decode_nosys,
	[0x43] = decode_nosys,
	[0x44] = decode_nosys,
	[0x45] = decode_send,
};
/* Calls and negative results of each number of the block, by the same index. */
static uint64_t calls_0x12300[sizeof(block_0x12300) / sizeof(syscall_decoder)];
static uint64_t errors_0x12300[sizeof(block_0x12300) / sizeof(syscall_decoder)];

/* The counters sit beside the decoders, so counting a call costs a load, an add and a store. */
struct syscall_block {
	unsigned count;
	const syscall_decoder *decoders;
	uint64_t *calls;
	uint64_t *errors;
};

static const struct syscall_block syscall_blocks[] = {
	[0x1] = { sizeof(block_0x100) / sizeof(syscall_decoder), block_0x100, calls_0x100, errors_0x100 },
	[0x6] = { sizeof(block_0x600) / sizeof(syscall_decoder), block_0x600, calls_0x600, errors_0x600 },
	[0x123] = { sizeof(block_0x12300) / sizeof(syscall_decoder), block_0x12300, calls_0x12300, errors_0x12300 },
};

/* The block of syscall `nr` if it exists (its index nr & 0xff is then valid there), else NULL. */
static inline const struct syscall_block *syscall_block_of(uint64_t nr)
{
	uint64_t block = nr >> 8, index = nr & 0xff;

	if (block >= sizeof(syscall_blocks) / sizeof(syscall_blocks[0]))
		return 0;
	const struct syscall_block *b = &syscall_blocks[block];
	return index < b->count && b->decoders[index] != decode_nosys ? b : 0;
}

long syscall_dispatch(uint64_t nr, const uint64_t args[6])
{
	uint64_t block = nr >> 8, index = nr & 0xff;

	if (block >= sizeof(syscall_blocks) / sizeof(syscall_blocks[0]) || index >= syscall_blocks[block].count)
		return -E_NOSYS;
	/* An unused number (decode_nosys) is counted too, but has no name: /scheme/sys/syscalls never lists it. */
	syscall_blocks[block].calls[index]++;
	return syscall_blocks[block].decoders[index](args);
}

void syscall_count_error(uint64_t nr)
{
	const struct syscall_block *b = syscall_block_of(nr);

	if (b)
		b->errors[nr & 0xff]++;
}

bool syscall_counts(uint64_t nr, uint64_t *calls, uint64_t *errors)
{
	const struct syscall_block *b = syscall_block_of(nr);

	*calls = b ? b->calls[nr & 0xff] : 0;
	*errors = b ? b->errors[nr & 0xff] : 0;
	return b != 0;
}

const struct syscall_desc syscall_descs[] = {
	{
		.nr = SYS_EXIT,
		.name = "exit",
		.nargs = 1,
		.blocking = 0,
		.noreturn = 1,
		.args = {
			{ "code", SYSARG_INT },
		},
	},
	{
		.nr = SYS_GET_PID,
		.name = "get_pid",
		.nargs = 0,
		.blocking = 0,
		.noreturn = 0,
	},
	{
		.nr = SYS_READ,
		.name = "read",
		.nargs = 3,
		.blocking = 1,
		.noreturn = 0,
		.args = {
			{ "fd", SYSARG_FD },
			{ "buf", SYSARG_USER_PTR },
			{ "count", SYSARG_SIZE },
		},
	},
	{
		.nr = SYS_LSEEK,
		.name = "lseek",
		.nargs = 3,
		.blocking = 0,
		.noreturn = 0,
		.args = {
			{ "fd", SYSARG_FD },
			{ "offset", SYSARG_INT },
			{ "whence", SYSARG_ENUM },
		},
	},
	{
		.nr = SYS_FSTAT,
		.name = "fstat",
		.nargs = 3,
		.blocking = 0,
		.noreturn = 0,
		.args = {
			{ "fd", SYSARG_FD },
			{ "st", SYSARG_USER_PTR },
			{ "opts", SYSARG_FLAGS },
		},
	},
	{
		.nr = SYS_SEND,
		.name = "send",
		.nargs = 6,
		.blocking = 1,
		.noreturn = 0,
		.args = {
			{ "ch", SYSARG_HANDLE },
			{ "msg", SYSARG_USER_PTR },
			{ "handles", SYSARG_USER_PTR },
			{ "any", SYSARG_HANDLE },
			{ "text", SYSARG_USER_PTR },
			{ "text_len", SYSARG_UINT },
		},
	},
};

const size_t syscall_desc_count = sizeof(syscall_descs) / sizeof(syscall_descs[0]);

const struct syscall_desc *syscall_desc_lookup(uint64_t nr)
{
	size_t lo = 0;
	size_t hi = syscall_desc_count;

	/* Binary search: syscall_descs is generated in ascending order. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (syscall_descs[mid].nr == nr)
			return &syscall_descs[mid];
		if (syscall_descs[mid].nr < nr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool syscall_restartable(uint64_t nr)
{
	switch (nr) {
	case SYS_READ:
		return true;
	default:
		return false;
	}
}

const char *syscall_error_name(long err)
{
	switch (err < 0 ? -err : err) {
	case E_INTR: return "E_INTR";
	case E_BADF: return "E_BADF";
	case E_AGAIN: return "E_AGAIN";
	case E_ACCES: return "E_ACCES";
	case E_FAULT: return "E_FAULT";
	case E_INVAL: return "E_INVAL";
	case E_NOSYS: return "E_NOSYS";
	case E_BADHANDLE: return "E_BADHANDLE";
	case E_WRONGTYPE: return "E_WRONGTYPE";
	default: return "E_?";
	}
}
