/*
 * What sd_card.c and mmc_card.c share: one command with its answer, and the card status bits of an R1 answer
 * (SD Physical Layer Simplified Specification §4.10.1; JEDEC eMMC's "device status" has the same layout for these).
 */
#ifndef CARD_CMD_H
#define CARD_CMD_H

#include <stdint.h>

#include "msdc.h"
#include "sd_card.h"

/* Card status bits (PLS §4.10.1, table 4-42) that mean the command failed. */
#define R1_OUT_OF_RANGE       (1u << 31)
#define R1_ADDRESS_ERROR      (1u << 30)
#define R1_BLOCK_LEN_ERROR    (1u << 29)
#define R1_ERASE_SEQ_ERROR    (1u << 28)
#define R1_ERASE_PARAM        (1u << 27)
#define R1_WP_VIOLATION       (1u << 26)
#define R1_LOCK_UNLOCK_FAILED (1u << 24)
#define R1_COM_CRC_ERROR      (1u << 23)
#define R1_ILLEGAL_COMMAND    (1u << 22)
#define R1_CARD_ECC_FAILED    (1u << 21)
#define R1_CC_ERROR           (1u << 20)
#define R1_ERROR              (1u << 19)
#define R1_ERRORS                                                                                                      \
    (R1_OUT_OF_RANGE | R1_ADDRESS_ERROR | R1_BLOCK_LEN_ERROR | R1_ERASE_SEQ_ERROR | R1_ERASE_PARAM | R1_WP_VIOLATION | \
     R1_LOCK_UNLOCK_FAILED | R1_COM_CRC_ERROR | R1_ILLEGAL_COMMAND | R1_CARD_ECC_FAILED | R1_CC_ERROR | R1_ERROR)
#define R1_STATE(s)       (((s) >> 9) & 0xfu)
#define R1_STATE_TRAN     4u
#define R1_READY_FOR_DATA (1u << 8)
#define R1_APP_CMD        (1u << 5)
/* A command whose answer is not card status (R2, R3, R6, R7) or that has none: 0 or a negative E_* code. */
long card_cmd_raw(struct sd_card *card, uint8_t index, uint32_t arg, enum msdc_resp type, uint32_t *resp);
/* A command answered with card status (R1, R1b): its error bits make it fail with -E_IO. resp may be NULL. */
long card_cmd(struct sd_card *card, uint8_t index, uint32_t arg, enum msdc_resp type, uint32_t *resp);

#endif
