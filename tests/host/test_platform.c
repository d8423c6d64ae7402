// sources: kernel/lib/fdt.c kernel/dev/platform.c kernel/lib/format.c
// struct platform from real QEMU virt trees (dumped from QEMU 7.2) and the reduced BPI-R4 tree, checked against
// the values in shared/docs/hardware/bpi-r4.md §2 and §5, plus hand-written corner cases.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fdt.h"
#include "dev/platform.h"
#include "unit.h"

static struct platform plat;

// Parses data/<name> into plat. Returns false (test failed) if the file is missing or invalid.
static bool load_platform(const char *name)
{
    size_t size;
    struct fdt f;
    uint8_t *blob = unit_read_data(name, &size);
    bool ok = false;

    if (blob != NULL && EXPECT_EQ(fdt_init(&f, blob, size), 0))
        ok = EXPECT_EQ(platform_from_fdt(&f, &plat), 0);
    // platform holds no pointers into the blob: free it before anyone reads plat (ASan would catch a dangling one).
    free(blob);
    return ok;
}

// QEMU virt, common to every configuration [bpi-r4.md §5].
static void expect_qemu_common(void)
{
    EXPECT_STREQ(plat.model, "linux,dummy-virt");
    EXPECT_STREQ(plat.compatible, "linux,dummy-virt");
    EXPECT_EQ(plat.mem_count, 1);
    EXPECT_EQ(plat.mem[0].base, 0x40000000);
    EXPECT_EQ(plat.mem[0].size, 0x40000000); // -m 1G
    EXPECT_EQ(plat.reserved_count, 0);
    EXPECT_FALSE(plat.mem_truncated);

    EXPECT_TRUE(plat.console.present);
    EXPECT_TRUE(plat.console.from_stdout_path);
    EXPECT_EQ(plat.console.kind, UART_PL011);
    EXPECT_EQ(plat.console.base, 0x09000000);
    EXPECT_EQ(plat.console.size, 0x1000);
    EXPECT_EQ(plat.console.clock_hz, 24000000); // fixed-clock apb-pclk
    EXPECT_EQ(plat.console.irq.intid, 33);      // SPI 1
    EXPECT_EQ(plat.console.irq.flags, 4);
    EXPECT_EQ(plat.console.baud, 0); // stdout-path has no options
    EXPECT_FALSE(plat.console.mtk);
    EXPECT_STREQ(plat.stdout_path, "/pl011@9000000");

    EXPECT_TRUE(plat.gic.present);
    EXPECT_EQ(plat.gic.dist_base, 0x08000000);
    EXPECT_EQ(plat.gic.dist_size, 0x10000);

    EXPECT_TRUE(plat.timer.present);
    EXPECT_EQ(plat.timer.irq[TIMER_IRQ_SEC_PHYS].intid, 29);
    EXPECT_EQ(plat.timer.irq[TIMER_IRQ_PHYS].intid, 30);
    EXPECT_EQ(plat.timer.irq[TIMER_IRQ_VIRT].intid, 27);
    EXPECT_EQ(plat.timer.irq[TIMER_IRQ_HYP].intid, 26);
    EXPECT_EQ(plat.timer.clock_hz, 0);

    EXPECT_TRUE(plat.psci.present);
    EXPECT_EQ(plat.psci.version, 0x10000);
    EXPECT_EQ(plat.psci.fn_cpu_on, 0xc4000003u);
    EXPECT_EQ(plat.psci.fn_cpu_off, 0x84000002u);
    EXPECT_EQ(plat.psci.fn_system_off, 0x84000008u);
    EXPECT_EQ(plat.psci.fn_system_reset, 0x84000009u);
    EXPECT_EQ(plat.psci.fn_version, 0x84000000u);
}

TEST(qemu_virt_gicv2)
{
    ASSERT_TRUE(load_platform("qemu-virt-gicv2.dtb"));
    expect_qemu_common();
    EXPECT_EQ(plat.gic.version, 2);
    EXPECT_EQ(plat.gic.cpu_base, 0x08010000);
    EXPECT_EQ(plat.gic.cpu_size, 0x10000);
    EXPECT_EQ(plat.timer.irq[TIMER_IRQ_PHYS].flags, 0x104); // GICv2 PPI CPU mask in bits 15:8
    EXPECT_EQ(plat.psci.conduit, PSCI_CONDUIT_HVC);
    EXPECT_EQ(plat.cpu_count, 1);
    EXPECT_EQ(plat.cpus[0].mpidr, 0);
    EXPECT_EQ(plat.cpus[0].enable_method, CPU_ENABLE_NONE); // QEMU omits it with one CPU
    EXPECT_FALSE(plat.initrd_present);
    EXPECT_STREQ(plat.bootargs, "");
}

