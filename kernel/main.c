/*
 * kernel_main: from the DTB to a running first program.
 *
 * boot.S has dropped to EL1, cleared .bss, turned the MMU on with its boot tables and set a
 * stack. Everything about the machine comes from the device tree: we validate it, decode
 * it into struct platform, bring up the console it names, then memory, PSCI, the interrupt
 * controller and the timer, and finally start /bin/init from the initrd at EL0.
 */
#include <stdint.h>

#include <wren/abi.h>

#include "arch/cpu.h"
#include "arch/memlayout.h"
#include "arch/mmu.h"
#include "arch/psci.h"
#include "lib/cmdline.h"
#include "test_hooks.h"
#include "fs/rootfs.h"
#include "console.h"
#include "irq.h"
#include "objects/console_file.h"
#include "lib/fdt.h"
#include "mm/kmap.h"
#include "mm/pmm.h"
#include "objects/device.h"
#include "objects/event_queue.h"
#include "panic.h"
#include "dev/platform.h"
#include "syscall.h"
#include "timer.h"
#include "proc/proc.h"
#include "proc/cpu.h"
#include "proc/sched.h"
#include "proc/smp.h"
#include "scheme/scheme.h"
#include "scheme/sys_files.h"

#ifndef WREN_VERSION
#define WREN_VERSION "0.0.0"
#endif
#ifndef WREN_BUILD_INFO
#define WREN_BUILD_INFO "unknown build"
#endif

#define DTB_MAX_SIZE (2u << 20) /* booting.rst: the DTB must not exceed 2 MiB */

extern uint32_t boot_entry_el; /* boot.S */

static struct fdt fdt;
static struct platform plat;
static struct uart console_uart;

/* Is [base, base + size) inside one RAM range? */
static bool in_ram(uint64_t base, uint64_t size)
{
    for (int i = 0; i < plat.mem_count; i++) {
        const struct platform_range *m = &plat.mem[i];
        if (base >= m->base && size <= m->size && base - m->base <= m->size - size)
            return true;
    }
    return false;
}

static const char *cpu_part_name(uint64_t midr)
{
    if (((midr >> 24) & 0xff) != 0x41) /* implementer: Arm */
        return "unknown CPU";
    switch ((midr >> 4) & 0xfff) { /* part numbers from each core's TRM, MIDR_EL1 */
    case 0xd03: return "Cortex-A53";
    case 0xd07: return "Cortex-A57";
    case 0xd08: return "Cortex-A72";
    case 0xd09: return "Cortex-A73";
    default: return "Arm CPU";
    }
}

static void print_banner(void)
{
    uint64_t midr = arch_midr();

    kprintf("\nWren %s (%s) on %s\n", WREN_VERSION, WREN_BUILD_INFO, plat.model);
    kprintf("cpu: %s r%lup%lu (MIDR %#lx), %d in the DTB, entered at EL%u, running at EL%u\n", cpu_part_name(midr),
            (unsigned long)((midr >> 20) & 0xf), (unsigned long)(midr & 0xf), (unsigned long)midr, plat.cpu_count,
            boot_entry_el, arch_current_el());
    for (int i = 0; i < plat.mem_count; i++) {
        const struct platform_range *m = &plat.mem[i];
        kprintf("memory: %#018lx-%#018lx (%lu MiB)\n", (unsigned long)m->base, (unsigned long)(m->base + m->size - 1),
                (unsigned long)(m->size >> 20));
    }
    for (int i = 0; i < plat.reserved_count; i++)
        kprintf("reserved: %#018lx-%#018lx%s\n", (unsigned long)plat.reserved[i].base,
                (unsigned long)(plat.reserved[i].base + plat.reserved[i].size - 1),
                plat.reserved[i].no_map ? " (no-map)" : "");
    kprintf("console: %s at %#010lx, %u Hz\n",
            plat.console.kind == UART_PL011 ? "pl011"
            : plat.console.mtk              ? "mediatek-16550"
                                            : "ns16550",
            (unsigned long)plat.console.base, plat.console.clock_hz);
}

