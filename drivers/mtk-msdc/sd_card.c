/*
 * SD card identification and data transfer over msdc.c. Card states and commands from the SD Physical Layer
 * Simplified Specification ("PLS": §4.2 identification, §4.3 data transfer, §4.7.4 commands, §4.9 responses,
 * §4.10.1 card status); the sequence is bpi-r4.md §4's "SD card protocol".
 */
#include <wren/abi.h>

#include "msdc_io.h"
#include "card_cmd.h"
#include "sd_card.h"

#define SD_BLOCK 512u

/* OCR (PLS §5.1): busy bit 31 (set when power-up is done), CCS bit 30, the 2.7-3.6 V window 23:15. */
#define OCR_DONE     (1u << 31)
#define OCR_CCS      (1u << 30)
#define OCR_HCS      OCR_CCS /* in ACMD41's argument: the host supports high capacity */
#define OCR_VOLTAGES 0x00ff8000u

#define CMD8_CHECK 0x1aau /* VHS 2.7-3.6 V (1) and the check pattern 0xAA (PLS §4.3.13) */

#define CSD_PERM_WRITE_PROTECT 13
#define CSD_TMP_WRITE_PROTECT  12

#define SD_MAX_BLOCKS 0xffffu /* far above what blkdev asks at once; keeps n * 512 in 32 bits */

/* A command whose 48-bit answer is not card status (R3, R6, R7), or none, or an R2. */
long card_cmd_raw(struct sd_card *card, uint8_t index, uint32_t arg, enum msdc_resp type, uint32_t *resp)
{
    struct msdc_cmd c = {.index = index, .arg = arg, .resp_type = type};
    long r = msdc_command(card->host, &c);
    if (r < 0)
        return r;
    if (resp)
        for (unsigned i = 0; i < 4; i++)
            resp[i] = c.resp[i];
    return 0;
}

/* A command answered with card status (R1, R1b): its error bits make it fail. */
long card_cmd(struct sd_card *card, uint8_t index, uint32_t arg, enum msdc_resp type, uint32_t *resp)
{
    struct msdc_cmd c = {.index = index, .arg = arg, .resp_type = type};
    long r = msdc_command(card->host, &c);
    if (r < 0)
        return r;
    if (c.resp[0] & R1_ERRORS)
        return -E_IO;
    if (resp)
        for (unsigned i = 0; i < 4; i++)
            resp[i] = c.resp[i];
    return 0;
}

/* CMD55 then the application command (PLS §4.3.9): the card must acknowledge APP_CMD. */
static long app_cmd(struct sd_card *card, uint8_t index, uint32_t arg, enum msdc_resp type, uint32_t *resp)
{
    uint32_t st[4];
    long r = card_cmd(card, 55, (uint32_t)card->rca << 16, MSDC_RESP_R1, st);
    if (r < 0)
        return r;
    if (!(st[0] & R1_APP_CMD))
        return -E_IO;
    return type == MSDC_RESP_R3 ? card_cmd_raw(card, index, arg, type, resp) : card_cmd(card, index, arg, type, resp);
}

/* ACMD41 until the card reports power-up done (OCR bit 31), within PLS §4.2.3's second. *silent: the very first
 * CMD55 got no answer at all, which is what an eMMC device does (it has no application commands). */
static long wait_power_up(struct sd_card *card, bool *silent)
{
    uint32_t arg = OCR_VOLTAGES | (card->v2 ? OCR_HCS : 0);
    uint64_t start = msdc_now_ns();
    *silent = false;
    for (bool first = true;; first = false) {
        uint32_t ocr[4];
        long r = app_cmd(card, 41, arg, MSDC_RESP_R3, ocr);
        if (r == -E_TIMEDOUT && first)
            *silent = true;
        if (r < 0)
            return r;
        card->ocr = ocr[0];
        if (ocr[0] & OCR_DONE)
            break;
        if (msdc_now_ns() - start > SD_INIT_TIMEOUT_NS)
            return -E_TIMEDOUT;
    }
    if (!(card->ocr & OCR_VOLTAGES))
        return -E_NOTSUP; /* none of the voltages this board gives (3.3 V only, bpi-r4.md §4) */
    card->high_capacity = card->v2 && (card->ocr & OCR_CCS);
    return 0;
}

