/*
 * User-memory access for syscalls. The copies run on unprivileged loads and stores with a
 * fault-fixup table (arch/aarch64/uaccess.S), so a bad pointer becomes -E_FAULT and never a
 * kernel fault; only addresses in the user half are ever attempted.
 */
#include <wren/abi.h>

#include "arch/uaccess.h"
#include "mm/vm.h"
#include "user.h"
#include "user_ptr.h"

_Static_assert(USER_ADDR_TOP == VM_USER_TOP, "user_ptr.h's copy of the user half's top");
_Static_assert(USER_PTR_EFAULT == E_FAULT, "user_ptr.h's copy of E_FAULT");

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
