/*
 * /bin/rng: the virtio entropy driver (drivers/README.md, "rng").
 *
 *   rng -d      the service: find the device, register the scheme `rand` and serve /scheme/rand (serve.c).
 *   rng -t N    read N bytes (1 to 65536) from the device itself and print them in hex, 32 to a line: a check of
 *               the device side without the scheme. Like -d it needs the privilege (init, what init forks).
 *
 * Exit status 0; 1 with a message when the device cannot be found or read (silently for -d when no device is
 * attached, so that init can start it on any machine); 2 on bad arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wren/syscalls.h>

#include "entropy.h"
#include "rng.h"

static int usage(void)
{
    fprintf(stderr, "usage: rng -d | rng -t bytes\n");
    return 2;
}

static int test_read(long n)
{
    struct entropy e;
    long r = entropy_open(&e);
    if (r < 0) {
        fprintf(stderr, "rng: no virtio entropy device (%ld)\n", r);
        return 1;
    }
    static unsigned char buf[65536];
    r = entropy_read(&e, buf, (size_t)n);
    entropy_close(&e);
    if (r < 0) {
        fprintf(stderr, "rng: reading the device failed (%ld)\n", r);
        return 1;
    }
    printf("rng: %ld bytes from %s (virtio-mmio version %u)\n", r, e.node, e.dev.version);
    for (long i = 0; i < r; i++)
        printf("%02x%s", buf[i], i % 32 == 31 || i == r - 1 ? "\n" : "");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "-d") == 0)
        return rng_serve();
    if (argc == 3 && strcmp(argv[1], "-t") == 0) {
        char *end;
        long n = strtol(argv[2], &end, 10);
        if (*end || n < 1 || n > 65536)
            return usage();
        return test_read(n);
    }
    return usage();
}
