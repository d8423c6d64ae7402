// The MSDC + SD card register model (msdc_model.h). Each register access is one step: countdowns (reset, clock
// stable, command latency, card busy) move, the card takes bytes from the TX FIFO and refills the RX FIFO.
#include "msdc_model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/mtk-msdc/msdc.h"
#include "../../drivers/mtk-msdc/msdc_io.h"

struct msdc_model *msdc_model_current;

#define REG(m, off) ((m)->regs[(off) / 4])

static void proto_error(struct msdc_model *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->last_error, sizeof m->last_error, fmt, ap);
    va_end(ap);
    m->protocol_errors++;
}

static void set_field(uint32_t reg[4], unsigned hi, unsigned lo, uint32_t v)
{
    for (unsigned b = lo; b <= hi; b++, v >>= 1) {
        reg[b / 32] &= ~(1u << (b % 32));
        reg[b / 32] |= (v & 1u) << (b % 32);
    }
}

void msdc_model_csd_v1(uint32_t csd[4], uint32_t c_size, uint32_t c_size_mult, uint32_t read_bl_len)
{
    memset(csd, 0, 16);
    set_field(csd, 127, 126, 0);
    set_field(csd, 83, 80, read_bl_len);
    set_field(csd, 73, 62, c_size);
    set_field(csd, 49, 47, c_size_mult);
    set_field(csd, 0, 0, 1); // bit 0 is always 1 (PLS §5.3.2)
}

void msdc_model_csd_v2(uint32_t csd[4], uint32_t c_size)
{
    memset(csd, 0, 16);
    set_field(csd, 127, 126, 1);
    set_field(csd, 83, 80, 9);
    set_field(csd, 69, 48, c_size);
    set_field(csd, 0, 0, 1);
}

void msdc_model_init(struct msdc_model *m, uint64_t blocks, bool high_capacity, bool v2)
{
    memset(m, 0, sizeof *m);
    m->source_hz = 400000000u;
    m->blocks = blocks;
    m->backed = blocks < MSDC_MODEL_MAX_BACKED ? blocks : MSDC_MODEL_MAX_BACKED;
    m->data = malloc(m->backed * 512);
    if (!m->data)
        abort();
    for (uint64_t b = 0; b < m->backed; b++)
        for (unsigned i = 0; i < 512; i++)
            m->data[b * 512 + i] = (uint8_t)(b * 7 + i + (b >> 8));
    m->high_capacity = high_capacity;
    m->v2 = v2;
    m->card_rca = 0xb368;
    m->polls_needed = 5;
    m->card_bus_width = 1;
    m->block_len = 512;
    m->fault.timeout_cmd = m->fault.crc_cmd = m->fault.silent_cmd = -1;
    m->fault.data_crc_block = m->fault.vanish_after_blocks = -1;
    m->cid[3] = 0x03534453; // an arbitrary manufacturer and name
    m->cid[2] = 0x55333247;
    if (high_capacity) {
        msdc_model_csd_v2(m->csd, (uint32_t)(blocks / 1024 - 1));
    } else {
        // The smallest block length and multiplier whose 12-bit C_SIZE gives the size exactly.
        bool made = false;
        for (unsigned bl = 9; bl <= 11 && !made; bl++)
            for (unsigned mult = 0; mult <= 7 && !made; mult++) {
                uint64_t unit = 1ull << (mult + 2 + bl - 9);
                if (blocks % unit == 0 && blocks / unit <= 4096) {
                    msdc_model_csd_v1(m->csd, (uint32_t)(blocks / unit - 1), mult, bl);
                    made = true;
                }
            }
        if (!made)
            abort();
    }
    REG(m, MSDC_PS) = MSDC_PS_DAT0;
    REG(m, MSDC_CFG) = MSDC_CFG_CKSTB;
    msdc_model_current = m;
}

