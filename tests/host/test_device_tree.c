// sources: kernel/lib/fdt.c kernel/dev/platform.c kernel/dev/device_tree.c kernel/lib/format.c
// Devices user-space drivers may open (device_open): found by path or compatible string in the QEMU virt and BPI-R4
// trees, the kernel's own refused, and hostile trees (malformed reg and interrupts) refused with E_INVAL, never a
// guess. Run under ASan + UBSan.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wren/abi.h>

#include "dtb_builder.h"
#include "lib/fdt.h"
#include "dev/device_tree.h"
#include "dev/platform.h"
#include "unit.h"

static struct fdt f;
static uint8_t *blob;
static struct platform plat;
static struct dt_range kernel[8];
static int nkernel;

// What objects/device.c's device_init takes as the kernel's: RAM, reserved memory, console, GIC.
static bool load(const char *name)
{
    size_t size;
    free(blob);
    blob = unit_read_data(name, &size);
    if (!blob || !EXPECT_EQ(fdt_init(&f, blob, size), 0) || !EXPECT_EQ(platform_from_fdt(&f, &plat), 0))
        return false;
    nkernel = 0;
    kernel[nkernel++] = (struct dt_range){plat.mem[0].base, plat.mem[0].size};
    kernel[nkernel++] = (struct dt_range){plat.console.base, plat.console.size};
    kernel[nkernel++] = (struct dt_range){plat.gic.dist_base, plat.gic.dist_size};
    if (plat.gic.version == 2)
        kernel[nkernel++] = (struct dt_range){plat.gic.cpu_base, plat.gic.cpu_size};
    else
        kernel[nkernel++] = (struct dt_range){plat.gic.redist_base, plat.gic.redist_size};
    return true;
}

// device_open's lookup and decoding: 0 and *d, or the error.
static int open_dev(const char *name, struct dt_device *d)
{
    int node = dt_device_find(&f, name, strlen(name));
    if (node < 0)
        return node;
    return dt_device_decode(&f, node, plat.gic.dist_base, kernel, nkernel, d);
}

TEST(qemu_virt_devices)
{
    struct dt_device d, d2;
    ASSERT_TRUE(load("qemu-virt-gicv2.dtb"));

    // [bpi-r4.md §5 other]: RTC PL031 0x09010000 (SPI 2), GPIO PL061 0x09030000 (SPI 7); QEMU's DTB: level-high.
    ASSERT_EQ(open_dev("arm,pl031", &d), 0);
    EXPECT_EQ(d.base, 0x09010000);
    EXPECT_EQ(d.size, 0x1000);
    EXPECT_EQ(d.map_base, 0x09010000);
    EXPECT_EQ(d.map_size, 0x1000);
    EXPECT_EQ(d.intid, 34);
    EXPECT_FALSE(d.edge);
    ASSERT_EQ(open_dev("/pl031@9010000", &d2), 0);
    EXPECT_EQ(d2.node, d.node);
    ASSERT_EQ(open_dev("arm,pl061", &d), 0);
    EXPECT_EQ(d.intid, 39);
    // virtio-mmio: 0x200-byte transports, SPI 16 + n, edge [bpi-r4.md §5 virtio-mmio]; eight share each page.
    ASSERT_EQ(open_dev("virtio,mmio", &d), 0);
    EXPECT_EQ(d.size, 0x200);
    EXPECT_EQ(d.map_size, 0x1000);
    EXPECT_TRUE(d.intid >= 48 && d.intid < 80);
    EXPECT_TRUE(d.edge);
    ASSERT_EQ(open_dev("/virtio_mmio@a000200", &d2), 0);
    EXPECT_EQ(d2.base, 0x0a000200);
    EXPECT_EQ(d2.map_base, 0x0a000000);
    EXPECT_TRUE(dt_device_overlap(&d, &d2) == ((d.base & ~0xfffull) == 0x0a000000));
    ASSERT_EQ(open_dev("/virtio_mmio@a001000", &d2), 0);
    EXPECT_FALSE(dt_device_overlap(&d2, &(struct dt_device){.map_base = 0x0a000000, .map_size = 0x1000}));
    // No interrupt at all: fw_cfg.
    ASSERT_EQ(open_dev("qemu,fw-cfg-mmio", &d), 0);
    EXPECT_EQ(d.intid, 0);

    // The kernel's own.
    EXPECT_EQ(open_dev("arm,pl011", &d), -E_BUSY);
    EXPECT_EQ(open_dev("arm,armv8-timer", &d), -E_BUSY);
    EXPECT_EQ(open_dev("arm,psci-1.0", &d), -E_BUSY);
    EXPECT_EQ(open_dev("arm,cortex-a15-gic", &d), -E_BUSY);
    EXPECT_EQ(open_dev("arm,gic-v2m-frame", &d), -E_BUSY);
    EXPECT_EQ(open_dev("/memory@40000000", &d), -E_BUSY);
    EXPECT_EQ(open_dev("/cpus/cpu@0", &d), -E_BUSY);
    // Names.
    EXPECT_EQ(open_dev("acme,none", &d), -E_NOENT);
    EXPECT_EQ(open_dev("/none", &d), -E_NOENT);
    EXPECT_EQ(open_dev("/", &d), -E_INVAL); // the root has no reg
    EXPECT_EQ(dt_device_find(&f, "arm,pl031", 0), -E_INVAL);
    EXPECT_EQ(dt_device_find(&f, "arm,pl031\0", 10), -E_NOENT);
    char big[200];
    memset(big, 'a', sizeof(big));
    EXPECT_EQ(dt_device_find(&f, big, DT_DEVICE_NAME_MAX + 1), -E_NAMETOOLONG);
    EXPECT_EQ(dt_device_find(&f, big, DT_DEVICE_NAME_MAX), -E_NOENT);
}