TEST(qemu_virt_gicv3_smp4)
{
    ASSERT_TRUE(load_platform("qemu-virt-gicv3.dtb"));
    expect_qemu_common();
    EXPECT_EQ(plat.gic.version, 3);
    EXPECT_EQ(plat.gic.redist_base, 0x080a0000);
    EXPECT_EQ(plat.gic.redist_size, 0xf60000);
    EXPECT_EQ(plat.gic.redist_regions, 1);
    EXPECT_EQ(plat.timer.irq[TIMER_IRQ_PHYS].flags, 4);
    EXPECT_EQ(plat.psci.conduit, PSCI_CONDUIT_HVC);
    EXPECT_EQ(plat.cpu_count, 4);
    for (int i = 0; i < 4; i++) {
        EXPECT_EQ(plat.cpus[i].mpidr, (uint64_t)i);
        EXPECT_EQ(plat.cpus[i].enable_method, CPU_ENABLE_PSCI);
    }
}

TEST(qemu_virt_virtualization_on)
{
    ASSERT_TRUE(load_platform("qemu-virt-el2.dtb"));
    expect_qemu_common();
    EXPECT_EQ(plat.gic.version, 2);
    EXPECT_EQ(plat.gic.cpu_base, 0x08010000);
    EXPECT_EQ(plat.psci.conduit, PSCI_CONDUIT_SMC); // [bpi-r4.md §5 PSCI] smc with virtualization=on
    EXPECT_EQ(plat.cpu_count, 2);
}

TEST(qemu_virt_initrd)
{
    ASSERT_TRUE(load_platform("qemu-virt-initrd.dtb"));
    expect_qemu_common();
    EXPECT_TRUE(plat.initrd_present);
    EXPECT_EQ(plat.initrd_start, 0x48000000);
    EXPECT_EQ(plat.initrd_end, 0x48000000 + 5000);
    EXPECT_STREQ(plat.bootargs, "console=ttyAMA0 init=/bin/init");
}

TEST(bpi_r4)
{
    ASSERT_TRUE(load_platform("bpi-r4.dtb"));
    EXPECT_STREQ(plat.model, "Bananapi BPI-R4");
    EXPECT_STREQ(plat.compatible, "bananapi,bpi-r4");
    // [bpi-r4.md §2 DRAM] 0x40000000, 4 GiB.
    EXPECT_EQ(plat.mem_count, 1);
    EXPECT_EQ(plat.mem[0].base, 0x40000000);
    EXPECT_EQ(plat.mem[0].size, 0x100000000ull);
    // [bpi-r4.md §2 reserved: TF-A] 0x43000000 size 0x50000 no-map.
    EXPECT_EQ(plat.reserved_count, 1);
    EXPECT_EQ(plat.reserved[0].base, 0x43000000);
    EXPECT_EQ(plat.reserved[0].size, 0x50000);
    EXPECT_TRUE(plat.reserved[0].no_map);
    EXPECT_EQ(plat.reserved[0].source, RESERVED_NODE);
    // [bpi-r4.md §2 UART0, UART regs, UART clock; §1 serial console]
    EXPECT_TRUE(plat.console.present);
    EXPECT_TRUE(plat.console.from_stdout_path);
    EXPECT_EQ(plat.console.kind, UART_NS16550);
    EXPECT_TRUE(plat.console.mtk);
    EXPECT_EQ(plat.console.base, 0x11000000);
    EXPECT_EQ(plat.console.size, 0x100);
    EXPECT_EQ(plat.console.reg_shift, 2);
    EXPECT_EQ(plat.console.reg_io_width, 4);
    EXPECT_EQ(plat.console.clock_hz, 40000000);
    EXPECT_EQ(plat.console.baud, 115200);
    EXPECT_EQ(plat.console.irq.intid, 155);
    EXPECT_EQ(plat.console.irq.flags, 4);
    EXPECT_STREQ(plat.stdout_path, "serial0:115200n8");
    // [bpi-r4.md §2 GIC]
    EXPECT_TRUE(plat.gic.present);
    EXPECT_EQ(plat.gic.version, 3);
    EXPECT_EQ(plat.gic.dist_base, 0x0c000000);
    EXPECT_EQ(plat.gic.dist_size, 0x40000);
    EXPECT_EQ(plat.gic.redist_base, 0x0c080000);
    EXPECT_EQ(plat.gic.redist_size, 0x200000);
    EXPECT_EQ(plat.gic.redist_regions, 1);
    // [bpi-r4.md §2 timer PPIs] 29/30/27/26 level-low.
    EXPECT_EQ(plat.timer.irq[TIMER_IRQ_SEC_PHYS].intid, 29);
    EXPECT_EQ(plat.timer.irq[TIMER_IRQ_PHYS].intid, 30);
    EXPECT_EQ(plat.timer.irq[TIMER_IRQ_VIRT].intid, 27);
    EXPECT_EQ(plat.timer.irq[TIMER_IRQ_HYP].intid, 26);
    EXPECT_EQ(plat.timer.irq[TIMER_IRQ_PHYS].flags, 8);
    // [bpi-r4.md §2 PSCI, CPUs]
    EXPECT_TRUE(plat.psci.present);
    EXPECT_EQ(plat.psci.conduit, PSCI_CONDUIT_SMC);
    EXPECT_EQ(plat.psci.version, 2);
    EXPECT_EQ(plat.psci.fn_cpu_on, 0xc4000003u);
    EXPECT_EQ(plat.cpu_count, 4);
    for (int i = 0; i < 4; i++) {
        EXPECT_EQ(plat.cpus[i].mpidr, (uint64_t)i);
        EXPECT_EQ(plat.cpus[i].enable_method, CPU_ENABLE_PSCI);
    }
    EXPECT_TRUE(plat.initrd_present);
    EXPECT_EQ(plat.initrd_start, 0x48000000);
    EXPECT_EQ(plat.initrd_end, 0x48800000);
    EXPECT_STREQ(plat.bootargs, "console=ttyS0,115200n8 earlycon=uart8250,mmio32,0x11000000");
}

