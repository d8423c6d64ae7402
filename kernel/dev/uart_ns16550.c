/*
 * 16550-compatible UARTs, including MediaTek's (BPI-R4 console).
 * Register layout: the classic 16550 map with register n at base + (n << reg_shift) [bpi-r4.md §2 UART regs];
 * MediaTek uses reg-shift 2 and 32-bit accesses and adds a HIGHSPEED register at index 9 (offset 0x24).
 */
#include "dev/uart.h"
#include "mmio.h"

enum {
    NS_RBR = 0,           /* receive buffer (read, DLAB = 0) */
    NS_THR = 0,           /* transmit holding (write, DLAB = 0) */
    NS_DLL = 0,           /* divisor latch low (DLAB = 1) */
    NS_IER = 1,           /* interrupt enable (DLAB = 0) */
    NS_DLM = 1,           /* divisor latch high (DLAB = 1) */
    NS_IIR = 2,           /* interrupt identification (read) */
    NS_FCR = 2,           /* FIFO control (write) */
    NS_LCR = 3,           /* line control */
    NS_MCR = 4,           /* modem control */
    NS_LSR = 5,           /* line status */
    NS_MTK_HIGHSPEED = 9, /* [bpi-r4.md §2 UART regs] MediaTek only, offset 0x24 with reg-shift 2 */
};

#define NS_IER_RDI      0x01u /* received-data-available interrupt */
#define NS_FCR_ENABLE   0x01u
#define NS_FCR_CLEAR_RX 0x02u
#define NS_FCR_CLEAR_TX 0x04u
#define NS_LCR_8N1      0x03u /* 8 data bits, no parity, 1 stop bit */
#define NS_LCR_DLAB     0x80u /* divisor latch access */
#define NS_MCR_DTR      0x01u
#define NS_MCR_RTS      0x02u
#define NS_LSR_DR       0x01u /* data ready */
#define NS_LSR_THRE     0x20u /* transmit holding register (FIFO) empty */
#define NS_LSR_TEMT     0x40u /* transmitter completely idle */

static uintptr_t ns16550_addr(const struct uart *u, uint32_t reg)
{
    return u->base + ((uintptr_t)reg << u->reg_shift);
}

/* [bpi-r4.md §2 UART regs] MediaTek's UART needs 32-bit accesses (reg-io-width 4); classic parts take bytes. */
static uint32_t ns16550_read(const struct uart *u, uint32_t reg)
{
    if (u->io_width == 4)
        return mmio_read32(ns16550_addr(u, reg));
    return mmio_read8(ns16550_addr(u, reg));
}

static void ns16550_write(const struct uart *u, uint32_t reg, uint32_t v)
{
    if (u->io_width == 4)
        mmio_write32(ns16550_addr(u, reg), v);
    else
        mmio_write8(ns16550_addr(u, reg), (uint8_t)v);
}

/* Polls LSR until all bits of mask are set, at most UART_POLL_LIMIT times. Returns false on timeout. */
static bool ns16550_wait_set(const struct uart *u, uint32_t mask)
{
    for (uint32_t i = 0; i < UART_POLL_LIMIT; i++) {
        if ((ns16550_read(u, NS_LSR) & mask) == mask)
            return true;
    }
    return false;
}

/* Divisor = round(clock / (16 * baud)). [bpi-r4.md §2 UART baud] 40 MHz, 115200 -> 21.7 -> 22. */
static uint64_t ns16550_divisor(uint32_t clock_hz, uint32_t baud)
{
    return ((uint64_t)clock_hz + 8u * (uint64_t)baud) / (16u * (uint64_t)baud);
}

static int ns16550_program(struct uart *u)
{
    uint64_t div = ns16550_divisor(u->clock_hz, u->baud);

    if (div < 1 || div > 0xFFFF)
        return UART_ERR_DIVISOR;
    ns16550_wait_set(u, NS_LSR_TEMT); /* let whatever the firmware queued go out first */
    ns16550_write(u, NS_IER, 0);
    /*
     * [bpi-r4.md §2 UART baud] HIGHSPEED = 0 selects the plain 16550 divisor (clock / 16 / divisor); the firmware
     * may have left mode 3 (sample-count based) behind, in which DLL/DLM mean something else.
     */
    if (u->mtk)
        ns16550_write(u, NS_MTK_HIGHSPEED, 0);
    ns16550_write(u, NS_LCR, NS_LCR_DLAB | NS_LCR_8N1);
    ns16550_write(u, NS_DLL, (uint32_t)(div & 0xFF));
    ns16550_write(u, NS_DLM, (uint32_t)(div >> 8));
    ns16550_write(u, NS_LCR, NS_LCR_8N1);
    ns16550_write(u, NS_FCR, NS_FCR_ENABLE | NS_FCR_CLEAR_RX | NS_FCR_CLEAR_TX);
    ns16550_write(u, NS_MCR, NS_MCR_DTR | NS_MCR_RTS);
    return 0;
}

/*
 * Clock or baud unknown: keep the firmware's divisor and line settings [bpi-r4.md §2 UART baud: "simplest: keep
 * BL2/U-Boot's 115200 setting"]. Only leave the divisor latch closed (so register 0/1 are THR/IER again) and mask
 * interrupts: the console polls.
 */
static void ns16550_keep_firmware_setup(struct uart *u)
{
    uint32_t lcr = ns16550_read(u, NS_LCR);

    if (lcr & NS_LCR_DLAB)
        ns16550_write(u, NS_LCR, lcr & ~NS_LCR_DLAB);
    ns16550_write(u, NS_IER, 0);
}

int ns16550_init(struct uart *u)
{
    if (u->io_width == 0)
        u->io_width = 1;
    if ((u->io_width != 1 && u->io_width != 4) || u->reg_shift > 4)
        return UART_ERR_KIND;
    if (u->clock_hz == 0 || u->baud == 0) {
        ns16550_keep_firmware_setup(u);
        return 0;
    }
    return ns16550_program(u);
}

void ns16550_putc(struct uart *u, char c)
{
    if (ns16550_wait_set(u, NS_LSR_THRE))
        ns16550_write(u, NS_THR, (uint8_t)c);
}

int ns16550_getc(struct uart *u)
{
    if ((ns16550_read(u, NS_LSR) & NS_LSR_DR) == 0)
        return -1;
    return (int)(ns16550_read(u, NS_RBR) & 0xFF);
}

void ns16550_irq_enable_rx(struct uart *u)
{
    ns16550_write(u, NS_IER, ns16550_read(u, NS_IER) | NS_IER_RDI);
}

void ns16550_irq_disable(struct uart *u)
{
    ns16550_write(u, NS_IER, 0);
}

/*
 * Reading IIR acknowledges a pending transmitter-empty interrupt; receive interrupts clear themselves once
 * uart_getc() has drained the FIFO.
 */
void ns16550_irq_ack(struct uart *u)
{
    (void)ns16550_read(u, NS_IIR);
}
