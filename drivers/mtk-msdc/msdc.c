/*
 * The MSDC controller: register sequences from ../shared/docs/hardware/bpi-r4.md §4 ([UB-sd] msdc_init_hw,
 * msdc_set_mclk, the command flow and PIO data), written for polling: the driver enables no interrupt and reads
 * MSDC_INT instead, so that it needs no event queue and the host model needs no interrupt either.
 */
#include <wren/abi.h>

#include "msdc.h"
#include "msdc_io.h"
#include "msdc_regs.h"

#define IDENT_HZ 400000u /* identification clock, at most 400 kHz (SD Physical Layer spec §4.2, §6.6.6) */

/* Wait until (reg & mask) == want, or timeout_ns: 0 or -E_TIMEDOUT. */
static long wait_bits(struct msdc *m, unsigned reg, uint32_t mask, uint32_t want, uint64_t timeout_ns)
{
    uint64_t start = msdc_now_ns();
    for (;;) {
        if ((msdc_read32(m, reg) & mask) == want)
            return 0;
        if (msdc_now_ns() - start > timeout_ns)
            return (msdc_read32(m, reg) & mask) == want ? 0 : -E_TIMEDOUT;
    }
}

/* Wait until any of bits is set in reg: the bits seen, or 0 on timeout. */
static uint32_t wait_any(struct msdc *m, unsigned reg, uint32_t bits, uint64_t timeout_ns)
{
    uint64_t start = msdc_now_ns();
    for (;;) {
        uint32_t v = msdc_read32(m, reg) & bits;
        if (v)
            return v;
        if (msdc_now_ns() - start > timeout_ns)
            return msdc_read32(m, reg) & bits;
    }
}

static void set_bits(struct msdc *m, unsigned reg, uint32_t mask, uint32_t value)
{
    msdc_write32(m, reg, (msdc_read32(m, reg) & ~mask) | (value & mask));
}

long msdc_reset(struct msdc *m)
{
    set_bits(m, MSDC_CFG, MSDC_CFG_RST, MSDC_CFG_RST);
    long r = wait_bits(m, MSDC_CFG, MSDC_CFG_RST, 0, MSDC_TIMEOUT_RESET_NS);
    if (r < 0)
        return r;
    set_bits(m, MSDC_FIFOCS, MSDC_FIFOCS_CLR, MSDC_FIFOCS_CLR);
    r = wait_bits(m, MSDC_FIFOCS, MSDC_FIFOCS_CLR, 0, MSDC_TIMEOUT_RESET_NS);
    if (r < 0)
        return r;
    msdc_write32(m, MSDC_INT, msdc_read32(m, MSDC_INT)); /* write-1-to-clear whatever is pending */
    return 0;
}

uint32_t msdc_clock_for(uint32_t source_hz, uint32_t hz, uint32_t *mode, uint32_t *div)
{
    /* SDR divider [UB-sd msdc_set_mclk]: mode 1 = source; mode 0 div 0 = source/2; mode 0 div n = source/(4n). */
    uint32_t md = 0, dv = 0, out;
    if (hz >= source_hz) {
        md = 1;
        out = source_hz;
    } else if (hz >= source_hz / 2) {
        out = source_hz / 2;
    } else {
        uint32_t per = hz ? hz * 4u : 1u;
        uint64_t n = hz ? ((uint64_t)source_hz + per - 1) / per : 0xfffu; /* round up: never above hz */
        if (n < 1)
            n = 1;
        if (n > 0xfff)
            n = 0xfff;
        dv = (uint32_t)n;
        out = source_hz / (4u * dv);
    }
    if (mode)
        *mode = md;
    if (div)
        *div = dv;
    return out;
}

long msdc_set_clock(struct msdc *m, uint32_t hz)
{
    if (hz == 0)
        return -E_INVAL;
    uint32_t mode, div;
    uint32_t out = msdc_clock_for(m->source_hz, hz, &mode, &div);
    /* Stop the free-running clock, change it, wait until it is stable, let it run again [UB-sd]. */
    set_bits(m, MSDC_CFG, MSDC_CFG_CKPDN, 0);
    set_bits(m, MSDC_CFG, MSDC_CFG_CKMOD_MASK | MSDC_CFG_CKDIV_MASK,
             (mode << MSDC_CFG_CKMOD_SHIFT) | (div << MSDC_CFG_CKDIV_SHIFT));
    long r = wait_bits(m, MSDC_CFG, MSDC_CFG_CKSTB, MSDC_CFG_CKSTB, MSDC_TIMEOUT_RESET_NS);
    if (r < 0)
        return r;
    set_bits(m, MSDC_CFG, MSDC_CFG_CKPDN, MSDC_CFG_CKPDN);
    m->card_hz = out;
    return 0;
}

