/* An initialised SD card as a struct blkdev (msdc_blk.c), for blkdev_serve (drivers/lib/blkserve.c). */
#ifndef MSDC_BLK_H
#define MSDC_BLK_H

#include <wren/blkdev.h>

#include "sd_card.h"

#define MSDC_BLK_MAX_SECTORS 128u /* 64 KiB per call: one CMD18/CMD25 each */

/* Fill d for the card (which stays the caller's and must outlive d). */
void msdc_blk_init(struct blkdev *d, struct sd_card *card);

#endif
