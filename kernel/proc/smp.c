/*
 * Bring-up, IPIs, cross-CPU calls and hotplug (see smp.h for the kernel lock).
 *
 * The CPUs come from the DTB's /cpus (dev/platform.c): the one whose MPIDR matches ours is cpus[0], the others follow
 * in the tree's order. Each is started with PSCI CPU_ON through the conduit the DTB's /psci names (hvc when QEMU
 * enters at EL1, smc at EL2 and on the BPI-R4's TF-A: [bpi-r4.md §2]) and enters secondary_main on a kernel stack of
 * its own, where it turns on its GIC interface and timer, takes the kernel lock and goes idle.
 */
#include <wren/abi.h>

#include "arch/context.h"
#include "arch/cpu.h"
#include "arch/memlayout.h"
#include "arch/psci.h"
#include "arch/smp_boot.h"
#include "console.h"
#include "irq.h"
#include "mm/kmap.h"
#include "mm/pmm.h"
#include "panic.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/smp.h"
#include "timer.h"

struct spinlock kernel_lock = SPINLOCK_INIT("kernel");

void kernel_lock_take(void)
{
    spin_lock(&kernel_lock);
}

void kernel_lock_give(void)
{
    spin_unlock(&kernel_lock);
}

/* Kernel stacks of the secondaries' idle threads: the last slots of the stack area, whatever the process table. */
#define SMP_STACK_SLOT(i) (KSTACK_AREA_SLOTS - CPU_MAX + (i))
_Static_assert(CPU_MAX <= ARCH_MAX_CPUS, "a boot-args slot for every CPU");
_Static_assert(PROC_MAX + 1 <= KSTACK_AREA_SLOTS - CPU_MAX, "the idle stacks do not collide with the processes'");

#define SMP_WAIT_NS 1000000000ull /* how long a CPU gets to come up, go down or answer a call */

static uint32_t psci_cpu_on_fn, psci_cpu_off_fn;
static uint64_t idle_stack_pa[CPU_MAX];
static volatile bool offline_requested[CPU_MAX];
static volatile bool powered_off[CPU_MAX]; /* set just before CPU_OFF; the firmware's AFFINITY_INFO is asked too */

/* One call slot per CPU: the kernel lock serialises callers, so one is enough. */
struct call_slot {
    void (*volatile fn)(void *);
    void *arg;
    volatile bool done;
};
static struct call_slot calls[CPU_MAX];
static volatile bool stopping;

/* Whatever the CPU is doing with interrupts masked while it waits, it answers calls and a panic's stop. */
static void run_call(void)
{
    struct call_slot *s = &calls[cpu_index()];
    void (*fn)(void *) = __atomic_load_n(&s->fn, __ATOMIC_ACQUIRE);
    if (!fn)
        return;
    s->fn = 0;
    fn(s->arg);
    __atomic_store_n(&s->done, true, __ATOMIC_RELEASE);
    arch_send_event(); /* the caller waits in WFE */
}

void spin_wait_hook(void)
{
    if (stopping)
        park();
    run_call();
}

volatile union spin_parked_cpus spin_parked;

void spin_park(const struct spinlock *l, uint16_t ticket)
{
    unsigned me = cpu_index();
    /* Only with its interrupt interface on can an SGI wake it: a CPU coming up (secondary_main takes the lock
     * before irq_cpu_init) or going down keeps spinning. */
    if (!cpus[me].online)
        return;
    spin_parked.cpu[me] = 1;
    arch_full_barrier(); /* the flag before the look at the lock (spin_unlock_raw: the other way round) */
    /* A call or a stop comes with an SGI, which ends the WFI too; one posted before the flag was set is seen here. */
    if (!arch_ticket_served(&l->raw, ticket) && !stopping && !calls[me].fn)
        arch_wait_interrupt();
    spin_parked.cpu[me] = 0;
}

/*
 * Wake every parked CPU but this one (only the next ticket's holder can go on, but which CPU holds it is not kept);
 * the others look, and park again. The SGI stays pending on a CPU that takes it with interrupts masked, so until it
 * is back in user space or idle its WFI returns at once, and it spins as before for the rest of that wait.
 */
void spin_wake_parked(void)
{
    uint64_t any = spin_parked.any;
    unsigned me = cpu_index();
    for (unsigned i = 0; i < cpu_count && i < 8; i++)
        if (i != me && ((any >> (8 * i)) & 0xff))
            irq_send_ipi(i, SGI_CALL);
}

/* Debug builds without a lock-order checker linked in (lock_debug.c replaces these). */
__attribute__((weak)) void lock_debug_before(struct spinlock *l, const char *site)
{
    (void)l;
    (void)site;
}
__attribute__((weak)) void lock_debug_acquired(struct spinlock *l, const char *site)
{
    (void)l;
    (void)site;
}
__attribute__((weak)) void lock_debug_released(struct spinlock *l)
{
    (void)l;
}

