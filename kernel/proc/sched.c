/*
 * Scheduler (see sched.h): per-CPU ready queues, sleeper lists, callouts and timers, all in struct cpu
 * (proc/cpu.h). Every function here runs under the kernel lock (proc/smp.h), so another CPU's queues may be read and
 * changed here too; what a CPU must do itself (switch, arm its own timer) it is asked to with an IPI.
 */
#include <wren/abi.h>

#include "arch/context.h"
#include "arch/cpu.h"
#include "mm/kmap.h"
#include "panic.h"
#include "proc/cpu.h"
#include "proc/sched.h"
#include "proc/smp.h"
#include "proc/waitq.h"
#include "timer.h"

_Static_assert(SCHED_PRIOS == CPU_SCHED_PRIOS, "struct cpu has a queue per priority");
_Static_assert(SCHED_PRIOS <= 32, "ready_mask has a bit per priority");

static inline struct cpu *cpu_of(const struct proc *p)
{
    return &cpus[p->cpu];
}

/* Keep c->wake_next right after a change to either of c's lists. */
static void wake_next_update(struct cpu *c)
{
    const uint64_t *t = c->sleepers ? &c->sleepers->wake_at : 0;
    if (c->callouts && (!t || c->callouts->deadline < *t))
        t = &c->callouts->deadline;
    c->wake_next = t;
}

static void enqueue(struct cpu *c, struct proc *p)
{
    struct cpu_queue *q = &c->ready[p->prio];
    p->next = 0;
    p->prev = q->tail;
    if (q->tail)
        q->tail->next = p;
    else
        q->head = p;
    q->tail = p;
    c->ready_mask |= 1u << p->prio;
}

static void unlink(struct cpu *c, struct proc *p)
{
    struct cpu_queue *q = &c->ready[p->prio];
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
        c->ready_mask &= ~(1u << p->prio);
}

/* The highest priority with a ready thread on c, or -1. */
static int best_ready_prio(const struct cpu *c)
{
    return c->ready_mask ? 31 - __builtin_clz(c->ready_mask) : -1;
}

static bool may_run_on(const struct proc *p, const struct cpu *c)
{
    return (p->affinity >> c->arch.index) & 1;
}

static bool cpu_is_idle(const struct cpu *c)
{
    return c->current == c->idle && c->ready_mask == 0;
}

/* How much c has queued, for balancing: the priorities with a ready thread (cheaper to keep than a count). */
static unsigned queued(const struct cpu *c)
{
    return cpu_mask_count(c->ready_mask);
}

/*
 * Take a ready thread from the busiest other CPU for c, which has nothing to run: the best one there that may run
 * on c. NULL if no other CPU has one.
 */
static struct proc *steal_for(struct cpu *c)
{
    struct cpu *from = 0;
    for (unsigned i = 0; i < cpu_count; i++) {
        struct cpu *o = &cpus[i];
        if (o != c && o->ready_mask && (!from || queued(o) > queued(from)))
            from = o;
    }
    if (!from)
        return 0;
    for (int prio = best_ready_prio(from); prio >= 0; prio--) {
        for (struct proc *p = from->ready[prio].head; p; p = p->next) {
            if (may_run_on(p, c)) {
                unlink(from, p);
                p->cpu = (int)c->arch.index;
                c->stats.migrations++;
                return p;
            }
        }
    }
    return 0;
}

/* Nothing queued here, or this CPU is going offline (its queue is handed on from its idle thread). */
static __attribute__((noinline)) struct proc *dequeue_slow(struct cpu *c)
{
    struct proc *p = c->online && cpu_count > 1 ? steal_for(c) : 0;
    return p ? p : c->idle;
}

/* The best thread queued on c, which has one and is online. */
static inline struct proc *dequeue_queued(struct cpu *c)
{
    int prio = best_ready_prio(c);
    struct cpu_queue *q = &c->ready[prio];
    struct proc *p = q->head;
    q->head = p->next;
    if (q->head)
        q->head->prev = 0;
    else {
        q->tail = 0;
        c->ready_mask &= ~(1u << prio);
    }
    p->next = p->prev = 0;
    return p;
}

