/* uptime: time since boot, from /scheme/sys/uptime ("ns N" is its first line). */
#include <stdio.h>

int main(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: uptime\n");
        return 2;
    }
    FILE *f = fopen("/scheme/sys/uptime", "r");
    if (!f) {
        perror("uptime: /scheme/sys/uptime");
        return 1;
    }
    long long ns;
    int ok = fscanf(f, "ns %lld", &ns) == 1;
    fclose(f);
    if (!ok) {
        fprintf(stderr, "uptime: /scheme/sys/uptime: not the format uptime knows\n");
        return 1;
    }
    long long s = ns / 1000000000;
    printf("up %lld:%02lld:%02lld.%03lld (%lld.%03lld s)\n", s / 3600, s / 60 % 60, s % 60, ns / 1000000 % 1000, s,
           ns / 1000000 % 1000);
    return 0;
}
