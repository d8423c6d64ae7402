/* The `sys` scheme: read-only kernel state as text files under /scheme/sys (scheme/sys_scheme.c). */
#ifndef WREN_SCHEME_SYS_SCHEME_H
#define WREN_SCHEME_SYS_SCHEME_H

/* Register it (scheme_init, scheme/kernel_schemes.c). */
void sys_scheme_init(void);

#endif
