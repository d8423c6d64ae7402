/*
 * nop: the smallest useful program, for benchmarks. Exits 0 at once; with the argument
 * "sleep" it first sleeps 100 ms (so it stays alive while its cost is measured).
 */
#include <wren/syscalls.h>

int main(int argc, char **argv)
{
    if (argc > 1 && argv[1][0] == 's')
        wren_sleep(100000000);
    return 0;
}