TEST(bpi_r4_console_uart_descriptor)
{
    struct uart u;

    ASSERT_TRUE(load_platform("bpi-r4.dtb"));
    EXPECT_TRUE(platform_console_uart(&plat, &u));
    EXPECT_EQ(u.base, 0x11000000);
    EXPECT_EQ(u.kind, UART_NS16550);
    EXPECT_EQ(u.reg_shift, 2);
    EXPECT_EQ(u.io_width, 4);
    EXPECT_EQ(u.clock_hz, 40000000);
    EXPECT_EQ(u.baud, 115200);
    EXPECT_TRUE(u.mtk);

    plat.console.present = false;
    EXPECT_FALSE(platform_console_uart(&plat, &u));
    EXPECT_EQ(u.kind, UART_NONE);
}

TEST(synthetic_corner_cases)
{
    ASSERT_TRUE(load_platform("synthetic.dtb"));
    EXPECT_STREQ(plat.model, "unknown");
    EXPECT_STREQ(plat.compatible, "wren,synthetic");
    // Size-0 entry and the disabled node dropped; a memory node needs device_type, not the name.
    EXPECT_EQ(plat.mem_count, 3);
    EXPECT_EQ(plat.mem[0].base, 0x80000000);
    EXPECT_EQ(plat.mem[0].size, 0x10000000);
    EXPECT_EQ(plat.mem[1].base, 0xa0000000);
    EXPECT_EQ(plat.mem[1].size, 0x20000000);
    EXPECT_EQ(plat.mem[2].base, 0xd0000000);
    EXPECT_EQ(plat.mem[2].size, 0x1000);
    // /memreserve/ first, then reserved-memory children with reg (the dynamic one has none).
    EXPECT_EQ(plat.reserved_count, 4);
    EXPECT_EQ(plat.reserved[0].base, 0x48000000);
    EXPECT_EQ(plat.reserved[0].source, RESERVED_MEMRESERVE);
    EXPECT_EQ(plat.reserved[1].base, 0x81000000);
    EXPECT_EQ(plat.reserved[2].base, 0x82000000);
    EXPECT_EQ(plat.reserved[2].size, 0x2000);
    EXPECT_FALSE(plat.reserved[2].no_map);
    EXPECT_EQ(plat.reserved[3].base, 0x83000000);
    EXPECT_TRUE(plat.reserved[3].no_map);
    // 64-bit initrd cells under a 1-cell root.
    EXPECT_TRUE(plat.initrd_present);
    EXPECT_EQ(plat.initrd_start, 0x50000000);
    EXPECT_EQ(plat.initrd_end, 0x50001000);
    // stdout-path "console:9600" via /aliases; the disabled serial@3000 comes first in the tree but is skipped.
    EXPECT_TRUE(plat.console.present);
    EXPECT_TRUE(plat.console.from_stdout_path);
    EXPECT_EQ(plat.console.kind, UART_NS16550);
    EXPECT_FALSE(plat.console.mtk);
    EXPECT_EQ(plat.console.base, 0x2000);
    EXPECT_EQ(plat.console.reg_shift, 2);
    EXPECT_EQ(plat.console.reg_io_width, 4);
    EXPECT_EQ(plat.console.clock_hz, 1843200);
    EXPECT_EQ(plat.console.baud, 9600);
    EXPECT_EQ(plat.console.irq.intid, 37); // interrupts-extended = <&intc 0 5 4>
    // GIC-400 below a bus.
    EXPECT_EQ(plat.gic.version, 2);
    EXPECT_EQ(plat.gic.dist_base, 0x10000);
    EXPECT_EQ(plat.gic.cpu_base, 0x20000);
    EXPECT_EQ(plat.gic.cpu_size, 0x2000);
    EXPECT_EQ(plat.timer.irq[TIMER_IRQ_PHYS].intid, 30);
    EXPECT_EQ(plat.timer.irq[TIMER_IRQ_PHYS].flags, 0xf08);
    EXPECT_EQ(plat.timer.clock_hz, 19200000);
    // PSCI 0.1: IDs from the node, nothing standard.
    EXPECT_EQ(plat.psci.version, 1);
    EXPECT_EQ(plat.psci.conduit, PSCI_CONDUIT_SMC);
    EXPECT_EQ(plat.psci.fn_cpu_on, 0x95c1ba5eu);
    EXPECT_EQ(plat.psci.fn_cpu_off, 0x95c1ba5fu);
    EXPECT_EQ(plat.psci.fn_cpu_suspend, 0);
    EXPECT_EQ(plat.psci.fn_system_off, 0);
    // 2-cell MPIDRs; the l2-cache child is not a CPU.
    EXPECT_EQ(plat.cpu_count, 2);
    EXPECT_EQ(plat.cpus[0].mpidr, 0);
    EXPECT_EQ(plat.cpus[0].enable_method, CPU_ENABLE_SPIN_TABLE);
    EXPECT_EQ(plat.cpus[0].release_addr, 0x8000fff8);
    EXPECT_EQ(plat.cpus[1].mpidr, 0x100);
    EXPECT_EQ(plat.cpus[1].enable_method, CPU_ENABLE_PSCI);
}

