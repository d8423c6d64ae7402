/*
 * C side of the exception vectors: route each exception to the syscall layer, the
 * interrupt dispatcher or the fault reporter, and print a full register dump for anything
 * the kernel did not expect.
 */
#include <stdbool.h>
#include <stdint.h>

#include <wren/abi.h>

#include "arch/backtrace.h"
#include "arch/cpu.h"
#include "arch/memlayout.h"
#include "arch/sysreg_bits.h"
#include "arch/trap_frame.h"
#include "console.h"
#include "irq.h"
#include "mm/account.h"
#include "mm/vm.h"
#include "proc/oom.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/signal.h"
#include "proc/smp.h"
#include "panic.h"
#include "syscall.h"
#include "user.h"

static const char *const slot_names[16] = {
    "sync (EL1, SP_EL0)", "IRQ (EL1, SP_EL0)", "FIQ (EL1, SP_EL0)", "SError (EL1, SP_EL0)",
    "sync (EL1)",         "IRQ (EL1)",         "FIQ (EL1)",         "SError (EL1)",
    "sync (EL0)",         "IRQ (EL0)",         "FIQ (EL0)",         "SError (EL0)",
    "sync (EL0 AArch32)", "IRQ (EL0 AArch32)", "FIQ (EL0 AArch32)", "SError (EL0 AArch32)",
};

/* ESR_ELx.EC names (ARM ARM D17.2.37) for the classes a dump is likely to show. */
static const char *esr_class_name(uint32_t ec)
{
    switch (ec) {
    case ESR_EC_UNKNOWN: return "unknown/undefined instruction";
    case ESR_EC_FP_ACCESS: return "FP/SIMD access trapped";
    case 0x0e: return "illegal execution state";
    case ESR_EC_SVC64: return "SVC from AArch64";
    case 0x18: return "MSR/MRS trapped";
    case ESR_EC_IABT_LOW: return "instruction abort from EL0";
    case ESR_EC_IABT_CUR: return "instruction abort from EL1";
    case ESR_EC_PC_ALIGN: return "PC alignment fault";
    case ESR_EC_DABT_LOW: return "data abort from EL0";
    case ESR_EC_DABT_CUR: return "data abort from EL1";
    case ESR_EC_SP_ALIGN: return "SP alignment fault";
    case 0x2f: return "SError";
    case ESR_EC_BRK64: return "BRK instruction";
    default: return "other";
    }
}

/* Exception classes for which FAR_EL1 holds the faulting address (ARM ARM D17.2.40). */
static bool esr_has_far(uint32_t ec)
{
    return ec == ESR_EC_IABT_LOW || ec == ESR_EC_IABT_CUR || ec == ESR_EC_DABT_LOW || ec == ESR_EC_DABT_CUR ||
           ec == ESR_EC_PC_ALIGN;
}

/*
 * Faults vm_fault may fix (Arm ARM D17.2.40, DFSC of the ISS for aborts): a translation
 * fault (0b0001xx: a page the regions promise but nobody touched yet) or a permission fault
 * on a write (0b0011xx with WnR: a copy-on-write page). Anything else is a real violation.
 */
static bool fault_may_resolve(uint64_t esr)
{
    uint32_t fsc = (uint32_t)esr & 0x3c;
    return fsc == 0x04 || (fsc == 0x0c && (esr & ESR_ISS_WNR));
}

static int user_abort_resolve(const struct trap_frame *tf, uint32_t ec)
{
    struct vm_space *vm = user_vm();

    if ((ec != ESR_EC_DABT_LOW && ec != ESR_EC_IABT_LOW) || !vm || !fault_may_resolve(tf->esr))
        return -E_FAULT;
    enum vm_access access = ec == ESR_EC_IABT_LOW ? VM_EXEC : (tf->esr & ESR_ISS_WNR) ? VM_WRITE : VM_READ;
    return vm_fault(vm, tf->far, access);
}