TEST(qemu_virt_gicv3_its)
{
    struct dt_device d;
    ASSERT_TRUE(load("qemu-virt-gicv3.dtb"));
    EXPECT_EQ(open_dev("arm,gic-v3", &d), -E_BUSY);
    EXPECT_EQ(open_dev("arm,gic-v3-its", &d), -E_BUSY);
    ASSERT_EQ(open_dev("arm,pl031", &d), 0);
    EXPECT_EQ(d.intid, 34);
}

// BPI-R4 [bpi-r4.md §2]: UART1/2 are disabled in the tree, and would share UART0's page (the console) anyway.
TEST(bpi_r4_uarts)
{
    struct dt_device d;
    ASSERT_TRUE(load("bpi-r4.dtb"));
    EXPECT_EQ(open_dev("/soc/serial@11000100", &d), -E_NOENT);
    EXPECT_EQ(open_dev("mediatek,mt7988-uart", &d), -E_BUSY); // the first enabled one is the console
    int node = fdt_path_offset(&f, "/soc/serial@11000100");
    ASSERT_TRUE(node >= 0);
    EXPECT_EQ(dt_device_decode(&f, node, plat.gic.dist_base, kernel, nkernel, &d), -E_BUSY);
    EXPECT_EQ(open_dev("arm,gic-v3", &d), -E_BUSY);
}

// --- hostile trees ---

static struct dtb_builder b;
static uint8_t hostile[8192];

static void dev_node(const char *name, const uint32_t *reg, int nreg, const uint32_t *irq, int nirq)
{
    db_begin(&b, name);
    db_prop_str(&b, "compatible", name);
    if (reg)
        db_prop_cells(&b, "reg", reg, nreg);
    if (irq)
        db_prop_cells(&b, "interrupts", irq, nirq);
    db_end(&b);
}

static void build_hostile(void)
{
    db_init(&b);
    db_begin(&b, "");
    db_prop_u32(&b, "#address-cells", 2);
    db_prop_u32(&b, "#size-cells", 2);
    db_prop_u32(&b, "interrupt-parent", 1);
    db_begin(&b, "intc@8000000");
    db_prop_u32(&b, "phandle", 1);
    db_prop_u32(&b, "#interrupt-cells", 3);
    db_prop(&b, "interrupt-controller", "", 0);
    db_prop_cells(&b, "reg", (uint32_t[]){0, 0x08000000, 0, 0x10000}, 4);
    db_end(&b);
    db_begin(&b, "gpio");
    db_prop_u32(&b, "phandle", 2);
    db_prop_u32(&b, "#interrupt-cells", 2);
    db_prop(&b, "interrupt-controller", "", 0);
    db_prop_cells(&b, "reg", (uint32_t[]){0, 0x30000000, 0, 0x1000}, 4);
    db_end(&b);
    dev_node("good", (uint32_t[]){0, 0x10000100, 0, 0x100}, 4, (uint32_t[]){0, 5, 1}, 3);
    dev_node("straddle", (uint32_t[]){0, 0x10001f00, 0, 0x200}, 4, NULL, 0);
    dev_node("noreg", NULL, 0, NULL, 0);
    dev_node("shortreg", (uint32_t[]){0, 0x10000000, 0}, 3, NULL, 0);
    dev_node("zerosize", (uint32_t[]){0, 0x10000000, 0, 0}, 4, NULL, 0);
    dev_node("wrap", (uint32_t[]){0xffffffff, 0xfffff000, 0, 0x2000}, 4, NULL, 0);
    dev_node("beyond48", (uint32_t[]){0x10000, 0, 0, 0x1000}, 4, NULL, 0);
    dev_node("shortirq", (uint32_t[]){0, 0x10003000, 0, 0x100}, 4, (uint32_t[]){0, 5}, 2);
    dev_node("bigspi", (uint32_t[]){0, 0x10004000, 0, 0x100}, 4, (uint32_t[]){0, 2000, 4}, 3);
    dev_node("ppi", (uint32_t[]){0, 0x10005000, 0, 0x100}, 4, (uint32_t[]){1, 3, 4}, 3);
    dev_node("kernelpage", (uint32_t[]){0, 0x20000800, 0, 0x100}, 4, NULL, 0);
    db_begin(&b, "orphan");
    db_prop_str(&b, "compatible", "orphan");
    db_prop_u32(&b, "interrupt-parent", 99);
    db_prop_cells(&b, "reg", (uint32_t[]){0, 0x10006000, 0, 0x100}, 4);
    db_prop_cells(&b, "interrupts", (uint32_t[]){0, 5, 4}, 3);
    db_end(&b);
    db_begin(&b, "behindgpio");
    db_prop_str(&b, "compatible", "behindgpio");
    db_prop_u32(&b, "interrupt-parent", 2);
    db_prop_cells(&b, "reg", (uint32_t[]){0, 0x10007000, 0, 0x100}, 4);
    db_prop_cells(&b, "interrupts", (uint32_t[]){4, 8}, 2);
    db_end(&b);
    db_begin(&b, "off");
    db_prop_str(&b, "compatible", "good");
    db_prop_str(&b, "status", "disabled");
    db_end(&b);
    db_end(&b);
    db_finish_tokens(&b);
}

