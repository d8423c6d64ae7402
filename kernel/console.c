/*
 * Console output for kprintf and the DebugWrite syscall.
 */
#include <stdarg.h>

#include "console.h"
#include "drivers/uart.h"
#include "lib/format.h"

static struct uart *console_uart;

void console_init(struct uart *u)
{
    console_uart = u;
}

void console_write(const char *s, size_t len)
{
    if (console_uart)
        uart_write(console_uart, s, len);
}

int console_getc(void)
{
    return console_uart ? uart_getc(console_uart) : -1;
}

static void emit(void *ctx, char c)
{
    (void)ctx;
    console_write(&c, 1);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    format_v(emit, 0, fmt, ap);
    va_end(ap);
}