TEST(fallback_console)
{
    ASSERT_TRUE(load_platform("fallback-console.dtb"));
    EXPECT_STREQ(plat.model, "Wren fallback console test");
    EXPECT_STREQ(plat.stdout_path, "");
    EXPECT_TRUE(plat.console.present);
    EXPECT_FALSE(plat.console.from_stdout_path);
    EXPECT_EQ(plat.console.kind, UART_PL011);
    EXPECT_EQ(plat.console.base, 0x9001000);    // the first one is disabled
    EXPECT_EQ(plat.console.clock_hz, 24000000); // "uartclk" is the 2nd clock, after a 1-cell specifier
    EXPECT_EQ(plat.console.irq.intid, 34);
    EXPECT_EQ(plat.gic.version, 3);
    EXPECT_EQ(plat.gic.redist_regions, 2);
    EXPECT_EQ(plat.gic.redist_base, 0x80a0000);
    EXPECT_FALSE(plat.timer.present);
    EXPECT_FALSE(plat.psci.present);
    EXPECT_EQ(plat.psci.conduit, PSCI_CONDUIT_NONE);
    EXPECT_EQ(plat.cpu_count, 0);
    EXPECT_EQ(plat.mem_count, 1);
    EXPECT_EQ(plat.mem[0].size, 0x8000000);
}

TEST(uninitialised_fdt_is_refused)
{
    struct fdt f;

    memset(&f, 0, sizeof(f));
    EXPECT_TRUE(platform_from_fdt(&f, &plat) < 0);
    EXPECT_STREQ(plat.model, "unknown");
    EXPECT_FALSE(plat.console.present);
    EXPECT_EQ(plat.mem_count, 0);
}

static char printed[4096];

static void collect(const char *line)
{
    strncat(printed, line, sizeof(printed) - strlen(printed) - 1);
}

TEST(print_summary)
{
    ASSERT_TRUE(load_platform("bpi-r4.dtb"));
    printed[0] = '\0';
    platform_print(&plat, collect);
    EXPECT_TRUE(strstr(printed, "model    Bananapi BPI-R4 (bananapi,bpi-r4)\n") != NULL);
    EXPECT_TRUE(strstr(printed, "memory   0x0000000040000000 size 0x100000000\n") != NULL);
    EXPECT_TRUE(strstr(printed, "reserved 0x0000000043000000 size 0x50000 no-map\n") != NULL);
    EXPECT_TRUE(strstr(printed,
                       "console  ns16550 @ 0x11000000 shift 2 width 4 clock 40000000 baud 115200 intid 155\n") != NULL);
    EXPECT_TRUE(strstr(printed, "gic      v3 dist 0xc000000 redist 0xc080000\n") != NULL);
    EXPECT_TRUE(strstr(printed, "psci     smc version 0x2 cpu_on 0xc4000003\n") != NULL);
    EXPECT_TRUE(strstr(printed, "cpus     4\n") != NULL);
    if (unit_failures_in_test)
        fprintf(stderr, "printed:\n%s", printed);
}
