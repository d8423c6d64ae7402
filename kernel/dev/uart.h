/*
 * Polled console UART drivers: ARM PL011 (QEMU virt) and 16550-compatible ones, including MediaTek's (BPI-R4).
 *
 * Fill a struct uart (usually from the platform description, see platform_console_uart()), call uart_init(), then
 * uart_putc/uart_write/uart_getc. uart_init is safe on a UART the firmware already uses: with clock_hz or baud 0 it
 * keeps the firmware's line settings and only makes sure the transmitter/receiver are enabled and interrupts masked.
 */
#ifndef WREN_DEV_UART_H
#define WREN_DEV_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum uart_kind {
    UART_NONE = 0,
    UART_PL011 = 1,   /* ARM PrimeCell PL011 */
    UART_NS16550 = 2, /* 16550 register layout (registers at index << reg_shift) */
};

/*
 * How many times the drivers poll a status bit before giving up. Transmitting one byte at 9600 baud takes ~1 ms;
 * a poll is at least tens of ns, so this is seconds of waiting: only a dead or misdescribed UART hits it, and
 * then the console drops characters instead of hanging the kernel.
 */
#define UART_POLL_LIMIT (1u << 24)

struct uart {
    uintptr_t base;     /* MMIO base (physical until the kernel maps it elsewhere) */
    int kind;           /* enum uart_kind */
    uint32_t reg_shift; /* NS16550: register n is at base + (n << reg_shift) */
    uint32_t io_width;  /* NS16550: access width in bytes, 1 or 4 (0 means 1) */
    uint32_t clock_hz;  /* input clock; 0 = unknown: keep the firmware's divisor */
    uint32_t baud;      /* 0 = keep the firmware's divisor */
    bool mtk;           /* MediaTek 16550 variant: has the HIGHSPEED register */
};

/* Error codes returned by uart_init. */
enum {
    UART_ERR_KIND = -1,    /* unsupported kind or io_width */
    UART_ERR_DIVISOR = -2, /* clock/baud give a divisor the hardware cannot hold; settings left unchanged */
};

/* Per-kind implementations (dev/uart_pl011.c, dev/uart_ns16550.c). Use the uart_* dispatchers below. */
int pl011_init(struct uart *u);
void pl011_putc(struct uart *u, char c);
int pl011_getc(struct uart *u);
void pl011_irq_enable_rx(struct uart *u);
void pl011_irq_disable(struct uart *u);
void pl011_irq_ack(struct uart *u);

int ns16550_init(struct uart *u);
void ns16550_putc(struct uart *u, char c);
int ns16550_getc(struct uart *u);
void ns16550_irq_enable_rx(struct uart *u);
void ns16550_irq_disable(struct uart *u);
void ns16550_irq_ack(struct uart *u);

/* Programs the UART (see the top of this file). Returns 0 or UART_ERR_*. */
static inline int uart_init(struct uart *u)
{
    switch (u->kind) {
    case UART_PL011: return pl011_init(u);
    case UART_NS16550: return ns16550_init(u);
    default: return UART_ERR_KIND;
    }
}

/* Waits (bounded by UART_POLL_LIMIT) for room in the transmitter, then sends c as is. */
static inline void uart_putc(struct uart *u, char c)
{
    if (u->kind == UART_PL011)
        pl011_putc(u, c);
    else if (u->kind == UART_NS16550)
        ns16550_putc(u, c);
}

/* Sends buf[0..len), turning each "\n" into "\r\n" as terminals expect. */
static inline void uart_write(struct uart *u, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\n')
            uart_putc(u, '\r');
        uart_putc(u, buf[i]);
    }
}

/* Next received byte (0..255), or -1 if none is waiting. Never blocks. */
static inline int uart_getc(struct uart *u)
{
    switch (u->kind) {
    case UART_PL011: return pl011_getc(u);
    case UART_NS16550: return ns16550_getc(u);
    default: return -1;
    }
}

/*
 * Receive interrupts at the UART (routing them in the GIC is the caller's job). The handler must drain the
 * receiver with uart_getc() and then call uart_irq_ack(): a 16550 keeps its RX interrupt asserted while data waits.
 */
static inline void uart_irq_enable_rx(struct uart *u)
{
    if (u->kind == UART_PL011)
        pl011_irq_enable_rx(u);
    else if (u->kind == UART_NS16550)
        ns16550_irq_enable_rx(u);
}

static inline void uart_irq_disable(struct uart *u)
{
    if (u->kind == UART_PL011)
        pl011_irq_disable(u);
    else if (u->kind == UART_NS16550)
        ns16550_irq_disable(u);
}

static inline void uart_irq_ack(struct uart *u)
{
    if (u->kind == UART_PL011)
        pl011_irq_ack(u);
    else if (u->kind == UART_NS16550)
        ns16550_irq_ack(u);
}

#endif /* WREN_DEV_UART_H */
