// sources: kernel/dev/uart_pl011.c kernel/dev/uart_ns16550.c
// UART drivers against a register model: mmio_read/mmio_write (declared in mmio.h for WREN_HOST_TEST) are
// implemented here, record every access, and simulate the status bits (TX full/busy for N polls, RX data).
#include <stdint.h>
#include <string.h>

#include "dev/uart.h"
#include "mmio.h"
#include "unit.h"

#define BASE    0x10000000u
#define LOG_MAX 256

struct access {
    char op;      // 'r' or 'w'
    int width;    // 1 or 4
    uint32_t off; // offset from BASE
    uint32_t value;
};

enum model_kind { MODEL_PL011, MODEL_16550 };

// The device being simulated. reg[] holds the last value written per 4-byte-aligned offset (or per byte offset
// for width-1 16550s); status registers are computed on read.
static struct {
    enum model_kind kind;
    uint32_t shift;
    uint32_t reg[64];
    int busy_polls; // status reads that still report "not ready" (TX FIFO full / THR not empty)
    int forever_busy;
    uint8_t rx[16];
    int rx_len;
    struct access log[LOG_MAX];
    int nlog;
    int status_reads;
} m;

static void model_reset(enum model_kind kind, uint32_t shift)
{
    memset(&m, 0, sizeof(m));
    m.kind = kind;
    m.shift = shift;
}

static void model_log(char op, int width, uintptr_t addr, uint32_t v)
{
    if (m.nlog < LOG_MAX)
        m.log[m.nlog++] = (struct access){op, width, (uint32_t)(addr - BASE), v};
}

static bool model_not_ready(void)
{
    m.status_reads++;
    if (m.forever_busy)
        return true;
    if (m.busy_polls > 0) {
        m.busy_polls--;
        return true;
    }
    return false;
}

static uint32_t model_pop_rx(void)
{
    if (m.rx_len == 0)
        return 0;
    uint32_t c = m.rx[0];
    memmove(m.rx, m.rx + 1, (size_t)--m.rx_len);
    return c;
}

static uint32_t pl011_model_read(uint32_t off)
{
    if (off == 0x18) { // FR: TXFF/BUSY while "busy", RXFE when no data
        uint32_t fr = model_not_ready() ? (1u << 5 | 1u << 3) : 0;
        return fr | (m.rx_len == 0 ? 1u << 4 : 0);
    }
    if (off == 0x00)
        return model_pop_rx();
    return m.reg[off / 4];
}

static uint32_t ns16550_model_read(uint32_t off)
{
    uint32_t idx = off >> m.shift;

    if (idx == 5) { // LSR: THRE|TEMT unless busy, DR when data
        uint32_t lsr = model_not_ready() ? 0 : 0x60;
        return lsr | (m.rx_len > 0 ? 1u : 0);
    }
    if (idx == 0 && (m.reg[3] & 0x80) == 0)
        return model_pop_rx();
    return m.reg[idx];
}

static uint32_t model_read(uintptr_t addr)
{
    uint32_t off = (uint32_t)(addr - BASE);

    return m.kind == MODEL_PL011 ? pl011_model_read(off) : ns16550_model_read(off);
}

static void model_write(uintptr_t addr, uint32_t v)
{
    uint32_t off = (uint32_t)(addr - BASE);
    uint32_t idx = m.kind == MODEL_PL011 ? off / 4 : off >> m.shift;

    if (idx < 64)
        m.reg[idx] = v;
}

uint32_t mmio_read32(uintptr_t addr)
{
    uint32_t v = model_read(addr);
    model_log('r', 4, addr, v);
    return v;
}

void mmio_write32(uintptr_t addr, uint32_t v)
{
    model_log('w', 4, addr, v);
    model_write(addr, v);
}

uint8_t mmio_read8(uintptr_t addr)
{
    uint8_t v = (uint8_t)model_read(addr);
    model_log('r', 1, addr, v);
    return v;
}

void mmio_write8(uintptr_t addr, uint8_t v)
{
    model_log('w', 1, addr, v);
    model_write(addr, v);
}

// Copies the writes (in order) out of the log.
static int writes(struct access *out, int max)
{
    int n = 0;

    for (int i = 0; i < m.nlog && n < max; i++) {
        if (m.log[i].op == 'w')
            out[n++] = m.log[i];
    }
    return n;
}

