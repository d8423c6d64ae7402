/*
 * oom: run as /bin/init by tests/test_memory.py. Reserves far more memory than the machine
 * has and touches it page by page: the kernel must end this program ("out of memory") when
 * RAM runs out, not fail itself, and get every page back.
 */
#include <stdint.h>

#include <wren/print.h>
#include <wren/syscalls.h>

int main(void)
{
    const uint64_t len = 64ull << 30; /* 64 GiB of address space */
    long a = wren_mmap(0, len, WREN_PROT_READ | WREN_PROT_WRITE, WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS, -1, 0);
    if (a < 0) {
        wren_print("oom: mmap failed\n");
        return 1;
    }
    wren_print("oom: touching pages until memory runs out\n");
    for (uint64_t off = 0; off < len; off += 4096)
        *(volatile uint8_t *)(a + off) = 1;
    wren_print("oom: touched 64 GiB?!\n");
    return 0;
}