long msdc_set_bus_width(struct msdc *m, unsigned bits)
{
    uint32_t field;
    if (bits == 1)
        field = 0;
    else if (bits == 4)
        field = 1;
    else if (bits == 8)
        field = 2;
    else
        return -E_INVAL;
    set_bits(m, SDC_CFG, SDC_CFG_BUSWIDTH_MASK, field << SDC_CFG_BUSWIDTH_SHIFT);
    m->bus_width = bits;
    return 0;
}

long msdc_init(struct msdc *m, volatile uint32_t *regs, uint32_t source_hz)
{
    if (!m || !regs || source_hz < 4 * IDENT_HZ)
        return -E_INVAL;
    m->regs = regs;
    m->source_hz = source_hz;
    m->card_hz = 0;
    m->bus_width = 1;
    /* [UB-sd msdc_init_hw]: SD/MMC mode, PIO, reset, no interrupt enabled (we poll), vendor defaults. */
    set_bits(m, MSDC_CFG, MSDC_CFG_MODE | MSDC_CFG_PIO, MSDC_CFG_MODE | MSDC_CFG_PIO);
    long r = msdc_reset(m);
    if (r < 0)
        return r;
    msdc_write32(m, MSDC_INTEN, 0);
    msdc_write32(m, MSDC_PATCH_BIT0, MSDC_PATCH_BIT0_DEFAULT);
    msdc_write32(m, MSDC_PATCH_BIT1, MSDC_PATCH_BIT1_DEFAULT);
    /* The longest data timeout the controller has (255 x 2^20 card clocks, about 10 s at 25 MHz): the card's own
     * limits (100 ms read, 250 ms write) are well inside it, and our poll bounds end a transfer that stalls. */
    set_bits(m, SDC_CFG, SDC_CFG_DTOC_MASK, 0xffu << SDC_CFG_DTOC_SHIFT);
    r = msdc_set_bus_width(m, 1);
    if (r < 0)
        return r;
    return msdc_set_clock(m, IDENT_HZ);
}

static uint32_t command_word(const struct msdc_cmd *c)
{
    static const uint32_t rsptyp[] = {
        [MSDC_RESP_NONE] = SDC_CMD_RSP_NONE, [MSDC_RESP_R1] = SDC_CMD_RSP_R1, [MSDC_RESP_R1B] = SDC_CMD_RSP_R1B,
        [MSDC_RESP_R2] = SDC_CMD_RSP_R2,     [MSDC_RESP_R3] = SDC_CMD_RSP_R3,
    };
    uint32_t w = (uint32_t)(c->index & 0x3f) | rsptyp[c->resp_type] << SDC_CMD_RSPTYP_SHIFT;
    if (c->blocks) {
        w |= (c->blocks > 1 ? SDC_CMD_DTYPE_MULTI : SDC_CMD_DTYPE_SINGLE) << SDC_CMD_DTYPE_SHIFT;
        w |= (uint32_t)c->block_len << SDC_CMD_BLKLEN_SHIFT;
        if (c->write)
            w |= SDC_CMD_WR;
    }
    if (c->index == 12)
        w |= SDC_CMD_STOP;
    return w;
}

long msdc_command(struct msdc *m, struct msdc_cmd *c)
{
    if (!m || !c || c->index > 63 || (unsigned)c->resp_type > MSDC_RESP_R3 ||
        (c->blocks && (c->block_len == 0 || c->block_len > 2048 || c->block_len % 4)))
        return -E_INVAL;
    /* The controller must be free; a data command also waits for the data lines. */
    uint32_t busy = SDC_STS_CMDBUSY | (c->blocks ? SDC_STS_SDCBUSY : 0);
    long r = wait_bits(m, SDC_STS, busy, 0, MSDC_TIMEOUT_CMD_NS);
    if (r < 0)
        return r;
    msdc_write32(m, MSDC_INT, MSDC_INT_CMD_DONE | MSDC_INT_DATA_DONE);
    msdc_write32(m, SDC_BLK_NUM, c->blocks ? c->blocks : 1);
    msdc_write32(m, SDC_ARG, c->arg);
    msdc_write32(m, SDC_CMD, command_word(c));
    uint32_t seen = wait_any(m, MSDC_INT, MSDC_INT_CMD_DONE, MSDC_TIMEOUT_CMD_NS);
    msdc_write32(m, MSDC_INT, seen);
    if (!seen || (seen & MSDC_INT_CMDTMO)) {
        msdc_reset(m); /* a command that never finished may leave the state machine busy */
        return -E_TIMEDOUT;
    }
    if (seen & MSDC_INT_RSPCRCERR) {
        msdc_reset(m);
        return -E_IO;
    }
    for (unsigned i = 0; i < 4; i++)
        c->resp[i] = c->resp_type == MSDC_RESP_R2 || i == 0 ? msdc_read32(m, SDC_RESP0 + 4 * i) : 0;
    if (c->resp_type == MSDC_RESP_R1B)
        return msdc_wait_card_idle(m);
    return 0;
}

