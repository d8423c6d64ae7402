/*
 * Signal frames (signal_frame.h). What sigreturn reads is the program's own memory, so
 * every field is treated as a request: the registers may be anything a program could set
 * itself, but PSTATE keeps only the condition flags (the program always resumes at EL0t
 * with interrupts unmasked), FPCR and FPSR keep their architected bits, SIGKILL stays
 * unblocked, and pc and sp must be user addresses.
 */
#include "arch/context.h"
#include "arch/sysreg_bits.h"
#include "console.h"
#include "lib/string.h"
#include "mm/vm.h"
#include "proc/proc.h"
#include "proc/signal_frame.h"

#define PSTATE_NZCV 0xf0000000ull
/* FPCR: AHP, DN, FZ, RMode, FZ16 and the trap enables IDE, IXE, UFE, OFE, DZE, IOE (Arm ARM C5.2.8). */
#define FPCR_BITS   0x07c89f00ull
/* FPSR: NZCV, QC and the cumulative exception flags IDC, IXC, UFC, OFC, DZC, IOC (Arm ARM C5.2.9). */
#define FPSR_BITS   0xf800009full

/* One CPU, a non-preemptible kernel: one frame is built or read at a time, off the kernel stack. */
static struct wren_sigframe frame;

void signal_frame_push(struct proc *p, struct trap_frame *tf, int sig, const struct sig_action *a)
{
    uint64_t sp = tf->sp_el0;
    uint64_t at = (sp - sizeof(frame)) & ~15ull;

    memcpy(frame.x, tf->x, sizeof(frame.x));
    frame.sp = sp;
    frame.pc = tf->elr;
    frame.pstate = tf->spsr;
    fpsimd_sync(&p->fp); /* the live registers may be newer than the copy in memory */
    memcpy(frame.q, p->fp.q, sizeof(frame.q));
    frame.fpsr = p->fp.fpsr;
    frame.fpcr = p->fp.fpcr;
    frame.tpidr = p->fp.tpidr_el0;
    frame.mask = p->sig.blocked;
    if (sp < VM_USER_BASE + sizeof(frame) || sp > VM_USER_TOP ||
        copy_to_user((user_out_ptr){at}, &frame, sizeof(frame))) {
        kprintf("wren: pid %d (%s) killed: no room for a signal frame below sp %#lx\n", p->pid, p->name,
                (unsigned long)sp);
        proc_exit_signal(WREN_SIGNAL_SIGSEGV);
    }
    /* The handler keeps the interrupted FP/SIMD registers; sigreturn puts back the saved ones. */
    tf->x[0] = (uint64_t)sig;
    tf->x[1] = 0;
    tf->x[2] = at;
    tf->x[30] = a->restorer;
    tf->sp_el0 = at;
    tf->elr = a->handler;
}

long signal_frame_return(uintptr_t addr)
{
    struct proc *p = proc_current();
    struct trap_frame *tf = proc_user_frame(p);

    if (copy_from_user(&frame, (user_in_ptr){addr}, sizeof(frame)) || frame.pc >= VM_USER_TOP ||
        frame.sp >= VM_USER_TOP) {
        kprintf("wren: pid %d (%s) killed: bad signal frame at %#lx\n", p->pid, p->name, (unsigned long)addr);
        proc_exit_signal(WREN_SIGNAL_SIGSEGV);
    }
    memcpy(tf->x, frame.x, sizeof(tf->x));
    tf->sp_el0 = frame.sp;
    tf->elr = frame.pc;
    tf->spsr = SPSR_EL0T | (frame.pstate & PSTATE_NZCV);
    memcpy(p->fp.q, frame.q, sizeof(p->fp.q));
    p->fp.fpsr = frame.fpsr & FPSR_BITS;
    p->fp.fpcr = frame.fpcr & FPCR_BITS;
    p->fp.tpidr_el0 = frame.tpidr;
    fpsimd_reload(&p->fp);
    p->sig.blocked = frame.mask & SIG_BLOCKABLE;
    return (long)frame.x[0]; /* the syscall result lands in x0 */
}