/* The allocator and the kernel's own page table, with the devices this file drives mapped. */
static void init_memory(uintptr_t dtb)
{
    struct kmap_device dev[KMAP_MAX_DEVICES];
    int n = 0;

    if (plat.console.present)
        dev[n++] = (struct kmap_device){plat.console.base, plat.console.size ? plat.console.size : 0x1000};
    if (plat.gic.present) {
        dev[n++] = (struct kmap_device){plat.gic.dist_base, plat.gic.dist_size};
        if (plat.gic.version == 2)
            dev[n++] = (struct kmap_device){plat.gic.cpu_base, plat.gic.cpu_size};
        else
            dev[n++] = (struct kmap_device){plat.gic.redist_base, plat.gic.redist_size};
    }
    int err = kmap_init(&plat, dtb, fdt_totalsize(&fdt), dev, n);
    if (err)
        panic("cannot set up memory: error %d", err);

    struct pmm_stats st;
    pmm_get_stats(&st);
    kprintf("memory: %lu KiB free of %lu KiB; kernel map with W^X%s\n", (unsigned long)(st.free_pages * 4),
            (unsigned long)(st.total_pages * 4), arch_enable_pan() ? ", PAN on" : "");
}

static void init_psci(void)
{
    if (!plat.psci.present || plat.psci.conduit == PSCI_CONDUIT_NONE) {
        kprintf("psci: none in the DTB; power-off will park the CPU\n");
        return;
    }
    psci_set_conduit(plat.psci.conduit == PSCI_CONDUIT_SMC ? PSCI_VIA_SMC : PSCI_VIA_HVC);
    int64_t v = psci_version();
    kprintf("psci: v%lu.%lu via %s\n", (unsigned long)((v >> 16) & 0xffff), (unsigned long)(v & 0xffff),
            plat.psci.conduit == PSCI_CONDUIT_SMC ? "smc" : "hvc");
}

static void init_irq(void)
{
    struct irqchip_desc d = {
        .version = plat.gic.version,
        .dist_base = (uintptr_t)phys_to_virt(plat.gic.dist_base),
        .cpu_base = (uintptr_t)phys_to_virt(plat.gic.cpu_base),
        .redist_base = (uintptr_t)phys_to_virt(plat.gic.redist_base),
        .redist_size = (size_t)plat.gic.redist_size,
    };
    if (!plat.gic.present || irq_init(&d) != 0)
        panic("no usable interrupt controller in the DTB (GIC present %d, version %u)", plat.gic.present,
              plat.gic.version);
    if (plat.gic.version == 2)
        kprintf("irq: %s, distributor %#010lx, cpu interface %#010lx\n", irq_chip_name(),
                (unsigned long)plat.gic.dist_base, (unsigned long)plat.gic.cpu_base);
    else
        kprintf("irq: %s, distributor %#010lx, redistributors %#010lx\n", irq_chip_name(),
                (unsigned long)plat.gic.dist_base, (unsigned long)plat.gic.redist_base);
}

/* Console input by the UART's receive interrupt, when the DTB names one ([DT binding arm,gic] cell 3: bits 1:0 = edge).
 */
static void init_console_input(void)
{
    if (plat.console.present && plat.console.irq.intid != PLATFORM_NO_IRQ && irq_chip_name()[0] != 'n')
        console_file_init(plat.console.irq.intid, (plat.console.irq.flags & 3) != 0);
    else
        console_file_init(IRQ_MAX_INTID, false); /* refused: input is polled */
}

static void init_timer(void)
{
    uint32_t intid = plat.timer.irq[TIMER_IRQ_VIRT].intid;

    if (!plat.timer.present || intid == PLATFORM_NO_IRQ)
        panic("no generic timer interrupt in the DTB");
    int err = timer_init(intid);
    if (err)
        panic("timer: cannot start the tick on INTID %u (error %d)", intid, err);
    kprintf("timer: %lu Hz counter, virtual timer INTID %u, one-shot deadlines (no tick when idle)\n",
            (unsigned long)timer_counter_hz(), intid);
    /* The tick drives preemption and sleep; /bin/init's sleep proves it fires (tests/test_boot.py). */
}

