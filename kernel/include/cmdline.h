#ifndef WREN_CMDLINE_H
#define WREN_CMDLINE_H

#include <stdbool.h>

/* Is `word` one of the space-separated words of the kernel command line `args`? */
bool cmdline_has(const char *args, const char *word);

#endif
