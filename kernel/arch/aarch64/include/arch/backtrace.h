#ifndef WREN_ARCH_BACKTRACE_H
#define WREN_ARCH_BACKTRACE_H

#include <stdint.h>

/* Print the call chain starting at pc with frame pointer fp, symbolized. */
void backtrace_print(uintptr_t pc, uintptr_t fp);
/* The function containing addr and addr's offset in it, or NULL. */
const char *ksym_lookup(uintptr_t addr, uintptr_t *offset);

#endif
