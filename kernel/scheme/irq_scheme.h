/*
 * The irq scheme's interrupt descriptors (irq_scheme.c), as the syscall layer sees them.
 */
#ifndef WREN_SCHEME_IRQ_SCHEME_H
#define WREN_SCHEME_IRQ_SCHEME_H

#include <stdbool.h>
#include <stdint.h>

/* Does an irq descriptor that process `pid` opened hold INTID intid? (event_irq_raise lets it raise the line.) */
bool irq_scheme_held_by(uint32_t intid, int pid);

#endif