long sd_card_init(struct sd_card *card, struct msdc *host)
{
    if (!card || !host)
        return -E_INVAL;
    *card = (struct sd_card){.host = host};
    uint32_t r4[4];

    /* CMD0 puts a card back to 1 bit and identification speed: the controller too, for a second attempt. */
    long r = msdc_set_bus_width(host, 1);
    if (r == 0)
        r = msdc_set_clock(host, 400000);
    if (r < 0)
        return r;
    r = card_cmd_raw(card, 0, 0, MSDC_RESP_NONE, NULL); /* GO_IDLE_STATE */
    if (r < 0)
        return r;
    /* SEND_IF_COND: a v2 card echoes the pattern; a v1 card (or an MMC) does not answer at all. */
    r = card_cmd_raw(card, 8, CMD8_CHECK, MSDC_RESP_R1, r4) /* R7 */;
    if (r == 0) {
        if ((r4[0] & 0xfffu) != CMD8_CHECK)
            return -E_IO; /* unusable card (PLS §4.2.2): wrong voltage or a corrupted echo */
        card->v2 = true;
    } else if (r != -E_TIMEDOUT) {
        return r;
    }
    bool silent;
    r = wait_power_up(card, &silent);
    if (r < 0 && silent && !card->v2)
        return mmc_card_init(card); /* no SD card answered CMD8 or CMD55: try an eMMC device */
    if (r < 0)
        return r;
    r = card_cmd_raw(card, 2, 0, MSDC_RESP_R2, card->cid); /* ALL_SEND_CID: ready -> ident */
    if (r < 0)
        return r;
    /* SEND_RELATIVE_ADDR (R6: RCA in 31:16): ident -> stby; 0 is not an address, ask again (PLS §4.2.2). */
    for (int tries = 0; card->rca == 0; tries++) {
        if (tries == 3)
            return -E_IO;
        r = card_cmd_raw(card, 3, 0, MSDC_RESP_R1, r4); /* R6 */
        if (r < 0)
            return r;
        card->rca = (uint16_t)(r4[0] >> 16);
    }
    r = card_cmd_raw(card, 9, (uint32_t)card->rca << 16, MSDC_RESP_R2, card->csd); /* SEND_CSD */
    if (r < 0)
        return r;
    card->sectors = sd_csd_sectors(card->csd);
    if (card->sectors == 0)
        return -E_NOTSUP;
    card->write_protected = sd_bits(card->csd, CSD_PERM_WRITE_PROTECT, CSD_PERM_WRITE_PROTECT) ||
                            sd_bits(card->csd, CSD_TMP_WRITE_PROTECT, CSD_TMP_WRITE_PROTECT);
    r = card_cmd(card, 7, (uint32_t)card->rca << 16, MSDC_RESP_R1B, NULL); /* SELECT_CARD: stby -> tran */
    if (r < 0)
        return r;
    r = app_cmd(card, 6, 2, MSDC_RESP_R1, NULL); /* SET_BUS_WIDTH 4 bits (PLS §4.7.4 ACMD6) */
    if (r < 0)
        return r;
    r = msdc_set_bus_width(host, 4);
    if (r < 0)
        return r;
    if (!card->high_capacity) { /* SDSC: make the block length 512 (SDHC's is fixed) */
        r = card_cmd(card, 16, SD_BLOCK, MSDC_RESP_R1, NULL);
        if (r < 0)
            return r;
    }
    return msdc_set_clock(host, SD_DATA_HZ);
}

long sd_card_wait_ready(struct sd_card *card)
{
    if (!card || !card->host)
        return -E_INVAL;
    long r = msdc_wait_card_idle(card->host);
    if (r < 0)
        return r;
    uint64_t start = msdc_now_ns();
    for (;;) {
        uint32_t st[4];
        r = card_cmd(card, 13, (uint32_t)card->rca << 16, MSDC_RESP_R1, st); /* SEND_STATUS */
        if (r < 0)
            return r;
        if (R1_STATE(st[0]) == R1_STATE_TRAN && (st[0] & R1_READY_FOR_DATA))
            return 0;
        if (msdc_now_ns() - start > SD_STATUS_TIMEOUT_NS)
            return -E_TIMEDOUT;
    }
}

static long check_range(const struct sd_card *card, uint64_t lba, uint32_t n, const void *buf)
{
    if (!card || !card->host || !buf || n == 0 || n > SD_MAX_BLOCKS || lba >= card->sectors || n > card->sectors - lba)
        return -E_INVAL;
    return 0;
}

/* The card's address for a sector: blocks on SDHC/SDXC, bytes on SDSC (SDSC is under 4 GiB, so it fits). */
static uint32_t card_address(const struct sd_card *card, uint64_t lba)
{
    return card->high_capacity ? (uint32_t)lba : (uint32_t)(lba * SD_BLOCK);
}

/* Ends a multiple-block transfer (STOP_TRANSMISSION, R1b): even after a failed data phase, to put the card back
 * in the transfer state; the first error is the one reported. */
static long stop(struct sd_card *card, long data_result)
{
    long r = card_cmd(card, 12, 0, MSDC_RESP_R1B, NULL);
    return data_result < 0 ? data_result : r;
}

long sd_card_read(struct sd_card *card, uint64_t lba, uint32_t n, void *buf)
{
    long r = check_range(card, lba, n, buf);
    if (r < 0)
        return r;
    struct msdc_cmd c = {.index = n == 1 ? 17 : 18,
                         .arg = card_address(card, lba),
                         .resp_type = MSDC_RESP_R1,
                         .blocks = n,
                         .block_len = SD_BLOCK};
    r = msdc_command(card->host, &c);
    if (r < 0)
        return r;
    if (c.resp[0] & R1_ERRORS) {
        msdc_reset(card->host); /* the card refused and sends no data: end the controller's data phase */
        r = -E_IO;
    } else
        r = msdc_pio_read(card->host, buf, (size_t)n * SD_BLOCK);
    return n == 1 ? r : stop(card, r);
}

long sd_card_write(struct sd_card *card, uint64_t lba, uint32_t n, const void *buf)
{
    long r = check_range(card, lba, n, buf);
    if (r < 0)
        return r;
    if (card->write_protected)
        return -E_IO;
    struct msdc_cmd c = {.index = n == 1 ? 24 : 25,
                         .arg = card_address(card, lba),
                         .resp_type = MSDC_RESP_R1,
                         .blocks = n,
                         .block_len = SD_BLOCK,
                         .write = 1};
    r = msdc_command(card->host, &c);
    if (r < 0)
        return r;
    if (c.resp[0] & R1_ERRORS) {
        msdc_reset(card->host);
        r = -E_IO;
    } else
        r = msdc_pio_write(card->host, buf, (size_t)n * SD_BLOCK);
    if (n > 1)
        r = stop(card, r);
    if (r < 0)
        return r;
    return sd_card_wait_ready(card); /* programmed, and accepted: CMD13 reports no error */
}
