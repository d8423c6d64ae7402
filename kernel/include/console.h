/*
 * The kernel's debug console: the UART the DTB names in /chosen stdout-path.
 */
#ifndef WREN_CONSOLE_H
#define WREN_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct uart;

void console_init(struct uart *u);
/* Writes len bytes, turning "\n" into "\r\n" for terminals. Safe before console_init (drops). */
void console_write(const char *s, size_t len);
int console_getc(void); /* -1 if no byte is waiting (straight from the UART, bypassing the ring) */
/*
 * Take input by the UART's receive interrupt `intid` from now on, calling notify (in IRQ
 * context) when bytes arrive. false if there is no console or the interrupt cannot be had.
 */
bool console_rx_start(uint32_t intid, bool edge, void (*notify)(void));
bool console_rx_by_irq(void);
/*
 * Let `filter` see each received byte first (in interrupt context when input is by interrupt);
 * a byte it returns true for is consumed, not queued: how Ctrl-C becomes a signal.
 */
void console_rx_filter(bool (*filter)(char c));
/* Is input waiting (console_read would return some)? */
bool console_rx_ready(void);
/* Up to len bytes of input received so far (never blocks); the count. */
size_t console_read(char *buf, size_t len);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
