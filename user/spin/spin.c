/* spin [seconds]: burn CPU without a pause (default 10 s), to show the scheduler keeps others running. */
#include <stdio.h>
#include <stdlib.h>
#include <wren/syscalls.h>

int main(int argc, char **argv)
{
    char *end = "";
    double s = argc > 1 ? strtod(argv[1], &end) : 10;
    if (argc > 2 || *end || s < 0) {
        fprintf(stderr, "usage: spin [seconds]\n");
        return 2;
    }
    long until = wren_get_time(WREN_CLOCK_MONOTONIC) + (long)(s * 1e9);
    volatile unsigned long n = 0;
    while (wren_get_time(WREN_CLOCK_MONOTONIC) < until)
        for (int i = 0; i < 100000; i++)
            n++;
    return 0;
}