static void sgi_resched(uint32_t intid, void *arg)
{
    (void)intid;
    (void)arg;
    this_cpu()->stats.ipis++; /* need_resched is set already: the way back to user space (or idle) switches */
}

static void sgi_call(uint32_t intid, void *arg)
{
    (void)intid;
    (void)arg;
    this_cpu()->stats.ipis++;
    run_call();
}

static void sgi_stop(uint32_t intid, void *arg)
{
    (void)intid;
    (void)arg;
    park();
}

void smp_send_resched(struct cpu *c)
{
    irq_send_ipi(c->arch.index, SGI_RESCHED);
}

int smp_call(unsigned cpu, void (*fn)(void *), void *arg)
{
    if (cpu >= cpu_count || !cpus[cpu].online)
        return -E_INVAL;
    if (cpu == cpu_index()) {
        fn(arg);
        return 0;
    }
    struct call_slot *s = &calls[cpu];
    s->arg = arg;
    s->done = false;
    __atomic_store_n(&s->fn, fn, __ATOMIC_RELEASE);
    irq_send_ipi(cpu, SGI_CALL); /* it runs at user level or in idle: the interrupt reaches it */
    arch_send_event();           /* it spins on a lock: WFE returns and spin_wait_hook looks */
    uint64_t deadline = timer_now_ns() + SMP_WAIT_NS;
    while (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE)) {
        arch_wait_event(); /* until the answer's SEV (or any event); under QEMU it also lets the other vCPU run */
        if (timer_now_ns() > deadline) {
            s->fn = 0;
            return -E_TIMEDOUT;
        }
    }
    return 0;
}

unsigned smp_online_count(void)
{
    return cpu_mask_count(cpu_online_mask);
}

/* What a started CPU runs first, on its idle stack, with TPIDR_EL1 set (boot.S's secondary_entry). */
static _Noreturn void secondary_main(struct arch_cpu *ac)
{
    struct cpu *c = (struct cpu *)ac;

    c->arch.fpsimd_enabled = true; /* boot.S left CPACR_EL1.FPEN on */
    c->arch.fpsimd_owner = 0;
    arch_cpu_secondary_init();
    kernel_enter();
    if (irq_cpu_init() != 0) {
        kprintf("cpu%u: no interrupt controller interface for MPIDR %#lx; parked\n", ac->index,
                (unsigned long)c->mpidr);
        kernel_exit();
        park();
    }
    timer_disarm(); /* this CPU's own timer: nothing armed until its scheduler says so */
    sched_cpu_init(proc_idle_thread(ac->index));
    powered_off[ac->index] = false;
    c->no_round_robin = false;
    c->online = true;
    cpu_online_mask |= 1u << ac->index; /* under the kernel lock */
    sched_idle_loop(0);
}

/* PSCI CPU_ON for CPU i, into secondary_main on its idle stack: the PSCI result. */
static int64_t power_on(unsigned i)
{
    return arch_cpu_start(psci_cpu_on_fn, cpus[i].mpidr, &cpus[i].arch, kstack_top(SMP_STACK_SLOT(i)), secondary_main);
}

/* Start CPU i (not the boot CPU) and wait, with the kernel lock given up meanwhile, until it is online. */
static int start_cpu(unsigned i)
{
    struct cpu *c = &cpus[i];
    if (!idle_stack_pa[i]) {
        idle_stack_pa[i] = pmm_alloc(PROC_KSTACK_ORDER);
        if (!idle_stack_pa[i])
            return -E_NOMEM;
        kmap_stack_map(SMP_STACK_SLOT(i), idle_stack_pa[i]);
    }
    c->arch.index = i;
    int64_t r = power_on(i);
    if (r != PSCI_RET_SUCCESS) {
        kprintf("cpu%u: PSCI CPU_ON for MPIDR %#lx refused (%ld)\n", i, (unsigned long)c->mpidr, (long)r);
        return r == PSCI_RET_ALREADY_ON ? -E_BUSY : -E_IO;
    }
    uint64_t deadline = timer_now_ns() + SMP_WAIT_NS;
    while (!c->online) {
        if (timer_now_ns() > deadline) {
            kprintf("cpu%u: did not come up\n", i);
            return -E_TIMEDOUT;
        }
        /* It needs the kernel lock to come up: give it up while waiting (at boot nothing else can want it). */
        kernel_exit();
        kernel_enter();
    }
    return 0;
}

