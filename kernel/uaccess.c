/*
 * User-memory access for syscalls: through the running program's address space, which
 * checks every page (and faults untouched ones in) before a byte is copied, so a bad
 * pointer becomes -E_FAULT and never a kernel fault.
 */
#include <wren/abi.h>

#include "mm/vm.h"
#include "user.h"
#include "user_ptr.h"

bool user_readable(user_in_ptr p, size_t len)
{
    struct vm_space *vm = user_vm();
    return vm && vm_check(vm, p.addr, len, VM_READ) == 0;
}

int copy_from_user(void *dst, user_in_ptr src, size_t len)
{
    struct vm_space *vm = user_vm();
    return vm ? vm_copy_in(vm, dst, src.addr, len) : -E_FAULT;
}

int copy_to_user(user_out_ptr dst, const void *src, size_t len)
{
    struct vm_space *vm = user_vm();
    return vm ? vm_copy_out(vm, dst.addr, src, len) : -E_FAULT;
}
