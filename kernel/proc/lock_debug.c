/*
 * Lock checking in debug builds: the lock_debug_* hooks include/spinlock.h calls around every spin_lock, spin_trylock
 * and spin_unlock, over the order graph of lib/lock_order.c.
 *
 * What is held is kept per CPU, not per thread: the kernel lock is taken by one thread and released by another on the
 * same CPU across a context switch, and no other lock is held across a switch, so "the locks this CPU holds" is the
 * set that can deadlock against another CPU. The stack is touched only by its own CPU, with interrupts masked (the
 * kernel runs so; an interrupt in the idle loop's window nests its takes and releases inside, so the stack is as it
 * was when it returns). The graph is shared: a ticket lock of its own, taken without spin_wait_hook and never held
 * while anything else is taken or printed (the report is printed after it is released, since the console may take a
 * lock of its own).
 *
 * What happens on each finding:
 *  - an order violation is reported once per pair of classes, and the kernel goes on (nothing is stuck yet: the
 *    report says where it could be);
 *  - taking a lock this CPU already holds would spin forever: reported, then panic;
 *  - releasing a lock this CPU does not hold would hand out a ticket nobody took, corrupting the lock: reported,
 *    then panic.
 */
#ifdef WREN_DEBUG
#include "arch/backtrace.h"
#include "arch/spinlock.h"
#include "console.h"
#include "lib/lock_order.h"
#include "panic.h"
#include "proc/cpu.h"
#include "spinlock.h"
#include "test_hooks.h"

#define LOCK_HELD_MAX 16 /* locks one CPU holds at once; deeper nesting is a bug in itself */

struct held_stack {
    unsigned depth;
    struct spinlock *lock[LOCK_HELD_MAX];
    struct lock_order_held held[LOCK_HELD_MAX]; /* class and site of lock[i] */
};

static struct held_stack held_by_cpu[CPU_MAX];
static struct lock_order graph; /* all zeros is the empty graph (lock_order_init) */
static struct arch_ticket_lock graph_lock;
static bool said_full;

/*
 * This CPU's index. TPIDR_EL1 points into cpus[] once the CPU is set up (proc/cpu.h); before that (early boot, where
 * only the boot CPU runs) it holds whatever reset left, so anything outside the table means CPU 0.
 */
static unsigned my_cpu(void)
{
    uintptr_t c = (uintptr_t)this_cpu();
    if (c < (uintptr_t)&cpus[0] || c >= (uintptr_t)&cpus[CPU_MAX])
        return 0;
    unsigned i = ((const struct cpu *)c)->arch.index;
    return i < CPU_MAX ? i : 0;
}

static void graph_take(void)
{
    uint32_t t = arch_ticket_take(&graph_lock);
    uint16_t mine = (uint16_t)(t >> 16);
    if ((uint16_t)t != mine)
        while (!arch_ticket_check_or_wait(&graph_lock, mine))
            ;
}

static int held_index(const struct held_stack *s, const struct spinlock *l)
{
    for (unsigned i = 0; i < s->depth; i++)
        if (s->lock[i] == l)
            return (int)i;
    return -1;
}

/*
 * A site as reports print it: __FILE__ is the path the compiler was given (absolute, under the source tree), so it
 * starts at the last "kernel/" directory, as the repository names the file. Done when printing, not on each take.
 */
static const char *site_name(const char *site)
{
    if (!site)
        return "(site not kept)";
    const char *from = site;
    for (const char *p = site; *p; p++)
        if (p[0] == '/' && p[1] == 'k' && p[2] == 'e' && p[3] == 'r' && p[4] == 'n' && p[5] == 'e' && p[6] == 'l' &&
            p[7] == '/')
            from = p + 1;
    return from;
}

static void report_violation(unsigned cpu, const struct lock_order_violation *v)
{
    kprintf("\nLOCK ORDER VIOLATION on cpu %u: taking \"%s\" at %s while holding \"%s\" (taken at %s)\n", cpu,
            v->taking.cls->name, site_name(v->taking.site), v->held.cls->name, site_name(v->held.site));
    kprintf("  the opposite order was recorded before:\n");
    unsigned shown = v->path_len < LOCK_ORDER_PATH_MAX ? v->path_len : LOCK_ORDER_PATH_MAX;
    for (unsigned k = 0; k < shown; k++)
        kprintf("    \"%s\" taken at %s while holding \"%s\" (taken at %s)\n", v->path[k].to->name,
                site_name(v->path[k].to_site), v->path[k].from->name, site_name(v->path[k].from_site));
    if (shown < v->path_len)
        kprintf("    ... %u more links\n", v->path_len - shown);
    kprintf("  two CPUs taking them in these orders can deadlock; each pair is reported once\n");
    backtrace_print((uintptr_t)report_violation, (uintptr_t)__builtin_frame_address(0));
}