void msdc_model_init_emmc(struct msdc_model *m, uint64_t blocks, bool sector_mode)
{
    msdc_model_init(m, sector_mode ? 4096 : blocks, false, false); // the CSD of a byte-mode size
    if (sector_mode) {
        free(m->data);
        msdc_model_init(m, blocks, true, false);
        msdc_model_csd_v1(m->csd, 0xfff, 7, 9); // a sector-mode device's CSD says "more than 2 GB" (C_SIZE all ones)
        set_field(m->csd, 127, 126, 3);         // CSD_STRUCTURE 3: "version coded in EXT_CSD"
    }
    m->mmc = true;
    m->high_capacity = sector_mode;
    for (unsigned i = 0; i < 4; i++)
        m->ext_csd[212 + i] = sector_mode ? (uint8_t)(blocks >> (8 * i)) : 0;
    m->ext_csd[192] = 8; // EXT_CSD_REV 1.8 (eMMC 5.1)
}

void msdc_model_free(struct msdc_model *m)
{
    free(m->data);
    m->data = NULL;
    if (msdc_model_current == m)
        msdc_model_current = NULL;
}

static unsigned card_clock(const struct msdc_model *m)
{
    uint32_t cfg = REG(m, MSDC_CFG);
    uint32_t mode = (cfg & MSDC_CFG_CKMOD_MASK) >> MSDC_CFG_CKMOD_SHIFT;
    uint32_t div = (cfg & MSDC_CFG_CKDIV_MASK) >> MSDC_CFG_CKDIV_SHIFT;
    if (mode == 1)
        return m->source_hz;
    return div == 0 ? m->source_hz / 2 : m->source_hz / (4 * div);
}

static unsigned controller_bus_width(const struct msdc_model *m)
{
    static const unsigned widths[4] = {1, 4, 8, 0};
    return widths[(REG(m, SDC_CFG) & SDC_CFG_BUSWIDTH_MASK) >> SDC_CFG_BUSWIDTH_SHIFT];
}

static bool card_present(const struct msdc_model *m)
{
    return m->state != CARD_GONE;
}

// A block has moved between the card and the FIFO: the faults keyed on block counts.
static bool block_moved(struct msdc_model *m)
{
    long n = m->blocks_moved++;
    if (m->fault.vanish_after_blocks >= 0 && n >= m->fault.vanish_after_blocks) {
        m->state = CARD_GONE;
        m->data_active = false;
        if (!m->fault.vanish_silent)
            REG(m, MSDC_INT) |= MSDC_INT_DATTMO;
        return false;
    }
    if (m->fault.data_crc_block >= 0 && n == m->fault.data_crc_block) {
        m->data_active = false;
        // A written block with a bad CRC is dropped (the card answers a negative CRC status); a single-block write
        // is over, a multiple one waits for CMD12. A read goes on sending until the controller stops listening.
        if (m->data_write && REG(m, SDC_BLK_NUM) == 1)
            m->state = CARD_TRAN;
        REG(m, MSDC_INT) |= MSDC_INT_DATCRCERR;
        return false;
    }
    return true;
}

static void finish_data(struct msdc_model *m)
{
    m->data_active = false;
    REG(m, MSDC_INT) |= MSDC_INT_XFER_COMPL;
    if (m->state == CARD_DATA && REG(m, SDC_BLK_NUM) == 1)
        m->state = CARD_TRAN; // a single block read ends by itself; a multiple one waits for CMD12
}