static inline struct proc *dequeue_best(struct cpu *c)
{
    if (__builtin_expect(!c->ready_mask || !c->online, 0))
        return dequeue_slow(c);
    return dequeue_queued(c);
}

/*
 * Where p should wait for a CPU: the CPU it last ran on if that is idle (its cache may still be warm), else an idle
 * CPU it may use, this one first, else the least loaded one it may use, its last one on a tie. A thread whose
 * affinity names only CPUs that are offline runs on any online CPU rather than never.
 */
static struct cpu *pick_cpu(const struct proc *p)
{
    if (cpu_count == 1)
        return &cpus[0];
    uint32_t allowed = p->affinity & cpu_online_mask;
    if (!allowed)
        allowed = cpu_online_mask;
    struct cpu *last = cpu_of(p);
    if (((allowed >> last->arch.index) & 1) && cpu_is_idle(last))
        return last;
    struct cpu *me = this_cpu();
    if (((allowed >> me->arch.index) & 1) && cpu_is_idle(me))
        return me;
    struct cpu *best = 0;
    unsigned best_load = UINT32_MAX;
    for (unsigned i = 0; i < cpu_count; i++) {
        struct cpu *o = &cpus[i];
        if (!((allowed >> i) & 1))
            continue;
        if (cpu_is_idle(o))
            return o;
        unsigned load = queued(o) + (o->current != o->idle);
        if (load < best_load || (load == best_load && o == last)) {
            best = o;
            best_load = load;
        }
    }
    return best ? best : me;
}

void sched_kick(struct cpu *c)
{
    bool was = c->need_resched;
    c->need_resched = true;
    if (c != this_cpu() && !was)
        smp_send_resched(c);
}

void sched_cpu_init(struct proc *idle_proc)
{
    struct cpu *c = this_cpu();
    c->idle = c->current = idle_proc;
    c->armed = UINT64_MAX;
    idle_proc->state = PROC_RUNNING;
    idle_proc->prio = SCHED_PRIO_IDLE;
    idle_proc->cpu = (int)c->arch.index;
    proc_set_affinity(idle_proc, 1u << c->arch.index);
}

void sched_init(struct proc *idle_proc)
{
    sched_cpu_init(idle_proc);
}

/* Queue p on c and ask c to switch if p should run there before what it runs now. */
static void make_ready_on(struct cpu *c, struct proc *p)
{
    p->state = PROC_READY;
    p->waiting = WAIT_NONE;
    p->cpu = (int)c->arch.index;
    enqueue(c, p);
    if (p->prio > c->current->prio || c->current == c->idle)
        sched_kick(c);
}

void sched_make_ready(struct proc *p)
{
    make_ready_on(pick_cpu(p), p);
}

/*
 * Arm this CPU's timer for the next thing that must happen: the end of `running`'s slice (unless it is idle) or the
 * earliest sleeper's or callout's time; with neither, leave it off. A slice that has already ended is not armed: the
 * switch it calls for is pending (need_resched) and re-arms; arming a past deadline would re-raise the interrupt
 * before it could happen.
 */
static void rearm(struct cpu *c, const struct proc *running, uint64_t now)
{
    uint64_t next = running != c->idle && running->slice_end > now ? running->slice_end : UINT64_MAX;

    if (c->wake_next && *c->wake_next < next)
        next = *c->wake_next;
    if (next == c->armed)
        return; /* already set: spare the timer registers */
    c->armed = next;
    if (next == UINT64_MAX)
        timer_disarm();
    else
        timer_arm(next);
}

/* Save what belongs to the running thread and load `next`'s: registers, FP/SIMD, address space. */
static void switch_context(struct cpu *c, struct proc *next)
{
    struct proc *prev = c->current;

    next->state = PROC_RUNNING; /* next->cpu is c already: queued here, stolen for here, or c's idle thread */
    if (next == prev)
        return;
    fpsimd_switch(&c->arch, prev != c->idle ? &prev->fp : 0, next != c->idle ? &next->fp : 0);
    if (next != c->idle)
        vm_activate_on(proc_vm(next), c->arch.index);
    c->current = next;
    c->stats.switches++;
    arch_switch_context(&prev->ctx, &next->ctx);
}