struct extable_entry {
    uintptr_t insn, fixup;
};
extern const struct extable_entry __ex_table_start[], __ex_table_end[]; /* kernel.ld */

uintptr_t arch_uaccess_fixup(uintptr_t pc)
{
    for (const struct extable_entry *e = __ex_table_start; e < __ex_table_end; e++)
        if (e->insn == pc)
            return e->fixup;
    return 0;
}

/*
 * A data abort in the kernel is legitimate only on a user-access instruction of uaccess.S:
 * a page not touched yet (or a copy-on-write page written) is handled and the copy retried;
 * any other fault (kernel address, unmapped, wrong permission) resumes at the fixup, which
 * returns -E_FAULT.
 */
static bool kernel_uaccess_fault(struct trap_frame *tf)
{
    uint32_t ec = (uint32_t)(tf->esr >> ESR_EC_SHIFT) & 0x3f;
    uintptr_t fixup = arch_uaccess_fixup(tf->elr);
    struct vm_space *vm = user_vm();

    if (ec != ESR_EC_DABT_CUR || !fixup)
        return false;
    if (vm && fault_may_resolve(tf->esr) && vm_fault(vm, tf->far, (tf->esr & ESR_ISS_WNR) ? VM_WRITE : VM_READ) == 0)
        return true;
    tf->elr = fixup;
    return true;
}

void trap_dump(const struct trap_frame *tf)
{
    uint32_t ec = (uint32_t)(tf->esr >> ESR_EC_SHIFT) & 0x3f;

    kprintf("  ESR 0x%016lx (EC %#x: %s, ISS %#lx)\n", (unsigned long)tf->esr, ec, esr_class_name(ec),
            (unsigned long)(tf->esr & 0x1ffffff));
    kprintf("  ELR 0x%016lx  FAR 0x%016lx  SPSR 0x%016lx  SP_EL0 0x%016lx\n", (unsigned long)tf->elr,
            (unsigned long)tf->far, (unsigned long)tf->spsr, (unsigned long)tf->sp_el0);
    for (int i = 0; i < 31; i += 2) {
        if (i == 30)
            kprintf("  x30 0x%016lx\n", (unsigned long)tf->x[30]);
        else
            kprintf("  x%-2d 0x%016lx  x%-2d 0x%016lx\n", i, (unsigned long)tf->x[i], i + 1,
                    (unsigned long)tf->x[i + 1]);
    }
}

void trap_handle(struct trap_frame *tf, uint64_t slot);

/*
 * The exception entry found the kernel stack overflowed and came here on the overflow stack (vectors.S), with the
 * address that failed its test in TPIDRRO_EL0. The stack that overflowed is the one above that address's guard; its
 * frames are intact, so the backtrace shows the call chain that ran out of stack.
 */
static _Noreturn void kstack_overflow(const struct trap_frame *tf, uint64_t slot)
{
    static bool reporting; /* a second overflow, on the overflow stack itself, would start over on it */
    uintptr_t sp = (uintptr_t)read_sysreg(tpidrro_el0) + TF_SIZE + KSTACK_ENTRY_MARGIN;
    uintptr_t base = (sp & ~(uintptr_t)(KSTACK_SLOT_SIZE - 1)) + KSTACK_SIZE;
    struct proc *p = proc_current();

    if (reporting)
        park();
    reporting = true;
    kprintf("\nkernel stack overflow: %s with sp %#lx, below the stack [%#lx, %#lx) of pid %d (%s)\n", slot_names[slot],
            (unsigned long)sp, (unsigned long)base, (unsigned long)(base + KSTACK_SIZE), p ? p->pid : 0,
            p ? p->name : "boot");
    trap_dump(tf);
    backtrace_print(tf->elr, tf->x[29]);
    panic("kernel stack overflow");
}

/* The way back to user space: a pending switch, then signals. Both are rare, so check inline. */
static inline void before_user_return(struct trap_frame *tf)
{
    sched_preempt_point();
    if (proc_current()->sig.pending)
        signal_deliver(tf);
}