// One step of the data path: refill the RX FIFO from the card, or take the TX FIFO's bytes into the card.
static void data_step(struct msdc_model *m)
{
    if (!m->data_active || m->state == CARD_GONE)
        return;
    if (!m->data_write) {
        if (m->fifo_count == 0 && m->data_pos == m->data_total) {
            finish_data(m);
            return;
        }
        if (m->fifo_count == 0) { // a quarter block at a time (128 bytes), as the FIFO holds
            if (m->data_pos % 512 == 0 && !block_moved(m))
                return;
            uint64_t off = m->data_addr * 512 + m->data_pos;
            if (m->ext_csd_xfer)
                memcpy(m->fifo, m->ext_csd + m->data_pos, MSDC_FIFO_SIZE);
            else if (off < m->backed * 512)
                memcpy(m->fifo, m->data + off, MSDC_FIFO_SIZE);
            else
                memset(m->fifo, 0, MSDC_FIFO_SIZE); // past the backed part of a large card
            m->fifo_count = MSDC_FIFO_SIZE;
            m->data_pos += MSDC_FIFO_SIZE;
        }
        return;
    }
    // Writes: the card takes up to 32 bytes a step, so that the driver sees the FIFO fill up.
    unsigned take = m->fifo_count < 32 ? m->fifo_count : 32;
    if (take > 512 - m->wblock_fill)
        take = 512 - m->wblock_fill;
    if (m->busy_countdown)
        take = 0; // programming the last block
    memcpy(m->wblock + m->wblock_fill, m->fifo, take);
    memmove(m->fifo, m->fifo + take, m->fifo_count - take);
    m->fifo_count -= take;
    m->wblock_fill += take;
    if (m->wblock_fill == 512) {
        m->wblock_fill = 0;
        if (!block_moved(m))
            return;
        uint64_t off = m->data_addr * 512 + m->data_pos;
        if (off < m->backed * 512)
            memcpy(m->data + off, m->wblock, 512);
        m->data_pos += 512;
        m->busy_countdown = m->fault.busy_forever_after_write ? ~0u : 4;
        if (m->data_pos == m->data_total) {
            m->data_active = false;
            REG(m, MSDC_INT) |= MSDC_INT_XFER_COMPL;
            if (m->state == CARD_RCV)
                m->state = REG(m, SDC_BLK_NUM) == 1 ? CARD_PRG : CARD_RCV;
        }
    }
}

static void step(struct msdc_model *m)
{
    m->now_ns += 1000;
    m->accesses++;
    if (m->rst_countdown && !m->fault.stuck_reset && --m->rst_countdown == 0)
        REG(m, MSDC_CFG) &= ~MSDC_CFG_RST;
    if (m->clr_countdown && --m->clr_countdown == 0)
        REG(m, MSDC_FIFOCS) &= ~MSDC_FIFOCS_CLR;
    if (m->ckstb_countdown && !m->fault.stuck_clock && --m->ckstb_countdown == 0)
        REG(m, MSDC_CFG) |= MSDC_CFG_CKSTB;
    if (m->cmd_countdown && --m->cmd_countdown == 0) {
        REG(m, MSDC_INT) |= m->pending_int;
        m->pending_int = 0;
        if (!m->fault.stuck_cmdbusy)
            REG(m, SDC_STS) &= ~SDC_STS_CMDBUSY;
    }
    if (m->busy_countdown && m->busy_countdown != ~0u && --m->busy_countdown == 0 && m->state == CARD_PRG)
        m->state = CARD_TRAN;
    data_step(m);
    REG(m, MSDC_PS) = (REG(m, MSDC_PS) & ~MSDC_PS_DAT0) | (m->busy_countdown ? 0 : MSDC_PS_DAT0);
    REG(m, SDC_STS) = (REG(m, SDC_STS) & ~SDC_STS_SDCBUSY) | (m->data_active ? SDC_STS_SDCBUSY : 0);
    REG(m, MSDC_FIFOCS) = (REG(m, MSDC_FIFOCS) & MSDC_FIFOCS_CLR) |
                          (m->data_write ? (uint32_t)m->fifo_count << MSDC_FIFOCS_TXCNT_SHIFT : m->fifo_count);
}

static void controller_reset(struct msdc_model *m)
{
    m->data_active = false;
    m->fifo_count = 0;
    m->wblock_fill = 0;
    m->pending_int = 0;
    m->cmd_countdown = 0;
    if (!m->fault.stuck_cmdbusy)
        REG(m, SDC_STS) &= ~SDC_STS_CMDBUSY;
}