/* switch_context between two different threads, neither of them idle (so both have FP state and a space). */
static inline void switch_thread_to(struct cpu *c, struct proc *next)
{
    struct proc *prev = c->current;

    KASSERT(prev != next && prev != c->idle && next != c->idle);
    next->state = PROC_RUNNING;
    next->cpu = (int)c->arch.index;
    fpsimd_switch(&c->arch, &prev->fp, &next->fp);
    vm_activate_on(proc_vm(next), c->arch.index);
    c->current = next;
    arch_switch_context(&prev->ctx, &next->ctx); /* not counted in stats.switches: the IPC path's own */
}

/* Switch to `next`, taken off the ready queues; the current thread has already been queued, blocked or ended. */
static void switch_to(struct cpu *c, struct proc *next)
{
    c->need_resched = false;
    /* A thread that used up its slice (or never had one) starts a new one. */
    uint64_t now = timer_now_ns();
    if (next->slice_end <= now)
        next->slice_end = now + SCHED_SLICE_NS;
    rearm(c, next, now);
    switch_context(c, next);
}

/* Switch to the best ready thread of this CPU (or one taken from another). */
static inline void switch_to_next(void)
{
    struct cpu *c = this_cpu();
    switch_to(c, dequeue_best(c));
}

/* sched_yield when c->no_round_robin is set: this CPU is going offline, or the thread may no longer run here. */
static __attribute__((noinline)) void yield_slow(struct cpu *c, struct proc *p)
{
    c->no_round_robin = !c->online;
    if (p != c->idle) {
        if (may_run_on(p, c) && c->online)
            make_ready_on(c, p);
        else
            sched_make_ready(p);
    }
    switch_to(c, dequeue_best(c));
}

void sched_yield(void)
{
    struct cpu *c = this_cpu();
    struct proc *p = c->current;
    if (__builtin_expect(c->no_round_robin, 0)) {
        yield_slow(c, p);
        return;
    }
    /* Round-robin here, behind its equals (nothing to kick: it was running here). */
    if (p != c->idle) {
        p->state = PROC_READY;
        p->waiting = WAIT_NONE;
        enqueue(c, p);
    }
    if (__builtin_expect(!c->ready_mask, 0)) { /* only for idle: it queued nothing */
        switch_to(c, dequeue_slow(c));
        return;
    }
    switch_to(c, dequeue_queued(c)); /* online (no_round_robin is clear) and something is queued */
}

void sched_block(enum proc_wait_on why)
{
    struct proc *p = this_cpu()->current;
    p->state = PROC_BLOCKED;
    p->waiting = why;
    switch_to_next();
}

/* Put p, which wakes at p->wake_at, on c's sleeper list, after those due sooner or at the same time (FIFO). */
static void sleeper_link(struct cpu *c, struct proc *p)
{
    struct proc **link = &c->sleepers;
    while (*link && (*link)->wake_at <= p->wake_at)
        link = &(*link)->next;
    p->next = *link;
    *link = p;
    p->cpu = (int)c->arch.index;
}

static void sleeper_insert(struct proc *p, uint64_t ns)
{
    struct cpu *c = this_cpu();
    p->wake_at = ns;
    sleeper_link(c, p);
    p->sleeping = true;
    wake_next_update(c);
}

static void sleeper_remove(struct proc *p)
{
    struct cpu *c = cpu_of(p);
    for (struct proc **link = &c->sleepers; *link; link = &(*link)->next) {
        if (*link == p) {
            *link = p->next;
            break;
        }
    }
    p->next = 0;
    p->sleeping = false;
    wake_next_update(c); /* that CPU's timer may fire early once for it: harmless */
}

void sched_wake(struct proc *p)
{
    if (p->state != PROC_BLOCKED)
        return;
    if (p->sleeping) /* woken before its deadline */
        sleeper_remove(p);
    sched_make_ready(p);
}