long msdc_wait_card_idle(struct msdc *m)
{
    return wait_bits(m, MSDC_PS, MSDC_PS_DAT0, MSDC_PS_DAT0, MSDC_TIMEOUT_BUSY_NS);
}

/* The data phase ended: 0 on XFER_COMPL, -E_IO on a data CRC error or the card's data timeout, -E_TIMEDOUT if
 * the controller says nothing. The controller is reset after an error, which empties its FIFO. */
static long data_end(struct msdc *m, uint32_t seen)
{
    msdc_write32(m, MSDC_INT, seen);
    if (seen & (MSDC_INT_DATCRCERR | MSDC_INT_DATTMO)) {
        msdc_reset(m);
        return -E_IO;
    }
    if (!(seen & MSDC_INT_XFER_COMPL)) {
        msdc_reset(m);
        return -E_TIMEDOUT;
    }
    return 0;
}

long msdc_pio_read(struct msdc *m, void *buf, size_t len)
{
    if (!m || (!buf && len) || len % 4)
        return -E_INVAL;
    uint8_t *p = buf;
    size_t done = 0;
    uint64_t start = msdc_now_ns();
    while (done < len) {
        uint32_t fifocs = msdc_read32(m, MSDC_FIFOCS);
        size_t avail = fifocs & MSDC_FIFOCS_RXCNT_MASK;
        if (avail >= 4) {
            /* buf has no particular alignment (blkdev.h): whole words from the FIFO, stored byte by byte. */
            for (; avail >= 4 && done < len; avail -= 4, done += 4) {
                uint32_t w = msdc_read32(m, MSDC_RXDATA);
                p[done] = (uint8_t)w;
                p[done + 1] = (uint8_t)(w >> 8);
                p[done + 2] = (uint8_t)(w >> 16);
                p[done + 3] = (uint8_t)(w >> 24);
            }
            start = msdc_now_ns(); /* the bound is on each stretch without progress */
            continue;
        }
        uint32_t err = msdc_read32(m, MSDC_INT) & (MSDC_INT_DATCRCERR | MSDC_INT_DATTMO);
        if (err)
            return data_end(m, err);
        if (msdc_now_ns() - start > MSDC_TIMEOUT_DATA_NS)
            return data_end(m, 0);
    }
    return data_end(m, wait_any(m, MSDC_INT, MSDC_INT_DATA_DONE, MSDC_TIMEOUT_DATA_NS));
}

long msdc_pio_write(struct msdc *m, const void *buf, size_t len)
{
    if (!m || (!buf && len) || len % 4)
        return -E_INVAL;
    const uint8_t *p = buf;
    size_t done = 0;
    uint64_t start = msdc_now_ns();
    while (done < len) {
        uint32_t queued = (msdc_read32(m, MSDC_FIFOCS) & MSDC_FIFOCS_TXCNT_MASK) >> MSDC_FIFOCS_TXCNT_SHIFT;
        if (queued + 4 <= MSDC_FIFO_SIZE) {
            size_t room = MSDC_FIFO_SIZE - queued;
            for (; room >= 4 && done < len; room -= 4, done += 4)
                msdc_write32(m, MSDC_TXDATA,
                             (uint32_t)p[done] | (uint32_t)p[done + 1] << 8 | (uint32_t)p[done + 2] << 16 |
                                 (uint32_t)p[done + 3] << 24);
            start = msdc_now_ns();
            continue;
        }
        uint32_t err = msdc_read32(m, MSDC_INT) & (MSDC_INT_DATCRCERR | MSDC_INT_DATTMO);
        if (err)
            return data_end(m, err);
        if (msdc_now_ns() - start > MSDC_TIMEOUT_DATA_NS)
            return data_end(m, 0);
    }
    long r = data_end(m, wait_any(m, MSDC_INT, MSDC_INT_DATA_DONE, MSDC_TIMEOUT_DATA_NS));
    if (r < 0)
        return r;
    return msdc_wait_card_idle(m); /* the card holds DAT0 low while it programs */
}
