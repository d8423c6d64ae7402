/*
 * Device tree -> struct platform. Each platform_read_* function decodes one part of the machine and, when the
 * tree lacks it or describes it badly, leaves that part absent without touching the others.
 * Bindings used: Devicetree Specification v0.4 (memory, reserved-memory, chosen, cpus, interrupts) and the Linux
 * bindings arm,gic, arm,gic-v3, arm,arch_timer, arm,psci, serial/pl011, serial/8250, serial/mediatek,uart.
 */
#include "dev/platform.h"

#include <stdarg.h>

#include "lib/format.h"
#include "lib/string.h"

/*
 * Everything the readers share: the tree, the result, and facts found earlier (the GIC, needed to decode
 * interrupt specifiers).
 */
struct platform_ctx {
    const struct fdt *f;
    struct platform *p;
    int root;
    int gic_node;       /* < 0 until the GIC is found */
    uint32_t gic_cells; /* its #interrupt-cells */
};

/* Copies a NUL-terminated src (may be NULL) into dst[cap], cutting if needed; dst is always terminated. */
static void platform_copy(char *dst, size_t cap, const char *src)
{
    size_t n = src == NULL ? 0 : strnlen(src, cap - 1);

    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

static bool platform_string_is(const struct fdt *f, int node, const char *prop, const char *want)
{
    const char *v = fdt_prop_string(f, node, prop);

    return v != NULL && strcmp(v, want) == 0;
}

/* First entry of a NULL-terminated compatible list that node matches, or -1. */
static int platform_match(const struct fdt *f, int node, const char *const *list)
{
    for (int i = 0; list[i] != NULL; i++) {
        if (fdt_node_is_compatible(f, node, list[i]))
            return i;
    }
    return -1;
}

/* First enabled node (document order) compatible with any entry of list; *which gets the matching entry. */
static int platform_find_any(const struct fdt *f, const char *const *list, int *which)
{
    int node;

    for (node = fdt_next_node(f, -1); node >= 0; node = fdt_next_node(f, node)) {
        int m = platform_match(f, node, list);
        if (m >= 0 && fdt_node_is_okay(f, node)) {
            if (which != NULL)
                *which = m;
            return node;
        }
    }
    return node;
}

/* --- root, memory, reserved memory --- */

static void platform_read_root(struct platform_ctx *c)
{
    const char *model = fdt_prop_string(c->f, c->root, "model");
    int len;
    const char *compat = fdt_getprop(c->f, c->root, "compatible", &len);

    platform_copy(c->p->model, sizeof(c->p->model), model != NULL ? model : "unknown");
    /* Keep the list's first entry (the most specific), provided it is terminated inside the property. */
    if (compat != NULL && strnlen(compat, (size_t)len) < (size_t)len)
        platform_copy(c->p->compatible, sizeof(c->p->compatible), compat);
}

/* A range [base, base+size) is usable if it is non-empty and does not wrap around the address space. */
static bool platform_range_ok(uint64_t base, uint64_t size)
{
    return size != 0 && base + (size - 1) >= base;
}

static void platform_add_mem(struct platform *p, uint64_t base, uint64_t size)
{
    if (!platform_range_ok(base, size))
        return;
    if (p->mem_count == PLATFORM_MAX_MEM) {
        p->mem_truncated = true;
        return;
    }
    p->mem[p->mem_count].base = base;
    p->mem[p->mem_count].size = size;
    p->mem_count++;
}

static void platform_add_reserved(struct platform *p, uint64_t base, uint64_t size, bool no_map, uint8_t source)
{
    if (!platform_range_ok(base, size))
        return;
    if (p->reserved_count == PLATFORM_MAX_RESERVED) {
        p->reserved_truncated = true;
        return;
    }
    struct platform_reserved *r = &p->reserved[p->reserved_count++];
    r->base = base;
    r->size = size;
    r->no_map = no_map;
    r->source = source;
}

/*
 * [DT spec 3.4] Memory nodes: children of the root with device_type = "memory"; reg may list several ranges,
 * in the root's #address-cells/#size-cells (2/2 on both our boards).
 */
static void platform_read_memory(struct platform_ctx *c)
{
    int ac;
    int sc;

    if (fdt_bus_cells(c->f, c->root, &ac, &sc) < 0)
        return;
    for (int n = fdt_first_child(c->f, c->root); n >= 0; n = fdt_next_sibling(c->f, n)) {
        if (!platform_string_is(c->f, n, "device_type", "memory") || !fdt_node_is_okay(c->f, n))
            continue;
        uint64_t base;
        uint64_t size;
        for (int i = 0; fdt_read_reg_cells(c->f, n, ac, sc, i, &base, &size) == 0; i++)
            platform_add_mem(c->p, base, size);
    }
}

/*
 * [DT spec 5.3] /memreserve/ entries, then [DT spec 3.5] /reserved-memory children with a static reg
 * (children with only size/alloc-ranges are dynamic allocations for Linux drivers; we have nothing to honour).
 * [bpi-r4.md §2 reserved: TF-A] The BPI-R4's BL31 region 0x43000000 arrives this way, no-map.
 */
static void platform_read_reserved(struct platform_ctx *c)
{
    uint64_t base;
    uint64_t size;
    int ac;
    int sc;

    for (int i = 0; fdt_memrsv_get(c->f, i, &base, &size) == 0; i++)
        platform_add_reserved(c->p, base, size, false, RESERVED_MEMRESERVE);

    int rm = fdt_subnode(c->f, c->root, "reserved-memory", 15);
    if (rm < 0 || fdt_bus_cells(c->f, rm, &ac, &sc) < 0)
        return;
    for (int n = fdt_first_child(c->f, rm); n >= 0; n = fdt_next_sibling(c->f, n)) {
        if (!fdt_node_is_okay(c->f, n))
            continue;
        bool no_map = fdt_getprop(c->f, n, "no-map", NULL) != NULL;
        for (int i = 0; fdt_read_reg_cells(c->f, n, ac, sc, i, &base, &size) == 0; i++)
            platform_add_reserved(c->p, base, size, no_map, RESERVED_NODE);
    }
}

/* --- /chosen --- */

static const char *platform_stdout_path(const struct fdt *f, int chosen)
{
    const char *s = fdt_prop_string(f, chosen, "stdout-path");

    /* "linux,stdout-path" is the pre-standard name some older boot loaders still write. */
    return s != NULL ? s : fdt_prop_string(f, chosen, "linux,stdout-path");
}

/*
 * [DT spec 3.6] bootargs, stdout-path, and Linux's initrd properties, each 1 or 2 cells wide (QEMU writes one
 * cell each for a RAM below 4 GiB, U-Boot writes whatever the root's #address-cells says).
 */
static void platform_read_chosen(struct platform_ctx *c)
{
    int chosen = fdt_subnode(c->f, c->root, "chosen", 6);
    uint64_t start;
    uint64_t end;

    if (chosen < 0)
        return;
    platform_copy(c->p->bootargs, sizeof(c->p->bootargs), fdt_prop_string(c->f, chosen, "bootargs"));
    platform_copy(c->p->stdout_path, sizeof(c->p->stdout_path), platform_stdout_path(c->f, chosen));
    if (fdt_prop_cells(c->f, chosen, "linux,initrd-start", &start) == 0 &&
        fdt_prop_cells(c->f, chosen, "linux,initrd-end", &end) == 0 && end >= start) {
        c->p->initrd_present = true;
        c->p->initrd_start = start;
        c->p->initrd_end = end;
    }
}

/* --- interrupts --- */

static const char *const platform_gic_v3_compat[] = {"arm,gic-v3", NULL};
static const char *const platform_gic_v2_compat[] = {
    "arm,gic-400",     "arm,cortex-a15-gic", "arm,cortex-a9-gic", "arm,cortex-a7-gic",
    "arm,arm11mp-gic", "arm,pl390",          "qcom,msm-qgic2",    NULL,
};

/*
 * Converts a 3-cell GIC interrupt specifier to an INTID [binding arm,gic / arm,gic-v3; bpi-r4.md preamble:
 * "SPI n is GIC INTID n+32; PPI n is INTID n+16"]. GICv3 adds extended SPIs (type 2, INTID 4096+n) and extended
 * PPIs (type 3, INTID 1056+n). Returns PLATFORM_NO_IRQ for anything out of range.
 */
static uint32_t platform_gic_intid(uint32_t type, uint32_t num)
{
    switch (type) {
    case 0: return num < 988 ? num + 32 : PLATFORM_NO_IRQ;
    case 1: return num < 16 ? num + 16 : PLATFORM_NO_IRQ;
    case 2: return num < 1024 ? num + 4096 : PLATFORM_NO_IRQ;
    case 3: return num < 64 ? num + 1056 : PLATFORM_NO_IRQ;
    default: return PLATFORM_NO_IRQ;
    }
}

/*
 * The node's interrupt parent [DT spec 2.4.1]: follow interrupt-parent phandles, or else the tree parent, until a
 * node with #interrupt-cells. Bounded: a phandle cycle cannot loop forever.
 */
static int platform_irq_parent(const struct fdt *f, int node)
{
    int cur = node;

    for (int hops = 0; hops < 2 * FDT_MAX_DEPTH; hops++) {
        uint32_t ph;
        int next = fdt_prop_u32(f, cur, "interrupt-parent", &ph) == 0 ? fdt_node_by_phandle(f, ph) : fdt_parent(f, cur);
        if (next < 0)
            return next;
        if (fdt_getprop(f, next, "#interrupt-cells", NULL) != NULL)
            return next;
        cur = next;
    }
    return FDT_ERR_BADSTRUCTURE;
}

static bool platform_decode_spec(const uint8_t *spec, struct platform_irq *irq)
{
    uint32_t intid = platform_gic_intid(fdt_be32(spec), fdt_be32(spec + 4));

    if (intid == PLATFORM_NO_IRQ)
        return false;
    irq->intid = intid;
    irq->flags = fdt_be32(spec + 8);
    return true;
}

/* "interrupts-extended" = <phandle spec...>...: only entries that name our GIC are decoded. */
static bool platform_irq_extended(const struct platform_ctx *c, int node, int index, struct platform_irq *irq)
{
    int len;
    const uint8_t *v = fdt_getprop(c->f, node, "interrupts-extended", &len);
    size_t stride = 4u * (1u + c->gic_cells);

    for (size_t off = 0, i = 0; v != NULL && off + stride <= (size_t)len; off += stride, i++) {
        if (fdt_node_by_phandle(c->f, fdt_be32(v + off)) != c->gic_node)
            return false; /* another controller: its specifier size is unknown, so stop here */
        if (i == (size_t)index)
            return platform_decode_spec(v + off + 4, irq);
    }
    return false;
}

/*
 * Interrupt `index` of node, as a GIC INTID. False (irq untouched) if the node has none, or it is not routed to
 * the GIC we found.
 */
static bool platform_node_irq(const struct platform_ctx *c, int node, int index, struct platform_irq *irq)
{
    int len;

    if (c->gic_node < 0 || c->gic_cells < 3)
        return false;
    if (fdt_getprop(c->f, node, "interrupts-extended", NULL) != NULL)
        return platform_irq_extended(c, node, index, irq);
    const uint8_t *v = fdt_getprop(c->f, node, "interrupts", &len);
    if (v == NULL || platform_irq_parent(c->f, node) != c->gic_node)
        return false;
    if (index < 0)
        return false;
    size_t stride = 4u * c->gic_cells;
    size_t off = (size_t)index * stride;
    if (off + stride > (size_t)len)
        return false;
    return platform_decode_spec(v + off, irq);
}

/* --- GIC --- */

/*
 * [binding arm,gic] v2 reg: distributor, CPU interface (then GICH, GICV when virtualization is there).
 * [binding arm,gic-v3] v3 reg: distributor, then #redistributor-regions redistributor regions, then GICC/H/V.
 * [bpi-r4.md §2 GIC] BPI-R4: v3, GICD 0x0C000000, GICR 0x0C080000. [§5] QEMU: GICD 0x08000000, GICC 0x08010000
 * (v2) or GICR 0x080A0000 (v3).
 */
static void platform_read_gic(struct platform_ctx *c)
{
    struct platform_gic *g = &c->p->gic;
    uint32_t regions = 1;
    uint32_t cells;
    int node = platform_find_any(c->f, platform_gic_v3_compat, NULL);

    g->version = 3;
    if (node < 0) {
        node = platform_find_any(c->f, platform_gic_v2_compat, NULL);
        g->version = 2;
    }
    if (node < 0 || fdt_read_reg(c->f, node, 0, &g->dist_base, &g->dist_size) < 0 ||
        fdt_prop_u32(c->f, node, "#interrupt-cells", &cells) < 0) {
        *g = (struct platform_gic){0};
        return;
    }
    if (g->version == 2) {
        fdt_read_reg(c->f, node, 1, &g->cpu_base, &g->cpu_size);
    } else {
        fdt_prop_u32(c->f, node, "#redistributor-regions", &regions);
        g->redist_regions = regions;
        fdt_read_reg(c->f, node, 1, &g->redist_base, &g->redist_size);
    }
    g->present = true;
    c->gic_node = node;
    /*
     * [binding arm,gic-v3] 3 cells, or 4 with PPI partitions (the 4th is a partition phandle we ignore). Any
     * other count: keep the GIC but decode no interrupt specifiers against it.
     */
    c->gic_cells = (cells == 3 || cells == 4) ? cells : 0;
}

/* --- timer --- */

static const char *const platform_timer_compat[] = {"arm,armv8-timer", "arm,armv7-timer", NULL};

/*
 * [binding arm,arch_timer] interrupts: secure phys, non-secure phys, virtual, hyp phys.
 * [bpi-r4.md §2 timer PPIs, §5 timer] both boards: PPI 13/14/11/10 -> INTID 29/30/27/26.
 */
static void platform_read_timer(struct platform_ctx *c)
{
    struct platform_timer *t = &c->p->timer;
    int node = platform_find_any(c->f, platform_timer_compat, NULL);

    if (node < 0)
        return;
    t->present = true;
    for (int i = 0; i < TIMER_IRQ_COUNT; i++)
        platform_node_irq(c, node, i, &t->irq[i]);
    /* Only broken firmware needs this (CNTFRQ_EL0 unset); a wrong/malformed value is simply not used. */
    fdt_prop_u32(c->f, node, "clock-frequency", &t->clock_hz);
}

/* --- PSCI --- */

/* PSCI 0.2+ standard function IDs (Arm DEN 0022; the SMC64 variant where there are two). */
#define PSCI_ID_VERSION      0x84000000u
#define PSCI_ID_CPU_SUSPEND  0xC4000001u
#define PSCI_ID_CPU_OFF      0x84000002u
#define PSCI_ID_CPU_ON       0xC4000003u
#define PSCI_ID_MIGRATE      0xC4000005u
#define PSCI_ID_SYSTEM_OFF   0x84000008u
#define PSCI_ID_SYSTEM_RESET 0x84000009u

static const char *const platform_psci_compat[] = {"arm,psci-1.0", "arm,psci-0.2", "arm,psci", NULL};
static const uint32_t platform_psci_versions[] = {0x10000, 0x2, 0x1};

/* A function ID property (psci 0.1 style) if present, else the standard one. */
static uint32_t platform_psci_fn(const struct fdt *f, int node, const char *prop, uint32_t standard)
{
    uint32_t v;

    return fdt_prop_u32(f, node, prop, &v) == 0 ? v : standard;
}

/*
 * [binding arm,psci] method = "hvc" | "smc". [bpi-r4.md §2 PSCI, §5 PSCI] BPI-R4 smc; QEMU hvc, smc with
 * virtualization=on.
 */
static void platform_read_psci(struct platform_ctx *c)
{
    struct platform_psci *ps = &c->p->psci;
    int which = 0;
    /* The list runs newest first, so `which` is the newest version the node claims (QEMU lists all three). */
    int node = platform_find_any(c->f, platform_psci_compat, &which);

    if (node < 0)
        return;
    ps->present = true;
    ps->version = platform_psci_versions[which];
    if (platform_string_is(c->f, node, "method", "hvc"))
        ps->conduit = PSCI_CONDUIT_HVC;
    else if (platform_string_is(c->f, node, "method", "smc"))
        ps->conduit = PSCI_CONDUIT_SMC;
    bool std = ps->version >= 0x2;
    ps->fn_cpu_on = platform_psci_fn(c->f, node, "cpu_on", std ? PSCI_ID_CPU_ON : 0);
    ps->fn_cpu_off = platform_psci_fn(c->f, node, "cpu_off", std ? PSCI_ID_CPU_OFF : 0);
    ps->fn_cpu_suspend = platform_psci_fn(c->f, node, "cpu_suspend", std ? PSCI_ID_CPU_SUSPEND : 0);
    ps->fn_migrate = platform_psci_fn(c->f, node, "migrate", std ? PSCI_ID_MIGRATE : 0);
    ps->fn_version = std ? PSCI_ID_VERSION : 0;
    ps->fn_system_off = std ? PSCI_ID_SYSTEM_OFF : 0;
    ps->fn_system_reset = std ? PSCI_ID_SYSTEM_RESET : 0;
}

/* --- CPUs --- */

static int platform_enable_method(const struct fdt *f, int node)
{
    const char *m = fdt_prop_string(f, node, "enable-method");

    if (m == NULL)
        return CPU_ENABLE_NONE;
    if (strcmp(m, "psci") == 0)
        return CPU_ENABLE_PSCI;
    if (strcmp(m, "spin-table") == 0)
        return CPU_ENABLE_SPIN_TABLE;
    return CPU_ENABLE_OTHER;
}

/*
 * [DT spec 3.7, 3.8] /cpus/cpu@N nodes with device_type = "cpu"; reg = MPIDR affinity in /cpus'
 * #address-cells (1 or 2) with #size-cells 0. [bpi-r4.md §2 CPUs] BPI-R4: 4 CPUs, reg 0..3.
 */
static void platform_read_cpus(struct platform_ctx *c)
{
    int cpus = fdt_subnode(c->f, c->root, "cpus", 4);
    int ac;
    int sc;

    if (cpus < 0 || fdt_bus_cells(c->f, cpus, &ac, &sc) < 0)
        return;
    for (int n = fdt_first_child(c->f, cpus); n >= 0; n = fdt_next_sibling(c->f, n)) {
        uint64_t mpidr;
        if (!platform_string_is(c->f, n, "device_type", "cpu") ||
            fdt_read_reg_cells(c->f, n, ac, sc, 0, &mpidr, NULL) < 0)
            continue;
        if (c->p->cpu_count < PLATFORM_MAX_CPUS) {
            struct platform_cpu *cpu = &c->p->cpus[c->p->cpu_count];
            cpu->mpidr = mpidr;
            cpu->enable_method = platform_enable_method(c->f, n);
            if (cpu->enable_method == CPU_ENABLE_SPIN_TABLE)
                fdt_prop_cells(c->f, n, "cpu-release-addr", &cpu->release_addr);
        }
        c->p->cpu_count++;
    }
}

/* --- console UART --- */

/*
 * Supported UARTs and what their compatible implies. [bpi-r4.md §2 UART regs] MediaTek's 16550 has "4-byte
 * stride (reg-shift 2), 32-bit access" and the DT carries no reg-shift/reg-io-width: the driver implies them.
 */
struct platform_uart_type {
    const char *compat;
    int kind;
    uint32_t reg_shift;
    uint32_t io_width;
    bool mtk;
};

static const struct platform_uart_type platform_uart_types[] = {
    {"arm,pl011", UART_PL011, 0, 4, false},
    {"mediatek,mt7988-uart", UART_NS16550, 2, 4, true},
    {"mediatek,mt6577-uart", UART_NS16550, 2, 4, true},
    {"mediatek,hsuart", UART_NS16550, 2, 4, true}, /* U-Boot's own MT7988 DT [bpi-r4.md §1 DTB source] */
    {"snps,dw-apb-uart", UART_NS16550, 0, 1, false},
    {"ns16550a", UART_NS16550, 0, 1, false},
    {"ns16550", UART_NS16550, 0, 1, false},
};

#define PLATFORM_UART_TYPES (sizeof(platform_uart_types) / sizeof(platform_uart_types[0]))

static const struct platform_uart_type *platform_uart_type(const struct fdt *f, int node)
{
    for (size_t i = 0; i < PLATFORM_UART_TYPES; i++) {
        if (fdt_node_is_compatible(f, node, platform_uart_types[i].compat))
            return &platform_uart_types[i];
    }
    return NULL;
}

/* Index in "clocks" of the baud-rate clock: named "baud" (MediaTek) or "uartclk" (PL011), else the first. */
static int platform_uart_clock_index(const struct fdt *f, int node)
{
    static const char *const names[] = {"baud", "uartclk"};
    int len;
    const char *list = fdt_getprop(f, node, "clock-names", &len);

    for (int pos = 0, i = 0; list != NULL && pos < len; i++) {
        size_t n = strnlen(list + pos, (size_t)(len - pos));
        for (size_t k = 0; k < 2; k++) {
            if (strlen(names[k]) == n && memcmp(list + pos, names[k], n) == 0)
                return i;
        }
        pos += (int)n + 1;
    }
    return 0;
}

/*
 * Rate of clock `index` of node if it comes from a "fixed-clock" provider, else 0 (unknown).
 * [binding clock] clocks = <phandle specifier...>..., each specifier #clock-cells (of that provider) long.
 * [bpi-r4.md §5] QEMU: PL011 clocks -> fixed-clock "apb-pclk" 24 MHz.
 */
static uint32_t platform_clock_rate(const struct fdt *f, int node, int index)
{
    int len;
    const uint8_t *v = fdt_getprop(f, node, "clocks", &len);
    int ncells = v == NULL ? 0 : len / 4;

    for (int pos = 0, i = 0; pos < ncells; i++) {
        uint32_t spec_cells = 0;
        uint32_t rate = 0;
        int provider = fdt_node_by_phandle(f, fdt_be32(v + 4 * pos));
        if (provider < 0)
            return 0;
        if (i == index) {
            if (!fdt_node_is_compatible(f, provider, "fixed-clock"))
                return 0;
            fdt_prop_u32(f, provider, "clock-frequency", &rate);
            return rate;
        }
        if (fdt_prop_u32(f, provider, "#clock-cells", &spec_cells) == FDT_ERR_BADVALUE || spec_cells > 8)
            return 0;
        pos += 1 + (int)spec_cells;
    }
    return 0;
}

static uint32_t platform_uart_clock(const struct fdt *f, int node)
{
    uint32_t hz = 0;

    if (fdt_prop_u32(f, node, "clock-frequency", &hz) == 0)
        return hz;
    return platform_clock_rate(f, node, platform_uart_clock_index(f, node));
}

/* Fills p->console from node if it is an enabled, supported UART with a reg. Returns false otherwise. */
static bool platform_use_uart(struct platform_ctx *c, int node)
{
    struct platform_uart *u = &c->p->console;
    const struct platform_uart_type *type = platform_uart_type(c->f, node);
    uint32_t v;

    if (type == NULL || !fdt_node_is_okay(c->f, node) || fdt_read_reg(c->f, node, 0, &u->base, &u->size) < 0)
        return false;
    u->present = true;
    u->kind = type->kind;
    u->mtk = type->mtk;
    u->reg_shift = type->reg_shift;
    u->reg_io_width = type->io_width;
    /* Explicit properties win over what the compatible implies [binding serial/8250: reg-shift, reg-io-width]. */
    if (fdt_prop_u32(c->f, node, "reg-shift", &v) == 0 && v <= 4)
        u->reg_shift = v;
    if (fdt_prop_u32(c->f, node, "reg-io-width", &v) == 0 && (v == 1 || v == 4))
        u->reg_io_width = v;
    u->clock_hz = platform_uart_clock(c->f, node);
    platform_node_irq(c, node, 0, &u->irq);
    return true;
}

/* Leading decimal digits of the stdout-path options ("115200n8" -> 115200); 0 if none or absurd. */
static uint32_t platform_parse_baud(const char *s, const char *end)
{
    uint32_t baud = 0;

    for (; s < end && *s >= '0' && *s <= '9'; s++) {
        if (baud > 10000000u)
            return 0;
        baud = baud * 10u + (uint32_t)(*s - '0');
    }
    return baud;
}

/*
 * [DT spec 3.6] stdout-path = "<path or alias>[:<options>]" (e.g. [bpi-r4.md §1] "serial0:115200n8"; QEMU
 * "/pl011@9000000"). Fallback: the first enabled supported UART in document order.
 */
static void platform_read_console(struct platform_ctx *c)
{
    int chosen = fdt_subnode(c->f, c->root, "chosen", 6);
    const char *sp = chosen < 0 ? NULL : platform_stdout_path(c->f, chosen);

    if (sp != NULL) {
        const char *end = sp + strlen(sp);
        const char *colon = sp;
        while (colon < end && *colon != ':')
            colon++;
        int node = fdt_path_offset_len(c->f, sp, (size_t)(colon - sp));
        if (node >= 0 && platform_use_uart(c, node)) {
            c->p->console.from_stdout_path = true;
            c->p->console.baud = colon < end ? platform_parse_baud(colon + 1, end) : 0;
            return;
        }
    }
    for (int node = fdt_next_node(c->f, -1); node >= 0; node = fdt_next_node(c->f, node)) {
        if (platform_use_uart(c, node))
            return;
    }
    c->p->console = (struct platform_uart){0};
}

/* --- entry points --- */

int platform_from_fdt(const struct fdt *f, struct platform *p)
{
    struct platform_ctx c = {f, p, fdt_root(f), -1, 0};

    memset(p, 0, sizeof(*p));
    platform_copy(p->model, sizeof(p->model), "unknown");
    if (c.root < 0)
        return c.root;
    platform_read_root(&c);
    platform_read_memory(&c);
    platform_read_reserved(&c);
    platform_read_chosen(&c);
    platform_read_gic(&c); /* before anything that decodes interrupts */
    platform_read_timer(&c);
    platform_read_psci(&c);
    platform_read_cpus(&c);
    platform_read_console(&c);
    return 0;
}

bool platform_console_uart(const struct platform *p, struct uart *u)
{
    const struct platform_uart *pu = &p->console;

    *u = (struct uart){0};
    if (!pu->present || (uint64_t)(uintptr_t)pu->base != pu->base)
        return false;
    u->base = (uintptr_t)pu->base;
    u->kind = pu->kind;
    u->reg_shift = pu->reg_shift;
    u->io_width = pu->reg_io_width;
    u->clock_hz = pu->clock_hz;
    u->baud = pu->baud;
    u->mtk = pu->mtk;
    return true;
}

/* --- printing --- */

#define PLATFORM_LINE 160

static void platform_line(void (*puts)(const char *), const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void platform_line(void (*puts)(const char *), const char *fmt, ...)
{
    char line[PLATFORM_LINE];
    va_list ap;

    va_start(ap, fmt);
    format_vbuf(line, sizeof(line), fmt, ap);
    va_end(ap);
    puts(line);
}

static const char *platform_uart_kind_name(int kind)
{
    return kind == UART_PL011 ? "pl011" : kind == UART_NS16550 ? "ns16550" : "none";
}

static const char *platform_conduit_name(int conduit)
{
    return conduit == PSCI_CONDUIT_HVC ? "hvc" : conduit == PSCI_CONDUIT_SMC ? "smc" : "none";
}

static void platform_print_memory(const struct platform *p, void (*puts)(const char *))
{
    for (int i = 0; i < p->mem_count; i++)
        platform_line(puts, "memory   %#018llx size %#llx\n", (unsigned long long)p->mem[i].base,
                      (unsigned long long)p->mem[i].size);
    for (int i = 0; i < p->reserved_count; i++)
        platform_line(puts, "reserved %#018llx size %#llx%s%s\n", (unsigned long long)p->reserved[i].base,
                      (unsigned long long)p->reserved[i].size, p->reserved[i].no_map ? " no-map" : "",
                      p->reserved[i].source == RESERVED_MEMRESERVE ? " (memreserve)" : "");
    if (p->mem_truncated || p->reserved_truncated)
        platform_line(puts, "warning: more memory/reserved ranges than fit; extra ones ignored\n");
}

static void platform_print_devices(const struct platform *p, void (*puts)(const char *))
{
    const struct platform_uart *u = &p->console;
    const struct platform_gic *g = &p->gic;

    if (u->present)
        platform_line(puts, "console  %s @ %#llx shift %u width %u clock %u baud %u intid %u\n",
                      platform_uart_kind_name(u->kind), (unsigned long long)u->base, u->reg_shift, u->reg_io_width,
                      u->clock_hz, u->baud, u->irq.intid);
    if (g->present)
        platform_line(puts, "gic      v%u dist %#llx %s %#llx\n", g->version, (unsigned long long)g->dist_base,
                      g->version == 2 ? "cpu" : "redist",
                      (unsigned long long)(g->version == 2 ? g->cpu_base : g->redist_base));
    if (p->timer.present)
        platform_line(puts, "timer    intid sec %u phys %u virt %u hyp %u\n", p->timer.irq[0].intid,
                      p->timer.irq[1].intid, p->timer.irq[2].intid, p->timer.irq[3].intid);
    if (p->psci.present)
        platform_line(puts, "psci     %s version %#x cpu_on %#x\n", platform_conduit_name(p->psci.conduit),
                      p->psci.version, p->psci.fn_cpu_on);
}

void platform_print(const struct platform *p, void (*puts)(const char *line))
{
    platform_line(puts, "model    %s (%s)\n", p->model, p->compatible);
    platform_print_memory(p, puts);
    if (p->initrd_present)
        platform_line(puts, "initrd   %#llx..%#llx\n", (unsigned long long)p->initrd_start,
                      (unsigned long long)p->initrd_end);
    platform_line(puts, "bootargs \"%s\" stdout-path \"%s\"\n", p->bootargs, p->stdout_path);
    platform_print_devices(p, puts);
    platform_line(puts, "cpus     %d\n", p->cpu_count);
}