void sched_wake_sync(struct proc *p)
{
    struct cpu *c = this_cpu();
    if (p->state != PROC_BLOCKED)
        return;
    if (p->sleeping)
        sleeper_remove(p);
    if (c->ready_mask == 0 && c->online && may_run_on(p, c))
        make_ready_on(c, p);
    else
        sched_make_ready(p);
}

void sched_set_priority(struct proc *p, uint8_t prio)
{
    if (p->state == PROC_READY) {
        struct cpu *c = cpu_of(p);
        unlink(c, p);
        p->prio = prio;
        make_ready_on(c, p);
    } else {
        p->prio = prio;
    }
    /* Whoever now has the best claim should run: re-decide at the next safe point. */
    struct cpu *c = p->state == PROC_RUNNING ? cpu_of(p) : this_cpu();
    if (best_ready_prio(c) > c->current->prio)
        sched_kick(c);
}

int sched_set_affinity(struct proc *p, uint32_t mask)
{
    mask &= cpu_count >= 32 ? UINT32_MAX : (1u << cpu_count) - 1;
    if (!mask)
        return -E_INVAL;
    uint32_t all = cpu_count >= 32 ? UINT32_MAX : (1u << cpu_count) - 1;
    proc_set_affinity(p, mask == all ? UINT32_MAX : mask); /* every CPU there is: unpinned */
    struct cpu *c = cpu_of(p);
    if (may_run_on(p, c))
        return 0;
    if (p->state == PROC_READY) { /* queued where it may no longer run: move it now */
        unlink(c, p);
        sched_make_ready(p);
    } else if (p->state == PROC_RUNNING) { /* running there: it moves at its next switch (sched_yield) */
        c->no_round_robin = true;
        sched_kick(c);
    }
    return 0;
}

