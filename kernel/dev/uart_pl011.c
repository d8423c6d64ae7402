/*
 * ARM PrimeCell PL011 UART (QEMU virt's console).
 * Register map and bits: ARM PL011 TRM (DDI 0183), as summarised in [bpi-r4.md §5 UART].
 */
#include "dev/uart.h"
#include "mmio.h"

enum {
    PL011_DR = 0x00,    /* data: write = transmit, read = receive (bits 11:8 are error flags) */
    PL011_FR = 0x18,    /* flags */
    PL011_IBRD = 0x24,  /* integer baud divisor */
    PL011_FBRD = 0x28,  /* fractional baud divisor (6 bits) */
    PL011_LCR_H = 0x2C, /* line control */
    PL011_CR = 0x30,    /* control */
    PL011_IMSC = 0x38,  /* interrupt mask set/clear (1 = enabled) */
    PL011_ICR = 0x44,   /* interrupt clear (write 1s) */
};

#define PL011_FR_BUSY     (1u << 3) /* still transmitting (FIFO or shift register not empty) */
#define PL011_FR_RXFE     (1u << 4) /* receive FIFO empty */
#define PL011_FR_TXFF     (1u << 5) /* transmit FIFO full */
#define PL011_LCR_H_FEN   (1u << 4) /* FIFOs on; clearing this bit flushes them */
#define PL011_LCR_H_WLEN8 (3u << 5) /* 8 data bits (no parity, 1 stop bit with the other bits 0) */
#define PL011_CR_UARTEN   (1u << 0)
#define PL011_CR_TXE      (1u << 8)
#define PL011_CR_RXE      (1u << 9)
#define PL011_INT_RX      (1u << 4) /* receive (FIFO reached its trigger level) */
#define PL011_INT_RT      (1u << 6) /* receive timeout (data waiting below the trigger level) */
#define PL011_INT_ALL     0x7FFu

#define PL011_CR_ON          (PL011_CR_UARTEN | PL011_CR_TXE | PL011_CR_RXE)
#define PL011_LCR_H_8N1_FIFO (PL011_LCR_H_WLEN8 | PL011_LCR_H_FEN)

static uint32_t pl011_read(const struct uart *u, uint32_t reg)
{
    return mmio_read32(u->base + reg);
}

static void pl011_write(const struct uart *u, uint32_t reg, uint32_t v)
{
    mmio_write32(u->base + reg, v);
}

/* Polls FR until (FR & mask) == 0, at most UART_POLL_LIMIT times. Returns false on timeout. */
static bool pl011_wait_clear(const struct uart *u, uint32_t mask)
{
    for (uint32_t i = 0; i < UART_POLL_LIMIT; i++) {
        if ((pl011_read(u, PL011_FR) & mask) == 0)
            return true;
    }
    return false;
}

/*
 * Baud divisor in 1/64 units: clock / (16 * baud) * 64 = clock * 4 / baud, rounded to nearest.
 * The TRM's example: 24 MHz, 115200 baud -> 13.0208 -> IBRD 13, FBRD round(0.0208 * 64) = 1.
 */
static uint64_t pl011_divisor(uint32_t clock_hz, uint32_t baud)
{
    return ((uint64_t)clock_hz * 8u / baud + 1u) / 2u;
}

/*
 * Reprogram line settings. [PL011 TRM 3.3.8] The UART must be disabled and idle while IBRD/FBRD/LCR_H change,
 * and the divisor only takes effect on the LCR_H write that follows it.
 */
static int pl011_program(struct uart *u)
{
    uint64_t div = pl011_divisor(u->clock_hz, u->baud);
    uint64_t ibrd = div >> 6;

    if (ibrd < 1 || ibrd > 0xFFFF)
        return UART_ERR_DIVISOR;
    pl011_wait_clear(u, PL011_FR_BUSY); /* let whatever the firmware queued go out first */
    pl011_write(u, PL011_CR, 0);
    pl011_write(u, PL011_LCR_H, 0); /* FEN = 0 flushes the FIFOs */
    pl011_write(u, PL011_IMSC, 0);
    pl011_write(u, PL011_ICR, PL011_INT_ALL);
    pl011_write(u, PL011_IBRD, (uint32_t)ibrd);
    pl011_write(u, PL011_FBRD, (uint32_t)(div & 0x3F));
    pl011_write(u, PL011_LCR_H, PL011_LCR_H_8N1_FIFO);
    pl011_write(u, PL011_CR, PL011_CR_ON);
    return 0;
}

/*
 * Clock or baud unknown: keep the divisor. If the firmware left the UART enabled, only make sure TX and RX are
 * on; if it never enabled it, set 8N1 with FIFOs (allowed while disabled) and enable.
 */
static void pl011_keep_firmware_setup(struct uart *u)
{
    uint32_t cr = pl011_read(u, PL011_CR);

    pl011_write(u, PL011_IMSC, 0);
    pl011_write(u, PL011_ICR, PL011_INT_ALL);
    if ((cr & PL011_CR_UARTEN) == 0)
        pl011_write(u, PL011_LCR_H, PL011_LCR_H_8N1_FIFO);
    if ((cr & PL011_CR_ON) != PL011_CR_ON)
        pl011_write(u, PL011_CR, cr | PL011_CR_ON);
}

int pl011_init(struct uart *u)
{
    if (u->clock_hz == 0 || u->baud == 0) {
        pl011_keep_firmware_setup(u);
        return 0;
    }
    return pl011_program(u);
}

void pl011_putc(struct uart *u, char c)
{
    if (pl011_wait_clear(u, PL011_FR_TXFF))
        pl011_write(u, PL011_DR, (uint8_t)c);
}

int pl011_getc(struct uart *u)
{
    if (pl011_read(u, PL011_FR) & PL011_FR_RXFE)
        return -1;
    return (int)(pl011_read(u, PL011_DR) & 0xFF);
}

void pl011_irq_enable_rx(struct uart *u)
{
    pl011_write(u, PL011_IMSC, pl011_read(u, PL011_IMSC) | PL011_INT_RX | PL011_INT_RT);
}

void pl011_irq_disable(struct uart *u)
{
    pl011_write(u, PL011_IMSC, 0);
}

void pl011_irq_ack(struct uart *u)
{
    pl011_write(u, PL011_ICR, PL011_INT_RX | PL011_INT_RT);
}
