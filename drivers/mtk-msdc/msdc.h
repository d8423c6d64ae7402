/*
 * The MSDC controller layer (msdc.c): reset, card clock, bus width, one command with its response, and the data
 * of a transfer moved through the FIFO by the CPU (PIO). Every wait is bounded in time (msdc_now_ns): a controller
 * or card that never answers gives -E_TIMEDOUT, never a hang. The card protocol is sd_card.c's.
 */
#ifndef MSDC_H
#define MSDC_H

#include <stddef.h>
#include <stdint.h>

struct msdc {
    volatile uint32_t *regs; /* the first register: mapped (guest) or the register model's (host) */
    uint32_t source_hz;      /* the clock MSDC divides: 400 MHz on MT7988 (bpi-r4.md §4, ⚠ 384 MHz in BL2) */
    uint32_t card_hz;        /* the card clock as last set, 0 before */
    unsigned bus_width;      /* 1, 4 or 8 */
};

/* What answer a command expects (the controller's RSPTYP). */
enum msdc_resp { MSDC_RESP_NONE, MSDC_RESP_R1, MSDC_RESP_R1B, MSDC_RESP_R2, MSDC_RESP_R3 };

/* The data of a command, if any: `blocks` blocks of `block_len` bytes, read or written by msdc_pio_* after. */
struct msdc_cmd {
    uint8_t index;
    uint32_t arg;
    enum msdc_resp resp_type;
    uint32_t blocks;    /* 0: no data */
    uint16_t block_len; /* 1..2048 when blocks != 0 */
    int write;          /* data goes to the card */
    uint32_t resp[4];   /* out: resp[0] the 32-bit answer; an R2's bits 127:96 in resp[3] */
};

/* Bounds of every wait (ns). A command's answer comes within 64 card clocks; these are generous. */
#define MSDC_TIMEOUT_RESET_NS 100000000ull  /* RST, FIFO CLR, CKSTB */
#define MSDC_TIMEOUT_CMD_NS   100000000ull  /* CMDBUSY free, then CMDRDY/CMDTMO/RSPCRCERR */
#define MSDC_TIMEOUT_DATA_NS  1000000000ull /* each FIFO chunk and XFER_COMPL */
#define MSDC_TIMEOUT_BUSY_NS  1000000000ull /* DAT0 high after R1b or a write (SD spec: 250 ms write, 1 s erase) */

/* Reset the controller and bring it up for SD/MMC in PIO mode, 1-bit bus, card clock 400 kHz. */
long msdc_init(struct msdc *m, volatile uint32_t *regs, uint32_t source_hz);
/* The controller's reset and both FIFOs emptied, interrupts cleared: after any error. */
long msdc_reset(struct msdc *m);
/* The fastest card clock not above hz the divider can make (mode 1 = source, div 0 = /2, div n = /4n). */
long msdc_set_clock(struct msdc *m, uint32_t hz);
/* The card clock msdc_set_clock(hz) would give, for the host tests and messages. */
uint32_t msdc_clock_for(uint32_t source_hz, uint32_t hz, uint32_t *mode, uint32_t *div);
/* 1, 4 or 8 bits (-E_INVAL otherwise); the card must have been told first (ACMD6, or CMD6 on eMMC). */
long msdc_set_bus_width(struct msdc *m, unsigned bits);
/*
 * Send one command and wait for its response: 0, -E_TIMEDOUT (no answer, or the controller stuck), -E_IO (response
 * CRC error), -E_INVAL (bad arguments). A command with data leaves the data phase to msdc_pio_read/msdc_pio_write.
 */
long msdc_command(struct msdc *m, struct msdc_cmd *c);
/* Move the data phase of the command just sent: exactly len bytes (a multiple of 4), then XFER_COMPL. */
long msdc_pio_read(struct msdc *m, void *buf, size_t len);
long msdc_pio_write(struct msdc *m, const void *buf, size_t len);
/* Wait until the card releases DAT0 (busy after R1b and while it programs written blocks). */
long msdc_wait_card_idle(struct msdc *m);

#endif