_Noreturn void sched_exit_current(void)
{
    KASSERT(this_cpu()->current->state == PROC_ZOMBIE);
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
 * slice's end, stays right and the clock is not read. A switch already due stays due (need_resched is left alone).
 */
static inline void donate_to(struct cpu *c, struct proc *to)
{
    to->waiting = WAIT_NONE;
    to->slice_end = c->current->slice_end;
    switch_thread_to(c, to); /* a thread that blocks is never idle, nor is one that was blocked */
}

void sched_block_handoff(enum proc_wait_on why, uint64_t deadline, struct proc *to)
{
    struct cpu *c = this_cpu();
    struct proc *me = c->current;
    KASSERT(to->state == PROC_BLOCKED && to != me);
    if (to->state != PROC_BLOCKED) { /* wait queues hold only blocked threads; should one not, never run it twice */
        sched_block_until(why, deadline);
        return;
    }
    if (to->sleeping)
        sleeper_remove(to);
    if (deadline)
        sleeper_insert(me, deadline);
    me->state = PROC_BLOCKED;
    me->waiting = why;
    if (best_ready_prio(c) > to->prio || !may_run_on(to, c)) { /* someone more urgent waits, or `to` may not run here */
        sched_make_ready(to);
        switch_to_next();
        return;
    }
    if (deadline) { /* a new sleeper: the timer may have to be set earlier */
        to->waiting = WAIT_NONE;
        to->cpu = (int)c->arch.index;
        switch_to(c, to);
        return;
    }
    donate_to(c, to);
}

void sched_handoff(enum proc_wait_on why, struct proc *to)
{
    struct cpu *c = this_cpu();
    KASSERT(to->state == PROC_BLOCKED && to != c->current && sched_can_handoff(to));
    c->current->state = PROC_BLOCKED;
    c->current->waiting = why;
    donate_to(c, to);
}

void sched_block_until(enum proc_wait_on why, uint64_t deadline)
{
    if (deadline)
        sleeper_insert(this_cpu()->current, deadline);
    sched_block(why); /* the switch re-arms the timer, now counting this sleeper */
}

void sched_timer_expired(void)
{
    struct cpu *c = this_cpu();
    uint64_t now = timer_now_ns();

    c->armed = UINT64_MAX; /* the interrupt disarmed it */
    while (c->sleepers && c->sleepers->wake_at <= now) {
        struct proc *p = c->sleepers;
        c->sleepers = p->next;
        p->next = 0;
        p->sleeping = false;
        waitq_timed_out(p); /* off its wait queue too: a queue holds only blocked waiters */
        sched_make_ready(p);
    }
    while (c->callouts && c->callouts->deadline <= now) {
        struct callout *co = c->callouts;
        c->callouts = co->next;
        co->next = 0;
        co->pending = false;
        co->fn(co); /* may add it again (a periodic timer) */
    }
    wake_next_update(c);
    if (c->current != c->idle && c->current->slice_end <= now)
        c->need_resched = true;
    rearm(c, c->current, now);
}

void callout_cancel(struct callout *co)
{
    if (!co->pending)
        return;
    struct cpu *c = &cpus[co->cpu];
    for (struct callout **link = &c->callouts; *link; link = &(*link)->next) {
        if (*link == co) {
            *link = co->next;
            break;
        }
    }
    co->next = 0;
    co->pending = false;
    wake_next_update(c); /* the timer may fire early for it once: harmless, as for a sleeper woken early */
}

static void callout_insert(struct cpu *c, struct callout *co, uint64_t deadline)
{
    struct callout **link = &c->callouts;
    while (*link && (*link)->deadline <= deadline) /* FIFO among equal deadlines */
        link = &(*link)->next;
    co->deadline = deadline;
    co->next = *link;
    *link = co;
    co->pending = true;
    co->cpu = (uint8_t)c->arch.index;
    wake_next_update(c);
}

void callout_add(struct callout *co, uint64_t deadline)
{
    struct cpu *c = this_cpu();
    callout_cancel(co);
    callout_insert(c, co, deadline);
    if (deadline < c->armed) /* sooner than the timer is set for: set it now, not at the next switch */
        rearm(c, c->current, timer_now_ns());
}

void sched_cpu_evacuate(struct cpu *c)
{
    KASSERT(c == this_cpu() && !c->online && c->current == c->idle);
    for (int prio = SCHED_PRIOS - 1; prio >= 0; prio--) {
        while (c->ready[prio].head) {
            struct proc *p = c->ready[prio].head;
            unlink(c, p);
            sched_make_ready(p); /* c is offline: placed elsewhere */
        }
    }
    /* Sleepers and callouts go to the boot CPU, which never goes offline; its timer is re-armed for them. */
    struct cpu *to = &cpus[0];
    while (c->sleepers) {
        struct proc *p = c->sleepers;
        c->sleepers = p->next;
        sleeper_link(to, p);
    }
    while (c->callouts) {
        struct callout *co = c->callouts;
        c->callouts = co->next;
        callout_insert(to, co, co->deadline);
    }
    wake_next_update(c);
    wake_next_update(to);
    sched_kick(to); /* its next switch re-arms its timer for what it was given */
}

void sched_cond_resched(void)
{
    arch_irq_enable();
    arch_irq_disable();
    sched_preempt_point(); /* a syscall's thread: never idle */
}

_Noreturn void sched_idle_loop(void (*work)(void))
{
    struct cpu *c = this_cpu();
    arch_irq_disable();
    for (;;) {
        if (c->need_resched || c->ready_mask || (cpu_count > 1 && c->online))
            switch_to_next(); /* runs something if this CPU has it, or can take it from another */
        if (work)
            work();
        smp_idle_check(); /* going offline? (does not return if so) */
        if (c->need_resched || c->ready_mask)
            continue;
        /* WFI with IRQs masked still wakes on a pending interrupt; unmask to take it. The kernel lock is free while
         * this CPU waits: an IPI sent meanwhile stays pending and ends the WFI at once. */
        uint64_t t0 = timer_now_ns();
        c->idle_since = t0; /* readers of the counters add the wait in progress (scheme/sys_files.c) */
        kernel_exit();
        wfi();
        kernel_enter();
        c->idle_since = 0;
        c->stats.idle_ns += timer_now_ns() - t0;
        arch_irq_enable();
        arch_irq_disable();
    }
}
