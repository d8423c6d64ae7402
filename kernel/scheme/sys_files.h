/*
 * The files of /scheme/sys (scheme/sys_scheme.c serves them): each one a function that writes its whole text into a
 * textbuf (lib/textbuf.h), called once to measure and once to fill a snapshot. The formats are documented in
 * interface/schemes.yaml (the `sys` entry) and docs/kernel.md §14; tests/test_sys_scheme.py parses them.
 */
#ifndef WREN_SCHEME_SYS_FILES_H
#define WREN_SCHEME_SYS_FILES_H

#include <stddef.h>

#include "lib/textbuf.h"

struct sys_file {
    const char *name;
    void (*write)(struct textbuf *t);
};

/* The files, sorted by name (readdir's order); sys_file_count of them. */
extern const struct sys_file sys_files[];
extern const size_t sys_file_count;

/* What only boot knows about the machine, for /scheme/sys/cpu: main.c says it once, before /bin/init starts. */
struct sys_boot_facts {
    int cpus_in_dtb;      /* cpu nodes the device tree lists */
    unsigned gic_version; /* 2 or 3 */
    unsigned entry_el;    /* the exception level the kernel was entered at */
    const char *cpu_name; /* "Cortex-A72", ...: a string that lives for ever */
    const char *model;    /* the board's model: likewise */
};
void sys_set_boot_facts(const struct sys_boot_facts *f);

#endif
