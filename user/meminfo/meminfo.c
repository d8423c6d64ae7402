/* meminfo: physical memory — total, free, kept by the kernel, in use by processes. */
#include <stdio.h>
#include <wren/syscalls.h>

int main(int argc, char **argv)
{
    struct wren_meminfo mi;
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: meminfo\n");
        return 2;
    }
    if (wren_mem_info(&mi) < 0)
        return 1;
    printf("total  %8llu KiB\nfree   %8llu KiB\nkernel %8llu KiB\nused   %8llu KiB\npage   %8u bytes\n",
           (unsigned long long)(mi.total / 1024), (unsigned long long)(mi.free / 1024),
           (unsigned long long)(mi.kernel / 1024), (unsigned long long)((mi.total - mi.free - mi.kernel) / 1024),
           (unsigned)mi.page_size);
    return 0;
}
