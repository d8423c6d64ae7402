/*
 * PSCI calls (Arm DEN 0022, Power State Coordination Interface): the firmware interface
 * for powering CPUs and the system on and off. The conduit is hvc or smc as the DTB's
 * /psci "method" says: QEMU uses hvc unless it emulates EL2 (then smc); the BPI-R4's TF-A
 * takes smc [bpi-r4.md §2, §5].
 */
#include <stdint.h>

#include "arch/psci.h"

static enum psci_via conduit = PSCI_VIA_NONE;

void psci_set_conduit(enum psci_via c)
{
    conduit = c;
}

/* SMC Calling Convention: function ID in x0, arguments in x1..x3, result in x0. */
static int64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
    register uint64_t x0 __asm__("x0") = fn;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;

    if (conduit == PSCI_VIA_HVC)
        __asm__ volatile("hvc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3) : "memory");
    else if (conduit == PSCI_VIA_SMC)
        __asm__ volatile("smc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3) : "memory");
    else
        return PSCI_RET_NOT_SUPPORTED;
    return (int64_t)x0;
}

int64_t psci_version(void)
{
    return psci_call(PSCI_FN_VERSION, 0, 0, 0);
}

int64_t psci_system_off(void)
{
    return psci_call(PSCI_FN_SYSTEM_OFF, 0, 0, 0);
}

int64_t psci_system_reset(void)
{
    return psci_call(PSCI_FN_SYSTEM_RESET, 0, 0, 0);
}

int64_t psci_cpu_on(uint32_t fn, uint64_t mpidr, uint64_t entry, uint64_t context)
{
    return psci_call(fn, mpidr, entry, context);
}

int64_t psci_cpu_off(uint32_t fn)
{
    return psci_call(fn, 0, 0, 0);
}

int64_t psci_affinity_info(uint64_t mpidr)
{
    return psci_call(PSCI_FN_AFFINITY_INFO_64, mpidr, 0, 0); /* lowest affinity level: this one CPU */
}