TEST(hostile_properties)
{
    struct dt_device d;
    build_hostile();
    size_t len = db_build(&b, hostile, sizeof(hostile));
    ASSERT_TRUE(len > 0);
    ASSERT_EQ(fdt_init(&f, hostile, len), 0);
    memset(&plat, 0, sizeof(plat));
    plat.gic.dist_base = 0x08000000;
    kernel[0] = (struct dt_range){0x20000000, 0x100}; // a kernel device at the start of a page
    kernel[1] = (struct dt_range){0x08000000, 0x10000};
    kernel[2] = (struct dt_range){0xfffffffffffff000ull, 0x2000}; // wraps: must not confuse the check
    nkernel = 3;

    ASSERT_EQ(open_dev("good", &d), 0);
    EXPECT_EQ(d.base, 0x10000100);
    EXPECT_EQ(d.map_base, 0x10000000);
    EXPECT_EQ(d.map_size, 0x1000);
    EXPECT_EQ(d.intid, 37);
    EXPECT_TRUE(d.edge);
    ASSERT_EQ(open_dev("straddle", &d), 0);
    EXPECT_EQ(d.map_base, 0x10001000);
    EXPECT_EQ(d.map_size, 0x2000);
    EXPECT_EQ(open_dev("noreg", &d), -E_INVAL);
    EXPECT_EQ(open_dev("shortreg", &d), -E_INVAL);
    EXPECT_EQ(open_dev("zerosize", &d), -E_INVAL);
    EXPECT_EQ(open_dev("wrap", &d), -E_INVAL);
    EXPECT_EQ(open_dev("beyond48", &d), -E_INVAL);
    EXPECT_EQ(open_dev("shortirq", &d), -E_INVAL);
    EXPECT_EQ(open_dev("bigspi", &d), -E_INVAL);
    EXPECT_EQ(open_dev("orphan", &d), -E_INVAL);
    ASSERT_EQ(open_dev("ppi", &d), 0);
    EXPECT_EQ(d.intid, 0); // per CPU: never a driver's
    ASSERT_EQ(open_dev("behindgpio", &d), 0);
    EXPECT_EQ(d.intid, 0); // the GPIO controller's driver delivers it, not the kernel
    EXPECT_EQ(open_dev("kernelpage", &d), -E_BUSY);
    EXPECT_EQ(open_dev("/intc@8000000", &d), -E_BUSY);
    // The first enabled "good" is found by compatible; the disabled one by path is not.
    EXPECT_EQ(open_dev("/off", &d), -E_NOENT);
    free(blob);
    blob = NULL;
}

// Every truncation of the hostile tree: whatever fdt_init accepts, decoding never reads out of bounds.
TEST(hostile_truncations)
{
    build_hostile();
    size_t len = db_build(&b, hostile, sizeof(hostile));
    static const char *const names[] = {"good", "straddle", "orphan", "behindgpio", "bigspi", "ppi", "/intc@8000000"};
    for (size_t cut = 0; cut <= len; cut++) {
        uint8_t *copy = malloc(len);
        memcpy(copy, hostile, len);
        for (size_t i = cut; i < len && i < cut + 4; i++)
            copy[i] ^= 0x5a; // damage a word somewhere in the middle
        if (fdt_init(&f, copy, len) == 0) {
            for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                struct dt_device d;
                int node = dt_device_find(&f, names[i], strlen(names[i]));
                if (node >= 0)
                    (void)dt_device_decode(&f, node, 0x08000000, kernel, nkernel, &d);
            }
        }
        free(copy);
    }
}
