/*
 * Minimal console output for programs that do not use a C library: text goes straight to
 * the kernel console through debug_write.
 */
#ifndef WREN_PRINT_H
#define WREN_PRINT_H

#include <stddef.h>

size_t wren_strlen(const char *s);
void wren_print(const char *s);
void wren_print_dec(long v);

#endif
