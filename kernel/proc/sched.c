/*
 * Scheduler (see sched.h). One CPU for now: the ready queues and `sched_current` would become
 * per-CPU, each with its own lock, when SMP arrives.
 */
#include <wren/abi.h>

#include "arch/context.h"
#include "arch/cpu.h"
#include "mm/kmap.h"
#include "panic.h"
#include "proc/cpu.h"
#include "proc/sched.h"
#include "proc/waitq.h"
#include "timer.h"

struct queue {
    struct proc *head, *tail;
};

static struct queue ready[SCHED_PRIOS];
uint32_t sched_ready_mask; /* bit p set: ready[p] is not empty; sched.h reads it inline */
_Static_assert(SCHED_PRIOS <= 32, "sched_ready_mask has a bit per priority");
struct proc *sched_current; /* the running thread; proc.h reads it inline */
static struct proc *idle;
bool sched_need_resched;         /* a better thread is ready, or the slice is over: switch at the next safe point */
static struct proc *sleepers;    /* blocked in sleep, earliest deadline first (linked by next) */
static struct callout *callouts; /* pending callouts, earliest deadline first */
/* The earlier of the first sleeper's wake-up and the first callout's deadline, or NULL for neither: a pointer, so that
 * rearm tests it exactly as it tested the sleeper list alone (a load and a branch when there is nothing). */
static const uint64_t *wake_next;
static uint64_t armed = UINT64_MAX; /* the deadline the timer is set for; UINT64_MAX = off */

/* Keep wake_next right after a change to either list. */
static void wake_next_update(void)
{
    const uint64_t *t = sleepers ? &sleepers->wake_at : 0;
    if (callouts && (!t || callouts->deadline < *t))
        t = &callouts->deadline;
    wake_next = t;
}

static void enqueue(struct proc *p)
{
    struct queue *q = &ready[p->prio];
    p->next = 0;
    p->prev = q->tail;
    if (q->tail)
        q->tail->next = p;
    else
        q->head = p;
    q->tail = p;
    sched_ready_mask |= 1u << p->prio;
}

static void unlink(struct proc *p)
{
    struct queue *q = &ready[p->prio];
    if (p->prev)
        p->prev->next = p->next;
    else
        q->head = p->next;
    if (p->next)
        p->next->prev = p->prev;
    else
        q->tail = p->prev;
    p->next = p->prev = 0;
    if (!q->head)
        sched_ready_mask &= ~(1u << p->prio);
}

/* The highest priority with a ready thread, or -1. */
static int best_ready_prio(void)
{
    return sched_ready_mask ? 31 - __builtin_clz(sched_ready_mask) : -1;
}

static struct proc *dequeue_best(void)
{
    int prio = best_ready_prio();
    if (prio < 0)
        return idle;
    struct queue *q = &ready[prio];
    struct proc *p = q->head;
    q->head = p->next;
    if (q->head)
        q->head->prev = 0;
    else {
        q->tail = 0;
        sched_ready_mask &= ~(1u << prio);
    }
    p->next = p->prev = 0;
    return p;
}

void sched_init(struct proc *idle_proc)
{
    idle = sched_current = idle_proc;
    idle->state = PROC_RUNNING;
    idle->prio = SCHED_PRIO_IDLE;
}

void sched_make_ready(struct proc *p)
{
    p->state = PROC_READY;
    p->waiting = WAIT_NONE;
    enqueue(p);
    if (p->prio > sched_current->prio || sched_current == idle)
        sched_need_resched = true;
}

/*
 * Arm the timer for the next thing that must happen: the end of `running`'s slice (unless
 * it is idle) or the earliest sleeper's wake-up; with neither, leave it off. A slice that
 * has already ended is not armed: the switch it calls for is pending (sched_need_resched) and
 * re-arms; arming a past deadline would re-raise the interrupt before it could happen.
 */
