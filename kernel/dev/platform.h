/*
 * The machine as the device tree describes it, decoded once at boot into a plain struct (fixed arrays, no
 * allocation, no pointers into the DTB, so it stays valid after the blob is unmapped or overwritten).
 *
 * platform_from_fdt() never fails half-way on bad input: each part it cannot find or decode is marked absent
 * (present = false, count = 0, intid = 0) and the rest is still filled. It returns an error only when the tree
 * itself is unusable.
 */
#ifndef WREN_DEV_PLATFORM_H
#define WREN_DEV_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/uart.h"
#include "lib/fdt.h"

#define PLATFORM_MAX_MEM      8
#define PLATFORM_MAX_RESERVED 16
#define PLATFORM_MAX_CPUS     8
#define PLATFORM_NAME_MAX     64 /* model, root compatible, stdout-path (longer ones are cut, still terminated) */
#define PLATFORM_BOOTARGS_MAX 256

/* INTID 0 is an SGI, never a device interrupt: it marks "no interrupt". */
#define PLATFORM_NO_IRQ 0u

struct platform_range {
    uint64_t base;
    uint64_t size;
};

enum platform_reserved_source {
    RESERVED_MEMRESERVE = 1, /* DTB header's /memreserve/ map */
    RESERVED_NODE = 2,       /* a /reserved-memory child with reg */
};

struct platform_reserved {
    uint64_t base;
    uint64_t size;
    bool no_map;    /* "no-map": never map it, not even cacheable (firmware may use it as secure) */
    uint8_t source; /* enum platform_reserved_source */
};

/*
 * An interrupt as the GIC numbers it, with the DT trigger flags ([DT binding arm,gic] cell 3: 1 = edge rising,
 * 2 = edge falling, 4 = level high, 8 = level low; bits 15:8 = PPI CPU mask on GICv2).
 */
struct platform_irq {
    uint32_t intid; /* PLATFORM_NO_IRQ if absent */
    uint32_t flags;
};

struct platform_uart {
    bool present;
    bool from_stdout_path; /* chosen by /chosen stdout-path (else: first supported UART in the tree) */
    bool mtk;              /* MediaTek 16550 variant (HIGHSPEED register) */
    int kind;              /* enum uart_kind */
    uint64_t base;
    uint64_t size;
    uint32_t reg_shift;
    uint32_t reg_io_width; /* bytes per register access: 1 or 4 */
    uint32_t clock_hz;     /* 0 = unknown (driver keeps the firmware's divisor) */
    uint32_t baud;         /* from stdout-path options ("serial0:115200n8"); 0 = not given */
    struct platform_irq irq;
};

struct platform_gic {
    bool present;
    uint32_t version;                  /* 2 or 3 */
    uint64_t dist_base, dist_size;     /* GICD */
    uint64_t cpu_base, cpu_size;       /* GICC (v2) */
    uint64_t redist_base, redist_size; /* first GICR region (v3) */
    uint32_t redist_regions;           /* #redistributor-regions (v3; 1 if absent) */
};

/* Generic timer PPIs, in the DT binding's order. */
enum platform_timer_irq {
    TIMER_IRQ_SEC_PHYS = 0,
    TIMER_IRQ_PHYS = 1, /* non-secure physical (CNTP), what an EL1 kernel uses */
    TIMER_IRQ_VIRT = 2, /* virtual (CNTV) */
    TIMER_IRQ_HYP = 3,  /* EL2 physical (CNTHP) */
    TIMER_IRQ_COUNT = 4,
};

struct platform_timer {
    bool present;
    struct platform_irq irq[TIMER_IRQ_COUNT];
    uint32_t clock_hz; /* "clock-frequency" if the DT overrides CNTFRQ_EL0, else 0 (read CNTFRQ_EL0) */
};

enum platform_psci_conduit {
    PSCI_CONDUIT_NONE = 0,
    PSCI_CONDUIT_HVC = 1,
    PSCI_CONDUIT_SMC = 2,
};

struct platform_psci {
    bool present;
    int conduit;      /* enum platform_psci_conduit */
    uint32_t version; /* from compatible: 0x10000 = 1.0, 0x2 = 0.2, 0x1 = 0.1 ("arm,psci") */
    /* Function IDs: the DT's cpu_on/... properties if given, else the PSCI 0.2+ standard IDs, else 0 (absent). */
    uint32_t fn_cpu_on, fn_cpu_off, fn_cpu_suspend, fn_migrate;
    uint32_t fn_version, fn_system_off, fn_system_reset; /* 0.2+ only; 0 for 0.1 */
};

enum platform_enable_method {
    CPU_ENABLE_NONE = 0, /* no enable-method (e.g. the boot CPU of a uniprocessor QEMU) */
    CPU_ENABLE_PSCI = 1,
    CPU_ENABLE_SPIN_TABLE = 2,
    CPU_ENABLE_OTHER = 3,
};

struct platform_cpu {
    uint64_t mpidr;        /* "reg": MPIDR_EL1 affinity bits */
    int enable_method;     /* enum platform_enable_method */
    uint64_t release_addr; /* spin-table only */
};

struct platform {
    char model[PLATFORM_NAME_MAX];      /* "unknown" if absent */
    char compatible[PLATFORM_NAME_MAX]; /* the root's first (most specific) compatible; "" if absent */

    struct platform_range mem[PLATFORM_MAX_MEM];
    int mem_count;
    bool mem_truncated; /* more ranges than PLATFORM_MAX_MEM (extra ones dropped) */

    struct platform_reserved reserved[PLATFORM_MAX_RESERVED];
    int reserved_count;
    bool reserved_truncated;

    /* /chosen */
    char bootargs[PLATFORM_BOOTARGS_MAX]; /* "" if absent */
    char stdout_path[PLATFORM_NAME_MAX];  /* as written, options included; "" if absent */
    bool initrd_present;                  /* both properties valid and end >= start */
    uint64_t initrd_start, initrd_end;    /* [start, end) */

    struct platform_uart console;
    struct platform_gic gic;
    struct platform_timer timer;
    struct platform_psci psci;

    struct platform_cpu cpus[PLATFORM_MAX_CPUS];
    int cpu_count; /* all cpu nodes seen (may exceed PLATFORM_MAX_CPUS) */
};

/*
 * Decodes the tree in f (already validated by fdt_init) into *p. Returns 0, or an FDT_ERR_* code when f has no
 * root node (then *p holds only defaults).
 */
int platform_from_fdt(const struct fdt *f, struct platform *p);

/*
 * Fills a driver descriptor for the console UART. Returns false (and leaves *u with kind UART_NONE) if there is
 * none, or if its MMIO base does not fit in a pointer.
 */
bool platform_console_uart(const struct platform *p, struct uart *u);

/* Prints a human-readable summary, one line per call of puts (each line ends with "\n"). */
void platform_print(const struct platform *p, void (*puts)(const char *line));

#endif /* WREN_DEV_PLATFORM_H */