// The card's R1 status: current state (PLS §4.10.1) and READY_FOR_DATA.
static uint32_t card_status(const struct msdc_model *m)
{
    static const uint32_t code[] = {[CARD_IDLE] = 0, [CARD_READY] = 1, [CARD_IDENT] = 2, [CARD_STBY] = 3,
                                    [CARD_TRAN] = 4, [CARD_DATA] = 5,  [CARD_RCV] = 6,   [CARD_PRG] = 7};
    uint32_t s = code[m->state == CARD_GONE ? CARD_IDLE : m->state] << 9;
    if (m->state == CARD_TRAN && !m->busy_countdown)
        s |= 1u << 8;
    if (m->app)
        s |= 1u << 5;
    if (m->switch_error)
        s |= 1u << 7;
    return s;
}

static uint32_t expected_rsptyp(unsigned index, bool app, bool mmc)
{
    if (mmc && index == 1)
        return SDC_CMD_RSP_R3;
    if (mmc && index == 6)
        return SDC_CMD_RSP_R1B;
    if (app)
        return index == 41 ? SDC_CMD_RSP_R3 : SDC_CMD_RSP_R1;
    switch (index) {
    case 0: return SDC_CMD_RSP_NONE;
    case 2:
    case 9: return SDC_CMD_RSP_R2;
    case 7:
    case 12: return SDC_CMD_RSP_R1B;
    default: return SDC_CMD_RSP_R1;
    }
}

static bool start_data(struct msdc_model *m, uint32_t word, uint32_t arg, bool write, uint32_t *resp)
{
    unsigned index = word & 0x3f;
    uint32_t blk_len = (word & SDC_CMD_BLKLEN_MASK) >> SDC_CMD_BLKLEN_SHIFT;
    uint32_t dtype = (word >> SDC_CMD_DTYPE_SHIFT) & 3;
    uint32_t nblk = REG(m, SDC_BLK_NUM);
    bool multi = index == 18 || index == 25;
    m->ext_csd_xfer = false;
    if (blk_len != 512 || dtype != (multi ? SDC_CMD_DTYPE_MULTI : SDC_CMD_DTYPE_SINGLE) ||
        !!(word & SDC_CMD_WR) != write || nblk == 0 || (!multi && nblk != 1))
        proto_error(m, "CMD%u: data fields len %u dtype %u wr %u blocks %u", index, blk_len, dtype,
                    !!(word & SDC_CMD_WR), nblk);
    if (controller_bus_width(m) != m->card_bus_width)
        proto_error(m, "CMD%u: controller at %u bits, card at %u", index, controller_bus_width(m), m->card_bus_width);
    m->data_hz = card_clock(m);
    m->data_bus_width = controller_bus_width(m);
    uint64_t addr = arg;
    if (!m->high_capacity) {
        if (addr % 512) {
            *resp |= 1u << 30; // ADDRESS_ERROR
            return false;
        }
        addr /= 512;
    }
    if (addr + nblk > m->blocks) {
        *resp |= 1u << 31; // OUT_OF_RANGE
        return false;
    }
    if (write && (m->fault.write_protect_tmp || m->fault.write_protect_perm)) {
        *resp |= 1u << 26; // WP_VIOLATION
        return false;
    }
    m->data_active = true;
    m->data_write = write;
    m->data_addr = addr;
    m->data_pos = 0;
    m->data_total = (uint64_t)nblk * 512;
    m->fifo_count = 0;
    m->wblock_fill = 0;
    m->state = write ? CARD_RCV : CARD_DATA;
    return true;
}

