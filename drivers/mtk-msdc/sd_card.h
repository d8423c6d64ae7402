/*
 * An SD memory card on an MSDC controller (sd_card.c): identification and set-up to the transfer state, then
 * reads and writes of 512-byte blocks. The steps and fields follow the SD Physical Layer Simplified Specification
 * (cited "PLS" with its section numbers, version 9.00) as ../shared/docs/hardware/bpi-r4.md §4 summarises it.
 */
#ifndef SD_CARD_H
#define SD_CARD_H

#include <stdbool.h>
#include <stdint.h>

#include "msdc.h"

/* An SD card, or an eMMC device (mmc: mmc_card.c brought it up; the transfers are the same commands). */
struct sd_card {
    struct msdc *host;
    bool mmc;             /* an eMMC device (JEDEC JESD84), not an SD card */
    bool v2;              /* answered CMD8 (PLS §4.3.13): physical layer 2.00 or later */
    bool high_capacity;   /* block addressed: OCR CCS (SDHC/SDXC) or eMMC sector mode; else byte addressed */
    uint16_t rca;         /* relative card address from CMD3 */
    uint32_t ocr;         /* the last ACMD41 answer */
    uint32_t cid[4];      /* cid[3] = bits 127:96 */
    uint32_t csd[4];      /* csd[3] = bits 127:96 */
    uint64_t sectors;     /* 512-byte sectors, from the CSD */
    bool write_protected; /* CSD PERM_WRITE_PROTECT or TMP_WRITE_PROTECT */
};

/* Bounds on the protocol's own waits. */
#define SD_INIT_TIMEOUT_NS   1000000000ull /* ACMD41 until ready: PLS §4.2.3 gives the card 1 s */
#define SD_STATUS_TIMEOUT_NS 1000000000ull

#define SD_DATA_HZ 25000000u /* default speed (PLS §4.3.2 ... 25 MHz); high speed (CMD6) is not done */

/* Identify the card and bring it to the transfer state at 4 bits and SD_DATA_HZ: 0 or a negative E_* code
 * (-E_TIMEDOUT: a step got no answer, -E_IO: a bad answer, -E_NOTSUP: a card this driver does not drive). */
long sd_card_init(struct sd_card *card, struct msdc *host);
/* The eMMC path of sd_card_init, after CMD0/CMD8/CMD55 found no SD card (mmc_card.c): CMD0, CMD1 until ready,
 * CMD2, CMD3, CMD9, CMD7, EXT_CSD (CMD8) for SEC_COUNT, 8-bit bus (CMD6 SWITCH), 25 MHz. */
long mmc_card_init(struct sd_card *card);
/* Read or write n >= 1 sectors at lba (inside the card): 0, -E_INVAL, -E_IO or -E_TIMEDOUT. */
long sd_card_read(struct sd_card *card, uint64_t lba, uint32_t n, void *buf);
long sd_card_write(struct sd_card *card, uint64_t lba, uint32_t n, const void *buf);
/* Wait until the card has finished programming and is back in the transfer state (CMD13). */
long sd_card_wait_ready(struct sd_card *card);

/* The CSD (PLS §5.3): its capacity in 512-byte sectors, 0 for a structure this driver does not know. */
uint64_t sd_csd_sectors(const uint32_t csd[4]);
/* Bits hi..lo (at most 32 of them) of a 128-bit register held as four words, word 3 = bits 127:96. */
uint32_t sd_bits(const uint32_t reg[4], unsigned hi, unsigned lo);

#endif
