/*
 * The console UART: output for kprintf, debug_write and console descriptors, and input.
 * Input arrives by the UART's receive interrupt into a small ring (console_rx_start), so a
 * byte typed while no one reads is kept; without an interrupt, reads poll the UART.
 */
#include <stdarg.h>

#include "console.h"
#include "dev/klog.h"
#include "dev/uart.h"
#include "irq.h"
#include "lib/format.h"

static struct uart *console_uart;

#define RX_RING 1024 /* a power of two; bytes typed ahead beyond it are dropped */
static char rx_ring[RX_RING];
static unsigned rx_head, rx_tail; /* free-running: head - tail bytes are waiting */
static void (*rx_notify)(void);
static bool (*rx_filter)(char c);
static bool rx_by_irq;

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

static void rx_drain(void)
{
    int c;
    while ((c = console_getc()) >= 0) {
        if (rx_filter && rx_filter((char)c))
            continue;
        if (rx_head - rx_tail < RX_RING)
            rx_ring[rx_head++ % RX_RING] = (char)c;
    }
}

static void rx_irq(uint32_t intid, void *arg)
{
    (void)intid, (void)arg;
    /* Acknowledge first: a byte that arrives while the FIFO is drained raises the interrupt again. Acknowledged after
     * the drain, its interrupt would be cleared with the others and the byte left waiting for the next one. */
    uart_irq_ack(console_uart);
    rx_drain();
    if (rx_notify)
        rx_notify();
}

bool console_rx_start(uint32_t intid, bool edge, void (*notify)(void))
{
    rx_notify = notify;
    if (!console_uart || irq_register(intid, edge, rx_irq, 0) != 0)
        return false;
    uart_irq_enable_rx(console_uart);
    rx_by_irq = true;
    return true;
}

void console_rx_filter(bool (*filter)(char c))
{
    rx_filter = filter;
}

bool console_rx_by_irq(void)
{
    return rx_by_irq;
}

bool console_rx_ready(void)
{
    if (!rx_by_irq)
        rx_drain();
    return rx_tail != rx_head;
}

size_t console_read(char *buf, size_t len)
{
    size_t n = 0;
    if (!rx_by_irq)
        rx_drain();
    while (n < len && rx_tail != rx_head)
        buf[n++] = rx_ring[rx_tail++ % RX_RING];
    return n;
}

/* kprintf's output goes to the kernel log as well as the UART: dmesg reads what nobody saw. */
static void emit(void *ctx, char c)
{
    (void)ctx;
    klog_putc(c);
    console_write(&c, 1);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    format_v(emit, 0, fmt, ap);
    va_end(ap);
}
