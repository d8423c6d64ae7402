#ifndef WREN_ARCH_PSCI_H
#define WREN_ARCH_PSCI_H

#include <stdint.h>

/* Function IDs from PSCI 0.2+ (Arm DEN 0022); the DTB may only override them for 0.1. */
#define PSCI_FN_VERSION          0x84000000u
#define PSCI_FN_CPU_OFF          0x84000002u
#define PSCI_FN_CPU_ON_64        0xc4000003u
#define PSCI_FN_AFFINITY_INFO_64 0xc4000004u
#define PSCI_FN_SYSTEM_OFF       0x84000008u
#define PSCI_FN_SYSTEM_RESET     0x84000009u

#define PSCI_RET_SUCCESS       0
#define PSCI_RET_NOT_SUPPORTED (-1)
#define PSCI_RET_INVALID       (-2)
#define PSCI_RET_DENIED        (-3)
#define PSCI_RET_ALREADY_ON    (-4)
#define PSCI_RET_ON_PENDING    (-5)

/* AFFINITY_INFO's answers (DEN 0022 5.1.8). */
#define PSCI_AFFINITY_ON         0
#define PSCI_AFFINITY_OFF        1
#define PSCI_AFFINITY_ON_PENDING 2

enum psci_via { PSCI_VIA_NONE, PSCI_VIA_HVC, PSCI_VIA_SMC };

void psci_set_conduit(enum psci_via c);
int64_t psci_version(void);
/* Both return only if the firmware refused (the BPI-R4's BL31 refuses SYSTEM_OFF). */
int64_t psci_system_off(void);
int64_t psci_system_reset(void);
/*
 * Start the CPU with MPIDR affinity `mpidr` at physical address `entry`, MMU off, with `context` in x0 (DEN 0022
 * 5.1.4). fn is the CPU_ON function ID the DTB gave (PSCI 0.1 names its own). PSCI_RET_SUCCESS or a PSCI error.
 */
int64_t psci_cpu_on(uint32_t fn, uint64_t mpidr, uint64_t entry, uint64_t context);
/* Power the calling CPU down (returns only if the firmware refused). */
int64_t psci_cpu_off(uint32_t fn);
/* Is the CPU with this MPIDR on, off or starting (PSCI_AFFINITY_*), or a PSCI error. PSCI 0.2+. */
int64_t psci_affinity_info(uint64_t mpidr);

#endif
