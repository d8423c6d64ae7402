/*
 * fatfs [-r] DEVICE SCHEME: serve the FAT volume on DEVICE (any file: /scheme/disk/0p1, a ramfs file holding an
 * image) as /scheme/SCHEME. -r mounts it read-only: every change is E_ROFS and nothing is written to DEVICE.
 *
 * The volume is checked (fat_mount: the BPB, the FAT's size, the free count) before the scheme is registered, so a
 * volume that cannot be served leaves no scheme behind. Registering needs the system privilege, which fatfs then
 * gives up: the device's descriptor and the registration are all it keeps. Changes are written back when a client
 * calls fsync (fsync of "/" is what `sync` does), when the cache must make room, and never in an order that could
 * leave the volume unrepairable (fat.h).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wren/blockcache.h>
#include <wren/syscalls.h>

#include "fatfs.h"

#define CACHE_BLOCK 4096u
#define CACHE_SLOTS 2560u /* 10 MiB: a 4 MiB file, its FAT and directories stay warm */

/* The seconds /scheme/rtc (the RTC service, drivers/rtc) says it is: >= 0, or -1 without a clock. */
static int64_t rtc_seconds(void)
{
    char buf[32];
    int fd = open("/scheme/rtc", O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    char *end;
    long long secs = strtoll(buf, &end, 10);
    return end != buf && (*end == 0 || *end == '\n') && secs >= 0 ? secs : -1;
}

/*
 * The time for timestamps, in seconds since 1970 (-1: unknown, which stamps the FAT epoch). The kernel keeps no
 * real-time clock (get_time's REALTIME is E_NOTSUP while the RTC is a user-space service), so the RTC service is
 * asked once and its answer carried forward on the monotonic clock; without it, asked again at most every 10 s
 * (a service still starting).
 */
static int64_t now_seconds(void)
{
    static int64_t offset = -1, next_try;
    long ns = wren_get_time(WREN_CLOCK_REALTIME);
    if (ns >= 0)
        return ns / 1000000000;
    int64_t mono = wren_get_time(WREN_CLOCK_MONOTONIC) / 1000000000;
    if (offset < 0 && mono >= next_try) {
        int64_t rtc = rtc_seconds();
        if (rtc >= 0)
            offset = rtc - mono;
        else
            next_try = mono + 10;
    }
    return offset < 0 ? -1 : mono + offset;
}

static int usage(void)
{
    fprintf(stderr, "usage: fatfs [-r] DEVICE SCHEME\n");
    return 2;
}

int main(int argc, char **argv)
{
    int read_only = 0, a = 1;
    if (a < argc && strcmp(argv[a], "-r") == 0) {
        read_only = 1;
        a++;
    }
    if (argc - a != 2)
        return usage();
    const char *device = argv[a], *scheme = argv[a + 1];
    int fd = open(device, read_only ? O_RDONLY : O_RDWR);
    if (fd < 0) {
        fprintf(stderr, "fatfs: cannot open %s\n", device);
        return 1;
    }
    struct bc_dev dev;
    uint64_t size;
    if (bc_dev_from_fd(fd, &dev, &size) < 0) {
        fprintf(stderr, "fatfs: cannot find the size of %s\n", device);
        return 1;
    }
    struct blockcache *bc = bc_create(&dev, size, CACHE_BLOCK, CACHE_SLOTS);
    if (!bc) {
        fprintf(stderr, "fatfs: no memory for the block cache\n");
        return 1;
    }
    static struct fat_vol vol;
    long r = fat_mount(&vol, bc, read_only, now_seconds);
    if (r < 0) {
        fprintf(stderr, "fatfs: %s: not a FAT volume fatfs can serve (error %ld)\n", device, -r);
        return 1;
    }
    long server = wren_scheme_register_name(scheme);
    if (server < 0) {
        fprintf(stderr, "fatfs: cannot register scheme %s (error %ld)\n", scheme, -server);
        return 1;
    }
    wren_port_drop_privilege();
    printf("fatfs: serving %s as /scheme/%s: FAT%d%s, %u clusters of %u bytes, %u free\n", device, scheme, vol.type,
           read_only ? " read-only" : "", vol.clusters, vol.cluster_size, vol.free_count);
    fflush(stdout);
    r = wren_scheme_serve((wren_handle_t)server, &fatfs_ops, &vol);
    fprintf(stderr, "fatfs: serving stopped (error %ld)\n", -r);
    fat_sync(&vol);
    return 1;
}