// The commands an eMMC device answers differently from an SD card (JESD84-B51 §6.4, §6.10): 1 or 0 for an answer or
// none, -1 for "as an SD card".
static int mmc_command(struct msdc_model *m, uint32_t word, uint32_t arg, uint32_t resp[4], bool selected)
{
    unsigned index = word & 0x3f;
    switch (index) {
    case 55: return 0; // no application commands
    case 1:
        if (m->state != CARD_IDLE && m->state != CARD_READY)
            return 0;
        if (m->fault.never_ready || ++m->power_up_polls < m->polls_needed) {
            resp[0] = 0x00ff8080;
            return 1;
        }
        resp[0] = 0x80ff8080u | (m->high_capacity ? 2u << 29 : 0);
        m->state = CARD_READY;
        return 1;
    case 3:
        if (m->state != CARD_IDENT)
            return 0;
        m->rca = (uint16_t)(arg >> 16);
        resp[0] = card_status(m);
        m->state = CARD_STBY;
        return 1;
    case 8: // SEND_EXT_CSD: one 512-byte block
        if (m->state != CARD_TRAN)
            return 0;
        resp[0] = card_status(m);
        if ((REG(m, SDC_BLK_NUM) != 1) || ((word >> SDC_CMD_DTYPE_SHIFT) & 3) != SDC_CMD_DTYPE_SINGLE ||
            ((word & SDC_CMD_BLKLEN_MASK) >> SDC_CMD_BLKLEN_SHIFT) != 512)
            proto_error(m, "CMD8 (EXT_CSD) without one block of 512 bytes");
        m->data_active = true;
        m->data_write = false;
        m->ext_csd_xfer = true;
        m->data_addr = 0;
        m->data_pos = 0;
        m->data_total = 512;
        m->fifo_count = 0;
        m->state = CARD_DATA;
        return 1;
    case 6: { // SWITCH, write byte only
        if (m->state != CARD_TRAN)
            return 0;
        resp[0] = card_status(m);
        unsigned access = arg >> 24 & 3, byte = arg >> 16 & 0xff, value = arg >> 8 & 0xff;
        m->switch_error = m->fault.switch_refused || !(access == 3 && byte == 183 && value <= 2);
        if (!m->switch_error)
            m->card_bus_width = value == 2 ? 8 : value == 1 ? 4 : 1;
        m->busy_countdown = 5;
        return 1;
    }
    case 13:
        if (m->state < CARD_STBY || !selected)
            return 0;
        resp[0] = card_status(m);
        m->switch_error = false; // reported once
        return 1;
    default: (void)selected; return -1;
    }
}