struct expect_write {
    uint32_t off;
    uint32_t value;
};

static void expect_writes(const struct expect_write *want, int n, int width)
{
    struct access got[LOG_MAX];
    int ngot = writes(got, LOG_MAX);

    EXPECT_EQ(ngot, n);
    for (int i = 0; i < n && i < ngot; i++) {
        if (!EXPECT_EQ(got[i].off, want[i].off) || !EXPECT_EQ(got[i].value, want[i].value) ||
            !EXPECT_EQ(got[i].width, width))
            fprintf(stderr, "    at write %d\n", i);
    }
}

static struct uart pl011(uint32_t clock, uint32_t baud)
{
    return (struct uart){.base = BASE, .kind = UART_PL011, .clock_hz = clock, .baud = baud};
}

// --- PL011 ---

TEST(pl011_init_24mhz_115200)
{
    struct uart u = pl011(24000000, 115200);
    // [bpi-r4.md §5 UART] QEMU: 24 MHz. Divisor 13.02 -> IBRD 13, FBRD 1.
    const struct expect_write want[] = {
        {0x30, 0},     // CR: disable
        {0x2C, 0},     // LCR_H: FEN off flushes the FIFOs
        {0x38, 0},     // IMSC: mask all
        {0x44, 0x7FF}, // ICR: clear all
        {0x24, 13},    // IBRD
        {0x28, 1},     // FBRD
        {0x2C, 0x70},  // LCR_H: 8 bits, FIFOs on (latches the divisor)
        {0x30, 0x301}, // CR: UARTEN | TXE | RXE
    };

    model_reset(MODEL_PL011, 0);
    m.busy_polls = 3; // still sending the firmware's last bytes
    EXPECT_EQ(uart_init(&u), 0);
    expect_writes(want, 8, 4);
    // It waited for BUSY to clear before disabling.
    EXPECT_EQ(m.status_reads, 4);
    EXPECT_EQ(m.log[3].op, 'r');
    EXPECT_EQ(m.log[4].op, 'w');
}

TEST(pl011_divisors)
{
    struct {
        uint32_t clock, baud, ibrd, fbrd;
    } cases[] = {
        {24000000, 115200, 13, 1}, {24000000, 9600, 156, 16},  // 156.25
        {48000000, 115200, 26, 3},                             // 26.04 -> 1667/64
        {3686400, 115200, 2, 0},   {100000000, 921600, 6, 50}, // 6.78 -> 434/64
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct uart u = pl011(cases[i].clock, cases[i].baud);
        model_reset(MODEL_PL011, 0);
        EXPECT_EQ(uart_init(&u), 0);
        EXPECT_EQ(m.reg[0x24 / 4], cases[i].ibrd);
        EXPECT_EQ(m.reg[0x28 / 4], cases[i].fbrd);
    }
}

TEST(pl011_bad_divisor_changes_nothing)
{
    struct uart slow = pl011(1000, 115200);
    struct uart fast = pl011(0xffffffffu, 1);

    model_reset(MODEL_PL011, 0);
    EXPECT_EQ(uart_init(&slow), UART_ERR_DIVISOR);
    EXPECT_EQ(uart_init(&fast), UART_ERR_DIVISOR);
    EXPECT_EQ(m.nlog, 0);
}

TEST(pl011_init_unknown_clock_keeps_firmware_setup)
{
    struct uart u = pl011(0, 115200);

    // Firmware left it running: only interrupts are masked/cleared; no divisor, LCR_H or CR writes.
    model_reset(MODEL_PL011, 0);
    m.reg[0x30 / 4] = 0x301;
    EXPECT_EQ(uart_init(&u), 0);
    const struct expect_write running[] = {{0x38, 0}, {0x44, 0x7FF}};
    expect_writes(running, 2, 4);

    // Never enabled (reset value CR = TXE|RXE): 8N1 + FIFOs, then enable.
    model_reset(MODEL_PL011, 0);
    m.reg[0x30 / 4] = 0x300;
    u.baud = 0;
    u.clock_hz = 24000000;
    EXPECT_EQ(uart_init(&u), 0);
    const struct expect_write fresh[] = {{0x38, 0}, {0x44, 0x7FF}, {0x2C, 0x70}, {0x30, 0x301}};
    expect_writes(fresh, 4, 4);
}

