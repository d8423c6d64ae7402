/*
 * The register state saved on every exception entry (vectors.S builds it on the kernel
 * stack). Field offsets are used by the assembly, hence the static asserts.
 */
#ifndef WREN_ARCH_TRAP_FRAME_H
#define WREN_ARCH_TRAP_FRAME_H

#define TF_X0     0
#define TF_SP_EL0 (31 * 8)
#define TF_ELR    (32 * 8)
#define TF_SPSR   (33 * 8)
#define TF_ESR    (34 * 8)
#define TF_FAR    (35 * 8)
#define TF_SIZE   (36 * 8)

/* Which of the 16 vector slots we came through: source group * 4 + type. */
#define TRAP_SRC_CUR_SP0 0
#define TRAP_SRC_CUR_SPX 1
#define TRAP_SRC_LOW_A64 2
#define TRAP_SRC_LOW_A32 3
#define TRAP_TYPE_SYNC   0
#define TRAP_TYPE_IRQ    1
#define TRAP_TYPE_FIQ    2
#define TRAP_TYPE_SERROR 3

/* Or'ed into the slot number by the exception entry that found the kernel stack overflowed (vectors.S). */
#define TRAP_KSTACK_OVERFLOW 16

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct trap_frame {
    uint64_t x[31];  /* x0..x30; x30 is the link register */
    uint64_t sp_el0; /* user stack pointer */
    uint64_t elr;    /* where eret resumes */
    uint64_t spsr;   /* saved PSTATE */
    uint64_t esr;    /* exception syndrome, for sync exceptions */
    uint64_t far;    /* faulting address, for aborts */
};

_Static_assert(offsetof(struct trap_frame, sp_el0) == TF_SP_EL0, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, elr) == TF_ELR, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, far) == TF_FAR, "trap frame layout");
_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "trap frame layout");
_Static_assert(TF_SIZE % 16 == 0, "sp must stay 16-byte aligned");

/* Syscall ABI (docs/abi.md): number in x8, arguments in x0..x5, result in x0. */
static inline uint64_t trap_syscall_nr(const struct trap_frame *tf)
{
    return tf->x[8];
}
static inline const uint64_t *trap_syscall_args(const struct trap_frame *tf)
{
    return tf->x;
}
static inline void trap_set_result(struct trap_frame *tf, int64_t v)
{
    tf->x[0] = (uint64_t)v;
}

void trap_dump(const struct trap_frame *tf);
#endif

#endif
