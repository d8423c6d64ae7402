/*
 * eMMC identification (JEDEC JESD84-B51 §6.4, "device identification mode", and §6.6 for the bus width): the BPI-R4
 * has its eMMC on the same MSDC0 as the SD slot (8-bit, bpi-r4.md §4), one or the other fitted. Default speed only
 * (at most 26 MHz, here 25 MHz): no HS200/HS400 and so no tuning.
 */
#include <wren/abi.h>

#include "card_cmd.h"
#include "msdc_io.h"
#include "sd_card.h"

#define MMC_OCR_SECTOR_MODE (2u << 29) /* access mode 10b in OCR 30:29: sector addressed (over 2 GB) */
#define MMC_OCR_ARG         (MMC_OCR_SECTOR_MODE | 0x00ff8080u) /* sector mode, 2.7-3.6 V and 1.70-1.95 V */
#define MMC_OCR_DONE        (1u << 31)
#define MMC_RCA             1u /* the host assigns it on eMMC (CMD3's argument) */

#define EXT_CSD_BUS_WIDTH     183 /* byte index in EXT_CSD; value 2 = 8 bits, SDR */
#define EXT_CSD_SEC_COUNT     212 /* 4 bytes, little-endian: the capacity of a sector-mode device in 512-byte sectors */
#define MMC_SWITCH_WRITE_BYTE (3u << 24)
#define R1_SWITCH_ERROR       (1u << 7)

#define CSD_PERM_WRITE_PROTECT 13
#define CSD_TMP_WRITE_PROTECT  12

/* A byte-mode device (at most 2 GB) has its size in the CSD, laid out as SD's v1 (JESD84 §7.3). */
static uint64_t csd_v1_sectors(const uint32_t csd[4])
{
    uint64_t c_size = sd_bits(csd, 73, 62), mult = sd_bits(csd, 49, 47), bl_len = sd_bits(csd, 83, 80);
    if (bl_len < 9 || bl_len > 11)
        return 0;
    return ((c_size + 1) << (mult + 2)) << (bl_len - 9);
}

static long read_ext_csd(struct sd_card *card, uint8_t ext[512])
{
    struct msdc_cmd c = {.index = 8, .resp_type = MSDC_RESP_R1, .blocks = 1, .block_len = 512};
    long r = msdc_command(card->host, &c);
    if (r < 0)
        return r;
    if (c.resp[0] & R1_ERRORS) {
        msdc_reset(card->host);
        return -E_IO;
    }
    return msdc_pio_read(card->host, ext, 512);
}

long mmc_card_init(struct sd_card *card)
{
    struct msdc *host = card->host;
    *card = (struct sd_card){.host = host, .mmc = true};
    long r = card_cmd_raw(card, 0, 0, MSDC_RESP_NONE, NULL); /* back to idle after the SD attempt */
    if (r < 0)
        return r;
    uint64_t start = msdc_now_ns();
    for (;;) { /* SEND_OP_COND until the busy bit says power-up is done: the device has 1 s */
        uint32_t ocr[4];
        r = card_cmd_raw(card, 1, MMC_OCR_ARG, MSDC_RESP_R3, ocr);
        if (r < 0)
            return r;
        card->ocr = ocr[0];
        if (ocr[0] & MMC_OCR_DONE)
            break;
        if (msdc_now_ns() - start > SD_INIT_TIMEOUT_NS)
            return -E_TIMEDOUT;
    }
    card->high_capacity = (card->ocr & (3u << 29)) == MMC_OCR_SECTOR_MODE;
    r = card_cmd_raw(card, 2, 0, MSDC_RESP_R2, card->cid);
    if (r < 0)
        return r;
    card->rca = MMC_RCA;
    r = card_cmd(card, 3, MMC_RCA << 16, MSDC_RESP_R1, NULL); /* SET_RELATIVE_ADDR */
    if (r < 0)
        return r;
    r = card_cmd_raw(card, 9, MMC_RCA << 16, MSDC_RESP_R2, card->csd);
    if (r < 0)
        return r;
    card->write_protected = sd_bits(card->csd, CSD_PERM_WRITE_PROTECT, CSD_PERM_WRITE_PROTECT) ||
                            sd_bits(card->csd, CSD_TMP_WRITE_PROTECT, CSD_TMP_WRITE_PROTECT);
    r = card_cmd(card, 7, MMC_RCA << 16, MSDC_RESP_R1B, NULL);
    if (r < 0)
        return r;
    static uint8_t ext[512];
    r = read_ext_csd(card, ext);
    if (r < 0)
        return r;
    if (card->high_capacity)
        card->sectors = (uint64_t)ext[EXT_CSD_SEC_COUNT] | (uint64_t)ext[EXT_CSD_SEC_COUNT + 1] << 8 |
                        (uint64_t)ext[EXT_CSD_SEC_COUNT + 2] << 16 | (uint64_t)ext[EXT_CSD_SEC_COUNT + 3] << 24;
    else
        card->sectors = csd_v1_sectors(card->csd);
    if (card->sectors == 0)
        return -E_NOTSUP;
    /* SWITCH: write byte BUS_WIDTH = 2 (8 bits); R1b, then the status says whether the device took it. */
    r = card_cmd(card, 6, MMC_SWITCH_WRITE_BYTE | EXT_CSD_BUS_WIDTH << 16 | 2u << 8, MSDC_RESP_R1B, NULL);
    if (r < 0)
        return r;
    uint32_t st[4];
    r = card_cmd(card, 13, MMC_RCA << 16, MSDC_RESP_R1, st);
    if (r < 0)
        return r;
    if (st[0] & R1_SWITCH_ERROR)
        return -E_IO;
    r = msdc_set_bus_width(host, 8);
    if (r < 0)
        return r;
    return msdc_set_clock(host, SD_DATA_HZ);
}