// The card's answer to one command: false for none (the controller reports CMDTMO).
static bool card_command(struct msdc_model *m, uint32_t word, uint32_t arg, uint32_t resp[4])
{
    unsigned index = word & 0x3f;
    bool app = m->app;
    m->app = false;
    memset(resp, 0, 16);
    if (!card_present(m))
        return false;
    if (app)
        m->acmd_count[index]++;
    else
        m->cmd_count[index]++;
    uint32_t rsptyp = (word >> SDC_CMD_RSPTYP_SHIFT) & 7;
    if (rsptyp != expected_rsptyp(index, app, m->mmc))
        proto_error(m, "%sCMD%u sent with RSPTYP %u", app ? "A" : "", index, rsptyp);
    if (m->state <= CARD_STBY && card_clock(m) > m->max_ident_hz)
        m->max_ident_hz = card_clock(m);
    bool selected = (arg >> 16) == m->rca;
    if (m->mmc) {
        int handled = mmc_command(m, word, arg, resp, selected);
        if (handled >= 0)
            return handled;
    }
    if (app) {
        switch (index) {
        case 41:
            if (m->state != CARD_IDLE && m->state != CARD_READY)
                return false;
            if (m->fault.never_ready || ++m->power_up_polls < m->polls_needed) {
                resp[0] = 0x00ff8000;
                return true;
            }
            if (m->high_capacity && !(arg & (1u << 30))) {
                resp[0] = 0x00ff8000; // an SDHC/SDXC card never gets ready for a host without HCS (PLS §4.2.3.1)
                return true;
            }
            resp[0] = 0x80ff8000u | (m->high_capacity ? 1u << 30 : 0);
            m->state = CARD_READY;
            return true;
        case 6:
            if (m->state != CARD_TRAN)
                return false;
            m->card_bus_width = (arg & 3) == 2 ? 4 : 1;
            resp[0] = card_status(m);
            return true;
        default: return false;
        }
    }
    switch (index) {
    case 0:
        m->state = CARD_IDLE;
        m->rca = 0;
        m->power_up_polls = 0;
        m->card_bus_width = 1;
        return true;
    case 8:
        if (m->state != CARD_IDLE || !m->v2)
            return false;
        resp[0] = m->fault.bad_cmd8_echo ? (arg & 0xf00) | 0x55 : arg & 0xfff;
        return true;
    case 55:
        if (m->state >= CARD_STBY && !selected)
            return false;
        m->app = true;
        resp[0] = card_status(m);
        return true;
    case 2:
        if (m->state != CARD_READY)
            return false;
        memcpy(resp, m->cid, 16);
        m->state = CARD_IDENT;
        return true;
    case 3:
        if (m->state != CARD_IDENT && m->state != CARD_STBY)
            return false;
        m->state = CARD_STBY;
        if (m->fault.rca_zero_first && m->cmd_count[3] == 1)
            m->rca = 0;
        else
            m->rca = m->card_rca;
        resp[0] = (uint32_t)m->rca << 16 | (card_status(m) & 0x1fffu);
        return true;
    case 9:
        if (m->state != CARD_STBY || !selected)
            return false;
        memcpy(resp, m->csd, 16);
        if (m->fault.write_protect_tmp)
            resp[0] |= 1u << 12;
        if (m->fault.write_protect_perm)
            resp[0] |= 1u << 13;
        return true;
    case 7:
        if (!selected) {
            if (m->state == CARD_TRAN)
                m->state = CARD_STBY;
            return false;
        }
        if (m->state != CARD_STBY)
            return false;
        resp[0] = card_status(m);
        m->state = CARD_TRAN;
        m->busy_countdown = 3;
        return true;
    case 13:
        if (m->state < CARD_STBY || !selected)
            return false;
        resp[0] = card_status(m);
        return true;
    case 16:
        if (m->state != CARD_TRAN)
            return false;
        resp[0] = card_status(m) | (arg != 512 ? 1u << 29 : 0);
        if (arg == 512)
            m->block_len = arg;
        return true;
    case 17:
    case 18:
    case 24:
    case 25:
        if (m->state != CARD_TRAN)
            return false;
        resp[0] = card_status(m);
        start_data(m, word, arg, index >= 24, &resp[0]);
        return true;
    case 12:
        if (!(word & SDC_CMD_STOP))
            proto_error(m, "CMD12 without the STOP bit");
        if (m->state != CARD_DATA && m->state != CARD_RCV)
            return false;
        resp[0] = card_status(m);
        if (m->state == CARD_RCV) {
            m->state = CARD_PRG;
            if (!m->busy_countdown)
                m->busy_countdown = 2;
        } else {
            m->state = CARD_TRAN;
        }
        m->data_active = false;
        return true;
    default: return false; // an illegal command gets no answer (PLS §4.6.1)
    }
}

static void start_command(struct msdc_model *m, uint32_t word)
{
    if (REG(m, SDC_STS) & SDC_STS_CMDBUSY)
        proto_error(m, "SDC_CMD written while CMDBUSY");
    unsigned index = word & 0x3f;
    bool app = m->app;
    REG(m, SDC_STS) |= SDC_STS_CMDBUSY;
    m->cmd_countdown = 3;
    if (index == (unsigned)m->fault.silent_cmd) {
        m->pending_int = 0; // the controller stays busy and says nothing
        m->cmd_countdown = 0;
        return;
    }
    uint32_t resp[4];
    bool answered = false;
    if (index == (unsigned)m->fault.timeout_cmd && app == m->fault.timeout_app)
        m->app = false; // the card never heard it
    else
        answered = card_command(m, word, REG(m, SDC_ARG), resp);
    if (!answered) {
        m->pending_int = MSDC_INT_CMDTMO;
        return;
    }
    for (unsigned i = 0; i < 4; i++)
        REG(m, SDC_RESP0 + 4 * i) = resp[i];
    m->pending_int =
        index == (unsigned)m->fault.crc_cmd && app == m->fault.crc_app ? MSDC_INT_RSPCRCERR : MSDC_INT_CMDRDY;
}

