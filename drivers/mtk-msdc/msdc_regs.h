/*
 * MediaTek MSDC (MT7988 MSDC0, `mediatek,mt7988-mmc`, 0x11230000, SPI 143) register offsets and bits, as
 * ../shared/docs/hardware/bpi-r4.md §4 lists them from U-Boot's mtk-sd.c [UB-sd] (struct mtk_sd_regs and the bit
 * definitions). Only what this driver touches; nothing here was checked on a board (bpi-r4.md "Not confirmed").
 */
#ifndef MSDC_REGS_H
#define MSDC_REGS_H

#define MSDC_CFG             0x00
#define MSDC_CFG_MODE        (1u << 0) /* SD/MMC mode (the controller also does MS) */
#define MSDC_CFG_CKPDN       (1u << 1) /* card clock power-down control: set = clock runs freely */
#define MSDC_CFG_RST         (1u << 2) /* controller reset, clears itself when done */
#define MSDC_CFG_PIO         (1u << 3) /* data through RXDATA/TXDATA rather than DMA */
#define MSDC_CFG_CKSTB       (1u << 7) /* card clock stable after a change of divider or mode */
#define MSDC_CFG_CKDIV_SHIFT 8         /* CKDIV_EXT 19:8 (MT7986-style 12-bit divider) */
#define MSDC_CFG_CKDIV_MASK  (0xfffu << 8)
#define MSDC_CFG_CKMOD_SHIFT 20 /* CKMOD_EXT 21:20: 0 divided, 1 = source clock */
#define MSDC_CFG_CKMOD_MASK  (3u << 20)

#define MSDC_IOCON    0x04
#define MSDC_PS       0x08
#define MSDC_PS_CDEN  (1u << 0)  /* card-detect enable */
#define MSDC_PS_CDSTS (1u << 1)  /* card-detect status */
#define MSDC_PS_DAT0  (1u << 16) /* DAT0 line level: low while the card is busy (R1b, programming) */

#define MSDC_INT            0x0c /* write 1 to clear */
#define MSDC_INTEN          0x10
#define MSDC_INT_CMDRDY     (1u << 8)
#define MSDC_INT_CMDTMO     (1u << 9)
#define MSDC_INT_RSPCRCERR  (1u << 10)
#define MSDC_INT_XFER_COMPL (1u << 12)
#define MSDC_INT_DATTMO     (1u << 14)
#define MSDC_INT_DATCRCERR  (1u << 15)
#define MSDC_INT_CMD_DONE   (MSDC_INT_CMDRDY | MSDC_INT_CMDTMO | MSDC_INT_RSPCRCERR)
#define MSDC_INT_DATA_DONE  (MSDC_INT_XFER_COMPL | MSDC_INT_DATTMO | MSDC_INT_DATCRCERR)

#define MSDC_FIFOCS             0x14
#define MSDC_FIFOCS_RXCNT_MASK  0xffu /* bytes waiting in the receive FIFO */
#define MSDC_FIFOCS_TXCNT_SHIFT 16    /* bytes still queued in the transmit FIFO, 23:16 */
#define MSDC_FIFOCS_TXCNT_MASK  (0xffu << 16)
#define MSDC_FIFOCS_CLR         (1u << 31) /* empty both FIFOs, clears itself when done */
#define MSDC_FIFO_SIZE          128u

#define MSDC_TXDATA 0x18
#define MSDC_RXDATA 0x1c

#define SDC_CFG                0x30
#define SDC_CFG_BUSWIDTH_SHIFT 16 /* 17:16: 0 = 1 bit, 1 = 4 bits, 2 = 8 bits */
#define SDC_CFG_BUSWIDTH_MASK  (3u << 16)
#define SDC_CFG_DTOC_SHIFT     24 /* data timeout, 31:24, in units of 2^20 card clocks */
#define SDC_CFG_DTOC_MASK      (0xffu << 24)

#define SDC_CMD              0x34 /* writing it starts the command */
#define SDC_CMD_RSPTYP_SHIFT 7
#define SDC_CMD_RSP_NONE     0u
#define SDC_CMD_RSP_R1       1u /* also R5, R6, R7 */
#define SDC_CMD_RSP_R2       2u
#define SDC_CMD_RSP_R3       3u /* also R4 */
#define SDC_CMD_RSP_R1B      7u
#define SDC_CMD_DTYPE_SHIFT  11
#define SDC_CMD_DTYPE_SINGLE 1u
#define SDC_CMD_DTYPE_MULTI  2u
#define SDC_CMD_WR           (1u << 13)
#define SDC_CMD_STOP         (1u << 14) /* the command is CMD12 */
#define SDC_CMD_BLKLEN_SHIFT 16         /* 27:16 */
#define SDC_CMD_BLKLEN_MASK  (0xfffu << 16)

#define SDC_ARG         0x38
#define SDC_STS         0x3c
#define SDC_STS_SDCBUSY (1u << 0)
#define SDC_STS_CMDBUSY (1u << 1)
#define SDC_RESP0       0x40 /* RESP0..3 at 0x40..0x4c; an R2 has bits 127:96 in RESP3 */
#define SDC_BLK_NUM     0x50

#define MSDC_PATCH_BIT0         0xb0
#define MSDC_PATCH_BIT1         0xb4
/* U-Boot's vendor defaults for these two [UB-sd msdc_init_hw]; what each bit does is undocumented. */
#define MSDC_PATCH_BIT0_DEFAULT 0x403c0046u
#define MSDC_PATCH_BIT1_DEFAULT 0xffff4089u

#define MSDC_REGS_SIZE 0x230 /* through SDC_FIFO_CFG at 0x228 */

#endif