/* Start /bin/init from the initrd; false (after saying why) if there is none to start. */
static bool start_init(void)
{
    static char argv[256];
    const void *initrd = 0;
    uint64_t size = 0;

    if (!plat.initrd_present) {
        kprintf("initrd: none; no /bin/init to run\n");
    } else {
        size = plat.initrd_end - plat.initrd_start;
        kprintf("initrd: %#010lx-%#010lx (%lu bytes)\n", (unsigned long)plat.initrd_start,
                (unsigned long)plat.initrd_end, (unsigned long)size);
        if (in_ram(plat.initrd_start, size))
            initrd = phys_to_virt(plat.initrd_start);
        else
            kprintf("initrd: outside RAM, ignored\n");
    }
    rootfs_init(initrd, initrd ? (size_t)size : 0);
    proc_init();
    timer_set_handler(sched_timer_expired);
    if (!initrd)
        return false;
    smp_init(&plat); /* the other CPUs go idle, ready for init and whatever it starts */
    size_t argv_len = cmdline_init_args(plat.bootargs, "/bin/init", argv, sizeof(argv));
    if (!argv_len) {
        kprintf("cmdline: arguments for init too long, ignored\n");
        argv_len = cmdline_init_args("", "/bin/init", argv, sizeof(argv));
    }
    /* The baseline for the leak checks: what init and its children take must all come back. */
    struct pmm_stats st;
    pmm_get_stats(&st);
    kprintf("memory: %lu KiB free before pid 1\n", (unsigned long)(st.free_pages * 4));
    struct proc_args args = {argv, argv_len, 0, 0};
    struct kobject *con = console_file_open(WREN_OPEN_READ | WREN_OPEN_WRITE); /* NULL: init starts without */
    proc_set_init_stdio(con);
    long pid = proc_spawn("/bin/init", &args, 0, 0, 0, 0, 0);
    proc_set_init_stdio(0);
    kobj_put(con); /* init's descriptors hold it now */
    if (pid < 0)
        kprintf("initrd: no /bin/init to run (%s)\n", pid == -E_NOENT    ? "not in the archive"
                                                      : pid == -E_NOEXEC ? "not a valid executable"
                                                      : pid == -E_NOMEM  ? "out of memory"
                                                                         : "not a regular file");
    return pid > 0;
}

_Noreturn void kernel_main(uintptr_t dtb);

_Noreturn void kernel_main(uintptr_t dtb)
{
    /* This CPU's struct cpu (proc/cpu.h) through TPIDR_EL1, before anything asks for it. */
    arch_set_this_cpu(&cpus[0].arch);
    cpus[0].arch.fpsimd_enabled = true; /* boot.S left CPACR_EL1.FPEN on */
    cpus[0].online = true;
    /* Without a valid DTB there is no console to complain on: park (a debugger shows why). */
    if (fdt_init(&fdt, phys_to_virt(dtb), DTB_MAX_SIZE) != 0 || platform_from_fdt(&fdt, &plat) != 0)
        park();
    if (platform_console_uart(&plat, &console_uart)) {
        console_uart.base = (uintptr_t)phys_to_virt(console_uart.base);
        if (uart_init(&console_uart) == 0)
            console_init(&console_uart);
    }

    print_banner();
    sys_set_boot_facts(&(struct sys_boot_facts){plat.cpu_count, plat.gic.version, boot_entry_el,
                                                cpu_part_name(arch_midr()), plat.model});
    init_memory(dtb);
    init_psci();
    init_irq();
    init_timer();
    init_console_input();
    kobj_register_backing();
    event_init();
    device_init(&fdt, &plat); /* what user drivers may open: the rest of the tree (the blob stays reserved) */
    scheme_init();
    syscall_trace_enable(cmdline_has(plat.bootargs, "trace=syscalls"));
#ifdef WREN_DEBUG
    /* Lets the tests see what an unexpected kernel exception prints. */
    if (cmdline_has(plat.bootargs, "test=kernel-brk"))
        __builtin_trap();
    /* W^X: the kernel's own text must not be writable. */
    if (cmdline_has(plat.bootargs, "test=write-kernel-text"))
        *(volatile uint32_t *)(uintptr_t)kernel_main = 0xd503201f;
    /* Kernel stacks have guards: an overflow, on the boot stack or a process's, is a clean report and panic. */
    if (cmdline_has(plat.bootargs, "test=boot-stack-overflow"))
        test_overflow_kernel_stack();
    test_kstack_overflow = cmdline_has(plat.bootargs, "test=kstack-overflow");
    /* The lock checks report with both call sites (proc/lock_debug.c). */
    if (cmdline_has(plat.bootargs, "test=lock-order"))
        test_lock_order();
    if (cmdline_has(plat.bootargs, "test=lock-recursive"))
        test_lock_recursive();
    if (cmdline_has(plat.bootargs, "test=lock-unheld"))
        test_lock_unheld();
#endif
    if (plat.bootargs[0])
        kprintf("cmdline: %s\n", plat.bootargs);
    if (!start_init())
        system_poweroff();
    sched_idle_loop(proc_idle_work);
}
