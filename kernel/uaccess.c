/*
 * User-memory access for syscalls. The copies run on unprivileged loads and stores with a
 * fault-fixup table (arch/aarch64/uaccess.S), so a bad pointer becomes -E_FAULT and never a
 * kernel fault; only addresses in the user half are ever attempted.
 */
#include <wren/abi.h>

#include "arch/uaccess.h"
#include "mm/vm.h"
#include "proc/proc.h"
#include "user.h"
#include "user_ptr.h"

static bool in_user_half(uint64_t addr, size_t len)
{
    return addr < VM_USER_TOP && len <= VM_USER_TOP - addr;
}

bool user_readable(user_in_ptr p, size_t len)
{
    struct vm_space *vm = user_vm();
    return vm && vm_check(vm, p.addr, len, VM_READ) == 0;
}

bool user_writable(user_out_ptr p, size_t len)
{
    struct vm_space *vm = user_vm();
    return vm && vm_check(vm, p.addr, len, VM_WRITE) == 0;
}

/*
 * A program is running whose address space TTBR0 holds: not the idle thread (pid 0), not a
 * process whose tables exit has freed. Inline, where user_vm() is a call: the copies run on
 * every IPC.
 */
static bool user_space_live(void)
{
    const struct proc *p = proc_current();
    return p && p->pid != 0 && p->state != PROC_ZOMBIE;
}

int copy_from_user(void *dst, user_in_ptr src, size_t len)
{
    if (!user_space_live() || !in_user_half(src.addr, len))
        return -E_FAULT;
    return (int)arch_copy_from_user(dst, (const void *)src.addr, len);
}

int copy_to_user(user_out_ptr dst, const void *src, size_t len)
{
    if (!user_space_live() || !in_user_half(dst.addr, len))
        return -E_FAULT;
    return (int)arch_copy_to_user((void *)dst.addr, src, len);
}
