/*
 * Ticket spinlocks (the primitive under kernel/include/spinlock.h). A lock is one 32-bit word: the ticket now
 * served in the low half, the next ticket to hand out in the high half. Taking a ticket is one exclusive
 * read-modify-write of the word; waiting is a load-exclusive of the low half and WFE, which sleeps until the
 * exclusive monitor is cleared — by the holder's store-release of the next ticket — or an event arrives (SEV, the
 * generic timer's event stream). Tickets make the lock fair: CPUs get it in the order they asked. Arm ARM B2.9
 * (load-exclusive/store-exclusive), D1.16.1 (WFE wake-up events), K13 ("Ticket locks" in the barrier litmus tests).
 *
 * The Cortex-A72 QEMU models and the BPI-R4's Cortex-A73 are Armv8.0, without the LSE atomics (LDADD), so this uses
 * LDAXR/STXR throughout.
 */
#ifndef WREN_ARCH_SPINLOCK_H
#define WREN_ARCH_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct arch_ticket_lock {
    union {
        volatile uint32_t word; /* bits 15:0 owner (now served), 31:16 next */
        struct {
            volatile uint16_t owner; /* little-endian: the low half */
            volatile uint16_t next;
        };
    };
};

/* Take a ticket: returns (next, owner) as they were, next in the high half. Acquire ordering. */
static inline uint32_t arch_ticket_take(struct arch_ticket_lock *l)
{
    uint32_t old, new, fail;
    __asm__ volatile("1:	ldaxr	%w0, %3\n"
                     "	add	%w1, %w0, #0x10000\n"
                     "	stxr	%w2, %w1, %3\n"
                     "	cbnz	%w2, 1b\n"
                     : "=&r"(old), "=&r"(new), "=&r"(fail), "+Q"(l->word)
                     :
                     : "memory");
    return old;
}

/* Is `ticket` being served? If not, wait (WFE) for the owner half to change or an event; the caller loops. */
static inline bool arch_ticket_check_or_wait(struct arch_ticket_lock *l, uint16_t ticket)
{
    uint32_t owner;
    __asm__ volatile("ldaxrh	%w0, %1" : "=r"(owner) : "Q"(l->owner) : "memory");
    if ((uint16_t)owner == ticket)
        return true;
    __asm__ volatile("wfe" ::: "memory");
    return false;
}

/* Take the lock if it is free; true if taken. */
static inline bool arch_ticket_try(struct arch_ticket_lock *l)
{
    uint32_t old, fail = 1;
    __asm__ volatile("	ldaxr	%w0, %2\n"
                     "	eor	%w1, %w0, %w0, ror #16\n" /* zero iff owner == next: free */
                     "	cbnz	%w1, 1f\n"
                     "	add	%w0, %w0, #0x10000\n"
                     "	stxr	%w1, %w0, %2\n"
                     "1:\n"
                     : "=&r"(old), "=&r"(fail), "+Q"(l->word)
                     :
                     : "memory");
    return fail == 0;
}

/* Serve the next ticket: a store-release of the owner half, which only the holder writes. */
static inline void arch_ticket_release(struct arch_ticket_lock *l)
{
    uint16_t next = (uint16_t)(l->word + 1);
    __asm__ volatile("stlrh	%w1, %0" : "=Q"(l->owner) : "r"(next) : "memory");
}

static inline bool arch_ticket_held(const struct arch_ticket_lock *l)
{
    uint32_t w = l->word;
    return (uint16_t)w != (uint16_t)(w >> 16);
}

/* Is `ticket` being served? (A plain look, ordered by the caller's barrier.) */
static inline bool arch_ticket_served(const struct arch_ticket_lock *l, uint16_t ticket)
{
    return l->owner == ticket;
}

/* Order every earlier load and store before every later one, for all CPUs (DMB ISH). */
static inline void arch_full_barrier(void)
{
    __asm__ volatile("dmb ish" ::: "memory");
}

/*
 * Wait for an interrupt (WFI): returns once one is pending, even one PSTATE masks (Arm ARM D1.16.2), and may return
 * at once. Under QEMU's multi-threaded TCG this halts the vCPU's host thread, which WFE does not.
 */
static inline void arch_wait_interrupt(void)
{
    __asm__ volatile("dsb sy\n\twfi" ::: "memory");
}

/* Wait for an event (WFE): another CPU's SEV, or the event stream; may return at once (Arm ARM D1.16.1). */
static inline void arch_wait_event(void)
{
    __asm__ volatile("wfe" ::: "memory");
}

/* Wake every CPU waiting in WFE (after posting work another CPU polls for while it spins). */
static inline void arch_send_event(void)
{
    __asm__ volatile("dsb ish\n\tsev" ::: "memory");
}

#endif
