// A register model of the MediaTek MSDC controller with one SD card behind it, for test_msdc.c. It implements the
// driver's msdc_read32/msdc_write32/msdc_now_ns (drivers/mtk-msdc/msdc_io.h under WREN_HOST_TEST); the clock moves
// 1 us per register access, so a driver that polls a bit that never changes reaches its timeout in a bounded number
// of accesses. What the registers and the card do follows ../shared/docs/hardware/bpi-r4.md §4 ([UB-sd]) and the SD
// Physical Layer Simplified Specification; drivers/README.md (## mtk-msdc) says what only a board can confirm.
#ifndef WREN_TESTS_MSDC_MODEL_H
#define WREN_TESTS_MSDC_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "../../drivers/mtk-msdc/msdc_regs.h"

#define MSDC_MODEL_MAX_BACKED 65536u // 32 MiB of a larger card is kept

enum model_card_state {
    CARD_IDLE,
    CARD_READY,
    CARD_IDENT,
    CARD_STBY,
    CARD_TRAN,
    CARD_DATA,
    CARD_RCV,
    CARD_PRG,
    CARD_GONE
};

struct msdc_model_faults {
    bool never_ready; // ACMD41 never reports power-up done
    int timeout_cmd;  // this command index never answers (CMDTMO); -1 none
    bool timeout_app; // ... only as an application command (after CMD55) / only as a plain one
    int crc_cmd;      // this command's response has a CRC error (RSPCRCERR); -1 none
    bool crc_app;
    int silent_cmd;      // the controller never reports on this command (no CMDRDY, no CMDTMO); -1 none
    long data_crc_block; // the n-th block moved (from 0, counted over the model's life) has a data CRC error; -1 none
    long vanish_after_blocks; // the card is pulled after this many blocks: data stops, DATTMO, commands time out; -1
                              // none
    bool vanish_silent;       // ... and the controller does not even report DATTMO
    bool stuck_reset;         // MSDC_CFG.RST never clears
    bool stuck_clock;         // MSDC_CFG.CKSTB never sets
    bool stuck_cmdbusy;       // SDC_STS.CMDBUSY stays set
    bool busy_forever_after_write; // DAT0 stays low after a written block
    bool write_protect_tmp;        // CSD TMP_WRITE_PROTECT
    bool write_protect_perm;       // CSD PERM_WRITE_PROTECT
    bool rca_zero_first;           // the first CMD3 answers RCA 0 (the host must ask again)
    bool bad_cmd8_echo;            // CMD8 echoes a different check pattern
    bool switch_refused;           // eMMC: CMD6 SWITCH fails (SWITCH_ERROR in the next status)
};

struct msdc_model {
    uint32_t regs[MSDC_REGS_SIZE / 4]; // first: the driver's struct msdc points here
    uint64_t now_ns;
    uint64_t accesses;
    uint32_t source_hz;

    // Controller state behind the registers.
    unsigned rst_countdown, clr_countdown, ckstb_countdown, cmd_countdown;
    uint32_t pending_int;
    uint8_t fifo[MSDC_FIFO_SIZE];
    unsigned fifo_count; // bytes in the FIFO (rx: waiting for the CPU; tx: not yet taken by the card)
    bool data_active, data_write;
    uint64_t data_addr;            // the transfer's first block on the card
    uint64_t data_pos, data_total; // bytes moved between card and FIFO so far, and BLK_NUM x 512
    uint8_t wblock[512];
    unsigned wblock_fill;
    unsigned busy_countdown; // DAT0 low for this many more accesses

    // The card.
    enum model_card_state state;
    bool v2, high_capacity, app;
    bool mmc; // an eMMC device: CMD1, host-assigned RCA, EXT_CSD, CMD6 SWITCH; no CMD55
    uint8_t ext_csd[512];
    bool ext_csd_xfer; // the data being read is EXT_CSD, not blocks
    bool switch_error; // the last CMD6 was refused (reported by the next status)
    uint16_t rca, card_rca;
    unsigned power_up_polls, polls_needed;
    unsigned card_bus_width;
    uint32_t block_len;
    uint32_t cid[4], csd[4];
    uint8_t *data; // the card's contents: its first `backed` blocks (reads past them give zeros)
    uint64_t blocks, backed;
    long blocks_moved; // over the model's life, for the faults

    struct msdc_model_faults fault;

    // What the driver did, for the tests to check.
    unsigned cmd_count[64];
    unsigned acmd_count[64];
    unsigned protocol_errors; // a command word that does not fit the command, a FIFO over/underrun, ...
    char last_error[160];
    unsigned max_ident_hz;   // the fastest card clock a command was sent at before the card was selected
    unsigned data_hz;        // the card clock at the last data transfer
    unsigned data_bus_width; // the controller's bus width at the last data transfer
};

// A model of a card of `blocks` 512-byte blocks: SDHC (CSD v2) if high_capacity, else SDSC (CSD v1, read_bl_len
// 9..11 chosen so that the size is exact), a v2 card (answers CMD8) if v2. Contents: a pattern of the block number.
void msdc_model_init(struct msdc_model *m, uint64_t blocks, bool high_capacity, bool v2);
// An eMMC device of `blocks` sectors: sector mode with EXT_CSD SEC_COUNT if sector_mode, else byte mode with the
// size in a CSD laid out as SD's v1.
void msdc_model_init_emmc(struct msdc_model *m, uint64_t blocks, bool sector_mode);
void msdc_model_free(struct msdc_model *m);
// Set a CSD v1 from its fields directly (for capacity tests of sizes msdc_model_init does not make).
void msdc_model_csd_v1(uint32_t csd[4], uint32_t c_size, uint32_t c_size_mult, uint32_t read_bl_len);
void msdc_model_csd_v2(uint32_t csd[4], uint32_t c_size);
// The model the driver's accessors reach (one at a time).
extern struct msdc_model *msdc_model_current;

#endif
