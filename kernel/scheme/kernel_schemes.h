/* The kernel's own schemes: each file that provides one has an init function scheme_init (kernel_schemes.c) calls. */
#ifndef WREN_SCHEME_KERNEL_SCHEMES_H
#define WREN_SCHEME_KERNEL_SCHEMES_H

#include "scheme/scheme.h"

/* scheme_register for a kernel scheme, whose name is known good: a failure is a kernel bug (panic). */
void kernel_scheme_register(struct scheme *s);

void file_scheme_init(void);
void console_scheme_init(void);
void sys_scheme_init(void);    /* scheme/sys_scheme.c */
void null_scheme_init(void);   /* null and zero (null_scheme.c) */
void time_scheme_init(void);   /* time_scheme.c */
void pipe_scheme_init(void);   /* pipe_scheme.c */
void memory_scheme_init(void); /* memory_scheme.c */
void mmio_scheme_init(void);   /* mmio_scheme.c */
void irq_scheme_init(void);    /* irq_scheme.c */

#endif