void lock_debug_before(struct spinlock *l, const char *site)
{
    unsigned cpu = my_cpu();
    struct held_stack *s = &held_by_cpu[cpu];
    int i = held_index(s, l);
    if (i >= 0)
        panic("lock \"%s\" taken at %s on cpu %u, which already holds it (taken at %s): it would spin forever", l->name,
              site_name(site), cpu, site_name(s->held[i].site));

    struct lock_order_violation v;
    graph_take();
    if (!l->class)
        l->class = lock_order_class(&graph, l->name);
    enum lock_order_result r = lock_order_check(&graph, s->held, s->depth, l->class, site, &v);
    bool full = (graph.classes_full || graph.edges_full) && !said_full;
    said_full |= full;
    arch_ticket_release(&graph_lock);

    if (full)
        kprintf("lock order: the graph is full (%u classes, %u edges); some locks or sites are not checked\n",
                graph.nclasses, graph.nedges);
    if (r == LOCK_ORDER_VIOLATION)
        report_violation(cpu, &v);
}

void lock_debug_acquired(struct spinlock *l, const char *site)
{
    unsigned cpu = my_cpu();
    struct held_stack *s = &held_by_cpu[cpu];
    if (s->depth == LOCK_HELD_MAX)
        panic("cpu %u holds %u locks and takes \"%s\" at %s: nesting this deep is a bug", cpu, s->depth, l->name,
              site_name(site));
    if (!l->class) { /* a trylock is the first take: no order to check, but later takes check against it */
        graph_take();
        l->class = lock_order_class(&graph, l->name);
        arch_ticket_release(&graph_lock);
    }
    s->lock[s->depth] = l;
    s->held[s->depth] = (struct lock_order_held){l->class, site};
    s->depth++;
    l->owner_cpu = (int)cpu;
    l->acquired_at = site;
}

void lock_debug_released(struct spinlock *l)
{
    unsigned cpu = my_cpu();
    struct held_stack *s = &held_by_cpu[cpu];
    int i = held_index(s, l);
    if (i < 0) {
        if (spin_is_locked(l))
            panic("lock \"%s\" released on cpu %u, which does not hold it (cpu %d took it at %s)", l->name, cpu,
                  l->owner_cpu, site_name(l->acquired_at));
        panic("lock \"%s\" released on cpu %u, but nobody holds it", l->name, cpu);
    }
    /* Locks need not be released in the order they were taken: close the gap. */
    for (unsigned k = (unsigned)i; k + 1 < s->depth; k++) {
        s->lock[k] = s->lock[k + 1];
        s->held[k] = s->held[k + 1];
    }
    s->depth--;
    l->owner_cpu = -1;
    l->acquired_at = 0;
}

/* test=lock-order and friends (test_hooks.h): two locks of their own, taken the way each test says. */
static struct spinlock test_lock_a = SPINLOCK_INIT("test-lock-a");
static struct spinlock test_lock_b = SPINLOCK_INIT("test-lock-b");

void test_lock_order(void)
{
    unsigned before = held_by_cpu[my_cpu()].depth; /* the kernel lock, if boot holds it here */
    spin_lock(&test_lock_a);                       /* a, then b: the order recorded */
    spin_lock(&test_lock_b);
    spin_unlock(&test_lock_b);
    spin_unlock(&test_lock_a);
    spin_lock(&test_lock_b); /* b, then a: the violation */
    spin_lock(&test_lock_a);
    spin_unlock(&test_lock_a);
    spin_unlock(&test_lock_b);
    spin_lock(&test_lock_b); /* the same again: reported once only */
    spin_lock(&test_lock_a);
    spin_unlock(&test_lock_b); /* released out of order: allowed */
    spin_unlock(&test_lock_a);
    unsigned after = held_by_cpu[my_cpu()].depth;
    if (after == before)
        kprintf("lock order test: done, cpu %u holds what it held before (%u locks)\n", my_cpu(), after);
    else
        kprintf("lock order test: cpu %u holds %u locks, %u before\n", my_cpu(), after, before);
}

void test_lock_recursive(void)
{
    spin_lock(&test_lock_a);
    spin_lock(&test_lock_a);
}

void test_lock_unheld(void)
{
    spin_unlock(&test_lock_b);
}
#endif