TEST(pl011_putc_waits_for_room)
{
    struct uart u = pl011(24000000, 115200);

    model_reset(MODEL_PL011, 0);
    m.busy_polls = 5;
    uart_putc(&u, 'A');
    EXPECT_EQ(m.status_reads, 6);
    EXPECT_EQ(m.nlog, 7); // 6 FR reads, then the DR write
    EXPECT_EQ(m.log[6].op, 'w');
    EXPECT_EQ(m.log[6].off, 0);
    EXPECT_EQ(m.log[6].value, 'A');
    for (int i = 0; i < 6; i++)
        EXPECT_EQ(m.log[i].off, 0x18);
}

TEST(pl011_putc_gives_up_on_a_dead_uart)
{
    struct uart u = pl011(24000000, 115200);

    model_reset(MODEL_PL011, 0);
    m.forever_busy = 1;
    uart_putc(&u, 'A');
    EXPECT_EQ(m.status_reads, UART_POLL_LIMIT);
    struct access w[4];
    EXPECT_EQ(writes(w, 4), 0);
}

TEST(pl011_write_translates_newlines)
{
    struct uart u = pl011(24000000, 115200);
    struct access w[16];

    model_reset(MODEL_PL011, 0);
    uart_write(&u, "a\nb\n", 4);
    int n = writes(w, 16);
    EXPECT_EQ(n, 6);
    const char want[] = "a\r\nb\r\n";
    for (int i = 0; i < n && i < 6; i++) {
        EXPECT_EQ(w[i].off, 0);
        EXPECT_EQ(w[i].value, (uint8_t)want[i]);
    }
}

TEST(pl011_getc)
{
    struct uart u = pl011(24000000, 115200);

    model_reset(MODEL_PL011, 0);
    EXPECT_EQ(uart_getc(&u), -1);
    m.rx[0] = 'x';
    m.rx[1] = 0xff; // must come back as 255, not -1
    m.rx_len = 2;
    EXPECT_EQ(uart_getc(&u), 'x');
    EXPECT_EQ(uart_getc(&u), 255);
    EXPECT_EQ(uart_getc(&u), -1);
}

TEST(pl011_rx_interrupts)
{
    struct uart u = pl011(24000000, 115200);

    model_reset(MODEL_PL011, 0);
    m.reg[0x38 / 4] = 0x1;
    uart_irq_enable_rx(&u);
    EXPECT_EQ(m.reg[0x38 / 4], 0x51); // RXIM | RTIM added
    uart_irq_ack(&u);
    EXPECT_EQ(m.reg[0x44 / 4], 0x50);
    uart_irq_disable(&u);
    EXPECT_EQ(m.reg[0x38 / 4], 0);
}

// --- MediaTek 16550 (BPI-R4) ---

static struct uart mtk(uint32_t clock, uint32_t baud)
{
    // [bpi-r4.md §2 UART regs] reg-shift 2, 32-bit access.
    return (struct uart){.base = BASE,
                         .kind = UART_NS16550,
                         .reg_shift = 2,
                         .io_width = 4,
                         .clock_hz = clock,
                         .baud = baud,
                         .mtk = true};
}

TEST(mtk_init_40mhz_115200)
{
    struct uart u = mtk(40000000, 115200);
    // [bpi-r4.md §2 UART baud] HIGHSPEED = 0, divisor round(40e6 / 16 / 115200) = 22.
    const struct expect_write want[] = {
        {0x04, 0},    // IER
        {0x24, 0},    // HIGHSPEED
        {0x0C, 0x83}, // LCR: DLAB | 8N1
        {0x00, 22},   // DLL
        {0x04, 0},    // DLM
        {0x0C, 0x03}, // LCR: 8N1
        {0x08, 0x07}, // FCR: enable + clear both FIFOs
        {0x10, 0x03}, // MCR: DTR | RTS
    };

    model_reset(MODEL_16550, 2);
    m.busy_polls = 2;
    EXPECT_EQ(uart_init(&u), 0);
    expect_writes(want, 8, 4);
    EXPECT_EQ(m.status_reads, 3); // waited for TEMT first
    for (int i = 0; i < m.nlog; i++)
        EXPECT_EQ(m.log[i].width, 4);
}