uint32_t msdc_read32(struct msdc *d, unsigned off)
{
    struct msdc_model *m = msdc_model_current;
    if (!m || d->regs != m->regs || off % 4 || off >= MSDC_REGS_SIZE) {
        fprintf(stderr, "msdc model: read of 0x%x outside the model\n", off);
        abort();
    }
    step(m);
    if (off == MSDC_RXDATA) {
        if (m->data_write || m->fifo_count < 4) {
            proto_error(m, "RXDATA read with %u bytes in the FIFO", m->fifo_count);
            return 0;
        }
        uint32_t w =
            (uint32_t)m->fifo[0] | (uint32_t)m->fifo[1] << 8 | (uint32_t)m->fifo[2] << 16 | (uint32_t)m->fifo[3] << 24;
        memmove(m->fifo, m->fifo + 4, m->fifo_count - 4);
        m->fifo_count -= 4;
        REG(m, MSDC_FIFOCS) = (REG(m, MSDC_FIFOCS) & ~MSDC_FIFOCS_RXCNT_MASK) | m->fifo_count;
        return w;
    }
    return REG(m, off);
}

void msdc_write32(struct msdc *d, unsigned off, uint32_t v)
{
    struct msdc_model *m = msdc_model_current;
    if (!m || d->regs != m->regs || off % 4 || off >= MSDC_REGS_SIZE) {
        fprintf(stderr, "msdc model: write of 0x%x outside the model\n", off);
        abort();
    }
    step(m);
    switch (off) {
    case MSDC_CFG: {
        uint32_t old = REG(m, MSDC_CFG);
        uint32_t clk = MSDC_CFG_CKDIV_MASK | MSDC_CFG_CKMOD_MASK;
        REG(m, MSDC_CFG) = (v & ~MSDC_CFG_CKSTB) | (old & MSDC_CFG_CKSTB);
        if ((v ^ old) & clk) {
            REG(m, MSDC_CFG) &= ~MSDC_CFG_CKSTB;
            m->ckstb_countdown = 5;
        }
        if (v & MSDC_CFG_RST) {
            controller_reset(m);
            m->rst_countdown = 3;
        }
        break;
    }
    case MSDC_INT: REG(m, MSDC_INT) &= ~v; break;
    case MSDC_FIFOCS:
        if (v & MSDC_FIFOCS_CLR) {
            m->fifo_count = 0;
            REG(m, MSDC_FIFOCS) = MSDC_FIFOCS_CLR;
            m->clr_countdown = 2;
        }
        break;
    case MSDC_TXDATA:
        if (!m->data_active || !m->data_write || m->fifo_count + 4 > MSDC_FIFO_SIZE) {
            proto_error(m, "TXDATA written with %u bytes queued (data %s)", m->fifo_count,
                        m->data_active ? "active" : "idle");
            break;
        }
        for (unsigned i = 0; i < 4; i++)
            m->fifo[m->fifo_count++] = (uint8_t)(v >> (8 * i));
        break;
    case MSDC_RXDATA:
    case SDC_STS:
    case SDC_RESP0:
    case SDC_RESP0 + 4:
    case SDC_RESP0 + 8:
    case SDC_RESP0 + 12: break; // read-only
    case SDC_CMD:
        REG(m, SDC_CMD) = v;
        start_command(m, v);
        break;
    default: REG(m, off) = v;
    }
}

uint64_t msdc_now_ns(void)
{
    struct msdc_model *m = msdc_model_current;
    if (!m)
        return 0;
    m->now_ns += 100; // reading the clock takes time too, so a loop on it alone still ends
    return m->now_ns;
}
