/* sleep seconds: wait that long (fractions allowed: sleep 0.25). */
#include <stdio.h>
#include <stdlib.h>
#include <wren/syscalls.h>

int main(int argc, char **argv)
{
    char *end;
    double s = argc == 2 ? strtod(argv[1], &end) : -1;
    if (argc != 2 || *end || end == argv[1] || s < 0 || s > 1e9) {
        fprintf(stderr, "usage: sleep seconds\n");
        return 2;
    }
    wren_sleep((uint64_t)(s * 1e9));
    return 0;
}
