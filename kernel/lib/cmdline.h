#ifndef WREN_LIB_CMDLINE_H
#define WREN_LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/* Is `word` one of the space-separated words of the kernel command line `args`? */
bool cmdline_has(const char *args, const char *word);

/*
 * init's argument block: `prog`, then every word after a standalone "--" on the command
 * line (as Linux passes them to init), each NUL-terminated, written to buf. Returns the
 * block's length, or 0 if it does not fit in size bytes.
 */
size_t cmdline_init_args(const char *args, const char *prog, char *buf, size_t size);

#endif