/* An SVC from EL0, sent here by trap_entry without the decoding trap_handle does. */
void trap_syscall(struct trap_frame *tf);
/* The way back from a syscall when a switch is due or the kernel lock is held (one test of both: cpu.h). */
static __attribute__((noinline)) void syscall_return_slow(struct trap_frame *tf)
{
    before_user_return(tf);
    kernel_exit();
}

void trap_syscall(struct trap_frame *tf)
{
    kernel_enter();
    syscall_handle(tf);
    if (__builtin_expect(this_cpu()->exit_work != 0, 0)) {
        syscall_return_slow(tf);
        return;
    }
    if (proc_current()->sig.pending)
        signal_deliver(tf);
}

/* vectors.S's trap_return: a new thread's first way out (see there). */
void trap_first_return(void);
void trap_first_return(void)
{
    kernel_exit();
}

static void user_trap(struct trap_frame *tf, uint64_t type);

void trap_handle(struct trap_frame *tf, uint64_t slot)
{
    uint64_t type = slot & 3;
    uint64_t src = slot >> 2;

    if (src == TRAP_SRC_LOW_A64 && (type == TRAP_TYPE_IRQ || type == TRAP_TYPE_SYNC)) {
        /* From user space: under the kernel lock (proc/smp.h), given up on the way back. */
        kernel_enter();
        user_trap(tf, type);
        kernel_exit();
        return;
    }
    if (type == TRAP_TYPE_IRQ && src == TRAP_SRC_CUR_SPX) {
        /* In the kernel, interrupts are unmasked only where it holds the kernel lock (the idle loop's window,
         * sched_cond_resched). The kernel is not preemptible: nothing more to do. */
        this_cpu()->stats.irqs++;
        irq_dispatch();
        return;
    }
    if (src == TRAP_SRC_CUR_SPX && type == TRAP_TYPE_SYNC && kernel_uaccess_fault(tf))
        return;
    if (slot & TRAP_KSTACK_OVERFLOW)
        kstack_overflow(tf, slot & 15);
    kprintf("\nunexpected exception: %s\n", slot_names[slot & 15]);
    trap_dump(tf);
    backtrace_print(tf->elr, tf->x[29]);
    panic("unexpected exception in the kernel");
}

static void user_trap(struct trap_frame *tf, uint64_t type)
{
    if (type == TRAP_TYPE_IRQ) {
        this_cpu()->stats.irqs++;
        irq_dispatch();
        before_user_return(tf); /* user code is preemptible, on the way back to it */
        return;
    }
    uint32_t ec = (uint32_t)(tf->esr >> ESR_EC_SHIFT) & 0x3f;
    int err = 0;
    if (ec == ESR_EC_SVC64)
        syscall_handle(tf);
    else if (ec == ESR_EC_FP_ACCESS)
        fpsimd_take(&proc_current()->fp); /* lazy FP/SIMD switching: its registers now */
    else
        err = user_abort_resolve(tf, ec); /* first touch of a demand-zero page: map it, retry */
    /* No free page: the largest consumer is killed and the fault retried, unless that is us (proc/oom.h). */
    for (int round = 0; err == -E_NOMEM && oom_reclaim(round); round++)
        err = user_abort_resolve(tf, ec);
    if (err == -E_NOMEM && signal_interrupted(proc_current()))
        err = 0; /* killed (or signalled) while it waited: act on that first; the fault comes again if need be */
    if (err == -E_NOMEM)
        proc_kill_current(tf, "out of memory", true);
    if (err == ACCOUNT_E_LIMIT)
        proc_kill_current(tf, "out of memory (over its memory limit)", true);
    if (err) /* ends that program (never the kernel), or runs its SIGSEGV handler */
        signal_fault(tf, esr_class_name(ec), esr_has_far(ec));
    before_user_return(tf); /* where signals are acted on */
}