TEST(mtk_init_unknown_clock_keeps_firmware_divisor)
{
    struct uart u = mtk(0, 115200);

    model_reset(MODEL_16550, 2);
    m.reg[3] = 0x03;
    EXPECT_EQ(uart_init(&u), 0);
    const struct expect_write want[] = {{0x04, 0}};
    expect_writes(want, 1, 4);

    // Divisor latch left open: close it first so offset 0x04 is IER again.
    model_reset(MODEL_16550, 2);
    m.reg[3] = 0x83;
    EXPECT_EQ(uart_init(&u), 0);
    const struct expect_write dlab[] = {{0x0C, 0x03}, {0x04, 0}};
    expect_writes(dlab, 2, 4);
}

TEST(mtk_putc_and_getc)
{
    struct uart u = mtk(40000000, 115200);

    model_reset(MODEL_16550, 2);
    m.busy_polls = 4;
    uart_putc(&u, 'Z');
    EXPECT_EQ(m.status_reads, 5);
    EXPECT_EQ(m.nlog, 6);
    EXPECT_EQ(m.log[0].off, 0x14); // LSR
    EXPECT_EQ(m.log[5].op, 'w');
    EXPECT_EQ(m.log[5].off, 0x00); // THR
    EXPECT_EQ(m.log[5].value, 'Z');

    EXPECT_EQ(uart_getc(&u), -1);
    m.rx[0] = '7';
    m.rx_len = 1;
    EXPECT_EQ(uart_getc(&u), '7');
    EXPECT_EQ(uart_getc(&u), -1);
}

TEST(mtk_rx_interrupts)
{
    struct uart u = mtk(40000000, 115200);

    model_reset(MODEL_16550, 2);
    uart_irq_enable_rx(&u);
    EXPECT_EQ(m.reg[1], 0x01);
    m.nlog = 0;
    uart_irq_ack(&u);
    EXPECT_EQ(m.nlog, 1);
    EXPECT_EQ(m.log[0].op, 'r');
    EXPECT_EQ(m.log[0].off, 0x08); // IIR
    uart_irq_disable(&u);
    EXPECT_EQ(m.reg[1], 0);
}

// --- classic byte-wide 16550 ---

TEST(ns16550_byte_access)
{
    struct uart u = {
        .base = BASE, .kind = UART_NS16550, .reg_shift = 0, .io_width = 0, .clock_hz = 1843200, .baud = 9600};
    const struct expect_write want[] = {
        {1, 0}, {3, 0x83}, {0, 12}, {1, 0}, {3, 0x03}, {2, 0x07}, {4, 0x03}, // no HIGHSPEED: not MediaTek
    };

    model_reset(MODEL_16550, 0);
    EXPECT_EQ(uart_init(&u), 0);
    EXPECT_EQ(u.io_width, 1); // 0 means byte access
    expect_writes(want, 7, 1);
    m.nlog = 0;
    uart_putc(&u, 'q');
    EXPECT_EQ(m.log[1].width, 1);
    EXPECT_EQ(m.log[1].value, 'q');
}

TEST(ns16550_large_divisor_and_rejects)
{
    struct uart u = {.base = BASE, .kind = UART_NS16550, .io_width = 1, .clock_hz = 24000000, .baud = 300};

    model_reset(MODEL_16550, 0);
    EXPECT_EQ(uart_init(&u), 0);
    struct access w[16];
    EXPECT_EQ(writes(w, 16), 7);
    EXPECT_EQ(w[2].off, 0); // DLL
    EXPECT_EQ(w[2].value, 5000 & 0xff);
    EXPECT_EQ(w[3].off, 1); // DLM
    EXPECT_EQ(w[3].value, 5000 >> 8);

    u.clock_hz = 100;
    model_reset(MODEL_16550, 0);
    EXPECT_EQ(uart_init(&u), UART_ERR_DIVISOR);
    EXPECT_EQ(m.nlog, 0);
    u.io_width = 2;
    EXPECT_EQ(uart_init(&u), UART_ERR_KIND);
    struct uart none = {.kind = UART_NONE};
    EXPECT_EQ(uart_init(&none), UART_ERR_KIND);
    EXPECT_EQ(uart_getc(&none), -1);
    uart_putc(&none, 'x');
    EXPECT_EQ(m.nlog, 0);
}
