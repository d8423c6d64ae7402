/*
 * The kernel's debug console: the UART the DTB names in /chosen stdout-path.
 */
#ifndef WREN_CONSOLE_H
#define WREN_CONSOLE_H

#include <stddef.h>

struct uart;

void console_init(struct uart *u);
/* Writes len bytes, turning "\n" into "\r\n" for terminals. Safe before console_init (drops). */
void console_write(const char *s, size_t len);
int console_getc(void); /* -1 if no byte is waiting */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