void smp_init(const struct platform *plat)
{
    uint64_t me = arch_cpu_id();
    unsigned n = 1;

    cpus[0].mpidr = me;
    cpus[0].online = true;
    for (int i = 0; i < plat->cpu_count && i < PLATFORM_MAX_CPUS; i++) {
        const struct platform_cpu *pc = &plat->cpus[i];
        if (pc->mpidr == me)
            continue;
        if (pc->enable_method != CPU_ENABLE_PSCI || n == CPU_MAX)
            continue; /* spin-table CPUs: not supported (kprintf below counts them out) */
        cpus[n].mpidr = pc->mpidr;
        cpus[n].arch.index = n;
        n++;
    }
    psci_cpu_on_fn = plat->psci.fn_cpu_on;
    psci_cpu_off_fn = plat->psci.fn_cpu_off;
    if (n == 1 || !plat->psci.present || !psci_cpu_on_fn) {
        kprintf("smp: 1 CPU online (%d in the DTB%s)\n", plat->cpu_count,
                n > 1 ? ", no PSCI CPU_ON to start the others" : "");
        return;
    }
    if (irq_register(SGI_RESCHED, true, sgi_resched, 0) || irq_register(SGI_CALL, true, sgi_call, 0) ||
        irq_register(SGI_STOP, true, sgi_stop, 0)) {
        kprintf("smp: cannot take the IPIs; 1 CPU online\n");
        return;
    }
    cpu_count = n;
    fpsimd_eager = true;
    for (unsigned i = 0; i < CPU_MAX; i++)
        cpus[i].lock_used = true;
    spin_lock(&kernel_lock); /* as if the boot CPU had entered the kernel: its first thread's return gives it up */
    for (unsigned i = 1; i < n; i++)
        start_cpu(i);
    kprintf("smp: %u of %u CPUs online, started by PSCI CPU_ON via %s\n", smp_online_count(), n,
            plat->psci.conduit == PSCI_CONDUIT_SMC ? "smc" : "hvc");
}

void smp_idle_check(void)
{
    struct cpu *c = this_cpu();
    unsigned i = c->arch.index;
    if (!offline_requested[i])
        return;
    offline_requested[i] = false;
    sched_cpu_evacuate(c);
    timer_disarm();
    c->armed = UINT64_MAX;
    irq_cpu_off();
    powered_off[i] = true;
    kernel_exit();
    int64_t r = psci_cpu_off(psci_cpu_off_fn); /* returns only if refused: on success this CPU is gone */
    kernel_enter();
    kprintf("cpu%u: PSCI CPU_OFF refused (%ld); staying online\n", i, (long)r);
    powered_off[i] = false;
    irq_cpu_init();
    c->online = true;
    cpu_online_mask |= 1u << i; /* under the kernel lock */
}

/* Wait (sleeping, so the kernel lock is free for the CPU concerned) until cond(i) holds or a second has passed. */
static bool wait_for(bool (*cond)(unsigned), unsigned i)
{
    uint64_t deadline = timer_now_ns() + SMP_WAIT_NS;
    while (!cond(i)) {
        if (timer_now_ns() > deadline)
            return false;
        sched_sleep_until(timer_now_ns() + 1000000); /* 1 ms */
    }
    return true;
}

static bool is_off(unsigned i)
{
    if (!powered_off[i])
        return false;
    int64_t r = psci_affinity_info(cpus[i].mpidr);
    return r == PSCI_AFFINITY_OFF || r < 0; /* without AFFINITY_INFO (PSCI 0.1), its own word for it */
}

static bool is_on(unsigned i)
{
    return cpus[i].online;
}

int smp_cpu_set_online(unsigned i, bool online)
{
    if (i >= cpu_count)
        return -E_INVAL;
    struct cpu *c = &cpus[i];
    if (online == c->online)
        return 0;
    if (i == 0)
        return -E_INVAL; /* the boot CPU takes the device interrupts, the sleepers of the CPUs that left, and power-off
                          */
    if (online) {
        if (!is_off(i) && !wait_for(is_off, i))
            return -E_BUSY; /* still on its way down */
        c->stats = (struct cpu_stats){0};
        /* Started as at boot, but the lock is held by a thread that may sleep: let it come up while we wait. */
        int64_t r = power_on(i);
        if (r != PSCI_RET_SUCCESS)
            return r == PSCI_RET_ALREADY_ON ? -E_BUSY : -E_IO;
        return wait_for(is_on, i) ? 0 : -E_TIMEDOUT;
    }
    if (smp_online_count() <= 1)
        return -E_INVAL;
    c->online = false;             /* nothing new is placed on it from now on (sched.c's pick_cpu and dequeue_best) */
    cpu_online_mask &= ~(1u << i); /* under the kernel lock */
    /* Its device interrupts go to the lowest online CPU (CPU 0, which never leaves) before it stops taking any, and
     * stay there when it comes back; event_irq_set_affinity no longer routes to it (it checks `online`). */
    irq_cpu_evacuate(i, (unsigned)__builtin_ctz(cpu_online_mask));
    offline_requested[i] = true;
    sched_kick(c); /* whatever it runs goes back to a queue elsewhere at its next switch; then its idle thread leaves */
    return wait_for(is_off, i) ? 0 : -E_TIMEDOUT;
}

void smp_stop_others(void)
{
    if (!this_cpu()->lock_used)
        return;
    stopping = true;
    for (unsigned i = 0; i < cpu_count; i++)
        if (i != cpu_index())
            irq_send_ipi(i, SGI_STOP);
    arch_send_event();
}
