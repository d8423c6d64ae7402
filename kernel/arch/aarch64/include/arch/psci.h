#ifndef WREN_ARCH_PSCI_H
#define WREN_ARCH_PSCI_H

#include <stdint.h>

/* Function IDs from PSCI 0.2+ (Arm DEN 0022); the DTB may only override them for 0.1. */
#define PSCI_FN_VERSION      0x84000000u
#define PSCI_FN_CPU_OFF      0x84000002u
#define PSCI_FN_CPU_ON_64    0xc4000003u
#define PSCI_FN_SYSTEM_OFF   0x84000008u
#define PSCI_FN_SYSTEM_RESET 0x84000009u

#define PSCI_RET_NOT_SUPPORTED (-1)

enum psci_via { PSCI_VIA_NONE, PSCI_VIA_HVC, PSCI_VIA_SMC };

void psci_set_conduit(enum psci_via c);
int64_t psci_version(void);
/* Both return only if the firmware refused (the BPI-R4's BL31 refuses SYSTEM_OFF). */
int64_t psci_system_off(void);
int64_t psci_system_reset(void);

#endif
