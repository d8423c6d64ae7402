/*
 * Minimal console output for programs that do not use a C library: text goes straight to
 * the kernel console through debug_write.
 */
#ifndef WREN_PRINT_H
#define WREN_PRINT_H

#include <stddef.h>
#include <stdint.h>

size_t wren_strlen(const char *s);
void wren_print(const char *s);
void wren_print_dec(long v);
void wren_print_hex(uint64_t v); /* 0x and 16 digits */

#endif
