/*
 * dmesg: print the kernel log (/scheme/sys/log): everything the kernel printed since boot, as far as its ring
 * still holds it. The file's first line says how many bytes are gone ("dropped N"); dmesg says so first when any
 * are, then copies the log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: dmesg\n");
        return 2;
    }
    FILE *f = fopen("/scheme/sys/log", "r");
    if (!f) {
        perror("dmesg: /scheme/sys/log");
        return 1;
    }
    unsigned long long dropped;
    if (fscanf(f, "dropped %llu", &dropped) != 1 || fgetc(f) != '\n') {
        fprintf(stderr, "dmesg: /scheme/sys/log: not the format dmesg knows\n");
        return 1;
    }
    if (dropped)
        printf("dmesg: %llu earlier bytes dropped\n", dropped);
    static char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        fwrite(buf, 1, n, stdout);
    fclose(f);
    return 0;
}
