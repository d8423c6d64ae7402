/*
 * Spinlocks for the portable kernel (the ticket lock itself: arch/spinlock.h).
 *
 * The kernel runs with interrupts masked (proc/sched.h), so a lock taken in the kernel is never interrupted on its
 * own CPU; code that may run with interrupts unmasked (the idle loop's window, sched_cond_resched) holds no lock but
 * the kernel lock there. While a CPU spins it answers cross-CPU calls (smp_call: proc/smp.h) through spin_wait_hook,
 * so a CPU that holds a lock and waits for another's answer cannot deadlock against one that waits for the lock.
 *
 * A debug build (WREN_DEBUG) checks the order locks are taken in: see lock_debug_* below.
 */
#ifndef WREN_SPINLOCK_H
#define WREN_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/spinlock.h"

struct lock_class;

struct spinlock {
    struct arch_ticket_lock raw;
    const char *name; /* for reports */
#ifdef WREN_DEBUG
    int owner_cpu;            /* who holds it, -1 if nobody: a recursive take is reported, not a silent hang */
    const char *acquired_at;  /* "file:line" of the holder's spin_lock */
    struct lock_class *class; /* lock-order checking (lock_debug.c); found from `name` on first use */
#endif
};

#ifdef WREN_DEBUG
#define SPINLOCK_INIT(n)                                                                                               \
    {                                                                                                                  \
        .name = (n), .owner_cpu = -1                                                                                   \
    }
#else
#define SPINLOCK_INIT(n)                                                                                               \
    {                                                                                                                  \
        .name = (n)                                                                                                    \
    }
#endif

/* What a spinning CPU does between looks at the lock: answer cross-CPU calls (proc/smp.c). */
void spin_wait_hook(void);

/*
 * A CPU that has looked at a lock SPIN_PARK_AFTER times without being served parks: it says so in its byte of
 * spin_parked and waits in WFI, and whoever releases a lock while a CPU is parked wakes it with an SGI (proc/smp.c).
 * On hardware a wait that long hardly happens (each look is a WFE that returns when the lock word changes); it is for
 * a CPU whose holder is not running at all, as when QEMU's vCPUs outnumber the host's cores: there WFE does not
 * sleep, and a spinning vCPU would take host time from the holder.
 */
#define SPIN_PARK_AFTER 128
union spin_parked_cpus {
    uint64_t any;   /* nonzero: some CPU is parked */
    uint8_t cpu[8]; /* each CPU writes only its own byte */
};
extern volatile union spin_parked_cpus spin_parked;
void spin_park(const struct spinlock *l, uint16_t ticket);
void spin_wake_parked(void);

#ifdef WREN_DEBUG
/* Checks before a take (order, recursion) and bookkeeping after it and at release (lock_debug.c). */
void lock_debug_before(struct spinlock *l, const char *site);
void lock_debug_acquired(struct spinlock *l, const char *site);
void lock_debug_released(struct spinlock *l);
#define SPIN_STR_(x) #x
#define SPIN_STR(x)  SPIN_STR_(x)
#define SPIN_SITE    __FILE__ ":" SPIN_STR(__LINE__)
#endif

static inline void spin_lock_raw(struct spinlock *l)
{
    uint32_t t = arch_ticket_take(&l->raw);
    uint16_t mine = (uint16_t)(t >> 16);
    if ((uint16_t)t == mine)
        return; /* uncontended */
    for (unsigned looks = 1; !arch_ticket_check_or_wait(&l->raw, mine); looks++) {
        spin_wait_hook();
        if (looks % SPIN_PARK_AFTER == 0)
            spin_park(l, mine);
    }
}

static inline void spin_unlock_raw(struct spinlock *l)
{
    arch_ticket_release(&l->raw);
    /* The release before the look at spin_parked; spin_park sets its byte before it looks at the lock: one of the
     * two sees the other's store, so a parked CPU is never left asleep with its lock free. */
    arch_full_barrier();
    if (__builtin_expect(spin_parked.any != 0, 0))
        spin_wake_parked();
}

#ifdef WREN_DEBUG
static inline void spin_lock_at(struct spinlock *l, const char *site)
{
    lock_debug_before(l, site);
    spin_lock_raw(l);
    lock_debug_acquired(l, site);
}
#define spin_lock(l) spin_lock_at((l), SPIN_SITE)
static inline void spin_unlock(struct spinlock *l)
{
    lock_debug_released(l);
    spin_unlock_raw(l);
}
static inline bool spin_trylock_at(struct spinlock *l, const char *site)
{
    if (!arch_ticket_try(&l->raw))
        return false;
    lock_debug_acquired(l, site);
    return true;
}
#define spin_trylock(l) spin_trylock_at((l), SPIN_SITE)
#else
#define spin_lock(l) spin_lock_raw(l)
static inline void spin_unlock(struct spinlock *l)
{
    spin_unlock_raw(l);
}
static inline bool spin_trylock(struct spinlock *l)
{
    return arch_ticket_try(&l->raw);
}
#endif

static inline bool spin_is_locked(const struct spinlock *l)
{
    return arch_ticket_held(&l->raw);
}

#endif
