/*
 * The blkdev glue: blkserve checks ranges and sizes (wren/blkdev.h); every device failure, a timeout included,
 * becomes E_IO for that one request, as the disk scheme contract asks, and the card is tried again on the next.
 * The controller does one command at a time, so the callbacks take one lock: a serving layer that calls them from
 * several threads gets them one after another.
 */
#include <pthread.h>
#include <wren/abi.h>

#include "msdc_blk.h"

static long as_blkdev_result(long r)
{
    return r == -E_INVAL ? r : r < 0 ? -E_IO : 0;
}

static pthread_mutex_t controller_lock = PTHREAD_MUTEX_INITIALIZER; /* one MSDC0, one card */

static long blk_read(struct blkdev *d, uint64_t lba, uint32_t n, void *buf)
{
    if (!d || n > d->max_sectors)
        return -E_INVAL;
    pthread_mutex_lock(&controller_lock);
    long r = sd_card_read(d->ctx, lba, n, buf);
    pthread_mutex_unlock(&controller_lock);
    return as_blkdev_result(r);
}

static long blk_write(struct blkdev *d, uint64_t lba, uint32_t n, const void *buf)
{
    if (!d || n > d->max_sectors)
        return -E_INVAL;
    pthread_mutex_lock(&controller_lock);
    long r = sd_card_write(d->ctx, lba, n, buf);
    pthread_mutex_unlock(&controller_lock);
    return as_blkdev_result(r);
}

/* sd_card_write returns once the card has programmed the blocks and reported no error (CMD13), and an SD card's
 * own cache (PLS §4.17, off unless enabled) is never turned on: so flush only checks the card is idle. */
static long blk_flush(struct blkdev *d)
{
    if (!d)
        return -E_INVAL;
    pthread_mutex_lock(&controller_lock);
    long r = sd_card_wait_ready(d->ctx);
    pthread_mutex_unlock(&controller_lock);
    return as_blkdev_result(r);
}

void msdc_blk_init(struct blkdev *d, struct sd_card *card)
{
    *d = (struct blkdev){
        .name = "mtk-msdc",
        .sectors = card->sectors,
        .max_sectors = MSDC_BLK_MAX_SECTORS,
        .read_only = card->write_protected,
        .ctx = card,
        .read = blk_read,
        .write = blk_write,
        .flush = blk_flush,
    };
}
