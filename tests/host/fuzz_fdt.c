// sources: kernel/lib/fdt.c kernel/dev/platform.c kernel/lib/format.c
// libFuzzer entry point for the DTB reader and the platform decoder (built by ninja; run by tests/test_fuzz.py).
// See tests/host/README.md for a longer run.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fdt.h"
#include "dev/platform.h"

static void discard(const char *line)
{
    (void)line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct platform p;
    struct fdt f;
    uint64_t a;
    uint64_t s;

    if (fdt_init(&f, data, size) != 0)
        return 0;
    platform_from_fdt(&f, &p);
    platform_print(&p, discard);
    // Walk every node through the generic API too, bounded so a huge valid tree stays fast.
    int count = 0;
    for (int n = fdt_next_node(&f, -1); n >= 0 && count < 256; n = fdt_next_node(&f, n), count++) {
        fdt_node_name(&f, n, NULL);
        fdt_read_reg(&f, n, 0, &a, &s);
        fdt_node_is_okay(&f, n);
        for (int pr = fdt_first_prop(&f, n); pr >= 0; pr = fdt_next_prop(&f, pr))
            fdt_prop_at(&f, pr, NULL, NULL, NULL);
    }
    fdt_path_offset(&f, "serial0:115200n8");
    fdt_path_offset(&f, "/soc/serial@11000000");
    return 0;
}