static void rearm(const struct proc *running, uint64_t now)
{
    uint64_t next = running != idle && running->slice_end > now ? running->slice_end : UINT64_MAX;

    if (wake_next && *wake_next < next)
        next = *wake_next;
    if (next == armed)
        return; /* already set: spare the timer registers */
    armed = next;
    if (next == UINT64_MAX)
        timer_disarm();
    else
        timer_arm(next);
}

/* Save what belongs to the running thread and load `next`'s: registers, FP/SIMD, address space. */
static void switch_context(struct proc *next)
{
    struct proc *prev = sched_current;

    next->state = PROC_RUNNING;
    if (next == prev)
        return;
    fpsimd_switch(prev != idle ? &prev->fp : 0, next != idle ? &next->fp : 0);
    if (next != idle)
        vm_activate(proc_vm(next)); /* a thread runs in its process's space (proc.h) */
    sched_current = next;
    arch_switch_context(&prev->ctx, &next->ctx);
}

/* switch_context between two different threads, neither of them idle (so both have FP state and a space). */
static inline void switch_thread_to(struct proc *next)
{
    struct proc *prev = sched_current;

    KASSERT(prev != next && prev != idle && next != idle);
    next->state = PROC_RUNNING;
    fpsimd_switch(&prev->fp, &next->fp);
    vm_activate(proc_vm(next));
    sched_current = next;
    arch_switch_context(&prev->ctx, &next->ctx);
}

/* Switch to `next`, taken off the ready queues; `sched_current` has already been queued, blocked or ended. */
static void switch_to(struct proc *next)
{
    sched_need_resched = false;
    /* A thread that used up its slice (or never had one) starts a new one. */
    uint64_t now = timer_now_ns();
    if (next->slice_end <= now)
        next->slice_end = now + SCHED_SLICE_NS;
    rearm(next, now);
    switch_context(next);
}

/* Switch to the best ready thread. */
static void switch_to_next(void)
{
    switch_to(dequeue_best());
}

void sched_yield(void)
{
    if (sched_current != idle)
        sched_make_ready(sched_current);
    switch_to_next();
}

void sched_block(enum proc_wait_on why)
{
    sched_current->state = PROC_BLOCKED;
    sched_current->waiting = why;
    switch_to_next();
}

static void sleeper_insert(struct proc *p, uint64_t ns)
{
    struct proc **link = &sleepers;

    p->wake_at = ns;
    while (*link && (*link)->wake_at <= ns) /* after those due sooner or at the same time: FIFO */
        link = &(*link)->next;
    p->next = *link;
    *link = p;
    p->sleeping = true;
    wake_next_update();
}

static void sleeper_remove(struct proc *p)
{
    for (struct proc **link = &sleepers; *link; link = &(*link)->next) {
        if (*link == p) {
            *link = p->next;
            break;
        }
    }
    p->next = 0;
    p->sleeping = false;
    wake_next_update();
}

void sched_wake(struct proc *p)
{
    if (p->state != PROC_BLOCKED)
        return;
    if (p->sleeping) /* woken before its deadline */
        sleeper_remove(p);
    sched_make_ready(p);
}

void sched_set_priority(struct proc *p, uint8_t prio)
{
    if (p->state == PROC_READY) {
        unlink(p);
        p->prio = prio;
        enqueue(p);
    } else {
        p->prio = prio;
    }
    /* Whoever now has the best claim should run: re-decide at the next safe point. */
    if (best_ready_prio() > sched_current->prio)
        sched_need_resched = true;
}

int sched_set_affinity(struct proc *p, uint32_t mask)
{
    mask &= cpu_count >= 32 ? UINT32_MAX : (1u << cpu_count) - 1;
    if (!mask)
        return -E_INVAL;
    p->affinity = mask;
    return 0;
}

_Noreturn void sched_exit_current(void)
{
    KASSERT(sched_current->state == PROC_ZOMBIE);
    switch_to_next();
    panic("a finished thread was scheduled again");
}

void sched_sleep_until(uint64_t ns)
{
    sched_block_until(WAIT_SLEEP, ns);
}

