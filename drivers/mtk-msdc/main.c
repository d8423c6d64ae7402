/*
 * mtk-msdc -d | mtk-msdc -i: the MediaTek MSDC SD card driver for the BPI-R4 (MT7988 MSDC0, `mediatek,mt7988-mmc`,
 * 0x11230000, ../shared/docs/hardware/bpi-r4.md §4). `-d` brings the card up and serves it as the scheme `disk`
 * (drivers/lib/blkserve.c: /scheme/disk/0 and its partitions); `-i` brings it up, prints what it found and reads
 * sector 0, for bring-up on a board. Both need the privilege (init, what init forks). On a machine without the
 * controller (QEMU virt) it exits 1 at once, silently, so that init may start it anywhere.
 *
 * Polled PIO only: the interrupt (SPI 143) is not taken. The clocks and pins are left as U-Boot set them.
 */
#include <stdio.h>
#include <string.h>
#include <wren/blkdev.h>
#include <wren/driver.h>

#include "msdc.h"
#include "msdc_blk.h"
#include "msdc_regs.h"
#include "sd_card.h"

/* MSDCPLL through EMMC_400M_SEL: 400 MHz [L-dtsi], [UB-soc clk-mt7988.c]; ⚠ BL2 assumes 384 MHz (bpi-r4.md §4).
 * If 384 is right, every card clock is 4 % slower than asked, which the card tolerates. */
#define MSDC_SOURCE_HZ 400000000u

static int usage(void)
{
    fprintf(stderr, "usage: mtk-msdc -d | mtk-msdc -i\n");
    return 2;
}

/* Open and map the controller, bring up the card: 0, or 1 with a message (quietly when there is no controller). */
static int bring_up(struct driver_device *dev, struct msdc *host, struct sd_card *card)
{
    long r = driver_open(dev, "mediatek,mt7988-mmc");
    if (r == -E_ACCES) {
        fprintf(stderr, "mtk-msdc: opening the controller needs the privilege init and what it forks have\n");
        return 1;
    }
    if (r < 0)
        return 1; /* no MSDC on this machine */
    if (dev->info.size < MSDC_REGS_SIZE) {
        fprintf(stderr, "mtk-msdc: the controller's registers are %llu bytes, fewer than the driver uses\n",
                (unsigned long long)dev->info.size);
        driver_close(dev);
        return 1;
    }
    r = driver_map(dev);
    if (r < 0) {
        fprintf(stderr, "mtk-msdc: cannot map the controller: error %ld\n", -r);
        driver_close(dev);
        return 1;
    }
    r = msdc_init(host, dev->regs, MSDC_SOURCE_HZ);
    if (r < 0) {
        fprintf(stderr, "mtk-msdc: the controller does not come up: error %ld\n", -r);
        driver_close(dev);
        return 1;
    }
    r = sd_card_init(card, host);
    if (r < 0) {
        fprintf(stderr, "mtk-msdc: no usable SD card: error %ld\n", -r);
        driver_close(dev);
        return 1;
    }
    return 0;
}

static void describe(const struct sd_card *card, const struct msdc *host)
{
    printf("mtk-msdc: SD %s card, %llu sectors (%llu MiB), RCA %#x, %u-bit bus at %u kHz%s\n",
           card->high_capacity ? "SDHC/SDXC" : (card->v2 ? "SDSC v2" : "SDSC v1"), (unsigned long long)card->sectors,
           (unsigned long long)(card->sectors >> 11), card->rca, host->bus_width, host->card_hz / 1000,
           card->write_protected ? ", write-protected" : "");
}

static int info(void)
{
    struct driver_device dev;
    struct msdc host;
    struct sd_card card;
    if (bring_up(&dev, &host, &card))
        return 1;
    describe(&card, &host);
    static uint8_t sector[512];
    long r = sd_card_read(&card, 0, 1, sector);
    if (r < 0) {
        fprintf(stderr, "mtk-msdc: reading sector 0 failed: error %ld\n", -r);
        driver_close(&dev);
        return 1;
    }
    printf("mtk-msdc: sector 0 ends %02x %02x (an MBR ends 55 aa)\n", sector[510], sector[511]);
    driver_close(&dev);
    return 0;
}

static int serve(void)
{
    static struct driver_device dev;
    static struct msdc host;
    static struct sd_card card;
    static struct blkdev disk;
    if (bring_up(&dev, &host, &card))
        return 1;
    describe(&card, &host);
    msdc_blk_init(&disk, &card);
    struct blkdev *devs[1] = {&disk};
    long r = blkdev_serve("disk", devs, 1);
    fprintf(stderr, "mtk-msdc: cannot serve the disk scheme: error %ld\n", -r);
    driver_close(&dev);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "-d") == 0)
        return serve();
    if (argc == 2 && strcmp(argv[1], "-i") == 0)
        return info();
    return usage();
}
