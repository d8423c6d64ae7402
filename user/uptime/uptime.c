/* uptime: time since boot. */
#include <stdio.h>
#include <wren/syscalls.h>

int main(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: uptime\n");
        return 2;
    }
    long ns = wren_get_time(WREN_CLOCK_MONOTONIC);
    long s = ns / 1000000000;
    printf("up %ld:%02ld:%02ld.%03ld (%ld.%03ld s)\n", s / 3600, s / 60 % 60, s % 60, ns / 1000000 % 1000, s,
           ns / 1000000 % 1000);
    return 0;
}