/*
 * Run `to` (blocked, its wait over) in place of the current thread, which has just blocked without a deadline. `to`
 * runs on the rest of this thread's slice (donation, as L4 does for IPC), so the timer, set for no later than this
 * slice's end, stays right and the clock is not read. A switch already due stays due (sched_need_resched is left
 * alone).
 */
static inline void donate_to(struct proc *to)
{
    to->waiting = WAIT_NONE;
    to->slice_end = sched_current->slice_end;
    switch_thread_to(to); /* a thread that blocks is never idle, nor is one that was blocked */
}

void sched_block_handoff(enum proc_wait_on why, uint64_t deadline, struct proc *to)
{
    KASSERT(to->state == PROC_BLOCKED && to != sched_current);
    if (to->state != PROC_BLOCKED) { /* wait queues hold only blocked threads; should one not, never run it twice */
        sched_block_until(why, deadline);
        return;
    }
    if (to->sleeping)
        sleeper_remove(to);
    if (deadline)
        sleeper_insert(sched_current, deadline);
    sched_current->state = PROC_BLOCKED;
    sched_current->waiting = why;
    if (best_ready_prio() > to->prio) { /* someone more urgent is waiting: no jumping the queue */
        sched_make_ready(to);
        switch_to_next();
        return;
    }
    if (deadline) { /* a new sleeper: the timer may have to be set earlier */
        to->waiting = WAIT_NONE;
        switch_to(to);
        return;
    }
    donate_to(to);
}

void sched_handoff(enum proc_wait_on why, struct proc *to)
{
    KASSERT(to->state == PROC_BLOCKED && to != sched_current && sched_can_handoff(to));
    sched_current->state = PROC_BLOCKED;
    sched_current->waiting = why;
    donate_to(to);
}

void sched_block_until(enum proc_wait_on why, uint64_t deadline)
{
    if (deadline)
        sleeper_insert(sched_current, deadline);
    sched_block(why); /* the switch re-arms the timer, now counting this sleeper */
}

void sched_timer_expired(void)
{
    uint64_t now = timer_now_ns();

    armed = UINT64_MAX; /* the interrupt disarmed it */
    while (sleepers && sleepers->wake_at <= now) {
        struct proc *p = sleepers;
        sleepers = p->next;
        p->next = 0;
        p->sleeping = false;
        waitq_timed_out(p); /* off its wait queue too: a queue holds only blocked waiters */
        sched_make_ready(p);
    }
    while (callouts && callouts->deadline <= now) {
        struct callout *c = callouts;
        callouts = c->next;
        c->next = 0;
        c->pending = false;
        c->fn(c); /* may add it again (a periodic timer) */
    }
    wake_next_update();
    if (sched_current != idle && sched_current->slice_end <= now)
        sched_need_resched = true;
    rearm(sched_current, now);
}

void callout_cancel(struct callout *c)
{
    if (!c->pending)
        return;
    for (struct callout **link = &callouts; *link; link = &(*link)->next) {
        if (*link == c) {
            *link = c->next;
            break;
        }
    }
    c->next = 0;
    c->pending = false;
    wake_next_update(); /* the timer may fire early for it once: harmless, as for a sleeper woken early */
}

void callout_add(struct callout *c, uint64_t deadline)
{
    callout_cancel(c);
    struct callout **link = &callouts;
    while (*link && (*link)->deadline <= deadline) /* FIFO among equal deadlines */
        link = &(*link)->next;
    c->deadline = deadline;
    c->next = *link;
    *link = c;
    c->pending = true;
    wake_next_update();
    if (deadline < armed) /* sooner than the timer is set for: set it now, not at the next switch */
        rearm(sched_current, timer_now_ns());
}

void sched_cond_resched(void)
{
    arch_irq_enable();
    arch_irq_disable();
    sched_preempt_point(); /* a syscall's thread: never idle */
}

_Noreturn void sched_idle_loop(void (*work)(void))
{
    arch_irq_disable();
    for (;;) {
        if (sched_need_resched)
            switch_to_next();
        work();
        /* WFI with IRQs masked still wakes on a pending interrupt; unmask to take it. */
        wfi();
        arch_irq_enable();
        arch_irq_disable();
    }
}
